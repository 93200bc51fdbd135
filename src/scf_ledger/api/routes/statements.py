"""Daily statements: a party's movements on one chain-time day (UTC), JSON or CSV with its SHA-256."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from scf_ledger.api.deps import PartyDep, RuntimeDep
from scf_ledger.api.tabular import Accept, Format
from scf_ledger.services import statements
from scf_ledger.services.statements import Statement
from scf_ledger.services.types import Address

router = APIRouter(tags=["statements"])
CSV = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV when asked"}}


@router.get("/statements/{day}", response_model=Statement, responses=CSV)
def get_statement(
    day: Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD, chain time (UTC)")],
    rt: RuntimeDep,
    party: PartyDep,
    address: Annotated[Address | None, Query(alias="party", description="whose (the platform's choice)")] = None,
    fmt: Format = None,
    accept: Accept = None,
) -> Response | Statement:
    """Every movement of the caller's sUSD and receivable units that day, with transaction and block; the CSV's
    SHA-256 is in the JSON and in the CSV answer's `X-Content-SHA256` header."""
    report = statements.statement(rt, party, statements.parse_day(day), address)
    if not (fmt == "csv" or (fmt is None and accept and "text/csv" in accept)):
        return report
    headers = {
        "Content-Disposition": f'attachment; filename="statement-{report.date}.csv"',
        "X-Content-SHA256": report.csv_sha256,
    }
    return Response(statements.statement_csv(report.items), media_type="text/csv", headers=headers)
