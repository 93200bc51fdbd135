"""Dilution, refunds, disputes, voids and early repayment through the API (issue 18): each a durable
operation with an audit record; the chain's refusals answered with the contract's error name."""

from __future__ import annotations

from scf_ledger.chain.connection import time_travel
from scf_ledger.domain.constants import SECONDS_PER_DAY, UNIT
from tests.utils.api import Api, order

PROBLEM = "application/problem+json"


def _confirmed(api: Api, principal: int = 300 * UNIT) -> tuple[dict, list[str]]:
    placed = order(api, principal=principal)
    return placed, api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"]


def _fund_originator(api: Api, amount: int = 1_000 * UNIT) -> None:
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["tier1"], "amount": str(amount)})


def test_a_credit_note_reaches_the_holders_and_the_obligor_owes_less(api: Api) -> None:
    _, ids = _confirmed(api)  # 100 sUSD a month, fee 3 each
    api.ok(
        "POST", f"/v1/receivables/{ids[0]}/transfers", "tier1", {"to": api.addresses["tier2"], "units": str(25 * UNIT)}
    )
    _fund_originator(api)
    body = {"credit": str(40 * UNIT), "fee_waiver": "0", "reason": "two boxes returned"}
    note = api.ok("POST", f"/v1/receivables/{ids[0]}/credit-notes", "platform", body)
    assert (note["amount_due"], note["originator"], note["status"]) == (
        str(63 * UNIT),
        api.addresses["tier1"],
        "active",
    )
    assert api.ok("GET", f"/v1/receivables/{ids[0]}", "tier2")["your_claimable"] == str(10 * UNIT)  # 25 % of 40
    credit = api.ok("GET", f"/v1/obligors/{api.addresses['buyer']}/credit", "platform")
    assert credit["exposure"] == str(260 * UNIT)
    (record,) = api.ok("GET", "/v1/audit?action=receivable.credit_note", "platform")["items"]
    assert record["reason"] == "two boxes returned" and record["tx_hash"] == note["tx_hash"]
    steps = api.ok("GET", f"/v1/receivables/{ids[0]}/lineage", "tier2")["steps"]
    (step,) = [s for s in steps if s["kind"] == "credit_note"]
    assert (step["credit"], step["originator"]) == (str(40 * UNIT), api.addresses["tier1"])

    too_much = api.call(
        "POST", f"/v1/receivables/{ids[0]}/credit-notes", "platform", {**body, "credit": str(61 * UNIT)}
    )
    assert too_much.status_code == 422 and too_much.json()["contract_error"] == "CreditAboveUnpaidPrincipal"
    nothing = api.call("POST", f"/v1/receivables/{ids[0]}/credit-notes", "platform", {"reason": "x"})
    assert nothing.status_code == 422 and nothing.json()["title"] == "Nothing to credit"
    assert api.call("POST", f"/v1/receivables/{ids[0]}/credit-notes", "gate", body).status_code == 403


def test_an_originator_without_the_money_is_refused_and_nothing_changes(api: Api) -> None:
    _, ids = _confirmed(api)
    refused = api.call(
        "POST", f"/v1/receivables/{ids[0]}/credit-notes", "platform", {"credit": str(UNIT), "reason": "returned"}
    )
    assert refused.status_code == 409 and refused.json()["contract_error"] == "OriginatorUnfunded"
    assert refused.headers["content-type"] == PROBLEM
    assert api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["status"] == "active"
    assert api.ok("GET", "/v1/audit?action=receivable.credit_note", "platform")["items"] == []


def test_a_refund_credits_the_latest_installments_and_a_full_one_settles_the_order(api: Api) -> None:
    placed, ids = _confirmed(api)
    _fund_originator(api)
    part = api.ok("POST", f"/v1/orders/{placed['id']}/refunds", "gate", {"amount": str(150 * UNIT), "reason": "half"})
    assert part["credited"] == str(150 * UNIT)
    statuses = [api.ok("GET", f"/v1/receivables/{i}", "platform")["status"] for i in ids]
    assert statuses == ["active", "active", "repaid"]  # the last credited in full, its fee waived; 50 of the 2nd
    full = api.ok("POST", f"/v1/orders/{placed['id']}/refunds", "gate", {"full": True, "reason": "all returned"})
    assert full["credited"] == str(150 * UNIT)
    assert [api.ok("GET", f"/v1/receivables/{i}", "platform")["status"] for i in ids] == ["repaid"] * 3
    assert api.ok("GET", f"/v1/obligors/{api.addresses['buyer']}/credit", "platform")["exposure"] == "0"
    again = api.call("POST", f"/v1/orders/{placed['id']}/refunds", "gate", {"full": True, "reason": "again"})
    assert again.status_code == 422 and again.json()["contract_error"] == "ZeroAmount"
    assert (
        api.call("POST", f"/v1/orders/{placed['id']}/refunds", "gate2", {"full": True, "reason": "x"}).status_code
        == 404
    )


