"""Signed transactions per second through our sender against raw web3.py, side by side on one chain."""

from __future__ import annotations

import time

from eth_account.signers.local import LocalAccount
from web3 import Web3

from scf_ledger.chain.compiler import compile_contracts
from scf_ledger.chain.connection import dev_account, fund_gas, is_embedded
from scf_ledger.chain.deploy import decoder_for
from scf_ledger.chain.keys import anvil_dev_account
from scf_ledger.chain.sender import Call, TransactionSender

GAS = 21_000


def _fund(w3: Web3, sender: TransactionSender, account: LocalAccount) -> None:
    if is_embedded(w3):
        fund_gas(w3, account.address)
    else:
        sender.send(anvil_dev_account(0), Call(account.address, "0x", "fund", value=10**19), gas=GAS)


def _raw_block(w3: Web3, account: LocalAccount, to: str, count: int, chain_id: int, nonce: int) -> float:
    """The baseline: sign locally, send raw, wait for each receipt, with nothing of ours in between."""
    fee = int(w3.eth.get_block("latest")["baseFeePerGas"]) * 2 + 10**9
    began = time.perf_counter()
    for i in range(count):
        tx = {
            "type": 2,
            "chainId": chain_id,
            "nonce": nonce + i,
            "to": to,
            "value": 1,
            "gas": GAS,
            "maxFeePerGas": fee,
            "maxPriorityFeePerGas": 10**9,
        }
        tx_hash = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
        w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01)
    return time.perf_counter() - began


def _sender_block(sender: TransactionSender, account: LocalAccount, to: str, count: int) -> float:
    began = time.perf_counter()
    for _ in range(count):
        sender.send(account, Call(to, "0x", "pay", value=1), gas=GAS)
    return time.perf_counter() - began


def measure_sender(w3: Web3, transactions: int = 200, rounds: int = 4) -> dict[str, float]:
    """Interleaves blocks of raw and sender transactions from two signers so drift hits both alike."""
    sender = TransactionSender(w3, decoder_for(compile_contracts()))
    ours, raw = dev_account("bench-sender"), dev_account("bench-raw")
    for account in (ours, raw):
        _fund(w3, sender, account)
    sink = dev_account("bench-sink").address
    chain_id = w3.eth.chain_id
    per_round = max(transactions // rounds, 1)
    raw_s = sender_s = 0.0
    raw_nonce = w3.eth.get_transaction_count(raw.address)
    for _ in range(rounds):
        raw_s += _raw_block(w3, raw, sink, per_round, chain_id, raw_nonce)
        raw_nonce += per_round
        sender_s += _sender_block(sender, ours, sink, per_round)
    total = per_round * rounds
    return {
        "sender.tx_per_s": round(total / sender_s, 1),
        "sender.raw_tx_per_s": round(total / raw_s, 1),
        "sender.ratio_vs_raw": round(raw_s / sender_s, 3),
    }
