"""The ASGI layers around every request, as plain ASGI (no per-request task or stream of Starlette's
BaseHTTPMiddleware):

- `Outcomes`, outermost: gives each request an id (`X-Request-Id`), counts every answer by route and status
  (5xx included), and turns an error nobody handled into a 500 that says only "internal error" with that id,
  the detail going to the log. The exception stops here, so the server keeps the connection open.
- `BodyLimits`, inside it: refuses a body over the size limit (413) before reading more of it, and a JSON body
  nested deeper than the depth limit (400) before any parser sees it.
- `SignedRequests`, inside that: a party with a request key must sign each request; answers to signed requests
  are signed.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from threading import Lock
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scf_ledger.api.problems import problem_response
from scf_ledger.services import signing
from scf_ledger.services.errors import Unauthorized

log = logging.getLogger("scf_ledger.api")

MAX_BODY_BYTES = 64 * 1024  # the largest body of any route is about 2 KiB
MAX_JSON_DEPTH = 32  # the deepest body of any route has 3 levels


class RequestCounter:
    """Answers by (route template, status), for /v1/metrics."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, int]] = Counter()
        self._lock = Lock()

    def add(self, route: str, status: int) -> None:
        with self._lock:
            self._counts[(route, status)] += 1

    def snapshot(self) -> dict[tuple[str, int], int]:
        with self._lock:
            return dict(self._counts)


class Outcomes:
    def __init__(self, app: ASGIApp, counter: RequestCounter, route_of: Callable[[Scope], str]) -> None:
        self.app, self.counter, self.route_of = app, counter, route_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        status: list[int] = []

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("internal error in %s %s (request %s)", scope["method"], scope["path"], request_id)
            if status:  # the answer had started: nothing more can be said on this response
                return
            detail = f"internal error; quote request {request_id} when you report it"
            response = problem_response(500, "Internal error", detail, "internal-error", request_id=request_id)
            await response(scope, receive, send_with_id)
        finally:
            self.counter.add(self.route_of(scope), status[0] if status else 500)


_JSON_SPECIAL = re.compile(rb'[\[\]{}"\\]')
_OPENERS, _CLOSERS, _QUOTE, _BACKSLASH = b"[{", b"]}", ord('"'), ord("\\")


def nested_deeper_than(body: bytes, limit: int) -> bool:
    """Whether JSON text opens more than `limit` arrays or objects inside one another. Linear in the body's
    length; the common case is a count of brackets."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for char in _brackets_outside_strings(body):
        depth += 1 if char in _OPENERS else -1
        if depth > limit:
            return True
    return False


def _brackets_outside_strings(body: bytes) -> Iterator[int]:
    in_string, escaped = False, -1
    for match in _JSON_SPECIAL.finditer(body):
        at = match.start()
        char = body[at]
        if in_string:
            if at == escaped:  # the character after a backslash
                continue
            if char == _BACKSLASH:
                escaped = at + 1
            elif char == _QUOTE:
                in_string = False
        elif char == _QUOTE:
            in_string = True
        else:
            yield char


class BodyLimits:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app, self.max_bytes, self.max_depth = app, max_bytes, max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:  # no Content-Length (chunked), or more than it said
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if nested_deeper_than(body, self.max_depth):
            detail = f"the body is nested more than {self.max_depth} levels deep"
            await problem_response(400, "Body nested too deeply", detail, "body-too-deep")(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"a request body is at most {self.max_bytes // 1024} KiB"
        response = problem_response(413, "Body too large", detail, "body-too-large", headers={"Connection": "close"})
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body read already, then whatever the client sends next (a disconnect)."""
    sent = False

    async def again() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return await receive()  # type: ignore[no-any-return]
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


class SignedRequests:
    """Inside `BodyLimits` (the body is read already): a party that registered a request key must have signed
    the request (services/signing.py), else 401 naming what is wrong; the answer to a signed request is signed
    with the platform's key. A request without a known API key passes on, to be answered 401 by its route."""

    def __init__(self, app: ASGIApp, runtime_of: Callable[[Scope], Any]) -> None:
        self.app, self.runtime_of = app, runtime_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"]) if scope["type"] == "http" else {}
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        if not authorization.startswith("Bearer "):
            await self.app(scope, receive, send)
            return
        rt = self.runtime_of(scope)
        party = await run_in_threadpool(rt.party_for_key, authorization.removeprefix("Bearer ").strip())
        if party is not None:  # looked up once: `current_party` takes it from this request's own state
            scope["state"] = {**scope.get("state", {}), "party": party}
        signed = headers.get(signing.REQUEST_HEADER.encode())
        if party is None or not (party.signs_requests or signed):
            await self.app(scope, receive, send)
            return
        body = b""
        message = await receive()
        if message["type"] == "http.request":
            body = message.get("body", b"")
        request = signing.SignedRequest(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            body,
            signed.decode("latin-1") if signed else None,
        )
        try:
            await run_in_threadpool(signing.verify, rt, party, request)
        except Unauthorized as refused:
            await problem_response(401, refused.title, refused.detail, _slug(refused.title))(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), _signing(send, rt, signing.sign_response))


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _signing(send: Send, rt: Any, sign: Callable[[Any, bytes], str]) -> Send:
    """A `send` that holds the answer back until its body is complete, then sends it with its signature."""
    start: list[Message] = []
    chunks: list[bytes] = []

    async def signed(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.append(message)
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(chunks)
        head = start[0]
        head["headers"] = [*head.get("headers", []), (b"scf-response-signature", sign(rt, body).encode())]
        await send(head)
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return signed
