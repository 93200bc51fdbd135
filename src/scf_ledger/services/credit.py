"""Obligors' credit lines: what is used and left, the platform's limit changes, and the end of velocity
freezes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Select, select

from scf_ledger.domain import ledger
from scf_ledger.domain.enums import Role
from scf_ledger.domain.risk import BuyerHistory, GeoPoint, PastOrder, RepaymentRecord
from scf_ledger.services import audit
from scf_ledger.services.errors import NotFound
from scf_ledger.services.models import CreditOut, LimitOut, LimitUpdate
from scf_ledger.store.access import serves
from scf_ledger.store.models import CreditOrderRow, ReceivableRow, RiskDecisionRow

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Party, Runtime


def visible_obligor(rt: Runtime, party: Party, address: str) -> str:
    """The obligor at `address`, if the caller may see its line: the platform, the obligor itself, or the
    gateway that serves it."""
    row = rt.party(address)
    if row is None or row.role != Role.OBLIGOR:
        raise NotFound("obligor", address)
    if party.role != Role.PLATFORM and party.address != row.address and not serves(party.address, row):
        raise NotFound("obligor", address)
    return row.address


# A velocity freeze that has not ended (by expiry or by the platform's hand).
FREEZE_OPEN = (RiskDecisionRow.freeze_until.is_not(None), RiskDecisionRow.restored.is_(False))


def pending_freezes(obligor: str) -> Select[tuple[RiskDecisionRow]]:
    """The velocity freezes of `obligor` that have not ended."""
    return (
        select(RiskDecisionRow)
        .join(CreditOrderRow, CreditOrderRow.id == RiskDecisionRow.order_id)
        .where(CreditOrderRow.buyer == obligor, *FREEZE_OPEN)
    )


def repayment_record(owed: list[ReceivableRow]) -> RepaymentRecord:
    """The buyer's repayment behaviour: repaid with no penalty is on time; any penalty is late."""
    return RepaymentRecord(
        on_time=sum(1 for r in owed if ledger.is_repaid(r) and r.penalty_accrued == 0),
        late=sum(1 for r in owed if r.penalty_accrued > 0),
        defaulted=sum(1 for r in owed if r.defaulted),
    )


def buyer_history(rt: Runtime, buyer: str, at: int) -> BuyerHistory:
    """What the risk engine knows of `buyer` at chain time `at`: its orders, repayments, exposure and line."""
    with rt.sessions() as session:
        past = session.scalars(select(CreditOrderRow).where(CreditOrderRow.buyer == buyer)).all()
        owed = session.scalars(select(ReceivableRow).where(ReceivableRow.obligor == buyer)).all()
        freezes = session.scalars(pending_freezes(buyer).where(RiskDecisionRow.freeze_until > at)).all()
    line = rt.gw.registry.participant(buyer)
    return BuyerHistory(
        orders=tuple(PastOrder(o.principal, o.at, o.device_id, _location(o.lat, o.lon)) for o in past),
        repayments=repayment_record(list(owed)),
        exposure=rt.gw.ledger.exposure(buyer),
        limit=line.credit_limit,
        line_frozen=line.frozen or bool(freezes),
    )


def _location(lat: float | None, lon: float | None) -> GeoPoint | None:
    return GeoPoint(lat, lon) if lat is not None and lon is not None else None


def credit_line(rt: Runtime, party: Party, address: str) -> CreditOut:
    obligor = visible_obligor(rt, party, address)
    p = rt.gw.registry.participant(obligor)
    exposure = rt.gw.ledger.exposure(obligor)
    return CreditOut(
        obligor=obligor,
        limit=p.credit_limit,
        exposure=exposure,
        available=max(p.credit_limit - exposure, 0),
        frozen=p.frozen,
        blacklisted=p.blacklisted,
    )


def set_limit(rt: Runtime, platform: Party, address: str, body: LimitUpdate) -> LimitOut:
    obligor = visible_obligor(rt, platform, address)
    tx = rt.gw.registry.set_credit_limit(rt.platform, obligor, body.limit, body.reason)
    with rt.sessions.begin() as session:  # the platform's limit ends any velocity freeze: it is not undone later
        for freeze in session.scalars(pending_freezes(obligor)):
            freeze.restored = True
    detail = {"limit": str(body.limit)}
    audit.record(rt, platform.address, "limit.set", obligor, reason=body.reason, detail=detail, tx_hash=tx.tx_hash)
    rt.read_your_writes()
    return LimitOut(obligor=obligor, limit=body.limit, tx_hash=tx.tx_hash)


def restore_expired_freezes(rt: Runtime) -> int:
    """Sets back every credit line a velocity freeze lowered, once its 24 h (chain time) are over (a limit the
    platform set meanwhile ended the freeze already). Returns how many freezes ended."""
    with rt.sessions() as session:
        due = session.execute(
            select(RiskDecisionRow, CreditOrderRow)
            .join(CreditOrderRow, CreditOrderRow.id == RiskDecisionRow.order_id)
            .where(*FREEZE_OPEN)
        ).all()
    if not due:
        return 0
    now = rt.chain.now()  # the node is asked only when a freeze is pending
    ended = [(d, o) for d, o in due if d.freeze_until <= now]  # type: ignore[operator]
    if not ended:
        return 0
    with rt.job("restore-freezes"):
        return _restore(rt, ended)


def _restore(rt: Runtime, ended: list[tuple[RiskDecisionRow, CreditOrderRow]]) -> int:
    restored = 0
    for decision, order in ended:
        restore_to = decision.restore_limit or 0
        if rt.gw.registry.participant(order.buyer).credit_limit < restore_to:  # still lowered: set it back
            tx = rt.gw.registry.set_credit_limit(rt.platform, order.buyer, restore_to, "RESTORE")
            detail = {"obligor": order.buyer, "limit": str(restore_to)}
            actor = audit.job_actor("restore-freezes")
            audit.record(
                rt, actor, "limit.restore", order.id, reason="VELOCITY_ENDED", detail=detail, tx_hash=tx.tx_hash
            )
        with rt.sessions.begin() as session:
            row = session.get(RiskDecisionRow, decision.id)
            if row is not None:
                row.restored = True
        restored += 1
    return restored
