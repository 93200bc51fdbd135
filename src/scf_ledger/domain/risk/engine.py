"""The risk engine: score an order with the points scorecard, size the line, and let the rules (blacklist,
impossible travel, velocity, credit limit) override the score. Deterministic: same input, same decision."""

from __future__ import annotations

from scf_ledger.domain.errors import DomainError
from scf_ledger.domain.money import check_amount
from scf_ledger.domain.risk.config import Band, Blacklist, FeatureValue, RiskConfig, load_risk_config
from scf_ledger.domain.risk.features import BEHAVIOUR_FEATURES, EXTRACTORS, extract, haversine_km, median_order
from scf_ledger.domain.risk.model import (
    ApplicantProfile,
    BuyerHistory,
    Decision,
    FeatureScore,
    LimitAction,
    LimitReview,
    OrderRequest,
    Outcome,
    RepaymentRecord,
    Standing,
)

BPS = 10_000
BLACKLISTED_ADDRESS = "BLACKLISTED_ADDRESS"
BLACKLISTED_DEVICE = "BLACKLISTED_DEVICE"
BLACKLISTED_DOCUMENT = "BLACKLISTED_DOCUMENT"
LBS_IMPOSSIBLE_TRAVEL = "LBS_IMPOSSIBLE_TRAVEL"
VELOCITY = "VELOCITY"
CREDIT_LIMIT_EXCEEDED = "CREDIT_LIMIT_EXCEEDED"
LINE_FROZEN = "LINE_FROZEN"
# Why a scheduled review moved a line (beside the behaviour's own reason codes of the scorecard).
LIMIT_RAISED, LIMIT_LOWERED = "LIMIT_RAISED", "LIMIT_LOWERED"
ON_TIME_REPAYMENTS = "ON_TIME_REPAYMENTS"
INCOME_CAP = "INCOME_CAP"
RAISE_BOUNDED = "RAISE_BOUNDED"  # the behaviour justifies more than one review may raise
EXPOSURE_FLOOR = "EXPOSURE_FLOOR"  # a line is not cut below what the obligor owes, unless frozen
NO_ORDER = OrderRequest(buyer="", amount=0, installments=1, at=0)  # a review scores the line as it stands


NO_ENTRIES = Blacklist()


class InvalidOrder(DomainError):
    """Raised when an order cannot be assessed (bad amount, installments, hour or time)."""


