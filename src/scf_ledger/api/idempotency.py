"""`Idempotency-Key` on every POST, as a route class: the same key and body return the stored response
(`Idempotent-Replay: true`); the same key with another body is refused (422); a duplicate while the first is
still running is refused (409); a request that failed leaves no record, so it may be retried.

Routers opt in with `APIRouter(route_class=IdempotentRoute)`; handlers stay unaware of it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from scf_ledger.api.deps import MAX_IDEMPOTENCY_KEY, bearer_key, idempotency_key
from scf_ledger.api.problems import Problem
from scf_ledger.services.runtime import Runtime
from scf_ledger.store.models import IdempotencyRow

IN_PROGRESS = 0


def request_digest(route: str, body: Any) -> str:
    return hashlib.sha256(json.dumps([route, body], sort_keys=True, default=str).encode()).hexdigest()


def _canonical(raw: bytes) -> Any:
    """The body as parsed JSON, so that spacing and key order do not make it "another body"."""
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return raw.decode("utf-8", "replace")


def _claim(rt: Runtime, party: str, key: str, digest: str) -> JSONResponse | None:
    """Records the key as in progress, or returns the stored response of its earlier request."""
    try:
        with rt.sessions.begin() as session:
            row = session.get(IdempotencyRow, (party, key))
            if row is None:
                session.add(
                    IdempotencyRow(party=party, key=key, request_digest=digest, status_code=IN_PROGRESS, response={})
                )
                return None
            if row.request_digest != digest:
                raise Problem(422, "Idempotency-Key reused", f"key {key!r} was used for another request")
            if row.status_code == IN_PROGRESS:
                raise Problem(409, "Request in progress", f"a request with key {key!r} is still running")
            return JSONResponse(row.response, status_code=row.status_code, headers={"Idempotent-Replay": "true"})
    except IntegrityError:  # another request inserted the same key first
        raise Problem(409, "Request in progress", f"a request with key {key!r} is still running") from None


def _finish(rt: Runtime, party: str, key: str, response: Response | None) -> None:
    """Stores a successful response for replays; forgets the key of a failed attempt."""
    with rt.sessions.begin() as session:
        row = session.get(IdempotencyRow, (party, key))
        if row is None:
            return
        if response is None or response.status_code >= 300:
            session.delete(row)
        else:
            row.status_code, row.response = response.status_code, json.loads(bytes(response.body))


class IdempotentRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        dependencies = list(kwargs.get("dependencies") or [])
        if "POST" in (kwargs.get("methods") or ()) and all(d.dependency is not idempotency_key for d in dependencies):
            kwargs["dependencies"] = [*dependencies, Depends(idempotency_key)]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if "POST" not in self.methods:
            return handler

        async def once(request: Request) -> Response:
            key = request.headers.get("Idempotency-Key")
            rt: Runtime = request.app.state.runtime
            api_key = bearer_key(request.headers.get("Authorization"))
            party = await run_in_threadpool(rt.party_for_key, api_key) if key is not None and api_key else None
            if key is None or party is None:  # no key, or no caller (the handler answers 401)
                return await handler(request)
            request.state.party = party  # authenticated once: `current_party` takes it from here
            if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
                raise Problem(
                    422, "Invalid Idempotency-Key", f"an Idempotency-Key has 1 to {MAX_IDEMPOTENCY_KEY} characters"
                )
            digest = request_digest(f"POST {request.url.path}", _canonical(await request.body()))
            stored = await run_in_threadpool(_claim, rt, party.address, key, digest)
            if stored is not None:
                return stored
            response = None
            try:
                response = await handler(request)
            finally:
                await run_in_threadpool(_finish, rt, party.address, key, response)
            return response

        return once
