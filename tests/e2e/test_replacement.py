"""Transactions that need more than a re-broadcast (DESIGN §9, §14): one stuck under a risen base fee is replaced
at its nonce with a higher fee, one the node dropped is sent again, bytes the node finds underpriced are re-priced,
and bytes the node refuses outright either give their nonce back or, when a later nonce was allocated, have it
closed by a 0-value self-transfer. Each on its own anvil (they move its base fee and mining)."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from web3 import Web3

from scf_ledger.api.durable import resume_pending
from scf_ledger.chain.anvil import AnvilNode
from scf_ledger.chain.proxy import FaultyProxy
from scf_ledger.store.models import OperationRow, StepRow
from tests.utils.api import Api
from tests.utils.faulty import faulty_world
from tests.utils.writes import count

GWEI = 10**9


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Api, FaultyProxy, Web3]]:
    with AnvilNode.start() as node, faulty_world(node.url, tmp_path) as (api, proxy):
        api.service.chain.sender.replace_after = 0.3
        yield api, proxy, Web3(Web3.HTTPProvider(node.url))


def _node(w3: Web3, method: str, *params: Any) -> Any:
    answer = w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert "error" not in answer, answer
    return answer.get("result")


def _in_background(api: Api, body: dict[str, str], key: str) -> tuple[threading.Thread, dict[str, Any]]:
    answer: dict[str, Any] = {}
    call = lambda: answer.update(response=api.call("POST", "/v1/cash", "platform", body, **{"Idempotency-Key": key}))  # noqa: E731
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, answer


def _pending(w3: Web3) -> list[str]:
    """Hashes of the transactions waiting in the node's pool, once there is one."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pool = _node(w3, "txpool_content")["pending"]
        hashes = [tx["hash"] for by_nonce in pool.values() for tx in by_nonce.values()]
        if hashes:
            return hashes
        time.sleep(0.05)
    raise AssertionError("no transaction reached the pool")


def _waiting_in_the_pool(api: Api, w3: Web3, amount: str) -> tuple[str, threading.Thread, dict[str, Any], str]:
    """A keyed mint sent with the node's mining off: its key, the request's thread and answer, and the hash of
    the transaction waiting in the pool."""
    _node(w3, "evm_setAutomine", False)
    key = secrets.token_hex(8)
    thread, answer = _in_background(api, {"to": api.addresses["tier1"], "amount": amount}, key)
    (waiting,) = _pending(w3)
    return key, thread, answer, waiting


def _transactions(api: Api, key: str) -> list[dict[str, Any]]:
    """The transactions of the platform's operation with Idempotency-Key `key`."""
    with api.service.sessions() as session:
        operation_id = session.scalars(select(OperationRow.id).where(OperationRow.key == key)).one()
    return api.ok("GET", f"/v1/operations/{operation_id}", "platform")["transactions"]


def test_a_transaction_stuck_under_a_risen_base_fee_is_replaced(world: tuple[Api, FaultyProxy, Web3]) -> None:
    api, _, w3 = world
    before = count(api.service.chain, "token", "Transfer")
    key, thread, answer, stuck = _waiting_in_the_pool(api, w3, "11")
    _node(w3, "anvil_setNextBlockBaseFeePerGas", hex(100 * GWEI))  # far above the 3 gwei it offered
    _node(w3, "evm_mine")  # without it: anvil drops it from its pool (geth keeps it); either way it is replaced
    _node(w3, "evm_setAutomine", True)
    thread.join(60)
    assert answer["response"].status_code == 201, answer["response"].text
    (tx,) = _transactions(api, key)
    assert tx["attempts"] == [stuck] and tx["tx_hash"] != stuck and tx["status"] == "mined"  # both hashes kept
    assert count(api.service.chain, "token", "Transfer") == before + 1


def test_a_transaction_the_node_dropped_is_sent_again(world: tuple[Api, FaultyProxy, Web3]) -> None:
    api, _, w3 = world
    before = count(api.service.chain, "token", "Transfer")
    key, thread, answer, dropped = _waiting_in_the_pool(api, w3, "12")
    _node(w3, "anvil_dropTransaction", dropped)
    time.sleep(0.1)
    (again,) = _pending(w3)  # the same bytes, sent again by the service
    assert again == dropped
    _node(w3, "evm_setAutomine", True)
    _node(w3, "evm_mine")
    thread.join(60)
    assert answer["response"].status_code == 201, answer["response"].text
    (tx,) = _transactions(api, key)
    assert tx["tx_hash"] == dropped and tx["attempts"] == []
    assert count(api.service.chain, "token", "Transfer") == before + 1


