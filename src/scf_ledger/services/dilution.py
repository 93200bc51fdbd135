"""Dilution, refunds, disputes and voids: the rest of a receivable's real life (DESIGN §11). Credit notes and
refunds are paid in by the originator and reach the holders like principal; a dispute stops penalty, default
and financing while open. Each is an operation and an audit record; the chain refuses with a named error."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from sqlalchemy import select

from scf_ledger.domain.constants import MAX_UINT256
from scf_ledger.services import audit, orders, receivables
from scf_ledger.services.errors import Conflict, Invalid, NotFound
from scf_ledger.services.journal import step
from scf_ledger.services.models import (
    CreditNoteCreate,
    CreditNoteOut,
    DisputeCreate,
    DisputeOut,
    DisputesPage,
    DisputeStatus,
    OrderOut,
    RefundCreate,
    RefundOut,
    ResolutionCreate,
    VoidCreate,
)
from scf_ledger.store.models import CreditOrderRow, DisputeRow

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Party, Runtime


def credit_note(rt: Runtime, platform: Party, token_id: int, body: CreditNoteCreate) -> CreditNoteOut:
    """Credits principal (the originator pays it in) and waives fee on one installment."""
    receivables.visible(rt, platform, token_id)
    if body.credit == 0 and body.fee_waiver == 0:
        raise Invalid("Nothing to credit", "give a credit, a fee waiver, or both")
    tx = rt.gw.ledger.credit_note(rt.platform, token_id, body.credit, body.fee_waiver)
    detail = {"credit": str(body.credit), "fee_waiver": str(body.fee_waiver)}
    audit.record(
        rt,
        platform.address,
        "receivable.credit_note",
        str(token_id),
        reason=body.reason,
        detail=detail,
        tx_hash=tx.tx_hash,
    )
    v = rt.gw.ledger.receivable(token_id)
    rt.read_your_writes()
    return CreditNoteOut(
        receivable_id=token_id,
        credit=body.credit,
        fee_waiver=body.fee_waiver,
        originator=v.originator,
        amount_due=v.amount_due,
        status=v.status.label,
        tx_hash=tx.tx_hash,
    )


def _gateways_order(rt: Runtime, gateway: Party, order_id: str) -> CreditOrderRow:
    """The order, if `gateway` (a gateway: the route admits no other role) is the one that placed it."""
    order, _ = orders.visible_order(rt, gateway, order_id)
    return order


def refund(rt: Runtime, gateway: Party, order_id: str, body: RefundCreate) -> RefundOut:
    """Goods returned on a confirmed order: its unpaid principal credited latest installment first, the fee of
    each installment credited in full waived; paid in by the originator."""
    order = _gateways_order(rt, gateway, order_id)
    if order.purchase_id is None:
        raise Conflict("Order not confirmed", f"order {order_id} is {order.status}; void it instead")
    credited, tx = rt.gw.ledger.refund(rt.platform, order.purchase_id, MAX_UINT256 if body.full else body.amount)
    detail = {"credited": str(credited), "full": body.full, "purchase_id": str(order.purchase_id)}
    audit.record(rt, gateway.address, "order.refund", order_id, reason=body.reason, detail=detail, tx_hash=tx.tx_hash)
    rt.read_your_writes()
    return RefundOut(order_id=order_id, purchase_id=order.purchase_id, credited=credited, tx_hash=tx.tx_hash)


def void(rt: Runtime, gateway: Party, order_id: str, body: VoidCreate) -> OrderOut:
    """An order not confirmed yet is void: nothing was originated, nothing will be."""
    order = _gateways_order(rt, gateway, order_id)

    def voidable() -> bool:
        if order.status in ("confirmed", "void"):
            raise Conflict("Order not voidable", f"order {order_id} is {order.status}; a confirmed one is refunded")
        return True

    step("voidable", voidable)
    with rt.sessions.begin() as session:
        row = session.get(CreditOrderRow, order_id)
        assert row is not None
        row.status = "void"
    audit.record(rt, gateway.address, "order.void", order_id, reason=body.reason)
    return orders.get(rt, gateway, order_id)


def dispute_out(row: DisputeRow) -> DisputeOut:
    fields = {name: getattr(row, name) for name in DisputeOut.model_fields if name != "receivable_id"}
    return DisputeOut(receivable_id=row.token_id, **fields)


def open_dispute(rt: Runtime, platform: Party, token_id: int, body: DisputeCreate) -> DisputeOut:
    """Opens a dispute on an Active or Overdue installment: no financing, default or penalty until it ends."""
    receivables.visible(rt, platform, token_id)
    dispute_id, at = step("dispute", lambda: ("dsp_" + secrets.token_hex(8), rt.chain.now()))
    reason = body.reason_code.encode().ljust(32, b"\0")
    tx = rt.gw.ledger.open_dispute(rt.platform, token_id, reason)
    row = DisputeRow(
        id=dispute_id,
        token_id=token_id,
        reason_code=body.reason_code,
        notice_from=body.notice_from,
        detail=body.detail,
        status="open",
        opened_at=at,
        days=0,
        credit=0,
        fee_waiver=0,
        resolution_reason="",
    )
    with rt.sessions.begin() as session:
        if session.get(DisputeRow, dispute_id) is None:  # run again after a crash, it is there already
            session.add(row)
    audit.record(
        rt,
        platform.address,
        "dispute.open",
        dispute_id,
        reason=body.reason_code,
        detail={"receivable_id": str(token_id), "notice_from": body.notice_from},
        tx_hash=tx.tx_hash,
    )
    rt.read_your_writes()
    return get_dispute(rt, dispute_id)


def get_dispute(rt: Runtime, dispute_id: str) -> DisputeOut:
    with rt.sessions() as session:
        row = session.get(DisputeRow, dispute_id)
    if row is None:
        raise NotFound("dispute", dispute_id)
    return dispute_out(row)


def disputes(rt: Runtime, status: DisputeStatus | None = None) -> DisputesPage:
    """Disputes, oldest first (the desk's queue: the open ones), of one status or all."""
    query = select(DisputeRow).order_by(DisputeRow.opened_at, DisputeRow.id)
    if status is not None:
        query = query.where(DisputeRow.status == status)
    with rt.sessions() as session:
        rows = session.scalars(query).all()
    return DisputesPage(items=[dispute_out(r) for r in rows])


def resolve(rt: Runtime, platform: Party, dispute_id: str, body: ResolutionCreate) -> DisputeOut:
    """Closes a dispute: rejected (back to normal, the clocks moved by its days) or upheld with a credit note."""
    dispute = get_dispute(rt, dispute_id)

    def resolvable() -> bool:
        if dispute.status != "open":
            raise Conflict("Dispute closed", f"dispute {dispute_id} was {dispute.status} already")
        return True

    step("resolvable", resolvable)
    upheld = body.outcome == "upheld"
    days, tx = rt.gw.ledger.close_dispute(rt.platform, dispute.receivable_id, upheld, body.credit, body.fee_waiver)
    now = step("at", rt.chain.now)
    with rt.sessions.begin() as session:
        row = session.get(DisputeRow, dispute_id)
        assert row is not None
        row.status, row.closed_at, row.days = body.outcome, now, days
        row.credit, row.fee_waiver, row.resolution_reason = body.credit, body.fee_waiver, body.reason
    detail = {"outcome": body.outcome, "days": days, "credit": str(body.credit), "fee_waiver": str(body.fee_waiver)}
    audit.record(
        rt, platform.address, "dispute.resolve", dispute_id, reason=body.reason, detail=detail, tx_hash=tx.tx_hash
    )
    rt.read_your_writes()
    return get_dispute(rt, dispute_id)
