"""100 concurrent financing requests over HTTP against an offer with too few units, on a real node: no nonce
collision, no oversold offer, every answer a 2xx or a clear 4xx, and the database equal to the chain."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.utils.served import served_on_node

REQUESTS, OFFER_UNITS = 100, 40


def test_concurrent_financing_requests_never_oversell(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    with served_on_node(tmp_path) as served, httpx.Client(base_url=served.base, timeout=120) as http:
        outcomes, filled = _storm(http, served.admin_key)
        result = served.reconcile()
    record_property("outcomes", dict(outcomes))
    assert "Traceback" not in served.stderr[0], served.stderr[0]
    assert outcomes[201] == OFFER_UNITS  # exactly the offer's units were sold, one per request
    assert sum(outcomes.values()) == REQUESTS
    assert set(outcomes) <= {201, 409, 422}, outcomes  # never a 5xx
    assert filled == OFFER_UNITS
    assert result.returncode == 0, result.stdout + result.stderr


def _storm(http: httpx.Client, platform_key: str) -> tuple[Counter[int], int]:
    def post(key: str, path: str, body: object = None) -> httpx.Response:
        return http.post(path, json=body, headers={"Authorization": f"Bearer {key}"})

    keys, addresses = {}, {}
    for name, kind in [("gate", "gateway"), ("tier1", "supplier"), ("bank", "financier"), ("buyer", "obligor")]:
        served_by = {"gateway": addresses["gate"]} if kind == "obligor" else {}
        body = post(platform_key, "/v1/participants", {"kind": kind, "name": name, **served_by}).json()
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