def test_an_unconfirmed_order_is_voided_not_refunded(api: Api) -> None:
    placed = order(api, principal=300 * UNIT)
    refused = api.call("POST", f"/v1/orders/{placed['id']}/refunds", "gate", {"full": True, "reason": "x"})
    assert refused.status_code == 409 and refused.json()["title"] == "Order not confirmed"
    both = api.call("POST", f"/v1/orders/{placed['id']}/refunds", "gate", {"full": True, "amount": "1", "reason": "x"})
    assert both.status_code == 422
    voided = api.ok("POST", f"/v1/orders/{placed['id']}/void", "gate", {"reason": "cart abandoned"})
    assert voided["status"] == "void"
    confirm = api.call("POST", f"/v1/orders/{placed['id']}/confirm", "gate")
    assert confirm.status_code == 409
    _, ids = _confirmed(api)
    confirmed_order = api.ok("GET", "/v1/audit?action=order.void", "platform")["items"][0]["subject"]
    assert confirmed_order == placed["id"] and ids


def test_a_dispute_stops_default_and_penalty_then_moves_the_clocks(api: Api) -> None:
    _, ids = _confirmed(api)
    rt, chain = api.service, api.service.chain
    due = api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["due_date"]
    chain.sender.run(lambda: time_travel(chain.w3, due + 5 * SECONDS_PER_DAY))
    rt.clock.forget()
    body = {"reason_code": "GOODS_NOT_RECEIVED", "notice_from": "obligor", "detail": "the parcel never came"}
    opened = api.ok("POST", f"/v1/receivables/{ids[0]}/disputes", "platform", body)
    assert opened["status"] == "open" and opened["receivable_id"] == ids[0]
    seen = api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")
    assert seen["status"] == "disputed"
    penalty = seen["penalty_owed"]
    twice = api.call("POST", f"/v1/receivables/{ids[0]}/disputes", "platform", body)
    assert twice.status_code == 409 and twice.json()["contract_error"] == "InvalidStatus"

    chain.sender.run(lambda: time_travel(chain.w3, due + 100 * SECONDS_PER_DAY))
    rt.clock.forget()
    refused = api.call("POST", f"/v1/receivables/{ids[0]}/default", "platform", {"reason": "late"})
    assert refused.status_code == 409 and refused.json()["contract_error"] == "InvalidStatus"
    assert api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["penalty_owed"] == penalty

    resolution = {"outcome": "rejected", "reason": "delivery confirmed by the carrier"}
    closed = api.ok("POST", f"/v1/disputes/{opened['id']}/resolution", "platform", resolution)
    assert (closed["status"], closed["days"]) == ("rejected", 95)  # from the opening, after due + grace
    assert api.ok("GET", f"/v1/receivables/{ids[0]}", "platform")["status"] == "overdue"
    early = api.call("POST", f"/v1/receivables/{ids[0]}/default", "platform", {"reason": "late"})
    assert early.status_code == 409 and early.json()["contract_error"] == "DefaultTooEarly"  # 90 + 95 days
    closed_again = api.call("POST", f"/v1/disputes/{opened['id']}/resolution", "platform", resolution)
    assert closed_again.status_code == 409 and closed_again.json()["title"] == "Dispute closed"
    actions = {r["action"] for r in api.ok("GET", "/v1/audit", "platform")["items"]}
    assert {"dispute.open", "dispute.resolve"} <= actions
    (listed,) = [i for i in api.ok("GET", "/v1/overdue", "platform")["items"] if i["receivable_id"] == ids[0]]
    assert listed["days_past_due"] == 5  # 100 days on the calendar, 95 of them under dispute
    steps = api.ok("GET", f"/v1/receivables/{ids[0]}/lineage", "platform")["steps"]
    opened_step, closed_step = [s for s in steps if s["kind"].startswith("dispute")]
    assert (opened_step["reason"], closed_step["days"], closed_step["upheld"]) == ("GOODS_NOT_RECEIVED", 95, False)


def test_an_upheld_dispute_ends_with_a_credit_note(api: Api) -> None:
    _, ids = _confirmed(api)
    _fund_originator(api)
    body = {"reason_code": "PRICE_DISPUTE", "notice_from": "gateway"}
    opened = api.ok("POST", f"/v1/receivables/{ids[1]}/disputes", "platform", body)
    bad = api.call(
        "POST",
        f"/v1/disputes/{opened['id']}/resolution",
        "platform",
        {"outcome": "rejected", "credit": "1", "reason": "x"},
    )
    assert bad.status_code == 422
    upheld = {"outcome": "upheld", "credit": str(20 * UNIT), "reason": "price agreed 20 lower"}
    closed = api.ok("POST", f"/v1/disputes/{opened['id']}/resolution", "platform", upheld)
    assert (closed["status"], closed["credit"]) == ("upheld", str(20 * UNIT))
    assert api.ok("GET", f"/v1/obligors/{api.addresses['buyer']}/credit", "platform")["exposure"] == str(280 * UNIT)
    assert api.call("GET", "/v1/disputes/dsp_0000000000000000", "platform").status_code == 404


def test_a_later_installment_repaid_in_full_before_its_period_owes_no_fee(api: Api) -> None:
    _, ids = _confirmed(api)
    paid = api.ok("POST", "/v1/repayments", "gate", {"receivable_id": ids[2], "full": True})
    (allocation,) = paid["allocations"]
    assert (allocation["to_fee"], allocation["to_principal"], allocation["status"]) == ("0", str(100 * UNIT), "repaid")
    assert (paid["amount"], allocation["fee_waived"]) == (str(100 * UNIT), str(3 * UNIT))  # its 3 sUSD fee waived
