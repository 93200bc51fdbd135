"""Reports for the calling party: portfolio, aging and projected cash flows, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, Response

from scf_ledger.api.deps import PartyDep, ServiceDep
from scf_ledger.api.service import Party, Service
from scf_ledger.store import reports

router = APIRouter(prefix="/v1/reports", tags=["reports"])
Format = Annotated[str | None, Query(pattern="^(json|csv)$", alias="format")]
RateBps = Annotated[int, Query(ge=0, le=65_535, description="discount rate for today's value, bps a year")]
DEFAULT_RATE_BPS = 1_200


def _positions(service: Service, party: Party, rate_bps: int = DEFAULT_RATE_BPS) -> tuple[int, list[reports.Position]]:
    now = int(service.chain.now())
    with service.sessions() as session:
        return now, reports.positions(session, party.address, party.role, now, rate_bps)


def portfolio(service: Service, party: Party, rate_bps: int = DEFAULT_RATE_BPS) -> dict[str, Any]:
    """Everything the dashboard shows, from the read model at the chain's current time."""
    now, items = _positions(service, party, rate_bps)
    with service.sessions() as session:
        book = party.role == "platform"
        body: dict[str, Any] = {
            "party": {"address": party.address, "name": party.name, "role": party.role},
            "as_of": now,
            "rate_bps": rate_bps,
            "positions": [p.as_dict() for p in items],
            "totals": {
                "outstanding": str(sum(p.outstanding for p in items)),
                "value_today": str(sum(p.value_today for p in items)),
            },
            "aging": reports.aging(items),
            "cashflow": reports.cashflow(items, now),
            "credit_lines": reports.credit_lines(session) if book else None,
            "risk_decisions": reports.risk_decisions(session) if book else None,
        }
    return body


def tabular(rows: list[dict[str, Any]], fmt: str | None, accept: str | None, name: str) -> Response:
    """JSON by default; CSV when asked with ?format=csv or Accept: text/csv."""
    if fmt == "csv" or (fmt is None and accept and "text/csv" in accept):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return Response(
            out.getvalue(), media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}.csv"'}
        )
    return JSONResponse({"items": rows})


@router.get("/portfolio")
def get_portfolio(service: ServiceDep, party: PartyDep, rate_bps: RateBps = DEFAULT_RATE_BPS) -> dict[str, Any]:
    """Positions with today's value, aging, cash flows; credit lines and risk decisions for the platform."""
    return portfolio(service, party, rate_bps)


@router.get("/aging")
def get_aging(
    service: ServiceDep, party: PartyDep, fmt: Format = None, accept: Annotated[str | None, Header()] = None
) -> Response:
    """Outstanding by days past due: current, 1-30, 31-60, 61-90, over 90."""
    return tabular(reports.aging(_positions(service, party)[1]), fmt, accept, "aging")


@router.get("/cashflow")
def get_cashflow(
    service: ServiceDep, party: PartyDep, fmt: Format = None, accept: Annotated[str | None, Header()] = None
) -> Response:
    """Projected cash by month of the installments' due dates (overdue and defaulted apart)."""
    now, items = _positions(service, party)
    return tabular(reports.cashflow(items, now), fmt, accept, "cashflow")
