"""Exactly once, whatever the node does (DESIGN §9): every write route, through a proxy that injects each fault
at a send, in process on anvil. The request answers 201, or 202 with its operation (a retry with the same key
gets the operation, never new work) that the recovery loop then finishes; the chain shows the write once, nothing
stays pending, and (checked once after them all) the read model reconciles with the chain.

In CI each route meets each fault at its first send; `make test-faults` (SCF_FAULTS=full) also puts each fault
at every later send of the routes that send more than one transaction."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from scf_ledger.api.durable import resume_pending
from scf_ledger.chain.anvil import AnvilNode
from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.connection import connect
from scf_ledger.chain.gateways import Gateways
from scf_ledger.chain.proxy import FaultyProxy
from scf_ledger.store.indexer.reconcile import reconcile
from tests.utils.api import Api
from tests.utils.faulty import faulty_world
from tests.utils.writes import WRITES, count

SEND = "eth_sendRawTransaction"
FULL = os.environ.get("SCF_FAULTS") == "full"


@dataclass(frozen=True)
class Fault:
    inject: Callable[[FaultyProxy, Api], None]
    open: bool  # whether the first answer leaves the outcome open (202), or the service gets through (201)


def _no_receipt(proxy: FaultyProxy, api: Api) -> None:
    api.service.chain.sender.receipt_timeout = 1.0
    proxy.hide_receipts()


FAULTS = {
    # The node executes the send; its answer is lost and it stays down until healed.
    "lost answer": Fault(lambda proxy, _: proxy.lose_answer_to(SEND, then_down_for=3_600), open=True),
    # The node executes the send and closes the connection without an answer: the send is retried and found.
    "dropped connection": Fault(lambda proxy, _: proxy.drop_connection_on(SEND), open=False),
    "slow answer": Fault(lambda proxy, _: proxy.hold_answer_to(SEND, 1.5), open=False),
    # Sends answered 503 without reaching the node, until healed: signed and recorded, never broadcast.
    "5xx": Fault(lambda proxy, _: proxy.refuse(SEND), open=True),
    "no receipt": Fault(_no_receipt, open=True),
}


def _cases() -> list[tuple[str, str, int]]:
    cases = []
    for write in WRITES:
        for fault in FAULTS:
            sends = range(WRITES[write].sends) if FULL else range(1)
            cases += [(write, fault, earlier) for earlier in sends]
    return cases


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, FaultyProxy]]:
    with AnvilNode.start() as node, faulty_world(node.url, tmp_path_factory.mktemp("faults")) as made:
        yield made


@pytest.fixture
def healed(world: tuple[Api, FaultyProxy]) -> Iterator[tuple[Api, FaultyProxy]]:
    api, proxy = world
    yield world
    proxy.heal()
    api.service.chain.sender.receipt_timeout = 120.0


@pytest.mark.parametrize(("write", "fault", "earlier"), _cases())
def test_each_write_is_done_once_whatever_the_node_does(
    healed: tuple[Api, FaultyProxy], write: str, fault: str, earlier: int
) -> None:
    api, proxy = healed
    chain, route = api.service.chain, WRITES[write]
    method, path, body = route.prepare(api, chain)
    since = chain.w3.eth.block_number + 1  # the write's blocks: counting from here stays cheap as the chain grows
    key = {"Idempotency-Key": secrets.token_hex(8)}

    proxy.let_through(SEND, earlier)
    FAULTS[fault].inject(proxy, api)
    first = api.call(method, path, route.who, body, **key)
    if FAULTS[fault].open:
        assert first.status_code == 202, first.text
        assert first.json()["status"] == "pending" and first.json()["transactions"]
        again = api.call(method, path, route.who, body, **key)  # retried: the operation, no new work
        assert again.status_code == 202 and again.headers["Location"] == first.headers["Location"]
    else:
        assert first.status_code < 300 and first.status_code != 202, first.text
    proxy.heal()
    api.service.chain.sender.receipt_timeout = 120.0
    assert asyncio.run(resume_pending(api.client.app)) == (1 if FAULTS[fault].open else 0)

    replay = api.call(method, path, route.who, body, **key)
    assert replay.status_code < 300 and replay.status_code != 202, replay.text
    assert replay.headers["Idempotent-Replay"] == "true"
    if FAULTS[fault].open:
        assert api.ok("GET", first.headers["Location"], route.who)["status"] == "succeeded"
    assert count(chain, *route.counted, since) == 1  # done once, on-chain
    if write == "repayment":  # and the cash it collected minted once: the mint, and the ledger pulling it
        assert count(chain, "token", "Transfer", since) == 2
    assert asyncio.run(resume_pending(api.client.app)) == 0  # nothing left pending


def test_after_every_fault_the_read_model_reconciles(healed: tuple[Api, FaultyProxy]) -> None:
    """Once, after the cases above (in file order): a reconciliation costs what the whole chain costs, so it
    reads the node directly rather than through the proxy."""
    api, proxy = healed
    api.service.sync()
    direct = ScfChain(connect(proxy.upstream), api.service.chain.deployment, api.service.chain.artifacts)
    assert reconcile(Gateways.of(direct), api.service.sessions) == []


def test_a_node_down_before_anything_was_signed_is_a_503_and_the_key_stays_free(
    healed: tuple[Api, FaultyProxy],
) -> None:
    api, proxy = healed
    chain = api.service.chain
    body, key = {"to": api.addresses["tier1"], "amount": "5"}, {"Idempotency-Key": secrets.token_hex(8)}
    before = count(chain, "token", "Transfer")
    proxy.down_for(3_600)
    refused = api.call("POST", "/v1/cash", "platform", body, **key)
    assert refused.status_code == 503 and "nothing was done" in refused.json()["detail"]
    proxy.heal()
    assert count(chain, "token", "Transfer") == before
    assert api.call("POST", "/v1/cash", "platform", body, **key).status_code == 201  # the same key, now done
    assert count(chain, "token", "Transfer") == before + 1
