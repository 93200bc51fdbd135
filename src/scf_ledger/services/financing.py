"""Offers (financiers), quotes, and financing requests (holders selling units into an offer)."""

from __future__ import annotations

import re
import secrets

from eth_utils import to_checksum_address
from sqlalchemy import select

from scf_ledger.chain.client import Offer
from scf_ledger.domain.constants import ZERO_ADDRESS
from scf_ledger.services import receivables
from scf_ledger.services.errors import Conflict, Invalid, NotFound
from scf_ledger.services.journal import step
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
from scf_ledger.services.runtime import Party, Runtime
from scf_ledger.services.types import OFFER_ID_PATTERN, parse_uint256
from scf_ledger.store.access import offers_seen_by
from scf_ledger.store.models import HoldingRow, OfferRow


def offer_id(financier: str, nonce: int) -> str:
    return f"{financier.lower()}-{nonce}"


OFFER_ID = re.compile(OFFER_ID_PATTERN)


def _parse_offer_id(raw_id: str) -> tuple[str, int]:
    """The financier and nonce of `financier-nonce`; a malformed id names no offer."""
    match = OFFER_ID.match(raw_id)
    try:
        return to_checksum_address(match[1]), parse_uint256(match[2])  # type: ignore[index]
    except (TypeError, ValueError):  # no match, or a nonce beyond uint256
        raise NotFound("offer", raw_id) from None


def load_offer(rt: Runtime, party: Party, raw_id: str) -> OfferRow:
    """A signed offer by its id (`financier-nonce`), if the caller may see it (store/access.py)."""
    financier, nonce = _parse_offer_id(raw_id)
    with rt.sessions() as session:
        row = session.scalar(
            select(OfferRow).where(
                OfferRow.financier == financier,
                OfferRow.nonce == nonce,
                OfferRow.signature.is_not(None),
                offers_seen_by(party.address, party.role),
            )
        )
    if row is None:
        raise NotFound("offer", raw_id)
    return row


def _units_of(rt: Runtime, holder: str, token_id: int) -> int:
    with rt.sessions() as session:
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


def offer_out(row: OfferRow) -> OfferOut:
    return OfferOut(
        id=offer_id(row.financier, row.nonce),
        financier=row.financier,
        receivable_id=row.receivable_id or None,
        obligor=row.obligor,
        rate_bps=row.rate_bps or 0,
        min_units=row.min_units or 0,
        max_units=row.max_units or 0,
        filled_units=row.filled_units,
        expiry=row.expiry or 0,
        nonce=row.nonce,
        cancelled=row.cancelled,
        signature=row.signature or "",
    )


def _check_terms(rt: Runtime, body: OfferTerms) -> None:
    if (body.receivable_id is None) == (body.obligor is None):
        raise Invalid("Invalid offer", "name exactly one of receivable_id and obligor")
    if body.min_units > body.max_units or body.max_units == 0:
        raise Invalid("Invalid offer", "need 0 < min_units <= max_units")
    if body.expiry <= rt.chain.now():
        raise Invalid("Invalid offer", f"expiry {body.expiry} is in the past")


def _new_nonce(rt: Runtime, financier: Party, body: OfferTerms) -> int:
    """The offer's nonce (the one asked, or a random one) once the terms passed and the nonce is free."""
    _check_terms(rt, body)
    nonce = body.nonce if body.nonce is not None else secrets.randbits(64)
    if rt.gw.market.filled_units(financier.address, nonce):
        raise Conflict("Nonce used", f"nonce {nonce} was already used or cancelled")
    with rt.sessions() as session:
        row = session.get(OfferRow, (financier.address, nonce))
    if row is not None and row.signature is not None:
        raise Conflict("Nonce used", f"you already have an offer with nonce {nonce}")
    return nonce


def _offer_of(financier: Party, body: OfferTerms, nonce: int) -> Offer:
    return Offer(
        financier.address,
        body.receivable_id or 0,
        body.obligor or ZERO_ADDRESS,
        body.rate_bps,
        body.min_units,
        body.max_units,
        body.expiry,
        nonce,
    )


def offer_typed_data(rt: Runtime, financier: Party, body: OfferTerms) -> TypedDataOut:
    """The EIP-712 typed data a financier that signs for itself signs, then sends with the same terms and nonce
    to `POST /v1/offers`."""
    return TypedDataOut.of(rt.chain.offer_typed_data(_offer_of(financier, body, _new_nonce(rt, financier, body))))


def _signature(rt: Runtime, financier: Party, offer: Offer, body: OfferCreate) -> str:
    """The financier's signature: the one sent, once it is seen to be the financier's (as the market will check
    it), or the custodial key's."""
    if body.signature is None:
        return "0x" + rt.chain.sign_offer(rt.signer(financier.address), offer).hex()
    if not rt.chain.offer_signed_by_financier(offer, bytes.fromhex(body.signature[2:])):
        raise Invalid(
            "Offer not signed by the financier",
            f"the signature is not {financier.address}'s (ECDSA, or EIP-1271 for a contract) over these terms and "
            "nonce: sign what GET /v1/offers/typed-data returns for them",
        )
    return body.signature


