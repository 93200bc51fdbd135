"""The audit log: every operator action and every automatic one, who or which job, when (chain time), why,
what was asked and the transaction it sent; read by the platform, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from scf_ledger.chain.sender import ACTIVE_STEP_LOG
from scf_ledger.services.journal import Journal
from scf_ledger.services.models import AuditFilters, AuditPage, AuditRecordOut
from scf_ledger.store.models import AuditRecordRow

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Runtime


def job_actor(name: str) -> str:
    """The actor of an automatic action: the job that took it."""
    return f"job:{name}"


def record(
    rt: Runtime,
    actor: str,
    action: str,
    subject: str,
    *,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    tx_hash: str | None = None,
) -> None:
    """Records one action, in the running operation's name: the same operation run again (after a crash)
    finds its record there and does not add a second."""
    log = ACTIVE_STEP_LOG.get()
    operation_id = log.operation_id if isinstance(log, Journal) else None
    row = AuditRecordRow(
        at=rt.clock.now(),
        actor=actor,
        action=action,
        subject=subject,
        reason=reason,
        detail=detail or {},
        tx_hash=tx_hash,
        operation_id=operation_id,
    )
    try:
        with rt.sessions.begin() as session:
            session.add(row)
    except IntegrityError:
        if operation_id is None:
            raise  # without an operation there is no earlier record to have met


def page(rt: Runtime, query: AuditFilters) -> AuditPage:
    """Newest first, `limit` a page; `next_cursor` (a record id) continues with older ones."""
    statement = select(AuditRecordRow).order_by(AuditRecordRow.id.desc()).limit(query.limit + 1)
    for column, value in (
        (AuditRecordRow.actor, query.actor),
        (AuditRecordRow.action, query.action),
        (AuditRecordRow.subject, query.subject),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if query.since is not None:
        statement = statement.where(AuditRecordRow.at >= query.since)
    if query.until is not None:
        statement = statement.where(AuditRecordRow.at < query.until)
    if query.cursor is not None:
        statement = statement.where(AuditRecordRow.id < query.cursor)
    with rt.sessions() as session:
        rows = list(session.scalars(statement))
    items = [AuditRecordOut.model_validate(r, from_attributes=True) for r in rows[: query.limit]]
    return AuditPage(items=items, next_cursor=items[-1].id if len(rows) > query.limit else None)