def test_bytes_priced_under_the_base_fee_are_re_priced_before_they_are_sent(
    world: tuple[Api, FaultyProxy, Web3],
) -> None:
    api, _, w3 = world
    before = count(api.service.chain, "token", "Transfer")
    api.service.chain.sender._fee_fields()  # the fee it will offer, read now at 1 gwei base fee
    _node(w3, "anvil_setNextBlockBaseFeePerGas", hex(100 * GWEI))
    _node(w3, "evm_mine")
    key = secrets.token_hex(8)
    answer = api.call(
        "POST", "/v1/cash", "platform", {"to": api.addresses["tier1"], "amount": "13"}, **{"Idempotency-Key": key}
    )
    assert answer.status_code == 201, answer.text
    (tx,) = _transactions(api, key)
    assert len(tx["attempts"]) == 1 and tx["status"] == "mined"
    assert count(api.service.chain, "token", "Transfer") == before + 1


def test_bytes_the_node_refuses_give_their_nonce_back(world: tuple[Api, FaultyProxy, Web3]) -> None:
    api, proxy, _ = world
    before, key = count(api.service.chain, "token", "Transfer"), secrets.token_hex(8)
    body = {"to": api.addresses["tier1"], "amount": "14"}
    proxy.refuse("eth_sendRawTransaction", "insufficient funds for gas * price + value")
    refused = api.call("POST", "/v1/cash", "platform", body, **{"Idempotency-Key": key})
    assert refused.status_code == 502 and refused.json()["title"] == "Transaction refused by the node"
    assert "insufficient funds" in refused.json()["detail"] and "nothing was done" in refused.json()["detail"]
    proxy.heal()
    again = api.call("POST", "/v1/cash", "platform", body, **{"Idempotency-Key": key})  # the key is free
    assert again.status_code == 201, again.text
    assert count(api.service.chain, "token", "Transfer") == before + 1


def test_refused_bytes_before_a_later_nonce_have_their_nonce_closed(world: tuple[Api, FaultyProxy, Web3]) -> None:
    api, proxy, w3 = world
    sender = api.service.chain.sender
    sender.receipt_timeout = 2.0
    platform = api.service.platform.address
    before = count(api.service.chain, "token", "Transfer")
    nonce = w3.eth.get_transaction_count(platform)
    proxy.refuse("eth_sendRawTransaction")  # 503s: never reaches the node
    first = api.call("POST", "/v1/cash", "platform", {"to": api.addresses["tier1"], "amount": "15"})
    assert first.status_code == 202, first.text
    proxy.heal()
    second = api.call("POST", "/v1/cash", "platform", {"to": api.addresses["tier1"], "amount": "16"})
    assert second.status_code == 202, second.text  # sent at the next nonce, waiting behind the first
    (unsendable,) = api.ok("GET", first.headers["Location"], "platform")["transactions"]
    assert unsendable["nonce"] == str(nonce)
    raw = _raw_of(api, unsendable["tx_hash"])
    proxy.refuse("eth_sendRawTransaction", "insufficient funds for gas * price + value", [raw])
    asyncio.run(resume_pending(api.client.app))
    closed = api.ok("GET", first.headers["Location"], "platform")
    assert closed["status"] == "failed" and closed["status_code"] == 502
    assert closed["transactions"][0]["status"] == "closed"
    assert closed["transactions"][0]["attempts"] == [unsendable["tx_hash"]]
    closer = w3.eth.get_transaction(closed["transactions"][0]["tx_hash"])
    assert (closer["nonce"], closer["to"], closer["value"]) == (nonce, platform, 0)
    assert api.ok("GET", second.headers["Location"], "platform")["status"] == "succeeded"
    assert count(api.service.chain, "token", "Transfer") == before + 1  # the second only


def _raw_of(api: Api, tx_hash: str) -> str:
    with api.service.sessions() as session:
        return session.scalars(select(StepRow.raw).where(StepRow.tx_hash == tx_hash)).one() or ""
