"""Webhooks (DESIGN §13): a party's endpoints and their deliveries, the chain-time job that tells of installments
gone overdue, the service's own events, and the dispatcher that sends what the outbox holds (store/outbox.py).

Delivery is at least once, signed by the Standard Webhooks scheme (`webhook-id` is the event's id, so a duplicate
is recognisable; `webhook-signature` is HMAC-SHA256 over `id.timestamp.body` with the endpoint's `whsec_` secret).
Each delivery is a row: every worker's dispatcher takes due ones under a lease, so a worker killed mid-send leaves
its deliveries to be sent again (same id, same body) once the lease lapses. An endpoint is drained by one thread
at a time: a receiver that answers 5xx or hangs holds up only its own deliveries, each attempt bounded by
`webhook_timeout`, and is retried on `webhook_retry_schedule`."""

from __future__ import annotations

import base64
import ipaddress
import logging
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import httpx
from pydantic import BaseModel, Field, HttpUrl
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from scf_ledger.domain import ledger
from scf_ledger.domain.constants import SECONDS_PER_DAY
from scf_ledger.domain.enums import EventType
from scf_ledger.services import valuation
from scf_ledger.services.background import repeat
from scf_ledger.services.errors import Conflict, Invalid, NotFound
from scf_ledger.services.journal import current_operation_id
from scf_ledger.store import outbox
from scf_ledger.store.indexer.notices import concerned
from scf_ledger.store.models import (
    ChainMeta,
    HoldingRow,
    IndexedBlock,
    ReceivableRow,
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
    WebhookEventRow,
)
from scf_ledger.store.outbox import CANCELLED, DELIVERED, FAILED, PENDING, Notice

if TYPE_CHECKING:
    from scf_ledger.services.runtime import Party, Runtime

log = logging.getLogger("scf_ledger.webhooks")

ROTATION_OVERLAP = 24 * 3_600  # seconds a rotated-out secret still signs (beside the new one)
MAX_ENDPOINTS = 20  # per party


# MODELS


class WebhookCreate(BaseModel):
    url: Annotated[HttpUrl, Field(description="http(s) only, at most 2,083 characters")]
    event_types: Annotated[list[EventType], Field(min_length=1, max_length=len(EventType))]


class WebhookOut(BaseModel):
    id: str
    url: str
    event_types: list[EventType]
    created_at: int
    secret_rotated: bool = Field(description="a previous secret still signs beside the current one")


class WebhookCreated(WebhookOut):
    secret: str = Field(description="shown once: verify `webhook-signature` with it (Standard Webhooks)")


class WebhooksPage(BaseModel):
    items: list[WebhookOut]


class AttemptOut(BaseModel):
    at: float
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_at: float | None = Field(description="wall clock of the next attempt, while pending")
    delivered_at: float | None
    payload: str = Field(description="the body sent, byte for byte")
    history: list[AttemptOut]


class DeliveriesPage(BaseModel):
    items: list[DeliveryOut]


class ReplayCreate(BaseModel):
    event_id: Annotated[str | None, Field(pattern=r"^evt_[0-9a-f]{32}$")] = Field(
        default=None, description="send this event again; none: every delivery of the endpoint that failed"
    )


class ReplayOut(BaseModel):
    replayed: int


# ENDPOINTS


def _new_secret() -> tuple[str, bytes]:
    raw = secrets.token_bytes(32)
    return "whsec_" + base64.b64encode(raw).decode(), raw


def _out(row: WebhookEndpointRow) -> WebhookOut:
    rotated = row.previous_until is not None and row.previous_until > time.time()
    return WebhookOut(
        id=row.id, url=row.url, event_types=row.event_types, created_at=row.created_at, secret_rotated=rotated
    )


