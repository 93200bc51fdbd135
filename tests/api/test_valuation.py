"""Valuation through the API (issue 19): each holding's NAV, ECL by stage and its roll-forward, now and as of
a past chain time (the read model replayed to it), each party seeing what is its own."""

from __future__ import annotations

from scf_ledger.chain.connection import time_travel
from scf_ledger.domain import valuation as rules
from scf_ledger.domain.constants import SECONDS_PER_DAY, UNIT
from tests.utils.api import Api, order

PROBLEM = "application/problem+json"


def _book(api: Api) -> tuple[list[str], int]:
    """300 sUSD in 3 installments of tier1's; the bank buys 60 units of the first at 9 %; the sale's time."""
    ids = api.ok("POST", f"/v1/orders/{order(api, principal=300 * UNIT)['id']}/confirm", "gate")["token_ids"]
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": str(100 * UNIT)})
    expiry = str(api.service.chain.now() + 86_400)
    body = {"receivable_id": ids[0], "rate_bps": 900, "max_units": str(60 * UNIT), "expiry": expiry}
    offer = api.ok("POST", "/v1/offers", "bank", body)
    api.ok("POST", "/v1/financing-requests", "tier1", {"offer_id": offer["id"], "units": str(60 * UNIT)})
    return ids, api.service.chain.now()


def _travel(api: Api, seconds: int) -> int:
    chain = api.service.chain
    chain.sender.run(lambda: time_travel(chain.w3, chain.now() + seconds))
    chain.sender.run(lambda: chain.w3.provider.make_request("evm_mine", []))  # type: ignore[arg-type]
    api.service.sync()
    api.service.clock.forget()
    return chain.now()


def test_each_holder_sees_the_nav_of_its_holdings_and_the_platform_the_book(api: Api) -> None:
    ids, _ = _book(api)
    book = api.ok("GET", "/v1/valuation/nav", "platform")
    assert book["nav"] == str(sum(int(i["nav"]) for i in book["items"]))  # Σ holdings = book
    assert book["nav"] == str(sum(int(v) for v in book["by_holder"].values()))
    bank = api.ok("GET", "/v1/valuation/nav", "bank")
    (held,) = bank["items"]
    assert (held["receivable_id"], held["units"], held["rate_bps"], held["stage"]) == (ids[0], str(60 * UNIT), 900, 1)
    assert book["by_holder"][api.addresses["bank"]] == held["nav"]
    tier1 = api.ok("GET", "/v1/valuation/nav", "tier1")
    assert {i["holder"] for i in tier1["items"]} == {api.addresses["tier1"]} and len(tier1["items"]) == 3
    assert tier1["items"][0]["rate_bps"] == 1_200  # not bought at a rate: the configured one
    risk = api.ok("GET", "/v1/valuation/ecl", "platform")["items"][0]
    factor = 10**10 - risk["pd_ppm"] * risk["lgd_bps"]
    assert int(held["nav"]) < 60 * UNIT * factor // 10**10  # risk-adjusted, then discounted to today
    for party in ("gate", "buyer"):
        refused = api.call("GET", "/v1/valuation/nav", party)
        assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    assert api.call("GET", "/v1/valuation/ecl", "bank").status_code == 403
    csv = api.call("GET", "/v1/valuation/nav?format=csv", "bank")
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("receivable_id,holder,units")


def test_ecl_follows_the_stages_as_the_installment_falls_due_and_history_is_kept(api: Api) -> None:
    ids, sold_at = _book(api)
    now = api.ok("GET", "/v1/valuation/ecl", "platform")
    first = next(i for i in now["items"] if i["receivable_id"] == ids[0])
    assert (first["stage"], first["days_past_due"], first["ead"], first["mark_bps"]) == (1, 0, str(103 * UNIT), 10_000)
    assert first["ecl"] == str(rules.expected_credit_loss(103 * UNIT, first["pd_ppm"], first["lgd_bps"]))
    assert now["ecl"] == str(sum(int(s["ecl"]) for s in now["stages"]))

    due = api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["due_date"]
    late = _travel(api, due + 45 * SECONDS_PER_DAY - api.service.chain.now())
    later = next(i for i in api.ok("GET", "/v1/valuation/ecl", "platform")["items"] if i["receivable_id"] == ids[0])
    assert (later["stage"], later["days_past_due"], later["mark_bps"]) == (2, 45, 7_500)  # 30 days: 25 % off
    assert later["pd_ppm"] == first["pd_ppm"]  # lifetime PD over max(remaining days, 365): over a year
    penalty = int(api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["penalty_owed"])  # the ledger's, now
    assert penalty > 0 and int(later["ead"]) == 103 * UNIT + penalty  # accrued to the day, as the ledger does
    bank_now = api.ok("GET", "/v1/valuation/nav", "bank")["items"][0]
    assert (bank_now["stage"], bank_now["mark_bps"]) == (2, 7_500)

    past = api.ok("GET", f"/v1/valuation/ecl?as_of={sold_at}", "platform")  # replayed to the day of the sale
    assert past["as_of"] == sold_at and past["items"] == now["items"]
    rolled = api.ok("GET", f"/v1/valuation/ecl/roll-forward?from={sold_at}&to={late}", "platform")
    closing = api.ok("GET", f"/v1/valuation/ecl?as_of={late}", "platform")["stages"]
    for row, stage in zip(rolled["items"], closing, strict=True):
        moved = int(row["opening"]) + int(row["new"]) + int(row["transfers_in"]) - int(row["transfers_out"])
        moved += row["remeasurement"] - int(row["repaid"]) - int(row["written_off"])
        assert moved == int(row["closing"]) == int(stage["ecl"]), row
    assert rolled["items"][0]["transfers_out"] == first["ecl"] == rolled["items"][1]["transfers_in"]


