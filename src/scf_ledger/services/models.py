"""Requests and responses of the services (pydantic v2), apart from the database rows. A family per resource:
`*Create` what a caller sends, `*Out` what it gets back; amounts are ints (services/types.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scf_ledger.domain.constants import (
    MAX_DEFAULT_DAYS,
    MAX_FEE_BPS,
    MAX_GRACE_DAYS,
    MAX_INT64,
    MAX_INTEREST_FREE_DAYS,
    MAX_PENALTY_BPS_PER_DAY,
    MAX_UINT64,
)
from scf_ledger.services.types import (
    Address,
    Amount,
    AmountIn,
    Bytes32,
    Signature,
    TimestampIn,
    TokenId,
    TokenIdIn,
    Uint,
    Uint256In,
)
from scf_ledger.store.reports import LineageStep


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# PARTIES


class ParticipantCreate(Strict):
    kind: Literal["gateway", "supplier", "financier", "obligor"]
    name: str = Field(min_length=1, max_length=200)
    address: Address | None = None  # set for a party that signs for itself
    gateway: Address | None = None  # an obligor's: the gateway that serves it (required for an obligor)


class ParticipantOut(BaseModel):
    address: str
    name: str
    kind: str
    custodial: bool
    gateway: str | None = None


class ParticipantCreated(ParticipantOut):
    api_key: str


class ParticipantsOut(BaseModel):
    items: list[ParticipantOut]


class MeOut(BaseModel):
    address: str
    name: str
    role: str
    custodial: bool
    cash: Amount
    holdings: int
    holdings_value: Amount


class CashCreate(Strict):
    to: Address
    amount: AmountIn


class CashOut(BaseModel):
    to: str
    amount: Amount
    tx_hash: str
    balance: Amount


# ORDERS


class Location(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Profile(Strict):
    age: int | None = Field(default=None, ge=18, le=120)
    monthly_income: AmountIn | None = None
    employment_months: int | None = Field(default=None, ge=0, le=1_200)
    # The applicant's file, in the category codes the fitted scorecard scores (data/engine-spec.toml).
    credit_history: Literal["none_taken", "all_paid_here", "paid_duly", "delayed", "critical"] | None = None
    savings: Literal["unknown", "lt_100", "100_500", "500_1000", "ge_1000"] | None = None
    housing: Literal["own", "rent", "free"] | None = None
    checking_account: Literal["none", "overdrawn", "lt_200", "ge_200"] | None = None
    existing_credits: int | None = Field(default=None, ge=0, le=100)


class OrderCreate(Strict):
    buyer: Address
    supplier: Address
    principal: AmountIn
    installments: Literal[1, 3, 6, 12, 24]
    fee_bps: int = Field(ge=0, le=10_000)
    document_hash: Bytes32
    location: Location | None = None
    device_id: str = Field(default="", max_length=200)
    login_hour: int | None = Field(default=None, ge=0, le=23)
    profile: Profile = Profile()


class DecisionOut(BaseModel):
    outcome: str
    score: int
    band: str
    reason_codes: list[str]
    recommended_limit: Amount
    config_version: str


class OrderOut(BaseModel):
    id: str
    status: str
    buyer: str
    supplier: str
    principal: Amount
    installments: int
    fee_bps: int
    document_hash: str
    decision: DecisionOut | None = None
    review: ReviewOut | None = None  # set once the platform decided an order in review
    purchase_id: Uint | None = None
    token_ids: list[TokenId] = []


class ReviewOut(BaseModel):
    reviewer: str
    reason: str


class ConfirmedOrderOut(OrderOut):
    tx_hash: str


class ConfirmOrder(Strict):
    acknowledgement_signature: Signature | None = None  # for a buyer that signs for itself


class TypedDataOut(BaseModel):
    """EIP-712 typed data, as `eth_signTypedData_v4` takes it."""

    types: dict[str, list[dict[str, str]]]
    primaryType: str
    domain: dict[str, Any]
    message: dict[str, Any]

    @classmethod
    def of(cls, typed: dict[str, Any]) -> TypedDataOut:
        """Typed data with its integers as decimal strings and bytes as 0x-hex, as JSON carries them exactly."""
        message = {
            k: "0x" + v.hex() if isinstance(v, bytes) else str(v) if isinstance(v, int) else v
            for k, v in typed["message"].items()
        }
        return cls(types=typed["types"], primaryType=typed["primaryType"], domain=typed["domain"], message=message)


# RECEIVABLES


class ReceivableSummary(BaseModel):
    id: TokenId
    purchase_id: Uint
    installment: int
    obligor: str
    face: Amount
    fee: Amount
    due_date: int
    status: str
    paid: Amount


class ReceivableFilters(Strict):
    """The query of a page of receivables."""

    holder: Address | None = None
    obligor: Address | None = None
    status: Literal["active", "overdue", "defaulted", "repaid"] | None = None
    due_from: int | None = Field(default=None, ge=0, le=MAX_UINT64)
    due_to: int | None = Field(default=None, ge=0, le=MAX_UINT64)
    cursor: TokenIdIn | None = None
    limit: int = Field(default=50, ge=1, le=500)


class ReceivablesPage(BaseModel):
    items: list[ReceivableSummary]
    next_cursor: TokenId | None


class ReceivableDetail(ReceivableSummary):
    originator: str
    currency: str
    document_hash: str
    principal_paid: Amount
    fee_paid: Amount
    principal_credited: Amount  # by credit notes, paid in by the originator to the holders
    fee_waived: Amount
    dispute_days: int  # the penalty and default clocks moved by them
    penalty_accrued: Amount
    penalty_owed: Amount
    amount_due: Amount
    next_due: int | None
    paid_per_unit_scaled: Uint
    your_units: Amount
    your_claimable: Amount


class LineageOut(BaseModel):
    receivable_id: TokenId
    steps: list[LineageStep]


class TransferCreate(Strict):
    to: Address
    units: AmountIn


class TransferOut(BaseModel):
    tx_hash: str
    receivable_id: TokenId
    units: Amount
    balances: dict[str, Amount]


# FINANCING


class OfferTerms(Strict):
    """What an offer buys and at what rate; the nonce is chosen when not given."""

    receivable_id: TokenIdIn | None = None
    obligor: Address | None = None
    rate_bps: int = Field(ge=0, le=65_535)
    min_units: AmountIn = 1
    max_units: AmountIn
    expiry: TimestampIn
    nonce: Uint256In | None = None


class OfferCreate(OfferTerms):
    signature: Signature | None = None  # for a financier that signs for itself (GET /v1/offers/typed-data)


class OfferOut(BaseModel):
    id: str
    financier: str
    receivable_id: TokenId | None
    obligor: str | None
    rate_bps: int
    min_units: Amount
    max_units: Amount
    filled_units: Amount
    expiry: Uint
    nonce: Uint
    cancelled: bool
    signature: str


class OffersOut(BaseModel):
    items: list[OfferOut]


class OfferCancelled(BaseModel):
    id: str
    cancelled: bool
    tx_hash: str


class QuoteOut(BaseModel):
    offer_id: str
    receivable_id: TokenId
    units: Amount
    price: Amount


class FinancingCreate(Strict):
    offer_id: str = Field(min_length=3, max_length=120)
    receivable_id: TokenIdIn | None = None  # required for an obligor-level offer
    units: AmountIn


class FinancingOut(BaseModel):
    offer_id: str
    receivable_id: TokenId
    units: Amount
    value: Amount
    price: Amount
    tx_hash: str
    balances: dict[str, Amount]


# SETTLEMENT AND CREDIT


class RepaymentCreate(Strict):
    receivable_id: TokenIdIn | None = None
    order_id: str | None = None
    amount: AmountIn | None = None
    full: bool = False


class AllocationOut(BaseModel):
    receivable_id: TokenId
    amount: Amount
    to_penalty: Amount
    to_fee: Amount
    to_principal: Amount
    fee_waived: Amount  # repaid in full before its period started: its fee is not owed
    tx_hash: str
    status: str


class RepaymentOut(BaseModel):
    amount: Amount
    allocations: list[AllocationOut]


class ClaimOut(BaseModel):
    receivable_id: TokenId
    amount: Amount


class ClaimsOut(BaseModel):
    total: Amount
    claims: list[ClaimOut]


class CreditOut(BaseModel):
    obligor: str
    limit: Amount
    exposure: Amount
    available: Amount
    frozen: bool
    blacklisted: bool


class LimitUpdate(Strict):
    limit: AmountIn
    reason: str = Field(default="MANUAL", max_length=32)


class LimitOut(BaseModel):
    obligor: str
    limit: Amount
    tx_hash: str


class LimitReviewOut(BaseModel):
    """A change the scheduled review made to a line: from what to what, the score and band it was sized from,
    and why (reason codes)."""

    id: int
    obligor: str
    at: int
    previous_limit: Amount
    new_limit: Amount
    score: int
    band: str
    reason_codes: list[str]
    config_version: str
    tx_hash: str | None


class LimitReviewsPage(BaseModel):
    items: list[LimitReviewOut]


# THE OPERATOR'S DESK


class ReviewCreate(Strict):
    """The platform's decision on an order in review: approve (at most the amount asked, on a line no higher than
    the one the scorecard recommends) or decline; the reason is recorded."""

    decision: Literal["approve", "decline"]
    reason: str = Field(min_length=1, max_length=200)
    principal: AmountIn | None = None  # approve a lower amount than asked
    limit: AmountIn | None = None  # approve on a lower line than recommended


class ReviewsPage(BaseModel):
    items: list[OrderOut]


class DefaultCreate(Strict):
    reason: str = Field(default="MANUAL", min_length=1, max_length=200)


class DefaultOut(BaseModel):
    receivable_id: TokenId
    outstanding: Amount  # what was owed at the default: penalty, fee and principal not yet paid
    obligor: str
    frozen: bool  # the obligor's line, frozen by the default
    tx_hash: str


# DILUTION, REFUNDS AND DISPUTES


class CreditNoteCreate(Strict):
    """Goods returned or a price cut on one installment: `credit` of its unpaid principal, paid in by the
    originator, and `fee_waiver` of its unpaid fee waived by the platform."""

    credit: AmountIn = 0
    fee_waiver: AmountIn = 0
    reason: str = Field(min_length=1, max_length=200)


class CreditNoteOut(BaseModel):
    receivable_id: TokenId
    credit: Amount
    fee_waiver: Amount
    originator: str  # who paid the credit in
    amount_due: Amount  # what the obligor owes on it now
    status: str
    tx_hash: str


class RefundCreate(Strict):
    """A refund of a confirmed order: `amount` of its unpaid principal, latest installment first, or `full`."""

    amount: AmountIn | None = None
    full: bool = False
    reason: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _amount_or_full(self) -> RefundCreate:
        if (self.amount is None) == (not self.full):
            raise ValueError("give either amount or full: true")
        if self.amount == 0:
            raise ValueError("amount must be at least one base unit")
        return self


class RefundOut(BaseModel):
    order_id: str
    purchase_id: Uint
    credited: Amount
    tx_hash: str


class DisputeCreate(Strict):
    """A dispute opened by the platform on the obligor's or the gateway's notice, with a reason code."""

    reason_code: str = Field(pattern=r"^[A-Z0-9_]{1,32}$")
    notice_from: Literal["obligor", "gateway"]
    detail: str = Field(default="", max_length=200)


class ResolutionCreate(Strict):
    """Rejected: back to normal. Upheld: with a credit note of `credit` and `fee_waiver` (or none)."""

    outcome: Literal["rejected", "upheld"]
    credit: AmountIn = 0
    fee_waiver: AmountIn = 0
    reason: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _credit_only_when_upheld(self) -> ResolutionCreate:
        if self.outcome == "rejected" and (self.credit or self.fee_waiver):
            raise ValueError("a rejected dispute takes no credit nor waiver")
        return self


DisputeStatus = Literal["open", "rejected", "upheld"]


class DisputeOut(BaseModel):
    id: str
    receivable_id: TokenId
    reason_code: str
    notice_from: str
    detail: str
    status: DisputeStatus
    opened_at: int
    closed_at: int | None
    days: int  # whole days it moved the penalty and default clocks by
    credit: Amount
    fee_waiver: Amount
    resolution_reason: str


class DisputesPage(BaseModel):
    items: list[DisputeOut]


class VoidCreate(Strict):
    reason: str = Field(min_length=1, max_length=200)


class OverdueOut(BaseModel):
    """An installment past its due date, neither repaid nor defaulted: how late, what is unpaid, and whether
    the current terms let the platform mark it defaulted now."""

    receivable_id: TokenId
    obligor: str
    due_date: int
    days_past_due: int
    unpaid: Amount  # fee and principal (penalty apart)
    penalty_owed: Amount  # as the ledger counts it now
    defaultable: bool


class OverduePage(BaseModel):
    as_of: int  # chain time
    default_days: int
    items: list[OverdueOut]


class BlacklistCreate(Strict):
    """An address (blacklisted on-chain), a device id or a document hash (refused by the risk engine)."""

    kind: Literal["address", "device", "document"]
    value: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=200)


class BlacklistEntryOut(BaseModel):
    kind: str
    value: str
    reason: str
    actor: str
    at: int
    tx_hash: str | None = None


class BlacklistOut(BaseModel):
    items: list[BlacklistEntryOut]


class FreezeUpdate(Strict):
    frozen: bool
    reason: str = Field(min_length=1, max_length=32)


class FlagOut(BaseModel):
    """A switch after the platform set it: the obligor's freeze, or the pause of ledger and market."""

    subject: str
    on: bool
    tx_hashes: list[str]


