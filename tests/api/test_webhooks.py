"""Webhooks (issue 20, item 1): endpoints with a secret shown once, events from the indexed chain and from the
service, each signed by the Standard Webhooks scheme and checked by a real receiver on loopback; retries,
replay, rotation, reorgs (an event of an orphaned block is cancelled, or retracted where it may have arrived),
the overdue job, and the 4xx of bad input. `tests/e2e/test_webhooks_served.py` kills the server under it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest
from standardwebhooks import Webhook

from scf_ledger.chain.connection import time_travel
from scf_ledger.domain.constants import SECONDS_PER_DAY, UNIT
from scf_ledger.domain.enums import EventType
from scf_ledger.services import webhooks
from scf_ledger.services.webhooks import Dispatcher
from tests.utils.api import Api, order
from tests.utils.receiver import Receiver

PROBLEM = "application/problem+json"
ALL = [t.value for t in EventType]


@pytest.fixture
def receiver(api: Api) -> Iterator[Receiver]:
    rt = api.service
    settings = rt.settings
    rt.settings = settings.model_copy(update={"webhook_retry_schedule": (0, 0.05, 0.1, 0.2), "webhook_timeout": 1.0})
    r = Receiver(hang_seconds=3.0)
    yield r
    r.close()
    rt.settings = settings


def register(api: Api, receiver: Receiver, who: str, path: str, types: list[str] = ALL) -> dict:
    created = api.ok("POST", "/v1/webhooks", who, {"url": receiver.url(path), "event_types": types})
    receiver.secrets[path] = created["secret"]
    return created


def deliver(api: Api, done: Callable[[], bool], timeout: float = 30) -> None:
    """Runs a dispatcher until `done()`."""
    dispatcher = Dispatcher(api.service)
    try:
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "deliveries did not arrive in time"
            dispatcher.tick()
            time.sleep(0.05)
    finally:
        dispatcher.stop()


def pending(api: Api) -> int:
    return webhooks.pending_deliveries(api.service)


def _story(api: Api) -> list[str]:
    """An order decided and confirmed, a transfer, a sale, a full repayment of the first installment."""
    ids = api.ok("POST", f"/v1/orders/{order(api, principal=300 * UNIT)['id']}/confirm", "gate")["token_ids"]
    api.ok("POST", f"/v1/receivables/{ids[0]}/transfers", "tier1", {"to": api.addresses["tier2"], "units": "7"})
    api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": str(100 * UNIT)})
    expiry = str(api.service.chain.now() + 86_400)
    body = {"receivable_id": ids[0], "rate_bps": 900, "max_units": str(50 * UNIT), "expiry": expiry}
    offer = api.ok("POST", "/v1/offers", "bank", body)
    api.ok("POST", "/v1/financing-requests", "tier1", {"offer_id": offer["id"], "units": str(50 * UNIT)})
    api.ok("POST", "/v1/repayments", "gate", {"receivable_id": ids[0], "full": True})
    return ids


def _events(receiver: Receiver, path: str) -> list[dict]:
    unique = {a.event_id: json.loads(a.body) for a in receiver.arrivals if a.path == path}
    return list(unique.values())


def test_each_party_is_told_what_concerns_it_signed_and_once_per_id(api: Api, receiver: Receiver) -> None:
    for who in ("tier1", "bank", "gate", "buyer2"):
        register(api, receiver, who, who)
    ids = _story(api)
    deliver(api, lambda: pending(api) == 0)
    assert receiver.refused == []

    def types(who: str) -> set[str]:
        return {e["type"] for e in _events(receiver, who)}

    later = {"receivable.overdue", "receivable.defaulted", "dispute.opened", "dispute.closed"}  # none in the story
    assert types("tier1") == set(ALL) - later
    assert types("bank") == {
        "receivable.transferred",
        "financing.completed",
        "repayment.received",
        "claim.available",
        "operation.finished",
    }
    assert types("gate") >= {"order.decided", "receivable.originated", "repayment.received", "operation.finished"}
    assert types("buyer2") == set()  # not its purchase
    claims = {
        e["data"]["holder"]: int(e["data"]["claimable"])
        for e in _events(receiver, "bank")
        if e["type"] == "claim.available"
    }
    assert claims == {api.addresses["bank"]: 50 * UNIT}  # its 50 units of the repaid installment
    raised = [e["data"]["raised_by"] for e in _events(receiver, "bank") if e["type"] == "claim.available"]
    assert raised == [str(50 * UNIT)]
    originated = next(e for e in _events(receiver, "tier1") if e["type"] == "receivable.originated")
    assert originated["data"]["receivable_ids"] == ids
    # The log says what the receiver saw: each delivery delivered, once, with the body that arrived.
    endpoint = api.ok("GET", "/v1/webhooks", "tier1")["items"][0]["id"]
    log = api.ok("GET", f"/v1/webhooks/{endpoint}/deliveries", "tier1")["items"]
    assert {d["event_id"] for d in log} == receiver.ids("tier1") and {d["status"] for d in log} == {"delivered"}
    bodies = {a.event_id: a.body.decode() for a in receiver.arrivals if a.path == "tier1"}
    assert all(bodies[d["event_id"]] == d["payload"] for d in log)


def test_a_failing_or_hanging_receiver_is_retried_and_blocks_no_one_else(api: Api, receiver: Receiver) -> None:
    register(api, receiver, "tier1", "flaky")
    register(api, receiver, "bank", "hang")
    _story(api)
    deliver(api, lambda: _done(api, "tier1"), timeout=60)
    assert not _done(api, "bank")  # tier1's were all delivered while bank's receiver still holds up its own
    assert receiver.refused == []
    flaky = receiver.ids("flaky")
    assert flaky and all(receiver.attempts[("flaky", i)] == 2 for i in flaky)  # 500 first, then delivered
    endpoint = api.ok("GET", "/v1/webhooks", "tier1")["items"][0]["id"]
    log = api.ok("GET", f"/v1/webhooks/{endpoint}/deliveries", "tier1")["items"]
    assert all([h["status_code"] for h in d["history"]] == [500, 204] for d in log)
    # The hanging endpoint's deliveries time out, are retried on the schedule, and end failed.
    deliver(api, lambda: pending(api) == 0, timeout=60)
    hang = api.ok("GET", "/v1/webhooks", "bank")["items"][0]["id"]
    failed = api.ok("GET", f"/v1/webhooks/{hang}/deliveries?status=failed", "bank")["items"]
    assert failed and all(len(d["history"]) == 4 and d["history"][0]["status_code"] is None for d in failed)
    assert api.ok("POST", f"/v1/webhooks/{hang}/replay", "bank") == {"replayed": len(failed)}
    assert pending(api) == len(failed)  # each on a fresh schedule


def _done(api: Api, who: str) -> bool:
    """Whether nothing is pending for `who`'s endpoint."""
    endpoint = api.ok("GET", "/v1/webhooks", who)["items"][0]["id"]
    return not api.ok("GET", f"/v1/webhooks/{endpoint}/deliveries?status=pending", who)["items"]


