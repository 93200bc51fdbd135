"""kill -9 of `scf serve` while the node mines its transaction: the restarted service finishes the operation
itself, the retried request gets its answer, and the chain shows the write once."""

from __future__ import annotations

import contextlib
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scf_ledger.chain.anvil import AnvilNode, free_port
from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.connection import connect
from scf_ledger.chain.keys import deployer_account
from scf_ledger.domain.constants import UNIT
from tests.utils.faults import FaultyProxy
from tests.utils.served import ROOT, wait_healthy


class Server:
    """`scf serve` on a node and a database, started and killed at will."""

    def __init__(self, node_url: str, deployment: Path, db_url: str, key_file: Path) -> None:
        self.args = ["--rpc-url", node_url, "--deployment", str(deployment), "--db-url", db_url]
        self.args += ["--admin-key-file", str(key_file), "--port", str(free_port())]
        self.base = f"http://127.0.0.1:{self.args[-1]}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "scf_ledger.cli.main", "serve", *self.args]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_healthy(self.base)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, FaultyProxy, ScfChain]]:
    with AnvilNode.start() as node:
        w3 = connect(node.url)
        chain = ScfChain.deploy_new(w3, deployer_account(w3, None))
        deployment = tmp_path / "deployment.json"
        chain.deployment.write(deployment)
        proxy = FaultyProxy(node.url)
        server = Server(proxy.url, deployment, f"sqlite:///{tmp_path / 'scf.sqlite'}", tmp_path / "admin.key")
        server.start()
        try:
            yield server, proxy, chain
        finally:
            server.stop()
            proxy.close()


def test_kill_9_while_a_confirm_is_mined(served: tuple[Server, FaultyProxy, ScfChain], tmp_path: Path) -> None:
    server, proxy, chain = served
    http = httpx.Client(base_url=server.base, timeout=120)
    admin = {"Authorization": f"Bearer {(tmp_path / 'admin.key').read_text().strip()}"}

    def party(kind: str, **extra: str) -> dict[str, str]:
        created = http.post("/v1/participants", json={"kind": kind, "name": kind, **extra}, headers=admin)
        assert created.status_code == 201, created.text
        return created.json()

    gateway, supplier = party("gateway"), party("supplier")
    buyer = party("obligor", gateway=gateway["address"])
    by_gateway = {"Authorization": f"Bearer {gateway['api_key']}"}
    order = {
        "buyer": buyer["address"],
        "supplier": supplier["address"],
        "principal": str(300 * UNIT),
        "installments": 3,
        "fee_bps": 0,
        "document_hash": "0x" + secrets.token_hex(32),
        "profile": {"age": 40, "monthly_income": str(4_000 * UNIT), "employment_months": 30},
    }
    placed = http.post("/v1/orders", json=order, headers=by_gateway).json()
    confirm = f"/v1/orders/{placed['id']}/confirm"
    retry = {**by_gateway, "Idempotency-Key": "confirm-" + placed["id"]}

    proxy.hold_answer_to("eth_sendRawTransaction", 60)  # mined at once, answered never (in time)
    sent = len(proxy.forwarded)
    threading.Thread(target=lambda: _quietly(http, confirm, retry), daemon=True).start()
    deadline = time.monotonic() + 60
    while "eth_sendRawTransaction" not in proxy.forwarded[sent:] and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # the purchase is on-chain; the service never heard back
    proxy.heal()
    server.start()

    http = httpx.Client(base_url=server.base, timeout=120)
    answer = _until_answered(http, confirm, retry)
    assert answer.status_code == 201, answer.text
    assert http.get(f"/v1/orders/{placed['id']}", headers=by_gateway).json()["status"] == "confirmed"
    originated = chain.ledger.events["PurchaseOriginated"]().get_logs(from_block=0)
    assert len(originated) == 1  # once


def _quietly(http: httpx.Client, path: str, headers: dict[str, str]) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
        http.post(path, headers=headers)


def _until_answered(http: httpx.Client, path: str, headers: dict[str, str]) -> httpx.Response:
    """Retries with the same key until the operation has its answer (202 while it is pending)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        response = http.post(path, headers=headers)
        if response.status_code != 202:
            return response
        time.sleep(0.5)
    raise AssertionError(f"{path} still pending after 90 s")
