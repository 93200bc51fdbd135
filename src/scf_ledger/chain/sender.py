"""Sends contract transactions: signs locally, keeps per-signer nonces, waits for receipts, decodes reverts.

Per transaction it makes: one `eth_estimateGas` the first time a function is sent, an `eth_call` after that
(either turns a revert into a typed error before any gas is spent; neither when a gas limit is given), one
`eth_sendRawTransaction` and the receipt polls.
Chain id and fee data are cached; the nonce is read once per signer and then counted locally.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

import rlp
from eth_account.signers.local import LocalAccount
from eth_tester.exceptions import TransactionFailed
from eth_utils import big_endian_to_int, to_checksum_address
from web3 import Web3
from web3.exceptions import ContractLogicError, TimeExhausted, TransactionNotFound, Web3RPCError
from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import TxReceipt

from scf_ledger.chain.errors import (
    ChainError,
    ContractRevert,
    OutcomeUnknown,
    RevertDecoder,
    TransactionRefused,
    TransactionTimeout,
    mined_despite_error,
    revert_data,
)

T = TypeVar("T")


def ran_out_of_gas(receipt: Any, gas: int) -> bool:
    """A reverted transaction that used its limit, or all but the 1/64 a call keeps back (EIP-150): a
    DELEGATECALL that runs out of gas leaves its caller that much to revert with."""
    return int(receipt["gasUsed"]) * 64 >= gas * 63


GAS_MARGIN_NUM, GAS_MARGIN_DEN = 6, 5  # 20 % over the estimate: state may move before mining
FEE_CACHE_SECONDS = 10.0
TRANSIENT_RETRIES = 4
DEFAULT_TIP = 10**9
FEE_REPLACEMENTS = 5  # higher fees tried in a row for bytes the node finds underpriced
REPLACE_AFTER_SECONDS = 30.0  # without a receipt this long, the node is asked what became of a transaction


@dataclass(frozen=True)
class SignedTx:
    """A transaction of an operation's, as recorded: its newest attempt's bytes and hash, its nonce, and the hashes
    of its earlier attempts at that nonce (any of them may be the one mined)."""

    raw: bytes
    tx_hash: bytes
    nonce: int
    earlier: tuple[bytes, ...] = ()
    closing: bool = False  # the newest attempt is a 0-value self-transfer taking the nonce of unsendable bytes

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """Every attempt's hash, newest first."""
        return (self.tx_hash, *reversed(self.earlier))


class StepLog(Protocol):
    """Where a durable operation keeps its chain writes (services/journal.py). A transaction is committed there
    with its signer, nonce, signed bytes and hash before it is broadcast; when the operation runs again, its
    recorded transactions are broadcast again as they are, never signed anew."""

    def recorded_transaction(self, name: str) -> SignedTx | None:
        """The operation's next transaction, `name`, if it was signed already, else None."""

    def record_transaction(self, signer: str, name: str, sign: Callable[[int], SignedTx]) -> SignedTx:
        """Allocates the signer's next nonce, signs at it (`sign(nonce)`), commits the step and returns it."""

    def replace(self, signer: str, attempt: SignedTx) -> SignedTx:
        """Commits a new attempt at the current transaction's nonce (a higher fee, or a closing self-transfer),
        before it is broadcast; returns the transaction with every attempt's hash."""

    def resync(self, signer: str, next_nonce: int) -> None:
        """The node says the signer's next nonce is at least `next_nonce`: forget the last recorded step (its
        bytes can never be mined) and allocate from there."""

    def refused(self, signer: str) -> bool:
        """The node refused the current transaction outright. True when its nonce is free again (nothing was
        allocated after it); False when a later nonce was, so this one must be closed."""

    def mined(self, tx_hash: bytes, succeeded: bool) -> None:
        """The receipt of one attempt of a recorded transaction arrived."""


