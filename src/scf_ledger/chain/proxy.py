"""A fault-injecting JSON-RPC proxy to put between the service and its node (the exactly-once tests and the
recovery benchmark use it). It forwards every call, and on demand:

- loses the answer to a call the node has already executed (answers 503 instead, then stays down a while);
- holds an answer back (a slow node);
- answers 503 without forwarding (a node that is down, for every call or for one kind);
- drops the connection after the node executed the call (no HTTP answer at all);
- refuses a call with a JSON-RPC error without forwarding it (bytes the node will never take);
- hides receipts (a node that seems never to mine)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

UNAVAILABLE = (503, b'{"error": "unavailable"}')
DROPPED = (0, b"")  # no answer: the connection is closed


class FaultyProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self._lose: dict[str, float] = {}  # method -> seconds of silence after it was forwarded
        self._hold: dict[str, float] = {}  # method -> seconds its answer is held back
        self._drop: set[str] = set()  # methods whose next call is executed and its connection dropped
        # method -> (JSON-RPC error message, or None for a 503; the params refused, or None for any), until healed
        self._refuse: dict[str, tuple[str | None, list[Any] | None]] = {}
        self._passing: dict[str, int] = {}  # method -> calls still let through before its faults apply
        self._down_until = 0.0
        self._hiding_receipts = False
        self._lock = threading.Lock()
        self.received: list[str] = []  # methods of every call that arrived, faulty or not
        self.forwarded: list[str] = []  # methods of every call the node got
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = proxy._handle(body)
                if status == 0:
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def let_through(self, method: str, calls: int) -> None:
        """The next `calls` calls of `method` pass untouched; the faults set for it apply from the one after."""
        with self._lock:
            self._passing[method] = calls

    def lose_answer_to(self, method: str, then_down_for: float) -> None:
        """The next `method` call is executed by the node, its answer replaced by a 503, and every call after
        it answered 503 for `then_down_for` seconds."""
        with self._lock:
            self._lose[method] = then_down_for

    def hold_answer_to(self, method: str, seconds: float) -> None:
        """The next `method` call is executed by the node and its answer held back for `seconds`."""
        with self._lock:
            self._hold[method] = seconds

    def drop_connection_on(self, method: str) -> None:
        """The next `method` call is executed by the node and the connection closed without an answer."""
        with self._lock:
            self._drop.add(method)

    def refuse(self, method: str, message: str | None = None, params: list[Any] | None = None) -> None:
        """Until healed, `method` calls (those with `params`, if given) never reach the node: they are answered
        with a JSON-RPC error saying `message`, or with a 503 when there is none."""
        with self._lock:
            self._refuse[method] = (message, params)

    def hide_receipts(self) -> None:
        """Until healed, the node seems never to mine: every receipt asked for is not there (yet)."""
        with self._lock:
            self._hiding_receipts = True

    def down_for(self, seconds: float) -> None:
        with self._lock:
            self._down_until = time.monotonic() + seconds

    def heal(self) -> None:
        with self._lock:
            self._lose.clear()
            self._hold.clear()
            self._drop.clear()
            self._refuse.clear()
            self._passing.clear()
            self._hiding_receipts = False
            self._down_until = 0.0

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, body: bytes) -> tuple[int, bytes]:
        calls = json.loads(body)
        single = calls if isinstance(calls, dict) else None
        methods = [c["method"] for c in (calls if isinstance(calls, list) else [calls])]
        with self._lock:
            self.received.extend(methods)
            if time.monotonic() < self._down_until:
                return UNAVAILABLE
            passing = next((m for m in methods if self._passing.get(m, 0) > 0), None)
            if passing is not None:
                self._passing[passing] -= 1
                methods = []  # no fault for this one
            refusal = self._refuse.get(single["method"]) if single is not None and methods else None
            if refusal is not None and refusal[1] in (None, single["params"]):
                if refusal[0] is None:
                    return UNAVAILABLE
                error = {"code": -32000, "message": refusal[0]}
                return 200, json.dumps({"jsonrpc": "2.0", "id": single["id"], "error": error}).encode()
            lost = next((self._lose.pop(m) for m in methods if m in self._lose), None)
            held = next((self._hold.pop(m) for m in methods if m in self._hold), 0.0)
            dropped = next((True for m in methods if m in self._drop), False)
            self._drop.difference_update(methods)
            if self._hiding_receipts and single is not None and methods == ["eth_getTransactionReceipt"]:
                return 200, json.dumps({"jsonrpc": "2.0", "id": single["id"], "result": None}).encode()
        answer = httpx.post(self.upstream, content=body, headers={"Content-Type": "application/json"}, timeout=30)
        self.forwarded.extend(c["method"] for c in (calls if isinstance(calls, list) else [calls]))
        time.sleep(held)
        if dropped:
            return DROPPED
        if lost is not None:  # executed by the node; the caller never hears of it
            self.down_for(lost)
            return UNAVAILABLE
        return answer.status_code, answer.content
