"""Credit orders: the risk decision (gateway), the obligor's acknowledgement, and origination on confirm."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scf_ledger.chain.client import OriginationRequest
from scf_ledger.domain.constants import SECONDS_PER_DAY
from scf_ledger.domain.enums import EventType, Role
from scf_ledger.domain.ids import purchase_token_ids
from scf_ledger.domain.risk import (
    ApplicantProfile,
    BuyerHistory,
    Decision,
    GeoPoint,
    OrderRequest,
)
from scf_ledger.services import audit, controls, credit, webhooks
from scf_ledger.services.errors import Conflict, Invalid, NotFound
from scf_ledger.services.journal import step
from scf_ledger.services.models import (
    ConfirmedOrderOut,
    ConfirmOrder,
    DecisionOut,
    OrderCreate,
    OrderOut,
    ReviewCreate,
    ReviewOut,
    ReviewsPage,
    TypedDataOut,
)
from scf_ledger.services.runtime import Party, Runtime
from scf_ledger.store.access import serves
from scf_ledger.store.models import CreditOrderRow, RiskDecisionRow
from scf_ledger.store.outbox import Notice

ACK_WINDOW = 7 * SECONDS_PER_DAY  # the buyer has a week to acknowledge
STATUS_OF_OUTCOME = {"approve": "approved", "review": "review", "decline": "declined"}


def order_out(order: CreditOrderRow, decision: RiskDecisionRow | None) -> OrderOut:
    return OrderOut(
        id=order.id,
        status=order.status,
        buyer=order.buyer,
        supplier=order.supplier,
        principal=order.principal,
        installments=order.installments,
        fee_bps=order.fee_bps,
        document_hash=order.document_hash,
        decision=None
        if decision is None
        else DecisionOut(
            outcome=decision.outcome,
            score=decision.score,
            band=decision.band,
            reason_codes=decision.reason_codes,
            recommended_limit=decision.recommended_limit,
            config_version=decision.config_version,
        ),
        review=ReviewOut(reviewer=order.reviewer, reason=order.review_reason or "") if order.reviewer else None,
        purchase_id=order.purchase_id,
        token_ids=purchase_token_ids(order.purchase_id, order.installments) if order.purchase_id else [],
    )


def _check_parties(rt: Runtime, gateway: Party, body: OrderCreate) -> None:
    buyer, supplier = rt.party(body.buyer), rt.party(body.supplier)
    if not serves(gateway.address, buyer):  # another gateway's buyer is as unknown as no buyer at all
        raise Invalid("Unknown buyer", f"{body.buyer} is not an obligor you serve")
    if supplier is None or supplier.role != Role.SUPPLIER:
        raise Invalid("Unknown supplier", f"{body.supplier} is not a registered supplier")
    with rt.sessions() as session:
        if session.scalar(select(CreditOrderRow).where(CreditOrderRow.document_hash == body.document_hash.lower())):
            raise Conflict("Document already used", f"an order with document {body.document_hash} exists")


def _decide(rt: Runtime, body: OrderCreate, at: int) -> tuple[Decision, BuyerHistory]:
    location = GeoPoint(body.location.lat, body.location.lon) if body.location else None
    request = OrderRequest(
        body.buyer, body.principal, body.installments, at, body.device_id, location, body.document_hash, body.login_hour
    )
    profile = ApplicantProfile(**body.profile.model_dump())
    history = credit.buyer_history(rt, body.buyer, at)
    return rt.risk.decide(request, profile, history, controls.risk_blacklist(rt)), history


def _line_change(decision: Decision, approved: bool, limit: int) -> tuple[int, str] | None:
    """Velocity lowers the line to freeze its unused part; an approval raises it to the recommended limit."""
    if decision.limit_action is not None:
        return decision.limit_action.limit, "VELOCITY"
    if approved and decision.recommended_limit > limit:
        return decision.recommended_limit, "SCORECARD"
    return None


def _admit(rt: Runtime, gateway: Party, body: OrderCreate) -> tuple[str, int]:
    """Checks the parties and the document; names the order and takes the chain's time."""
    _check_parties(rt, gateway, body)
    return "ord_" + secrets.token_hex(8), rt.chain.now()