def create_offer(rt: Runtime, financier: Party, body: OfferCreate) -> OfferOut:
    """A signed offer to buy units at a discount: of one receivable, or of any receivable of an obligor."""
    nonce = step("nonce", lambda: _new_nonce(rt, financier, body))
    offer = _offer_of(financier, body, nonce)
    signature = _signature(rt, financier, offer, body)
    with rt.sessions.begin() as session:
        row = session.get(OfferRow, (financier.address, nonce))
        if row is not None and row.signature == signature:  # stored by this operation's first run
            return offer_out(row)
        row = row or OfferRow(financier=financier.address, nonce=nonce, filled_units=0, cancelled=False)
        row.receivable_id, row.obligor, row.rate_bps = offer.receivable_id or None, body.obligor, body.rate_bps
        row.min_units, row.max_units, row.expiry = offer.min_units, offer.max_units, offer.expiry
        row.signature = signature
        session.add(row)
    return offer_out(row)


def is_open(row: OfferRow, now: int) -> bool:
    """Not cancelled, not expired, and with at least its minimum sale left."""
    left = (row.max_units or 0) - row.filled_units
    return not row.cancelled and (row.expiry or 0) >= now and left > 0 and left >= (row.min_units or 0)


def list_offers(rt: Runtime, party: Party, open_only: bool = True) -> OffersOut:
    """The offers the caller may see (its own, or those that buy what it holds); open ones by default."""
    now = rt.clock.now()
    with rt.sessions() as session:
        rows = session.scalars(
            select(OfferRow).where(OfferRow.signature.is_not(None), offers_seen_by(party.address, party.role))
        ).all()
    return OffersOut(items=[offer_out(r) for r in rows if not open_only or is_open(r, now)])


def cancel_offer(rt: Runtime, financier: Party, raw_id: str) -> OfferCancelled:
    row = load_offer(rt, financier, raw_id)
    if row.financier != financier.address:  # another's offer, that it sees as the holder of what it buys
        raise NotFound("offer", raw_id)
    tx = rt.gw.market.cancel_offer(rt.signer(financier.address), row.nonce)
    rt.read_your_writes()
    return OfferCancelled(id=raw_id, cancelled=True, tx_hash=tx.tx_hash)


def _target(row: OfferRow, receivable_id: int | None) -> int:
    """The receivable a sale into `row` is for: the offer's own, or the one named for an obligor-level offer."""
    if row.receivable_id:
        if receivable_id is not None and receivable_id != row.receivable_id:
            raise Invalid("Offer is for another receivable", f"this offer buys only {row.receivable_id}")
        return row.receivable_id
    if receivable_id is None:
        raise Invalid("Receivable needed", "an obligor-level offer needs receivable_id")
    return receivable_id


def quote(rt: Runtime, party: Party, raw_offer_id: str, units: int, receivable_id: int | None) -> QuoteOut:
    """The price `units` would fetch under an offer now; the caller must see both the offer and the receivable."""
    row = load_offer(rt, party, raw_offer_id)
    token_id = receivables.visible(rt, party, _target(row, receivable_id)).token_id
    price = rt.gw.market.quote(token_id, units, row.rate_bps or 0)
    return QuoteOut(offer_id=raw_offer_id, receivable_id=token_id, units=units, price=price)


def _precheck(rt: Runtime, seller: Party, row: OfferRow, token_id: int, body: FinancingCreate) -> None:
    """Checked against the read model for a clear answer at no RPC cost; the contract has the last word
    (a request that races another one is refused with its custom error, never half done)."""
    held = _units_of(rt, seller.address, token_id)
    if row.cancelled:
        raise Conflict("Offer cancelled", f"offer {body.offer_id} was cancelled by its financier")
    left = max((row.max_units or 0) - row.filled_units, 0)
    if body.units > held:
        raise Invalid("Not enough units", f"you hold {held} units of {token_id}; cannot sell {body.units}")
    if body.units > left:
        raise Invalid("Offer too small", f"the offer has {left} units left; cannot sell {body.units}")


def _admit_sale(rt: Runtime, seller: Party, body: FinancingCreate) -> tuple[str, int, int]:
    """The offer (financier, nonce) and the receivable a sale is for, once it passed the checks."""
    row = load_offer(rt, seller, body.offer_id)
    token_id = _target(row, body.receivable_id)
    _precheck(rt, seller, row, token_id, body)
    return row.financier, row.nonce, token_id


def request_financing(rt: Runtime, seller: Party, body: FinancingCreate) -> FinancingOut:
    """Sells units to the offer's financier in one atomic transaction at the discount price."""
    # Admitted once: run again after the sale, the seller may hold nothing and no longer see the offer.
    financier, nonce, token_id = step("sale", lambda: _admit_sale(rt, seller, body))
    with rt.sessions() as session:
        row = session.get(OfferRow, (financier, nonce))
    assert row is not None
    signature = bytes.fromhex((row.signature or "0x")[2:])
    sale = rt.gw.market.accept_offer(rt.signer(seller.address), _offer(row), signature, token_id, body.units)
    rt.read_your_writes()
    return FinancingOut(
        offer_id=body.offer_id,
        receivable_id=token_id,
        units=sale.units,
        value=sale.value,
        price=sale.price,
        tx_hash=sale.tx.tx_hash,
        balances={"your_units": _units_of(rt, seller.address, token_id)},
    )
