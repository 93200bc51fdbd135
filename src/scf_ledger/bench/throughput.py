"""Lifecycle transactions per second through our chain layer against raw signed transactions, side by side.

The workload is the lifecycle after origination, on fresh installments of the same shape for each side:
a split transfer by the tier-1 supplier, a partial repayment by the obligor, and a claim by the tier-2
holder. Raw: calldata encoded once, signed with a fixed gas limit and sent back to back, receipts read at the
end. Ours: the same calls through `TransactionSender.send_batch` (each estimated, nonces counted locally,
sent pipelined, receipts at the end)."""

from __future__ import annotations

import time
from collections.abc import Callable

from eth_account.signers.local import LocalAccount
from web3 import Web3

from scf_ledger.chain.sender import Call
from scf_ledger.domain.constants import UNIT
from scf_ledger.sandbox import World, create_world

RAW_GAS = 400_000


def _phases(world: World, ids: list[int]) -> list[tuple[LocalAccount, list[Call]]]:
    ledger = world.chain.ledger
    s1, s2, obligor = world.suppliers[0], world.suppliers[1], world.obligor

    def call(fn: str, *args: object) -> Call:
        return Call(ledger.address, ledger.encode_abi(fn, list(args)), fn)

    return [
        (s1, [call("safeTransferFrom", s1.address, s2.address, i, 10 * UNIT, b"") for i in ids]),
        (obligor, [call("repay", i, 30 * UNIT) for i in ids]),
        (s2, [call("claim", i, s2.address) for i in ids]),
    ]


def _raw(w3: Web3, account: LocalAccount, calls: list[Call]) -> float:
    chain_id = w3.eth.chain_id
    nonce = w3.eth.get_transaction_count(account.address, "pending")
    fee = int(w3.eth.get_block("latest")["baseFeePerGas"]) * 2 + 10**9
    began = time.perf_counter()
    hashes = []
    for i, c in enumerate(calls):
        tx = {
            "type": 2,
            "chainId": chain_id,
            "nonce": nonce + i,
            "to": c.to,
            "data": c.data,
            "value": 0,
            "gas": RAW_GAS,
            "maxFeePerGas": fee,
            "maxPriorityFeePerGas": 10**9,
        }
        hashes.append(w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction))
    receipts = [w3.eth.wait_for_transaction_receipt(h, poll_latency=0.01) for h in hashes]
    elapsed = time.perf_counter() - began
    assert all(r["status"] == 1 for r in receipts), "a raw lifecycle transaction failed"
    return elapsed


def measure_throughput(
    w3: Web3, installments: int = 48, rounds: int = 2, log: Callable[[str], None] = lambda _: None
) -> dict[str, float]:
    world = create_world(w3)
    per_purchase = 12
    purchases = max(installments // per_purchase, 1)
    ours_s = raw_s = 0.0
    count = 0
    for r in range(rounds):
        # Alternate which side goes first so that a slowly filling node weighs on both alike.
        sides = ("raw", "ours") if r % 2 == 0 else ("ours", "raw")
        for side in sides:
            ids = [i for _ in range(purchases) for i in world.buy(1_200 * UNIT, per_purchase)]
            for account, calls in _phases(world, ids):
                if side == "raw":
                    raw_s += _raw(w3, account, calls)
                    world.chain.sender.resync_nonce(account.address)  # its nonces moved behind our back
                else:
                    began = time.perf_counter()
                    world.chain.sender.send_batch(account, calls)
                    ours_s += time.perf_counter() - began
            count += 3 * len(ids) if side == "ours" else 0
        log(f"  round {r + 1}/{rounds}: {3 * purchases * per_purchase} lifecycle transactions a side")
    return {
        "throughput.service_tx_per_s": round(count / ours_s, 1),
        "throughput.raw_tx_per_s": round(count / raw_s, 1),
        "throughput.ratio_vs_raw": round(raw_s / ours_s, 3),
    }