def _decision(rt: Runtime, body: OrderCreate, at: int) -> dict[str, Any]:
    """The risk decision as it is stored (the order's status, the line change, the decision's row)."""
    decision, history = _decide(rt, body, at)
    status = STATUS_OF_OUTCOME[decision.outcome.value]
    action = decision.limit_action
    return {
        "status": status,
        "line": _line_change(decision, status == "approved", history.limit),
        "row": {
            "outcome": decision.outcome.value,
            "score": decision.score,
            "band": decision.band,
            "reason_codes": list(decision.reason_codes),
            "recommended_limit": decision.recommended_limit,
            "config_version": decision.config_version,
            "freeze_until": action.until if action else None,
            "restore_limit": action.restore_to if action else None,
            "base_score": decision.standing.base_score if decision.standing else None,
            "income_cap": decision.standing.income_cap if decision.standing else None,
        },
    }


def create(rt: Runtime, gateway: Party, body: OrderCreate) -> OrderOut:
    """A credit purchase: the risk engine decides, with score and reason codes; an approval sizes the line.
    Admitted and decided once: an operation run again decides as it did the first time."""
    order_id, at = step("order", lambda: _admit(rt, gateway, body))
    decided = step("decision", lambda: _decision(rt, body, at))
    if decided["line"] is not None:
        limit, reason = decided["line"]
        rt.gw.registry.set_credit_limit(rt.platform, body.buyer, limit, reason)
    order = CreditOrderRow(
        id=order_id,
        buyer=body.buyer,
        supplier=body.supplier,
        principal=body.principal,
        installments=body.installments,
        fee_bps=body.fee_bps,
        document_hash=body.document_hash.lower(),
        status=decided["status"],
        gateway=gateway.address,
        at=at,
        deadline=at + ACK_WINDOW,
        device_id=body.device_id,
        lat=body.location.lat if body.location else None,
        lon=body.location.lon if body.location else None,
    )
    row = RiskDecisionRow(order_id=order_id, restored=False, **decided["row"])
    with rt.sessions.begin() as session:
        if session.get(CreditOrderRow, order_id) is None:
            session.add(order)
            session.flush()
            session.add(row)
            _tell_decided(rt, session, order, row)
    rt.read_your_writes()
    return order_out(order, row)


def _tell_decided(rt: Runtime, session: Session, order: CreditOrderRow, decision: RiskDecisionRow | None) -> None:
    """`order.decided` to the order's gateway, buyer and supplier: by the risk engine (approved, declined, or
    sent to review), or by the platform's review."""
    data = {
        "order_id": order.id,
        "status": order.status,
        "buyer": order.buyer,
        "supplier": order.supplier,
        "principal": str(order.principal),
        "installments": order.installments,
        "reviewed": order.reviewer is not None,
        "score": decision.score if decision is not None else None,
        "band": decision.band if decision is not None else None,
        "reason_codes": decision.reason_codes if decision is not None else [],
    }
    parties = {order.gateway, order.buyer, order.supplier}
    webhooks.tell(rt, session, Notice(EventType.ORDER_DECIDED, order.id, parties, data), f"{order.id}:{order.status}")


def visible_order(rt: Runtime, party: Party, order_id: str) -> tuple[CreditOrderRow, RiskDecisionRow | None]:
    """The order and its decision, if the caller is its gateway, buyer or supplier, or the platform."""
    with rt.sessions() as session:
        order = session.get(CreditOrderRow, order_id)
        decision = session.scalar(select(RiskDecisionRow).where(RiskDecisionRow.order_id == order_id))
    if order is None or (
        party.role != Role.PLATFORM and party.address not in (order.gateway, order.buyer, order.supplier)
    ):
        raise NotFound("order", order_id)
    return order, decision


def get(rt: Runtime, party: Party, order_id: str) -> OrderOut:
    return order_out(*visible_order(rt, party, order_id))


# REVIEW


def reviews(rt: Runtime) -> ReviewsPage:
    """The orders the risk engine sent to review, oldest first: they wait for the platform."""
    with rt.sessions() as session:
        rows = session.execute(
            select(CreditOrderRow, RiskDecisionRow)
            .join(RiskDecisionRow, RiskDecisionRow.order_id == CreditOrderRow.id)
            .where(CreditOrderRow.status == "review")
            .order_by(CreditOrderRow.at, CreditOrderRow.id)
        ).all()
    return ReviewsPage(items=[order_out(o, d) for o, d in rows])


def _reviewable(order: CreditOrderRow, decision: RiskDecisionRow | None, body: ReviewCreate) -> int | None:
    """Checks the review against the order; the line to set on approval (None: leave it)."""
    if order.status != "review":
        raise Conflict("Order not in review", f"order {order.id} is {order.status}; only one in review is reviewed")
    if body.decision == "decline":
        if body.principal is not None or body.limit is not None:
            raise Invalid("Nothing to size", "a declined order takes no principal or limit")
        return None
    if body.principal is not None and not order.installments <= body.principal <= order.principal:
        raise Invalid(
            "Principal out of range",
            f"approve at most the {order.principal} asked and at least one base unit per installment",
        )
    recommended = decision.recommended_limit if decision is not None else 0
    if body.limit is not None and body.limit > recommended:
        raise Invalid("Limit above recommended", f"the scorecard recommends a line of at most {recommended}")
    return body.limit if body.limit is not None else recommended