def private_address(host: str) -> str | None:
    """The first address `host` is or resolves to that is not public (loopback, private, link-local, reserved,
    multicast), if any; unresolvable hosts count as not public."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return host
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            return str(address)
    return None


def check_target(rt: Runtime, url: str) -> None:
    """Refuses an endpoint the service must not call: one inside its own network, unless allowed."""
    if rt.settings.private_webhook_targets:
        return
    host = httpx.URL(url).host
    found = private_address(host)
    if found is not None:
        raise Invalid("Webhook target not allowed", f"{host} is or resolves to {found}, not a public address")


def register(rt: Runtime, party: Party, body: WebhookCreate) -> WebhookCreated:
    """A new endpoint of the caller's for the event types it names, with its signing secret (returned once)."""
    url = str(body.url)
    check_target(rt, url)
    with rt.sessions.begin() as session:
        live = session.scalars(
            select(WebhookEndpointRow).where(
                WebhookEndpointRow.party == party.address, WebhookEndpointRow.disabled.is_(False)
            )
        ).all()
        same = next((e for e in live if e.url == url), None)
        if same is not None:
            raise Conflict("Endpoint exists", f"{url} is your endpoint {same.id}: change it by deleting it first")
        if len(live) >= MAX_ENDPOINTS:
            raise Conflict("Too many endpoints", f"a party has at most {MAX_ENDPOINTS} endpoints")
        secret, raw = _new_secret()
        row = WebhookEndpointRow(
            id="wh_" + secrets.token_hex(8),
            party=party.address,
            url=url,
            event_types=sorted(set(body.event_types)),
            secret=rt.keystore.seal(raw),
            created_at=int(time.time()),
            disabled=False,
        )
        session.add(row)
        return WebhookCreated(**_out(row).model_dump(), secret=secret)


def _own(session: Session, party: Party, endpoint_id: str) -> WebhookEndpointRow:
    row = session.get(WebhookEndpointRow, endpoint_id)
    if row is None or row.disabled or row.party != party.address:
        raise NotFound("webhook", endpoint_id)
    return row


def endpoints_of(rt: Runtime, party: Party) -> WebhooksPage:
    with rt.sessions() as session:
        rows = session.scalars(
            select(WebhookEndpointRow)
            .where(WebhookEndpointRow.party == party.address, WebhookEndpointRow.disabled.is_(False))
            .order_by(WebhookEndpointRow.created_at, WebhookEndpointRow.id)
        ).all()
    return WebhooksPage(items=[_out(r) for r in rows])


def endpoint(rt: Runtime, party: Party, endpoint_id: str) -> WebhookOut:
    with rt.sessions() as session:
        return _out(_own(session, party, endpoint_id))


def delete(rt: Runtime, party: Party, endpoint_id: str) -> WebhookOut:
    """Stops the endpoint: nothing more is sent to it, its pending deliveries are cancelled."""
    with rt.sessions.begin() as session:
        row = _own(session, party, endpoint_id)
        row.disabled = True
        session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.endpoint_id == endpoint_id, WebhookDeliveryRow.status == PENDING)
            .values(status=CANCELLED)
        )
        return _out(row)


def rotate(rt: Runtime, party: Party, endpoint_id: str) -> WebhookCreated:
    """A new secret (returned once); for a day the old one still signs too (a second `v1,` signature), so the
    receiver can switch over without refusing a delivery."""
    with rt.sessions.begin() as session:
        row = _own(session, party, endpoint_id)
        secret, raw = _new_secret()
        row.previous_secret, row.previous_until = row.secret, int(time.time()) + ROTATION_OVERLAP
        row.secret = rt.keystore.seal(raw)
        return WebhookCreated(**_out(row).model_dump(), secret=secret)


# DELIVERY LOG AND REPLAY