def test_a_repaid_installment_leaves_the_book_and_the_roll_forward_says_so(api: Api) -> None:
    ids, start = _book(api)
    opening = next(i for i in api.ok("GET", "/v1/valuation/ecl", "platform")["items"] if i["receivable_id"] == ids[1])
    api.ok("POST", "/v1/repayments", "gate", {"receivable_id": ids[1], "full": True})
    end = _travel(api, SECONDS_PER_DAY)
    assert ids[1] not in [i["receivable_id"] for i in api.ok("GET", "/v1/valuation/ecl", "platform")["items"]]
    rolled = api.ok("GET", f"/v1/valuation/ecl/roll-forward?from={start}&to={end}", "platform")["items"]
    assert rolled[0]["repaid"] == opening["ecl"]


def test_a_date_outside_the_chains_life_is_refused_by_name(api: Api) -> None:
    _book(api)
    now = api.service.chain.now()
    future = api.call("GET", f"/v1/valuation/nav?as_of={now + 10 * SECONDS_PER_DAY}", "platform")
    assert future.status_code == 422 and future.json()["title"] == "as_of in the future"
    before = api.call("GET", "/v1/valuation/ecl?as_of=1000", "platform")
    assert before.status_code == 422 and before.json()["title"] == "as_of before the deployment"
    backwards = api.call("GET", f"/v1/valuation/ecl/roll-forward?from={now}&to={now - 5}", "platform")
    assert backwards.status_code == 422 and "must come after" in backwards.json()["detail"]
    assert api.call("GET", "/v1/valuation/nav?as_of=-1", "platform").status_code == 422


def test_roll_rates_and_vintages_follow_installments_into_arrears_and_default(api: Api) -> None:
    ids, start = _book(api)
    api.ok("POST", "/v1/repayments", "gate", {"receivable_id": ids[2], "full": True})  # early, in full
    due = api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["due_date"]
    end = _travel(api, due + 100 * SECONDS_PER_DAY - api.service.chain.now())  # the default job marks the first
    assert api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["status"] == "defaulted"
    rolled = api.ok("GET", f"/v1/valuation/roll-rates?from={start}&to={end}", "platform")
    cells = {(i["start"], i["end"]): (i["installments"], i["principal"]) for i in rolled["items"]}
    assert cells == {
        ("current", "defaulted"): (1, str(100 * UNIT)),
        ("current", "61-90"): (1, str(100 * UNIT)),  # the second, due a month later: 69 days
        ("current", "repaid"): (1, str(100 * UNIT)),
    }
    assert rolled["buckets"][-2:] == ["defaulted", "repaid"]
    vintages = api.ok("GET", "/v1/valuation/vintages", "platform")["items"]
    assert vintages[0]["months_on_book"] == 0 and vintages[0]["defaulted"] == "0"
    last = vintages[-1]
    assert (last["originated"], last["defaulted"]) == (str(300 * UNIT), str(100 * UNIT))
    assert last["default_rate_ppm"] == 333_333 and last["months_on_book"] >= 4
    assert api.call("GET", "/v1/valuation/vintages", "bank").status_code == 403


def test_what_the_ladder_writes_off_in_full_leaves_the_allowance_and_is_worth_nothing(api: Api) -> None:
    ids, start = _book(api)
    opening = next(i for i in api.ok("GET", "/v1/valuation/ecl", "platform")["items"] if i["receivable_id"] == ids[0])
    due = api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["due_date"]
    end = _travel(api, due + 181 * SECONDS_PER_DAY - api.service.chain.now())  # past the last rung, 180 days
    report = api.ok("GET", "/v1/valuation/ecl", "platform")
    assert ids[0] not in [i["receivable_id"] for i in report["items"]] and int(report["written_off_ead"]) > 0
    assert api.ok("GET", "/v1/valuation/nav", "bank")["items"][0]["nav"] == "0"  # mark 0
    rolled = api.ok("GET", f"/v1/valuation/ecl/roll-forward?from={start}&to={end}", "platform")["items"]
    assert rolled[0]["written_off"] == opening["ecl"]
    for row, stage in zip(rolled, report["stages"], strict=True):
        assert row["closing"] == stage["ecl"]
