"""Webhooks through faults (issue 20): `scf serve` on anvil (Hardhat's node in make test-hardhat) tells a real
receiver on loopback of a whole story while the receiver fails first attempts, one endpoint hangs, and the
server is killed -9 twice (once while a receiver holds an answer it already took). Every signature verifies;
every event each party should hear of arrives; none is lost; a duplicate carries the same id and the same body;
the hanging endpoint holds up no one else."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from scf_ledger.domain.constants import UNIT
from scf_ledger.domain.enums import EventType
from scf_ledger.store.db import make_engine, session_factory
from scf_ledger.store.models import WebhookDeliveryRow
from tests.utils.api import order_body
from tests.utils.nodes import TEST_NODE
from tests.utils.receiver import Receiver
from tests.utils.served import Server, deployed, story_api

FAST = {
    "SCF_WEBHOOK_RETRY_SCHEDULE": "[0, 0.2, 0.5, 1, 2, 4, 8]",
    "SCF_WEBHOOK_INTERVAL": "0.1",
    "SCF_WEBHOOK_TIMEOUT": "2",
    "SCF_INDEX_INTERVAL": "0.2",
}
ALL = [t.value for t in EventType]


def _until(what: str, done: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"{what}: not in {timeout:.0f} s"
        time.sleep(0.1)


def test_every_event_arrives_signed_through_kill_9_failures_and_a_hanging_receiver(tmp_path: Path) -> None:
    receiver = Receiver(hang_seconds=10, slow_seconds=1.5)
    with TEST_NODE.start() as node:
        chain, deployment = deployed(node.url, tmp_path)
        db_url = f"sqlite:///{tmp_path / 'scf.sqlite'}"
        server = Server(node.url, deployment, db_url, tmp_path / "admin.key", env=FAST)
        server.start()
        try:
            api = story_api(server, tmp_path / "admin.key")
            api.register("buyer", "obligor")
            for who, path in (("tier1", "flaky"), ("bank", "slow"), ("gate", "hang")):
                created = api.ok("POST", "/v1/webhooks", who, {"url": receiver.url(path), "event_types": ALL})
                receiver.secrets[path] = created["secret"]

            placed = api.ok("POST", "/v1/orders", "gate", order_body(api, principal=300 * UNIT))
            ids = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"]
            api.ok("POST", f"/v1/receivables/{ids[0]}/transfers", "tier1", {"to": api.addresses["tier2"], "units": "7"})
            server.kill()  # with tier1's first attempts failed and its retries due
            server.start()

            api.ok("POST", "/v1/cash", "platform", {"to": api.addresses["bank"], "amount": str(100 * UNIT)})
            expiry = str(chain.now() + 86_400)
            body = {"receivable_id": ids[0], "rate_bps": 900, "max_units": str(50 * UNIT), "expiry": expiry}
            offer = api.ok("POST", "/v1/offers", "bank", body)
            api.ok("POST", "/v1/financing-requests", "tier1", {"offer_id": offer["id"], "units": str(50 * UNIT)})
            _until("a first delivery to bank", lambda: bool(receiver.ids("slow")))
            server.kill()  # bank's receiver has the event and has not answered yet
            server.start()
            api.ok("POST", "/v1/repayments", "gate", {"receivable_id": ids[0], "full": True})
            for holder in ("tier1", "bank"):
                api.ok("POST", "/v1/claims", holder)

            expected = {
                "tier1": Counter(
                    {
                        "order.decided": 1,
                        "receivable.originated": 1,
                        "receivable.transferred": 2,  # to tier2, and the sale to bank
                        "financing.completed": 1,
                        "repayment.received": 1,
                        "claim.available": 1,
                        "operation.finished": 3,  # its transfer, its sale, its claim
                    }
                ),
                "bank": Counter(
                    {
                        "receivable.transferred": 1,
                        "financing.completed": 1,
                        "repayment.received": 1,
                        "claim.available": 1,
                        "operation.finished": 2,  # its offer, its claim
                    }
                ),
            }

            def told(path: str) -> Counter[str]:
                return Counter(json.loads(a.body)["type"] for a in _first_of_each(receiver, path))

            def settled(who: str) -> bool:  # the server heard every answer
                (endpoint,) = api.ok("GET", "/v1/webhooks", who)["items"]
                return not api.ok("GET", f"/v1/webhooks/{endpoint['id']}/deliveries?status=pending", who)["items"]

            _until(
                "every event to tier1 and bank",
                lambda: told("flaky") == expected["tier1"] and told("slow") == expected["bank"],
                timeout=90,
            )
            _until("the answers heard", lambda: settled("tier1") and settled("bank"))
        finally:
            server.stop()
            receiver.close()

    assert receiver.refused == []  # every signature verified
    for path in ("flaky", "slow"):
        seen: dict[str, bytes] = {}
        for a in receiver.arrivals:
            if a.path == path:
                assert seen.setdefault(a.event_id, a.body) == a.body  # a duplicate is the same event, byte for byte
    duplicated = Counter(a.event_id for a in receiver.arrivals if a.path == "slow")
    assert max(duplicated.values()) >= 2  # the one taken while the server died was sent again
    assert all(receiver.attempts[("flaky", i)] >= 2 for i in receiver.ids("flaky"))  # each failed once first
    # The database agrees: every delivery to those two is delivered, and its event is one that arrived.
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        rows = session.execute(
            select(WebhookDeliveryRow.endpoint_id, WebhookDeliveryRow.event_id, WebhookDeliveryRow.status)
        ).all()
    engine.dispose()
    arrived = receiver.ids("flaky") | receiver.ids("slow")
    delivered = {event for _, event, status in rows if status == "delivered"}
    assert arrived <= {event for _, event, _ in rows} and delivered == arrived
    assert receiver.ids("hang") == set()  # it never answers in time: its deliveries wait their retries


def _first_of_each(receiver: Receiver, path: str) -> list:
    firsts: dict[str, object] = {}
    for a in receiver.arrivals:
        if a.path == path:
            firsts.setdefault(a.event_id, a)
    return list(firsts.values())
