"""The whole story over the API: order and risk decision, origination, tiers, financing, repayments, claims."""

from __future__ import annotations

from scf_ledger.domain.constants import UNIT
from tests.utils.api import Api, order


def test_order_to_claims(api: Api) -> None:
    placed = order(api)  # a new buyer with a good profile and a short plan: band A, a 5,000 sUSD line
    assert placed["status"] == "approved" and placed["decision"]["outcome"] == "approve"
    assert placed["decision"]["band"] == "A" and placed["decision"]["recommended_limit"] == str(5_000 * UNIT)
    confirmed = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")
    assert confirmed["status"] == "confirmed" and len(confirmed["token_ids"]) == 3
    first = confirmed["token_ids"][0]

    mine = api.ok("GET", "/v1/receivables", "tier1")["items"]
    assert first in [r["id"] for r in mine]
    assert api.ok("GET", "/v1/receivables", "bank")["items"] == []
    detail = api.ok("GET", f"/v1/receivables/{first}", "buyer")
    assert (detail["face"], detail["fee"], detail["status"]) == (str(800 * UNIT), str(24 * UNIT), "active")

    # Tier 1 -> tier 2 -> tier 3.
    moved = api.ok(
        "POST", f"/v1/receivables/{first}/transfers", "tier1", {"to": api.addresses["tier2"], "units": str(300 * UNIT)}
    )
    assert moved["balances"][api.addresses["tier2"]] == str(300 * UNIT)
    api.ok(
        "POST", f"/v1/receivables/{first}/transfers", "tier2", {"to": api.addresses["tier3"], "units": str(100 * UNIT)}
    )

    # The financier gets cash, offers 12 %/year; tier 1 sells 400 units.
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": str(10_000 * UNIT)})
    expiry = str(api.service.chain.now() + 10 * 86_400)
    offer = api.ok(
        "POST",
        "/v1/offers",
        "bank",
        {"receivable_id": first, "rate_bps": 1200, "max_units": str(600 * UNIT), "expiry": expiry},
    )
    assert offer["id"] in [o["id"] for o in api.ok("GET", "/v1/offers", "tier1")["items"]]
    quote = api.ok("GET", f"/v1/quotes?offer_id={offer['id']}&units={400 * UNIT}", "tier1")
    sale = api.ok("POST", "/v1/financing-requests", "tier1", {"offer_id": offer["id"], "units": str(400 * UNIT)})
    # The quote is the price at the latest block; the sale is priced in its own block, seconds later.
    assert abs(int(sale["price"]) - int(quote["price"])) <= 10 and int(sale["price"]) < 400 * UNIT
    assert sale["balances"]["your_units"] == str(100 * UNIT)

    # Repayments through the gateway: partial, an overpayment refused, then the rest.
    partial = api.ok("POST", "/v1/repayments", "gate", {"receivable_id": first, "amount": str(424 * UNIT)})
    (alloc,) = partial["allocations"]
    assert (alloc["to_fee"], alloc["to_principal"], alloc["status"]) == (str(24 * UNIT), str(400 * UNIT), "active")
    too_much = api.call("POST", "/v1/repayments", "gate", {"receivable_id": first, "amount": str(401 * UNIT)})
    assert too_much.status_code == 422 and too_much.json()["title"] == "Overpayment"
    rest = api.ok("POST", "/v1/repayments", "gate", {"receivable_id": first, "full": True})
    assert rest["allocations"][0]["status"] == "repaid"

    # Claims: each holder gets its pro-rata share of the 800 principal.
    shares = {"tier1": 100, "tier2": 200, "tier3": 100, "bank": 400}
    for who, units in shares.items():
        claimed = api.ok("POST", "/v1/claims", who)
        assert claimed["total"] == str(units * UNIT), who
    assert api.ok("POST", "/v1/claims", "bank")["total"] == "0"

    credit = api.ok("GET", f"/v1/obligors/{api.addresses['buyer']}/credit", "buyer")
    assert credit["exposure"] == str(1_600 * UNIT)
    me = api.ok("GET", "/v1/me", "bank")
    assert me["role"] == "financier" and int(me["cash"]) > 0


def test_repay_by_order_pays_installments_in_due_order(api: Api) -> None:
    placed = order(api, principal=300 * UNIT)
    confirmed = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")
    paid = api.ok("POST", "/v1/repayments", "gate", {"order_id": placed["id"], "amount": str(150 * UNIT)})
    first, second = paid["allocations"]
    assert (first["receivable_id"], first["amount"], first["status"]) == (
        confirmed["token_ids"][0],
        str(103 * UNIT),
        "repaid",
    )
    assert (second["receivable_id"], second["amount"]) == (confirmed["token_ids"][1], str(47 * UNIT))


def test_declined_order_carries_reasons_and_cannot_be_confirmed(api: Api) -> None:
    placed = order(api, "buyer2", principal=90_000 * UNIT, login_hour=3, profile={"age": 19})
    assert placed["status"] == "declined" and placed["decision"]["reason_codes"]
    refused = api.call("POST", f"/v1/orders/{placed['id']}/confirm", "gate")
    assert refused.status_code == 409 and refused.json()["title"] == "Order not approved"


def test_platform_sets_a_limit(api: Api) -> None:
    body = api.ok(
        "POST",
        f"/v1/obligors/{api.addresses['buyer2']}/limit",
        "platform",
        {"limit": str(7 * UNIT), "reason": "REVIEW"},
    )
    assert body["limit"] == str(7 * UNIT)
    assert api.ok("GET", f"/v1/obligors/{api.addresses['buyer2']}/credit", "platform")["limit"] == str(7 * UNIT)
    metrics = api.client.get("/v1/metrics").text
    assert "scf_indexed_block" in metrics and 'route="/v1/obligors/{address}/limit",status="201"' in metrics
    assert api.client.get("/v1/health").json()["lag"] == 0


def test_receivables_filters_and_cursor_pagination(api: Api) -> None:
    placed = order(api, principal=600 * UNIT)
    ids = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"]
    buyer = api.addresses["buyer"]
    seen, cursor = [], None
    while True:
        page = api.ok(
            "GET", f"/v1/receivables?obligor={buyer}&limit=2" + (f"&cursor={cursor}" if cursor else ""), "platform"
        )
        assert len(page["items"]) <= 2
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert set(ids) <= set(seen) and seen == sorted(seen, key=int) and len(seen) == len(set(seen))
    due = api.ok("GET", f"/v1/receivables/{ids[1]}", "platform")["due_date"]
    window = api.ok("GET", f"/v1/receivables?obligor={buyer}&due_from={due}&due_to={due}", "platform")["items"]
    assert ids[1] in [r["id"] for r in window] and all(r["due_date"] == due for r in window)
    held = api.ok("GET", f"/v1/receivables?holder={api.addresses['tier1']}&status=active", "platform")["items"]
    assert set(ids) <= {r["id"] for r in held} and {r["status"] for r in held} == {"active"}
    bad = api.call("GET", "/v1/receivables?status=lost", "platform")
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
