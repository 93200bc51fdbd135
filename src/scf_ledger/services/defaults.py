"""Defaults: by the platform's hand, and the scheduled job that marks what fell due (chain time). Each default
is an operation and an audit record; penalty stops and the obligor's line is frozen on-chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from scf_ledger.chain.errors import ContractRevert
from scf_ledger.domain import ledger
from scf_ledger.domain.constants import SECONDS_PER_DAY
from scf_ledger.domain.enums import Status
from scf_ledger.services import audit
from scf_ledger.services.errors import Conflict, NotFound
from scf_ledger.services.journal import step
from scf_ledger.services.models import DefaultCreate, DefaultOut, OverdueOut, OverduePage
from scf_ledger.store.models import ReceivableRow

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Party, Runtime


def _defaultable(r: ReceivableRow) -> bool:
    status = ledger.status_at(r, 0)  # a terminal status does not depend on the time
    if status in (Status.REPAID, Status.DEFAULTED):
        raise Conflict("Receivable is terminal", f"receivable {r.token_id} is {status.label}; it cannot be defaulted")
    return True


def _mark_default(rt: Runtime, r: ReceivableRow, actor: str, reason: str) -> DefaultOut:
    step("defaultable", lambda: _defaultable(r))  # run again, it is defaulted already
    default = rt.gw.ledger.mark_defaulted(rt.platform, r.token_id)
    detail = {"outstanding": str(default.outstanding), "obligor": r.obligor}
    audit.record(
        rt, actor, "receivable.default", str(r.token_id), reason=reason, detail=detail, tx_hash=default.tx.tx_hash
    )
    return DefaultOut(
        receivable_id=r.token_id,
        outstanding=default.outstanding,
        obligor=r.obligor,
        frozen=rt.gw.registry.participant(r.obligor).frozen,
        tx_hash=default.tx.tx_hash,
    )


def mark_default(rt: Runtime, platform: Party, token_id: int, body: DefaultCreate) -> DefaultOut:
    """Marks an installment Defaulted once due + the default days have passed (the contract refuses earlier,
    `DefaultTooEarly`): penalty stops, the obligor's line is frozen; recorded in the audit log."""
    with rt.sessions() as session:
        r = session.get(ReceivableRow, token_id)
    if r is None:
        raise NotFound("receivable", token_id)
    out = _mark_default(rt, r, platform.address, body.reason)
    rt.read_your_writes()
    return out


DEFAULT_JOB = "default-due"
JOB_REASON = "DUE_PLUS_DEFAULT_DAYS"


CHECK_EVERY = 3_600  # chain seconds between two runs of the job: defaults are counted in days


def _defaultable_now(rt: Runtime, token_id: int) -> bool:
    """Whether the ledger would mark `token_id` now, asked by a call (no transaction, no operation): one under
    longer default days than the current terms, or already marked by another worker, is left for later."""
    try:
        rt.gw.ledger.call("markDefaulted", token_id, sender=rt.platform.address)
    except ContractRevert:
        return False
    return True


def _candidates(rt: Runtime, now: int) -> list[ReceivableRow]:
    """Installments not repaid nor defaulted at or past due + the current default days (read model)."""
    late = (ReceivableRow.defaulted.is_(False), ReceivableRow.due_date < now - SECONDS_PER_DAY)
    with rt.sessions() as session:
        if session.scalar(select(ReceivableRow.token_id).where(*late).limit(1)) is None:
            return []  # nothing late: the node is not asked
        due_before = now - rt.gw.ledger.terms().default_days * SECONDS_PER_DAY
        query = select(ReceivableRow).where(*late, ReceivableRow.due_date <= due_before)
        found = list(session.scalars(query.order_by(ReceivableRow.token_id)))
    return [r for r in found if not ledger.is_repaid(r)]


def default_due(rt: Runtime) -> int:
    """The scheduled default: marks every installment at or past due + the default days (chain time), each its
    own operation and audit record, at most once an hour of chain time; run again, it finds them defaulted and
    does nothing. While the ledger is paused it waits (a default is refused under pause). Off with
    `auto_default = false`."""
    if not rt.settings.auto_default:
        return 0
    now = rt.clock.now()
    if rt.defaults_checked_at <= now < rt.defaults_checked_at + CHECK_EVERY:  # (a chain rolled back runs it)
        return 0
    rt.defaults_checked_at = now
    candidates = _candidates(rt, now)
    if not candidates or rt.gw.ledger.paused():
        return 0
    marked, under_way = 0, {s["receivable_id"] for s in rt.pending_subjects(DEFAULT_JOB)}
    for r in candidates:
        if str(r.token_id) in under_way or not _defaultable_now(rt, r.token_id):
            continue
        with rt.job(DEFAULT_JOB, {"receivable_id": str(r.token_id)}):
            _mark_default(rt, r, audit.job_actor(DEFAULT_JOB), JOB_REASON)
        marked += 1
    return marked


def resume_default(rt: Runtime, subject: dict[str, str]) -> None:
    """The job's default of one installment, run again from its journal (`services/jobs.py`)."""
    with rt.sessions() as session:
        r = session.get(ReceivableRow, int(subject["receivable_id"]))
    if r is None:
        raise NotFound("receivable", subject["receivable_id"])
    _mark_default(rt, r, audit.job_actor(DEFAULT_JOB), JOB_REASON)


def overdue(rt: Runtime) -> OverduePage:
    """Every installment past due and neither repaid nor defaulted, the longest overdue first: the operator's list of
    what to chase and what may be marked defaulted (by the current terms; a purchase under longer default days
    is refused by the ledger, `DefaultTooEarly`)."""
    now = rt.clock.now()
    default_days = rt.gw.ledger.terms().default_days
    with rt.sessions() as session:
        late = session.scalars(
            select(ReceivableRow)
            .where(ReceivableRow.defaulted.is_(False), ReceivableRow.due_date < now)
            .order_by(ReceivableRow.due_date, ReceivableRow.token_id)
        ).all()
    items = [
        OverdueOut(
            receivable_id=r.token_id,
            obligor=r.obligor,
            due_date=r.due_date,
            days_past_due=ledger.days_past_due(r, now),
            unpaid=ledger.owed(r),
            penalty_owed=rt.gw.ledger.receivable(r.token_id).penalty_owed,
            defaultable=r.due_date + default_days * SECONDS_PER_DAY <= now,
        )
        for r in late
        if not ledger.is_repaid(r)
    ]
    return OverduePage(as_of=now, default_days=default_days, items=items)
