"""A fault-injecting JSON-RPC proxy between the service and its node: it forwards every call, and on demand
loses the answer to a call the node has already executed, or answers 503 for a while."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


class FaultyProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self._lose: dict[str, float] = {}  # method -> seconds of silence after it was forwarded
        self._hold: dict[str, float] = {}  # method -> seconds its answer is held back
        self._down_until = 0.0
        self._hiding_receipts = False
        self._lock = threading.Lock()
        self.forwarded: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = proxy._handle(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def lose_answer_to(self, method: str, then_down_for: float) -> None:
        """The next `method` call is executed by the node, its answer replaced by a 503, and every call after
        it answered 503 for `then_down_for` seconds."""
        with self._lock:
            self._lose[method] = then_down_for

    def hold_answer_to(self, method: str, seconds: float) -> None:
        """The next `method` call is executed by the node and its answer held back for `seconds`."""
        with self._lock:
            self._hold[method] = seconds

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
            self._hiding_receipts = False
            self._down_until = 0.0

    def close(self) -> None:
        self._server.shutdown()

    def _handle(self, body: bytes) -> tuple[int, bytes]:
        calls = json.loads(body)
        methods = [c["method"] for c in (calls if isinstance(calls, list) else [calls])]
        with self._lock:
            if time.monotonic() < self._down_until:
                return 503, b'{"error": "unavailable"}'
            lost = next((self._lose.pop(m) for m in methods if m in self._lose), None)
            held = next((self._hold.pop(m) for m in methods if m in self._hold), 0.0)
            if self._hiding_receipts and methods == ["eth_getTransactionReceipt"]:
                return 200, json.dumps({"jsonrpc": "2.0", "id": calls["id"], "result": None}).encode()
        answer = httpx.post(self.upstream, content=body, headers={"Content-Type": "application/json"}, timeout=30)
        self.forwarded.extend(methods)
        time.sleep(held)
        if lost is not None:  # executed by the node; the caller never hears of it
            self.down_for(lost)
            return 503, b'{"error": "unavailable"}'
        return answer.status_code, answer.content
