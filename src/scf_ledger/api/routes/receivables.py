"""Receivables: list and detail, lineage, and transfers by holders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from scf_ledger.api.deps import PartyDep, RuntimeDep
from scf_ledger.api.idempotency import IdempotentRoute
from scf_ledger.services import receivables
from scf_ledger.services.models import LineageOut, ReceivableDetail, ReceivablesPage, TransferCreate, TransferOut

router = APIRouter(prefix="/receivables", tags=["receivables"], route_class=IdempotentRoute)


@router.get("", response_model=ReceivablesPage)
def list_receivables(
    rt: RuntimeDep,
    party: PartyDep,
    holder: str | None = None,
    obligor: str | None = None,
    status: Annotated[str | None, Query(pattern="^(active|overdue|defaulted|repaid)$")] = None,
    due_from: Annotated[int | None, Query(ge=0)] = None,
    due_to: Annotated[int | None, Query(ge=0)] = None,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,78}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ReceivablesPage:
    """Receivables by token id, `limit` a page; `next_cursor` continues. Non-platform callers see only theirs."""
    filters = {"holder": holder, "obligor": obligor, "status": status, "due_from": due_from, "due_to": due_to}
    return receivables.list_page(rt, party, **filters, cursor=int(cursor) if cursor else None, limit=limit)


@router.get("/{receivable_id}", response_model=ReceivableDetail)
def get_receivable(receivable_id: str, rt: RuntimeDep, party: PartyDep) -> ReceivableDetail:
    """Terms, status, paid, penalty as of now (from the contract), and the caller's balance and claimable."""
    return receivables.detail(rt, party, receivables.parse_id(receivable_id))


@router.get("/{receivable_id}/lineage", response_model=LineageOut, response_model_exclude_none=True)
def receivable_lineage(receivable_id: str, rt: RuntimeDep, party: PartyDep) -> LineageOut:
    """Origination, splits and transfers, financing, repayments, default and claims, each with tx and block."""
    return receivables.lineage(rt, party, receivables.parse_id(receivable_id))


@router.post("/{receivable_id}/transfers", status_code=201, response_model=TransferOut)
def transfer(receivable_id: str, body: TransferCreate, rt: RuntimeDep, party: PartyDep) -> TransferOut:
    """Splits and transfers units to another registered participant."""
    return receivables.transfer(rt, party, receivables.parse_id(receivable_id), body)
