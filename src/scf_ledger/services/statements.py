"""Daily statements (DESIGN §13): every movement of a party's settlement tokens and receivable units on one
chain-time day (UTC) — origination, transfer in and out, sale, purchase, repayment, claim, fee, credit note —
each with its transaction and block, from the indexed events of the blocks mined that day; as JSON, or as CSV
with its SHA-256. The day's sums are the party's on-chain balance changes between the day's first and last
block (the tests prove it)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from scf_ledger.domain.constants import SECONDS_PER_DAY
from scf_ledger.domain.enums import Role
from scf_ledger.services import blocks
from scf_ledger.services.errors import Invalid
from scf_ledger.services.runtime import Party, Runtime
from scf_ledger.services.types import Amount
from scf_ledger.store.models import ChainEvent, ChainMeta

ZERO = "0x0000000000000000000000000000000000000000"
SUSD = "sUSD"
# What the ledger or market event in the same transaction makes of a token movement, by direction.
CASH_KINDS = {
    "Repayment": ("repayment", "repayment"),
    "Claimed": ("claim", "claim"),
    "FeesWithdrawn": ("fee", "fee"),
    "DustSwept": ("dust", "dust"),
    "CreditNote": ("credit_note", "credit_note"),
    "PurchaseRefunded": ("credit_note", "credit_note"),
    "OfferAccepted": ("sale", "purchase"),  # cash in to the seller, out of the financier
}


class Movement(BaseModel):
    kind: str  # origination, transfer_in, transfer_out, sale, purchase, repayment, claim, fee, credit_note, ...
    asset: str  # sUSD, or the receivable's token id
    amount: int  # in base units (sUSD) or units: positive in, negative out
    counterparty: str
    block: int
    tx_hash: str
    log_index: int


class Statement(BaseModel):
    party: str
    date: str
    from_block: int  # the day's first block (exclusive of the one before it)
    to_block: int
    items: list[Movement]
    totals: dict[str, Amount | int]  # asset -> net movement of the day
    csv_sha256: str  # of the CSV form, byte for byte


def statement(rt: Runtime, party: Party, day: date, address: str | None = None) -> Statement:
    """The day's movements of the caller (or, for the platform, of `address`)."""
    who = address if address and party.role == Role.PLATFORM else party.address
    start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    now = rt.clock.now()
    if start > now:
        raise Invalid("date in the future", f"{day.isoformat()} has not begun on the chain (now {_day(now)})")
    before, last = _blocks_of_day(rt, start)
    items = _movements(rt, who.lower(), before, last)
    totals: dict[str, int] = {}
    for m in items:
        totals[m.asset] = totals.get(m.asset, 0) + m.amount
    text = statement_csv(items)
    return Statement(
        party=who,
        date=day.isoformat(),
        from_block=before + 1,
        to_block=last,
        items=items,
        totals=totals,
        csv_sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def statement_csv(items: list[Movement]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(Movement.model_fields), lineterminator="\n")
    writer.writeheader()
    writer.writerows(m.model_dump() for m in items)
    return out.getvalue()


def _day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()


def _blocks_of_day(rt: Runtime, start: int) -> tuple[int, int]:
    """The last block before the day (or the one before the deployment) and the day's last indexed block."""
    deployment = rt.chain.deployment.deployment_block
    with rt.sessions() as session:
        meta = session.get(ChainMeta, 1)
        indexed = meta.last_block if meta is not None else deployment
    deployed_at = blocks.deployed_at(rt)
    before = deployment - 1 if start <= deployed_at else blocks.last_block_at(rt, start - 1)
    end = start + SECONDS_PER_DAY - 1
    last = blocks.last_block_at(rt, end) if end >= deployed_at else deployment - 1
    return before, min(last, indexed)


def _movements(rt: Runtime, who: str, before: int, last: int) -> list[Movement]:
    with rt.sessions() as session:
        rows = session.scalars(
            select(ChainEvent)
            .where(ChainEvent.block_number > before, ChainEvent.block_number <= last)
            .order_by(ChainEvent.block_number, ChainEvent.log_index)
        ).all()
    by_tx: dict[str, list[ChainEvent]] = {}
    for row in rows:
        by_tx.setdefault(row.tx_hash, []).append(row)
    items: list[Movement] = []
    for events in by_tx.values():
        names = {e.name for e in events}
        for e in events:
            items += _of(e, names, who)
    return items


def _of(e: ChainEvent, names: set[str], who: str) -> list[Movement]:
    a: dict[str, Any] = e.args
    at = {"block": e.block_number, "tx_hash": e.tx_hash, "log_index": e.log_index}
    if e.contract == "SettlementToken" and e.name == "Transfer":
        return _cash(a, names, who, at)
    if e.contract == "ReceivableLedger" and e.name in ("TransferSingle", "TransferBatch"):
        ids = [a["id"]] if e.name == "TransferSingle" else a["ids"]
        values = [a["value"]] if e.name == "TransferSingle" else a["values"]
        return [m for i, v in zip(ids, values, strict=True) for m in _units(a, str(i), int(v), names, who, at)]
    return []


def _cash(a: dict[str, Any], names: set[str], who: str, at: dict[str, Any]) -> list[Movement]:
    source, target, value = a["from"].lower(), a["to"].lower(), int(a["value"])
    if who not in (source, target) or source == target:
        return []
    kind_in, kind_out = next((k for n, k in CASH_KINDS.items() if n in names), ("transfer_in", "transfer_out"))
    if source == ZERO:
        kind_in = "cash"  # minted to it (local mode: the platform's cash)
    if target == who:
        return [Movement(kind=kind_in, asset=SUSD, amount=value, counterparty=a["from"], **at)]
    return [Movement(kind=kind_out, asset=SUSD, amount=-value, counterparty=a["to"], **at)]


def _units(
    a: dict[str, Any], token_id: str, value: int, names: set[str], who: str, at: dict[str, Any]
) -> list[Movement]:
    source, target = a["from"].lower(), a["to"].lower()
    if who not in (source, target) or source == target:
        return []
    sold = "OfferAccepted" in names
    if target == who:
        kind = "origination" if source == ZERO else "purchase" if sold else "transfer_in"
        return [Movement(kind=kind, asset=token_id, amount=value, counterparty=a["from"], **at)]
    kind = "sale" if sold else "transfer_out"
    return [Movement(kind=kind, asset=token_id, amount=-value, counterparty=a["to"], **at)]


def parse_day(text: str) -> date:
    """A statement's date, YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("Invalid date", f"{text!r} is not a date (YYYY-MM-DD)") from None