def review(rt: Runtime, platform: Party, order_id: str, body: ReviewCreate) -> OrderOut:
    """Approves (optionally a lower amount, on a lower line) or declines an order in review; an approved order
    then follows the normal path (the buyer acknowledges, the gateway confirms) with a fresh week to do it."""
    order, decision = visible_order(rt, platform, order_id)
    line = step("reviewable", lambda: _reviewable(order, decision, body))
    # Whether the line must rise, decided once: run again after its transaction, the line is raised already.
    raise_to = step(
        "raise", lambda: line if line and line > rt.gw.registry.participant(order.buyer).credit_limit else None
    )
    tx_hash = None
    if raise_to is not None:
        tx_hash = rt.gw.registry.set_credit_limit(rt.platform, order.buyer, raise_to, "REVIEW").tx_hash
    now = step("at", rt.chain.now)
    with rt.sessions.begin() as session:
        row = session.get(CreditOrderRow, order_id)
        assert row is not None
        if row.status == "review":
            row.status = "approved" if body.decision == "approve" else "declined"
            row.principal = body.principal if body.principal is not None else row.principal
            row.deadline = now + ACK_WINDOW
            row.reviewer, row.review_reason = platform.address, body.reason
            _tell_decided(rt, session, row, decision)
        order = row
    detail = {"decision": body.decision, "principal": str(order.principal), "limit": str(line) if line else None}
    audit.record(rt, platform.address, "order.review", order_id, reason=body.reason, detail=detail, tx_hash=tx_hash)
    rt.read_your_writes()
    return order_out(order, decision)


# CONFIRMATION


def _origination_request(rt: Runtime, order: CreditOrderRow) -> OriginationRequest:
    """The order as the buyer acknowledges it, with the ledger's terms now: a buyer who signed before the
    platform changed them must sign again (origination answers TermsNotCurrent)."""
    return OriginationRequest(
        order.buyer,
        order.supplier,
        order.principal,
        order.installments,
        order.fee_bps,
        bytes.fromhex(order.document_hash[2:]),
        order.deadline,
        rt.gw.ledger.terms(),
    )


def acknowledgement(rt: Runtime, party: Party, order_id: str) -> TypedDataOut:
    """The EIP-712 typed data the buyer signs to acknowledge the debt (for buyers that sign themselves)."""
    order, _ = visible_order(rt, party, order_id)
    return TypedDataOut.of(rt.chain.acknowledgement_typed_data(_origination_request(rt, order)))


def _acknowledgement_signature(
    rt: Runtime, order: CreditOrderRow, request: OriginationRequest, body: ConfirmOrder
) -> bytes:
    if body.acknowledgement_signature:
        return bytes.fromhex(body.acknowledgement_signature[2:])
    buyer = rt.party(order.buyer)
    if buyer is not None and buyer.custodial:
        return rt.chain.sign_acknowledgement(rt.signer(order.buyer), request)
    raise Conflict(
        "Needs the buyer's signature",
        f"sign GET /v1/orders/{order.id}/acknowledgement and send acknowledgement_signature",
    )


def _confirmable(order: CreditOrderRow, gateway: Party) -> bool:
    if order.gateway != gateway.address:
        raise NotFound("order", order.id)
    if order.status != "approved":
        raise Conflict("Order not approved", f"order {order.id} is {order.status}; only an approved order is confirmed")
    return True


def confirm(rt: Runtime, gateway: Party, order_id: str, body: ConfirmOrder) -> ConfirmedOrderOut:
    """Payment confirmed: the purchase is originated on-chain, one token per installment."""
    order, decision = visible_order(rt, gateway, order_id)
    step("approved", lambda: _confirmable(order, gateway))  # checked once: run again, the order is confirmed
    request = _origination_request(rt, order)
    signature = _acknowledgement_signature(rt, order, request, body)
    origination = rt.gw.ledger.originate(rt.platform, request, signature)
    with rt.sessions.begin() as session:
        row = session.get(CreditOrderRow, order_id)
        assert row is not None
        row.status, row.purchase_id = "confirmed", origination.purchase_id
        order = row
    rt.read_your_writes()
    return ConfirmedOrderOut(**order_out(order, decision).model_dump(), tx_hash=origination.tx.tx_hash)
