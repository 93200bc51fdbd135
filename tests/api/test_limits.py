"""Dynamic limits: the scheduled review of every line from the obligor's behaviour since its order (issue 17,
item 3): a change is an operation, a recorded decision with reason codes and an audit record."""

from __future__ import annotations

from scf_ledger.chain.connection import time_travel
from scf_ledger.domain.constants import SECONDS_PER_DAY, UNIT
from tests.utils.api import Api, order


def _line(api: Api, who: str = "buyer") -> dict:
    return api.ok("GET", f"/v1/obligors/{api.addresses[who]}/credit", "platform")


def _a_day_later(api: Api, days: int = 1) -> None:
    chain = api.service.chain
    chain.sender.run(lambda: time_travel(chain.w3, chain.now() + days * SECONDS_PER_DAY + 60))
    api.service.sync()


def _repaid_on_time(api: Api) -> list[int]:
    ids = api.ok("POST", f"/v1/orders/{order(api, principal=300 * UNIT)['id']}/confirm", "gate")["token_ids"]
    for token_id in ids:
        api.ok("POST", "/v1/repayments", "gate", {"receivable_id": token_id, "full": True})
    return ids


def test_on_time_repayments_raise_the_line_by_one_step_a_day_and_each_change_is_recorded(api: Api) -> None:
    _repaid_on_time(api)
    before = int(_line(api)["limit"])
    _a_day_later(api)
    raised = int(_line(api)["limit"])
    assert before < raised <= before * 12 // 10  # at most +20 % a review
    (review,) = api.ok("GET", f"/v1/obligors/{api.addresses['buyer']}/limit-reviews", "platform")["items"]
    assert (int(review["previous_limit"]), int(review["new_limit"])) == (before, raised)
    assert review["reason_codes"][0] == "LIMIT_RAISED" and "ON_TIME_REPAYMENTS" in review["reason_codes"]
    assert review["tx_hash"] and review["band"]
    (record,) = api.ok("GET", "/v1/audit?action=limit.review", "platform")["items"]
    assert (record["actor"], record["subject"], record["tx_hash"]) == (
        "job:limit-review",
        api.addresses["buyer"],
        review["tx_hash"],
    )
    assert record["operation_id"] and record["reason"].startswith("LIMIT_RAISED")

    api.service.sync()  # the same day again: no second review
    assert len(api.ok("GET", f"/v1/obligors/{api.addresses['buyer']}/limit-reviews", "buyer")["items"]) == 1
    _a_day_later(api)  # the next day: the line is where the behaviour puts it, so nothing is sent
    assert int(_line(api)["limit"]) == raised
    assert len(api.ok("GET", "/v1/audit?action=limit.review", "platform")["items"]) == 1


def test_late_repayment_lowers_the_line_but_not_below_what_is_owed(api: Api) -> None:
    ids = api.ok("POST", f"/v1/orders/{order(api, principal=3_000 * UNIT)['id']}/confirm", "gate")["token_ids"]
    before = _line(api)
    first_due = api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["due_date"]
    chain = api.service.chain
    chain.sender.run(lambda: time_travel(chain.w3, first_due + 20 * SECONDS_PER_DAY))
    api.ok("POST", "/v1/repayments", "gate", {"receivable_id": ids[0], "full": True})  # late: penalty paid
    api.ok("POST", "/v1/repayments", "gate", {"receivable_id": ids[1], "full": True})
    _a_day_later(api)
    after = _line(api)
    assert int(after["limit"]) < int(before["limit"])
    assert int(after["limit"]) >= int(after["exposure"]) > 0
    (review,) = api.ok("GET", f"/v1/obligors/{api.addresses['buyer']}/limit-reviews", "gate")["items"]
    assert review["reason_codes"][0] == "LIMIT_LOWERED" and "LATE_REPAYMENTS" in review["reason_codes"]


def test_a_limit_set_by_hand_holds_until_the_next_order(api: Api) -> None:
    _repaid_on_time(api)
    api.ok("POST", f"/v1/obligors/{api.addresses['buyer']}/limit", "platform", {"limit": str(700 * UNIT)})
    _a_day_later(api)
    assert _line(api)["limit"] == str(700 * UNIT)
    assert api.ok("GET", f"/v1/obligors/{api.addresses['buyer']}/limit-reviews", "platform")["items"] == []


def test_a_line_is_seen_by_its_obligor_its_gateway_and_the_platform_only(api: Api) -> None:
    path = f"/v1/obligors/{api.addresses['buyer']}/limit-reviews"
    for who in ("platform", "buyer", "gate"):
        assert api.call("GET", path, who).status_code == 200
    for who in ("buyer2", "gate2", "tier1", "bank"):
        refused = api.call("GET", path, who)
        assert refused.status_code == 404 and refused.headers["content-type"] == "application/problem+json"
