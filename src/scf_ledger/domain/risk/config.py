"""The risk configuration: a versioned, validated pydantic model loaded from a TOML or JSON file."""

from __future__ import annotations

import itertools
import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scf_ledger.domain.errors import DomainError


class RiskConfigError(DomainError):
    """Raised when a risk configuration file is missing, unreadable or invalid."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


FeatureValue = float | str  # a number, or a category of a categorical feature


class Bin(_Model):
    """Numbers in [lower, upper) (a missing bound is open), or one of `categories`, score `points`."""

    lower: float | None = None
    upper: float | None = None
    categories: frozenset[str] | None = None
    points: int

    @model_validator(mode="after")
    def _one_kind(self) -> Bin:
        if self.categories is not None and (self.lower is not None or self.upper is not None):
            raise ValueError("a bin has either bounds or categories, not both")
        return self

    def contains(self, value: FeatureValue) -> bool:
        if self.categories is not None:
            return isinstance(value, str) and value in self.categories
        if isinstance(value, str):
            return False
        return (self.lower is None or value >= self.lower) and (self.upper is None or value < self.upper)


class FeatureBins(_Model):
    name: str
    reason_code: str
    bins: Annotated[list[Bin], Field(min_length=1)]
    missing_points: int = 0  # when the applicant did not give the value

    @property
    def best_points(self) -> int:
        return max(max(b.points for b in self.bins), self.missing_points)

    def points_for(self, value: FeatureValue | None) -> int:
        """The points of the bin holding `value`; a missing value or an unseen category scores `missing_points`."""
        if value is not None:
            for b in self.bins:
                if b.contains(value):
                    return b.points
        return self.missing_points


class ColumnSpec(_Model):
    """How a column of a labelled data set becomes a scorecard feature (`scf risk fit --spec`)."""

    column: str
    feature: str | None = None  # the engine's feature name; the column's name made an identifier by default
    reason_code: str | None = None  # the feature name in capitals by default
    kind: str = Field(default="auto", pattern="^(auto|numeric|categorical)$")
    values: dict[str, FeatureValue] = {}  # raw value -> the engine's value (a number or a category code)

    @property
    def feature_name(self) -> str:
        return self.feature or "".join(c if c.isalnum() else "_" for c in self.column.lower()).strip("_")

    @property
    def reason(self) -> str:
        return self.reason_code or self.feature_name.upper()


class FitOptions(_Model):
    """How a scorecard was fitted: kept in the scorecard so that `scf risk validate --folds` refits the same way."""

    target: str
    bad: str
    columns: list[ColumnSpec] | None = None  # None: every column but the target, as found
    pdo: float = Field(default=20.0, gt=0)  # points to double the odds
    base_score: float = 600.0
    base_odds: float = Field(default=50.0, gt=0)  # good:bad odds at base_score
    min_iv: float = Field(default=0.02, ge=0)  # features under this information value are dropped
    max_bins: int = Field(default=6, ge=2)
    min_bin_share: float = Field(default=0.05, gt=0, lt=0.5)
    monotonic: bool = True  # numeric features get a bad rate that only rises or only falls
    regularisation: float = Field(default=1.0, gt=0)  # inverse L2 strength of the logistic regression
    band_max_bad_rate: list[float] = [0.1, 0.2, 0.3, 0.45]  # predicted bad rate at each band's floor
    source: str = ""  # the data file's name and SHA-256
    rows: int = 0


class Band(_Model):
    name: str
    min_score: int
    outcome: str = Field(pattern="^(approve|review|decline)$")
    base_limit: int = Field(ge=0)  # settlement base units
    # 12-month probability of default (ppm): the band's observed bad rate in the data the scorecard was fitted on.
    pd_ppm: int | None = Field(default=None, ge=0, le=1_000_000)
    lgd_bps: int = Field(default=10_000, ge=0, le=10_000)  # loss given default of the band's risk class


class Scorecard(_Model):
    base_points: int = 0
    features: list[FeatureBins]
    bands: Annotated[list[Band], Field(min_length=1)]  # highest min_score first
    max_reason_codes: int = Field(default=4, ge=1)
    fit: FitOptions | None = None  # set when the points were fitted from data

    @model_validator(mode="after")
    def _bands_descend(self) -> Scorecard:
        scores = [b.min_score for b in self.bands]
        if scores != sorted(scores, reverse=True):
            raise ValueError("bands must be listed from the highest min_score down")
        names = [f.name for f in self.features]
        if len(names) != len(set(names)):
            raise ValueError("a feature appears twice in the scorecard")
        return self


class LimitPolicy(_Model):
    income_multiple_bps: int = Field(default=30_000, ge=0)  # the limit is at most 3x monthly income
    late_penalty_bps: int = Field(default=1_500, ge=0, le=10_000)  # -15 % per late repayment
    on_time_bonus_bps: int = Field(default=500, ge=0)  # +5 % per on-time repayment
    max_bonus_bps: int = Field(default=5_000, ge=0)  # at most +50 %
    # The scheduled review of every line (chain time): how often, how far one review may raise a line, and
    # the smallest change worth a transaction.
    review_seconds: int = Field(default=86_400, gt=0)
    max_raise_bps: int = Field(default=2_000, ge=0)  # +20 % of the line per review at most
    min_change_bps: int = Field(default=500, ge=0, le=10_000)  # changes under 5 % of the line are not made


class VelocityRule(_Model):
    window_seconds: int = Field(default=86_400, gt=0)
    min_orders: int = Field(default=3, ge=2)
    limit_share_bps: int = Field(default=5_000, ge=0)  # an order >= 50 % of the limit is large
    median_multiple: int = Field(default=3, ge=1)  # ... or >= 3x the buyer's median order
    freeze_seconds: int = Field(default=86_400, gt=0)


class TravelRule(_Model):
    max_speed_kmh: float = Field(default=900.0, gt=0)
    min_distance_km: float = Field(default=50.0, ge=0)  # below this, GPS noise is not travel


class Blacklist(_Model):
    addresses: frozenset[str] = frozenset()
    device_ids: frozenset[str] = frozenset()
    document_hashes: frozenset[str] = frozenset()


class WriteOffRung(_Model):
    days: int = Field(gt=0)  # from this many days past due on...
    bps: int = Field(ge=0, le=10_000)  # ...this much of what a holding is owed is written off


class ValuationPolicy(_Model):
    """NAV and ECL (DESIGN §12): the discount of holdings not bought at a rate, and the write-off ladder."""

    rate_bps: int = Field(default=1_200, ge=0, le=65_535)
    write_off: list[WriteOffRung] = [
        WriteOffRung(days=30, bps=2_500),
        WriteOffRung(days=60, bps=5_000),
        WriteOffRung(days=90, bps=7_500),
        WriteOffRung(days=180, bps=10_000),
    ]

    @field_validator("write_off")
    @classmethod
    def _marks_fall(cls, ladder: list[WriteOffRung]) -> list[WriteOffRung]:
        for lower, higher in itertools.pairwise(ladder):
            if higher.days <= lower.days:
                raise ValueError(f"rungs must be in rising days ({lower.days} then {higher.days})")
            if higher.bps < lower.bps:
                raise ValueError(f"marks must fall monotonically: {higher.days} days writes off less than {lower.days}")
        return ladder


class RiskConfig(_Model):
    version: str = Field(min_length=1)
    scorecard: Scorecard
    limits: LimitPolicy = LimitPolicy()
    velocity: VelocityRule = VelocityRule()
    travel: TravelRule = TravelRule()
    blacklist: Blacklist = Blacklist()
    valuation: ValuationPolicy = ValuationPolicy()


def load_risk_config(path: str | Path | None = None) -> RiskConfig:
    """Loads and validates a risk configuration (TOML or JSON); the shipped default when `path` is None."""
    try:
        if path is None:
            text = resources.files("scf_ledger.domain.risk").joinpath("default_risk.toml").read_text()
            suffix = ".toml"
        else:
            text = Path(path).read_text()
            suffix = Path(path).suffix.lower()
        data = json.loads(text) if suffix == ".json" else tomllib.loads(text)
        return RiskConfig.model_validate(data)
    except FileNotFoundError:
        raise RiskConfigError(f"risk configuration {path} does not exist") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise RiskConfigError(f"risk configuration {path or 'default'} is not valid TOML/JSON: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RiskConfigError(
            f"risk configuration {path or 'default'} is invalid at {where}: {first['msg']}"
            f" ({exc.error_count()} error(s))"
        ) from None


def dump_risk_config(config: RiskConfig, header: str = "") -> str:
    """The configuration as TOML that `load_risk_config` reads back to an equal configuration."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    _toml_table(config.model_dump(exclude_none=True), [], lines)
    return "\n".join(lines).strip() + "\n"