def deliveries(rt: Runtime, party: Party, endpoint_id: str, status: str | None, limit: int) -> DeliveriesPage:
    """The endpoint's deliveries, newest first, each with every attempt."""
    with rt.sessions() as session:
        _own(session, party, endpoint_id)
        query = (
            select(WebhookDeliveryRow, WebhookEventRow)
            .join(WebhookEventRow, WebhookEventRow.id == WebhookDeliveryRow.event_id)
            .where(WebhookDeliveryRow.endpoint_id == endpoint_id)
        )
        if status is not None:
            query = query.where(WebhookDeliveryRow.status == status)
        rows = session.execute(query.order_by(WebhookDeliveryRow.id.desc()).limit(limit)).tuples().all()
        attempts: dict[int, list[AttemptOut]] = {d.id: [] for d, _ in rows}
        for a in session.scalars(
            select(WebhookAttemptRow)
            .where(WebhookAttemptRow.delivery_id.in_(list(attempts)))
            .order_by(WebhookAttemptRow.id)
        ):
            attempts[a.delivery_id].append(
                AttemptOut(at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms)
            )
    return DeliveriesPage(
        items=[
            DeliveryOut(
                id=d.id,
                event_id=e.id,
                event_type=e.type,
                status=d.status,
                attempts=d.attempts,
                next_at=d.next_at if d.status == PENDING else None,
                delivered_at=d.delivered_at,
                payload=e.payload,
                history=attempts[d.id],
            )
            for d, e in rows
        ]
    )


def replay(rt: Runtime, party: Party, endpoint_id: str, body: ReplayCreate) -> ReplayOut:
    """Sends an event again (same id, same body), or every delivery of the endpoint that failed, on a fresh
    retry schedule."""
    with rt.sessions.begin() as session:
        _own(session, party, endpoint_id)
        query = (
            select(WebhookDeliveryRow)
            .join(WebhookEventRow, WebhookEventRow.id == WebhookDeliveryRow.event_id)
            .where(WebhookDeliveryRow.endpoint_id == endpoint_id, WebhookEventRow.retracted.is_(False))
        )
        if body.event_id is None:
            chosen = session.scalars(query.where(WebhookDeliveryRow.status == FAILED)).all()
        else:
            chosen = session.scalars(query.where(WebhookDeliveryRow.event_id == body.event_id)).all()
            if not chosen:
                raise NotFound("delivery of event", body.event_id)
        for d in chosen:
            if d.status != PENDING:
                d.status, d.round_attempts, d.next_at = PENDING, 0, time.time()
        return ReplayOut(replayed=len(chosen))


def pending_deliveries(rt: Runtime) -> int:
    """How many deliveries are still to be made (all endpoints)."""
    with rt.sessions() as session:
        return session.scalar(select(func.count()).where(WebhookDeliveryRow.status == PENDING)) or 0


# EVENTS OF THE SERVICE AND OF THE CHAIN'S CLOCK


def tell(rt: Runtime, session: Session, notice: Notice, fallback: str) -> None:
    """An event of the service (an order decided, an operation ended), in the caller's transaction: it happened
    in the running operation (`fallback` outside one, where this happens once)."""
    outbox.emit(session, notice, rt.chain.deployment.chain_id, current_operation_id() or fallback)


OVERDUE_EVERY = 3_600  # chain seconds between two runs of the overdue job: it counts whole days


