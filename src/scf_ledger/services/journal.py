"""The steps of one durable operation, in order, so that an operation run again (after a crash, a lost
answer, by the recovery loop) takes the same decisions and sends the same transactions instead of new ones.

A step is either a value the service read or made (an amount due, a new account: `step(name, fn)`), or a
chain transaction, recorded by the sender through the `StepLog` protocol: signer, nonce, signed bytes and
hash, committed before the bytes are broadcast. Nonces come from `signer_nonces`, one row per signer,
allocated under a row lock (PostgreSQL) or the single writer (SQLite) together with the step, so no restart
or worker ever reuses or skips one."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from scf_ledger.chain.errors import ChainError
from scf_ledger.chain.sender import ACTIVE_STEP_LOG, SignedTx
from scf_ledger.store.models import SignerNonceRow, StepRow

T = TypeVar("T")


class JournalMismatch(ChainError):
    """Raised when an operation, run again, asks for other steps than it recorded (its code changed)."""


class Journal:
    """Implements the sender's StepLog for one operation, and records value steps."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        operation_id: str,
        node_nonce: Callable[[str], int],
        *,
        new: bool = False,
    ) -> None:
        self.sessions, self.operation_id, self._node_nonce = sessions, operation_id, node_nonce
        self._steps: list[StepRow] = []
        if not new:  # run again: its steps so far
            with sessions() as session:
                query = select(StepRow).where(StepRow.operation_id == operation_id).order_by(StepRow.seq)
                self._steps = list(session.scalars(query))
        # Value steps and receipts are written with the next transaction step or the end of the operation, the
        # first moments they matter: until bytes leave, running again from nothing is as good.
        self._unsaved: list[StepRow] = []
        self._seq = 0

    @property
    def broadcast(self) -> bool:
        """Whether any transaction of the operation was signed (and so may have reached the node)."""
        return any(s.kind == "tx" and s.status != "refused" for s in self._steps)

    # VALUE STEPS

    def value(self, name: str, fn: Callable[[], T]) -> T:
        """`fn()`, recorded the first time; the recorded value when the operation runs again. JSON values only."""
        step = self._replayed("value", name)
        if step is not None:
            return step.value  # type: ignore[return-value]
        result = fn()
        self._append(StepRow(kind="value", name=name, value=result, status="done"))
        return result

    # THE SENDER'S STEP LOG

    def recorded_transaction(self, name: str) -> SignedTx | None:
        step = self._replayed("tx", name)
        return None if step is None else _signed_of(step)

    def record_transaction(self, signer: str, name: str, sign: Callable[[int], SignedTx]) -> SignedTx:
        try:
            return self._record_transaction(signer, name, sign)
        except IntegrityError:  # another worker created the signer's nonce row first: allocate from it
            return self._record_transaction(signer, name, sign)

    def _record_transaction(self, signer: str, name: str, sign: Callable[[int], SignedTx]) -> SignedTx:
        with self.sessions.begin() as session:
            row = session.get(SignerNonceRow, signer, with_for_update=True)
            if row is None:
                row = SignerNonceRow(signer=signer, next_nonce=self._node_nonce(signer))
                session.add(row)
            signed = sign(row.next_nonce)
            row.next_nonce = signed.nonce + 1
            self.save(session)
            step = StepRow(
                operation_id=self.operation_id,
                seq=self._seq,
                kind="tx",
                name=name[:100],
                signer=signer,
                nonce=signed.nonce,
                raw="0x" + signed.raw.hex(),
                tx_hash="0x" + signed.tx_hash.hex(),
                status="signed",
            )
            session.add(step)
        self.saved()
        self._steps.append(step)
        self._seq += 1
        return signed

    def replace(self, signer: str, attempt: SignedTx) -> SignedTx:
        current = self._steps[self._seq - 1]
        with self.sessions.begin() as session:
            self.save(session)
            step = session.get(StepRow, (self.operation_id, current.seq))
            assert step is not None and step.kind == "tx" and step.nonce == attempt.nonce
            step.attempts = [*(step.attempts or []), step.tx_hash]
            step.raw, step.tx_hash = "0x" + attempt.raw.hex(), "0x" + attempt.tx_hash.hex()
            if attempt.closing:
                step.status = "closing"
            current.attempts, current.raw, current.tx_hash, current.status = (
                step.attempts,
                step.raw,
                step.tx_hash,
                step.status,
            )
        self.saved()
        return _signed_of(current)

    def resync(self, signer: str, next_nonce: int) -> None:
        last = self._forget_last()
        with self.sessions.begin() as session:
            row = session.get(SignerNonceRow, signer, with_for_update=True)
            if row is not None and row.next_nonce < next_nonce:
                row.next_nonce = next_nonce
            if last is not None:
                session.delete(session.get(StepRow, (self.operation_id, last.seq)))

    def refused(self, signer: str) -> bool:
        current = self._steps[self._seq - 1]
        with self.sessions.begin() as session:
            row = session.get(SignerNonceRow, signer, with_for_update=True)
            free = row is not None and current.nonce is not None and row.next_nonce == current.nonce + 1
            if not free:
                return False
            row.next_nonce = current.nonce  # nothing took it since: the next transaction uses it
            step = session.get(StepRow, (self.operation_id, current.seq))
            if step is not None:
                step.status = current.status = "refused"
        return True

    def mined(self, tx_hash: bytes, succeeded: bool) -> None:
        hex_hash = "0x" + tx_hash.hex()
        for step in self._steps:
            if step.kind != "tx" or step.status not in ("signed", "closing"):
                continue
            if step.tx_hash == hex_hash:
                step.status = "closed" if step.status == "closing" else "mined" if succeeded else "reverted"
            elif hex_hash in (step.attempts or []):  # an earlier attempt won: it is the step's transaction
                step.attempts = [h for h in [*(step.attempts or []), step.tx_hash] if h != hex_hash]
                step.tx_hash, step.status = hex_hash, "mined" if succeeded else "reverted"
            else:
                continue
            self._unsaved.append(step)

    def save(self, session: Session) -> None:
        """Writes what is not written yet (value steps, receipts' statuses) in the caller's transaction; call
        `saved` once it committed."""
        for step in self._unsaved:
            session.merge(step)

    def saved(self) -> None:
        self._unsaved.clear()

    # INTERNALS

    def _replayed(self, kind: str, name: str) -> StepRow | None:
        if self._seq >= len(self._steps):
            return None
        step = self._steps[self._seq]
        if step.kind != kind or step.name != name[:100]:
            raise JournalMismatch(
                f"step {self._seq} of {self.operation_id} was {step.kind} {step.name!r}, not {name!r}"
            )
        self._seq += 1
        return step

    def _append(self, step: StepRow) -> None:
        step.operation_id, step.seq = self.operation_id, self._seq
        self._steps.append(step)
        self._unsaved.append(step)
        self._seq += 1

    def _forget_last(self) -> StepRow | None:
        if not self._steps or self._steps[-1].kind != "tx":
            return None
        self._seq -= 1
        return self._steps.pop()


