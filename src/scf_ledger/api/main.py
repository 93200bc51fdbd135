"""The FastAPI application: the /v1 API, and the dashboard's pages at /."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import Scope

from scf_ledger.api import openapi, problems
from scf_ledger.api.durable import resume_pending
from scf_ledger.api.middleware import BodyLimits, Outcomes, RequestCounter, SignedRequests
from scf_ledger.api.routes import (
    desk,
    dilution,
    keys,
    market,
    operations,
    orders,
    participants,
    receivables,
    reports,
    settlement,
    statements,
    system,
    valuation,
    webhooks,
)
from scf_ledger.services import operations as pending_operations
from scf_ledger.services.runtime import Runtime
from scf_ledger.services.webhooks import Dispatcher
from scf_ledger.web import pages

API_PREFIX = "/v1"
log = logging.getLogger("scf_ledger.api")


def route_template(scope: Scope) -> str:
    """The matched route's path template with the prefix it was included under ("/v1/orders/{order_id}")."""
    route = scope.get("route")
    if route is None:
        return "unmatched"
    included = scope.get("fastapi", {}).get("included_router")
    prefix = included.include_context.prefix if included is not None else ""
    return prefix + str(getattr(route, "path", ""))


async def _recover(app: FastAPI, interval: float) -> None:
    """The recovery loop: runs again, under a lease, every pending operation no live worker holds."""
    while True:
        try:
            await resume_pending(app)
        except Exception:  # logged and tried again at the next tick
            log.exception("recovering pending operations failed")
        await asyncio.sleep(interval)


def create_app(rt: Runtime, *, background_indexing: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        recovery, dispatcher = None, None
        if background_indexing:
            if rt.db_url.startswith("sqlite"):  # one process per SQLite file: a lease left is a dead one's
                pending_operations.release_all(rt)
            rt.start_background_indexing()
            recovery = asyncio.create_task(_recover(app, rt.settings.index_interval))
            dispatcher = Dispatcher(rt)
            dispatcher.start()
        yield
        if recovery is not None:
            recovery.cancel()
        if dispatcher is not None:
            dispatcher.stop()
        rt.close()

    app = FastAPI(title="scf-ledger", version="0.1.0", lifespan=lifespan, docs_url="/docs")
    app.state.runtime = rt
    app.state.metrics = RequestCounter()
    problems.install(app)
    modules = (
        participants,
        orders,
        receivables,
        market,
        settlement,
        operations,
        system,
        reports,
        desk,
        dilution,
        valuation,
        statements,
        keys,
        webhooks,
    )
    routers = [m.router for m in modules]
    for router in routers:  # each straight under the app: a level of included routers costs every request
        app.include_router(router, prefix=API_PREFIX)
    app.state.path_methods = problems.path_methods(API_PREFIX, routers)
    app.include_router(pages.router)
    app.add_middleware(SignedRequests, runtime_of=lambda scope: scope["app"].state.runtime)
    app.add_middleware(BodyLimits)
    app.add_middleware(Outcomes, counter=app.state.metrics, route_of=route_template)  # outermost: sees all
    openapi.install(app)
    return app
