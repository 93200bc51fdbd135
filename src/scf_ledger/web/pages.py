"""Pages: log in with an API key (kept in an HttpOnly cookie), the portfolio, a receivable's lineage."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from scf_ledger.api.deps import RuntimeDep
from scf_ledger.domain.money import format_units
from scf_ledger.services import parties, receivables, reports
from scf_ledger.services.errors import NotFound
from scf_ledger.services.runtime import Party, Runtime
from scf_ledger.services.types import parse_token_id
from scf_ledger.web.charts import Bar, bar_chart

router = APIRouter(include_in_schema=False)
COOKIE = "scf_key"
templates = Environment(loader=PackageLoader("scf_ledger.web"), autoescape=select_autoescape(["html"]))
templates.filters["units"] = lambda v: format_units(int(v))
templates.filters["day"] = lambda ts: datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d")
AGING_TONE = {"current": "ok", "1-30": "warn", "31-60": "warn", "61-90": "bad", "over 90": "bad"}


def _page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**context), status_code=status)


def _party(request: Request, rt: Runtime) -> Party | None:
    key = request.cookies.get(COOKIE)
    return rt.party_for_key(key) if key else None


def _login(message: str = "", status: int = 401) -> HTMLResponse:
    return _page("login.html", status, message=message)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, rt: RuntimeDep) -> Response:
    party = _party(request, rt)
    if party is None:
        return _login("Your key is unknown or revoked: log in again." if request.cookies.get(COOKIE) else "")
    data = reports.portfolio(rt, party).model_dump(mode="json")
    aging_chart = bar_chart(
        "Aging: outstanding by days past due",
        [Bar(r["bucket"], int(r["outstanding"]), AGING_TONE[r["bucket"]]) for r in data["aging"]],
        "aging-chart",
    )
    flows = [
        Bar(r["month"], int(r["amount"]), "bad" if r["month"] in ("overdue", "defaulted") else "ok")
        for r in data["cashflow"]
    ]
    cashflow_chart = bar_chart("Projected cash flows by month", flows, "cashflow-chart")
    return _page(
        "dashboard.html",
        data=data,
        party=party,
        names=parties.names(rt),
        aging_chart=aging_chart,
        cashflow_chart=cashflow_chart,
    )


@router.post("/login")
async def login(request: Request, rt: RuntimeDep) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    key = (form.get("api_key") or [""])[0].strip()
    if not key or rt.party_for_key(key) is None:
        return _login("That API key is unknown or revoked.")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, key, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


@router.get("/logout")
def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/receivables/{receivable_id}", response_class=HTMLResponse)
def receivable_page(receivable_id: str, request: Request, rt: RuntimeDep) -> Response:
    party = _party(request, rt)
    if party is None:
        return _login()
    try:
        lineage = receivables.lineage(rt, party, parse_token_id(receivable_id))
    except (NotFound, ValueError):  # unknown, malformed, or another party's: the same not-found page
        return _page("not_found.html", 404, what=receivable_id, party=party)
    steps = lineage.model_dump(mode="json", exclude_none=True)["steps"]
    return _page("receivable.html", receivable_id=receivable_id, steps=_readable(rt, steps), party=party)


MONEY_FIELDS = {"face", "fee", "units", "price", "value", "amount", "to_penalty", "to_fee", "to_principal"}
SHOWN_ELSEWHERE = {"kind", "block", "tx_hash"}


def _readable(rt: Runtime, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each step with its details for people: parties by name, amounts in sUSD, dates as days."""
    names = parties.names(rt)

    def who(address: str) -> str:
        return names.get(address, address[:10] + "…")

    out = []
    for step in steps:
        details = []
        for key, value in step.items():
            if key in SHOWN_ELSEWHERE or (key == "sender" and step["kind"] == "mint"):
                continue
            if key in MONEY_FIELDS:
                text = format_units(int(value))
            elif key == "due_date":
                text = datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%d")
            elif isinstance(value, str) and value.startswith("0x") and len(value) == 42:
                text = who(value)
            else:
                text = str(value)
            details.append((key.replace("_", " "), text))
        out.append({**step, "details": details})
    return out
