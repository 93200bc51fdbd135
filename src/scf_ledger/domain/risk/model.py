"""What the risk engine reads (an order, the applicant's profile, its history) and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class GeoPoint:
    lat: float  # degrees; coordinates are not money, floats are fine here
    lon: float


@dataclass(frozen=True)
class OrderRequest:
    buyer: str
    amount: int  # settlement base units
    installments: int
    at: int  # UNIX seconds of the order
    device_id: str = ""
    location: GeoPoint | None = None
    document_hash: str = ""
    login_hour: int | None = None  # local hour of the session that placed the order, 0..23


@dataclass(frozen=True)
class ApplicantProfile:
    age: int | None = None
    monthly_income: int | None = None  # settlement base units
    employment_months: int | None = None
    # Category codes of the applicant's file, as in the fitted scorecard (see data/engine-spec.toml).
    credit_history: str | None = None  # none_taken, all_paid_here, paid_duly, delayed, critical
    savings: str | None = None  # unknown, lt_100, 100_500, 500_1000, ge_1000 (whole sUSD)
    housing: str | None = None  # own, rent, free
    existing_credits: int | None = None  # credits the applicant already has with us or its bank
    checking_account: str | None = None  # none, overdrawn, lt_200, ge_200 (balance in whole sUSD)


@dataclass(frozen=True)
class PastOrder:
    amount: int
    at: int
    device_id: str = ""
    location: GeoPoint | None = None


@dataclass(frozen=True)
class RepaymentRecord:
    on_time: int = 0
    late: int = 0
    defaulted: int = 0


@dataclass(frozen=True)
class BuyerHistory:
    orders: tuple[PastOrder, ...] = ()
    repayments: RepaymentRecord = field(default_factory=RepaymentRecord)
    exposure: int = 0  # unpaid principal now
    limit: int = 0  # on-chain credit limit now
    line_frozen: bool = False  # frozen on-chain, or lowered by a velocity freeze that has not ended


class Outcome(StrEnum):
    APPROVE = "approve"
    REVIEW = "review"
    DECLINE = "decline"


@dataclass(frozen=True)
class FeatureScore:
    name: str
    value: float | str | None
    points: int
    best_points: int
    known: bool  # False when the scorecard has no bins for this feature (it then scores zero)


@dataclass(frozen=True)
class LimitAction:
    """Lower the on-chain limit to `limit` until `until` (UNIX seconds), then restore `restore_to`."""

    limit: int
    until: int
    restore_to: int
    reason: str


@dataclass(frozen=True)
class Standing:
    """What an order's decision leaves for re-scoring its obligor later: the points of everything that does not
    change after the order (the profile and the order itself) and the income cap on the line (None: no income
    given). The behaviour features are scored again at each review."""

    base_score: int
    income_cap: int | None


@dataclass(frozen=True)
class LimitReview:
    """A scheduled re-scoring of an obligor's line: the limit it should have now (`limit == previous`: keep it),
    the score and band it was sized from, and why."""

    previous: int
    limit: int
    score: int
    band: str
    reason_codes: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.limit != self.previous


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    score: int
    band: str
    reason_codes: tuple[str, ...]
    features: tuple[FeatureScore, ...]
    recommended_limit: int
    config_version: str
    limit_action: LimitAction | None = None
    standing: Standing | None = None

    @property
    def approved(self) -> bool:
        return self.outcome is Outcome.APPROVE