def _toml_table(table: dict, path: list[str], lines: list[str]) -> None:
    nested = {k: v for k, v in table.items() if isinstance(v, dict)}  # sections; value maps sit in inline items
    arrays = {k: v for k, v in table.items() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)}
    for key, value in table.items():
        if key in nested:
            continue
        if key in arrays and not all(_is_flat(i) for i in value):
            continue
        if key in arrays:
            lines.append(f"{key} = [")
            lines += [f"  {_toml_value(item)}," for item in value]
            lines.append("]")
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in nested.items():
        lines += ["", f"[{'.'.join([*path, key])}]"]
        _toml_table(value, [*path, key], lines)
    for key, items in arrays.items():
        if all(_is_flat(i) for i in items):
            continue
        for item in items:
            lines += ["", f"[[{'.'.join([*path, key])}]]"]
            _toml_table(item, [*path, key], lines)


def _is_flat(item: dict) -> bool:
    return not any(isinstance(v, list) and v and isinstance(v[0], dict) for v in item.values())


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)  # thresholds read from integer data print as integers
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 100_000 else str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return "[" + ", ".join(_toml_value(v) for v in items) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }" if value else "{}"
        )
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_key(key: str) -> str:
    return key if key and all(c.isalnum() or c in "_-" for c in key) and key.isascii() else json.dumps(key)
