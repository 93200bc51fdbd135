"""Receivables: list and detail from the read model and the chain, lineage, and transfers by holders."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, select

from scf_ledger.domain import ledger
from scf_ledger.domain.enums import Role
from scf_ledger.services.errors import Invalid, NotFound
from scf_ledger.services.journal import step
from scf_ledger.services.models import (
    LineageOut,
    ReceivableDetail,
    ReceivableFilters,
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


class SummaryRow(NamedTuple):
    """What a summary shows and its status needs, read as plain tuples: the list is the hot read, and a
    SQLAlchemy Row's attribute access costs a microsecond where a named tuple's costs nothing."""

    token_id: int
    purchase_id: int
    installment: int
    obligor: str
    face: int
    fee: int
    due_date: int
    paid: int
    fee_paid: int
    credited: int
    fee_waived: int
    penalty_accrued: int
    penalty_paid: int
    defaulted: bool
    disputed_since: int | None
    dispute_days: int


SUMMARY_COLUMNS = tuple(getattr(ReceivableRow, name) for name in SummaryRow._fields)


# The optional filters of a page, each a condition on one bound parameter of the same name.
FILTERS = {
    "holder": lambda: ReceivableRow.token_id.in_(held_by(bindparam("holder"))),
    "obligor": lambda: ReceivableRow.obligor == bindparam("obligor"),
    "due_from": lambda: ReceivableRow.due_date >= bindparam("due_from"),
    "due_to": lambda: ReceivableRow.due_date <= bindparam("due_to"),
    "cursor": lambda: ReceivableRow.token_id > bindparam("cursor"),
}


@functools.lru_cache(maxsize=256)
def _page_statement(role: Role, filters: frozenset[str]) -> Select[Any]:
    """The page query for a role and a set of filters, built once (building it costs more than running it):
    every value, the caller's address included, is a bound parameter."""
    query = select(*SUMMARY_COLUMNS).where(receivables_seen_by(bindparam("party"), role))
    for name in sorted(filters):
        query = query.where(FILTERS[name]())
    return query.order_by(ReceivableRow.token_id).limit(bindparam("rows"))


def list_page(rt: Runtime, party: Party, query: ReceivableFilters) -> ReceivablesPage:
    """Receivables by token id, `limit` a page; `next_cursor` continues. Each caller sees what store/access.py
    lets it see; a status filter is applied after the query (status depends on the chain's time)."""
    given = query.model_dump(include=set(FILTERS), exclude_none=True)
    statement = _page_statement(party.role, frozenset(given))
    status, limit = query.status, query.limit
    rows_wanted = limit + 1 if status is None else MAX_STATUS_SCAN
    now = rt.clock.now()
    with rt.engine.connect() as connection:  # Core, not the ORM: rows, not objects
        found = connection.execute(statement, {"party": party.address, "rows": rows_wanted, **given})
        rows = [SummaryRow._make(r) for r in found.all()]
    items = [r for r in rows if status is None or ledger.status_at(r, now).label == status][:limit]
    more = len(items) == limit and (len(rows) > limit or status is not None)
    return ReceivablesPage(
        items=[summary(r, now) for r in items], next_cursor=items[-1].token_id if more and items else None
    )


def summary(r: Any, now: int) -> ReceivableSummary:
    """A receivable (a ReceivableRow or a SummaryRow) as the list shows it."""
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
        principal_credited=v.principal_credited,
        fee_waived=v.fee_waived,
        dispute_days=v.dispute_days,
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


def _can_transfer(rt: Runtime, party: Party, token_id: int, units: int) -> bool:
    visible(rt, party, token_id)
    held = rt.gw.ledger.balance(party.address, token_id)
    if units == 0 or units > held:
        raise Invalid("Not enough units", f"you hold {held} units of {token_id}; cannot transfer {units}")
    return True


def transfer(rt: Runtime, party: Party, token_id: int, body: TransferCreate) -> TransferOut:
    """Splits and transfers units to another registered participant."""
    step("holds", lambda: _can_transfer(rt, party, token_id, body.units))  # run again, it may hold none
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