def test_replay_sends_the_same_event_again_and_rotation_signs_with_both_secrets(api: Api, receiver: Receiver) -> None:
    created = register(api, receiver, "tier1", "ok", ["order.decided"])
    order(api)
    deliver(api, lambda: pending(api) == 0)
    (first,) = receiver.arrivals
    rotated = api.ok("POST", f"/v1/webhooks/{created['id']}/rotate-secret", "tier1")
    assert rotated["secret"] != created["secret"] and rotated["secret_rotated"]
    receiver.secrets["ok"] = rotated["secret"]
    answer = api.ok("POST", f"/v1/webhooks/{created['id']}/replay", "tier1", {"event_id": first.event_id})
    assert answer == {"replayed": 1}
    deliver(api, lambda: pending(api) == 0)
    again = receiver.arrivals[1]
    assert (again.event_id, again.body) == (first.event_id, first.body)  # a duplicate carries the same id
    assert len(again.signature.split(" ")) == 2  # the old secret signs too, for a day
    for secret in (created["secret"], rotated["secret"]):
        Webhook(secret).verify(again.body, again.headers)  # a receiver on either secret accepts it


def test_events_of_orphaned_blocks_are_cancelled_or_retracted(api: Api, receiver: Receiver) -> None:
    rt = api.service
    told = register(api, receiver, "tier1", "ok", ["receivable.originated"])
    untold = register(api, receiver, "gate", "hang", ["receivable.originated"])
    api.ok("DELETE", f"/v1/webhooks/{untold['id']}", "gate")
    untold = register(api, receiver, "gate", "later", ["receivable.originated"])
    w3 = rt.chain.w3
    fork = w3.provider.ethereum_tester.take_snapshot()  # type: ignore[attr-defined]
    placed = order(api)
    api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")
    # tier1's endpoint is sent the origination; gate's is not yet (its receiver is not even listening).
    dispatcher = Dispatcher(rt)
    dispatcher._drain(told["id"], None)
    dispatcher.stop()
    (arrived,) = receiver.arrivals
    w3.provider.ethereum_tester.revert_to_snapshot(fork)  # type: ignore[attr-defined]
    w3.provider.ethereum_tester.mine_blocks(5)  # type: ignore[attr-defined]  # another branch, longer
    rt.sync()
    deliver(api, lambda: pending(api) == 0)
    retraction = json.loads(receiver.arrivals[-1].body)
    assert retraction["type"] == "event.retracted" and retraction["data"]["retracted_id"] == arrived.event_id
    gate_log = api.ok("GET", f"/v1/webhooks/{untold['id']}/deliveries", "gate")["items"]
    assert [d["status"] for d in gate_log] == ["cancelled"] and receiver.ids("later") == set()


