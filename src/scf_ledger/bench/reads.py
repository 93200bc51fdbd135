"""Reads that keep up: `GET /v1/receivables?limit=50` as a holder of 60 receivables, on one `scf serve` worker
(a subprocess, SQLite), at 1 and 16 clients; beside a bare ASGI handler reading the same rows with the same
driver (bench/bare.py), measured in turn in the same run; and again while 16 writers post to the same server.
The load generator (bench/load.py) runs in this process, the servers in their own."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from scf_ledger.bench.load import run_load
from scf_ledger.chain.anvil import free_port
from scf_ledger.domain.constants import UNIT

ORDERS, INSTALLMENTS = 5, 12  # 60 receivables held by the reader
CLIENTS = 16


def _wait(base: str, path: str = "/v1/health", timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + path).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{base} did not start in {timeout:.0f} s")


@contextmanager
def _process(args: list[str]) -> Iterator[None]:
    process = subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def _populate(base: str, admin_key: str) -> tuple[dict[str, str], str]:
    """A gateway, its obligor and a supplier holding ORDERS x INSTALLMENTS receivables; the supplier's headers
    and address."""
    http = httpx.Client(base_url=base, timeout=120)
    admin = {"Authorization": f"Bearer {admin_key}"}

    def party(kind: str, **extra: str) -> dict[str, str]:
        return http.post("/v1/participants", json={"kind": kind, "name": kind, **extra}, headers=admin).json()

    gateway, supplier = party("gateway"), party("supplier")
    buyer = party("obligor", gateway=gateway["address"])
    by_gateway = {"Authorization": f"Bearer {gateway['api_key']}"}
    for _ in range(ORDERS):
        order = http.post(
            "/v1/orders",
            headers=by_gateway,
            json={
                "buyer": buyer["address"],
                "supplier": supplier["address"],
                "principal": str(24 * INSTALLMENTS * UNIT),
                "installments": INSTALLMENTS,
                "fee_bps": 0,
                "document_hash": "0x" + secrets.token_hex(32),
                "profile": {"age": 40, "monthly_income": str(5_000 * UNIT), "employment_months": 40},
            },
        ).json()
        confirmed = http.post(f"/v1/orders/{order['id']}/confirm", headers=by_gateway)
        assert confirmed.status_code == 201, confirmed.text
    http.close()
    return {"Authorization": f"Bearer {supplier['api_key']}"}, supplier["address"]


def _loads(url: str, headers: dict[str, str], seconds: float, prefix: str) -> dict[str, float]:
    results: dict[str, float] = {}
    for clients in (1, CLIENTS):
        load = asyncio.run(run_load(url, clients=clients, seconds=seconds, headers=headers))
        assert set(load.statuses) == {200}, load.statuses
        results |= load.summary(f"{prefix}_{clients}")
    return results


async def _reads_beside_writes(
    url: str, headers: dict[str, str], writes: tuple[str, dict[str, str], bytes], seconds: float
) -> dict[str, float]:
    write_url, write_headers, body = writes
    reads, written = await asyncio.gather(
        run_load(url, clients=CLIENTS, seconds=seconds, headers=headers),
        run_load(write_url, clients=CLIENTS, seconds=seconds, method="POST", headers=write_headers, body=body),
    )
    assert set(reads.statuses) == {200} and set(written.statuses) == {201}, (reads.statuses, written.statuses)
    return reads.summary(f"with_writes_{CLIENTS}") | {"writes_rps": round(written.rps, 1)}


def measure_reads(
    rpc_url: str, deployment_file: Path, seconds: float = 5.0, log: Callable[[str], None] = lambda _: None
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db, key_file, port, bare_port = Path(tmp) / "reads.sqlite", Path(tmp) / "admin.key", free_port(), free_port()
        serve = ["scf_ledger.cli.main", "serve", "--rpc-url", rpc_url, "--deployment", str(deployment_file)]
        serve += ["--db-url", f"sqlite:///{db}", "--admin-key-file", str(key_file), "--port", str(port)]
        base = f"http://127.0.0.1:{port}"
        with _process(serve):
            _wait(base)
            admin_key = key_file.read_text().strip()
            headers, holder = _populate(base, admin_key)
            url = f"{base}/v1/receivables?limit=50"
            listed = httpx.get(url, headers=headers).json()["items"]
            assert len(listed) == 50, listed
            with _process(["scf_ledger.bench.bare", str(db), holder, str(bare_port)]):
                _wait(f"http://127.0.0.1:{bare_port}", "/")
                bare = json.loads(httpx.get(f"http://127.0.0.1:{bare_port}/").text)["items"]
                assert [r["id"] for r in bare] == [r["id"] for r in listed]  # the same rows
                log(f"  reads: {seconds:.0f} s each at 1 and {CLIENTS} clients, ours then the bare handler")
                ours = _loads(url, headers, seconds, "api")
                baseline = _loads(f"http://127.0.0.1:{bare_port}/", {}, seconds, "bare")
            mint = json.dumps({"to": holder, "amount": "1"}).encode()
            admin = {"Authorization": f"Bearer {admin_key}", "Content-Type": "application/json"}
            log(f"  reads while {CLIENTS} writers post /v1/cash")
            busy = asyncio.run(_reads_beside_writes(url, headers, (f"{base}/v1/cash", admin, mint), seconds))
    results = {f"reads.{k}": v for k, v in (ours | baseline | busy).items()}
    results["reads.ratio_to_bare_16"] = round(ours[f"api_{CLIENTS}_rps"] / baseline[f"bare_{CLIENTS}_rps"], 3)
    log(
        f"  {results['reads.api_16_rps']:.0f} req/s at 16 clients (p99 {results['reads.api_16_p99_ms']} ms); "
        f"bare {results['reads.bare_16_rps']:.0f} req/s; with writers {results['reads.with_writes_16_rps']:.0f}"
    )
    return results
