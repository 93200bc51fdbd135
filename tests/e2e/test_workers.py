"""Several workers on one PostgreSQL: `scf serve --workers 2` and a third `scf serve`, started at the same
moment on a fresh database, share one custodial signer under concurrent writes: every write answered 201,
each done once on-chain, no nonce used twice, and the read model equal to the chain; the three dispatchers
deliver each webhook event once (a lease each), signed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from scf_ledger.chain.anvil import AnvilNode, free_port
from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.connection import connect
from scf_ledger.chain.keys import deployer_account
from tests.utils.postgres import PostgresCluster
from tests.utils.receiver import Receiver
from tests.utils.served import ROOT, scf, wait_healthy

WRITES = 40


def test_three_workers_share_a_signer(postgres: PostgresCluster, tmp_path: Path) -> None:
    receiver = Receiver()
    db_url = postgres.new_database().replace("postgresql+psycopg://", "postgresql://")  # the README's form
    with AnvilNode.start() as node:
        w3 = connect(node.url)
        chain = ScfChain.deploy_new(w3, deployer_account(w3, None))
        deployment, key_file = tmp_path / "deployment.json", tmp_path / "admin.key"
        chain.deployment.write(deployment)
        common = ["--rpc-url", node.url, "--deployment", str(deployment), "--db-url", db_url]
        common += ["--admin-key-file", str(key_file)]
        ports = [free_port(), free_port()]
        started = [
            subprocess.Popen(
                [sys.executable, "-m", "scf_ledger.cli.main", "serve", *common, "--port", str(port), *extra],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for port, extra in zip(ports, (["--workers", "2"], []), strict=True)
        ]
        try:
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            for base in bases:
                wait_healthy(base)
            while not key_file.exists():
                time.sleep(0.1)
            admin = {"Authorization": f"Bearer {key_file.read_text().strip()}"}
            hook = {"url": receiver.url("ok"), "event_types": ["operation.finished"]}
            created = httpx.post(f"{bases[0]}/v1/webhooks", json=hook, headers=admin, timeout=60).json()
            receiver.secrets["ok"] = created["secret"]
            supplier = httpx.post(
                f"{bases[1]}/v1/participants", json={"kind": "supplier", "name": "s"}, headers=admin, timeout=60
            ).json()
            minted_before = len(chain.token.events.Transfer().get_logs(from_block=0))

            def mint(i: int) -> int:
                body = {"to": supplier["address"], "amount": str(i + 1)}
                return httpx.post(f"{bases[i % 2]}/v1/cash", json=body, headers=admin, timeout=120).status_code

            with ThreadPoolExecutor(16) as pool:
                statuses = list(pool.map(mint, range(WRITES)))
            assert statuses == [201] * WRITES
            assert len(chain.token.events.Transfer().get_logs(from_block=0)) == minted_before + WRITES
            assert chain.token.functions.balanceOf(supplier["address"]).call() == WRITES * (WRITES + 1) // 2
            time.sleep(2)  # the leader's background pass indexes the last blocks
            result = scf("reconcile", "--rpc-url", node.url, "--deployment", str(deployment), "--db-url", db_url)
            assert result.returncode == 0, result.stdout + result.stderr
            deadline = time.monotonic() + 60
            while len(receiver.ids("ok")) < WRITES + 1 and time.monotonic() < deadline:  # and the supplier's
                time.sleep(0.2)
        finally:
            for process in started:
                process.terminate()
            errors = [process.communicate(timeout=30)[1] for process in started]
            receiver.close()
        assert not any("Traceback" in e for e in errors), "\n".join(errors)
        assert receiver.refused == [] and len(receiver.ids("ok")) == WRITES + 1
        assert len(receiver.arrivals) == WRITES + 1  # three dispatchers, and each event sent once


BURST = 200


def test_a_worker_killed_mid_burst_loses_nothing(postgres: PostgresCluster, tmp_path: Path) -> None:
    """`--workers 4`, 200 keyed writes signed by the one platform key every worker shares, one worker SIGKILLed
    mid-burst; clients retry with the same key (as a gateway would) and follow 202s. Every write ends once."""
    db_url = postgres.new_database()
    with AnvilNode.start() as node:
        w3 = connect(node.url)
        chain = ScfChain.deploy_new(w3, deployer_account(w3, None))
        deployment, key_file = tmp_path / "deployment.json", tmp_path / "admin.key"
        chain.deployment.write(deployment)
        port = free_port()
        args = ["serve", "--rpc-url", node.url, "--deployment", str(deployment), "--db-url", db_url]
        args += ["--admin-key-file", str(key_file), "--port", str(port), "--workers", "4"]
        env = {**os.environ, "SCF_LEASE_SECONDS": "3"}
        server = subprocess.Popen(
            [sys.executable, "-m", "scf_ledger.cli.main", *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base)
            admin = {"Authorization": f"Bearer {key_file.read_text().strip()}"}
            http = httpx.Client(base_url=base, timeout=120)
            to = [
                http.post("/v1/participants", json={"kind": "supplier", "name": f"s{i}"}, headers=admin).json()
                for i in range(2)
            ]
            minted_before = len(chain.token.events.Transfer().get_logs(from_block=0))
            workers = _children(server.pid)
            assert len(workers) == 4

            def write(i: int) -> int:
                body = {"to": to[i % 2]["address"], "amount": str(i + 1)}
                return _until_done(base, "/v1/cash", body, admin, f"burst-{i}")

            with ThreadPoolExecutor(16) as pool:
                pending = [pool.submit(write, i) for i in range(BURST)]
                time.sleep(1.5)
                os.kill(workers[1], signal.SIGKILL)  # mid-burst
                statuses = [p.result() for p in pending]
            assert statuses == [201] * BURST
            assert len(chain.token.events.Transfer().get_logs(from_block=0)) == minted_before + BURST  # each once
            paid = sum(chain.token.functions.balanceOf(s["address"]).call() for s in to)
            assert paid == BURST * (BURST + 1) // 2
            time.sleep(2)
            result = scf("reconcile", "--rpc-url", node.url, "--deployment", str(deployment), "--db-url", db_url)
            assert result.returncode == 0, result.stdout + result.stderr
        finally:
            server.terminate()
            server.wait(timeout=60)


def _children(pid: int) -> list[int]:
    """The worker processes of a uvicorn supervisor (not multiprocessing's resource tracker)."""
    listed = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in listed if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()]


def _until_done(base: str, path: str, body: dict[str, str], headers: dict[str, str], key: str) -> int:
    """Posts until the write has its answer: a connection cut by the kill is retried with the same key, and a
    202 is followed to its operation's end."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            answer = httpx.post(base + path, json=body, headers={**headers, "Idempotency-Key": key}, timeout=60)
        except httpx.TransportError:
            time.sleep(0.3)
            continue
        if answer.status_code != 202:
            return answer.status_code
        time.sleep(0.3)
    raise AssertionError(f"{key} did not end in 120 s")
