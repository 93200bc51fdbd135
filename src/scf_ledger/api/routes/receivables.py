"""Receivables: list and detail, lineage, and transfers by holders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from scf_ledger.api.deps import PartyDep, RuntimeDep
from scf_ledger.api.idempotency import IdempotentRoute
from scf_ledger.domain.constants import MAX_UINT64
from scf_ledger.services import receivables
from scf_ledger.services.models import LineageOut, ReceivableDetail, ReceivablesPage, TransferCreate, TransferOut
from scf_ledger.services.types import Address, TokenIdIn

TokenIdPath = Annotated[TokenIdIn, Path(description="a receivable's token id")]
router = APIRouter(prefix="/receivables", tags=["receivables"], route_class=IdempotentRoute)


@router.get("", response_model=ReceivablesPage)
def list_receivables(
    rt: RuntimeDep,
    party: PartyDep,
    holder: Annotated[Address | None, Query()] = None,
    obligor: Annotated[Address | None, Query()] = None,
    status: Annotated[str | None, Query(pattern="^(active|overdue|defaulted|repaid)$")] = None,
    due_from: Annotated[int | None, Query(ge=0, le=MAX_UINT64)] = None,
    due_to: Annotated[int | None, Query(ge=0, le=MAX_UINT64)] = None,
    cursor: Annotated[TokenIdIn | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ReceivablesPage:
    """Receivables by token id, `limit` a page; `next_cursor` continues. Each caller sees what SECURITY.md says."""
    filters = {"holder": holder, "obligor": obligor, "status": status, "due_from": due_from, "due_to": due_to}
    return receivables.list_page(rt, party, **filters, cursor=cursor, limit=limit)


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
