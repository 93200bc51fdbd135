"""What the book is worth and what it may lose (DESIGN §12, §14): IFRS 9 stages, expected credit loss, and the
net asset value of each holding by its risk-adjusted expected cash discounted to today. Pure and in integers:
amounts in base units, rates and LGD in bps, probabilities in parts per million, every result rounded down and
the same on every machine. `tinlake_nav` is Centrifuge Tinlake's own formula (per-second compounding in
27-decimal fixed point), kept apart for the cross-check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Context, Decimal
from enum import IntEnum
from functools import lru_cache
from typing import NamedTuple

from scf_ledger.domain.constants import BPS, SECONDS_PER_DAY
from scf_ledger.domain.money import discounted, paid_per_unit_scaled, units_net_of_paid

PPM = 1_000_000  # a probability of 1
FULL = PPM * BPS  # 1 - PD·LGD is counted in ppm x bps: exact, one floor at the end
YEAR_DAYS = 365  # lifetime PD scales the 12-month PD by days / 365
STAGE_2_DPD = 30  # more days past due than this: a significant increase in credit risk
STAGE_2_BAND_DROP = 2  # ... or the obligor's band fell by this many since origination
_DECIMAL = Context(prec=40, rounding=ROUND_FLOOR)


class Stage(IntEnum):
    PERFORMING = 1
    UNDERPERFORMING = 2  # significant increase in credit risk: lifetime expected loss
    CREDIT_IMPAIRED = 3  # defaulted or past the default days: the loss given default


@dataclass(frozen=True)
class WriteOff:
    """From `days` past due on, `bps` of what a holding is owed is written off (its mark: the rest)."""

    days: int
    bps: int


@dataclass(frozen=True)
class Installment:
    """An installment's state for valuation, at one time. `band_now` and `band_at_origination` are positions in
    the scorecard's bands, best first (0 = A)."""

    unpaid_principal: int
    unpaid_fee: int
    penalty_owed: int
    face: int  # its units: the holders' shares are units / face
    due_date: int
    days_past_due: int  # on the clock disputes moved
    defaulted: bool
    default_days: int  # the purchase's terms
    band_now: int
    band_at_origination: int
    pd_ppm: int  # 12-month PD of its obligor's band now
    lgd_bps: int


class Risk(NamedTuple):
    """An installment's stage and loss: PD the one of its stage, EAD = unpaid principal + fee + penalty owed.
    (A named tuple: a book's valuation makes one per installment.)"""

    stage: Stage
    pd_ppm: int
    lgd_bps: int
    ead: int
    ecl: int
    mark_bps: int  # the write-off ladder's mark at its days past due (10,000 when current)
    factor: int  # what a holder expects of each unit owed, in 1 / FULL
    settled_per_unit: int  # principal paid or credited per unit (scaled as a sale counts it)


def stage_of(i: Installment) -> Stage:
    """DESIGN §14: 3 when defaulted or DPD ≥ default days; 2 when 30 < DPD < default days or the band fell by
    two or more since origination; else 1."""
    if i.defaulted or i.days_past_due >= i.default_days:
        return Stage.CREDIT_IMPAIRED
    if i.days_past_due > STAGE_2_DPD or i.band_now - i.band_at_origination >= STAGE_2_BAND_DROP:
        return Stage.UNDERPERFORMING
    return Stage.PERFORMING


@lru_cache(maxsize=64)
def _daily_survival(pd12_ppm: int) -> int:
    """(1 - PD12)^(1/365) in 27-decimal fixed point, rounded down (a 40-digit decimal: the same everywhere)."""
    root = _DECIMAL.power(Decimal(PPM - pd12_ppm) / PPM, Decimal(1) / YEAR_DAYS)
    return int(_DECIMAL.multiply(root, Decimal(ONE)))


