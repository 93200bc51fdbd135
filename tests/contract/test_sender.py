"""The transaction sender: nonces safe under threads and asyncio, resync after a stale nonce, RPC calls per
transaction, typed reverts — on the embedded chain and on anvil."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.middleware import Web3Middleware

from scf_ledger.chain.compiler import Artifact
from scf_ledger.chain.connection import connect, dev_account, fund_gas
from scf_ledger.chain.deploy import decoder_for, deploy_data
from scf_ledger.chain.errors import ContractRevert
from scf_ledger.chain.keys import anvil_dev_account
from scf_ledger.chain.sender import Call, TransactionSender

THREADS, PER_THREAD = 8, 25


@pytest.fixture(params=["embedded", "anvil"])
def chain(
    request: pytest.FixtureRequest, artifacts: dict[str, Artifact]
) -> Iterator[tuple[Web3, TransactionSender, LocalAccount]]:
    if request.param == "embedded":
        w3 = connect()
        signer = dev_account(f"sender-{request.node.name}")
        fund_gas(w3, signer.address)
    else:
        w3 = connect(request.getfixturevalue("anvil_url"))
        signer = dev_account(f"sender-{request.node.name}")
        funder = anvil_dev_account(0)
        boot = TransactionSender(w3, decoder_for(artifacts))
        boot.send(funder, Call(signer.address, "0x", "fund", value=10**20), gas=21_000)
    yield w3, TransactionSender(w3, decoder_for(artifacts)), signer


def _nonces(w3: Web3, receipts: list[Any]) -> list[int]:
    return sorted(int(w3.eth.get_transaction(r["transactionHash"])["nonce"]) for r in receipts)


def test_eight_threads_share_one_signer_without_gaps_or_duplicates(
    chain: tuple[Web3, TransactionSender, LocalAccount],
) -> None:
    w3, sender, signer = chain
    start = w3.eth.get_transaction_count(signer.address)
    target = dev_account("sink").address

    def burst(thread: int) -> list[Any]:
        return [
            sender.send(signer, Call(target, "0x", "pay", value=thread * 1000 + i + 1), gas=21_000)
            for i in range(PER_THREAD)
        ]

    with ThreadPoolExecutor(THREADS) as pool:
        receipts = [r for batch in pool.map(burst, range(THREADS)) for r in batch]
    assert len(receipts) == THREADS * PER_THREAD
    assert all(r["status"] == 1 for r in receipts)
    nonces = _nonces(w3, receipts)
    assert nonces == list(range(start, start + THREADS * PER_THREAD))  # no gap, no duplicate
    assert Counter(r["transactionHash"] for r in receipts).most_common(1)[0][1] == 1


def test_asyncio_callers_get_distinct_nonces(chain: tuple[Web3, TransactionSender, LocalAccount]) -> None:
    w3, sender, signer = chain
    start = w3.eth.get_transaction_count(signer.address)
    target = dev_account("sink").address

    async def main() -> list[Any]:
        calls = [sender.send_async(signer, Call(target, "0x", "pay", value=i + 1), gas=21_000) for i in range(40)]
        return list(await asyncio.gather(*calls))

    receipts = asyncio.run(main())
    assert _nonces(w3, receipts) == list(range(start, start + 40))


def test_stale_nonce_is_resynced(chain: tuple[Web3, TransactionSender, LocalAccount]) -> None:
    w3, sender, signer = chain
    target = dev_account("sink").address
    sender.send(signer, Call(target, "0x", "pay", value=1), gas=21_000)
    # Another process spends the next nonce behind the sender's back.
    nonce = w3.eth.get_transaction_count(signer.address)
    fee = w3.eth.get_block("latest")["baseFeePerGas"] * 2 + 10**9
    raw = signer.sign_transaction(
        {
            "type": 2,
            "chainId": w3.eth.chain_id,
            "nonce": nonce,
            "to": target,
            "value": 2,
            "gas": 21_000,
            "maxFeePerGas": fee,
            "maxPriorityFeePerGas": 10**9,
        }
    ).raw_transaction
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(raw))
    receipt = sender.send(signer, Call(target, "0x", "pay", value=3), gas=21_000)
    assert receipt["status"] == 1
    assert int(w3.eth.get_transaction(receipt["transactionHash"])["nonce"]) == nonce + 1


class RpcCounter:
    """Counts the JSON-RPC methods a Web3 sends, as a middleware at the provider's edge."""

    def __init__(self, w3: Web3) -> None:
        self.calls: Counter[str] = Counter()
        calls = self.calls

        class Counting(Web3Middleware):
            def wrap_make_request(self, make_request: Any) -> Any:
                def middleware(method: str, params: Any) -> Any:
                    calls[method] += 1
                    return make_request(method, params)

                return middleware

        w3.middleware_onion.inject(Counting, name="rpc-counter", layer=0)


def test_rpc_calls_per_transaction(chain: tuple[Web3, TransactionSender, LocalAccount]) -> None:
    w3, sender, signer = chain
    target = dev_account("sink").address
    counter = RpcCounter(w3)
    sender.send(signer, Call(target, "0x", "warm-up", value=1))  # nonce read, fee data and gas now known
    assert counter.calls["eth_estimateGas"] == 1
    counter.calls.clear()
    for i in range(10):
        sender.send(signer, Call(target, "0x", "pay", value=i + 2))
    per_tx = {method: n / 10 for method, n in counter.calls.items()}
    # A check by eth_call (the function's gas is known), one send, and the receipt (polled once on an
    # automining node); nothing else.
    assert per_tx.get("eth_call") == 1.0 and "eth_estimateGas" not in per_tx
    assert per_tx.get("eth_sendRawTransaction") == 1.0
    assert per_tx.get("eth_getTransactionReceipt", 0) <= 2.0
    assert set(per_tx) <= {
        "eth_call",
        "eth_sendRawTransaction",
        "eth_getTransactionReceipt",
        "eth_getBlockByNumber",
    }
    assert per_tx.get("eth_getBlockByNumber", 0) <= 0.1  # fee data refreshed at most every 10 s
    assert "eth_chainId" not in per_tx and "eth_getTransactionCount" not in per_tx


