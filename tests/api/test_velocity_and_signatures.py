"""The velocity freeze and its restoration 24 h later; parties that sign for themselves."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from fastapi.testclient import TestClient

from scf_ledger.api.durable import request_digest
from scf_ledger.api.main import create_app
from scf_ledger.chain.client import Offer
from scf_ledger.chain.connection import time_travel
from scf_ledger.chain.sender import Call
from scf_ledger.config import Settings
from scf_ledger.domain.constants import MAX_UINT256, UNIT
from scf_ledger.services.runtime import Runtime
from scf_ledger.store.models import OperationRow
from tests.utils.api import Api


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Api]:
    service = Runtime.open(Settings(db_url=f"sqlite:///{tmp_path / 'scf.sqlite'}"))
    with TestClient(create_app(service, background_indexing=False)) as client:
        api = Api(client, service, {"platform": service.admin_key or ""}, {"platform": service.platform.address})
        for name, kind in [("gate", "gateway"), ("tier1", "supplier"), ("bank", "financier"), ("buyer", "obligor")]:
            api.register(name, kind)
        yield api


def _order(api: Api, buyer: str, principal: int) -> dict:
    body = {
        "buyer": buyer,
        "supplier": api.addresses["tier1"],
        "principal": str(principal),
        "installments": 3,
        "fee_bps": 0,
        "document_hash": "0x" + secrets.token_hex(32),
        "profile": {"age": 40, "monthly_income": str(4_000 * UNIT), "employment_months": 30},
    }
    return api.ok("POST", "/v1/orders", "gate", body)


def test_three_large_orders_in_a_day_freeze_the_line_until_the_next(fresh: Api) -> None:
    buyer = fresh.addresses["buyer"]
    for _ in range(5):  # a habit of small orders: a median of 30 sUSD
        assert _order(fresh, buyer, 30 * UNIT)["status"] == "approved"
    limit = fresh.ok("GET", f"/v1/obligors/{buyer}/credit", "platform")["limit"]
    assert _order(fresh, buyer, 300 * UNIT)["status"] == "approved"  # >= 3x the median: large, first today
    assert _order(fresh, buyer, 300 * UNIT)["status"] == "approved"  # second
    third = _order(fresh, buyer, 300 * UNIT)
    assert third["status"] == "declined" and third["decision"]["reason_codes"][0] == "VELOCITY"
    credit = fresh.ok("GET", f"/v1/obligors/{buyer}/credit", "platform")
    assert (credit["limit"], credit["available"]) == ("0", "0")  # frozen at the exposure (nothing confirmed)

    service = fresh.service
    service.chain.sender.run(lambda: time_travel(service.chain.w3, service.chain.now() + 86_401))
    service.sync()
    assert fresh.ok("GET", f"/v1/obligors/{buyer}/credit", "platform")["limit"] == limit


def test_a_buyer_that_signs_for_itself(fresh: Api) -> None:
    own = Account.create()
    request = {"kind": "obligor", "name": "Self", "address": own.address, "gateway": fresh.addresses["gate"]}
    body = fresh.ok("POST", "/v1/participants", "platform", request)
    assert body["custodial"] is False
    placed = _order(fresh, own.address, 300 * UNIT)
    needs = fresh.call("POST", f"/v1/orders/{placed['id']}/confirm", "gate")
    assert needs.status_code == 409 and "acknowledgement" in needs.json()["detail"]
    typed = fresh.ok("GET", f"/v1/orders/{placed['id']}/acknowledgement", "gate")
    message = typed["message"]
    for key in ("principal", "deadline", "installments", "feeBps"):
        message[key] = int(message[key])
    signature = own.sign_message(encode_typed_data(full_message=typed)).signature.hex()
    forged = Account.create().sign_message(encode_typed_data(full_message=typed)).signature.hex()
    refused = fresh.call(
        "POST", f"/v1/orders/{placed['id']}/confirm", "gate", {"acknowledgement_signature": "0x" + forged}
    )
    assert refused.status_code == 422 and refused.json()["contract_error"] == "InvalidAcknowledgement"
    confirmed = fresh.ok(
        "POST", f"/v1/orders/{placed['id']}/confirm", "gate", {"acknowledgement_signature": "0x" + signature}
    )
    assert confirmed["status"] == "confirmed"


def test_a_financier_that_signs_its_offer(fresh: Api) -> None:
    own = Account.create()
    body = fresh.ok(
        "POST", "/v1/participants", "platform", {"kind": "financier", "name": "Own Bank", "address": own.address}
    )
    fresh.keys["own"] = body["api_key"]
    chain = fresh.service.chain
    # A self-custody financier pays its own gas and approves the market from its own wallet.
    chain.sender.send(fresh.service.platform, Call(own.address, "0x", "gas", value=10**18), gas=21_000)
    fresh.service.gw.token.approve(own, chain.market.address, MAX_UINT256)
    fresh.ok("POST", "/v1/cash", "platform", {"to": own.address, "amount": str(100 * UNIT)})
    placed = _order(fresh, fresh.addresses["buyer"], 300 * UNIT)
    token = fresh.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"][0]
    expiry = chain.now() + 86_400
    request = {"receivable_id": token, "rate_bps": "100", "max_units": str(50 * UNIT), "expiry": str(expiry)}
    typed = fresh.ok("GET", "/v1/offers/typed-data?" + urlencode(request), "own")
    assert typed["primaryType"] == "Offer" and typed["domain"]["verifyingContract"] == chain.market.address
    message = {k: v if k in ("financier", "obligor") else int(v) for k, v in typed["message"].items()}
    offer = Offer(*message.values())
    assert offer.financier == own.address and offer.max_units == 50 * UNIT
    signature = "0x" + chain.sign_offer(own, offer).hex()
    request["nonce"] = str(offer.nonce)

    # Refused at creation, and nothing stored: another's key, or these bytes over other terms.
    forged = "0x" + chain.sign_offer(Account.create(), offer).hex()
    for body in ({**request, "signature": forged}, {**request, "nonce": str(offer.nonce + 1), "signature": signature}):
        refused = fresh.call("POST", "/v1/offers", "own", body)
        assert refused.status_code == 422 and refused.json()["title"] == "Offer not signed by the financier"
    assert fresh.ok("GET", "/v1/offers", "own")["items"] == []

    listed = fresh.ok("POST", "/v1/offers", "own", {**request, "signature": signature})
    sale = fresh.ok("POST", "/v1/financing-requests", "tier1", {"offer_id": listed["id"], "units": str(20 * UNIT)})
    assert int(sale["price"]) <= 20 * UNIT


def test_a_duplicate_in_flight_gets_the_operation_not_new_work(fresh: Api) -> None:
    body = {"to": fresh.addresses["bank"], "amount": "1"}
    digest = request_digest("POST /v1/cash", body)
    request = {"method": "POST", "path": "/v1/cash", "query": "", "body": "{}"}
    with fresh.service.sessions.begin() as session:
        session.add(
            OperationRow(
                id="op_busy",
                party=fresh.addresses["platform"],
                key="busy",
                route="POST /v1/cash",
                request_digest=digest,
                request=request,
                status="pending",
                owner="another-worker",
                lease_until=time.time() + 60,
            )
        )
    before = fresh.service.gw.token.balance_of(fresh.addresses["bank"])
    busy = fresh.call("POST", "/v1/cash", "platform", body, **{"Idempotency-Key": "busy"})
    assert busy.status_code == 202 and busy.headers["Location"] == "/v1/operations/op_busy"
    assert busy.json()["status"] == "pending"
    assert fresh.service.gw.token.balance_of(fresh.addresses["bank"]) == before
