"""The platform's lists and switches through the API (issue 17): blacklist, freeze, pause, fees, dust, terms;
each recorded in the audit log, and each bad request refused with nothing changed."""

from __future__ import annotations

from urllib.parse import quote

from scf_ledger.domain.constants import UNIT
from tests.utils.api import Api, doc, order, order_body


def audit_actions(api: Api) -> list[str]:
    return [r["action"] for r in api.ok("GET", "/v1/audit", "platform")["items"]]


def test_a_blacklisted_address_is_flagged_on_chain_and_lifted_again(api: Api) -> None:
    buyer = api.addresses["buyer2"]
    entry = api.ok("POST", "/v1/blacklist", "platform", {"kind": "address", "value": buyer, "reason": "fraud ring"})
    assert entry["tx_hash"] and entry["value"] == buyer.lower()
    assert api.service.gw.registry.participant(buyer).blacklisted
    declined = order(api, "buyer2", principal=30 * UNIT)
    assert declined["status"] == "declined" and "BLACKLISTED_ADDRESS" in declined["decision"]["reason_codes"]
    assert [e["value"] for e in api.ok("GET", "/v1/blacklist", "platform")["items"]] == [buyer.lower()]

    api.ok("DELETE", f"/v1/blacklist/address/{buyer}?reason=cleared", "platform")
    assert not api.service.gw.registry.participant(buyer).blacklisted
    assert api.ok("GET", "/v1/blacklist", "platform")["items"] == []
    assert audit_actions(api) == ["blacklist.remove", "blacklist.add"]


def test_device_and_document_entries_make_the_risk_engine_decline(api: Api) -> None:
    document = doc()
    api.ok("POST", "/v1/blacklist", "platform", {"kind": "device", "value": "dev-666", "reason": "stolen phone"})
    api.ok("POST", "/v1/blacklist", "platform", {"kind": "document", "value": document, "reason": "forged invoice"})
    by_device = api.ok("POST", "/v1/orders", "gate", order_body(api, principal=30 * UNIT, device_id="dev-666"))
    assert by_device["status"] == "declined" and "BLACKLISTED_DEVICE" in by_device["decision"]["reason_codes"]
    by_document = api.ok("POST", "/v1/orders", "gate", order_body(api, principal=30 * UNIT, document_hash=document))
    assert "BLACKLISTED_DOCUMENT" in by_document["decision"]["reason_codes"]
    api.ok("DELETE", f"/v1/blacklist/device/{quote('dev-666')}?reason=found", "platform")
    assert order(api, principal=30 * UNIT, device_id="dev-666")["status"] == "approved"


def test_bad_blacklist_requests_are_refused_and_change_nothing(api: Api) -> None:
    for body, status, title in [
        ({"kind": "address", "value": "0x" + "12" * 20, "reason": "x"}, 422, "Unknown party"),
        ({"kind": "address", "value": "nobody", "reason": "x"}, 422, "Unknown party"),
        ({"kind": "document", "value": "0x12", "reason": "x"}, 422, "Invalid document hash"),
        ({"kind": "planet", "value": "x", "reason": "x"}, 422, "Invalid request"),
    ]:
        refused = api.call("POST", "/v1/blacklist", "platform", body)
        assert refused.status_code == status and refused.json()["title"] == title, refused.json()
    missing = api.call("DELETE", "/v1/blacklist/device/nothing?reason=x", "platform")
    assert missing.status_code == 404
    assert api.call("POST", "/v1/blacklist", "gate", {"kind": "device", "value": "x", "reason": "x"}).status_code == 403
    assert api.ok("GET", "/v1/blacklist", "platform")["items"] == [] and audit_actions(api) == []


