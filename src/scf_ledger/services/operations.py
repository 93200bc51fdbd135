"""Durable operations: every write request is one, recorded before it runs, with its steps (services/journal.py)
and, once it ends, its answer. A retry with the same Idempotency-Key gets the operation, never new work; an
operation whose outcome is open (bytes may have reached the node, no answer says what became of them) stays
`pending` and is run again by the recovery loop under a lease, until it ends `succeeded` or `failed`."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from scf_ledger.domain.enums import EventType
from scf_ledger.services.errors import Invalid, NotFound
from scf_ledger.services.journal import Journal, new_operation_id
from scf_ledger.services.models import OperationOut, TransactionOut
from scf_ledger.services.runtime import Party, Runtime
from scf_ledger.store import outbox
from scf_ledger.store.models import OperationRow, StepRow
from scf_ledger.store.outbox import Notice

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"


@dataclass(frozen=True)
class Request:
    """What an operation was asked, enough to run it again: method, path, query string, body."""

    method: str
    path: str
    query: str
    body: str

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"

    def as_json(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "query": self.query, "body": self.body}

    @classmethod
    def of(cls, stored: dict[str, Any]) -> Request:
        return cls(str(stored["method"]), str(stored["path"]), str(stored.get("query", "")), str(stored["body"]))


def begin(rt: Runtime, party: Party, key: str | None, request: Request, digest: str) -> tuple[OperationRow, bool]:
    """The new operation for this request, leased to this worker (True); or, for a key used before, its
    operation as it stands (False). The same key with another request is refused."""
    row = OperationRow(
        id=new_operation_id(),
        party=party.address,
        key=key,
        route=request.route,
        request_digest=digest,
        request=request.as_json(),
        status=PENDING,
        owner=rt.worker_id,
        lease_until=time.time() + rt.settings.lease_seconds,
    )
    try:
        with rt.sessions.begin() as session:
            session.add(row)
    except IntegrityError:  # the key was used before (or is being used now)
        return _earlier(rt, party, key, request, digest)
    return row, True


def _earlier(rt: Runtime, party: Party, key: str | None, request: Request, digest: str) -> tuple[OperationRow, bool]:
    """The operation of a key used before, if it was used for this request."""
    with rt.sessions() as session:
        existing = session.scalar(
            select(OperationRow).where(OperationRow.party == party.address, OperationRow.key == key)
        )
    if existing is None:  # deleted between the insert and the read: a failed attempt, the key is free again
        return begin(rt, party, key, request, digest)
    if existing.request_digest != digest:
        raise Invalid("Idempotency-Key reused", f"key {key!r} was used for another request")
    return existing, False


def finish(rt: Runtime, journal: Journal, status_code: int, response: Any) -> None:
    """Records the answer with the steps not written yet: `succeeded` for a 2xx, `failed` otherwise; the lease
    ends, and `operation.finished` is told to the party's webhooks."""
    with rt.sessions.begin() as session:
        journal.save(session)
        row = session.get(OperationRow, journal.operation_id)
        if row is not None:
            row.status = SUCCEEDED if status_code < 300 else FAILED
            row.status_code, row.response, row.owner, row.lease_until = status_code, response, None, None
            data = {"operation_id": row.id, "route": row.route, "status": row.status, "status_code": status_code}
            notice = Notice(EventType.OPERATION_FINISHED, row.id, {row.party}, data)
            outbox.emit(session, notice, rt.chain.deployment.chain_id, row.id)
    journal.saved()


def forget(rt: Runtime, operation_id: str) -> None:
    """An operation that failed before any transaction was signed did nothing: its key may be used again."""
    with rt.sessions.begin() as session:
        for step in session.scalars(select(StepRow).where(StepRow.operation_id == operation_id)):
            session.delete(step)
        row = session.get(OperationRow, operation_id)
        if row is not None:
            session.delete(row)


def release(rt: Runtime, operation_id: str) -> None:
    """Leaves an open operation to the recovery loop now rather than when its lease lapses."""
    with rt.sessions.begin() as session:
        row = session.get(OperationRow, operation_id)
        if row is not None and row.status == PENDING:
            row.owner, row.lease_until = None, None


def release_all(rt: Runtime) -> int:
    """At the start of the one process a SQLite database has: whoever held a lease is gone."""
    with rt.sessions.begin() as session:
        return session.execute(
            update(OperationRow).where(OperationRow.status == PENDING).values(owner=None, lease_until=None)
        ).rowcount


def abandon(rt: Runtime, operation_id: str, why: str) -> None:
    """Ends an operation that can never run again (its party is gone) as failed."""
    with rt.sessions.begin() as session:
        row = session.get(OperationRow, operation_id)
        if row is not None and row.status == PENDING:
            row.status, row.status_code, row.owner, row.lease_until = FAILED, 409, None, None
            row.response = {"title": "Operation abandoned", "status": 409, "detail": why}


def take_over(rt: Runtime, resumable_jobs: Collection[str] = (), limit: int = 50) -> list[OperationRow]:
    """Pending operations nobody holds (no lease, or a lapsed one), each now leased to this worker: requests,
    and the operations of the jobs in `resumable_jobs`. Another job's operation whose worker died ends failed
    instead: that job runs again on its own, from what it reads."""
    now = time.time()
    lapsed = or_(OperationRow.lease_until.is_(None), OperationRow.lease_until < now)
    resumable = [f"JOB {name}" for name in resumable_jobs]
    is_job = OperationRow.route.like("JOB %")
    with rt.sessions.begin() as session:
        session.execute(
            update(OperationRow)
            .where(OperationRow.status == PENDING, is_job, OperationRow.route.not_in(resumable), lapsed)
            .values(status=FAILED, owner=None, lease_until=None)
        )
    with rt.sessions() as session:
        candidates = session.scalars(
            select(OperationRow.id)
            .where(OperationRow.status == PENDING, or_(~is_job, OperationRow.route.in_(resumable)), lapsed)
            .order_by(OperationRow.created_at)
            .limit(limit)
        ).all()
    taken = []
    for operation_id in candidates:
        with rt.sessions.begin() as session:  # one worker wins each: the update sees the lease it checked
            won = session.execute(
                update(OperationRow)
                .where(OperationRow.id == operation_id, OperationRow.status == PENDING, lapsed)
                .values(owner=rt.worker_id, lease_until=now + rt.settings.lease_seconds)
            ).rowcount
            if won:
                taken.append(session.get(OperationRow, operation_id))
    return [row for row in taken if row is not None]


def load(rt: Runtime, operation_id: str) -> OperationRow | None:
    with rt.sessions() as session:
        return session.get(OperationRow, operation_id)


def out(rt: Runtime, row: OperationRow) -> OperationOut:
    with rt.sessions() as session:
        steps = session.scalars(
            select(StepRow).where(StepRow.operation_id == row.id, StepRow.kind == "tx").order_by(StepRow.seq)
        ).all()
    return OperationOut(
        id=row.id,
        status=row.status,
        route=row.route,
        transactions=[
            TransactionOut(tx_hash=s.tx_hash or "", nonce=s.nonce or 0, status=s.status, attempts=s.attempts or [])
            for s in steps
        ],
        status_code=row.status_code,
        response=row.response,
    )


def get(rt: Runtime, party: Party, operation_id: str) -> OperationOut:
    """An operation of the caller's (another party's answers 404)."""
    row = load(rt, operation_id)
    if row is None or row.party != party.address:
        raise NotFound("operation", operation_id)
    return out(rt, row)