def _registry(chain: tuple[Web3, TransactionSender, LocalAccount], artifacts: dict[str, Artifact]) -> Any:
    """A fresh ParticipantRegistry administered by the chain fixture's signer."""
    w3, sender, signer = chain
    receipt = sender.send(signer, Call("", deploy_data(artifacts["ParticipantRegistry"], [signer.address]), "deploy"))
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifacts["ParticipantRegistry"].abi)


def test_revert_is_typed_with_the_custom_error(
    chain: tuple[Web3, TransactionSender, LocalAccount], artifacts: dict[str, Artifact]
) -> None:
    _, sender, signer = chain
    registry = _registry(chain, artifacts)
    call = Call(registry.address, registry.encode_abi("register", [signer.address, 0]), "register")
    with pytest.raises(ContractRevert) as info:
        sender.send(signer, call)
    assert (info.value.error, info.value.arguments) == ("InvalidKind", {"kind": 0})
    assert str(info.value) == "InvalidKind(kind=0) in register"
    # With an explicit gas limit the transaction is mined, fails, and is replayed to recover the error.
    with pytest.raises(ContractRevert) as mined:
        sender.send(signer, call, gas=100_000)
    assert mined.value.error == "InvalidKind"


class FlakyNode:
    """Drops the connection on chosen calls, after (or before) the node has handled them."""

    def __init__(self, w3: Web3, method: str, failures: int, after_delivery: bool) -> None:
        self.remaining = failures
        flaky = self

        class Flaky(Web3Middleware):
            def wrap_make_request(self, make_request: Any) -> Any:
                def middleware(m: str, params: Any) -> Any:
                    if m == method and flaky.remaining > 0:
                        flaky.remaining -= 1
                        if after_delivery:
                            make_request(m, params)
                        raise ConnectionError("connection reset by peer")
                    return make_request(m, params)

                return middleware

        w3.middleware_onion.inject(Flaky, name=f"flaky-{method}", layer=0)


def test_transient_errors_are_retried_without_sending_twice(anvil_url: str, artifacts: dict[str, Artifact]) -> None:
    w3 = connect(anvil_url)
    sender = TransactionSender(w3, decoder_for(artifacts))
    signer = dev_account("flaky")
    sender.send(anvil_dev_account(0), Call(signer.address, "0x", "fund", value=10**20), gas=21_000)
    target = dev_account("sink").address
    sender.send(signer, Call(target, "0x", "pay", value=1), gas=21_000)
    start = w3.eth.get_transaction_count(signer.address)

    FlakyNode(w3, "eth_estimateGas", failures=2, after_delivery=False)
    assert sender.send(signer, Call(target, "0x", "pay", value=1))["status"] == 1
    # The node accepted the transaction but the answer was lost: the retry must not spend a second nonce.
    FlakyNode(w3, "eth_sendRawTransaction", failures=1, after_delivery=True)
    receipt = sender.send(signer, Call(target, "0x", "pay", value=1), gas=21_000)
    assert receipt["status"] == 1
    assert w3.eth.get_transaction_count(signer.address) == start + 2
    assert sender.send(signer, Call(target, "0x", "pay", value=1), gas=21_000)["status"] == 1
    assert w3.eth.get_transaction_count(signer.address) == start + 3


def test_a_batch_is_pipelined_learns_gas_and_still_types_reverts(
    chain: tuple[Web3, TransactionSender, LocalAccount], artifacts: dict[str, Artifact]
) -> None:
    w3, sender, signer = chain
    registry = _registry(chain, artifacts)

    def register(name: str, kind: int = 2) -> Call:
        return Call(registry.address, registry.encode_abi("register", [dev_account(name).address, kind]), "register")

    counter = RpcCounter(w3)
    receipts = sender.send_batch(signer, [register(f"batch-{i}") for i in range(6)])
    assert [r["status"] for r in receipts] == [1] * 6
    assert counter.calls["eth_estimateGas"] == 1  # the first call only; the rest use the gas it used x 3/2
    assert counter.calls["eth_sendRawTransaction"] == 6
    assert _nonces(w3, receipts) == list(range(_nonces(w3, receipts)[0], _nonces(w3, receipts)[0] + 6))

    with pytest.raises(ContractRevert) as info:  # mined and replayed on a node, refused at once embedded
        sender.send_batch(signer, [register("batch-ok"), register("batch-bad", kind=0)])
    assert (info.value.error, info.value.arguments) == ("InvalidKind", {"kind": 0})

    starved = register("batch-starved")
    sender._gas_seen[(starved.to, starved.data[:10])] = 20_000  # as if it once needed far less gas than now
    (again,) = sender.send_batch(signer, [starved])  # out of gas on a node: estimated and sent again
    assert again["status"] == 1
    assert sender._learned_gas(starved) > 30_000  # the estimate is remembered: the next call is not starved
    kind = registry.functions.participant(dev_account("batch-starved").address).call()[0]
    assert kind == 2
