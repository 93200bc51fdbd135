"""Offers (financiers), quotes, and financing requests (holders)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from scf_ledger.api.deps import FinancierDep, PartyDep, RuntimeDep
from scf_ledger.api.durable import DurableRoute
from scf_ledger.services import financing
from scf_ledger.services.models import (
    FinancingCreate,
    FinancingOut,
    OfferCancelled,
    OfferCreate,
    OfferOut,
    OffersOut,
    OfferTerms,
    QuoteOut,
    TypedDataOut,
)
from scf_ledger.services.types import OFFER_ID_PATTERN, AmountIn, TokenIdIn

OfferId = Annotated[str, Path(pattern=OFFER_ID_PATTERN, description="`financier-nonce`")]
router = APIRouter(tags=["financing"], route_class=DurableRoute)


@router.post("/offers", status_code=201, response_model=OfferOut)
def create_offer(body: OfferCreate, rt: RuntimeDep, financier: FinancierDep) -> OfferOut:
    """A signed offer to buy units at a discount: of one receivable, or of any receivable of an obligor."""
    return financing.create_offer(rt, financier, body)


@router.get("/offers/typed-data", response_model=TypedDataOut)
def offer_typed_data(rt: RuntimeDep, financier: FinancierDep, terms: Annotated[OfferTerms, Query()]) -> TypedDataOut:
    """The EIP-712 typed data of an offer with these terms (and a free nonce unless one is given), for a
    financier that signs for itself; send the signature with the same terms and nonce to `POST /v1/offers`."""
    return financing.offer_typed_data(rt, financier, terms)


def _typed_data_is_not_an_offer() -> None:
    """`/v1/offers/typed-data` is a resource of its own: a DELETE of it is a 405, not a cancellation of an offer
    named "typed-data" (which `/offers/{offer_id}` would answer 422)."""
    raise HTTPException(405)


router.add_api_route(
    "/offers/typed-data",
    _typed_data_is_not_an_offer,
    methods=["DELETE"],
    include_in_schema=False,
    route_class_override=APIRoute,
)


@router.get("/offers", response_model=OffersOut)
def list_offers(rt: RuntimeDep, party: PartyDep, open_only: bool = True) -> OffersOut:
    """The offers the caller may see; open ones (not cancelled or expired, with a minimum sale left) by default."""
    return financing.list_offers(rt, party, open_only)


@router.delete("/offers/{offer_id}", response_model=OfferCancelled)
def cancel_offer(offer_id: OfferId, rt: RuntimeDep, financier: FinancierDep) -> OfferCancelled:
    """Cancels one of the caller's offers on-chain: its nonce can never be filled."""
    return financing.cancel_offer(rt, financier, offer_id)


@router.get("/quotes", response_model=QuoteOut)
def quote(
    rt: RuntimeDep,
    party: PartyDep,
    offer_id: Annotated[str, Query(pattern=OFFER_ID_PATTERN)],
    units: Annotated[AmountIn, Query()],
    receivable_id: Annotated[TokenIdIn | None, Query()] = None,
) -> QuoteOut:
    """The price `units` would fetch under an offer now."""
    return financing.quote(rt, party, offer_id, units, receivable_id)


@router.post("/financing-requests", status_code=201, response_model=FinancingOut)
def request_financing(body: FinancingCreate, rt: RuntimeDep, party: PartyDep) -> FinancingOut:
    """Sells units to the offer's financier in one atomic transaction at the discount price."""
    return financing.request_financing(rt, party, body)
