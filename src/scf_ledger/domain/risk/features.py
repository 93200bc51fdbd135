"""Feature extractors: an order, the applicant's profile and its history become named numeric features.
A feature is None when its input is unknown (no age given, no history yet)."""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import median

from scf_ledger.domain.risk.config import FeatureValue
from scf_ledger.domain.risk.model import ApplicantProfile, BuyerHistory, GeoPoint, OrderRequest

Extractor = Callable[[OrderRequest, ApplicantProfile, BuyerHistory], FeatureValue | None]
EARTH_RADIUS_KM = 6_371.0088
WHOLE_UNIT = 10**6  # base units per whole settlement unit


def haversine_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance between two points in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def median_order(history: BuyerHistory) -> int | None:
    amounts = [o.amount for o in history.orders]
    return int(median(amounts)) if amounts else None


def _utilisation_bps(order: OrderRequest, _: ApplicantProfile, history: BuyerHistory) -> FeatureValue | None:
    if history.limit <= 0:
        return None
    return (history.exposure + order.amount) * 10_000 // history.limit


def _device_change(order: OrderRequest, _: ApplicantProfile, history: BuyerHistory) -> FeatureValue | None:
    seen = {o.device_id for o in history.orders if o.device_id}
    if not seen or not order.device_id:
        return None
    return 0 if order.device_id in seen else 1


def _amount_vs_median_bps(order: OrderRequest, _: ApplicantProfile, history: BuyerHistory) -> FeatureValue | None:
    typical = median_order(history)
    if not typical:
        return None
    return order.amount * 10_000 // typical


EXTRACTORS: dict[str, Extractor] = {
    "age": lambda o, p, h: p.age,
    "monthly_income": lambda o, p, h: p.monthly_income,
    "employment_months": lambda o, p, h: p.employment_months,
    "credit_history": lambda o, p, h: p.credit_history,
    "savings": lambda o, p, h: p.savings,
    "housing": lambda o, p, h: p.housing,
    "existing_credits": lambda o, p, h: p.existing_credits,
    "checking_account": lambda o, p, h: p.checking_account,
    "order_amount": lambda o, p, h: o.amount // WHOLE_UNIT,  # whole units: what the fitted bins are in
    "duration_months": lambda o, p, h: o.installments,  # one installment a month
    "order_count": lambda o, p, h: len(h.orders),
    "late_repayments": lambda o, p, h: h.repayments.late,
    "defaults": lambda o, p, h: h.repayments.defaulted,
    "utilisation_bps": _utilisation_bps,
    "login_hour": lambda o, p, h: o.login_hour,
    "device_change": _device_change,
    "amount_vs_median_bps": _amount_vs_median_bps,
}


# The features an obligor's history gives, which change after its order: a scheduled review scores them again.
BEHAVIOUR_FEATURES = ("order_count", "late_repayments", "defaults", "utilisation_bps")


def extract(order: OrderRequest, profile: ApplicantProfile, history: BuyerHistory) -> dict[str, FeatureValue | None]:
    return {name: fn(order, profile, history) for name, fn in EXTRACTORS.items()}
