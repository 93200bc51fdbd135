"""Pages: log in with an API key (the browser keeps only a server-side session's id), the portfolio, a
receivable's lineage, and the operator's desk (the review queue, overdue installments, open disputes, credit
notes, the audit log), whose
forms carry the session's CSRF token and make their writes through the API's own routes (`write_as`)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from scf_ledger.api.deps import RuntimeDep
from scf_ledger.api.durable import write_as
from scf_ledger.api.tabular import tabular
from scf_ledger.domain.enums import Role
from scf_ledger.domain.errors import InvalidAmount
from scf_ledger.domain.money import format_units, parse_units
from scf_ledger.services import (
    audit,
    defaults,
    dilution,
    orders,
    parties,
    receivables,
    reports,
    sessions,
    valuation,
)
from scf_ledger.services.errors import NotFound
from scf_ledger.services.models import AuditFilters
from scf_ledger.services.runtime import Runtime
from scf_ledger.services.sessions import WebSession
from scf_ledger.services.types import parse_token_id
from scf_ledger.web.charts import Bar, bar_chart

router = APIRouter(include_in_schema=False)
COOKIE = "scf_session"
DESK_NOTICES = {
    "review": "The review is recorded.",
    "default": "The installment is marked defaulted.",
    "credit_note": "The credit note is made: the originator paid it in for the holders.",
    "dispute": "The dispute is open: no penalty, default or financing of the installment meanwhile.",
    "resolution": "The dispute is closed.",
}
templates = Environment(loader=PackageLoader("scf_ledger.web"), autoescape=select_autoescape(["html"]))
templates.filters["units"] = lambda v: format_units(int(v))
templates.filters["day"] = lambda ts: datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d")
AGING_TONE = {"current": "ok", "1-30": "warn", "31-60": "warn", "61-90": "bad", "over 90": "bad"}


def _page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**context), status_code=status)


def _session(request: Request, rt: Runtime) -> WebSession | None:
    session_id = request.cookies.get(COOKIE)
    return sessions.find(rt, session_id) if session_id else None


def _login(request: Request, message: str = "", status: int = 401) -> HTMLResponse:
    if not message and request.cookies.get(COOKIE):
        message = "Your session ended (logged out, expired, or its key was revoked): log in again."
    return _page("login.html", status, message=message)


def _same_origin(request: Request) -> bool:
    """A browser names the page a form came from; one from another site is refused (beside SameSite=Strict)."""
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


async def _form(request: Request) -> dict[str, str]:
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    return {name: values[0].strip() for name, values in fields.items()}


def _refused_form() -> HTMLResponse:
    return _page(
        "refused.html", 403, message="This form expired or did not come from this dashboard: reload and retry."
    )


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, rt: RuntimeDep) -> Response:
    web = _session(request, rt)
    if web is None:
        return _login(request)
    party = web.party
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
    worth = valuation.summary(rt, party).model_dump(mode="json")
    return _page(
        "dashboard.html",
        data=data,
        party=party,
        csrf=web.csrf_token,
        names=parties.names(rt),
        aging_chart=aging_chart,
        cashflow_chart=cashflow_chart,
        worth=worth,
        **_valuation_charts(worth),
    )


STAGE_TONE = {1: "ok", 2: "warn", 3: "bad"}


def _valuation_charts(worth: dict[str, Any]) -> dict[str, str]:
    """ECL by stage, and each vintage's cumulative default rate at its latest month on book."""
    if worth["ecl"] is None:
        return {}
    stages = [Bar(f"stage {r['stage']}", int(r["ecl"]), STAGE_TONE[r["stage"]]) for r in worth["ecl"]["stages"]]
    latest: dict[str, int] = {}
    for point in worth["vintages"]["items"]:
        latest[point["vintage"]] = point["default_rate_ppm"]
    rates = [Bar(vintage, rate, "bad" if rate else "ok") for vintage, rate in latest.items()]
    charts = {}
    if worth["roll_rates"] is not None:
        rolled = worth["roll_rates"]
        where = {b: 0 for b in rolled["buckets"]}
        for cell in rolled["items"]:
            where[cell["end"]] += int(cell["principal"])
        tones = {"current": "ok", "repaid": "ok", "defaulted": "bad"}
        bars = [Bar(b, amount, tones.get(b, "warn")) for b, amount in where.items()]
        charts["roll_chart"] = bar_chart("Where the principal outstanding 30 days ago is now", bars, "roll-chart")
    return charts | {
        "ecl_chart": bar_chart("Expected credit loss by stage", stages, "ecl-chart"),
        "vintage_chart": bar_chart(
            "Cumulative default rate by origination month", rates, "vintage-chart", show=_percent, label=_percent
        ),
    }


