"""Authorization, idempotency and bad input: every refusal is problem+json with a 4xx that names the problem,
and changes nothing."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from scf_ledger.domain.constants import UNIT
from scf_ledger.store.models import OperationRow
from tests.utils.api import Api, order

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, *words: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    text = (body["title"] + " " + body["detail"]).lower()
    for word in words:
        assert word.lower() in text, body
    return body


@pytest.fixture
def receivable(api: Api) -> str:
    placed = order(api, principal=600 * UNIT)
    return api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"][0]


# AUTHENTICATION AND ROLES

# (method, path, body, the role allowed, what that role gets for this body): the allowed role's exact answer
# shows the request got past authorization and was judged on its merits (never a 5xx).
ROUTES = [
    ("POST", "/v1/participants", {"kind": "supplier", "name": "x"}, "platform", 201),
    ("GET", "/v1/participants", None, "platform", 200),
    ("POST", "/v1/orders", None, "gateway", 422),  # an empty body
    ("POST", "/v1/orders/ord_x/confirm", None, "gateway", 404),  # no such order
    ("POST", "/v1/offers", None, "financier", 422),
    ("POST", "/v1/repayments", {"receivable_id": "1", "amount": "1"}, "gateway", 404),  # no receivable 1
    ("POST", "/v1/cash", None, "platform", 422),
    ("POST", "/v1/obligors/0x0000000000000000000000000000000000000001/limit", {"limit": "1"}, "platform", 404),
    ("GET", "/v1/reviews", None, "platform", 200),
    ("POST", "/v1/orders/ord_x/review", {"decision": "decline", "reason": "x"}, "platform", 404),
    ("POST", "/v1/receivables/1/default", None, "platform", 404),  # no receivable 1
    ("GET", "/v1/audit", None, "platform", 200),
    ("GET", "/v1/overdue", None, "platform", 200),
    ("GET", "/v1/offers/typed-data", None, "financier", 422),  # no terms
    ("GET", "/v1/blacklist", None, "platform", 200),
    ("POST", "/v1/blacklist", None, "platform", 422),
    ("DELETE", "/v1/blacklist/device/none?reason=x", None, "platform", 404),
    ("POST", "/v1/obligors/0x0000000000000000000000000000000000000001/freeze", None, "platform", 422),
    ("POST", "/v1/system/pause", None, "platform", 422),
    ("POST", "/v1/fees/withdrawals", None, "platform", 422),  # no fees accrued: ZeroAmount
    ("POST", "/v1/receivables/1/sweep", None, "platform", 422),  # no receivable 1
    ("GET", "/v1/terms", None, "platform", 200),
    ("POST", "/v1/terms", None, "platform", 422),
]
ROLE_OF = {"platform": "platform", "gate": "gateway", "tier1": "supplier", "bank": "financier", "buyer": "obligor"}


@pytest.mark.parametrize(("method", "path", "body", "allowed", "status"), ROUTES)
@pytest.mark.parametrize("who", list(ROLE_OF))
def test_role_matrix(api: Api, method: str, path: str, body: dict | None, allowed: str, status: int, who: str) -> None:
    role = ROLE_OF[who]
    response = api.call(method, path, who, (body if body is not None else {}) if method == "POST" else None)
    if role == allowed:
        assert response.status_code == status, response.text
    else:
        assert_problem(response, 403, "forbidden", f"you are a {role}")


def test_missing_and_wrong_keys(api: Api) -> None:
    assert_problem(api.call("GET", "/v1/me", None), 401, "Authorization: Bearer")
    assert_problem(api.client.get("/v1/me", headers={"Authorization": "Bearer scf_nope"}), 401, "unknown")


def test_another_partys_resources_answer_404(api: Api, receivable: str) -> None:
    placed = order(api, principal=30 * UNIT)
    assert api.call("GET", f"/v1/orders/{placed['id']}", "buyer").status_code == 200
    assert_problem(api.call("GET", f"/v1/orders/{placed['id']}", "buyer2"), 404, "no order")
    assert_problem(api.call("GET", f"/v1/receivables/{receivable}", "bank"), 404, "no receivable")
    assert_problem(api.call("GET", f"/v1/receivables/{receivable}", "tier2"), 404)
    assert_problem(api.call("GET", f"/v1/obligors/{api.addresses['buyer']}/credit", "buyer2"), 404, "no obligor")
    transfer = api.call(
        "POST", f"/v1/receivables/{receivable}/transfers", "tier3", {"to": api.addresses["tier2"], "units": "1"}
    )
    assert_problem(transfer, 404)


# IDEMPOTENCY


def test_idempotent_posts(api: Api) -> None:
    key = secrets.token_hex(8)
    body = {"to": api.addresses["bank"], "amount": "5"}
    first = api.call("POST", "/v1/cash", "platform", body, **{"Idempotency-Key": key})
    again = api.call("POST", "/v1/cash", "platform", body, **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers.get("Idempotent-Replay") == "true"
    other = api.call("POST", "/v1/cash", "platform", {**body, "amount": "6"}, **{"Idempotency-Key": key})
    assert_problem(other, 422, "reused")
    # Keys are per party: another party may use the same key for its own request.
    placed = api.call("POST", "/v1/orders", "gate", {}, **{"Idempotency-Key": key})
    assert placed.status_code == 422  # the body is invalid, not a key clash


def test_a_failed_request_can_be_retried_with_its_key(api: Api, receivable: str) -> None:
    key = secrets.token_hex(8)
    body = {"receivable_id": receivable, "amount": str(10**15)}
    assert_problem(api.call("POST", "/v1/repayments", "gate", body, **{"Idempotency-Key": key}), 422, "overpayment")
    fixed = api.call("POST", "/v1/repayments", "gate", {**body}, **{"Idempotency-Key": key})
    assert fixed.status_code == 422  # same body, run again (failures are not stored), still refused


# BAD INPUT


def test_malformed_and_wrongly_typed_input(api: Api) -> None:
    raw = api.client.post(
        "/v1/cash",
        content=b"{not json",
        headers={"Authorization": f"Bearer {api.keys['platform']}", "content-type": "application/json"},
    )
    assert_problem(raw, 422, "invalid request")
    assert_problem(
        api.call("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": "-5"}), 422, "amount"
    )
    assert_problem(api.call("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": 5}), 422, "amount")
    huge = str(2**128)
    assert_problem(
        api.call("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": huge}), 422, "amount"
    )
    assert_problem(api.call("POST", "/v1/cash", "platform", {"to": "0x12", "amount": "1"}), 422, "to")
    assert_problem(
        api.call("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": "1", "extra": 1}), 422
    )


def test_unknown_ids(api: Api) -> None:
    assert_problem(api.call("GET", "/v1/receivables/999999999", "platform"), 404, "no receivable 999999999")
    assert_problem(api.call("GET", "/v1/receivables/abc", "platform"), 422, "a token id is a string of 1 to 78")
    assert_problem(api.call("GET", "/v1/orders/ord_nope", "gate"), 404)
    assert_problem(api.call("DELETE", "/v1/offers/0xnope-1", "bank"), 422, "offer_id")
    assert_problem(api.call("POST", "/v1/repayments", "gate", {"receivable_id": "999999999", "amount": "1"}), 404)


def test_transfer_to_an_unregistered_address_names_the_contract_error(api: Api, receivable: str) -> None:
    outsider = "0x" + "ab" * 20
    before = api.service.gw.ledger.balance(api.addresses["tier1"], int(receivable))
    body = assert_problem(
        api.call("POST", f"/v1/receivables/{receivable}/transfers", "tier1", {"to": outsider, "units": "1"}),
        422,
        "NotEligibleHolder",
    )
    assert body["contract_error"] == "NotEligibleHolder" and body["arguments"]["account"].lower() == outsider
    assert api.service.gw.ledger.balance(api.addresses["tier1"], int(receivable)) == before  # nothing changed
    too_many = api.call(
        "POST",
        f"/v1/receivables/{receivable}/transfers",
        "tier1",
        {"to": api.addresses["tier2"], "units": str(before + 1)},
    )
    assert_problem(too_many, 422, "not enough units")


def test_financing_more_than_the_offer_or_the_balance(api: Api, receivable: str) -> None:
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": str(1_000 * UNIT)})
    expiry = str(api.service.chain.now() + 86_400)
    offer = api.ok(
        "POST",
        "/v1/offers",
        "bank",
        {"receivable_id": receivable, "rate_bps": 500, "max_units": "10", "expiry": expiry},
    )
    assert_problem(
        api.call("POST", "/v1/financing-requests", "tier1", {"offer_id": offer["id"], "units": "11"}),
        422,
        "offer too small",
    )
    assert_problem(  # tier2 holds none of what the offer buys: the offer is not in its sight
        api.call("POST", "/v1/financing-requests", "tier2", {"offer_id": offer["id"], "units": "5"}),
        404,
        "no offer",
    )
    api.ok("DELETE", f"/v1/offers/{offer['id']}", "bank")
    gone = api.call("POST", "/v1/financing-requests", "tier1", {"offer_id": offer["id"], "units": "5"})
    assert_problem(gone, 409, "offer cancelled")
    past = api.call(
        "POST", "/v1/offers", "bank", {"receivable_id": receivable, "rate_bps": 1, "max_units": "1", "expiry": "1"}
    )
    assert_problem(past, 422, "in the past")


def test_another_partys_operation_answers_404(api: Api) -> None:
    key = {"Idempotency-Key": secrets.token_hex(8)}
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": "1"}, **key)
    with api.service.sessions() as session:
        (operation_id,) = session.scalars(select(OperationRow.id).where(OperationRow.key == key["Idempotency-Key"]))
    mine = api.ok("GET", f"/v1/operations/{operation_id}", "platform")
    assert mine["status"] == "succeeded" and mine["status_code"] == 201 and len(mine["transactions"]) == 1
    assert_problem(api.call("GET", f"/v1/operations/{operation_id}", "gate"), 404, "no operation")
    assert_problem(api.call("GET", "/v1/operations/op_nope", "platform"), 404)
    assert_problem(api.call("GET", "/v1/operations/nope", "platform"), 422)


def test_an_internal_error_after_a_transaction_ends_the_operation_and_is_never_redone(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt, key = api.service, {"Idempotency-Key": secrets.token_hex(8)}
    body = {"to": api.addresses["bank"], "amount": "9"}
    before = rt.gw.token.balance_of(api.addresses["bank"])

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("after the mint")

    monkeypatch.setattr(rt.gw.token, "balance_of", broken)  # read after the mint, for the answer
    first = api.call("POST", "/v1/cash", "platform", body, **key)
    assert first.status_code == 500 and "after the mint" not in first.text
    monkeypatch.undo()
    again = api.call("POST", "/v1/cash", "platform", body, **key)
    assert again.status_code == 500 and again.headers["Idempotent-Replay"] == "true"
    assert rt.gw.token.balance_of(api.addresses["bank"]) == before + 9  # minted once
    operation = api.ok("GET", f"/v1/operations/{first.json()['operation']}", "platform")
    assert operation["status"] == "failed" and len(operation["transactions"]) == 1
