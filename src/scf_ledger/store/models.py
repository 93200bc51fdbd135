"""Tables of the read model. Amounts are exact integers of base units (BigInt); every row written from an
event is keyed by (chain id, tx hash, log index), so replaying a batch changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from scf_ledger.store.types import BigInt

ADDRESS = String(42)
HASH = String(66)


class Base(DeclarativeBase):
    """The declarative base of every table of the read model."""


# CHAIN BOOKKEEPING


class ChainMeta(Base):
    """The one chain this database follows, and how far the indexer got."""

    __tablename__ = "chain_meta"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    chain_id: Mapped[int] = mapped_column(BigInt)
    genesis_hash: Mapped[str] = mapped_column(HASH)
    addresses: Mapped[dict[str, str]] = mapped_column(JSON)
    deployment_block: Mapped[int] = mapped_column(BigInt)
    last_block: Mapped[int] = mapped_column(BigInt)  # last block fully indexed; deployment_block - 1 at first


class IndexedBlock(Base):
    """Hash of each processed block that holds events or ends a batch, compared with the chain's to detect
    reorgs (a block's hash commits to all its ancestors, so these anchors are enough to find a fork)."""

    __tablename__ = "indexed_blocks"
    number: Mapped[int] = mapped_column(BigInt, primary_key=True)
    hash: Mapped[str] = mapped_column(HASH)
    timestamp: Mapped[int | None] = mapped_column(BigInt, nullable=True)


class ChainEvent(Base):
    """Every decoded event of the deployed contracts, the source of truth the projections replay."""

    __tablename__ = "chain_events"
    chain_id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    tx_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInt, index=True)
    block_hash: Mapped[str] = mapped_column(HASH)
    contract: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, object]] = mapped_column(JSON)  # ints as decimal strings


# PROJECTIONS OF THE CHAIN


class ParticipantRow(Base):
    __tablename__ = "participants"
    address: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    kind: Mapped[int] = mapped_column(Integer, default=0)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    blacklisted: Mapped[bool] = mapped_column(Boolean, default=False)
    credit_limit: Mapped[int] = mapped_column(BigInt, default=0)
    exposure: Mapped[int] = mapped_column(BigInt, default=0)


class PurchaseRow(Base):
    __tablename__ = "purchases"
    purchase_id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    obligor: Mapped[str] = mapped_column(ADDRESS, index=True)
    originator: Mapped[str] = mapped_column(ADDRESS)
    principal: Mapped[int] = mapped_column(BigInt)
    installments: Mapped[int] = mapped_column(Integer)
    fee_per_installment: Mapped[int] = mapped_column(BigInt)
    first_due_date: Mapped[int] = mapped_column(BigInt)
    document_hash: Mapped[str] = mapped_column(HASH, unique=True)
    block_number: Mapped[int] = mapped_column(BigInt)
    tx_hash: Mapped[str] = mapped_column(HASH)


class ReceivableRow(Base):
    """One installment: terms, and the repayment state the ledger keeps (distributed, paid, penalty)."""

    __tablename__ = "receivables"
    token_id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    purchase_id: Mapped[int] = mapped_column(BigInt, ForeignKey("purchases.purchase_id"), index=True)
    installment: Mapped[int] = mapped_column(Integer)
    obligor: Mapped[str] = mapped_column(ADDRESS, index=True)
    face: Mapped[int] = mapped_column(BigInt)
    fee: Mapped[int] = mapped_column(BigInt)
    due_date: Mapped[int] = mapped_column(BigInt, index=True)
    distributed: Mapped[int] = mapped_column(BigInt, default=0)
    paid: Mapped[int] = mapped_column(BigInt, default=0)  # fee + principal repaid by the obligor
    fee_paid: Mapped[int] = mapped_column(BigInt, default=0)
    credited: Mapped[int] = mapped_column(BigInt, default=0)  # principal settled by credit notes
    fee_waived: Mapped[int] = mapped_column(BigInt, default=0)  # with a credit note, or for an early repayment
    penalty_accrued: Mapped[int] = mapped_column(BigInt, default=0)
    penalty_paid: Mapped[int] = mapped_column(BigInt, default=0)
    defaulted: Mapped[bool] = mapped_column(Boolean, default=False)
    disputed_since: Mapped[int | None] = mapped_column(BigInt, nullable=True)  # chain time; None: no dispute open
    dispute_days: Mapped[int] = mapped_column(Integer, default=0)  # of closed disputes, after due + grace
    dust: Mapped[int] = mapped_column(BigInt, default=0)  # residues (x face) of claims after full repayment


