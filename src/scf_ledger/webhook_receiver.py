"""For integrators: a webhook receiver to start from (DESIGN §13). Each delivery is verified by the Standard
Webhooks scheme — HMAC-SHA256 over `webhook-id.webhook-timestamp.body` with the endpoint's `whsec_` secret,
the timestamp within 5 minutes — and answered 204; one that does not verify is answered 400 and dropped.
Delivery is at least once, so an event whose id was seen already is answered 204 and not handed on again.
`scf demo` runs one on loopback for the platform's endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


class WebhookReceiver:
    """Listens on `host:port` (0: any free port) and hands each new, verified event to `on_event`."""

    def __init__(self, secret: str, on_event: Callable[[dict[str, Any]], None], host: str = "127.0.0.1", port: int = 0):
        self.secret, self.on_event = secret, on_event
        self.seen: set[str] = set()
        self.refused = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                self.send_response(receiver.receive(body, dict(self.headers.items())))
                self.end_headers()

            def log_message(self, *_: object) -> None:
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/webhooks"

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        """The status to answer a delivery with, handing a new verified event on."""
        try:
            event = Webhook(self.secret).verify(body, headers)
        except (WebhookVerificationError, ValueError, json.JSONDecodeError):
            with self._lock:
                self.refused += 1
            return 400
        with self._lock:
            if event["id"] in self.seen:
                return 204  # a duplicate: the same id, already handled
            self.seen.add(event["id"])
        self.on_event(event)
        return 204

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