def tell_overdue(rt: Runtime) -> int:
    """`receivable.overdue`, once per installment, one day after its due date and grace (on the clock its
    disputes moved) while it is neither settled, defaulted nor in dispute: a job of the leading worker, dated
    by the last indexed block (so a reorg orphaning that block retracts it). Returns how many it told."""
    now = rt.clock.now()
    if rt.overdue_checked_at <= now < rt.overdue_checked_at + OVERDUE_EVERY:
        return 0
    rt.overdue_checked_at = now
    with rt.sessions.begin() as session:
        if not outbox.wanted(session, EventType.RECEIVABLE_OVERDUE):
            return 0
        told = set(
            session.scalars(
                select(WebhookEventRow.subject).where(
                    WebhookEventRow.type == EventType.RECEIVABLE_OVERDUE, WebhookEventRow.retracted.is_(False)
                )
            )
        )
        late = session.scalars(
            select(ReceivableRow).where(
                ReceivableRow.defaulted.is_(False),
                ReceivableRow.disputed_since.is_(None),
                ReceivableRow.due_date < now - SECONDS_PER_DAY,
            )
        ).all()
        late = [r for r in late if str(r.token_id) not in told and not ledger.is_repaid(r)]
        if not late:
            return 0
        terms = valuation.terms_by_purchase(session, session)
        meta = session.get(ChainMeta, 1)
        assert meta is not None
        block_hash = session.scalar(select(IndexedBlock.hash).where(IndexedBlock.number == meta.last_block)) or ""
        late = [
            r
            for r in late
            if r.due_date + (r.dispute_days + terms[r.purchase_id].grace_days + 1) * SECONDS_PER_DAY <= now
        ]
        holdings: dict[int, list[HoldingRow]] = {r.token_id: [] for r in late}
        for h in session.scalars(select(HoldingRow).where(HoldingRow.token_id.in_(list(holdings)))):
            holdings[h.token_id].append(h)
        chain_id, count = rt.chain.deployment.chain_id, 0
        for r in late:
            data = {
                "receivable_id": str(r.token_id),
                "obligor": r.obligor,
                "due_date": r.due_date,
                "days_past_due": ledger.days_past_due(r, now),
                "unpaid": str(ledger.owed(r)),
            }
            parties = concerned(session, r, holdings[r.token_id])
            notice = Notice(EventType.RECEIVABLE_OVERDUE, str(r.token_id), parties, data)
            count += outbox.emit(session, notice, chain_id, block_hash, meta.last_block) is not None
        return count


# THE DISPATCHER


