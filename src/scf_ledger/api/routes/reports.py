"""Reports for the calling party: portfolio, aging and projected cash flows, as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response
from pydantic import BaseModel

from scf_ledger.api.deps import PartyDep, RuntimeDep
from scf_ledger.services import reports
from scf_ledger.services.reports import DEFAULT_RATE_BPS, AgingReport, CashflowReport, PortfolioOut

router = APIRouter(prefix="/reports", tags=["reports"])
Format = Annotated[str | None, Query(pattern="^(json|csv)$", alias="format")]
Accept = Annotated[str | None, Header()]
RateBps = Annotated[int, Query(ge=0, le=65_535, description="discount rate for today's value, bps a year")]
AS_CSV = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV when asked"}}


def tabular(report: BaseModel, fmt: str | None, accept: str | None, name: str) -> Response | BaseModel:
    """The report's model (JSON) by default; CSV of its `items` when asked with ?format=csv or Accept: text/csv
    (a value that is itself a list or an object is written as its JSON)."""
    if not (fmt == "csv" or (fmt is None and accept and "text/csv" in accept)):
        return report
    rows = [
        {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in item.items()}
        for item in report.model_dump(mode="json")["items"]
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    disposition = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
    return Response(out.getvalue(), media_type="text/csv", headers=disposition)


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
