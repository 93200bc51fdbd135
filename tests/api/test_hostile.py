"""What an outside test of the API found: another gateway's buyers, ids and numbers that only look valid,
internal errors that told too much, and an OpenAPI document that said too little."""

from __future__ import annotations

import logging

import pytest

from scf_ledger.chain.connection import time_travel
from scf_ledger.domain.constants import UNIT
from tests.api.test_rules import assert_problem
from tests.utils.api import Api, order, order_body


@pytest.fixture
def receivable(api: Api) -> str:
    placed = order(api, principal=600 * UNIT)
    return api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"][0]


def _order_body(api: Api, principal: int, buyer: str = "buyer") -> dict:
    body = order_body(api, buyer, principal, fee_bps=0)
    body["profile"] = {"age": 40, "monthly_income": str(4_000 * UNIT), "employment_months": 30}
    del body["login_hour"]
    return body


def _limit(api: Api, buyer: str = "buyer") -> int:
    return int(api.ok("GET", f"/v1/obligors/{api.addresses[buyer]}/credit", "platform")["limit"])


# ANOTHER GATEWAY'S BUYER


def test_another_gateway_cannot_repay_a_receivable_nor_learn_what_is_due(api: Api, receivable: str) -> None:
    due = api.service.gw.ledger.amount_due(int(receivable))
    for body in ({"receivable_id": receivable, "amount": "1"}, {"receivable_id": receivable, "amount": str(10**30)}):
        refused = assert_problem(api.call("POST", "/v1/repayments", "gate2", body), 404, "no receivable")
        assert str(due) not in refused["detail"]
    assert api.service.gw.ledger.amount_due(int(receivable)) == due


def test_another_gateway_cannot_place_orders_for_a_buyer_nor_move_its_line(api: Api) -> None:
    limit = _limit(api)
    for _ in range(3):
        assert_problem(api.call("POST", "/v1/orders", "gate2", _order_body(api, 1_000 * UNIT)), 422, "unknown buyer")
    assert _limit(api) == limit


def test_an_approved_order_does_not_lift_a_velocity_freeze(api: Api) -> None:
    for _ in range(5):  # a habit of small orders: a median of 30 sUSD
        api.ok("POST", "/v1/orders", "gate", _order_body(api, 30 * UNIT))
    limit = _limit(api)
    for _ in range(3):  # three large ones inside a day: the third freezes the line at the exposure (0)
        third = api.ok("POST", "/v1/orders", "gate", _order_body(api, 300 * UNIT))
    assert third["decision"]["reason_codes"][0] == "VELOCITY" and _limit(api) == 0
    small = api.ok("POST", "/v1/orders", "gate", _order_body(api, 30 * UNIT))
    assert small["status"] == "declined" and "LINE_FROZEN" in small["decision"]["reason_codes"]
    assert _limit(api) == 0  # held for its 24 h
    rt = api.service
    rt.chain.sender.run(lambda: time_travel(rt.chain.w3, rt.chain.now() + 86_401))
    rt.sync()
    assert _limit(api) == limit
    assert api.ok("POST", "/v1/orders", "gate", _order_body(api, 30 * UNIT))["status"] == "approved"


def test_a_limit_the_platform_sets_during_a_freeze_is_not_undone_when_it_ends(api: Api) -> None:
    for _ in range(5):
        api.ok("POST", "/v1/orders", "gate", _order_body(api, 30 * UNIT))
    for _ in range(3):
        api.ok("POST", "/v1/orders", "gate", _order_body(api, 300 * UNIT))
    assert _limit(api) == 0
    api.ok("POST", f"/v1/obligors/{api.addresses['buyer']}/limit", "platform", {"limit": str(50 * UNIT)})
    rt = api.service
    rt.chain.sender.run(lambda: time_travel(rt.chain.w3, rt.chain.now() + 86_401))
    rt.sync()
    assert _limit(api) == 50 * UNIT  # the platform lifted the freeze by hand: its limit stands


# INPUT THAT ONLY LOOKS VALID


def test_full_and_amount_together_are_refused(api: Api, receivable: str) -> None:
    due = api.service.gw.ledger.amount_due(int(receivable))
    both = {"receivable_id": receivable, "amount": "1", "full": True}
    assert_problem(api.call("POST", "/v1/repayments", "gate", both), 422, "full", "amount")
    assert api.service.gw.ledger.amount_due(int(receivable)) == due


