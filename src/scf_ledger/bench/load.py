"""A small HTTP/1.1 load generator: keep-alive connections on asyncio streams, each sending one request after
another for a fixed time, with every latency recorded. Lean enough that one core of it keeps a one-worker
server busy (httpx's client costs more per request than the server being measured)."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    latencies_ms: tuple[float, ...]
    statuses: dict[int, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else 0.0

    def summary(self, prefix: str) -> dict[str, float]:
        return {
            f"{prefix}_rps": round(self.rps, 1),
            f"{prefix}_p50_ms": round(statistics.median(self.latencies_ms), 2) if self.latencies_ms else 0.0,
            f"{prefix}_p99_ms": round(self.percentile(99), 2),
        }


def _request(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return parts.hostname or "127.0.0.1", parts.port or 80, ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _client(
    host: str, port: int, raw: bytes, until: float, latencies: list[float], statuses: dict[int, int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            began = time.perf_counter()
            writer.write(raw)
            status = await _read_response(reader)
            latencies.append((time.perf_counter() - began) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def run_load(
    url: str,
    *,
    clients: int,
    seconds: float,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> Load:
    """`clients` connections sending the same request back to back for `seconds`."""
    host, port, raw = _request(method, url, headers or {}, body)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    began = time.perf_counter()
    until = began + seconds
    await asyncio.gather(*(_client(host, port, raw, until, latencies, statuses) for _ in range(clients)))
    return Load(len(latencies), time.perf_counter() - began, tuple(latencies), statuses)
