"""Every write request (POST, DELETE) is a durable operation (services/operations.py), as a route class;
handlers stay unaware of it.

- A known outcome is answered as it is (201, or the problem) and stored; a retry with the same
  `Idempotency-Key` and body gets the stored answer (`Idempotent-Replay: true`), the same key with another
  body is refused (422). A request refused before any transaction was signed leaves no record: it may be
  retried.
- An open outcome (a transaction was signed and the node went silent, or no receipt came in time) answers
  `202 Accepted` with `Location: /v1/operations/{id}`; the operation stays `pending`, and a retry with the
  same key gets it as it stands, never new work. The recovery loop (`resume_pending`) runs it again: its
  recorded steps are replayed, its signed transactions broadcast again as they are, until it ends.

Routers opt in with `APIRouter(route_class=DurableRoute)`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from scf_ledger.api.deps import MAX_IDEMPOTENCY_KEY, bearer_key, idempotency_key
from scf_ledger.api.problems import Problem, handle_known, problem_response
from scf_ledger.chain.errors import OutcomeUnknown, TransactionTimeout
from scf_ledger.services import jobs, operations
from scf_ledger.services.journal import Journal, active
from scf_ledger.services.runtime import Party, Runtime
from scf_ledger.store.models import OperationRow

log = logging.getLogger("scf_ledger.api")

WRITES = frozenset({"POST", "DELETE"})
# After a transaction was signed, these leave its fate open: the operation stays pending and is run again.
OPEN_OUTCOMES = (OutcomeUnknown, TransactionTimeout, OSError)
RESUME = "scf.resume_operation"  # ASGI scope key set by the recovery loop only (no client can set it)
AS_PARTY = "scf.as_party"  # ASGI scope key set by the dashboard's forms only: the party of a live session


def request_digest(route: str, body: Any) -> str:
    return hashlib.sha256(json.dumps([route, body], sort_keys=True, default=str).encode()).hexdigest()


def _canonical(raw: bytes) -> Any:
    """The body as parsed JSON, so that spacing and key order do not make it "another body"."""
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return raw.decode("utf-8", "replace")


def accepted(rt: Runtime, row: OperationRow) -> JSONResponse:
    """202: the operation is under way; where to follow it."""
    body = operations.out(rt, row).model_dump(mode="json")
    return JSONResponse(body, status_code=202, headers={"Location": f"/v1/operations/{row.id}"})


def stored(row: OperationRow) -> JSONResponse:
    return JSONResponse(row.response, status_code=row.status_code or 200, headers={"Idempotent-Replay": "true"})


async def _operation(request: Request, rt: Runtime) -> tuple[OperationRow, Party, bool] | Response | None:
    """The operation this request runs (new, or resumed by the recovery loop), or the answer for a key used
    before, or None when there is no caller (the handler answers 401)."""
    resumed = request.scope.get(RESUME)
    if resumed is not None:
        row = await run_in_threadpool(operations.load, rt, resumed)
        party = await run_in_threadpool(rt.party_of_address, row.party) if row else None
        if row is not None and party is None:
            await run_in_threadpool(operations.abandon, rt, row.id, f"party {row.party} is not known any more")
        return (row, party, False) if row is not None and party is not None else None
    # The desk's own writes name their party; others were looked up once already by the signing layer.
    party: Party | None = request.scope.get(AS_PARTY) or request.scope.get("state", {}).get("party")
    if party is None:
        api_key = bearer_key(request.headers.get("Authorization"))
        party = await run_in_threadpool(rt.party_for_key, api_key) if api_key else None
    if party is None:
        return None
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise Problem(422, "Invalid Idempotency-Key", f"an Idempotency-Key has 1 to {MAX_IDEMPOTENCY_KEY} characters")
    body = await request.body()
    asked = operations.Request(request.method, request.url.path, request.url.query, body.decode("utf-8", "replace"))
    digest = request_digest(asked.route, _canonical(body))
    row, created = await run_in_threadpool(operations.begin, rt, party, key, asked, digest)
    if created:
        return row, party, True
    return accepted(rt, row) if row.status == operations.PENDING else stored(row)


async def _settle(request: Request, rt: Runtime, row: OperationRow, journal: Journal, exc: Exception) -> Response:
    """The answer when the handler raised: the problem for a refusal (stored once something was signed), 202
    when the outcome is open; an error with nothing signed leaves no record and is answered as usual."""
    known = await handle_known(request, exc)
    if known is not None:
        if journal.broadcast:
            await run_in_threadpool(operations.finish, rt, journal, known.status_code, json.loads(bytes(known.body)))
        else:
            await run_in_threadpool(operations.forget, rt, row.id)
        return known
    if not journal.broadcast:
        await run_in_threadpool(operations.forget, rt, row.id)
        raise exc
    if not isinstance(exc, OPEN_OUTCOMES):  # not about the node's answer: running it again would end the same
        log.error("operation %s failed", row.id, exc_info=exc)
        detail = f"internal error; quote operation {row.id} when you report it"
        failed = problem_response(500, "Internal error", detail, "internal-error", operation=row.id)
        await run_in_threadpool(operations.finish, rt, journal, 500, json.loads(bytes(failed.body)))
        return failed
    log.warning("operation %s is open after %s: %s", row.id, type(exc).__name__, exc)
    await run_in_threadpool(operations.release, rt, row.id)
    return accepted(rt, await run_in_threadpool(operations.load, rt, row.id) or row)


class DurableRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        dependencies = list(kwargs.get("dependencies") or [])
        writes = WRITES & set(kwargs.get("methods") or ())
        if writes and all(d.dependency is not idempotency_key for d in dependencies):
            kwargs["dependencies"] = [*dependencies, Depends(idempotency_key)]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not WRITES & self.methods:
            return handler

        async def durably(request: Request) -> Response:
            rt: Runtime = request.app.state.runtime
            found = await _operation(request, rt)
            if found is None or isinstance(found, Response):
                return found if found is not None else await handler(request)
            row, party, new = found
            request.state.party = party  # authenticated once: `current_party` takes it from here
            journal = rt.journal(row.id, new=True) if new else await run_in_threadpool(rt.journal, row.id, new=False)
            try:
                with active(journal):
                    response = await handler(request)
            except Exception as exc:
                return await _settle(request, rt, row, journal, exc)
            body = json.loads(bytes(response.body)) if response.body else None
            await run_in_threadpool(operations.finish, rt, journal, response.status_code, body)
            return response

        return durably


async def resume_pending(app: FastAPI) -> int:
    """Runs again every pending operation no worker holds, through the app itself (the same route, the same
    handler, its recorded steps replayed), all at once: one signer's recorded transactions are then all on
    their way together, whatever order their nonces are in. Returns how many it took."""
    rt: Runtime = app.state.runtime
    taken = await run_in_threadpool(operations.take_over, rt, jobs.RESUMABLE)
    await asyncio.gather(
        *(_resume(app, row) if jobs.name_of(row) is None else run_in_threadpool(_resume_job, rt, row) for row in taken)
    )
    return len(taken)


def _resume_job(rt: Runtime, row: OperationRow) -> None:
    """A background job's operation run again from its journal: it ends succeeded, or failed for an error
    the node's answer does not explain; an open outcome leaves it pending for the next round."""
    journal = rt.journal(row.id, new=False)
    try:
        with active(journal):
            jobs.run_again(rt, row)
    except OPEN_OUTCOMES as exc:
        log.warning("job operation %s is open after %s: %s", row.id, type(exc).__name__, exc)
        operations.release(rt, row.id)
        return
    except Exception as exc:
        log.error("job operation %s failed", row.id, exc_info=exc)
        operations.finish(rt, journal, 500, {"title": "Internal error", "detail": f"{type(exc).__name__}"})
        return
    operations.finish(rt, journal, 200, {"job": jobs.name_of(row)})