def test_overdue_is_told_once_a_day_after_due_and_grace(api: Api, receiver: Receiver) -> None:
    rt = api.service
    register(api, receiver, "tier1", "ok", ["receivable.overdue"])
    ids = api.ok("POST", f"/v1/orders/{order(api, principal=300 * UNIT)['id']}/confirm", "gate")["token_ids"]
    first_due = api.ok("GET", f"/v1/receivables/{ids[0]}", "tier1")["due_date"]
    grace = api.ok("GET", "/v1/terms", "platform")["grace_days"]
    time_travel(rt.chain.w3, first_due + (grace + 1) * SECONDS_PER_DAY - 3_600)
    rt.sync()
    assert pending(api) == 0  # not yet a day after grace
    time_travel(rt.chain.w3, first_due + (grace + 1) * SECONDS_PER_DAY + 2 * 3_600)
    rt.sync()
    rt.overdue_checked_at = -(2**62)
    rt.sync()  # run again: told once
    deliver(api, lambda: pending(api) == 0)
    events = _events(receiver, "ok")
    assert [(e["type"], e["data"]["receivable_id"]) for e in events] == [("receivable.overdue", ids[0])]


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"url": "ftp://example.com/hook", "event_types": ["order.decided"]}, "url"),
        ({"url": "javascript:alert(1)", "event_types": ["order.decided"]}, "url"),
        ({"url": "https://example.com/hook", "event_types": ["order.shipped"]}, "event_types"),
        ({"url": "https://example.com/hook", "event_types": []}, "event_types"),
        ({"url": "https://example.com/" + "a" * 2_100, "event_types": ["order.decided"]}, "url"),
    ],
)
def test_bad_registrations_are_refused_naming_the_field(api: Api, body: dict, names: str) -> None:
    answer = api.call("POST", "/v1/webhooks", "tier1", body)
    assert answer.status_code == 422 and answer.headers["content-type"] == PROBLEM
    assert names in answer.text


def test_an_endpoint_is_its_partys_alone_and_its_secret_is_shown_once(api: Api) -> None:
    created = api.ok("POST", "/v1/webhooks", "tier1", {"url": "https://example.com/a", "event_types": ALL})
    assert created["secret"].startswith("whsec_")
    listed = api.ok("GET", "/v1/webhooks", "tier1")["items"]
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]
    again = api.call("POST", "/v1/webhooks", "tier1", {"url": "https://example.com/a", "event_types": ALL})
    assert again.status_code == 409 and created["id"] in again.text
    for path in (f"/v1/webhooks/{created['id']}", f"/v1/webhooks/{created['id']}/deliveries"):
        assert api.call("GET", path, "tier2").status_code == 404
    assert api.call("DELETE", f"/v1/webhooks/{created['id']}", "bank").status_code == 404
    assert api.call("POST", f"/v1/webhooks/{created['id']}/replay", "bank", {}).status_code == 404
    assert api.ok("POST", f"/v1/webhooks/{created['id']}/replay", "tier1") == {"replayed": 0}  # nothing failed
    assert api.ok("GET", "/v1/webhooks", "tier2")["items"] == []


def test_outside_local_mode_an_endpoint_inside_the_services_network_is_refused(api: Api) -> None:
    rt = api.service
    settings = rt.settings
    rt.settings = settings.model_copy(update={"webhook_private_targets": False})
    try:
        for url in (
            "http://127.0.0.1:9/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://10.1.2.3/hook",
            "http://[::1]/hook",
            "http://no-such-host.invalid/hook",
        ):
            answer = api.call("POST", "/v1/webhooks", "tier1", {"url": url, "event_types": ["order.decided"]})
            assert answer.status_code == 422 and answer.json()["title"] == "Webhook target not allowed", url
        public = {"url": "https://93.184.216.34/hook", "event_types": ["order.decided"]}
        assert api.call("POST", "/v1/webhooks", "tier1", public).status_code == 201
    finally:
        rt.settings = settings


def test_a_chain_event_waits_for_its_confirmations(api: Api, receiver: Receiver) -> None:
    rt = api.service
    register(api, receiver, "tier1", "ok", ["receivable.originated", "order.decided"])
    rt.settings = rt.settings.model_copy(update={"confirmations": 3})
    api.ok("POST", f"/v1/orders/{order(api)['id']}/confirm", "gate")
    deliver(api, lambda: len(receiver.arrivals) == 1)  # the service's event goes at once ...
    assert [json.loads(a.body)["type"] for a in receiver.arrivals] == ["order.decided"]
    assert pending(api) == 1  # ... the origination waits for 3 blocks on top of its own
    rt.chain.w3.provider.ethereum_tester.mine_blocks(3)  # type: ignore[attr-defined]
    deliver(api, lambda: pending(api) == 0)
    assert [json.loads(a.body)["type"] for a in receiver.arrivals] == ["order.decided", "receivable.originated"]
