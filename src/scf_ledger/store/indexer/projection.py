"""Applies decoded chain events to the read-model tables, mirroring the contracts' arithmetic exactly
(including each holder's pro-rata checkpoint), so the database can be reconciled against the chain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from scf_ledger.domain import money
from scf_ledger.domain.constants import ZERO_ADDRESS
from scf_ledger.domain.ids import receivable_id
from scf_ledger.domain.ledger import is_repaid
from scf_ledger.store.models import (
    ClaimRow,
    DefaultRow,
    FinancingRow,
    HoldingRow,
    OfferRow,
    ParticipantRow,
    PurchaseRow,
    ReceivableRow,
    RepaymentRow,
    TransferRow,
)

T = TypeVar("T")


class ProjectionError(Exception):
    """Raised when an event contradicts the read model (a bug, or events applied out of order)."""


@dataclass(frozen=True)
class DecodedEvent:
    chain_id: int
    tx_hash: str
    log_index: int
    block_number: int
    block_hash: str
    block_timestamp: int
    contract: str
    name: str
    args: dict[str, Any]  # decoded (indexer/decoding.py): ints, checksummed addresses, bytes32 as 0x hex
    stored_args: dict[str, Any]  # the same in their JSON form, as kept in chain_events

    @property
    def key(self) -> dict[str, Any]:
        return {"chain_id": self.chain_id, "tx_hash": self.tx_hash, "log_index": self.log_index}


ABSENT = object()  # prefetched and not in the database


def prefetch(session: Session, events: list[DecodedEvent]) -> None:
    """Loads, with one SELECT per table, the rows a batch of events will touch: its receivables, their
    holdings and its participants. Keys looked up and not found are remembered as absent, so applying the
    batch issues no SELECT per event."""
    token_ids, addresses = _keys(events)
    cache: dict[tuple[type, Any], Any] = session.info.setdefault("projection_cache", {})
    with session.no_autoflush:
        for chunk in _chunks(sorted(token_ids)):
            for r in session.scalars(select(ReceivableRow).where(ReceivableRow.token_id.in_(chunk))):
                cache[(ReceivableRow, r.token_id)] = r
            for h in session.scalars(select(HoldingRow).where(HoldingRow.token_id.in_(chunk))):
                cache[(HoldingRow, (h.token_id, h.holder))] = h
            for token_id in chunk:  # every holding of these ids is loaded: the rest do not exist yet
                cache.setdefault((ReceivableRow, token_id), ABSENT)
                for address in addresses:
                    cache.setdefault((HoldingRow, (token_id, address)), ABSENT)
        for chunk in _chunks(sorted(addresses)):
            for participant in session.scalars(select(ParticipantRow).where(ParticipantRow.address.in_(chunk))):
                cache[(ParticipantRow, participant.address)] = participant
            for address in chunk:
                cache.setdefault((ParticipantRow, address), ABSENT)


def _keys(events: list[DecodedEvent]) -> tuple[set[int], set[str]]:
    """The token ids and addresses a batch of events names."""
    token_ids: set[int] = set()
    addresses: set[str] = set()
    for ev in events:
        for name, value in ev.args.items():
            if name in ("id", "ids"):
                token_ids.update(int(v) for v in (value if isinstance(value, list) else [value]))
            elif isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
                addresses.add(value)
    return token_ids, addresses


def _chunks(keys: list[Any], size: int = 500) -> list[list[Any]]:
    return [keys[i : i + size] for i in range(0, len(keys), size)]


def _cached(session: Session, model: type[T], key: Any, make: Callable[[], T] | None = None) -> T | None:
    """The row of `model` with `key`: from this batch's cache, the database, or `make` (added).

    The cache lets a batch run without autoflush: rows created earlier in the batch are found without a
    SELECT, and none is created twice."""
    cache: dict[tuple[type, Any], Any] = session.info.setdefault("projection_cache", {})
    row = cache.get((model, key))
    if row is ABSENT:
        row = None
    elif row is None:
        with session.no_autoflush:
            row = session.get(model, key)
    if row is None and make is not None:
        row = make()
        session.add(row)
    if row is not None:
        cache[(model, key)] = row
    return row


def _participant(session: Session, address: str) -> ParticipantRow:
    row = _cached(
        session,
        ParticipantRow,
        address,
        lambda: ParticipantRow(address=address, kind=0, frozen=False, blacklisted=False, credit_limit=0, exposure=0),
    )
    assert row is not None
    return row


def _holding(session: Session, token_id: int, holder: str) -> HoldingRow:
    row = _cached(
        session,
        HoldingRow,
        (token_id, holder),
        lambda: HoldingRow(token_id=token_id, holder=holder, units=0, snapshot=0, residue=0, accrued_units=0),
    )
    assert row is not None
    return row


def _receivable(session: Session, token_id: int) -> ReceivableRow:
    row = _cached(session, ReceivableRow, token_id)
    if row is None:
        raise ProjectionError(f"event for unknown receivable {token_id}")
    return row


def holdings_of(session: Session, token_id: int) -> list[HoldingRow]:
    """Every holding of `token_id` as the batch has left it so far (the batch prefetched all of its ids')."""
    cache: dict[tuple[type, Any], Any] = session.info.get("projection_cache", {})
    return [r for (model, key), r in cache.items() if model is HoldingRow and key[0] == token_id and r is not ABSENT]


def receivable_of(session: Session, token_id: int) -> ReceivableRow:
    """The receivable as the batch has left it so far."""
    return _receivable(session, token_id)


def clear_cache(session: Session) -> None:
    session.info.pop("projection_cache", None)


def _settle(holding: HoldingRow, receivable: ReceivableRow) -> None:
    """The ledger's `_settle`: the holder's share since its snapshot moves into accrued units and residue."""
    if holding.snapshot == receivable.distributed:
        return
    units, residue = money.share_of(
        holding.units, receivable.distributed - holding.snapshot, holding.residue, receivable.face
    )
    holding.accrued_units += units
    holding.residue = residue
    holding.snapshot = receivable.distributed


def _move_units(
    session: Session, ev: DecodedEvent, token_id: int, sender: str, receiver: str, units: int, position: int
) -> None:
    session.add(
        TransferRow(
            **ev.key,
            position=position,
            block_number=ev.block_number,
            token_id=token_id,
            sender=sender,
            receiver=receiver,
            units=units,
        )
    )
    to = _holding(session, token_id, receiver)
    if sender == ZERO_ADDRESS:  # a mint of a fresh id: nothing distributed yet, nothing to settle
        to.units += units
        return
    receivable = _receivable(session, token_id)
    frm = _holding(session, token_id, sender)
    _settle(frm, receivable)
    _settle(to, receivable)
    if frm.units < units:
        raise ProjectionError(f"transfer of {units} units of {token_id} from {sender} who holds {frm.units}")
    frm.units -= units
    to.units += units


def apply_event(session: Session, ev: DecodedEvent) -> None:
    """Updates the projections for one event. Events must come in chain order; events with no projection
    (roles, pauses, terms, fees withdrawn, token transfers) are kept in chain_events only."""
    handler = _HANDLERS.get((ev.contract, ev.name))
    if handler is not None:
        handler(session, ev)


def _transfer_single(session: Session, ev: DecodedEvent) -> None:
    a = ev.args
    _move_units(session, ev, int(a["id"]), a["from"], a["to"], int(a["value"]), 0)


def _transfer_batch(session: Session, ev: DecodedEvent) -> None:
    a = ev.args
    for position, (token_id, units) in enumerate(zip(a["ids"], a["values"], strict=True)):
        _move_units(session, ev, int(token_id), a["from"], a["to"], int(units), position)


def _dust_swept(session: Session, ev: DecodedEvent) -> None:
    receivable = _receivable(session, int(ev.args["id"]))
    receivable.dust -= int(ev.args["amount"]) * receivable.face


def _residue_released(session: Session, ev: DecodedEvent) -> None:
    """The ledger's `releaseResidue`: the holder is settled, its residue moves into the id's dust."""
    receivable = _receivable(session, int(ev.args["id"]))
    holding = _holding(session, receivable.token_id, ev.args["holder"])
    _settle(holding, receivable)
    if holding.residue != int(ev.args["residue"]):
        raise ProjectionError(
            f"residue of {ev.args['holder']} on {receivable.token_id}: read model says {holding.residue},"
            f" the chain {ev.args['residue']}"
        )
    receivable.dust += holding.residue
    holding.residue = 0


def _offer_accepted(session: Session, ev: DecodedEvent) -> None:
    a = ev.args
    session.add(
        FinancingRow(
            **ev.key,
            block_number=ev.block_number,
            financier=a["financier"],
            nonce=int(a["nonce"]),
            seller=a["seller"],
            token_id=int(a["id"]),
            units=int(a["units"]),
            value=int(a["value"]),
            price=int(a["price"]),
        )
    )
    _offer(session, a["financier"], int(a["nonce"])).filled_units += int(a["units"])


def _set(attribute: str, account_arg: str, value_arg: str, kind: type) -> Callable[[Session, DecodedEvent], None]:
    """A handler that copies one event argument onto the participant named by another."""

    def apply(session: Session, ev: DecodedEvent) -> None:
        setattr(_participant(session, ev.args[account_arg]), attribute, kind(ev.args[value_arg]))

    return apply


def _offer(session: Session, financier: str, nonce: int) -> OfferRow:
    row = _cached(
        session,
        OfferRow,
        (financier, nonce),
        lambda: OfferRow(financier=financier, nonce=nonce, filled_units=0, cancelled=False),
    )
    assert row is not None
    return row


def _originated(session: Session, ev: DecodedEvent) -> None:
    a = ev.args
    purchase_id, n, principal = int(a["purchaseId"]), int(a["installments"]), int(a["principal"])
    fee = int(a["feePerInstallment"])
    session.add(
        PurchaseRow(
            purchase_id=purchase_id,
            obligor=a["obligor"],
            originator=a["originator"],
            principal=principal,
            installments=n,
            fee_per_installment=fee,
            first_due_date=int(a["firstDueDate"]),
            document_hash=a["documentHash"],
            block_number=ev.block_number,
            tx_hash=ev.tx_hash,
        )
    )
    for i in range(n):
        token_id = receivable_id(purchase_id, i)
        _cached(
            session,
            ReceivableRow,
            token_id,
            lambda token_id=token_id, i=i: ReceivableRow(
                token_id=token_id,
                purchase_id=purchase_id,
                installment=i,
                obligor=a["obligor"],
                face=money.principal_of(principal, n, i),
                fee=fee,
                due_date=money.due_date(ev.block_timestamp, i),
                distributed=0,
                paid=0,
                fee_paid=0,
                credited=0,
                fee_waived=0,
                penalty_accrued=0,
                penalty_paid=0,
                defaulted=False,
                disputed_since=None,
                dispute_days=0,
                dust=0,
            ),
        )
    _participant(session, a["obligor"]).exposure += principal


def _repaid(session: Session, ev: DecodedEvent) -> None:
    a = ev.args
    token_id = int(a["id"])
    to_penalty, to_fee, to_principal = int(a["toPenalty"]), int(a["toFee"]), int(a["toPrincipal"])
    session.add(
        RepaymentRow(
            **ev.key,
            block_number=ev.block_number,
            token_id=token_id,
            payer=a["payer"],
            amount=int(a["amount"]),
            to_penalty=to_penalty,
            to_fee=to_fee,
            to_principal=to_principal,
        )
    )
    receivable = _receivable(session, token_id)
    receivable.distributed += to_penalty + to_principal
    receivable.paid += to_fee + to_principal
    receivable.fee_paid += to_fee
    receivable.penalty_paid += to_penalty
    _participant(session, receivable.obligor).exposure -= to_principal


def _claimed(session: Session, ev: DecodedEvent) -> None:
    a = ev.args
    token_id, amount = int(a["id"]), int(a["amount"])
    session.add(
        ClaimRow(
            **ev.key,
            block_number=ev.block_number,
            token_id=token_id,
            holder=a["holder"],
            receiver=a["receiver"],
            amount=amount,
        )
    )
    receivable = _receivable(session, token_id)
    holding = _holding(session, token_id, a["holder"])
    _settle(holding, receivable)
    if holding.accrued_units != amount:
        raise ProjectionError(
            f"claim of {amount} on {token_id} by {a['holder']}: read model says {holding.accrued_units}"
        )
    holding.accrued_units = 0
    if is_repaid(receivable):
        receivable.dust += holding.residue
        holding.residue = 0


def _penalty_accrued(session: Session, ev: DecodedEvent) -> None:
    _receivable(session, int(ev.args["id"])).penalty_accrued += int(ev.args["amount"])


def _cancelled(session: Session, ev: DecodedEvent) -> None:
    _offer(session, ev.args["financier"], int(ev.args["nonce"])).cancelled = True


def _defaulted(session: Session, ev: DecodedEvent) -> None:
    a = ev.args
    token_id = int(a["id"])
    session.add(
        DefaultRow(
            **ev.key,
            block_number=ev.block_number,
            token_id=token_id,
            obligor=a["obligor"],
            outstanding=int(a["outstanding"]),
        )
    )
    _receivable(session, token_id).defaulted = True


def _credit_note(session: Session, ev: DecodedEvent) -> None:
    a = ev.args
    receivable = _receivable(session, int(a["id"]))
    credit = int(a["credit"])
    receivable.credited += credit
    receivable.fee_waived += int(a["feeWaived"])
    receivable.distributed += credit
    _participant(session, receivable.obligor).exposure -= credit


def _fee_waived_early(session: Session, ev: DecodedEvent) -> None:
    _receivable(session, int(ev.args["id"])).fee_waived += int(ev.args["fee"])


def _dispute_opened(session: Session, ev: DecodedEvent) -> None:
    _receivable(session, int(ev.args["id"])).disputed_since = ev.block_timestamp


def _dispute_closed(session: Session, ev: DecodedEvent) -> None:
    receivable = _receivable(session, int(ev.args["id"]))
    receivable.disputed_since = None
    receivable.dispute_days += int(ev.args["days_"])


def reset_projections(session: Session) -> None:
    """Empties every table derived from events (service-owned columns of offers are kept)."""
    clear_cache(session)
    for table in (
        TransferRow,
        RepaymentRow,
        ClaimRow,
        FinancingRow,
        DefaultRow,
        HoldingRow,
        ReceivableRow,
        PurchaseRow,
        ParticipantRow,
    ):
        session.execute(delete(table))
    session.execute(update(OfferRow).values(filled_units=0, cancelled=False))


_HANDLERS: dict[tuple[str, str], Callable[[Session, DecodedEvent], None]] = {
    ("ParticipantRegistry", "ParticipantRegistered"): _set("kind", "account", "kind", int),
    ("ParticipantRegistry", "CreditLimitSet"): _set("credit_limit", "obligor", "newLimit", int),
    ("ParticipantRegistry", "FrozenSet"): _set("frozen", "account", "frozen", bool),
    ("ParticipantRegistry", "BlacklistedSet"): _set("blacklisted", "account", "blacklisted", bool),
    ("ReceivableLedger", "PurchaseOriginated"): _originated,
    ("ReceivableLedger", "TransferSingle"): _transfer_single,
    ("ReceivableLedger", "TransferBatch"): _transfer_batch,
    ("ReceivableLedger", "Repayment"): _repaid,
    ("ReceivableLedger", "PenaltyAccrued"): _penalty_accrued,
    ("ReceivableLedger", "ReceivableDefaulted"): _defaulted,
    ("ReceivableLedger", "Claimed"): _claimed,
    ("ReceivableLedger", "CreditNote"): _credit_note,
    ("ReceivableLedger", "FeeWaivedForEarlyRepayment"): _fee_waived_early,
    ("ReceivableLedger", "DisputeOpened"): _dispute_opened,
    ("ReceivableLedger", "DisputeClosed"): _dispute_closed,
    ("ReceivableLedger", "DustSwept"): _dust_swept,
    ("ReceivableLedger", "ResidueReleased"): _residue_released,
    ("FinancingMarket", "OfferAccepted"): _offer_accepted,
    ("FinancingMarket", "OfferCancelled"): _cancelled,
}