def _signed_of(step: StepRow) -> SignedTx:
    assert step.raw is not None and step.tx_hash is not None and step.nonce is not None
    earlier = tuple(bytes.fromhex(h[2:]) for h in step.attempts or [])
    closing = step.status in ("closing", "closed")
    return SignedTx(bytes.fromhex(step.raw[2:]), bytes.fromhex(step.tx_hash[2:]), step.nonce, earlier, closing)


def new_operation_id() -> str:
    return "op_" + secrets.token_hex(8)


@contextmanager
def active(journal: Journal) -> Iterator[Journal]:
    """Makes `journal` the step log of every transaction sent in this context (thread or task)."""
    token = ACTIVE_STEP_LOG.set(journal)
    try:
        yield journal
    finally:
        ACTIVE_STEP_LOG.reset(token)


def step(name: str, fn: Callable[[], T]) -> T:
    """A value step of the running operation (or just `fn()` outside one): what a service reads or makes that
    must be the same when the operation runs again."""
    log: Any = ACTIVE_STEP_LOG.get()
    return log.value(name, fn) if isinstance(log, Journal) else fn()


def current_operation_id() -> str | None:
    """The id of the operation running in this context (thread or task), if any."""
    log: Any = ACTIVE_STEP_LOG.get()
    return log.operation_id if isinstance(log, Journal) else None
