"""The operator's desk (the platform's alone): the review queue, the audit log, and the lists and switches."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from scf_ledger.api.deps import PlatformDep, RuntimeDep
from scf_ledger.api.durable import DurableRoute
from scf_ledger.api.tabular import AS_CSV, Accept, tabular
from scf_ledger.services import audit, controls, defaults, orders
from scf_ledger.services.models import (
    AuditFilters,
    AuditPage,
    BlacklistCreate,
    BlacklistEntryOut,
    BlacklistOut,
    FlagOut,
    FreezeUpdate,
    OverduePage,
    PauseUpdate,
    PayoutCreate,
    PayoutOut,
    ReviewsPage,
    TermsIn,
    TermsOut,
)
from scf_ledger.services.types import TokenIdIn

router = APIRouter(tags=["operator"], route_class=DurableRoute)
EntryKind = Annotated[Literal["address", "device", "document"], Path()]
Reason = Annotated[str, Query(min_length=1, max_length=200, description="why, for the audit log")]


@router.get("/reviews", response_model=ReviewsPage)
def list_reviews(rt: RuntimeDep, platform: PlatformDep) -> ReviewsPage:
    """Orders the risk engine sent to review, oldest first, waiting for `POST /v1/orders/{id}/review`."""
    return orders.reviews(rt)


@router.get("/overdue", response_model=OverduePage)
def list_overdue(rt: RuntimeDep, platform: PlatformDep) -> OverduePage:
    """Installments past due, neither repaid nor defaulted, the longest overdue first, with whether the current
    terms let `POST /v1/receivables/{id}/default` mark them now."""
    return defaults.overdue(rt)


@router.get("/audit", response_model=AuditPage, responses=AS_CSV)
def list_audit(
    rt: RuntimeDep, platform: PlatformDep, query: Annotated[AuditFilters, Query()], accept: Accept = None
) -> Response | BaseModel:
    """Every operator and automatic action, newest first: who or which job, when, why, request, tx; CSV too."""
    return tabular(audit.page(rt, query), query.format, accept, "audit")


@router.get("/blacklist", response_model=BlacklistOut)
def list_blacklist(rt: RuntimeDep, platform: PlatformDep) -> BlacklistOut:
    return controls.entries(rt)


@router.post("/blacklist", status_code=201, response_model=BlacklistEntryOut)
def add_to_blacklist(body: BlacklistCreate, rt: RuntimeDep, platform: PlatformDep) -> BlacklistEntryOut:
    """A party's address (flagged on-chain: no origination, transfer, sale or claim), a device id or a document
    hash (the risk engine declines orders that carry it)."""
    return controls.add_to_blacklist(rt, platform, body)


@router.delete("/blacklist/{kind}/{value:path}", response_model=BlacklistEntryOut)
def remove_from_blacklist(
    kind: EntryKind, value: Annotated[str, Path(max_length=200)], rt: RuntimeDep, platform: PlatformDep, reason: Reason
) -> BlacklistEntryOut:
    """Lifts an entry (an address's claims held meanwhile are paid again)."""
    return controls.remove_from_blacklist(rt, platform, kind, value, reason)


@router.post("/obligors/{address}/freeze", status_code=201, response_model=FlagOut)
def freeze_line(address: str, body: FreezeUpdate, rt: RuntimeDep, platform: PlatformDep) -> FlagOut:
    """Freezes (`frozen: true`) or unfreezes an obligor's line by hand."""
    return controls.set_frozen(rt, platform, address, body)


@router.post("/system/pause", status_code=201, response_model=FlagOut)
def pause(body: PauseUpdate, rt: RuntimeDep, platform: PlatformDep) -> FlagOut:
    """Pauses or unpauses ledger and market (repayment stays open)."""
    return controls.set_paused(rt, platform, body)


@router.post("/fees/withdrawals", status_code=201, response_model=PayoutOut)
def withdraw_fees(rt: RuntimeDep, platform: PlatformDep, body: PayoutCreate | None = None) -> PayoutOut:
    """Sends every fee accrued to the platform (or `to`)."""
    return controls.withdraw_fees(rt, platform, body or PayoutCreate())


@router.post("/receivables/{receivable_id}/sweep", status_code=201, response_model=PayoutOut)
def sweep_dust(
    receivable_id: Annotated[TokenIdIn, Path()], rt: RuntimeDep, platform: PlatformDep, body: PayoutCreate | None = None
) -> PayoutOut:
    """Sends a repaid receivable's rounding dust to the platform (or `to`)."""
    return controls.sweep_dust(rt, platform, receivable_id, body or PayoutCreate())


@router.get("/terms", response_model=TermsOut)
def get_terms(rt: RuntimeDep, platform: PlatformDep) -> TermsOut:
    """The terms a purchase originated now gets."""
    return controls.terms(rt)


@router.post("/terms", status_code=201, response_model=TermsOut)
def set_terms(body: TermsIn, rt: RuntimeDep, platform: PlatformDep) -> TermsOut:
    """Sets the terms of new purchases, within the ledger's bounds."""
    return controls.set_terms(rt, platform, body)
