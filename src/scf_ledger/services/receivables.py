"""Receivables: list and detail from the read model and the chain, lineage, and transfers by holders."""

from __future__ import annotations

from typing import Any

from eth_utils import is_address, to_checksum_address
from sqlalchemy import select

from scf_ledger.domain import ledger
from scf_ledger.services.errors import Invalid, NotFound
from scf_ledger.services.models import (
    LineageOut,
    ReceivableDetail,
    ReceivablesPage,
    ReceivableSummary,
    TransferCreate,
    TransferOut,
)
from scf_ledger.services.runtime import Party, Runtime
from scf_ledger.store import reports
from scf_ledger.store.access import held_by, receivables_seen_by
from scf_ledger.store.models import HoldingRow, ReceivableRow

MAX_STATUS_SCAN = 5_000  # rows read to filter by status (derived from time, so not a SQL condition)


def _address(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not is_address(raw):
        raise Invalid("Invalid address", f"{raw!r} is not an address")
    return to_checksum_address(raw)


def visible(rt: Runtime, party: Party, token_id: int) -> ReceivableRow:
    """The receivable if the caller may see it (store/access.py); otherwise it does not exist for the caller."""
    with rt.sessions() as session:
        r = session.scalar(
            select(ReceivableRow).where(
                ReceivableRow.token_id == token_id, receivables_seen_by(party.address, party.role)
            )
        )
    if r is None:
        raise NotFound("receivable", token_id)
    return r


def list_page(
    rt: Runtime,
    party: Party,
    *,
    holder: str | None = None,
    obligor: str | None = None,
    status: str | None = None,
    due_from: int | None = None,
    due_to: int | None = None,
    cursor: int | None = None,
    limit: int = 50,
) -> ReceivablesPage:
    """Receivables by token id, `limit` a page; `next_cursor` continues. Callers outside the book see theirs."""
    query = (
        select(*SUMMARY_COLUMNS).where(receivables_seen_by(party.address, party.role)).order_by(ReceivableRow.token_id)
    )
    if (holder := _address(holder)) is not None:
        query = query.where(ReceivableRow.token_id.in_(held_by(holder)))
    if (obligor := _address(obligor)) is not None:
        query = query.where(ReceivableRow.obligor == obligor)
    if due_from is not None:
        query = query.where(ReceivableRow.due_date >= due_from)
    if due_to is not None:
        query = query.where(ReceivableRow.due_date <= due_to)
    if cursor is not None:
        query = query.where(ReceivableRow.token_id > cursor)
    now = rt.clock.now()
    with rt.sessions() as session:
        rows = session.execute(query.limit(limit + 1 if status is None else MAX_STATUS_SCAN)).all()
    items = [r for r in rows if status is None or ledger.status_at(r, now).label == status][:limit]
    more = len(items) == limit and (len(rows) > limit or status is not None)
    return ReceivablesPage(
        items=[summary(r, now) for r in items], next_cursor=items[-1].token_id if more and items else None
    )


# What a summary shows and its status needs: read as plain rows, not as ORM objects (the list is the hot read).
SUMMARY_COLUMNS = (
    ReceivableRow.token_id,
    ReceivableRow.purchase_id,
    ReceivableRow.installment,
    ReceivableRow.obligor,
    ReceivableRow.face,
    ReceivableRow.fee,
    ReceivableRow.due_date,
    ReceivableRow.paid,
    ReceivableRow.defaulted,
)


def summary(r: Any, now: int) -> ReceivableSummary:
    """A receivable row (ORM object or a row of SUMMARY_COLUMNS) as the list shows it."""
    return ReceivableSummary(
        id=r.token_id,
        purchase_id=r.purchase_id,
        installment=r.installment,
        obligor=r.obligor,
        face=r.face,
        fee=r.fee,
        due_date=r.due_date,
        status=ledger.status_at(r, now).label,
        paid=r.paid,
    )


def detail(rt: Runtime, party: Party, token_id: int) -> ReceivableDetail:
    """Terms, status, paid, penalty as of now (from the contract), and the caller's balance and claimable."""
    r = visible(rt, party, token_id)
    v = rt.gw.ledger.receivable(token_id)
    with rt.sessions() as session:
        h = session.get(HoldingRow, (token_id, party.address))
    return ReceivableDetail(
        **summary(r, rt.clock.now()).model_dump(exclude={"status"}),
        status=v.status.label,
        originator=v.originator,
        currency=v.currency,
        document_hash="0x" + v.document_hash.hex(),
        principal_paid=v.principal_paid,
        fee_paid=v.fee_paid,
        penalty_accrued=v.penalty_owed + r.penalty_paid,
        penalty_owed=v.penalty_owed,
        amount_due=v.amount_due,
        next_due=v.due_date if v.amount_due else None,
        paid_per_unit_scaled=v.paid_per_unit_scaled,
        your_units=h.units if h else 0,
        your_claimable=ledger.claimable(h, r) if h else 0,
    )


def lineage(rt: Runtime, party: Party, token_id: int) -> LineageOut:
    """Origination, splits and transfers, financing, repayments, default and claims, each with tx and block."""
    visible(rt, party, token_id)
    with rt.sessions() as session:
        steps = reports.lineage(session, token_id)
    return LineageOut(receivable_id=token_id, steps=steps)


def transfer(rt: Runtime, party: Party, token_id: int, body: TransferCreate) -> TransferOut:
    """Splits and transfers units to another registered participant."""
    visible(rt, party, token_id)
    held = rt.gw.ledger.balance(party.address, token_id)
    if body.units == 0 or body.units > held:
        raise Invalid("Not enough units", f"you hold {held} units of {token_id}; cannot transfer {body.units}")
    tx = rt.gw.ledger.transfer(rt.signer(party.address), body.to, token_id, body.units)
    rt.read_your_writes()
    return TransferOut(
        tx_hash=tx.tx_hash,
        receivable_id=token_id,
        units=body.units,
        balances={
            party.address: rt.gw.ledger.balance(party.address, token_id),
            body.to: rt.gw.ledger.balance(body.to, token_id),
        },
    )
