"""Reports: portfolio, aging and cash flow as JSON and CSV, lineage, and the pages' login and not-found."""

from __future__ import annotations

import csv
import io

import pytest

from scf_ledger.domain.money import format_units
from tests.utils.api import Api, order

UNIT = 10**6


@pytest.fixture
def ids(api: Api) -> list[str]:
    """One 3-installment purchase: 300 units of installment 1 passed to tier 2, 100 sUSD repaid on it."""
    placed = order(api)
    ids = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"]
    api.ok(
        "POST", f"/v1/receivables/{ids[0]}/transfers", "tier1", {"to": api.addresses["tier2"], "units": str(300 * UNIT)}
    )
    api.ok("POST", "/v1/repayments", "gate", {"receivable_id": ids[0], "amount": str(100 * UNIT)})
    return ids


def test_reports_agree_with_positions_and_come_as_csv(api: Api, ids: list[str]) -> None:
    tier1 = api.ok("GET", "/v1/reports/portfolio", "tier1")
    held = {p["token_id"]: p for p in tier1["positions"]}
    assert set(ids) <= set(held) and held[ids[0]]["units"] == str(500 * UNIT)
    outstanding = sum(int(p["outstanding"]) for p in tier1["positions"])
    assert str(outstanding) == tier1["totals"]["outstanding"]
    assert sum(int(r["outstanding"]) for r in tier1["aging"]) == outstanding  # nothing is repaid yet
    assert sum(int(r["amount"]) for r in tier1["cashflow"]) == outstanding
    assert all(int(p["value_today"]) <= int(p["outstanding"]) for p in tier1["positions"])
    assert tier1["credit_lines"] is None and tier1["risk_decisions"] is None
    aging = api.call("GET", "/v1/reports/aging?format=csv", "tier1")
    assert aging.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(aging.text)))
    assert [r["bucket"] for r in rows] == ["current", "1-30", "31-60", "61-90", "over 90"]
    assert rows == [{k: str(v) for k, v in r.items()} for r in api.ok("GET", "/v1/reports/aging", "tier1")["items"]]
    by_accept = api.call("GET", "/v1/reports/cashflow", "tier1", Accept="text/csv")
    assert by_accept.text.splitlines()[0] == "month,amount"
    platform = api.ok("GET", "/v1/reports/portfolio", "platform")
    assert any(c["obligor"] == api.addresses["buyer"] for c in platform["credit_lines"])
    assert platform["risk_decisions"][0]["reason_codes"] is not None
    assert api.call("GET", "/v1/reports/aging?format=xml", "tier1").status_code == 422


def test_lineage_lists_every_step_in_chain_order(api: Api, ids: list[str]) -> None:
    steps = api.ok("GET", f"/v1/receivables/{ids[0]}/lineage", "tier1")["steps"]
    kinds = [s["kind"] for s in steps]
    assert kinds[:2] == ["origination", "mint"] and "transfer" in kinds and kinds[-1] == "repayment"
    blocks = [s["block"] for s in steps]
    assert blocks == sorted(blocks) and all(s["tx_hash"].startswith("0x") for s in steps)
    assert api.call("GET", f"/v1/receivables/{ids[0]}/lineage", "bank").status_code == 404  # not the bank's
    assert api.call("GET", "/v1/receivables/999999/lineage", "tier1").status_code == 404


def test_pages_need_a_key_and_show_only_the_callers_figures(api: Api, ids: list[str]) -> None:
    page = api.client.get("/")
    assert page.status_code == 401 and 'name="api_key"' in page.text
    wrong = api.client.post("/login", data={"api_key": "nope"}, follow_redirects=False)
    assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
    ok = api.client.post("/login", data={"api_key": api.keys["tier2"]}, follow_redirects=False)
    assert ok.status_code == 303 and "httponly" in ok.headers["set-cookie"].lower()
    page = api.client.get("/")
    tier2 = api.ok("GET", "/v1/reports/portfolio", "tier2")
    assert format_units(int(tier2["totals"]["outstanding"])) in page.text and "Traceback" not in page.text
    assert ids[1] not in page.text  # tier 2 holds only installment 1
    assert api.client.get(f"/receivables/{ids[1]}").status_code == 404  # tier 1's, not tier 2's
    assert api.client.get("/receivables/abc").status_code == 404
    assert api.client.get(f"/receivables/{ids[0]}").status_code == 200
    api.client.cookies.clear()
