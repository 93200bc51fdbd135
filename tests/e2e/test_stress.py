"""100 concurrent financing requests over HTTP against an offer with too few units, on a real node: no nonce
collision, no oversold offer, every answer a 2xx or a clear 4xx, and the database equal to the chain."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from scf_ledger.chain.anvil import AnvilNode, free_port
from tests.e2e.test_serve import ROOT, scf, wait_healthy

REQUESTS, OFFER_UNITS = 100, 40


def test_concurrent_financing_requests_never_oversell(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    with AnvilNode.start() as node:
        deployment, admin_key = tmp_path / "deployment.json", tmp_path / "admin.key"
        db_url = f"sqlite:///{tmp_path / 'scf.sqlite'}"
        assert scf("deploy", "--rpc-url", node.url, "--out", str(deployment)).returncode == 0
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scf_ledger.cli.main",
                "serve",
                "--rpc-url",
                node.url,
                "--deployment",
                str(deployment),
                "--db-url",
                db_url,
                "--admin-key-file",
                str(admin_key),
                "--port",
                str(port),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base)
            with httpx.Client(base_url=base, timeout=120) as http:
                outcomes, filled = _storm(http, admin_key.read_text().strip())
        finally:
            server.terminate()
            _, err = server.communicate(timeout=30)
        record_property("outcomes", dict(outcomes))
        assert "Traceback" not in err, err
        assert outcomes[201] == OFFER_UNITS  # exactly the offer's units were sold, one per request
        assert sum(outcomes.values()) == REQUESTS
        assert set(outcomes) <= {201, 409, 422}, outcomes  # never a 5xx
        assert filled == OFFER_UNITS
        result = scf("reconcile", "--rpc-url", node.url, "--deployment", str(deployment), "--db-url", db_url)
        assert result.returncode == 0, result.stdout + result.stderr


def _storm(http: httpx.Client, platform_key: str) -> tuple[Counter[int], int]:
    def post(key: str, path: str, body: object = None) -> httpx.Response:
        return http.post(path, json=body, headers={"Authorization": f"Bearer {key}"})

    keys, addresses = {}, {}
    for name, kind in [("gate", "gateway"), ("tier1", "supplier"), ("bank", "financier"), ("buyer", "obligor")]:
        body = post(platform_key, "/v1/participants", {"kind": kind, "name": name}).json()
        keys[name], addresses[name] = body["api_key"], body["address"]
    order = post(keys["gate"], "/v1/orders", {
        "buyer": addresses["buyer"], "supplier": addresses["tier1"], "principal": "3000", "installments": 3,
        "fee_bps": 0, "document_hash": "0x" + secrets.token_hex(32),
        "profile": {"age": 40, "monthly_income": "3000000000", "employment_months": 30},
    }).json()  # fmt: skip
    first = post(keys["gate"], f"/v1/orders/{order['id']}/confirm").json()["token_ids"][0]
    post(platform_key, "/v1/cash", {"to": addresses["bank"], "amount": "1000000"})
    offer = post(keys["bank"], "/v1/offers", {"receivable_id": first, "rate_bps": 500, "max_units": str(OFFER_UNITS),
                                               "expiry": str(2**40)}).json()  # fmt: skip

    def sell(_: int) -> int:
        response = post(keys["tier1"], "/v1/financing-requests", {"offer_id": offer["id"], "units": "1"})
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
        return response.status_code

    with ThreadPoolExecutor(25) as pool:
        outcomes = Counter(pool.map(sell, range(REQUESTS)))
    listed = http.get("/v1/offers?open_only=false", headers={"Authorization": f"Bearer {keys['bank']}"}).json()
    filled = int(next(o for o in listed["items"] if o["id"] == offer["id"])["filled_units"])
    return outcomes, filled
