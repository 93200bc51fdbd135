"""The webhook outbox: events for the parties' endpoints, written in the same transaction as what they tell (a
batch of indexed blocks, an order's decision, an operation's end), so that none is told twice or lost by a crash
in between. Each event is fanned out at once to one delivery per endpoint that subscribed to its type and may see
it: the parties it concerns, and the platform. An event nobody asked for is not stored. `services/webhooks.py`
sends the deliveries.

An event's id is a hash of its type, subject, chain id and where it happened (a block hash and log index, or an
operation id), so an event written again (a batch replayed, an operation run again) is the same event."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from scf_ledger.domain.enums import EVENT_RETRACTED, Role
from scf_ledger.store.models import PartyRow, WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow

PENDING, DELIVERED, FAILED, CANCELLED = "pending", "delivered", "failed", "cancelled"


@dataclass(frozen=True)
class Notice:
    """An event to tell: its type, what it is about, who it concerns, and its data (amounts as decimal strings)."""

    type: str
    subject: str
    parties: Collection[str]
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Subscriber:
    endpoint_id: str
    party: str
    sees_all: bool  # the platform's endpoints hear of everything
    types: frozenset[str]

    def wants(self, notice: Notice) -> bool:
        return notice.type in self.types and (self.sees_all or self.party in notice.parties)


def event_id(type_: str, subject: str, chain_id: int, where: str) -> str:
    digest = hashlib.sha256(json.dumps([type_, subject, chain_id, where]).encode()).hexdigest()
    return "evt_" + digest[:32]


def subscribers(session: Session) -> list[Subscriber]:
    """The live endpoints, read once per transaction (a batch of blocks asks for each of its events)."""
    cached: list[Subscriber] | None = session.info.get("webhook_subscribers")
    if cached is None:
        rows = session.execute(
            select(WebhookEndpointRow.id, WebhookEndpointRow.party, PartyRow.role, WebhookEndpointRow.event_types)
            .join(PartyRow, PartyRow.address == WebhookEndpointRow.party)
            .where(WebhookEndpointRow.disabled.is_(False))
        ).all()
        cached = [Subscriber(i, p, role == Role.PLATFORM, frozenset(types)) for i, p, role, types in rows]
        session.info["webhook_subscribers"] = cached
    return cached


def forget(session: Session) -> None:
    """Drops what this module cached on the session (the transaction is over)."""
    for key in [k for k in session.info if str(k).startswith("webhook_")]:
        del session.info[key]


def wanted(session: Session, type_: str) -> bool:
    """Whether any endpoint subscribed to `type_`: what it takes to tell one is not worth doing otherwise."""
    return any(type_ in s.types for s in subscribers(session))


def emit(session: Session, notice: Notice, chain_id: int, where: str, block_number: int | None = None) -> str | None:
    """Stores the event with a pending delivery to each endpoint that wants it (none: nothing is stored) and
    returns its id; an event stored before is left as it is."""
    targets = [s for s in subscribers(session) if s.wants(notice)]
    if not targets:
        return None
    eid = event_id(notice.type, notice.subject, chain_id, where)
    if session.get(WebhookEventRow, eid) is not None:
        return eid
    _store(session, eid, notice.type, notice.subject, notice.data, block_number, [t.endpoint_id for t in targets])
    return eid


def _store(
    session: Session,
    eid: str,
    type_: str,
    subject: str,
    data: dict[str, Any],
    block_number: int | None,
    endpoint_ids: list[str],
) -> None:
    now = time.time()
    created = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    payload = json.dumps({"id": eid, "type": type_, "timestamp": created, "data": data}, separators=(",", ":"))
    # Inserted at once rather than added to the session: a batch of blocks writes without autoflush.
    event = {"id": eid, "type": type_, "subject": subject, "block_number": block_number, "payload": payload}
    session.execute(insert(WebhookEventRow), [{**event, "created_at": now, "retracted": False}])
    session.execute(
        insert(WebhookDeliveryRow),
        [
            {"endpoint_id": e, "event_id": eid, "status": PENDING, "attempts": 0, "round_attempts": 0, "next_at": now}
            for e in endpoint_ids
        ],
    )


def retract_above(session: Session, fork: int) -> int:
    """A reorg orphaned every block above `fork`: their events are retracted. A delivery not yet attempted is
    cancelled (never sent); an endpoint that may have received the event (an attempt was made) gets no more
    attempts and is sent `event.retracted` naming it. Returns how many events were retracted."""
    orphaned = session.scalars(
        select(WebhookEventRow).where(WebhookEventRow.block_number > fork, WebhookEventRow.retracted.is_(False))
    ).all()
    for event in orphaned:
        event.retracted = True
        deliveries = session.scalars(select(WebhookDeliveryRow).where(WebhookDeliveryRow.event_id == event.id)).all()
        told = [d.endpoint_id for d in deliveries if d.attempts > 0 or d.owner is not None]  # sent, or being sent
        session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.event_id == event.id, WebhookDeliveryRow.status == PENDING)
            .values(status=CANCELLED, owner=None, lease_until=None)
        )
        if told:
            data = {"retracted_id": event.id, "type": event.type, "block_number": str(event.block_number)}
            retraction = event_id(EVENT_RETRACTED, event.id, 0, event.id)
            _store(session, retraction, EVENT_RETRACTED, event.id, data, None, told)
    return len(orphaned)