class HoldingRow(Base):
    """Units of one id held by one holder, with the holder's pro-rata checkpoint as the ledger keeps it."""

    __tablename__ = "holdings"
    token_id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    holder: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    units: Mapped[int] = mapped_column(BigInt, default=0)
    snapshot: Mapped[int] = mapped_column(BigInt, default=0)
    residue: Mapped[int] = mapped_column(BigInt, default=0)
    accrued_units: Mapped[int] = mapped_column(BigInt, default=0)


Index("ix_holdings_holder", HoldingRow.holder)


class _EventKeyed:
    """Rows that are one event: keyed by (chain id, tx hash, log index, position in a batch)."""

    chain_id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    tx_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInt, index=True)


class TransferRow(_EventKeyed, Base):
    __tablename__ = "transfers"
    position: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)  # index within a batch
    token_id: Mapped[int] = mapped_column(BigInt, index=True)
    sender: Mapped[str] = mapped_column(ADDRESS)
    receiver: Mapped[str] = mapped_column(ADDRESS)
    units: Mapped[int] = mapped_column(BigInt)


class RepaymentRow(_EventKeyed, Base):
    __tablename__ = "repayments"
    token_id: Mapped[int] = mapped_column(BigInt, index=True)
    payer: Mapped[str] = mapped_column(ADDRESS)
    amount: Mapped[int] = mapped_column(BigInt)
    to_penalty: Mapped[int] = mapped_column(BigInt)
    to_fee: Mapped[int] = mapped_column(BigInt)
    to_principal: Mapped[int] = mapped_column(BigInt)


class ClaimRow(_EventKeyed, Base):
    __tablename__ = "claims"
    token_id: Mapped[int] = mapped_column(BigInt, index=True)
    holder: Mapped[str] = mapped_column(ADDRESS, index=True)
    receiver: Mapped[str] = mapped_column(ADDRESS)
    amount: Mapped[int] = mapped_column(BigInt)


class DefaultRow(_EventKeyed, Base):
    """A receivable marked Defaulted, with what was outstanding then (penalty, fee and principal)."""

    __tablename__ = "defaults"
    token_id: Mapped[int] = mapped_column(BigInt, index=True)
    obligor: Mapped[str] = mapped_column(ADDRESS, index=True)
    outstanding: Mapped[int] = mapped_column(BigInt)


class FinancingRow(_EventKeyed, Base):
    __tablename__ = "financings"
    financier: Mapped[str] = mapped_column(ADDRESS, index=True)
    nonce: Mapped[int] = mapped_column(BigInt)
    seller: Mapped[str] = mapped_column(ADDRESS, index=True)
    token_id: Mapped[int] = mapped_column(BigInt, index=True)
    units: Mapped[int] = mapped_column(BigInt)
    value: Mapped[int] = mapped_column(BigInt)
    price: Mapped[int] = mapped_column(BigInt)


class OfferRow(Base):
    """A financier's signed offer (stored by the API); the indexer keeps fills and cancellation current."""

    __tablename__ = "offers"
    financier: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    nonce: Mapped[int] = mapped_column(BigInt, primary_key=True)
    receivable_id: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    obligor: Mapped[str | None] = mapped_column(ADDRESS, nullable=True)
    rate_bps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_units: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    max_units: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    expiry: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    signature: Mapped[str | None] = mapped_column(String(300), nullable=True)
    filled_units: Mapped[int] = mapped_column(BigInt, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


# SERVICE STATE (written by the API, not by the indexer)


class CreditOrderRow(Base):
    __tablename__ = "credit_orders"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    buyer: Mapped[str] = mapped_column(ADDRESS, index=True)
    supplier: Mapped[str] = mapped_column(ADDRESS)
    principal: Mapped[int] = mapped_column(BigInt)
    installments: Mapped[int] = mapped_column(Integer)
    fee_bps: Mapped[int] = mapped_column(Integer)
    document_hash: Mapped[str] = mapped_column(HASH, unique=True)
    status: Mapped[str] = mapped_column(String(20))  # approved, declined, review, confirmed
    purchase_id: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    gateway: Mapped[str] = mapped_column(ADDRESS)
    at: Mapped[int] = mapped_column(BigInt)  # chain time of the order
    deadline: Mapped[int] = mapped_column(BigInt)  # of the obligor's acknowledgement
    device_id: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)  # coordinates, not money
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    # An order the risk engine sent to review: who of the platform decided it, and why.
    reviewer: Mapped[str | None] = mapped_column(ADDRESS, nullable=True)
    review_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RiskDecisionRow(Base):
    __tablename__ = "risk_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(40), ForeignKey("credit_orders.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(10))
    score: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(8))
    reason_codes: Mapped[list[str]] = mapped_column(JSON)
    recommended_limit: Mapped[int] = mapped_column(BigInt)
    config_version: Mapped[str] = mapped_column(String(64))
    # A velocity freeze: the on-chain limit was lowered until `freeze_until` and is then set back.
    freeze_until: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    restore_limit: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    restored: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the scheduled review of the obligor's line starts from (None on decisions made before it existed).
    base_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    income_cap: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DisputeRow(Base):
    """A dispute on one installment, opened by the platform on the obligor's or the gateway's notice, and how it
    ended (rejected, or upheld with a credit note); the chain keeps the clock it moved."""

    __tablename__ = "disputes"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_id: Mapped[int] = mapped_column(BigInt, index=True)
    reason_code: Mapped[str] = mapped_column(String(32))
    notice_from: Mapped[str] = mapped_column(String(10))  # obligor, gateway
    detail: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10))  # open, rejected, upheld
    opened_at: Mapped[int] = mapped_column(BigInt)  # chain time
    closed_at: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    days: Mapped[int] = mapped_column(Integer, default=0)  # whole days it moved the clocks by
    credit: Mapped[int] = mapped_column(BigInt, default=0)
    fee_waiver: Mapped[int] = mapped_column(BigInt, default=0)
    resolution_reason: Mapped[str] = mapped_column(String(200), default="")


