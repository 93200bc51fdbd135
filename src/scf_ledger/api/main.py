"""The FastAPI application: the /v1 API, and the dashboard's pages at /."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response

from scf_ledger.api import problems
from scf_ledger.api.routes import market, orders, participants, receivables, reports, settlement, system
from scf_ledger.services.runtime import Runtime
from scf_ledger.web import pages

API_PREFIX = "/v1"


class RequestCounter:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()

    def add(self, route: str, status: int) -> None:
        with self._lock:
            self._counts[(route, status)] += 1

    def snapshot(self) -> dict[tuple[str, int], int]:
        with self._lock:
            return dict(self._counts)


def route_template(request: Request) -> str:
    """The matched route's path template with the prefix it was included under ("/v1/orders/{order_id}")."""
    route = request.scope.get("route")
    if route is None:
        return "unmatched"
    included = request.scope.get("fastapi", {}).get("included_router")
    prefix = included.include_context.prefix if included is not None else ""
    return prefix + str(getattr(route, "path", ""))


def create_app(rt: Runtime, *, background_indexing: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if background_indexing:
            rt.start_background_indexing()
        yield
        rt.close()

    app = FastAPI(title="scf-ledger", version="0.1.0", lifespan=lifespan, docs_url="/docs")
    app.state.runtime = rt
    app.state.metrics = RequestCounter()
    problems.install(app)
    api = APIRouter(prefix=API_PREFIX)
    for module in (participants, orders, receivables, market, settlement, system, reports):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(pages.router)

    @app.middleware("http")
    async def count(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        app.state.metrics.add(route_template(request), response.status_code)
        return response

    return app
