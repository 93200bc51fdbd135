"""Credit orders: the risk decision (gateway), the obligor's acknowledgement, and origination on confirm."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from sqlalchemy import select

from scf_ledger.api.deps import PartyDep, ServiceDep, role
from scf_ledger.api.idempotency import idempotent
from scf_ledger.api.problems import Problem, not_found
from scf_ledger.api.schemas import ConfirmOrder, DecisionOut, OrderCreate, OrderOut
from scf_ledger.api.service import Party, Service
from scf_ledger.chain.client import ACKNOWLEDGEMENT_FIELDS, OriginationRequest
from scf_ledger.domain.ids import receivable_id
from scf_ledger.domain.risk import ApplicantProfile, BuyerHistory, GeoPoint, OrderRequest, PastOrder, RepaymentRecord
from scf_ledger.store.models import CreditOrderRow, ReceivableRow, RiskDecisionRow

router = APIRouter(prefix="/v1/orders", tags=["orders"])
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]
ACK_WINDOW = 7 * 86_400  # the buyer has a week to acknowledge


def _out(order: CreditOrderRow, decision: RiskDecisionRow | None) -> dict[str, Any]:
    ids = [str(receivable_id(order.purchase_id, i)) for i in range(order.installments)] if order.purchase_id else []
    return OrderOut(
        id=order.id,
        status=order.status,
        buyer=order.buyer,
        supplier=order.supplier,
        principal=str(order.principal),
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
            recommended_limit=str(decision.recommended_limit),
            config_version=decision.config_version,
        ),
        purchase_id=None if order.purchase_id is None else str(order.purchase_id),
        token_ids=ids,
    ).model_dump()


def _history(service: Service, buyer: str) -> BuyerHistory:
    with service.sessions() as session:
        past = session.scalars(select(CreditOrderRow).where(CreditOrderRow.buyer == buyer)).all()
        owed = session.scalars(select(ReceivableRow).where(ReceivableRow.obligor == buyer)).all()
    location = lambda o: GeoPoint(o.lat, o.lon) if o.lat is not None and o.lon is not None else None  # noqa: E731
    record = RepaymentRecord(
        on_time=sum(1 for r in owed if r.paid == r.face + r.fee and r.penalty_accrued == 0),
        late=sum(1 for r in owed if r.penalty_accrued > 0),
        defaulted=sum(1 for r in owed if r.defaulted),
    )
    return BuyerHistory(
        orders=tuple(PastOrder(o.principal, o.at, o.device_id, location(o)) for o in past),
        repayments=record,
        exposure=service.gw.ledger.exposure(buyer),
        limit=service.gw.registry.participant(buyer).credit_limit,
    )


def _visible_order(service: Service, party: Party, order_id: str) -> tuple[CreditOrderRow, RiskDecisionRow | None]:
    with service.sessions() as session:
        order = session.get(CreditOrderRow, order_id)
        decision = session.scalar(select(RiskDecisionRow).where(RiskDecisionRow.order_id == order_id))
    if order is None or (
        party.role != "platform" and party.address not in (order.gateway, order.buyer, order.supplier)
    ):
        raise not_found("order", order_id)
    return order, decision


@router.post("", status_code=201)
def create_order(
    body: OrderCreate,
    service: ServiceDep,
    gateway: Annotated[Party, Depends(role("gateway"))],
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """A credit purchase: the risk engine decides, with score and reason codes; an approval sizes the line."""

    def run() -> tuple[int, dict[str, Any]]:
        buyer, supplier = service.party(body.buyer), service.party(body.supplier)
        if buyer is None or buyer.role != "obligor":
            raise Problem(422, "Unknown buyer", f"{body.buyer} is not a registered obligor")
        if supplier is None or supplier.role != "supplier":
            raise Problem(422, "Unknown supplier", f"{body.supplier} is not a registered supplier")
        with service.sessions() as session:
            if session.scalar(select(CreditOrderRow).where(CreditOrderRow.document_hash == body.document_hash.lower())):
                raise Problem(409, "Document already used", f"an order with document {body.document_hash} exists")
        at = int(service.chain.now())
        location = GeoPoint(body.location.lat, body.location.lon) if body.location else None
        request = OrderRequest(
            buyer.address,
            int(body.principal),
            body.installments,
            at,
            body.device_id,
            location,
            body.document_hash,
            body.login_hour,
        )
        p = body.profile
        profile = ApplicantProfile(
            **p.model_dump() | {"monthly_income": int(p.monthly_income) if p.monthly_income else None}
        )
        history = _history(service, buyer.address)
        decision = service.risk.decide(request, profile, history)
        status = {"approve": "approved", "review": "review", "decline": "declined"}[decision.outcome.value]
        if decision.limit_action is not None:  # velocity: freeze the unused line
            service.gw.registry.set_credit_limit(
                service.platform, buyer.address, decision.limit_action.limit, "VELOCITY"
            )
        elif status == "approved" and decision.recommended_limit > history.limit:
            service.gw.registry.set_credit_limit(
                service.platform, buyer.address, decision.recommended_limit, "SCORECARD"
            )
        order = CreditOrderRow(
            id="ord_" + secrets.token_hex(8),
            buyer=buyer.address,
            supplier=supplier.address,
            principal=int(body.principal),
            installments=body.installments,
            fee_bps=body.fee_bps,
            document_hash=body.document_hash.lower(),
            status=status,
            gateway=gateway.address,
            at=at,
            deadline=at + ACK_WINDOW,
            device_id=body.device_id,
            lat=location.lat if location else None,
            lon=location.lon if location else None,
        )
        action = decision.limit_action
        row = RiskDecisionRow(
            order_id=order.id,
            outcome=decision.outcome.value,
            score=decision.score,
            band=decision.band,
            reason_codes=list(decision.reason_codes),
            recommended_limit=decision.recommended_limit,
            config_version=decision.config_version,
            freeze_until=action.until if action else None,
            restore_limit=action.restore_to if action else None,
            restored=False,
        )
        with service.sessions.begin() as session:
            session.add(order)
            session.flush()
            session.add(row)
        service.catch_up()
        return 201, _out(order, row)

    return idempotent(service, gateway, idempotency_key, "POST /v1/orders", body.model_dump(), run)


@router.get("/{order_id}")
def get_order(order_id: str, service: ServiceDep, party: PartyDep) -> dict[str, Any]:
    return _out(*_visible_order(service, party, order_id))


def _request(order: CreditOrderRow) -> OriginationRequest:
    return OriginationRequest(
        order.buyer,
        order.supplier,
        order.principal,
        order.installments,
        order.fee_bps,
        bytes.fromhex(order.document_hash[2:]),
        order.deadline,
    )


@router.get("/{order_id}/acknowledgement")
def acknowledgement(order_id: str, service: ServiceDep, party: PartyDep) -> dict[str, Any]:
    """The EIP-712 typed data the buyer signs to acknowledge the debt (for buyers that sign themselves)."""
    order, _ = _visible_order(service, party, order_id)
    message = {
        k: ("0x" + v.hex() if isinstance(v, bytes) else str(v) if isinstance(v, int) else v)
        for k, v in _request(order).as_message().items()
    }
    return {
        "types": {"Acknowledgement": ACKNOWLEDGEMENT_FIELDS},
        "primaryType": "Acknowledgement",
        "domain": service.chain.domain("ReceivableLedger", service.chain.ledger),
        "message": message,
    }


@router.post("/{order_id}/confirm", status_code=201)
def confirm_order(
    order_id: str,
    service: ServiceDep,
    gateway: Annotated[Party, Depends(role("gateway"))],
    body: ConfirmOrder | None = None,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Payment confirmed: the purchase is originated on-chain, one token per installment."""
    body = body or ConfirmOrder()

    def run() -> tuple[int, dict[str, Any]]:
        order, decision = _visible_order(service, gateway, order_id)
        if order.gateway != gateway.address:
            raise not_found("order", order_id)
        if order.status != "approved":
            raise Problem(
                409, "Order not approved", f"order {order_id} is {order.status}; only an approved order is confirmed"
            )
        request = _request(order)
        buyer = service.party(order.buyer)
        if body.acknowledgement_signature:
            signature = bytes.fromhex(body.acknowledgement_signature[2:])
        elif buyer is not None and buyer.custodial:
            signature = service.chain.sign_acknowledgement(service.signer(order.buyer), request)
        else:
            raise Problem(
                409,
                "Needs the buyer's signature",
                f"sign GET /v1/orders/{order_id}/acknowledgement and send acknowledgement_signature",
            )
        origination = service.gw.ledger.originate(service.platform, request, signature)
        with service.sessions.begin() as session:
            row = session.get(CreditOrderRow, order_id)
            assert row is not None
            row.status, row.purchase_id = "confirmed", origination.purchase_id
            order = row
        service.catch_up()
        return 201, {**_out(order, decision), "tx_hash": origination.tx.tx_hash}

    return idempotent(service, gateway, idempotency_key, f"POST /v1/orders/{order_id}/confirm", body.model_dump(), run)
