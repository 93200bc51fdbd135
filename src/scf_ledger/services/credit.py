"""Obligors' credit lines: what is used and left, the platform's limit changes, and the end of velocity
freezes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eth_utils import is_address, to_checksum_address
from sqlalchemy import select

from scf_ledger.domain.enums import Role
from scf_ledger.services.errors import NotFound
from scf_ledger.services.models import CreditOut, LimitOut, LimitUpdate
from scf_ledger.store.models import CreditOrderRow, RiskDecisionRow

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Party, Runtime


def _obligor(rt: Runtime, party: Party, address: str) -> str:
    """The obligor at `address`, if the caller may see its line (the platform, or the obligor itself)."""
    if not is_address(address):
        raise NotFound("obligor", address)
    row = rt.party(to_checksum_address(address))
    if row is None or row.role != Role.OBLIGOR or (party.role != Role.PLATFORM and party.address != address):
        raise NotFound("obligor", address)
    return row.address


def credit_line(rt: Runtime, party: Party, address: str) -> CreditOut:
    obligor = _obligor(rt, party, address)
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
    obligor = _obligor(rt, platform, address)
    tx = rt.gw.registry.set_credit_limit(rt.platform, obligor, body.limit, body.reason)
    rt.read_your_writes()
    return LimitOut(obligor=obligor, limit=body.limit, tx_hash=tx.tx_hash)


def restore_expired_freezes(rt: Runtime) -> int:
    """Sets back every credit line a velocity freeze lowered, once its 24 h (chain time) are over, unless the
    platform changed the limit meanwhile. Returns how many freezes ended."""
    with rt.sessions() as session:
        due = session.execute(
            select(RiskDecisionRow, CreditOrderRow)
            .join(CreditOrderRow, CreditOrderRow.id == RiskDecisionRow.order_id)
            .where(RiskDecisionRow.freeze_until.is_not(None), RiskDecisionRow.restored.is_(False))
        ).all()
    if not due:
        return 0
    now = rt.chain.now()  # the node is asked only when a freeze is pending
    restored = 0
    for decision, order in due:
        if decision.freeze_until > now:  # type: ignore[operator]
            continue
        restore_to = decision.restore_limit or 0
        if rt.gw.registry.participant(order.buyer).credit_limit < restore_to:  # still lowered: set it back
            rt.gw.registry.set_credit_limit(rt.platform, order.buyer, restore_to, "RESTORE")
        with rt.sessions.begin() as session:
            row = session.get(RiskDecisionRow, decision.id)
            if row is not None:
                row.restored = True
        restored += 1
    return restored
