"""Receivables: list and detail from the read model and the chain, and transfers by holders."""

from __future__ import annotations

from typing import Annotated, Any

from eth_utils import is_address, to_checksum_address
from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from sqlalchemy import or_, select

from scf_ledger.api.deps import PartyDep, ServiceDep
from scf_ledger.api.idempotency import idempotent
from scf_ledger.api.problems import Problem, not_found
from scf_ledger.api.schemas import TransferCreate
from scf_ledger.api.service import Party, Service
from scf_ledger.domain.enums import Status
from scf_ledger.domain.ledger import claimable as claimable_of
from scf_ledger.domain.ledger import status_at as expected_status
from scf_ledger.store import reports
from scf_ledger.store.models import HoldingRow, ReceivableRow

router = APIRouter(prefix="/v1/receivables", tags=["receivables"])
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]
SEES_ALL = reports.SEES_BOOK


def _address(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not is_address(raw):
        raise Problem(422, "Invalid address", f"{raw!r} is not an address")
    return to_checksum_address(raw)


def _parse_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 78:
        raise Problem(422, "Invalid receivable id", f"{raw!r} is not a token id (decimal digits)")
    return int(raw)


def visible(service: Service, party: Party, token_id: int) -> ReceivableRow:
    """The receivable if the caller may see it (it holds units, owes it, or runs the platform or gateway)."""
    with service.sessions() as session:
        r = session.get(ReceivableRow, token_id)
        holds = session.get(HoldingRow, (token_id, party.address))
    if r is None or (party.role not in SEES_ALL and r.obligor != party.address and holds is None):
        raise not_found("receivable", token_id)
    return r


@router.get("")
def list_receivables(
    service: ServiceDep,
    party: PartyDep,
    holder: str | None = None,
    obligor: str | None = None,
    status: Annotated[str | None, Query(pattern="^(active|overdue|defaulted|repaid)$")] = None,
    due_from: Annotated[int | None, Query(ge=0)] = None,
    due_to: Annotated[int | None, Query(ge=0)] = None,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,78}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """Receivables by token id, `limit` a page; `next_cursor` continues. Non-platform callers see only theirs."""
    query = select(ReceivableRow).order_by(ReceivableRow.token_id)
    if party.role not in SEES_ALL:
        mine = select(HoldingRow.token_id).where(HoldingRow.holder == party.address, HoldingRow.units > 0)
        query = query.where(or_(ReceivableRow.obligor == party.address, ReceivableRow.token_id.in_(mine)))
    holder = _address(holder)
    obligor = _address(obligor)
    if holder:
        held = select(HoldingRow.token_id).where(HoldingRow.holder == holder, HoldingRow.units > 0)
        query = query.where(ReceivableRow.token_id.in_(held))
    if obligor:
        query = query.where(ReceivableRow.obligor == obligor)
    if due_from is not None:
        query = query.where(ReceivableRow.due_date >= due_from)
    if due_to is not None:
        query = query.where(ReceivableRow.due_date <= due_to)
    if cursor:
        query = query.where(ReceivableRow.token_id > int(cursor))
    now = service.chain.now()
    with service.sessions() as session:
        rows = session.scalars(query.limit(limit + 1 if status is None else 5_000)).all()
    items = [r for r in rows if status is None or expected_status(r, now).name.lower() == status][:limit]
    more = len(items) == limit and (len(rows) > limit or status is not None)
    return {
        "items": [_summary(r, now) for r in items],
        "next_cursor": str(items[-1].token_id) if more and items else None,
    }


def _summary(r: ReceivableRow, now: int) -> dict[str, Any]:
    return {
        "id": str(r.token_id),
        "purchase_id": str(r.purchase_id),
        "installment": r.installment,
        "obligor": r.obligor,
        "face": str(r.face),
        "fee": str(r.fee),
        "due_date": r.due_date,
        "status": expected_status(r, now).name.lower(),
        "paid": str(r.paid),
    }


@router.get("/{receivable_id}")
def get_receivable(receivable_id: str, service: ServiceDep, party: PartyDep) -> dict[str, Any]:
    """Terms, status, paid, penalty as of now (from the contract), and the caller's balance and claimable."""
    token_id = _parse_id(receivable_id)
    r = visible(service, party, token_id)
    v = service.gw.ledger.receivable(token_id)
    with service.sessions() as session:
        h = session.get(HoldingRow, (token_id, party.address))
    return {
        **_summary(r, service.chain.now()),
        "status": Status(v.status).name.lower(),
        "originator": v.originator,
        "currency": v.currency,
        "document_hash": "0x" + v.document_hash.hex(),
        "principal_paid": str(v.principal_paid),
        "fee_paid": str(v.fee_paid),
        "penalty_accrued": str(v.penalty_owed + r.penalty_paid),
        "penalty_owed": str(v.penalty_owed),
        "amount_due": str(v.amount_due),
        "next_due": v.due_date if v.amount_due else None,
        "paid_per_unit_scaled": str(v.paid_per_unit_scaled),
        "your_units": str(h.units if h else 0),
        "your_claimable": str(claimable_of(h, r) if h else 0),
    }


@router.get("/{receivable_id}/lineage")
def receivable_lineage(receivable_id: str, service: ServiceDep, party: PartyDep) -> dict[str, Any]:
    """Origination, splits and transfers, financing, repayments, default and claims, each with tx and block."""
    token_id = _parse_id(receivable_id)
    visible(service, party, token_id)
    with service.sessions() as session:
        return {"receivable_id": str(token_id), "steps": reports.lineage(session, token_id)}


@router.post("/{receivable_id}/transfers", status_code=201)
def transfer(
    receivable_id: str, body: TransferCreate, service: ServiceDep, party: PartyDep, idempotency_key: IdemKey = None
) -> JSONResponse:
    """Splits and transfers units to another registered participant."""
    token_id = _parse_id(receivable_id)

    def run() -> tuple[int, dict[str, Any]]:
        visible(service, party, token_id)
        units = int(body.units)
        held = service.gw.ledger.balance(party.address, token_id)
        if units == 0 or units > held:
            raise Problem(422, "Not enough units", f"you hold {held} units of {token_id}; cannot transfer {units}")
        tx = service.gw.ledger.transfer(service.signer(party.address), body.to, token_id, units)
        service.catch_up()
        return 201, {
            "tx_hash": tx.tx_hash,
            "receivable_id": str(token_id),
            "units": body.units,
            "balances": {
                party.address: str(service.gw.ledger.balance(party.address, token_id)),
                body.to: str(service.gw.ledger.balance(body.to, token_id)),
            },
        }

    return idempotent(
        service, party, idempotency_key, f"POST /v1/receivables/{token_id}/transfers", body.model_dump(), run
    )
