"""Several workers on one PostgreSQL: `scf serve --workers 2` and a third `scf serve`, started at the same
moment on a fresh database, share one custodial signer under concurrent writes: every write answered 201,
each done once on-chain, no nonce used twice, and the read model equal to the chain."""

from __future__ import annotations

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
from tests.utils.served import ROOT, scf, wait_healthy

WRITES = 40


def test_three_workers_share_a_signer(postgres: PostgresCluster, tmp_path: Path) -> None:
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
        finally:
            for process in started:
                process.terminate()
            errors = [process.communicate(timeout=30)[1] for process in started]
        assert not any("Traceback" in e for e in errors), "\n".join(errors)
