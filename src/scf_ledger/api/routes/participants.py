"""Parties: registration (platform), `me`, and the local settlement-money on-ramp."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from sqlalchemy import select

from scf_ledger.api.deps import PartyDep, ServiceDep, role
from scf_ledger.api.idempotency import idempotent
from scf_ledger.api.problems import Problem
from scf_ledger.api.schemas import CashCreate, ParticipantCreate, ParticipantCreated
from scf_ledger.api.service import Party
from scf_ledger.domain import money
from scf_ledger.store.models import HoldingRow, PartyRow, ReceivableRow

router = APIRouter(prefix="/v1", tags=["participants"])
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]


@router.post("/participants", status_code=201, response_model=ParticipantCreated)
def create_participant(
    body: ParticipantCreate,
    service: ServiceDep,
    platform: Annotated[Party, Depends(role("platform"))],
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Registers a party on-chain; returns its address and its API key (shown once)."""

    def run() -> tuple[int, dict[str, object]]:
        row, api_key = service.register(body.kind, body.name, body.address)
        out = ParticipantCreated(
            address=row.address, kind=row.role, name=row.name, custodial=row.custodial, api_key=api_key
        )
        return 201, out.model_dump()

    return idempotent(service, platform, idempotency_key, "POST /v1/participants", body.model_dump(), run)


@router.get("/participants")
def list_participants(service: ServiceDep, platform: Annotated[Party, Depends(role("platform"))]) -> dict[str, object]:
    """Every party of this service (platform only)."""
    with service.sessions() as session:
        rows = session.scalars(select(PartyRow).order_by(PartyRow.created_at)).all()
    return {"items": [{"address": r.address, "name": r.name, "kind": r.role, "custodial": r.custodial} for r in rows]}


@router.get("/me")
def me(party: PartyDep, service: ServiceDep) -> dict[str, object]:
    """The caller: role, address, cash, and the outstanding value of what it holds."""
    with service.sessions() as session:
        rows = session.execute(
            select(HoldingRow, ReceivableRow)
            .join(ReceivableRow, ReceivableRow.token_id == HoldingRow.token_id)
            .where(HoldingRow.holder == party.address, HoldingRow.units > 0)
        ).all()
    holdings_value = sum(
        h.units - h.units * money.paid_per_unit_scaled(r.distributed, r.face) // money.SCALE for h, r in rows
    )
    return {
        "address": party.address,
        "name": party.name,
        "role": party.role,
        "custodial": party.custodial,
        "cash": str(service.gw.token.balance_of(party.address)),
        "holdings": len(rows),
        "holdings_value": str(max(holdings_value, 0)),
    }


@router.post("/cash", status_code=201)
def add_cash(
    body: CashCreate,
    service: ServiceDep,
    platform: Annotated[Party, Depends(role("platform"))],
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Local settlement token only: mints money to a party, as the issuer would against fiat received."""
    if not service.embedded and service.settings.mode != "local":
        raise Problem(403, "Forbidden", "minting is for the local settlement token in local mode")

    def run() -> tuple[int, dict[str, object]]:
        tx = service.gw.token.mint(service.platform, body.to, int(body.amount))
        return 201, {
            "to": body.to,
            "amount": body.amount,
            "tx_hash": tx.tx_hash,
            "balance": str(service.gw.token.balance_of(body.to)),
        }

    return idempotent(service, platform, idempotency_key, "POST /v1/cash", body.model_dump(), run)
