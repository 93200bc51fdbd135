"""Request and response schemas (pydantic v2), apart from the database models. Amounts travel as strings of
integer base units; they are validated to 0 <= x <= 2**128 - 1."""

from __future__ import annotations

from typing import Annotated, Literal

from eth_utils import to_checksum_address
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MAX_AMOUNT = 2**128 - 1


def _amount(value: str) -> str:
    if int(value) > MAX_AMOUNT:
        raise ValueError(f"at most {MAX_AMOUNT} base units")
    return value


Amount = Annotated[str, Field(pattern=r"^[0-9]{1,39}$", examples=["1000000"]), AfterValidator(_amount)]
TokenId = Annotated[str, Field(pattern=r"^[0-9]{1,78}$", examples=["256"])]
Address = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$"), AfterValidator(to_checksum_address)]
Bytes32 = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$")]
Signature = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{130}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParticipantCreate(Strict):
    kind: Literal["gateway", "supplier", "financier", "obligor"]
    name: str = Field(min_length=1, max_length=200)
    address: Address | None = None  # set for a party that signs for itself


class ParticipantCreated(BaseModel):
    address: str
    kind: str
    name: str
    custodial: bool
    api_key: str


class Location(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Profile(Strict):
    age: int | None = Field(default=None, ge=18, le=120)
    monthly_income: Amount | None = None
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
    principal: Amount
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
    recommended_limit: str
    config_version: str


class OrderOut(BaseModel):
    id: str
    status: str
    buyer: str
    supplier: str
    principal: str
    installments: int
    fee_bps: int
    document_hash: str
    decision: DecisionOut | None = None
    purchase_id: str | None = None
    token_ids: list[str] = []


class ConfirmOrder(Strict):
    acknowledgement_signature: Signature | None = None  # for a buyer that signs for itself
    deadline: Amount | None = None


class TransferCreate(Strict):
    to: Address
    units: Amount


class OfferCreate(Strict):
    receivable_id: TokenId | None = None
    obligor: Address | None = None
    rate_bps: int = Field(ge=0, le=65_535)
    min_units: Amount = "1"
    max_units: Amount
    expiry: Amount
    nonce: Amount | None = None
    signature: Signature | None = None  # for a financier that signs for itself


class OfferOut(BaseModel):
    id: str
    financier: str
    receivable_id: str | None
    obligor: str | None
    rate_bps: int
    min_units: str
    max_units: str
    filled_units: str
    expiry: str
    nonce: str
    cancelled: bool
    signature: str


class FinancingCreate(Strict):
    offer_id: str = Field(min_length=3, max_length=120)
    receivable_id: TokenId | None = None  # required for an obligor-level offer
    units: Amount


class RepaymentCreate(Strict):
    receivable_id: TokenId | None = None
    order_id: str | None = None
    amount: Amount | None = None
    full: bool = False


class LimitUpdate(Strict):
    limit: Amount
    reason: str = Field(default="MANUAL", max_length=32)


class CashCreate(Strict):
    to: Address
    amount: Amount
