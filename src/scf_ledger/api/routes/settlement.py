"""Repayments (gateway), claims (holders), and obligors' credit lines (platform)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from scf_ledger.api.deps import GatewayDep, PartyDep, PlatformDep, RuntimeDep
from scf_ledger.api.durable import DurableRoute
from scf_ledger.services import credit, limits, settlement
from scf_ledger.services.models import (
    ClaimsOut,
    CreditOut,
    LimitOut,
    LimitReviewsPage,
    LimitUpdate,
    RepaymentCreate,
    RepaymentOut,
)
from scf_ledger.services.types import Address

router = APIRouter(tags=["settlement"], route_class=DurableRoute)


@router.post("/repayments", status_code=201, response_model=RepaymentOut)
def repay(body: RepaymentCreate, rt: RuntimeDep, gateway: GatewayDep) -> RepaymentOut:
    """Forwards a buyer's payment: penalty, then fee, then principal, installment by installment in due order.
    An amount above what is due now is refused unless `full` asks for exactly what is due."""
    return settlement.repay(rt, gateway, body)


@router.post("/claims", status_code=201, response_model=ClaimsOut)
def claim_all(rt: RuntimeDep, party: PartyDep) -> ClaimsOut:
    """Claims everything the caller can claim, per receivable."""
    return settlement.claim_all(rt, party)


@router.get("/obligors/{address}/credit", response_model=CreditOut)
def credit_line(address: Annotated[Address, Path()], rt: RuntimeDep, party: PartyDep) -> CreditOut:
    return credit.credit_line(rt, party, address)


@router.post("/obligors/{address}/limit", status_code=201, response_model=LimitOut)
def set_limit(
    address: Annotated[Address, Path()], body: LimitUpdate, rt: RuntimeDep, platform: PlatformDep
) -> LimitOut:
    return credit.set_limit(rt, platform, address, body)


@router.get("/obligors/{address}/limit-reviews", response_model=LimitReviewsPage)
def limit_reviews(address: Annotated[Address, Path()], rt: RuntimeDep, party: PartyDep) -> LimitReviewsPage:
    """The changes the scheduled review (dynamic limits) made to the line, newest first, with reason codes."""
    return limits.reviews_of(rt, party, address)