# Superscript two, Arabic-Indic three and fullwidth one pass str.isdigit(); then too long, and just past uint256.
@pytest.mark.parametrize("raw", ["\u00b2", "\u0663", "\uff11", "1" * 79, str(2**256)])
def test_ids_are_ascii_digits_within_the_contracts_range(api: Api, raw: str) -> None:
    assert_problem(api.call("GET", f"/v1/receivables/{raw}", "platform"), 422, "token id")
    assert_problem(api.call("GET", f"/v1/receivables/{raw}/lineage", "platform"), 422, "token id")
    financier = api.addresses["bank"].lower()
    assert api.call("DELETE", f"/v1/offers/{financier}-{raw}", "bank").status_code in (404, 422)
    assert api.call("GET", f"/v1/quotes?offer_id={financier}-1&units=1&receivable_id={raw}", "tier1").status_code == 422


def test_offer_numbers_are_bounded_by_the_contracts_types(api: Api, receivable: str) -> None:
    base = {"receivable_id": receivable, "rate_bps": 10, "max_units": "1", "expiry": str(2**64)}
    assert_problem(api.call("POST", "/v1/offers", "bank", base), 422, "expiry")
    past = {**base, "expiry": str(api.service.chain.now() + 3_600), "nonce": str(2**256)}
    assert_problem(api.call("POST", "/v1/offers", "bank", past), 422, "nonce")
    assert_problem(api.call("POST", "/v1/offers", "bank", {**past, "nonce": str(2**64), "min_units": "2"}), 422)


def test_an_offer_with_fewer_units_left_than_its_minimum_is_not_open(api: Api, receivable: str) -> None:
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": str(1_000 * UNIT)})
    expiry = str(api.service.chain.now() + 86_400)
    body = {"receivable_id": receivable, "rate_bps": 100, "min_units": "6", "max_units": "10", "expiry": expiry}
    offer = api.ok("POST", "/v1/offers", "bank", body)
    api.ok("POST", "/v1/financing-requests", "tier1", {"offer_id": offer["id"], "units": "6"})
    listed = [o["id"] for o in api.ok("GET", "/v1/offers", "bank")["items"]]
    assert offer["id"] not in listed  # 4 units left, fewer than the 6 a sale must take
    assert offer["id"] in [o["id"] for o in api.ok("GET", "/v1/offers?open_only=false", "bank")["items"]]


def test_an_obligor_reads_its_credit_by_its_address_in_any_case(api: Api) -> None:
    address = api.addresses["buyer"]
    for spelled in (address.lower(), "0x" + address[2:].upper()):
        assert api.ok("GET", f"/v1/obligors/{spelled}/credit", "buyer")["obligor"] == address


# INTERNAL ERRORS


def test_a_500_says_only_internal_error_logs_the_detail_and_is_counted(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from scf_ledger.services import parties

    def broken(*_: object) -> None:
        raise RuntimeError("INSERT INTO secrets VALUES ('hunter2')")

    monkeypatch.setattr(parties, "me", broken)
    with caplog.at_level(logging.ERROR):
        response = api.call("GET", "/v1/me", "tier1")
    body = assert_problem(response, 500, "internal error")
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    request_id = response.headers["X-Request-Id"]
    assert body["request_id"] == request_id
    assert any(request_id in r.getMessage() and "hunter2" in (r.exc_text or "") for r in caplog.records)
    metrics = api.client.get("/v1/metrics").text
    assert 'route="/v1/me",status="500"' in metrics


# THE OPENAPI DOCUMENT


def test_openapi_declares_security_problems_and_patterns(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    scheme = doc["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    orders = doc["paths"]["/v1/orders"]["post"]
    assert orders["security"] == [{"bearer": []}]
    for status in ("401", "403", "422"):
        assert "application/problem+json" in orders["responses"][status]["content"]
    detail = doc["paths"]["/v1/receivables/{receivable_id}"]["get"]
    (path_param,) = [p for p in detail["parameters"] if p["in"] == "path"]
    assert path_param["schema"]["pattern"] == "^[0-9]{1,78}$"
    credit = doc["paths"]["/v1/obligors/{address}/credit"]["get"]
    (address,) = [p for p in credit["parameters"] if p["in"] == "path"]
    assert address["schema"]["pattern"] == "^0x[0-9a-fA-F]{40}$"
    assert "security" not in doc["paths"]["/v1/health"]["get"]


def test_a_method_not_allowed_names_the_allowed_ones(api: Api) -> None:
    response = api.client.request("TRACE", "/v1/orders")
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
