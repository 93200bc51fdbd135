"""Reports for the calling party: portfolio, aging and projected cash flows, as JSON or CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from scf_ledger.api.deps import PartyDep, RuntimeDep
from scf_ledger.api.tabular import AS_CSV, Accept, Format, tabular
from scf_ledger.services import reports
from scf_ledger.services.reports import DEFAULT_RATE_BPS, AgingReport, CashflowReport, PortfolioOut

router = APIRouter(prefix="/reports", tags=["reports"])
RateBps = Annotated[int, Query(ge=0, le=65_535, description="discount rate for today's value, bps a year")]


@router.get("/portfolio", response_model=PortfolioOut)
def get_portfolio(rt: RuntimeDep, party: PartyDep, rate_bps: RateBps = DEFAULT_RATE_BPS) -> PortfolioOut:
    """Positions with today's value, aging, cash flows; credit lines and risk decisions for the platform."""
    return reports.portfolio(rt, party, rate_bps)


@router.get("/aging", response_model=AgingReport, responses=AS_CSV)
def get_aging(rt: RuntimeDep, party: PartyDep, fmt: Format = None, accept: Accept = None) -> Response | BaseModel:
    """Outstanding by days past due: current, 1-30, 31-60, 61-90, over 90."""
    return tabular(reports.aging(rt, party), fmt, accept, "aging")


@router.get("/cashflow", response_model=CashflowReport, responses=AS_CSV)
def get_cashflow(rt: RuntimeDep, party: PartyDep, fmt: Format = None, accept: Accept = None) -> Response | BaseModel:
    """Projected cash by month of the installments' due dates (overdue and defaulted apart)."""
    return tabular(reports.cashflow(rt, party), fmt, accept, "cashflow")
