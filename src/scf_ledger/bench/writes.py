"""Writes on PostgreSQL (DESIGN §9, §14: fsync on): receivable transfers over HTTP through `scf serve --workers N`
(N = 1, 2, 4) from S suppliers at once, each its own custodial signer, against the same transfers signed locally
and pipelined raw from S signers on the same anvil; and the cost of recovery: the time from a restart to every
one of 100 pending operations finished (their bytes signed and recorded, never broadcast)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from scf_ledger.bench.load import Load, run_load
from scf_ledger.chain.anvil import free_port
from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.connection import connect
from scf_ledger.chain.deploy import Deployment
from scf_ledger.chain.gateways import Gateways
from scf_ledger.chain.keys import deployer_account
from scf_ledger.chain.proxy import FaultyProxy
from scf_ledger.chain.sender import Call
from scf_ledger.domain.constants import UNIT
from scf_ledger.domain.enums import Kind
from scf_ledger.store.db import make_engine, session_factory
from scf_ledger.store.models import OperationRow

SEND = "eth_sendRawTransaction"
RAW_GAS = 200_000


def sibling_database(pg_url: str, purpose: str) -> str:
    """A new empty database on the server of `pg_url` (whose own database is left alone); its URL."""
    url = make_url(pg_url)
    name = f"{url.database or 'scf'}_{purpose}_{secrets.token_hex(3)}"
    server = f"host={url.host or '127.0.0.1'} port={url.port or 5432} user={url.username or 'postgres'} dbname=postgres"
    if url.password:
        server += f" password={url.password}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def fsync_of(pg_url: str) -> str:
    engine = make_engine(pg_url)
    try:
        with engine.connect() as connection:
            return str(connection.exec_driver_sql("SHOW fsync").scalar())
    finally:
        engine.dispose()


@dataclass
class Served:
    """`scf serve` in a subprocess, and a client for its platform."""

    base: str
    process: subprocess.Popen[bytes]
    http: httpx.Client
    admin: dict[str, str]

    def party(self, kind: str, **extra: str) -> tuple[dict[str, str], dict[str, str]]:
        """A new party: its headers (bearer key) and its row as registered."""
        body = {"kind": kind, "name": f"{kind}-{secrets.token_hex(3)}", **extra}
        created = self.http.post("/v1/participants", json=body, headers=self.admin)
        assert created.status_code == 201, created.text
        row = created.json()
        return {"Authorization": f"Bearer {row['api_key']}"}, row

    def ok(self, path: str, headers: dict[str, str], body: object) -> dict[str, object]:
        answer = self.http.post(path, json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        return answer.json()  # type: ignore[no-any-return]


@contextmanager
def serve(
    rpc_url: str, deployment: Path, db_url: str, key_file: Path, workers: int, env: dict[str, str] | None = None
) -> Iterator[Served]:
    port = free_port()
    args = ["serve", "--rpc-url", rpc_url, "--deployment", str(deployment), "--db-url", db_url]
    args += ["--admin-key-file", str(key_file), "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        [sys.executable, "-m", "scf_ledger.cli.main", *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    http = httpx.Client(base_url=base, timeout=120)
    try:
        deadline = time.monotonic() + 120
        while not _healthy(http):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"scf serve --workers {workers} did not start")
            time.sleep(0.2)
        yield Served(base, process, http, {"Authorization": f"Bearer {key_file.read_text().strip()}"})
    finally:
        http.close()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def _healthy(http: httpx.Client) -> bool:
    try:
        return http.get("/v1/health").status_code == 200
    except httpx.TransportError:  # not listening yet
        return False


@dataclass(frozen=True)
class Holding:
    """A supplier with units of its own receivable to transfer, one unit a request."""

    headers: dict[str, str]
    address: str
    token_id: str


def holdings(served: Served, count: int) -> tuple[list[Holding], str]:
    """`count` suppliers, each holding a receivable of its own obligor's; and a sink supplier they send to."""
    gate_headers, gate = served.party("gateway")
    _, sink = served.party("supplier")
    made = []
    for _ in range(count):
        headers, supplier = served.party("supplier")
        _, obligor = served.party("obligor", gateway=gate["address"])
        order = {
            "buyer": obligor["address"],
            "supplier": supplier["address"],
            "principal": str(2_000 * UNIT),
            "installments": 1,
            "fee_bps": 0,
            "document_hash": "0x" + secrets.token_hex(32),
            "profile": {"age": 40, "monthly_income": str(6_000 * UNIT), "employment_months": 40},
        }
        placed = served.ok("/v1/orders", gate_headers, order)
        confirmed = served.ok(f"/v1/orders/{placed['id']}/confirm", gate_headers, None)
        token_ids = confirmed["token_ids"]
        assert isinstance(token_ids, list)
        made.append(Holding(headers, supplier["address"], str(token_ids[0])))
    return made, sink["address"]