def _scope(method: str, path: str, query: str, headers: list[tuple[bytes, bytes]], **extra: Any) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
        **extra,
    }


async def _resume(app: FastAPI, row: OperationRow) -> None:
    asked = operations.Request.of(row.request)
    await _call(app, _scope(asked.method, asked.path, asked.query, [], **{RESUME: row.id}), asked.body.encode())


async def write_as(
    app: FastAPI, party: Party, method: str, path: str, body: dict[str, Any], idempotency_key: str
) -> tuple[int, Any]:
    """A write of the API made in-process for `party` (the dashboard's forms): the same route, operation, audit
    record and answer as over HTTP. Returns the status and the parsed answer."""
    headers = [(b"idempotency-key", idempotency_key.encode())]
    answer: dict[str, Any] = {"status": 500, "body": b""}

    async def keep(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await _call(app, _scope(method, path, "", headers, **{AS_PARTY: party}), json.dumps(body).encode(), keep)
    return answer["status"], _canonical(answer["body"])


async def _ignore(_: dict[str, Any]) -> None:
    return None


async def _call(
    app: FastAPI, scope: dict[str, Any], body: bytes, send: Callable[[dict[str, Any]], Any] = _ignore
) -> None:
    """One in-process request to `app`; its answer goes to `send` (the recovery loop's is recorded by the
    operation, not read)."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    await app(scope, receive, send)