class LimitReviewRow(Base):
    """A change the scheduled review made to an obligor's line: from what, to what, the score and band it was
    sized from and why, with the transaction; sized from the order decision `decision_id` left."""

    __tablename__ = "limit_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    obligor: Mapped[str] = mapped_column(ADDRESS, index=True)
    at: Mapped[int] = mapped_column(BigInt)  # chain time
    previous_limit: Mapped[int] = mapped_column(BigInt)
    new_limit: Mapped[int] = mapped_column(BigInt)
    score: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(8))
    reason_codes: Mapped[list[str]] = mapped_column(JSON)
    config_version: Mapped[str] = mapped_column(String(64))
    decision_id: Mapped[int] = mapped_column(Integer, ForeignKey("risk_decisions.id"))
    tx_hash: Mapped[str | None] = mapped_column(HASH, nullable=True)
    operation_id: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)


class ApiKeyRow(Base):
    """API keys are random 256-bit values stored only as SHA-256 digests."""

    __tablename__ = "api_keys"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(ADDRESS, index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class WebSessionRow(Base):
    """A dashboard session: the cookie holds a random id, stored here only as its SHA-256 digest, with the API
    key it was opened with (revoking the key ends its sessions), the form token against CSRF, and its end."""

    __tablename__ = "web_sessions"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_digest: Mapped[str] = mapped_column(String(64), ForeignKey("api_keys.digest"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[int] = mapped_column(BigInt)  # UNIX seconds, wall time
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OperationRow(Base):
    """One write request, durable: who asked, with which Idempotency-Key (or none), what it asked (to run it
    again after a crash), how far it got and, once finished, the answer. `pending` until it ends `succeeded` or
    `failed`; a worker that runs it holds a lease (owner, until) that another may take once it lapses."""

    __tablename__ = "operations"
    __table_args__ = (UniqueConstraint("party", "key", name="uq_operations_party_key"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    party: Mapped[str] = mapped_column(ADDRESS)
    key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    route: Mapped[str] = mapped_column(String(200))  # "POST /v1/repayments"
    request_digest: Mapped[str] = mapped_column(String(64))
    request: Mapped[dict[str, object]] = mapped_column(JSON)  # method, path, query, body (text)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending, succeeded, failed
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class StepRow(Base):
    """One step of an operation, in order: a value it read (so that a resumed operation decides the same), or a
    chain transaction, committed with its signer, nonce, signed bytes and hash before it is broadcast."""

    __tablename__ = "operation_steps"
    operation_id: Mapped[str] = mapped_column(ForeignKey("operations.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # value, tx
    name: Mapped[str] = mapped_column(String(100))
    signer: Mapped[str | None] = mapped_column(ADDRESS, nullable=True)
    nonce: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    raw: Mapped[str | None] = mapped_column(Text, nullable=True)  # 0x-hex signed transaction
    tx_hash: Mapped[str | None] = mapped_column(HASH, nullable=True)
    value: Mapped[object | None] = mapped_column(JSON, nullable=True)
    # Hashes of the earlier attempts at this nonce, oldest first (`raw` and `tx_hash` are the newest attempt's):
    # any of them may be the one mined.
    attempts: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # value: done; tx: signed, mined, reverted, refused (never reached the node), closing/closed (its nonce
    # taken by a 0-value self-transfer, the newest attempt, because its bytes could never be sent)
    status: Mapped[str] = mapped_column(String(8))


class SignerNonceRow(Base):
    """The next nonce of a custodial signer, allocated under a row lock: no worker or restart reuses one."""

    __tablename__ = "signer_nonces"
    signer: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    next_nonce: Mapped[int] = mapped_column(BigInt)


class PartyRow(Base):
    """A party of the API: who it is, and whether the service holds its signing key."""

    __tablename__ = "parties"
    address: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # platform, gateway, supplier, financier, obligor
    custodial: Mapped[bool] = mapped_column(Boolean, default=True)
    encrypted_key: Mapped[str | None] = mapped_column(String(400), nullable=True)  # Fernet token
    gateway: Mapped[str | None] = mapped_column(ADDRESS, nullable=True, index=True)  # serving an obligor
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    signs_requests: Mapped[bool] = mapped_column(Boolean, default=False)  # has a request key: must sign


class RequestKeyRow(Base):
    """A public key a party signs its requests with (Ed25519 or RSA, PEM)."""

    __tablename__ = "request_keys"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    party: Mapped[str] = mapped_column(ADDRESS, index=True)
    algorithm: Mapped[str] = mapped_column(String(10))  # ed25519, rsa
    public_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInt)  # wall clock, Unix seconds
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class RequestNonceRow(Base):
    """A nonce a signed request used: the same (key, nonce) is refused while its timestamp could still pass."""

    __tablename__ = "request_nonces"
    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[int] = mapped_column(BigInt, index=True)


class AuditRecordRow(Base):
    """One operator action or automatic one: who (a party's address, or `job:<name>`), what, on what, why, with
    the request and the transaction it sent. Written once per operation, action and subject, so an operation run
    again after a crash does not record its action twice."""

    __tablename__ = "audit_records"
    __table_args__ = (UniqueConstraint("operation_id", "action", "subject", name="uq_audit_operation_action"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[int] = mapped_column(BigInt, index=True)  # chain time
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)  # "order.review", "receivable.default", …
    subject: Mapped[str] = mapped_column(String(80))  # an order id, a token id, an address
    reason: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, object]] = mapped_column(JSON)  # what was asked and what came of it
    tx_hash: Mapped[str | None] = mapped_column(HASH, nullable=True)
    operation_id: Mapped[str | None] = mapped_column(String(40), nullable=True)


class BlacklistEntryRow(Base):
    """A device id or a document hash the risk engine refuses, or an address blacklisted on-chain, with who
    added it and why (the on-chain flag is the truth for an address; the row is its record)."""

    __tablename__ = "blacklist_entries"
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # address, device, document
    value: Mapped[str] = mapped_column(String(200), primary_key=True)  # lowercase for addresses and hashes
    reason: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[int] = mapped_column(BigInt)  # chain time
    tx_hash: Mapped[str | None] = mapped_column(HASH, nullable=True)


# WEBHOOKS


class WebhookEndpointRow(Base):
    """A party's webhook endpoint: where to, which event types, and its signing secret (sealed with the master
    key; the previous one is still signed with until `previous_until`, so a receiver can rotate without a gap)."""

    __tablename__ = "webhook_endpoints"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    party: Mapped[str] = mapped_column(ADDRESS, index=True)
    url: Mapped[str] = mapped_column(Text)
    event_types: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    previous_until: Mapped[int | None] = mapped_column(BigInt, nullable=True)  # wall clock, Unix seconds
    created_at: Mapped[int] = mapped_column(BigInt)  # wall clock, Unix seconds
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class WebhookEventRow(Base):
    """An event told to endpoints, with the exact body they are sent. `block_number` is None for the service's
    events; a chain event is sent once its block has the configured confirmations, and is `retracted` when a
    reorg orphans its block."""

    __tablename__ = "webhook_events"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(160), index=True)
    block_number: Mapped[int | None] = mapped_column(BigInt, nullable=True, index=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)  # wall clock
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)


class WebhookDeliveryRow(Base):
    """One event to one endpoint: pending until a 2xx answer (delivered), or until the retry schedule runs out
    (failed; a replay starts it again); cancelled when its endpoint is deleted or its event retracted before a
    first attempt. A worker sending it holds a lease (owner, until), as for operations."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_events.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # pending, delivered, failed, cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # all attempts, replays included
    round_attempts: Mapped[int] = mapped_column(Integer, default=0)  # since the last replay: the schedule's place
    next_at: Mapped[float] = mapped_column(Float, index=True)  # wall clock
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    delivered_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class WebhookAttemptRow(Base):
    """One attempt at a delivery: when, the receiver's status code (None: no answer) or what went wrong."""

    __tablename__ = "webhook_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    at: Mapped[float] = mapped_column(Float)  # wall clock
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer)
