"""Offers (financiers), quotes, and financing requests (holders)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from scf_ledger.api.deps import FinancierDep, PartyDep, RuntimeDep
from scf_ledger.api.idempotency import IdempotentRoute
from scf_ledger.services import financing
from scf_ledger.services.models import (
    FinancingCreate,
    FinancingOut,
    OfferCancelled,
    OfferCreate,
    OfferOut,
    OffersOut,
    QuoteOut,
)

router = APIRouter(tags=["financing"], route_class=IdempotentRoute)


@router.post("/offers", status_code=201, response_model=OfferOut)
def create_offer(body: OfferCreate, rt: RuntimeDep, financier: FinancierDep) -> OfferOut:
    """A signed offer to buy units at a discount: of one receivable, or of any receivable of an obligor."""
    return financing.create_offer(rt, financier, body)


@router.get("/offers", response_model=OffersOut)
def list_offers(rt: RuntimeDep, _: PartyDep, open_only: bool = True) -> OffersOut:
    """Offers on the market (signed, not cancelled, not expired, with units left)."""
    return financing.list_offers(rt, open_only)


@router.delete("/offers/{raw_id}", response_model=OfferCancelled)
def cancel_offer(raw_id: str, rt: RuntimeDep, party: PartyDep) -> OfferCancelled:
    return financing.cancel_offer(rt, party, raw_id)


@router.get("/quotes", response_model=QuoteOut)
def quote(
    rt: RuntimeDep,
    _: PartyDep,
    offer_id: str,
    units: Annotated[str, Query(pattern=r"^[0-9]{1,39}$")],
    receivable_id: Annotated[str | None, Query(pattern=r"^[0-9]{1,78}$")] = None,
) -> QuoteOut:
    """The price `units` would fetch under an offer now."""
    return financing.quote(rt, offer_id, int(units), int(receivable_id) if receivable_id else None)


@router.post("/financing-requests", status_code=201, response_model=FinancingOut)
def request_financing(body: FinancingCreate, rt: RuntimeDep, party: PartyDep) -> FinancingOut:
    """Sells units to the offer's financier in one atomic transaction at the discount price."""
    return financing.request_financing(rt, party, body)