async def _transfers(base: str, held: list[Holding], sink: str, clients: int, seconds: float) -> Load:
    body = json.dumps({"to": sink, "units": "1"}).encode()
    loads = await asyncio.gather(
        *(
            run_load(
                f"{base}/v1/receivables/{h.token_id}/transfers",
                clients=clients,
                seconds=seconds,
                method="POST",
                headers={**h.headers, "Content-Type": "application/json"},
                body=body,
            )
            for h in held
        )
    )
    latencies = tuple(ms for load in loads for ms in load.latencies_ms)
    statuses: dict[int, int] = {}
    for load in loads:
        for status, n in load.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    return Load(len(latencies), max(load.seconds for load in loads), latencies, statuses)


def _raw_pipelined(chain: ScfChain, signers: list[tuple[LocalAccount, int]], sink: str, per_signer: int) -> float:
    """Transfers of one unit each, signed locally and sent back to back by every signer at once (threads), the
    receipts read at the end; returns transactions per second."""
    w3, chain_id = chain.w3, chain.sender.chain_id
    fee = int(w3.eth.get_block("latest")["baseFeePerGas"]) * 2 + 10**9

    def run(account: LocalAccount, token_id: int) -> None:
        data = chain.ledger.encode_abi("safeTransferFrom", [account.address, sink, token_id, 1, b""])
        nonce = w3.eth.get_transaction_count(account.address)
        hashes = []
        for i in range(per_signer):
            tx = {
                "type": 2,
                "chainId": chain_id,
                "nonce": nonce + i,
                "to": chain.ledger.address,
                "data": data,
                "value": 0,
                "gas": RAW_GAS,
                "maxFeePerGas": fee,
                "maxPriorityFeePerGas": 10**9,
            }
            hashes.append(w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction))
        for tx_hash in hashes:
            assert w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.005)["status"] == 1

    began = time.perf_counter()
    with ThreadPoolExecutor(len(signers)) as pool:
        list(pool.map(lambda s: run(*s), signers))
    return len(signers) * per_signer / (time.perf_counter() - began)


def _raw_signers(chain: ScfChain, served: Served, held: list[Holding], units: int) -> list[tuple[LocalAccount, int]]:
    """A self-custody supplier per holding, registered and funded, given `units` of that holding's receivable."""
    platform = deployer_account(chain.w3, None)
    gw = Gateways.of(chain)
    signers = []
    for holding in held:
        account: LocalAccount = Account.create()
        gw.registry.register(platform, account.address, Kind.SUPPLIER)
        chain.sender.send(platform, Call(account.address, "0x", "gas", value=10**18), gas=21_000)
        body = {"to": account.address, "units": str(units)}
        served.ok(f"/v1/receivables/{holding.token_id}/transfers", holding.headers, body)
        signers.append((account, int(holding.token_id)))
    return signers