class PauseUpdate(Strict):
    paused: bool
    reason: str = Field(min_length=1, max_length=200)


class PayoutCreate(Strict):
    to: Address | None = None  # the platform's own address unless given


class PayoutOut(BaseModel):
    amount: Amount
    to: str
    tx_hash: str


class TermsIn(Strict):
    """The late terms and the fee cap new purchases get, within the ledger's bounds (DESIGN §14)."""

    grace_days: int = Field(ge=0, le=MAX_GRACE_DAYS)
    penalty_bps_per_day: int = Field(ge=0, le=MAX_PENALTY_BPS_PER_DAY)
    default_days: int = Field(ge=1, le=MAX_DEFAULT_DAYS)
    interest_free_days: int = Field(ge=0, le=MAX_INTEREST_FREE_DAYS)
    max_fee_bps: int = Field(ge=0, le=MAX_FEE_BPS)
    reason: str = Field(default="MANUAL", min_length=1, max_length=200)

    @model_validator(mode="after")
    def default_after_grace(self) -> TermsIn:
        if self.default_days <= self.grace_days:
            raise ValueError("default_days must be more than grace_days")
        return self


class TermsOut(BaseModel):
    grace_days: int
    penalty_bps_per_day: int
    default_days: int
    interest_free_days: int
    max_fee_bps: int
    tx_hash: str | None = None