# The step log of the operation running on this thread or task, if any (set by services/journal.py).
ACTIVE_STEP_LOG: ContextVar[StepLog | None] = ContextVar("scf_active_step_log", default=None)


@dataclass(frozen=True)
class Call:
    """A contract function call to send: target address, calldata, and a label for errors."""

    to: str
    data: str
    label: str = ""
    value: int = 0


def _is_nonce_too_low(exc: Exception) -> bool:
    text = str(exc).lower()
    # geth/anvil say "nonce too low"; py-evm says "Invalid transaction nonce: Expected N, but got M".
    return any(s in text for s in ("nonce too low", "nonce is too low", "invalid transaction nonce"))


def _is_already_known(exc: Exception) -> bool:
    text = str(exc).lower()
    return "already known" in text or "already imported" in text


def _is_underpriced(exc: Exception) -> bool:
    text = str(exc).lower()
    # geth: "transaction underpriced", "replacement transaction underpriced", "max fee per gas less than block
    # base fee"; anvil says the last too.
    return "underpriced" in text or "less than block base fee" in text


class NonceTaken(ChainError):
    """The node has the nonce used, by a transaction that is none of this one's attempts."""


def decode_signed(raw: bytes) -> dict[str, Any]:
    """The fields of a signed EIP-1559 transaction, as `sign_transaction` takes them (to re-sign it)."""
    if raw[:1] != b"\x02":
        raise ChainError("only EIP-1559 (type 2) transactions are re-signed")
    chain_id, nonce, tip, max_fee, gas, to, value, data = (rlp.decode(raw[1:]))[:8]
    tx = {
        "type": 2,
        "chainId": big_endian_to_int(chain_id),
        "nonce": big_endian_to_int(nonce),
        "maxPriorityFeePerGas": big_endian_to_int(tip),
        "maxFeePerGas": big_endian_to_int(max_fee),
        "gas": big_endian_to_int(gas),
        "value": big_endian_to_int(value),
        "data": "0x" + data.hex(),
    }
    if to:
        tx["to"] = to_checksum_address(to)
    return tx


def _is_transient(exc: Exception) -> bool:
    return isinstance(exc, ConnectionError | TimeoutError | OSError)