def measure_writes(
    rpc_url: str,
    deployment_file: Path,
    pg_url: str,
    *,
    workers: tuple[int, ...] = (1, 2, 4),
    signers: int = 8,
    clients_per_signer: int = 2,
    seconds: float = 8.0,
    raw_per_signer: int = 100,
    pending: int = 100,
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, float | str]:
    chain = ScfChain(connect(rpc_url), Deployment.read(deployment_file))
    db_url = sibling_database(pg_url, "writes")
    results: dict[str, float | str] = {"writes.fsync": fsync_of(db_url), "writes.signers": signers}
    with tempfile.TemporaryDirectory() as tmp:
        key_file = Path(tmp) / "admin.key"
        for n in workers:
            with serve(rpc_url, deployment_file, db_url, key_file, n) as served:
                held, sink = holdings(served, signers)
                load = asyncio.run(_transfers(served.base, held, sink, clients_per_signer, seconds))
                if n == workers[0]:
                    raw_signers = _raw_signers(chain, served, held, units=raw_per_signer)
            refused = sum(v for k, v in load.statuses.items() if k != 201)
            log(
                f"  --workers {n}: {load.rps:.1f} transfers/s, p50 {load.percentile(50):.0f} ms,"
                f" p99 {load.percentile(99):.0f} ms ({signers} signers, {clients_per_signer} clients each;"
                f" {refused} not 201)"
            )
            results |= load.summary(f"writes.workers_{n}")
            results[f"writes.workers_{n}_not_201"] = refused
        raw = _raw_pipelined(chain, raw_signers, sink, per_signer=raw_per_signer)
        log(f"  raw pipelined from {signers} signers: {raw:.1f} transfers/s")
        results["writes.raw_pipelined_rps"] = round(raw, 1)
        for n in workers:
            results[f"writes.workers_{n}_vs_raw"] = round(float(results[f"writes.workers_{n}_rps"]) / raw, 3)
        recovery_db = sibling_database(pg_url, "recovery")
        results |= _recovery(chain, deployment_file, recovery_db, Path(tmp), log, pending=pending)
    return results


def _recovery(
    chain: ScfChain, deployment: Path, db_url: str, tmp: Path, log: Callable[[str], None], pending: int = 100
) -> dict[str, float | str]:
    """`pending` transfers answered 202 (the node never got their bytes), the server killed, the node back, the
    server started again: how long until every one has ended."""
    proxy = FaultyProxy(chain.w3.provider.endpoint_uri)  # type: ignore[attr-defined]
    env = {"SCF_LEASE_SECONDS": "3"}  # a killed worker's leases lapse soon
    key_file = tmp / "recovery.key"
    try:
        with serve(proxy.url, deployment, db_url, key_file, 1, env) as served:
            held, sink = holdings(served, min(8, pending))
            proxy.refuse(SEND)
            body = {"to": sink, "units": "1"}

            def post(i: int) -> int:
                holding = held[i % len(held)]
                url = f"/v1/receivables/{holding.token_id}/transfers"
                return served.http.post(url, json=body, headers=holding.headers).status_code

            with ThreadPoolExecutor(len(held)) as pool:
                statuses = list(pool.map(post, range(pending)))
            assert statuses == [202] * pending, statuses
            served.process.send_signal(signal.SIGKILL)
            served.process.wait(timeout=30)
        proxy.heal()
        sessions = session_factory(make_engine(db_url))
        began = time.perf_counter()
        with serve(proxy.url, deployment, db_url, key_file, 1, env):
            healthy = time.perf_counter() - began
            while True:
                with sessions() as session:
                    left = session.scalar(select(func.count()).where(OperationRow.status == "pending"))
                if not left:
                    break
                if time.perf_counter() - began > 600:
                    raise RuntimeError(f"{left} operations still pending after 600 s")
                time.sleep(0.05)
            done = time.perf_counter() - began
        with sessions() as session:
            failed = session.scalar(select(func.count()).where(OperationRow.status == "failed"))
    finally:
        proxy.close()
    log(
        f"  recovery: {pending} pending operations finished {done:.2f} s after the restart (healthy at {healthy:.2f} s)"
    )
    return {
        "recovery.pending": pending,
        "recovery.restart_to_done_s": round(done, 2),
        "recovery.healthy_to_done_s": round(done - healthy, 2),
        "recovery.failed": failed or 0,
    }
