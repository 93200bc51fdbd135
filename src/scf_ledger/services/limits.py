"""Dynamic limits: the scheduled review of every obligor's line: the decision that sized it, scored again with
the obligor's behaviour now (on-time and late repayments, defaults, utilisation, orders), within the risk
configuration's bounds. Each change is
an operation, a recorded decision with reason codes and an audit record."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from scf_ledger.chain.sender import ACTIVE_STEP_LOG
from scf_ledger.domain.risk import LimitReview, Standing
from scf_ledger.services import audit, credit
from scf_ledger.services.journal import Journal
from scf_ledger.services.models import LimitReviewOut, LimitReviewsPage
from scf_ledger.store.models import AuditRecordRow, CreditOrderRow, LimitReviewRow, RiskDecisionRow

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Party, Runtime

REVIEW_JOB = "limit-review"
REVIEW_REASON = "RESCORE"  # the reason the registry's CreditLimitSet event carries


APPROVED = ("approved", "confirmed")  # orders whose decision sized the line (by the scorecard or a review)


def _sizing_decisions(rt: Runtime) -> dict[str, tuple[RiskDecisionRow, int]]:
    """Per obligor, the approved order's decision that recommended the highest line (approvals only raise a
    line, so it is the one the line stands on), with the chain time of the obligor's latest order."""
    with rt.sessions() as session:
        rows = session.execute(
            select(RiskDecisionRow, CreditOrderRow.buyer, CreditOrderRow.at, CreditOrderRow.status)
            .join(CreditOrderRow, CreditOrderRow.id == RiskDecisionRow.order_id)
            .where(RiskDecisionRow.base_score.is_not(None))
            .order_by(CreditOrderRow.at, RiskDecisionRow.id)
        ).all()
    latest = {buyer: at for _, buyer, at, _ in rows}
    best: dict[str, RiskDecisionRow] = {}
    for decision, buyer, _, status in rows:
        if status in APPROVED and decision.recommended_limit >= getattr(best.get(buyer), "recommended_limit", 0):
            best[buyer] = decision
    return {buyer: (decision, latest[buyer]) for buyer, decision in best.items()}


def _held_by_hand(rt: Runtime, obligor: str, since: int) -> bool:
    """A limit the platform set by hand after the obligor's last order holds until its next order; a velocity
    freeze that has not ended is left to the job that ends it."""
    with rt.sessions() as session:
        manual = session.scalar(
            select(func.max(AuditRecordRow.at)).where(
                AuditRecordRow.action == "limit.set", AuditRecordRow.subject == obligor
            )
        )
        freeze = session.scalar(credit.pending_freezes(obligor).limit(1))
    return freeze is not None or (manual is not None and manual >= since)


def _apply(rt: Runtime, obligor: str, decision_id: int, review: LimitReview, now: int) -> None:
    tx = rt.gw.registry.set_credit_limit(rt.platform, obligor, review.limit, REVIEW_REASON)
    log = ACTIVE_STEP_LOG.get()
    operation_id = log.operation_id if isinstance(log, Journal) else None
    with rt.sessions.begin() as session:
        recorded = operation_id is not None and session.scalar(
            select(LimitReviewRow.id).where(LimitReviewRow.operation_id == operation_id)
        )
        if not recorded:  # run again after a crash, the operation finds its row there
            session.add(
                LimitReviewRow(
                    obligor=obligor,
                    at=now,
                    previous_limit=review.previous,
                    new_limit=review.limit,
                    score=review.score,
                    band=review.band,
                    reason_codes=list(review.reason_codes),
                    config_version=rt.risk.config.version,
                    decision_id=decision_id,
                    tx_hash=tx.tx_hash,
                    operation_id=operation_id,
                )
            )
    detail = {"previous": str(review.previous), "limit": str(review.limit), "score": review.score, "band": review.band}
    actor, reason = audit.job_actor(REVIEW_JOB), ",".join(review.reason_codes)[:200]
    audit.record(rt, actor, "limit.review", obligor, reason=reason, detail=detail, tx_hash=tx.tx_hash)


def _subject(obligor: str, decision_id: int, review: LimitReview, now: int) -> dict[str, Any]:
    return {"obligor": obligor, "decision_id": decision_id, "at": now, **asdict(review)}


def resume_review(rt: Runtime, subject: dict[str, Any]) -> None:
    """The job's change of one line, run again from its journal (`services/jobs.py`): the review as decided."""
    review = LimitReview(
        subject["previous"], subject["limit"], subject["score"], subject["band"], tuple(subject["reason_codes"])
    )
    _apply(rt, subject["obligor"], subject["decision_id"], review, subject["at"])


def review_due(rt: Runtime) -> int:
    """Reviews every line an approved order sized, once per `limits.review_seconds` of chain time, in the
    leading worker only; a review that changes nothing sends nothing. Returns how many lines changed."""
    now = rt.clock.now()
    every = rt.risk.config.limits.review_seconds
    if rt.limits_reviewed_at <= now < rt.limits_reviewed_at + every or not rt.leadership.held():
        return 0
    rt.limits_reviewed_at = now
    changed, under_way = 0, {s["obligor"] for s in rt.pending_subjects(REVIEW_JOB)}
    for obligor, (decision, ordered_at) in _sizing_decisions(rt).items():
        if obligor in under_way or _held_by_hand(rt, obligor, ordered_at):
            continue
        review = rt.risk.review_limit(
            Standing(decision.base_score or 0, decision.income_cap), credit.buyer_history(rt, obligor, now)
        )
        if review.changed:
            with rt.job(REVIEW_JOB, _subject(obligor, decision.id, review, now)):
                _apply(rt, obligor, decision.id, review, now)
            changed += 1
    return changed


def reviews_of(rt: Runtime, party: Party, address: str) -> LimitReviewsPage:
    """The changes the scheduled review made to a line, newest first (whoever may see the line)."""
    obligor = credit.visible_obligor(rt, party, address)
    with rt.sessions() as session:
        rows = session.scalars(
            select(LimitReviewRow).where(LimitReviewRow.obligor == obligor).order_by(LimitReviewRow.id.desc())
        ).all()
    return LimitReviewsPage(items=[LimitReviewOut.model_validate(r, from_attributes=True) for r in rows])
