"""Dilution, refunds, disputes and voids: credit notes and disputes are the platform's (on the obligor's or the
gateway's notice), refunds and voids the order's gateway's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from scf_ledger.api.deps import GatewayDep, PlatformDep, RuntimeDep
from scf_ledger.api.durable import DurableRoute
from scf_ledger.services import dilution
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
from scf_ledger.services.types import TokenIdIn

router = APIRouter(tags=["dilution"], route_class=DurableRoute)
DisputeId = Annotated[str, Path(pattern=r"^dsp_[0-9a-f]{16}$")]


@router.post("/receivables/{receivable_id}/credit-notes", status_code=201, response_model=CreditNoteOut)
def credit_note(
    receivable_id: Annotated[TokenIdIn, Path()], body: CreditNoteCreate, rt: RuntimeDep, platform: PlatformDep
) -> CreditNoteOut:
    """Goods returned or a price cut: `credit` of the unpaid principal, paid in by the originator and
    distributed to the holders pro rata, and `fee_waiver` of the unpaid fee; penalty stays owed."""
    return dilution.credit_note(rt, platform, receivable_id, body)


@router.post("/orders/{order_id}/refunds", status_code=201, response_model=RefundOut)
def refund(order_id: str, body: RefundCreate, rt: RuntimeDep, gateway: GatewayDep) -> RefundOut:
    """A confirmed order's goods returned: `amount` of unpaid principal latest installment first, or `full`."""
    return dilution.refund(rt, gateway, order_id, body)


@router.post("/orders/{order_id}/void", status_code=201, response_model=OrderOut)
def void(order_id: str, body: VoidCreate, rt: RuntimeDep, gateway: GatewayDep) -> OrderOut:
    """An order not confirmed yet, cancelled: nothing is originated."""
    return dilution.void(rt, gateway, order_id, body)


@router.post("/receivables/{receivable_id}/disputes", status_code=201, response_model=DisputeOut)
def open_dispute(
    receivable_id: Annotated[TokenIdIn, Path()], body: DisputeCreate, rt: RuntimeDep, platform: PlatformDep
) -> DisputeOut:
    """Opens a dispute: while open, no financing, no default and no penalty."""
    return dilution.open_dispute(rt, platform, receivable_id, body)


@router.get("/disputes", response_model=DisputesPage)
def list_disputes(rt: RuntimeDep, platform: PlatformDep, status: DisputeStatus | None = None) -> DisputesPage:
    """Disputes oldest first; `status=open` is the queue to resolve."""
    return dilution.disputes(rt, status)


@router.get("/disputes/{dispute_id}", response_model=DisputeOut)
def get_dispute(dispute_id: DisputeId, rt: RuntimeDep, platform: PlatformDep) -> DisputeOut:
    return dilution.get_dispute(rt, dispute_id)


@router.post("/disputes/{dispute_id}/resolution", status_code=201, response_model=DisputeOut)
def resolve(dispute_id: DisputeId, body: ResolutionCreate, rt: RuntimeDep, platform: PlatformDep) -> DisputeOut:
    """Rejected (the clocks move by the disputed days after due + grace) or upheld with a credit note."""
    return dilution.resolve(rt, platform, dispute_id, body)