class AuditFilters(Strict):
    actor: str | None = Field(default=None, max_length=64)
    action: str | None = Field(default=None, max_length=40)
    subject: str | None = Field(default=None, max_length=80)
    since: int | None = Field(default=None, ge=0, le=MAX_UINT64)  # chain time, inclusive
    until: int | None = Field(default=None, ge=0, le=MAX_UINT64)  # chain time, exclusive
    cursor: int | None = Field(default=None, ge=0, le=MAX_INT64)  # a record's id (a signed 64-bit key)
    limit: int = Field(default=50, ge=1, le=500)
    format: Literal["json", "csv"] | None = None  # CSV also when asked with Accept: text/csv


class AuditRecordOut(BaseModel):
    id: int
    at: int
    actor: str
    action: str
    subject: str
    reason: str
    detail: dict[str, Any]
    tx_hash: str | None
    operation_id: str | None


class AuditPage(BaseModel):
    items: list[AuditRecordOut]
    next_cursor: int | None


# OPERATIONS


class TransactionOut(BaseModel):
    """One chain write of an operation: the hash of the attempt mined (else the newest), and every attempt's."""

    tx_hash: str
    nonce: Uint
    status: str  # signed, mined, reverted, refused, closing, closed
    attempts: list[str]  # earlier attempts at the same nonce (replaced with a higher fee), oldest first


class OperationOut(BaseModel):
    """A write request as the service recorded it: `pending` until it ends `succeeded` or `failed`, with its
    transactions and, once it ended, the answer (`status_code`, `response`)."""

    id: str
    status: Literal["pending", "succeeded", "failed"]
    route: str
    transactions: list[TransactionOut]
    status_code: int | None = None
    response: Any | None = None


# SYSTEM


class HealthOut(BaseModel):
    status: str
    chain_id: int
    head: int
    indexed: int
    lag: int