def test_a_line_frozen_by_hand_takes_no_order_until_unfrozen(api: Api) -> None:
    buyer = api.addresses["buyer"]
    approved = order(api, principal=30 * UNIT)
    frozen = api.ok("POST", f"/v1/obligors/{buyer}/freeze", "platform", {"frozen": True, "reason": "CALL_CENTRE"})
    assert frozen["on"] is True and api.service.gw.registry.participant(buyer).frozen
    refused = api.call("POST", f"/v1/orders/{approved['id']}/confirm", "gate")
    assert refused.status_code == 409 and refused.json()["contract_error"] in ("ObligorFrozen", "ParticipantFrozen")
    later = order(api, principal=30 * UNIT)
    assert later["status"] == "declined" and "LINE_FROZEN" in later["decision"]["reason_codes"]

    api.ok("POST", f"/v1/obligors/{buyer}/freeze", "platform", {"frozen": False, "reason": "CLEARED"})
    assert not api.service.gw.registry.participant(buyer).frozen
    assert api.ok("POST", f"/v1/orders/{approved['id']}/confirm", "gate")["status"] == "confirmed"
    tier1 = api.addresses["tier1"]
    unknown = api.call("POST", f"/v1/obligors/{tier1}/freeze", "platform", {"frozen": True, "reason": "x"})
    assert unknown.status_code == 404  # not an obligor
    assert audit_actions(api) == ["line.unfreeze", "line.freeze"]


def test_pause_stops_writes_and_unpause_restores_them(api: Api) -> None:
    placed = order(api, principal=30 * UNIT)
    paused = api.ok("POST", "/v1/system/pause", "platform", {"paused": True, "reason": "incident"})
    assert paused["on"] is True and len(paused["tx_hashes"]) == 2
    again = api.ok("POST", "/v1/system/pause", "platform", {"paused": True, "reason": "incident"})
    assert again["tx_hashes"] == []  # already paused: nothing sent
    refused = api.call("POST", f"/v1/orders/{placed['id']}/confirm", "gate")
    assert refused.status_code == 409 and refused.json()["contract_error"] == "EnforcedPause"
    api.ok("POST", "/v1/system/pause", "platform", {"paused": False, "reason": "resolved"})
    assert api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["status"] == "confirmed"


def test_fees_are_withdrawn_and_dust_is_swept_to_the_platform(api: Api) -> None:
    placed = order(api, principal=300 * UNIT)
    ids = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"]
    api.ok("POST", "/v1/repayments", "gate", {"receivable_id": ids[0], "full": True})
    paid = api.ok("POST", "/v1/fees/withdrawals", "platform")
    assert paid["amount"] == str(3 * UNIT) and paid["to"] == api.addresses["platform"]
    nothing_left = api.call("POST", "/v1/fees/withdrawals", "platform")
    assert nothing_left.status_code == 422 and nothing_left.json()["contract_error"] == "ZeroAmount"
    nothing = api.call("POST", f"/v1/receivables/{ids[0]}/sweep", "platform")
    assert nothing.status_code == 409 and nothing.json()["contract_error"] == "NothingToSweep"
    assert audit_actions(api) == ["fees.withdraw"]


def test_terms_are_read_and_set_within_bounds(api: Api) -> None:
    terms = api.ok("GET", "/v1/terms", "platform")
    assert terms["default_days"] == 90
    new = {**terms, "penalty_bps_per_day": 7, "reason": "policy 2027"}
    new.pop("tx_hash")
    assert api.ok("POST", "/v1/terms", "platform", new)["tx_hash"]
    assert api.ok("GET", "/v1/terms", "platform")["penalty_bps_per_day"] == 7
    for field, value in [
        ("penalty_bps_per_day", 101),
        ("grace_days", 31),
        ("default_days", 366),
        ("max_fee_bps", 1001),
    ]:
        refused = api.call("POST", "/v1/terms", "platform", {**new, field: value})
        assert refused.status_code == 422 and field in refused.json()["detail"], refused.json()
    below_grace = api.call("POST", "/v1/terms", "platform", {**new, "grace_days": 10, "default_days": 10})
    assert below_grace.status_code == 422 and "default_days" in below_grace.json()["detail"]
    assert api.ok("GET", "/v1/terms", "platform")["penalty_bps_per_day"] == 7
    assert api.call("GET", "/v1/terms", "gate").status_code == 403
