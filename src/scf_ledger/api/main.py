"""The FastAPI application."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from scf_ledger.api import problems
from scf_ledger.api.routes import market, orders, participants, receivables, reports, settlement, system
from scf_ledger.api.service import Service
from scf_ledger.web import pages


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


def create_app(service: Service, *, background_indexing: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if background_indexing:
            service.start_background_indexing()
        yield
        service.close()

    app = FastAPI(title="scf-ledger", version="0.1.0", lifespan=lifespan, docs_url="/docs")
    app.state.service = service
    service.metrics = RequestCounter()  # type: ignore[attr-defined]
    problems.install(app)
    for module in (participants, orders, receivables, market, settlement, system, reports, pages):
        app.include_router(module.router)

    @app.middleware("http")
    async def count(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        route = request.scope.get("route")
        service.metrics.add(getattr(route, "path", "unmatched"), response.status_code)  # type: ignore[attr-defined]
        return response

    return app
