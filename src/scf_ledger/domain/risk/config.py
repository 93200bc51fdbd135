"""The risk configuration: a versioned, validated pydantic model loaded from a TOML or JSON file."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scf_ledger.domain.errors import DomainError


class RiskConfigError(DomainError):
    """Raised when a risk configuration file is missing, unreadable or invalid."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bin(_Model):
    """Values in [lower, upper) score `points`; a missing bound is open."""

    lower: float | None = None
    upper: float | None = None
    points: int

    def contains(self, value: float) -> bool:
        return (self.lower is None or value >= self.lower) and (self.upper is None or value < self.upper)


class FeatureBins(_Model):
    name: str
    reason_code: str
    bins: Annotated[list[Bin], Field(min_length=1)]
    missing_points: int = 0  # when the applicant did not give the value

    @property
    def best_points(self) -> int:
        return max(max(b.points for b in self.bins), self.missing_points)


class Band(_Model):
    name: str
    min_score: int
    outcome: str = Field(pattern="^(approve|review|decline)$")
    base_limit: int = Field(ge=0)  # settlement base units


class Scorecard(_Model):
    base_points: int = 0
    features: list[FeatureBins]
    bands: Annotated[list[Band], Field(min_length=1)]  # highest min_score first
    max_reason_codes: int = Field(default=4, ge=1)

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


class RiskConfig(_Model):
    version: str = Field(min_length=1)
    scorecard: Scorecard
    limits: LimitPolicy = LimitPolicy()
    velocity: VelocityRule = VelocityRule()
    travel: TravelRule = TravelRule()
    blacklist: Blacklist = Blacklist()


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
