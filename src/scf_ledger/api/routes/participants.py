"""Parties: registration (platform), `me`, and the local settlement-money on-ramp."""

from __future__ import annotations

from fastapi import APIRouter

from scf_ledger.api.deps import PartyDep, PlatformDep, RuntimeDep
from scf_ledger.api.durable import DurableRoute
from scf_ledger.services import parties
from scf_ledger.services.models import (
    CashCreate,
    CashOut,
    MeOut,
    ParticipantCreate,
    ParticipantCreated,
    ParticipantsOut,
)

router = APIRouter(tags=["participants"], route_class=DurableRoute)


@router.post("/participants", status_code=201, response_model=ParticipantCreated)
def create_participant(body: ParticipantCreate, rt: RuntimeDep, _: PlatformDep) -> ParticipantCreated:
    """Registers a party on-chain; returns its address and its API key (shown once)."""
    return parties.register(rt, body)


@router.get("/participants", response_model=ParticipantsOut)
def list_participants(rt: RuntimeDep, _: PlatformDep) -> ParticipantsOut:
    """Every party of this service (platform only)."""
    return parties.list_parties(rt)


@router.get("/me", response_model=MeOut)
def me(rt: RuntimeDep, party: PartyDep) -> MeOut:
    """The caller: role, address, cash, and the outstanding value of what it holds."""
    return parties.me(rt, party)


@router.post("/cash", status_code=201, response_model=CashOut)
def add_cash(body: CashCreate, rt: RuntimeDep, _: PlatformDep) -> CashOut:
    """Local settlement token only: mints money to a party, as the issuer would against fiat received."""
    return parties.add_cash(rt, body)