class TransactionSender:
    """One sender per chain connection; safe to share between threads."""

    def __init__(self, w3: Web3, decoder: RevertDecoder, *, receipt_timeout: float = 120.0) -> None:
        self.w3 = w3
        self.decoder = decoder
        self.receipt_timeout = receipt_timeout
        self.replace_after = REPLACE_AFTER_SECONDS
        self.chain_id: int = w3.eth.chain_id
        self.embedded = isinstance(w3.provider, EthereumTesterProvider)
        # py-evm is not thread-safe: every request into the embedded chain goes through this lock.
        self._chain_lock = threading.RLock() if self.embedded else None
        self._nonces: dict[str, int] = {}
        self._signer_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._fees: tuple[float, int, int] | None = None
        self._gas_seen: dict[tuple[str, str], int] = {}  # most gas a (contract, selector) used or was estimated at
        self.last_mined: tuple[int, str] = (-1, "")  # number and hash of the newest block a receipt came from

    # PUBLIC

    def send(self, account: LocalAccount, call: Call, *, gas: int | None = None) -> TxReceipt:
        """Signs, sends and waits for `call`; raises ContractRevert with the decoded custom error.

        Without a gas limit, the first call of a function is estimated; later ones are checked with an
        eth_call (a revert is still typed before any gas is spent, at less than half an estimate's cost on
        anvil, which searches for the limit) and sent with 3/2 of the most gas the function needed so far.
        One that runs out of gas anyway is estimated and sent again."""
        log = ACTIVE_STEP_LOG.get()
        if log is not None and (recorded := log.recorded_transaction(call.label or call.data[:10])) is not None:
            return self._finish_recorded(log, account, call, recorded)
        learned = None
        if gas is None:
            learned = self._learned_gas(call)
            if learned is None:
                gas = self.estimate(account.address, call)
                self._learn_gas(call, gas)
            else:
                self.call(account.address, call, value=call.value)
                gas = learned
        if log is None:
            receipt = self.wait(self._sign_and_send(account, call, gas))
        else:
            receipt = self._settled(log, account, self._record_and_send(log, account, call, gas))
        if receipt["status"] != 1 and learned is not None and ran_out_of_gas(receipt, gas):
            return self._resend_estimated(account, call)
        if receipt["status"] != 1:
            raise self._revert_of_mined(account.address, call, receipt)
        if learned is not None:
            self._learn_gas(call, int(receipt["gasUsed"]))
        return receipt

    def estimate(self, sender: str, call: Call) -> int:
        tx = {"from": sender, "data": call.data, "value": call.value}
        if call.to:
            tx["to"] = call.to
        try:
            # On a node, estimate in "pending": the block the transaction will join, with the timestamp the
            # node scheduled for it (eth-tester estimates in its pending context already).
            block = None if self.embedded else "pending"
            estimate = self._rpc(lambda: self.w3.eth.estimate_gas(tx, block))  # type: ignore[arg-type]
        except (ContractLogicError, TransactionFailed) as exc:
            raise self.revert_error(exc, tx, call.label) from None
        return estimate * GAS_MARGIN_NUM // GAS_MARGIN_DEN

    def call(self, sender: str | None, call: Call, *, value: int = 0) -> bytes:
        """eth_call (in the pending block on a node, like an estimate) with revert decoding."""
        tx: dict[str, Any] = {"to": call.to, "data": call.data}
        if sender:
            tx["from"] = sender
        if value:
            tx["value"] = value
        try:
            return bytes(self._rpc(lambda: self.w3.eth.call(tx, "pending")))  # type: ignore[arg-type]
        except (ContractLogicError, TransactionFailed) as exc:
            raise self.revert_error(exc, tx, call.label) from None

    def revert_error(self, exc: Exception, tx: dict[str, Any], label: str) -> ContractRevert:
        """The decoded custom error behind a failed call. web3's eth-tester provider flattens revert data
        into a message, so on the embedded chain the call is replayed on eth-tester to get the raw bytes."""
        data = revert_data(exc)
        if data is not None:
            return self.decoder.decode(data, label)
        if self.embedded:
            tester = self.w3.provider.ethereum_tester  # type: ignore[attr-defined]
            replay = {k: v for k, v in tx.items() if k in ("from", "to", "data", "value")}
            if "from" not in replay:
                replay["from"] = tester.get_accounts()[0]  # a funded account, so the replay can pay its gas
            try:
                # eth-tester's estimate_gas keeps the raw revert bytes (its call() stringifies them).
                self._rpc(lambda: tester.estimate_gas(replay))
            except TransactionFailed as failed:
                raw = failed.args[0] if failed.args else b""
                if isinstance(raw, Exception):
                    raw = raw.args[0] if raw.args else b""
                if isinstance(raw, bytes):
                    return self.decoder.decode(raw, label)
        return ContractRevert("UnknownRevert", {"message": str(exc)}, "", label)

    def wait(self, tx_hash: bytes) -> TxReceipt:
        """Polls for the receipt: at once (an automining node has it), then backing off from 2 ms to 250 ms."""
        deadline = time.monotonic() + self.receipt_timeout
        pause = 0.002
        while (receipt := self._receipt(tx_hash)) is None:
            if time.monotonic() > deadline:
                raise TransactionTimeout(f"no receipt for 0x{tx_hash.hex()} after {self.receipt_timeout:.0f} s")
            time.sleep(pause)
            pause = min(pause * 2, 0.25)
        return receipt

    def _receipt(self, tx_hash: bytes) -> TxReceipt | None:
        try:
            receipt = self._rpc(lambda: self.w3.eth.get_transaction_receipt(tx_hash))  # type: ignore[arg-type]
        except (TransactionNotFound, TimeExhausted):
            return None
        number = int(receipt["blockNumber"])
        if number > self.last_mined[0]:
            self.last_mined = (number, "0x" + bytes(receipt["blockHash"]).hex())
        return receipt

    def send_batch(self, account: LocalAccount, calls: list[Call]) -> list[TxReceipt]:
        """Pipelines `calls` from one signer: all are signed and sent back to back, receipts are read at the end.

        A function already seen is sent with 3/2 of the most gas it used or was estimated at (learned per
        contract and selector), without an estimate: a batch then costs what raw transactions cost, one send and one
        receipt each. The price is that a call that would revert is mined and pays its gas; its custom error
        is still decoded (by replay), and one that ran out of gas is estimated and sent again. A function not
        seen yet is estimated against the pending state, which holds the batch's earlier transactions.
        Raises the first failure's ContractRevert once every receipt is in."""
        limits, hashes = [], []
        for call in calls:
            gas = self._learned_gas(call)
            if gas is None:
                gas = self.estimate(account.address, call)
                self._learn_gas(call, gas)  # the batch's later calls of this function need no estimate
            limits.append(gas)
            hashes.append(self._sign_and_send(account, call, gas))
        receipts = [self.wait(tx_hash) for tx_hash in hashes]
        for i, (call, gas, receipt) in enumerate(zip(calls, limits, receipts, strict=True)):
            if receipt["status"] != 1 and ran_out_of_gas(receipt, gas):  # out of gas: state moved, pay the estimate
                receipts[i] = receipt = self._resend_estimated(account, call)
            if receipt["status"] != 1:
                raise self._revert_of_mined(account.address, call, receipt)
            self._learn_gas(call, int(receipt["gasUsed"]))
        return receipts

    def _resend_estimated(self, account: LocalAccount, call: Call) -> TxReceipt:
        """After a call ran out of the learned gas: estimate it, remember the estimate, and send it again."""
        gas = self.estimate(account.address, call)
        self._learn_gas(call, gas)
        return self.send(account, call, gas=gas)

    def _learned_gas(self, call: Call) -> int | None:
        if not call.to:  # a contract creation: its init code is no function
            return None
        seen = self._gas_seen.get((call.to, call.data[:10]))
        return None if seen is None else seen * 3 // 2

    def _learn_gas(self, call: Call, used: int) -> None:
        key = (call.to, call.data[:10])
        self._gas_seen[key] = max(self._gas_seen.get(key, 0), used)

    async def send_async(self, account: LocalAccount, call: Call, *, gas: int | None = None) -> TxReceipt:
        """`send` for asyncio callers: runs in a worker thread, so the event loop never blocks."""
        return await asyncio.to_thread(self.send, account, call, gas=gas)

    def resync_nonce(self, address: str | None = None) -> None:
        """Forgets cached nonces (of `address`, or all), e.g. after a chain snapshot is reverted."""
        with self._locks_guard:
            if address is None:
                self._nonces.clear()
            else:
                self._nonces.pop(address, None)

    def next_nonce(self, address: str) -> int:
        """The node's count of `address`'s transactions, pending ones included: the next nonce it expects."""
        return int(self._rpc(lambda: self.w3.eth.get_transaction_count(address, "pending")))  # type: ignore[arg-type]

    def run(self, fn: Callable[[], T]) -> T:
        """Runs `fn` (any request to the chain) under the embedded chain's lock where there is one."""
        return self._rpc(fn)

    # INTERNALS

    def _signer_lock(self, address: str) -> threading.Lock:
        with self._locks_guard:
            return self._signer_locks.setdefault(address, threading.Lock())

    def _rpc(self, fn: Callable[[], T]) -> T:
        for attempt in range(TRANSIENT_RETRIES + 1):
            try:
                if self._chain_lock is None:
                    return fn()
                with self._chain_lock:
                    return fn()
            except (TransactionNotFound, TimeExhausted, ContractLogicError, TransactionFailed, ChainError):
                raise
            except Exception as exc:
                if not _is_transient(exc) or attempt == TRANSIENT_RETRIES:
                    raise
                time.sleep(min(0.1 * 2**attempt, 2.0))
        raise ChainError("unreachable")  # pragma: no cover

    def _fee_fields(self) -> dict[str, int]:
        now = time.monotonic()
        if self._fees is None or now - self._fees[0] > FEE_CACHE_SECONDS:
            base = self._rpc(lambda: self.w3.eth.get_block("latest"))["baseFeePerGas"]
            tip = DEFAULT_TIP
            # Twice the base fee absorbs six full blocks of base-fee growth before a resend is needed.
            self._fees = (now, 2 * base + tip, tip)
        return {"maxFeePerGas": self._fees[1], "maxPriorityFeePerGas": self._fees[2]}

    def _sign_and_send(self, account: LocalAccount, call: Call, gas: int) -> bytes:
        address = account.address
        with self._signer_lock(address):
            for _ in range(3):
                if address not in self._nonces:
                    self._nonces[address] = self.next_nonce(address)
                tx = self._transaction(call, gas, self._nonces[address])
                signed = account.sign_transaction(tx)
                tx_hash = bytes(signed.hash)
                try:
                    self._rpc(lambda raw=signed.raw_transaction: self.w3.eth.send_raw_transaction(raw))
                except (ContractLogicError, TransactionFailed) as exc:
                    # The embedded chain executes on submission and may refuse here.
                    self._nonces.pop(address, None)
                    raise self.revert_error(exc, {"from": address, **tx}, call.label) from None
                except Exception as exc:
                    self._nonces.pop(address, None)
                    # A retried submission may have reached the node the first time: if the node knows
                    # this very transaction, it is sent, and signing another would spend twice.
                    if self._sent_already(exc, (tx_hash,)):
                        self._nonces[address] = int(tx["nonce"]) + 1
                        return tx_hash
                    if _is_nonce_too_low(exc):
                        continue
                    raise
                self._nonces[address] += 1
                return tx_hash
        raise ChainError(f"could not find a free nonce for {address} after 3 tries")

    # DURABLE SENDS (within an operation)

    def _record_and_send(self, log: StepLog, account: LocalAccount, call: Call, gas: int) -> SignedTx:
        """Allocates the nonce and records the signed transaction through `log`, then broadcasts it. From the
        broadcast on, an error that leaves its fate open raises OutcomeUnknown."""
        address = account.address
        with self._signer_lock(address):  # one allocation and broadcast at a time per signer in this process
            for _ in range(3):
                signed = log.record_transaction(
                    address,
                    call.label or call.data[:10],
                    lambda nonce: self._signed(account, self._transaction(call, gas, nonce)),
                )
                try:
                    return self._broadcast(log, account, signed)
                except (ContractLogicError, TransactionFailed) as exc:  # the embedded chain executes at submission
                    log.refused(address)
                    tx = {"from": address, "to": call.to, "data": call.data, "value": call.value}
                    raise self.revert_error(exc, tx, call.label) from None
                except NonceTaken:  # the recorded nonce was used outside the log: go on from the node's
                    log.resync(address, self.next_nonce(address))
        raise ChainError(f"could not find a free nonce for {address} after 3 tries")

    def _finish_recorded(self, log: StepLog, account: LocalAccount, call: Call, signed: SignedTx) -> TxReceipt:
        """A transaction the operation signed before: broadcast the same bytes again (a node that has them
        already says so) and wait for whichever attempt is mined."""
        try:
            # The embedded chain runs the bytes again on a second send and may refuse: their receipt tells.
            with contextlib.suppress(ContractLogicError, TransactionFailed):
                signed = self._broadcast(log, account, signed)
        except NonceTaken:
            raise ChainError(f"0x{signed.tx_hash.hex()} can never be mined: its nonce was used by another") from None
        receipt = self._settled(log, account, signed)
        if receipt["status"] != 1:
            raise self._revert_of_mined(account.address, call, receipt)
        return receipt

    def _signed(self, account: LocalAccount, tx: dict[str, Any]) -> SignedTx:
        result = account.sign_transaction(tx)
        return SignedTx(bytes(result.raw_transaction), bytes(result.hash), int(tx["nonce"]))

    def _broadcast(self, log: StepLog, account: LocalAccount, signed: SignedTx) -> SignedTx:
        """Sends the newest attempt's bytes and returns the transaction as it then stands: sent (or known to the
        node already), re-signed at its nonce with a higher fee when the node finds its fee too low, or closed
        when the node refuses the bytes outright. Raises NonceTaken when another transaction has its nonce,
        OutcomeUnknown when the node's answer is lost."""
        for _ in range(FEE_REPLACEMENTS):
            try:
                self._rpc(lambda raw=signed.raw: self.w3.eth.send_raw_transaction(raw))
                return signed
            except (ContractLogicError, TransactionFailed):
                raise
            except Exception as exc:
                if self._sent_already(exc, signed.hashes):
                    return signed  # this transaction (one of its attempts) reached the node before
                if _is_nonce_too_low(exc):
                    raise NonceTaken(str(exc)) from None
                if _is_underpriced(exc):
                    signed = self._with_higher_fee(log, account, signed)
                    continue
                if isinstance(exc, Web3RPCError):  # a definite no: these bytes never reached the node
                    return self._refused(log, account, signed, exc)
                unanswered = f"the node did not answer the send ({type(exc).__name__})"
                raise OutcomeUnknown(signed.tx_hash, unanswered) from exc
        raise ChainError(f"0x{signed.tx_hash.hex()}: still underpriced after {FEE_REPLACEMENTS} higher fees")

    def _settled(self, log: StepLog, account: LocalAccount, signed: SignedTx) -> TxReceipt:
        """Waits for whichever attempt of `signed` is mined and records its receipt. Without a receipt for
        `replace_after` seconds, a transaction the node dropped is sent again and one priced under the base fee
        is replaced at its nonce with a higher fee. Raises TransactionRefused when the closing attempt was the
        one mined, OutcomeUnknown when no receipt came in time."""
        deadline = time.monotonic() + self.receipt_timeout
        check_at = time.monotonic() + self.replace_after
        pause = 0.002
        try:
            while (receipt := next(filter(None, map(self._receipt, signed.hashes)), None)) is None:
                now = time.monotonic()
                if now > deadline:
                    raise OutcomeUnknown(signed.tx_hash, f"no receipt after {self.receipt_timeout:.0f} s")
                if now > check_at:
                    signed, check_at = self._unstuck(log, account, signed), now + self.replace_after
                time.sleep(pause)
                pause = min(pause * 2, 0.25)
        except OSError as exc:
            raise OutcomeUnknown(signed.tx_hash, str(exc) or type(exc).__name__) from exc
        mined = bytes(receipt["transactionHash"])
        log.mined(mined, receipt["status"] == 1)
        if signed.closing and mined == signed.tx_hash:
            raise TransactionRefused(f"0x{signed.earlier[-1].hex()} was refused by the node; its nonce was closed")
        return receipt

    def _unstuck(self, log: StepLog, account: LocalAccount, signed: SignedTx) -> SignedTx:
        """After `replace_after` seconds without a receipt: the transaction as the node has it now."""
        try:
            seen = self._rpc(lambda: self.w3.eth.get_transaction(signed.tx_hash))  # type: ignore[arg-type]
        except TransactionNotFound:  # dropped (or never arrived): the same bytes again
            try:
                return self._broadcast(log, account, signed)
            except NonceTaken:  # mined meanwhile, or taken by another: the receipts (or the deadline) tell
                return signed
        if seen.get("blockNumber") is None and int(seen.get("maxFeePerGas", 0)) < self._base_fee():
            return self._broadcast(log, account, self._with_higher_fee(log, account, signed))
        return signed

    def _with_higher_fee(self, log: StepLog, account: LocalAccount, signed: SignedTx) -> SignedTx:
        """The same transaction (nonce, gas, calldata) re-signed with fees over both the base fee and an eighth
        over the last attempt's (nodes replace a pending transaction only for ≥ 10 % more), recorded first."""
        tx = decode_signed(signed.raw)
        tip = max(tx["maxPriorityFeePerGas"] * 9 // 8 + 1, DEFAULT_TIP)
        fee = max(2 * self._base_fee() + tip, tx["maxFeePerGas"] * 9 // 8 + 1)
        tx |= {"maxPriorityFeePerGas": tip, "maxFeePerGas": fee}
        return log.replace(account.address, self._signed(account, tx))

    def _refused(self, log: StepLog, account: LocalAccount, signed: SignedTx, exc: Exception) -> SignedTx:
        """The node refused the bytes outright. Their nonce is given back when nothing was allocated after it;
        otherwise, if the node still has it unused after `replace_after` seconds, it is taken by a 0-value
        self-transfer (so the signer's later transactions can be mined) and the write ends refused."""
        error = (getattr(exc, "rpc_response", None) or {}).get("error") or {}
        reason = str(error.get("message") or exc)
        if not signed.closing and log.refused(account.address):
            raise TransactionRefused(f"the node refused 0x{signed.tx_hash.hex()}: {reason}")
        time.sleep(self.replace_after)
        mined_count = int(self._rpc(lambda: self.w3.eth.get_transaction_count(account.address, "latest")))
        if mined_count > signed.nonce or any(map(self._is_known, signed.hashes)):  # used after all: the receipts tell
            return signed
        if signed.closing:
            raise ChainError(f"the nonce {signed.nonce} of {account.address} cannot be closed: {reason}")
        self._fees = None
        closer = self._transaction(Call(account.address, "0x"), 21_000, signed.nonce)
        closed = log.replace(account.address, replace(self._signed(account, closer), closing=True))
        return self._broadcast(log, account, closed)

    def _base_fee(self) -> int:
        return int(self._rpc(lambda: self.w3.eth.get_block("latest"))["baseFeePerGas"])

    def _transaction(self, call: Call, gas: int, nonce: int) -> dict[str, Any]:
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": self.chain_id,
            "nonce": nonce,
            "to": call.to,
            "data": call.data,
            "value": call.value,
            "gas": gas,
            **self._fee_fields(),
        }
        if not call.to:
            del tx["to"]  # contract creation
        return tx

    def _sent_already(self, exc: Exception, hashes: tuple[bytes, ...]) -> bool:
        """Whether a send that failed with `exc` reached the node: it knows these bytes from before (a retried
        or replayed send), mined them in spite of the error (Hardhat: a revert), or took their nonce for one of
        these attempts."""
        if _is_already_known(exc) or mined_despite_error(exc) in hashes:
            return True
        return _is_nonce_too_low(exc) and any(map(self._is_known, hashes))

    def _is_known(self, tx_hash: bytes) -> bool:
        try:
            self._rpc(lambda: self.w3.eth.get_transaction(tx_hash))  # type: ignore[arg-type]
        except TransactionNotFound:
            return False
        return True

    def _revert_of_mined(self, sender: str, call: Call, receipt: TxReceipt) -> ContractRevert:
        """Replays a failed transaction at its block to recover the revert data."""
        tx = {"from": sender, "to": call.to, "data": call.data, "value": call.value}
        try:
            self._rpc(lambda: self.w3.eth.call(tx, receipt["blockNumber"] - 1))  # type: ignore[arg-type]
        except (ContractLogicError, TransactionFailed) as exc:
            return self.revert_error(exc, tx, call.label)
        return ContractRevert("OutOfGasOrUnknown", {"gasUsed": receipt["gasUsed"]}, "", call.label)
