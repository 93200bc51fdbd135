"""Offers (financiers), financing requests (holders) and quotes."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select

from scf_ledger.api.deps import PartyDep, ServiceDep, role
from scf_ledger.api.idempotency import idempotent
from scf_ledger.api.problems import Problem, not_found
from scf_ledger.api.schemas import FinancingCreate, OfferCreate, OfferOut
from scf_ledger.api.service import Party, Service
from scf_ledger.chain.client import Offer
from scf_ledger.domain.constants import ZERO_ADDRESS
from scf_ledger.store.models import HoldingRow, OfferRow

router = APIRouter(prefix="/v1", tags=["financing"])
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def offer_id(financier: str, nonce: int) -> str:
    return f"{financier.lower()}-{nonce}"


def _load(service: Service, raw_id: str) -> OfferRow:
    financier, _, nonce = raw_id.partition("-")
    if not nonce.isdigit() or len(financier) != 42:
        raise not_found("offer", raw_id)
    with service.sessions() as session:
        row = session.scalar(select(OfferRow).where(OfferRow.nonce == int(nonce), OfferRow.financier.ilike(financier)))
    if row is None or row.signature is None:
        raise not_found("offer", raw_id)
    return row


def _units_of(service: Service, holder: str, token_id: int) -> int:
    with service.sessions() as session:
        holding = session.get(HoldingRow, (token_id, holder))
    return holding.units if holding else 0


def _offer(row: OfferRow) -> Offer:
    return Offer(
        row.financier,
        row.receivable_id or 0,
        row.obligor or ZERO_ADDRESS,
        row.rate_bps or 0,
        row.min_units or 0,
        row.max_units or 0,
        row.expiry or 0,
        row.nonce,
    )


def _out(row: OfferRow) -> dict[str, Any]:
    return OfferOut(
        id=offer_id(row.financier, row.nonce),
        financier=row.financier,
        receivable_id=None if not row.receivable_id else str(row.receivable_id),
        obligor=row.obligor,
        rate_bps=row.rate_bps or 0,
        min_units=str(row.min_units),
        max_units=str(row.max_units),
        filled_units=str(row.filled_units),
        expiry=str(row.expiry),
        nonce=str(row.nonce),
        cancelled=row.cancelled,
        signature=row.signature or "",
    ).model_dump()


@router.post("/offers", status_code=201)
def create_offer(
    body: OfferCreate,
    service: ServiceDep,
    financier: Annotated[Party, Depends(role("financier"))],
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """A signed offer to buy units at a discount: of one receivable, or of any receivable of an obligor."""

    def run() -> tuple[int, dict[str, Any]]:
        if (body.receivable_id is None) == (body.obligor is None):
            raise Problem(422, "Invalid offer", "name exactly one of receivable_id and obligor")
        if int(body.min_units) > int(body.max_units) or int(body.max_units) == 0:
            raise Problem(422, "Invalid offer", "need 0 < min_units <= max_units")
        if int(body.expiry) <= service.chain.now():
            raise Problem(422, "Invalid offer", f"expiry {body.expiry} is in the past")
        nonce = int(body.nonce) if body.nonce is not None else secrets.randbits(64)
        offer = Offer(
            financier.address,
            int(body.receivable_id or 0),
            body.obligor or ZERO_ADDRESS,
            body.rate_bps,
            int(body.min_units),
            int(body.max_units),
            int(body.expiry),
            nonce,
        )
        signature = body.signature or "0x" + service.chain.sign_offer(service.signer(financier.address), offer).hex()
        if service.gw.market.filled_units(financier.address, nonce):
            raise Problem(409, "Nonce used", f"nonce {nonce} was already used or cancelled")
        with service.sessions.begin() as session:
            row = session.get(OfferRow, (financier.address, nonce))
            if row is not None and row.signature is not None:
                raise Problem(409, "Nonce used", f"you already have an offer with nonce {nonce}")
            row = row or OfferRow(financier=financier.address, nonce=nonce, filled_units=0, cancelled=False)
            row.receivable_id, row.obligor = offer.receivable_id or None, body.obligor
            row.rate_bps, row.min_units, row.max_units, row.expiry = (
                body.rate_bps,
                offer.min_units,
                offer.max_units,
                offer.expiry,
            )
            row.signature = signature
            session.add(row)
        return 201, _out(row)

    return idempotent(service, financier, idempotency_key, "POST /v1/offers", body.model_dump(), run)


@router.get("/offers")
def list_offers(service: ServiceDep, party: PartyDep, open_only: bool = True) -> dict[str, Any]:
    """Offers on the market (signed, not cancelled, not expired, with units left)."""
    now = service.chain.now()
    with service.sessions() as session:
        rows = session.scalars(select(OfferRow).where(OfferRow.signature.is_not(None))).all()
    if open_only:
        rows = [r for r in rows if not r.cancelled and (r.expiry or 0) >= now and r.filled_units < (r.max_units or 0)]
    return {"items": [_out(r) for r in rows]}


@router.delete("/offers/{raw_id}")
def cancel_offer(raw_id: str, service: ServiceDep, party: PartyDep) -> dict[str, Any]:
    row = _load(service, raw_id)
    if row.financier != party.address:
        raise not_found("offer", raw_id)
    tx = service.gw.market.cancel_offer(service.signer(party.address), row.nonce)
    service.catch_up()
    return {"id": raw_id, "cancelled": True, "tx_hash": tx.tx_hash}


def _target(row: OfferRow, receivable_id: str | None) -> int:
    if row.receivable_id:
        if receivable_id is not None and int(receivable_id) != row.receivable_id:
            raise Problem(422, "Offer is for another receivable", f"this offer buys only {row.receivable_id}")
        return row.receivable_id
    if receivable_id is None:
        raise Problem(422, "Receivable needed", "an obligor-level offer needs receivable_id")
    return int(receivable_id)


@router.get("/quotes")
def quote(
    service: ServiceDep,
    party: PartyDep,
    offer_id: str,
    units: Annotated[str, Query(pattern=r"^[0-9]{1,39}$")],
    receivable_id: Annotated[str | None, Query(pattern=r"^[0-9]{1,78}$")] = None,
) -> dict[str, Any]:
    """The price `units` would fetch under an offer now."""
    row = _load(service, offer_id)
    token_id = _target(row, receivable_id)
    price = service.gw.market.quote(token_id, int(units), row.rate_bps or 0)
    return {"offer_id": offer_id, "receivable_id": str(token_id), "units": units, "price": str(price)}


@router.post("/financing-requests", status_code=201)
def request_financing(
    body: FinancingCreate, service: ServiceDep, party: PartyDep, idempotency_key: IdemKey = None
) -> JSONResponse:
    """Sells units to the offer's financier in one atomic transaction at the discount price."""

    def run() -> tuple[int, dict[str, Any]]:
        row = _load(service, body.offer_id)
        token_id = _target(row, body.receivable_id)
        units = int(body.units)
        # Checked against the read model for a clear answer at no RPC cost; the contract has the last word
        # (a request that races another one is refused with its custom error, never half done).
        held = _units_of(service, party.address, token_id)
        if row.cancelled:
            raise Problem(409, "Offer cancelled", f"offer {body.offer_id} was cancelled by its financier")
        left = (row.max_units or 0) - row.filled_units
        if units > held:
            raise Problem(422, "Not enough units", f"you hold {held} units of {token_id}; cannot sell {units}")
        if units > max(left, 0):
            raise Problem(422, "Offer too small", f"the offer has {max(left, 0)} units left; cannot sell {units}")
        sale = service.gw.market.accept_offer(
            service.signer(party.address), _offer(row), bytes.fromhex(row.signature[2:]), token_id, units
        )  # type: ignore[index]
        service.catch_up()
        return 201, {
            "offer_id": body.offer_id,
            "receivable_id": str(token_id),
            "units": str(sale.units),
            "value": str(sale.value),
            "price": str(sale.price),
            "tx_hash": sale.tx.tx_hash,
            "balances": {"your_units": str(_units_of(service, party.address, token_id))},
        }

    return idempotent(service, party, idempotency_key, "POST /v1/financing-requests", body.model_dump(), run)
