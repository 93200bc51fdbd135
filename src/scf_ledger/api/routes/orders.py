"""Credit orders: the risk decision (gateway), the obligor's acknowledgement, and origination on confirm."""

from __future__ import annotations

from fastapi import APIRouter

from scf_ledger.api.deps import GatewayDep, PartyDep, PlatformDep, RuntimeDep
from scf_ledger.api.durable import DurableRoute
from scf_ledger.services import orders
from scf_ledger.services.models import (
    ConfirmedOrderOut,
    ConfirmOrder,
    OrderCreate,
    OrderOut,
    ReviewCreate,
    TypedDataOut,
)

router = APIRouter(prefix="/orders", tags=["orders"], route_class=DurableRoute)


@router.post("", status_code=201, response_model=OrderOut)
def create_order(body: OrderCreate, rt: RuntimeDep, gateway: GatewayDep) -> OrderOut:
    """A credit purchase: the risk engine decides, with score and reason codes; an approval sizes the line."""
    return orders.create(rt, gateway, body)


@router.get("/{order_id}", response_model=OrderOut)
def get_order(order_id: str, rt: RuntimeDep, party: PartyDep) -> OrderOut:
    return orders.get(rt, party, order_id)


@router.get("/{order_id}/acknowledgement", response_model=TypedDataOut)
def acknowledgement(order_id: str, rt: RuntimeDep, party: PartyDep) -> TypedDataOut:
    """The EIP-712 typed data the buyer signs to acknowledge the debt (for buyers that sign themselves)."""
    return orders.acknowledgement(rt, party, order_id)


@router.post("/{order_id}/confirm", status_code=201, response_model=ConfirmedOrderOut)
def confirm_order(
    order_id: str, rt: RuntimeDep, gateway: GatewayDep, body: ConfirmOrder | None = None
) -> ConfirmedOrderOut:
    """Payment confirmed: the purchase is originated on-chain, one token per installment."""
    return orders.confirm(rt, gateway, order_id, body or ConfirmOrder())


@router.post("/{order_id}/review", status_code=201, response_model=OrderOut)
def review_order(order_id: str, body: ReviewCreate, rt: RuntimeDep, platform: PlatformDep) -> OrderOut:
    """The platform approves (optionally a lower amount, on a lower line) or declines an order in review."""
    return orders.review(rt, platform, order_id, body)
