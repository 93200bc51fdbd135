"""Receivables: list and detail, lineage, and transfers by holders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from scf_ledger.api.deps import PartyDep, PlatformDep, RuntimeDep
from scf_ledger.api.durable import DurableRoute
from scf_ledger.services import defaults, receivables
from scf_ledger.services.models import (
    DefaultCreate,
    DefaultOut,
    LineageOut,
    ReceivableDetail,
    ReceivableFilters,
    ReceivablesPage,
    TransferCreate,
    TransferOut,
)
from scf_ledger.services.types import TokenIdIn

TokenIdPath = Annotated[TokenIdIn, Path(description="a receivable's token id")]
router = APIRouter(prefix="/receivables", tags=["receivables"], route_class=DurableRoute)


@router.get("", response_model=ReceivablesPage)
async def list_receivables(
    rt: RuntimeDep, party: PartyDep, query: Annotated[ReceivableFilters, Query()]
) -> ReceivablesPage:
    """Receivables by token id, `limit` a page; `next_cursor` continues. Each caller sees what SECURITY.md says.
    The hot read: answered on the event loop from the read model (one indexed query, no RPC), not in a thread."""
    return receivables.list_page(rt, party, query)


@router.get("/{receivable_id}", response_model=ReceivableDetail)
def get_receivable(receivable_id: TokenIdPath, rt: RuntimeDep, party: PartyDep) -> ReceivableDetail:
    """Terms, status, paid, penalty as of now (from the contract), and the caller's balance and claimable."""
    return receivables.detail(rt, party, receivable_id)


@router.get("/{receivable_id}/lineage", response_model=LineageOut, response_model_exclude_none=True)
def receivable_lineage(receivable_id: TokenIdPath, rt: RuntimeDep, party: PartyDep) -> LineageOut:
    """Origination, splits and transfers, financing, repayments, default and claims, each with tx and block."""
    return receivables.lineage(rt, party, receivable_id)


@router.post("/{receivable_id}/transfers", status_code=201, response_model=TransferOut)
def transfer(receivable_id: TokenIdPath, body: TransferCreate, rt: RuntimeDep, party: PartyDep) -> TransferOut:
    """Splits and transfers units to another registered participant."""
    return receivables.transfer(rt, party, receivable_id, body)


@router.post("/{receivable_id}/default", status_code=201, response_model=DefaultOut)
def default_receivable(
    receivable_id: TokenIdPath, rt: RuntimeDep, platform: PlatformDep, body: DefaultCreate | None = None
) -> DefaultOut:
    """Marks an installment Defaulted once due + the default days have passed: penalty stops, the line freezes."""
    return defaults.mark_default(rt, platform, receivable_id, body or DefaultCreate())
