"""Reports for the calling party: portfolio, aging and projected cash flows, at the chain's current time.
The store computes them as dataclasses of ints; here they become the response models, once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel

from scf_ledger.domain.enums import Role
from scf_ledger.services.runtime import Party, Runtime
from scf_ledger.services.types import Amount, TokenId, Uint
from scf_ledger.store import reports

M = TypeVar("M", bound=BaseModel)
DEFAULT_RATE_BPS = 1_200  # today's value of a holding: its outstanding discounted at 12 %/yr


class PositionOut(BaseModel):
    token_id: TokenId
    purchase_id: Uint
    installment: int
    obligor: str
    due_date: int
    status: str
    units: Amount
    outstanding: Amount
    value_today: Amount
    days_past_due: int


class AgingOut(BaseModel):
    bucket: str
    receivables: int
    outstanding: Amount


class CashflowOut(BaseModel):
    month: str
    amount: Amount


class CreditLineOut(BaseModel):
    obligor: str
    limit: Amount
    exposure: Amount
    utilisation_bps: int | None
    frozen: bool


class DecisionSummaryOut(BaseModel):
    order_id: str
    buyer: str
    principal: Amount
    outcome: str
    score: int
    band: str
    reason_codes: list[str]
    config_version: str


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
    positions: list[PositionOut]
    totals: Totals
    aging: list[AgingOut]
    cashflow: list[CashflowOut]
    credit_lines: list[CreditLineOut] | None
    risk_decisions: list[DecisionSummaryOut] | None


class AgingReport(BaseModel):
    items: list[AgingOut]


class CashflowReport(BaseModel):
    items: list[CashflowOut]


def _out(model: type[M], rows: Sequence[object]) -> list[M]:
    return [model.model_validate(r, from_attributes=True) for r in rows]


def _positions(rt: Runtime, party: Party, rate_bps: int) -> tuple[int, list[reports.Position]]:
    now = rt.chain.now()
    with rt.sessions() as session:
        return now, reports.positions(session, party.address, party.role, now, rate_bps)


def portfolio(rt: Runtime, party: Party, rate_bps: int = DEFAULT_RATE_BPS) -> PortfolioOut:
    """Everything the dashboard shows: positions with today's value, aging, cash flows; credit lines and risk
    decisions for the platform."""
    now, items = _positions(rt, party, rate_bps)
    book = party.role == Role.PLATFORM
    with rt.sessions() as session:
        lines = _out(CreditLineOut, reports.credit_lines(session)) if book else None
        decisions = _out(DecisionSummaryOut, reports.risk_decisions(session)) if book else None
    return PortfolioOut(
        party=PartyRef(address=party.address, name=party.name, role=party.role),
        as_of=now,
        rate_bps=rate_bps,
        positions=_out(PositionOut, items),
        totals=Totals(outstanding=sum(p.outstanding for p in items), value_today=sum(p.value_today for p in items)),
        aging=_out(AgingOut, reports.aging(items)),
        cashflow=_out(CashflowOut, reports.cashflow(items, now)),
        credit_lines=lines,
        risk_decisions=decisions,
    )


def aging(rt: Runtime, party: Party) -> AgingReport:
    """Outstanding by days past due: current, 1-30, 31-60, 61-90, over 90."""
    return AgingReport(items=_out(AgingOut, reports.aging(_positions(rt, party, DEFAULT_RATE_BPS)[1])))


def cashflow(rt: Runtime, party: Party) -> CashflowReport:
    """Projected cash by month of the installments' due dates (overdue and defaulted apart)."""
    now, items = _positions(rt, party, DEFAULT_RATE_BPS)
    return CashflowReport(items=_out(CashflowOut, reports.cashflow(items, now)))
