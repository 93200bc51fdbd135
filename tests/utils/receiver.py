"""A webhook receiver on loopback for the tests: verifies every delivery's Standard Webhooks signature with the
secret of the endpoint it was sent to, and keeps what arrived. Each path behaves as told: `ok` answers 204,
`flaky` answers 500 to the first attempt of every event, `hang` answers nothing for `hang_seconds` (then 504,
keeping nothing), `slow` keeps what arrived and then takes `slow_seconds` to answer (a sender killed meanwhile
never hears that it arrived)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Arrival:
    path: str
    event_id: str
    body: bytes
    headers: dict[str, str]

    @property
    def signature(self) -> str:
        return self.headers["webhook-signature"]


@dataclass
class Receiver:
    hang_seconds: float = 5.0
    slow_seconds: float = 1.5
    secrets: dict[str, str] = field(default_factory=dict)  # path -> whsec_ secret
    arrivals: list[Arrival] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # what failed verification, and why
    attempts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                path = self.path.strip("/")
                event_id = self.headers.get("webhook-id", "")
                receiver.attempts[(path, event_id)] += 1
                if path == "hang":
                    time.sleep(receiver.hang_seconds)
                    self.send_response(504)
                    self.end_headers()
                    return
                if path == "flaky" and receiver.attempts[(path, event_id)] == 1:
                    self.send_response(500)
                    self.end_headers()
                    return
                try:
                    Webhook(receiver.secrets[path]).verify(body, dict(self.headers.items()))
                except (WebhookVerificationError, KeyError, ValueError) as exc:
                    receiver.refused.append(f"{path} {event_id}: {exc!r}")
                    self.send_response(400)
                    self.end_headers()
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.arrivals.append(Arrival(path, event_id, body, headers))
                if path == "slow":
                    time.sleep(receiver.slow_seconds)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{path}"

    def ids(self, path: str) -> set[str]:
        return {a.event_id for a in self.arrivals if a.path == path}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