@lru_cache(maxsize=65_536)
def lifetime_pd_ppm(pd12_ppm: int, days: int) -> int:
    """1 - (1 - PD12)^(days / 365) in ppm, rounded down: the daily survival raised to `days` by squaring in
    fixed point (integers only), the survival rounded to 18 decimals before the ppm are taken so that a whole
    number of years gives back exactly what compounding the 12-month PD gives."""
    if pd12_ppm >= PPM:
        return PPM
    survival = rpow(_daily_survival(pd12_ppm), days)
    at_18 = (survival + 5 * 10**8) // 10**9  # 10^-18 units
    return PPM - -(-at_18 // 10**12)


def stage_pd_ppm(stage: Stage, pd12_ppm: int, remaining_days: int) -> int:
    """12-month PD in stage 1, lifetime PD over max(remaining days, 365) in stage 2, 1 in stage 3."""
    if stage is Stage.CREDIT_IMPAIRED:
        return PPM
    if stage is Stage.UNDERPERFORMING:
        return lifetime_pd_ppm(pd12_ppm, max(remaining_days, YEAR_DAYS))
    return pd12_ppm


def expected_credit_loss(ead: int, pd_ppm: int, lgd_bps: int) -> int:
    """floor(EAD · PD · LGD / (10^6 · 10^4)): one floor."""
    return ead * pd_ppm * lgd_bps // FULL


def mark_bps(days_past_due: int, ladder: Sequence[WriteOff]) -> int:
    """What the ladder leaves of a holding `days_past_due` late (rungs in rising days)."""
    written_off = 0
    for rung in ladder:
        if days_past_due < rung.days:
            break
        written_off = rung.bps
    return BPS - written_off


def assess(i: Installment, ladder: Sequence[WriteOff], now: int) -> Risk:
    """Stage, PD, EAD, ECL and the holders' expected share of each unit owed: x (1 - PD·LGD) when current,
    x min(1 - PD·LGD, mark) when past due."""
    stage = stage_of(i)
    remaining_days = max(i.due_date - now, 0) // SECONDS_PER_DAY
    pd = stage_pd_ppm(stage, i.pd_ppm, remaining_days)
    ead = i.unpaid_principal + i.unpaid_fee + i.penalty_owed
    factor = FULL - pd * i.lgd_bps
    mark = mark_bps(i.days_past_due, ladder)
    if i.days_past_due > 0:
        factor = min(factor, mark * PPM)
    settled = paid_per_unit_scaled(i.face - i.unpaid_principal, i.face)
    return Risk(stage, pd, i.lgd_bps, ead, expected_credit_loss(ead, pd, i.lgd_bps), mark, factor, settled)


def holding_nav(units: int, i: Installment, risk: Risk, rate_bps: int, now: int) -> int:
    """A holding's NAV: its units' share of what holders are still owed (unpaid principal, valued as a sale
    values it, + penalty owed; what is claimable already is cash), risk-adjusted, discounted from the due date
    to `now` at `rate_bps` as the ledger prices a sale: with PD = 0, on the day of a sale, the buyer's NAV is
    the price it paid."""
    owed = units_net_of_paid(units, risk.settled_per_unit) + units * i.penalty_owed // i.face
    return discounted(owed * risk.factor // FULL, rate_bps, i.due_date, now)


# TINLAKE'S FORMULA, for the cross-check (src/borrower/feed/discounting.sol: fixed point with ONE = 10^27)

ONE = 10**27


def _rmul(x: int, y: int) -> int:
    return x * y // ONE


def _rdiv(x: int, y: int) -> int:
    return (x * ONE + y // 2) // y


def rpow(x: int, n: int, base: int = ONE) -> int:
    """x^n in fixed point of `base`, by squaring, each product rounded half up (MakerDAO's rpow)."""
    z = base if n % 2 == 0 else x
    half = base // 2
    n //= 2
    while n:
        x = (x * x + half) // base
        if n % 2:
            z = (z * x + half) // base
        n //= 2
    return z


def per_second_rate(rate_bps: int) -> int:
    """An annual rate as Tinlake's per-second factor: ONE + rate / (365 days), rounded down."""
    return ONE + rate_bps * ONE // (BPS * YEAR_DAYS * SECONDS_PER_DAY)


def tinlake_nav(amount: int, loan_rate: int, recovery_rate_pd: int, discount_rate: int, maturity: int, now: int) -> int:
    """Tinlake's NAV of one loan: its future value (the debt grown at the loan's per-second rate to maturity,
    times the risk group's recovery rate) discounted at the pool's per-second rate from maturity to today,
    today being the start of the current day; a loan past maturity is worth its future value undiscounted."""
    today = now // SECONDS_PER_DAY * SECONDS_PER_DAY
    seconds = max(maturity - today, 0)
    future_value = _rmul(_rmul(rpow(loan_rate, seconds), amount), recovery_rate_pd)
    return _rdiv(future_value, rpow(discount_rate, seconds))
