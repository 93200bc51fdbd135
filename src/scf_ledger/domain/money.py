"""The money rules of DESIGN §3, to the base unit the same as contracts/libraries/ReceivableMath.sol.

All amounts are Python ints in settlement base units; every division rounds down unless its name says
otherwise, so rounding never creates money. Pure: no chain, web or database imports.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime

from scf_ledger.domain.constants import (
    BPS,
    INSTALLMENT_COUNTS,
    MAX_AMOUNT,
    MAX_UINT256,
    SCALE,
    SECONDS_PER_DAY,
    TOKEN_DECIMALS,
    YEAR_360,
)
from scf_ledger.domain.errors import InvalidAmount, InvalidDate, InvalidPlan


def check_amount(name: str, value: int, *, maximum: int = MAX_AMOUNT) -> int:
    """`value` if it is an int in [0, maximum], else InvalidAmount."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(name, value, "must be an integer number of base units")
    if value < 0:
        raise InvalidAmount(name, value, "must not be negative")
    if value > maximum:
        raise InvalidAmount(name, value, f"must be at most {maximum}")
    return value


def _check_timestamp(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidDate(name, value)
    return value


# SCHEDULE


def check_plan(principal: int, installments: int) -> None:
    check_amount("principal", principal)
    if installments not in INSTALLMENT_COUNTS:
        raise InvalidPlan(principal, installments, f"installments must be one of {INSTALLMENT_COUNTS}")
    if principal < installments:
        raise InvalidPlan(principal, installments, "principal must be at least one unit per installment")


def principal_of(principal: int, installments: int, index: int) -> int:
    """floor(P / n) for every installment but the last, which takes the rest."""
    check_plan(principal, installments)
    if not 0 <= index < installments:
        raise InvalidPlan(principal, installments, f"installment index {index} out of range")
    regular = principal // installments
    return principal - regular * (installments - 1) if index == installments - 1 else regular


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` months later, clamped to that month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_day(confirmed_at: int) -> date:
    """The UTC calendar day of a confirmation timestamp."""
    _check_timestamp("confirmed_at", confirmed_at)
    return datetime.fromtimestamp(confirmed_at, UTC).date()


def _midnight(day: date) -> int:
    return (day - date(1970, 1, 1)).days * SECONDS_PER_DAY


def due_date(confirmed_at: int, index: int) -> int:
    """Due timestamp (00:00 UTC) of installment `index` (0-based) of a purchase confirmed at `confirmed_at`."""
    return _midnight(add_months(start_day(confirmed_at), index + 1))


def period_start(confirmed_at: int, index: int) -> int:
    """When installment `index`'s period starts (00:00 UTC): a calendar month before its due date, clamped like
    due dates; the purchase day for the first. Before it the fee is not owed (DESIGN §11)."""
    return _midnight(add_months(start_day(confirmed_at), index))


def dispute_days(opened_at: int, late_from: int, closed_at: int) -> int:
    """Whole days, rounded up, of a dispute that overlap [due + grace, close]: the penalty, default and aging
    clocks move by them (DESIGN §14)."""
    start = max(opened_at, late_from)
    return 0 if closed_at <= start else -(-(closed_at - start) // SECONDS_PER_DAY)


def refund_credits(unpaid: list[tuple[int, int]], amount: int) -> list[tuple[int, int]]:
    """A refund's credit note on each installment, given each one's (unpaid principal, unpaid fee) in due order:
    the latest first, each credited in full has its fee waived (DESIGN §14). Refuses more than is unpaid."""
    if amount > sum(principal for principal, _ in unpaid):
        raise InvalidAmount("amount", amount, "above the purchase's unpaid principal")
    credits, rest = [(0, 0)] * len(unpaid), amount
    for i in reversed(range(len(unpaid))):
        principal, fee = unpaid[i]
        credit = min(rest, principal)
        if credit:
            credits[i] = (credit, fee if credit == principal else 0)
        rest -= credit
    return credits


def fee_per_installment(
    principal: int, installments: int, fee_bps: int, confirmed_at: int, interest_free_days: int = 30
) -> int:
    """round_half_up(P * f / 10_000); 0 for one installment due within the interest-free period."""
    check_plan(principal, installments)
    check_amount("fee_bps", fee_bps, maximum=BPS)
    if installments == 1:
        first = start_day(confirmed_at)
        if (add_months(first, 1) - first).days <= interest_free_days:
            return 0
    return (principal * fee_bps + BPS // 2) // BPS


@dataclass(frozen=True)
class Installment:
    index: int
    principal: int
    fee: int
    due_date: int


def schedule(
    principal: int, installments: int, fee_bps: int, confirmed_at: int, interest_free_days: int = 30
) -> list[Installment]:
    """The whole plan: principals summing to P, the same fee for each, month-end-clamped due dates."""
    fee = fee_per_installment(principal, installments, fee_bps, confirmed_at, interest_free_days)
    return [
        Installment(i, principal_of(principal, installments, i), fee, due_date(confirmed_at, i))
        for i in range(installments)
    ]


# PENALTY


@dataclass(frozen=True)
class PenaltyAccrual:
    added: int
    accrued_until: int  # the new accrual point; unchanged when no whole day passed
    remainder: int = 0  # 1/10_000 of a base unit carried to the next accrual (< 10_000)


def accrue_penalty(
    outstanding: int,
    bps_per_day: int,
    due: int,
    grace_days: int,
    accrued_until: int | None,
    now: int,
    remainder: int = 0,
) -> PenaltyAccrual:
    """Penalty for the whole days since the last accrual point (due + grace at first); partial days carry, and
    so does the remainder below one base unit (DESIGN §14: `num += outstanding·p·d; penalty += num // 10_000;
    num %= 10_000`), so accruing daily or once gives the same penalty while `outstanding` is unchanged. (The
    contract also caps the penalty where principal + fee + penalty would leave the 128-bit range.)"""
    check_amount("outstanding", outstanding)
    _check_timestamp("now", now)
    point = accrued_until if accrued_until else due + grace_days * SECONDS_PER_DAY
    if now < point + SECONDS_PER_DAY:
        return PenaltyAccrual(0, point, remainder)
    elapsed_days = (now - point) // SECONDS_PER_DAY
    added, carried = divmod(outstanding * bps_per_day * elapsed_days + remainder, BPS)
    return PenaltyAccrual(added, point + elapsed_days * SECONDS_PER_DAY, carried)


# REPAYMENT


@dataclass(frozen=True)
class Allocation:
    to_penalty: int
    to_fee: int
    to_principal: int

    @property
    def total(self) -> int:
        return self.to_penalty + self.to_fee + self.to_principal

    @property
    def to_holders(self) -> int:
        return self.to_penalty + self.to_principal


def allocate(amount: int, penalty_owed: int, fee: int, paid: int) -> Allocation:
    """Splits a repayment: penalty, then fee, then principal. `paid` is fee + principal paid before."""
    for name, value in (("amount", amount), ("penalty_owed", penalty_owed), ("fee", fee), ("paid", paid)):
        check_amount(name, value, maximum=MAX_UINT256)
    to_penalty = min(amount, penalty_owed)
    rest = amount - to_penalty
    to_fee = min(rest, max(fee - paid, 0))
    return Allocation(to_penalty, to_fee, rest - to_fee)


def share_of(balance: int, delta: int, residue: int, face: int) -> tuple[int, int]:
    """A holder's share of `delta` distributed over `face` units since its snapshot, plus the residue carried
    from before: (whole units, new residue < face). The cumulative distributed amount is an index scaled by
    the face itself, so the split is exact; each holder's rounding is carried, never lost."""
    check_amount("balance", balance)
    if face <= 0:
        raise InvalidAmount("face", face, "must be positive")
    numerator = balance * delta + residue
    return numerator // face, numerator % face


def paid_per_unit_scaled(distributed: int, face: int) -> int:
    """Amount distributed per unit, scaled by 1e27, rounded down (the index of DESIGN §3)."""
    if face <= 0:
        raise InvalidAmount("face", face, "must be positive")
    return distributed * SCALE // face


# PRICE


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def value_of_units(units: int, paid_per_unit_scaled: int) -> int:
    """The outstanding principal bought with `units`: the seller keeps what was paid before the sale, that part
    rounded up (DESIGN §14), so that a sale split in parts never values more than the whole."""
    check_amount("units", units)
    return units_net_of_paid(units, paid_per_unit_scaled)


def units_net_of_paid(units: int, paid_per_unit_scaled: int) -> int:
    """`value_of_units` of units the ledger holds (checked already): a book's valuation calls it per holding."""
    value = units + (-units * paid_per_unit_scaled // SCALE)  # units - ceil(units * paid / SCALE)
    return value if value > 0 else 0


def price_for_units(units: int, paid_per_unit_scaled: int, rate_bps: int, due: int, now: int) -> int:
    """price = v - ceil(v * r * (T - t) / (10_000 * 360 days)), never below 0; v at or after T (ACT/360). The
    discount rounds up: splitting a sale into fills never pays the seller more than one fill would."""
    check_amount("rate_bps", rate_bps, maximum=2**16 - 1)
    _check_timestamp("due", due)
    _check_timestamp("now", now)
    return discounted(value_of_units(units, paid_per_unit_scaled), rate_bps, due, now)


def discounted(value: int, rate_bps: int, due: int, now: int) -> int:
    """`value` due at `due`, today: value - ceil(value * r * (T - t) / (10_000 * 360 days)), never below 0, and
    `value` itself at or after T (simple ACT/360, the discount rounded up) — a sale's price, a holding's NAV."""
    if now >= due:
        return value
    value += -value * rate_bps * (due - now) // (BPS * YEAR_360)  # less the discount, rounded up
    return value if value > 0 else 0


def parse_units(text: str, decimals: int = TOKEN_DECIMALS) -> int:
    """A decimal amount typed by a person ("240", "1,234.5") as base units, exactly; more decimals than the
    token has, a sign or anything but digits is refused (InvalidAmount). A comma only groups thousands: "1,5"
    (a decimal comma elsewhere) is refused rather than read as 15."""
    grouped, _, frac = text.strip().partition(".")
    groups = grouped.split(",")
    whole = "".join(groups)
    digits = set("0123456789")
    well_grouped = len(groups) == 1 or (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]))
    if not (whole or frac) or not set(whole + frac) <= digits or len(frac) > decimals or not well_grouped:
        raise InvalidAmount("amount", text, f"not a decimal number with at most {decimals} decimals")
    return int(whole or "0") * 10**decimals + int(frac.ljust(decimals, "0"))


def format_units(amount: int, decimals: int = TOKEN_DECIMALS) -> str:
    """Base units as a grouped decimal string (display): 1234500000 -> 1,234.500000 (`parse_units` reads it)."""
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**decimals)
    return f"{sign}{whole:,}.{frac:0{decimals}d}"
