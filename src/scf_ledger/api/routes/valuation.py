"""What the book is worth (NAV of each holding) and what it may lose (IFRS 9 ECL by stage, its roll-forward),
as of any chain time since the deployment; JSON, or CSV of the items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from scf_ledger.api.deps import PartyDep, PlatformDep, RuntimeDep
from scf_ledger.api.tabular import AS_CSV, Accept, Format, tabular
from scf_ledger.domain.constants import MAX_UINT64
from scf_ledger.services import valuation
from scf_ledger.services.valuation import EclReport, NavReport, RollForward, RollRates, Vintages

router = APIRouter(prefix="/valuation", tags=["valuation"])
From = Annotated[int, Query(alias="from", ge=0, le=MAX_UINT64, description="chain time (Unix seconds)")]
To = Annotated[int, Query(alias="to", ge=0, le=MAX_UINT64, description="chain time (Unix seconds)")]
AsOf = Annotated[int | None, Query(ge=0, le=MAX_UINT64, description="chain time (Unix seconds); now by default")]


@router.get("/nav", response_model=NavReport, responses=AS_CSV)
def get_nav(
    rt: RuntimeDep, party: PartyDep, as_of: AsOf = None, fmt: Format = None, accept: Accept = None
) -> Response | BaseModel:
    """Each holding's NAV: its share of what holders are owed, risk-adjusted (1 - PD x LGD, or the write-off
    ladder's mark when past due) and discounted at the rate it was bought at. The platform sees the book."""
    return tabular(valuation.nav_report(rt, party, as_of), fmt, accept, "nav")


@router.get("/ecl", response_model=EclReport, responses=AS_CSV)
def get_ecl(
    rt: RuntimeDep, platform: PlatformDep, as_of: AsOf = None, fmt: Format = None, accept: Accept = None
) -> Response | BaseModel:
    """Each installment's stage, PD, LGD, EAD, ECL and mark, with the totals by stage."""
    return tabular(valuation.ecl_report(rt, as_of), fmt, accept, "ecl")


@router.get("/ecl/roll-forward", response_model=RollForward, responses=AS_CSV)
def get_roll_forward(
    rt: RuntimeDep,
    platform: PlatformDep,
    start: From,
    end: To,
    fmt: Format = None,
    accept: Accept = None,
) -> Response | BaseModel:
    """ECL by stage between two chain times: opening, new, transfers, remeasurement, repaid, written off,
    closing; each row adds up."""
    return tabular(valuation.roll_forward(rt, start, end), fmt, accept, "ecl-roll-forward")


@router.get("/roll-rates", response_model=RollRates, responses=AS_CSV)
def get_roll_rates(
    rt: RuntimeDep, platform: PlatformDep, start: From, end: To, fmt: Format = None, accept: Accept = None
) -> Response | BaseModel:
    """Where each installment outstanding at `from` was at `to`, by days-past-due bucket (defaulted and repaid
    apart): how many and their unpaid principal at `from`."""
    return tabular(valuation.roll_rates(rt, start, end), fmt, accept, "roll-rates")


@router.get("/vintages", response_model=Vintages, responses=AS_CSV)
def get_vintages(
    rt: RuntimeDep, platform: PlatformDep, as_of: AsOf = None, fmt: Format = None, accept: Accept = None
) -> Response | BaseModel:
    """Cumulative default rate (principal defaulted / originated) by origination month and months on book."""
    return tabular(valuation.vintages(rt, as_of), fmt, accept, "vintages")