class RiskEngine:
    """Decides on credit orders from one validated configuration."""

    def __init__(self, config: RiskConfig | None = None) -> None:
        self.config = config or load_risk_config()
        self._features = {f.name: f for f in self.config.scorecard.features}
        black = self.config.blacklist
        self._black_addresses = {a.lower() for a in black.addresses}
        self._black_documents = {d.lower() for d in black.document_hashes}

    # PUBLIC

    def decide(
        self, order: OrderRequest, profile: ApplicantProfile, history: BuyerHistory, blacklist: Blacklist | None = None
    ) -> Decision:
        """`blacklist`: entries the platform added since the configuration, refused as the configuration's are."""
        _validate(order)
        scores = self._score_features(order, profile, history)
        score = self.config.scorecard.base_points + sum(s.points for s in scores)
        band = self._band(score)
        income_cap = self._income_cap(profile)
        limit = self._sized_limit(band, income_cap, history.repayments)

        rule_codes: list[str] = []
        rule_codes += self._blacklist_hits(order, blacklist or NO_ENTRIES)
        if self._impossible_travel(order, history):
            rule_codes.append(LBS_IMPOSSIBLE_TRAVEL)
        if history.line_frozen:  # no new credit until the freeze ends or the platform lifts it
            rule_codes.append(LINE_FROZEN)
        action = None if history.line_frozen else self._velocity(order, history)
        if action is not None:
            rule_codes.append(VELOCITY)
        elif band.outcome != "decline" and history.exposure + order.amount > limit:
            rule_codes.append(CREDIT_LIMIT_EXCEEDED)

        outcome = Outcome.DECLINE if rule_codes else Outcome(band.outcome)
        reasons = rule_codes + self._score_reasons(scores)
        return Decision(
            outcome=outcome,
            score=score,
            band=band.name,
            reason_codes=tuple(reasons),
            features=tuple(scores),
            recommended_limit=limit,
            config_version=self.config.version,
            limit_action=action,
            standing=Standing(score - sum(s.points for s in scores if s.name in BEHAVIOUR_FEATURES), income_cap),
        )

    def recommended_limit(self, band: Band, profile: ApplicantProfile, history: BuyerHistory) -> int:
        """The band's base limit, raised by on-time and lowered by late repayments, capped by income."""
        return self._sized_limit(band, self._income_cap(profile), history.repayments)

    def review_limit(self, standing: Standing, history: BuyerHistory) -> LimitReview:
        """The scheduled re-scoring of a line: the behaviour features (repayments, defaults, utilisation, orders)
        scored again on the obligor's history now, beside the standing its last order left, sized as an order's
        line is. Within the policy's bounds: a raise is at most `max_raise_bps` of the line per review (a closed
        line opens only by a new order's decision), a cut applies at once but not below the exposure unless the
        line is frozen, and a change under `min_change_bps` is not made."""
        policy = self.config.limits
        values = {name: EXTRACTORS[name](NO_ORDER, ApplicantProfile(), history) for name in BEHAVIOUR_FEATURES}
        scores = [s for s in self._scored(values) if s.known]
        score = standing.base_score + sum(s.points for s in scores)
        band = self._band(score)
        target = self._sized_limit(band, standing.income_cap, history.repayments)
        codes = self._score_reasons(scores) + ([ON_TIME_REPAYMENTS] if history.repayments.on_time else [])
        if standing.income_cap is not None and target == standing.income_cap:
            codes.append(INCOME_CAP)
        current = history.limit
        limit = min(target, current + current * policy.max_raise_bps // BPS)
        if limit < target:
            codes.append(RAISE_BOUNDED)
        floor = 0 if history.line_frozen else history.exposure
        if limit < floor:
            limit = floor
            codes.append(EXPOSURE_FLOOR)
        if abs(limit - current) * BPS < current * policy.min_change_bps:
            limit = current
        if limit != current:
            codes.insert(0, LIMIT_RAISED if limit > current else LIMIT_LOWERED)
        return LimitReview(current, limit, score, band.name, tuple(codes))

    def _income_cap(self, profile: ApplicantProfile) -> int | None:
        if profile.monthly_income is None:
            return None
        return profile.monthly_income * self.config.limits.income_multiple_bps // BPS

    def _sized_limit(self, band: Band, income_cap: int | None, record: RepaymentRecord) -> int:
        """The band's base limit, raised by on-time and lowered by late repayments, capped by income; none after
        a default."""
        policy = self.config.limits
        bonus = min(record.on_time * policy.on_time_bonus_bps, policy.max_bonus_bps)
        factor = max(BPS + bonus - record.late * policy.late_penalty_bps, 0)
        limit = band.base_limit * factor // BPS
        if income_cap is not None:
            limit = min(limit, income_cap)
        return 0 if record.defaulted else limit

    # SCORE

    def _score_features(
        self, order: OrderRequest, profile: ApplicantProfile, history: BuyerHistory
    ) -> list[FeatureScore]:
        return self._scored(extract(order, profile, history))

    def _scored(self, values: dict[str, FeatureValue | None]) -> list[FeatureScore]:
        scores: list[FeatureScore] = []
        for name, value in values.items():
            spec = self._features.get(name)
            if spec is None:  # the scorecard does not know this feature: it scores zero, reported as such
                scores.append(FeatureScore(name, value, 0, 0, known=False))
                continue
            points = spec.points_for(value)
            scores.append(FeatureScore(name, value, points, spec.best_points, known=True))
        for name, spec in self._features.items():
            if name not in values:  # in the scorecard, but no extractor produces it
                scores.append(FeatureScore(name, None, 0, spec.best_points, known=False))
        return scores

    def _band(self, score: int) -> Band:
        for band in self.config.scorecard.bands:
            if score >= band.min_score:
                return band
        return self.config.scorecard.bands[-1]

    def _score_reasons(self, scores: list[FeatureScore]) -> list[str]:
        """Adverse-action reasons: the features that cost the most points against the best attainable."""
        lost = [
            (s.best_points - s.points, s.name, s.value is None) for s in scores if s.known and s.best_points > s.points
        ]
        lost.sort(key=lambda item: (-item[0], item[1]))
        top = lost[: self.config.scorecard.max_reason_codes]
        # A value the applicant or its history could not give is reported as missing, not as bad.
        return [("MISSING_" if missing else "") + self._features[name].reason_code for _, name, missing in top]

    # RULES

    def _blacklist_hits(self, order: OrderRequest, extra: Blacklist) -> list[str]:
        hits = []
        buyer, document = order.buyer.lower(), order.document_hash.lower()
        if buyer in self._black_addresses or buyer in extra.addresses:
            hits.append(BLACKLISTED_ADDRESS)
        if order.device_id and (
            order.device_id in self.config.blacklist.device_ids or order.device_id in extra.device_ids
        ):
            hits.append(BLACKLISTED_DEVICE)
        if document and (document in self._black_documents or document in extra.document_hashes):
            hits.append(BLACKLISTED_DOCUMENT)
        return hits

    def _impossible_travel(self, order: OrderRequest, history: BuyerHistory) -> bool:
        if order.location is None:
            return False
        rule = self.config.travel
        for past in history.orders:
            if past.location is None:
                continue
            km = haversine_km(past.location, order.location)
            if km < rule.min_distance_km:
                continue
            hours = abs(order.at - past.at) / 3600
            if hours == 0 or km / hours > rule.max_speed_kmh:
                return True
        return False

    def _velocity(self, order: OrderRequest, history: BuyerHistory) -> LimitAction | None:
        """Several large orders inside the window freeze the unused part of the line."""
        rule = self.config.velocity
        typical = median_order(history)

        def large(amount: int) -> bool:
            by_limit = history.limit > 0 and amount * BPS >= history.limit * rule.limit_share_bps
            by_median = typical is not None and amount >= typical * rule.median_multiple
            return by_limit or by_median

        if not large(order.amount):
            return None
        recent = [o for o in history.orders if 0 <= order.at - o.at < rule.window_seconds and large(o.amount)]
        if len(recent) + 1 < rule.min_orders:
            return None
        return LimitAction(
            limit=history.exposure,
            until=order.at + rule.freeze_seconds,
            restore_to=history.limit,
            reason=VELOCITY,
        )


def _validate(order: OrderRequest) -> None:
    try:
        check_amount("amount", order.amount)
    except DomainError as exc:
        raise InvalidOrder(str(exc)) from None
    if order.amount == 0:
        raise InvalidOrder("amount=0: an order must be for at least one base unit")
    if order.installments not in (1, 3, 6, 12, 24):
        raise InvalidOrder(f"installments={order.installments}: must be one of 1, 3, 6, 12, 24")
    if order.at < 0:
        raise InvalidOrder(f"at={order.at}: not a UNIX timestamp")
    if order.login_hour is not None and not 0 <= order.login_hour <= 23:
        raise InvalidOrder(f"login_hour={order.login_hour}: must be 0..23")
