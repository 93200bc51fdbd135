"""Exactly once, whatever the node says: the service on anvil through a proxy that loses the answer to a
transaction the node has already mined. The request answers 202 with its operation, a retry with the same key
gets the operation (never new work), the recovery loop finishes it, and the chain shows it done once."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scf_ledger.api.durable import resume_pending
from scf_ledger.api.main import create_app
from scf_ledger.chain.anvil import AnvilNode
from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.connection import connect
from scf_ledger.chain.keys import deployer_account
from scf_ledger.config import Settings
from scf_ledger.domain.constants import UNIT
from scf_ledger.services.runtime import Runtime
from tests.utils.api import Api
from tests.utils.faults import FaultyProxy


@pytest.fixture(scope="module")
def node() -> Iterator[AnvilNode]:
    with AnvilNode.start() as anvil:
        yield anvil


@pytest.fixture
def world(node: AnvilNode, tmp_path: Path) -> Iterator[tuple[Api, FaultyProxy]]:
    w3 = connect(node.url)
    deployment = tmp_path / "deployment.json"
    ScfChain.deploy_new(w3, deployer_account(w3, None)).deployment.write(deployment)
    proxy = FaultyProxy(node.url)
    settings = Settings(rpc_url=proxy.url, deployment=str(deployment), db_url=f"sqlite:///{tmp_path / 'scf.sqlite'}")
    service = Runtime.open(settings)
    with TestClient(create_app(service, background_indexing=False)) as client:
        api = Api(client, service, {"platform": service.admin_key or ""}, {"platform": service.platform.address})
        parties = [("gate", "gateway"), ("tier1", "supplier"), ("tier2", "supplier"), ("bank", "financier")]
        for name, kind in [*parties, ("buyer", "obligor")]:
            api.register(name, kind)
        yield api, proxy
    proxy.close()


def _receivable(api: Api) -> str:
    body = {
        "buyer": api.addresses["buyer"],
        "supplier": api.addresses["tier1"],
        "principal": str(300 * UNIT),
        "installments": 3,
        "fee_bps": 0,
        "document_hash": "0x" + secrets.token_hex(32),
        "profile": {"age": 40, "monthly_income": str(4_000 * UNIT), "employment_months": 30},
    }
    placed = api.ok("POST", "/v1/orders", "gate", body)
    return api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"][0]


def _events(api: Api, contract: str, name: str) -> int:
    gateway = getattr(api.service.gw, contract)
    return len(gateway.contract.events[name]().get_logs(from_block=0))


def _offer(api: Api, receivable: str) -> str:
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": str(100 * UNIT)})
    expiry = str(api.service.chain.now() + 86_400)
    body = {"receivable_id": receivable, "rate_bps": 500, "max_units": str(10 * UNIT), "expiry": expiry}
    return api.ok("POST", "/v1/offers", "bank", body)["id"]


# Each write route: who sends it, its path and body (made before the fault), and the event that counts it.
WRITES = {
    "repayment": (
        "gate",
        lambda api, r: ("/v1/repayments", {"receivable_id": r, "amount": str(10 * UNIT)}),
        ("ledger", "Repayment"),
    ),
    "cash": (
        "platform",
        lambda api, r: ("/v1/cash", {"to": api.addresses["tier1"], "amount": "7"}),
        ("token", "Transfer"),
    ),
    "transfer": (
        "tier1",
        lambda api, r: (f"/v1/receivables/{r}/transfers", {"to": api.addresses["tier2"], "units": str(UNIT)}),
        ("ledger", "TransferSingle"),
    ),
    "financing": (
        "tier1",
        lambda api, r: ("/v1/financing-requests", {"offer_id": _offer(api, r), "units": str(UNIT)}),
        ("market", "OfferAccepted"),
    ),
    "registration": (  # four transactions: registration, gas, two approvals
        "platform",
        lambda api, r: ("/v1/participants", {"kind": "financier", "name": "late"}),
        ("registry", "ParticipantRegistered"),
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_a_lost_answer_is_an_operation_done_once(world: tuple[Api, FaultyProxy], write: str) -> None:
    api, proxy = world
    receivable = _receivable(api)
    who, request, (contract, event) = WRITES[write]
    path, body = request(api, receivable)
    before, cash_before = _events(api, contract, event), _events(api, "token", "Transfer")
    key = {"Idempotency-Key": secrets.token_hex(8)}

    proxy.lose_answer_to("eth_sendRawTransaction", then_down_for=3_600)  # until healed
    first = api.call("POST", path, who, body, **key)
    assert first.status_code == 202, first.text
    operation = first.headers["Location"]
    assert first.json()["status"] == "pending" and first.json()["transactions"]
    again = api.call("POST", path, who, body, **key)  # the gateway retries: it gets the operation, no new work
    assert again.status_code == 202 and again.headers["Location"] == operation

    proxy.heal()
    assert asyncio.run(resume_pending(api.client.app)) == 1  # the recovery loop finishes it
    done = api.ok("GET", operation, who)
    assert done["status"] == "succeeded" and done["status_code"] == 201
    replay = api.call("POST", path, who, body, **key)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replay"] == "true"
    assert replay.json() == done["response"]
    assert _events(api, contract, event) == before + 1  # done once, on-chain
    if write == "repayment":  # and the cash it collected minted once: the mint, and the ledger pulling it
        assert _events(api, "token", "Transfer") == cash_before + 2
    assert asyncio.run(resume_pending(api.client.app)) == 0  # nothing left pending


def test_a_node_down_before_anything_was_signed_is_a_503_and_the_key_stays_free(
    world: tuple[Api, FaultyProxy],
) -> None:
    api, proxy = world
    body, key = {"to": api.addresses["tier1"], "amount": "5"}, {"Idempotency-Key": secrets.token_hex(8)}
    before = _events(api, "token", "Transfer")
    proxy.down_for(3_600)
    refused = api.call("POST", "/v1/cash", "platform", body, **key)
    assert refused.status_code == 503 and "nothing was done" in refused.json()["detail"]
    proxy.heal()
    assert _events(api, "token", "Transfer") == before
    assert api.call("POST", "/v1/cash", "platform", body, **key).status_code == 201  # the same key, now done
    assert _events(api, "token", "Transfer") == before + 1


def test_no_receipt_in_time_is_an_operation_finished_later(world: tuple[Api, FaultyProxy]) -> None:
    api, proxy = world
    api.service.chain.sender.receipt_timeout = 1.0
    body, key = {"to": api.addresses["tier1"], "amount": "3"}, {"Idempotency-Key": secrets.token_hex(8)}
    before = _events(api, "token", "Transfer")
    proxy.hide_receipts()
    first = api.call("POST", "/v1/cash", "platform", body, **key)
    assert first.status_code == 202, first.text  # mined, but no receipt came in time: not "nothing was done"
    proxy.heal()
    assert asyncio.run(resume_pending(api.client.app)) == 1
    assert api.call("POST", "/v1/cash", "platform", body, **key).status_code == 201
    assert _events(api, "token", "Transfer") == before + 1