def _percent(ppm: int) -> str:
    return f"{ppm / 10_000:.2f} %"


@router.post("/login")
async def login(request: Request, rt: RuntimeDep) -> Response:
    if not _same_origin(request):
        return _refused_form()
    key = (await _form(request)).get("api_key", "")
    session_id = sessions.open_session(rt, key) if key else None
    if session_id is None:
        return _login(request, "That API key is unknown or revoked.")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=rt.settings.session_seconds,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
async def logout(request: Request, rt: RuntimeDep) -> Response:
    web = _session(request, rt)
    form = await _form(request)
    if web is not None and (not _same_origin(request) or not web.accepts(form.get("csrf"))):
        return _refused_form()
    session_id = request.cookies.get(COOKIE)
    if session_id:
        sessions.close(rt, session_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/receivables/{receivable_id}", response_class=HTMLResponse)
def receivable_page(receivable_id: str, request: Request, rt: RuntimeDep) -> Response:
    web = _session(request, rt)
    if web is None:
        return _login(request)
    party = web.party
    try:
        lineage = receivables.lineage(rt, party, parse_token_id(receivable_id))
    except (NotFound, ValueError):  # unknown, malformed, or another party's: the same not-found page
        return _page("not_found.html", 404, what=receivable_id, party=party, csrf=web.csrf_token)
    steps = lineage.model_dump(mode="json", exclude_none=True)["steps"]
    valued = party.role == Role.PLATFORM or party.role in valuation.HOLDERS  # who sees stage, PD and ECL
    risk = valuation.installment_risk(rt, lineage.receivable_id) if valued else None
    return _page(
        "receivable.html",
        receivable_id=receivable_id,
        steps=_readable(rt, steps),
        party=party,
        csrf=web.csrf_token,
        risk=None if risk is None else risk.model_dump(mode="json"),
    )


# THE OPERATOR'S DESK


def _desk(rt: Runtime, web: WebSession, status: int = 200, notice: str = "", error: str = "") -> HTMLResponse:
    return _page(
        "desk.html",
        status,
        party=web.party,
        csrf=web.csrf_token,
        names=parties.names(rt),
        reviews=orders.reviews(rt).model_dump(mode="json")["items"],
        overdue=defaults.overdue(rt).model_dump(mode="json"),
        disputes=dilution.disputes(rt, "open").model_dump(mode="json")["items"],
        audit=audit.page(rt, AuditFilters(limit=50)).model_dump(mode="json")["items"],
        form_key=lambda: secrets.token_urlsafe(16),  # one Idempotency-Key per form: a double submit runs once
        notice=notice,
        error=error,
    )


def _platform(request: Request, rt: Runtime) -> WebSession | Response:
    web = _session(request, rt)
    if web is None:
        return _login(request)
    if web.party.role != Role.PLATFORM:
        return _page("refused.html", 403, party=web.party, csrf=web.csrf_token, message="The desk is the platform's.")
    return web


@router.get("/desk", response_class=HTMLResponse)
def desk(request: Request, rt: RuntimeDep, done: str = "") -> Response:
    web = _platform(request, rt)
    return web if isinstance(web, Response) else _desk(rt, web, notice=DESK_NOTICES.get(done, ""))


@router.get("/desk/audit.csv")
def desk_audit_csv(request: Request, rt: RuntimeDep) -> Response:
    web = _platform(request, rt)
    return web if isinstance(web, Response) else tabular(audit.page(rt, AuditFilters(limit=500)), "csv", None, "audit")


async def _desk_write(request: Request, rt: Runtime, path: str, body: dict[str, Any] | str, done: str) -> Response:
    """A desk form's write through the API for the session's party: back to the desk with the outcome; a
    refusal shows the API's problem (title, detail, the contract error) with its status. A `body` that is a
    string is the form's own mistake, shown without a write."""
    web = _platform(request, rt)
    if isinstance(web, Response):
        return web
    form = await _form(request)
    if not _same_origin(request) or not web.accepts(form.get("csrf")):
        return _refused_form()
    if isinstance(body, str):
        return _desk(rt, web, 422, error=body)
    status, answer = await write_as(
        request.app, web.party, "POST", path, body, form.get("form_key") or secrets.token_urlsafe(16)
    )
    if status == 202:
        return _desk(rt, web, 202, notice=f"Under way as operation {answer.get('id')}: it completes on its own.")
    if status >= 400:
        detail = f"{answer.get('title')}: {answer.get('detail')}" if isinstance(answer, dict) else "refused"
        return _desk(rt, web, status, error=detail)
    return RedirectResponse(f"/desk?done={done}", status_code=303)


def _with_amounts(form: dict[str, str], body: dict[str, Any], *names: str) -> dict[str, Any] | str:
    """`body` with the form's sUSD fields `names` in base units (a blank one left out), or the mistake to show."""
    for name in names:
        if form.get(name):
            try:
                body[name] = str(parse_units(form[name]))
            except InvalidAmount:
                return f"{name.replace('_', ' ').capitalize()} {form[name]!r}: not an amount of sUSD (6 decimals)."
    return body


def _receivable_path(raw: str, action: str) -> str | None:
    """The API path of `action` on the receivable a form names, if it names one."""
    try:
        return f"/v1/receivables/{parse_token_id(raw)}/{action}"
    except ValueError:
        return None


@router.post("/desk/orders/{order_id}/review")
async def desk_review(order_id: str, request: Request, rt: RuntimeDep) -> Response:
    form = await _form(request)
    body = _with_amounts(form, {"decision": form.get("decision", ""), "reason": form.get("reason", "")}, "principal")
    return await _desk_write(request, rt, f"/v1/orders/{order_id}/review", body, "review")


@router.post("/desk/receivables/{receivable_id}/default")
async def desk_default(receivable_id: str, request: Request, rt: RuntimeDep) -> Response:
    reason = (await _form(request)).get("reason", "")
    return await _desk_write(request, rt, f"/v1/receivables/{receivable_id}/default", {"reason": reason}, "default")


@router.post("/desk/credit-notes")
async def desk_credit_note(request: Request, rt: RuntimeDep) -> Response:
    form = await _form(request)
    path = _receivable_path(form.get("receivable_id", ""), "credit-notes")
    body = _with_amounts(form, {"reason": form.get("reason", "")}, "credit", "fee_waiver")
    if path is None:
        body = f"Receivable {form.get('receivable_id', '')!r}: not a receivable id."
    return await _desk_write(request, rt, path or "", body, "credit_note")


@router.post("/desk/disputes")
async def desk_open_dispute(request: Request, rt: RuntimeDep) -> Response:
    form = await _form(request)
    path = _receivable_path(form.get("receivable_id", ""), "disputes")
    fields = ("reason_code", "notice_from", "detail")
    body: dict[str, Any] | str = {name: form.get(name, "") for name in fields}
    if path is None:
        body = f"Receivable {form.get('receivable_id', '')!r}: not a receivable id."
    return await _desk_write(request, rt, path or "", body, "dispute")


@router.post("/desk/disputes/{dispute_id}/resolution")
async def desk_resolve_dispute(dispute_id: str, request: Request, rt: RuntimeDep) -> Response:
    form = await _form(request)
    body = _with_amounts(
        form, {"outcome": form.get("outcome", ""), "reason": form.get("reason", "")}, "credit", "fee_waiver"
    )
    return await _desk_write(request, rt, f"/v1/disputes/{dispute_id}/resolution", body, "resolution")


MONEY_FIELDS = {
    "face",
    "fee",
    "units",
    "price",
    "value",
    "amount",
    "to_penalty",
    "to_fee",
    "to_principal",
    "credit",
    "fee_waived",
}
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