def _sign(secrets_: list[bytes], event_id: str, payload: str) -> dict[str, str]:
    at = datetime.now(UTC)
    signature = " ".join(Webhook(s).sign(event_id, at, payload) for s in secrets_)
    return {
        "content-type": "application/json",
        "user-agent": "scf-ledger-webhooks/1",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


class Dispatcher:
    """Sends due deliveries from every worker: a pool of threads, each draining one endpoint at a time."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        s = rt.settings
        self._schedule = s.webhook_retry_schedule
        self._pool = ThreadPoolExecutor(max_workers=s.webhook_concurrency, thread_name_prefix="scf-webhook")
        self._http = httpx.Client(timeout=s.webhook_timeout, follow_redirects=False)
        self._lease = s.webhook_timeout + 30.0  # an attempt takes at most the timeout: then it is someone else's
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.rt.db_url.startswith("sqlite"):  # one process per SQLite file: a lease left is a dead one's
            with self.rt.sessions.begin() as session:
                session.execute(
                    update(WebhookDeliveryRow)
                    .where(WebhookDeliveryRow.status == PENDING)
                    .values(owner=None, lease_until=None)
                )

        self._thread = repeat("webhook dispatch", self.tick, self.rt.settings.webhook_interval, self._stop)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()

    def _ready(self, now: float, confirmed: int | None) -> list[Any]:
        """What makes a delivery due now: pending, its time come, nobody sending it, its block confirmed."""
        conditions = [
            WebhookDeliveryRow.status == PENDING,
            WebhookDeliveryRow.next_at <= now,
            or_(WebhookDeliveryRow.lease_until.is_(None), WebhookDeliveryRow.lease_until < now),
        ]
        if confirmed is not None:
            conditions.append(or_(WebhookEventRow.block_number.is_(None), WebhookEventRow.block_number <= confirmed))
        return conditions

    def _confirmed_through(self) -> int | None:
        """The newest block with the configured confirmations (None: every indexed block has them)."""
        confirmations = self.rt.settings.confirmations
        return None if confirmations == 0 else self.rt.chain.w3.eth.block_number - confirmations

    def tick(self) -> None:
        """Starts a drain for each endpoint with a due delivery that no thread of this worker is draining."""
        confirmed = self._confirmed_through()
        with self.rt.sessions() as session:
            endpoint_ids = session.scalars(
                select(WebhookDeliveryRow.endpoint_id)
                .join(WebhookEventRow, WebhookEventRow.id == WebhookDeliveryRow.event_id)
                .where(*self._ready(time.time(), confirmed))
                .distinct()
            ).all()
        for endpoint_id in endpoint_ids:
            with self._lock:
                if endpoint_id in self._busy:
                    continue
                self._busy.add(endpoint_id)
            self._pool.submit(self._drain, endpoint_id, confirmed)

    def _drain(self, endpoint_id: str, confirmed: int | None) -> None:
        try:
            while not self._stop.is_set():
                taken = self._take(endpoint_id, confirmed)
                if taken is None:
                    return
                self._attempt(*taken)
        except Exception as exc:  # logged; the lease lapses and the delivery is sent again
            log.warning("webhook drain of %s failed: %s: %s", endpoint_id, type(exc).__name__, exc)
        finally:
            with self._lock:
                self._busy.discard(endpoint_id)

    def _take(self, endpoint_id: str, confirmed: int | None) -> tuple[int, str, str, str, list[bytes]] | None:
        """The endpoint's oldest due delivery, leased to this worker: (id, url, event id, body, secrets)."""
        for _ in range(5):  # another worker may win the one we look at: look again
            now = time.time()
            with self.rt.sessions.begin() as session:
                found = session.execute(
                    select(WebhookDeliveryRow.id, WebhookEventRow.id, WebhookEventRow.payload)
                    .join(WebhookEventRow, WebhookEventRow.id == WebhookDeliveryRow.event_id)
                    .where(WebhookDeliveryRow.endpoint_id == endpoint_id, *self._ready(now, confirmed))
                    .order_by(WebhookDeliveryRow.id)
                    .limit(1)
                ).first()
                if found is None:
                    return None
                delivery_id, event_id, payload = found
                won = session.execute(
                    update(WebhookDeliveryRow)
                    .where(WebhookDeliveryRow.id == delivery_id, *self._ready(now, None))
                    .values(owner=self.rt.worker_id, lease_until=now + self._lease)
                ).rowcount
                if not won:
                    continue
                row = session.get(WebhookEndpointRow, endpoint_id)
                assert row is not None
                keys = [self.rt.keystore.unseal(row.secret)]
                if row.previous_secret and (row.previous_until or 0) > now:
                    keys.append(self.rt.keystore.unseal(row.previous_secret))
                return delivery_id, row.url, event_id, payload, keys
        return None

    def _attempt(self, delivery_id: int, url: str, event_id: str, payload: str, keys: list[bytes]) -> None:
        """One POST of the event, and what came of it: delivered on a 2xx, else the next attempt scheduled (or
        the delivery failed, once the schedule is spent)."""
        began = time.monotonic()
        status_code: int | None = None
        error: str | None = None
        try:
            check_target(self.rt, url)  # again: what a name resolves to may have changed since
            # Streamed, and the body never read: only the status code counts, whatever the receiver sends back.
            with self._http.stream(
                "POST", url, content=payload.encode(), headers=_sign(keys, event_id, payload)
            ) as answer:
                status_code = answer.status_code
            if not 200 <= status_code < 300:
                error = f"answered {status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:200]
        except Invalid as exc:
            error = exc.detail[:200]
        now = time.time()
        with self.rt.sessions.begin() as session:
            d = session.get(WebhookDeliveryRow, delivery_id)
            assert d is not None
            duration = int((time.monotonic() - began) * 1_000)
            session.add(
                WebhookAttemptRow(delivery_id=d.id, at=now, status_code=status_code, error=error, duration_ms=duration)
            )
            d.attempts += 1
            d.round_attempts += 1
            d.owner = d.lease_until = None
            if d.status != PENDING:  # cancelled while it was on its way
                return
            if error is None:
                d.status, d.delivered_at = DELIVERED, now
            elif d.round_attempts >= len(self._schedule):
                d.status = FAILED
            else:
                d.next_at = now + self._schedule[d.round_attempts]
