"""Daily statements (issue 20, item 3): every movement of a party's sUSD and receivable units on a chain-time
day, with its transaction and block; the day's sums equal the party's on-chain balance changes over the day's
blocks, for every party of a day with each kind of movement."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from scf_ledger.domain.constants import UNIT
from tests.utils.api import Api, order

PROBLEM = "application/problem+json"


def _a_busy_day(api: Api) -> tuple[str, list[str]]:
    """Origination, a transfer, a sale, a repayment, claims, a credit note and a fee withdrawal, on one day."""
    ids = api.ok("POST", f"/v1/orders/{order(api, principal=300 * UNIT)['id']}/confirm", "gate")["token_ids"]
    api.ok("POST", f"/v1/receivables/{ids[0]}/transfers", "tier1", {"to": api.addresses["tier2"], "units": "7"})
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": str(100 * UNIT)})
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["tier1"], "amount": str(20 * UNIT)})
    expiry = str(api.service.chain.now() + 86_400)
    offer = api.ok(
        "POST",
        "/v1/offers",
        "bank",
        {"receivable_id": ids[0], "rate_bps": 900, "max_units": str(50 * UNIT), "expiry": expiry},
    )
    api.ok("POST", "/v1/financing-requests", "tier1", {"offer_id": offer["id"], "units": str(50 * UNIT)})
    api.ok("POST", "/v1/repayments", "gate", {"receivable_id": ids[0], "full": True})
    for holder in ("tier1", "tier2", "bank"):
        api.ok("POST", "/v1/claims", holder)
    api.ok(
        "POST", f"/v1/receivables/{ids[1]}/credit-notes", "platform", {"credit": str(10 * UNIT), "reason": "price cut"}
    )
    api.ok("POST", "/v1/fees/withdrawals", "platform")
    api.service.sync()
    day = datetime.fromtimestamp(api.service.chain.now(), UTC).date().isoformat()
    return day, ids


def test_a_days_movements_add_up_to_each_partys_balance_changes_on_chain(api: Api) -> None:
    day, ids = _a_busy_day(api)
    chain = api.service.chain
    deployed = chain.deployment.deployment_block
    for who in ("tier1", "tier2", "bank", "gate", "platform"):
        s = api.ok("GET", f"/v1/statements/{day}", who)
        address = api.addresses[who]
        before, last = s["from_block"] - 1, s["to_block"]

        def cash(block: int, address: str = address) -> int:  # nothing before the deployment
            return chain.token.functions.balanceOf(address).call(block_identifier=block) if block >= deployed else 0

        def units(block: int, token_id: str, address: str = address) -> int:
            if block < deployed:
                return 0
            return chain.ledger.functions.balanceOf(address, int(token_id)).call(block_identifier=block)

        assert int(s["totals"].get("sUSD", 0)) == cash(last) - cash(before), who
        for token_id in ids:
            assert int(s["totals"].get(token_id, 0)) == units(last, token_id) - units(before, token_id), (who, token_id)
    kinds = {m["kind"] for m in api.ok("GET", f"/v1/statements/{day}", "tier1")["items"]}
    assert {"origination", "transfer_out", "sale", "claim", "credit_note", "cash"} <= kinds
    assert {m["kind"] for m in api.ok("GET", f"/v1/statements/{day}", "bank")["items"]} >= {"purchase", "claim"}
    assert "repayment" in {m["kind"] for m in api.ok("GET", f"/v1/statements/{day}", "gate")["items"]}
    assert "fee" in {m["kind"] for m in api.ok("GET", f"/v1/statements/{day}", "platform")["items"]}


def test_the_csv_is_the_statement_and_its_sha256_is_told(api: Api) -> None:
    day, _ = _a_busy_day(api)
    s = api.ok("GET", f"/v1/statements/{day}", "tier1")
    answer = api.call("GET", f"/v1/statements/{day}?format=csv", "tier1")
    assert answer.headers["content-type"].startswith("text/csv")
    digest = hashlib.sha256(answer.content).hexdigest()
    assert digest == s["csv_sha256"] == answer.headers["x-content-sha256"]
    lines = answer.text.splitlines()
    assert lines[0] == "kind,asset,amount,counterparty,block,tx_hash,log_index" and len(lines) == len(s["items"]) + 1
    other = api.ok("GET", f"/v1/statements/{day}?party={api.addresses['tier1']}", "platform")
    assert other["csv_sha256"] == s["csv_sha256"]  # the platform may read anyone's
    ignored = api.ok("GET", f"/v1/statements/{day}?party={api.addresses['tier2']}", "tier1")
    assert ignored["party"] == api.addresses["tier1"]  # anyone else reads its own


def test_a_day_in_the_future_or_not_a_date_is_refused(api: Api) -> None:
    today = datetime.fromtimestamp(api.service.chain.now(), UTC).date()
    future = api.call("GET", f"/v1/statements/{(today + timedelta(days=2)).isoformat()}", "tier1")
    assert future.status_code == 422 and future.json()["title"] == "date in the future"
    assert future.headers["content-type"] == PROBLEM
    for bad in ("2026-13-01", "yesterday", "2026-02-30"):
        assert api.call("GET", f"/v1/statements/{bad}", "tier1").status_code == 422
    assert api.ok("GET", "/v1/statements/2001-01-01", "tier1")["items"] == []  # before the deployment: nothing
