"""Reports for the calling party: portfolio, aging and projected cash flows, at the chain's current time.
The store computes their rows (dataclasses of ints with a wire form); here they are put together."""

from __future__ import annotations

from pydantic import BaseModel

from scf_ledger.domain.enums import Role
from scf_ledger.services.runtime import Party, Runtime
from scf_ledger.services.types import Amount
from scf_ledger.store import reports

DEFAULT_RATE_BPS = 1_200  # today's value of a holding: its outstanding discounted at 12 %/yr


class PartyRef(BaseModel):
    address: str
    name: str
    role: str


class Totals(BaseModel):
    outstanding: Amount
    value_today: Amount


class PortfolioOut(BaseModel):
    party: PartyRef
    as_of: int
    rate_bps: int
    positions: list[reports.Position]
    totals: Totals
    aging: list[reports.AgingBucket]
    cashflow: list[reports.CashflowMonth]
    credit_lines: list[reports.CreditLine] | None
    risk_decisions: list[reports.DecisionSummary] | None


class AgingReport(BaseModel):
    items: list[reports.AgingBucket]


class CashflowReport(BaseModel):
    items: list[reports.CashflowMonth]


def _positions(rt: Runtime, party: Party, rate_bps: int) -> tuple[int, list[reports.Position]]:
    now = rt.clock.now()
    with rt.sessions() as session:
        return now, reports.positions(session, party.address, party.role, now, rate_bps)


def portfolio(rt: Runtime, party: Party, rate_bps: int = DEFAULT_RATE_BPS) -> PortfolioOut:
    """Everything the dashboard shows: positions with today's value, aging, cash flows; credit lines and risk
    decisions for the platform."""
    now, items = _positions(rt, party, rate_bps)
    book = party.role == Role.PLATFORM
    with rt.sessions() as session:
        lines = reports.credit_lines(session) if book else None
        decisions = reports.risk_decisions(session) if book else None
    return PortfolioOut(
        party=PartyRef(address=party.address, name=party.name, role=party.role),
        as_of=now,
        rate_bps=rate_bps,
        positions=items,
        totals=Totals(outstanding=sum(p.outstanding for p in items), value_today=sum(p.value_today for p in items)),
        aging=reports.aging(items),
        cashflow=reports.cashflow(items, now),
        credit_lines=lines,
        risk_decisions=decisions,
    )


def aging(rt: Runtime, party: Party) -> AgingReport:
    """Outstanding by days past due: current, 1-30, 31-60, 61-90, over 90."""
    return AgingReport(items=reports.aging(_positions(rt, party, DEFAULT_RATE_BPS)[1]))


def cashflow(rt: Runtime, party: Party) -> CashflowReport:
    """Projected cash by month of the installments' due dates (overdue and defaulted apart)."""
    now, items = _positions(rt, party, DEFAULT_RATE_BPS)
    return CashflowReport(items=reports.cashflow(items, now))
