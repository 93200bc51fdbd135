"""Money rules of DESIGN §3 in pure Python: every rounding edge, and properties with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scf_ledger.domain import money
from scf_ledger.domain.constants import UNIT
from scf_ledger.domain.errors import DomainError, InvalidAmount, InvalidDate, InvalidPlan
from scf_ledger.sandbox import utc
from tests.utils.strategies import price_inputs

MAX = money.MAX_AMOUNT
DAY = money.SECONDS_PER_DAY


# SCHEDULE


@pytest.mark.parametrize("n", money.INSTALLMENT_COUNTS)
@pytest.mark.parametrize("principal", [24, 25, 1_000_000_001, MAX])
def test_installments_sum_to_principal_and_last_takes_the_rest(principal: int, n: int) -> None:
    parts = [money.principal_of(principal, n, i) for i in range(n)]
    assert sum(parts) == principal
    assert all(p == principal // n for p in parts[:-1])
    assert parts[-1] - parts[0] < n


def test_smallest_plan_is_one_unit_per_installment() -> None:
    assert [money.principal_of(24, 24, i) for i in range(24)] == [1] * 24
    with pytest.raises(InvalidPlan, match="at least one unit"):
        money.principal_of(23, 24, 0)


@pytest.mark.parametrize(
    ("confirmed", "index", "due"),
    [
        (utc(2027, 1, 31, 12), 0, utc(2027, 2, 28)),  # clamped to February's end
        (utc(2028, 1, 31, 12), 0, utc(2028, 2, 29)),  # leap year
        (utc(2027, 1, 31, 12), 1, utc(2027, 3, 31)),  # back to the 31st
        (utc(2027, 1, 31, 12), 2, utc(2027, 4, 30)),
        (utc(2027, 11, 30), 2, utc(2028, 2, 29)),  # across the year end into a leap February
        (utc(2027, 12, 15, 23, 59, 59), 0, utc(2028, 1, 15)),  # due at 00:00 UTC of the day
        (utc(2024, 2, 29), 11, utc(2025, 2, 28)),
        (utc(2024, 2, 29), 23, utc(2026, 2, 28)),  # n = 24
        (utc(2100, 1, 29), 0, utc(2100, 2, 28)),  # 2100 is not a leap year
        (utc(2000, 1, 29), 0, utc(2000, 2, 29)),  # 2000 is
    ],
)
def test_due_dates(confirmed: int, index: int, due: int) -> None:
    assert money.due_date(confirmed, index) == due


@pytest.mark.parametrize(
    ("principal", "fee_bps", "fee"),
    [(50, 100, 1), (49, 100, 0), (150, 100, 2), (1_000_000_001, 100, 10_000_000), (MAX, 10_000, MAX), (7, 0, 0)],
)
def test_fee_rounds_half_up(principal: int, fee_bps: int, fee: int) -> None:
    assert money.fee_per_installment(principal, 3 if principal >= 3 else 1, fee_bps, utc(2027, 1, 1)) == fee


def test_single_installment_within_interest_free_period_is_free() -> None:
    assert money.fee_per_installment(1_000_000, 1, 100, utc(2027, 2, 1)) == 0  # 28 days
    assert money.fee_per_installment(1_000_000, 1, 100, utc(2027, 4, 1)) == 0  # 30 days
    assert money.fee_per_installment(1_000_000, 1, 100, utc(2027, 3, 1)) == 10_000  # 31 days
    assert money.fee_per_installment(1_000_000, 1, 100, utc(2027, 3, 1), interest_free_days=31) == 0
    assert money.fee_per_installment(1_000_000, 3, 100, utc(2027, 2, 1)) == 10_000


def test_schedule_is_consistent() -> None:
    plan = money.schedule(1_000_000_001, 3, 100, utc(2027, 1, 31, 12))
    assert [i.principal for i in plan] == [333_333_333, 333_333_333, 333_333_335]
    assert {i.fee for i in plan} == {10_000_000}
    assert [i.due_date for i in plan] == [utc(2027, 2, 28), utc(2027, 3, 31), utc(2027, 4, 30)]


# PENALTY


def test_penalty_waits_for_grace_and_counts_whole_days() -> None:
    due = utc(2027, 2, 28)
    start = due + 3 * DAY
    assert money.accrue_penalty(1_000_000, 5, due, 3, None, start + DAY - 1) == money.PenaltyAccrual(0, start)
    assert money.accrue_penalty(1_000_000, 5, due, 3, None, start + DAY) == money.PenaltyAccrual(500, start + DAY)
    # 2 days and 6 hours: 2 days charged, the 6 hours carried by the new accrual point.
    step = money.accrue_penalty(1_000_000, 5, due, 3, None, start + 2 * DAY + 6 * 3600)
    assert step == money.PenaltyAccrual(1_000, start + 2 * DAY)
    again = money.accrue_penalty(1_000_000, 5, due, 3, step.accrued_until, start + 3 * DAY + 1)
    assert again == money.PenaltyAccrual(500, start + 3 * DAY)
    assert money.accrue_penalty(1_999, 5, due, 3, None, start + DAY).added == 0  # rounds down
    assert money.accrue_penalty(0, 5, due, 3, None, start + 100 * DAY).added == 0


# ALLOCATION AND INDEX


def test_allocation_order_penalty_fee_principal() -> None:
    assert money.allocate(100, 30, 50, 0) == money.Allocation(30, 50, 20)
    assert money.allocate(20, 30, 50, 0) == money.Allocation(20, 0, 0)
    assert money.allocate(100, 0, 50, 40) == money.Allocation(0, 10, 90)
    assert money.allocate(100, 0, 50, 60) == money.Allocation(0, 0, 100)
    assert money.allocate(0, 0, 0, 0).total == 0


@given(
    amount=st.integers(0, MAX),
    penalty=st.integers(0, MAX),
    fee=st.integers(0, MAX),
    paid=st.integers(0, MAX),
)
def test_allocation_conserves_money(amount: int, penalty: int, fee: int, paid: int) -> None:
    a = money.allocate(amount, penalty, fee, paid)
    assert a.total == amount
    assert min(a.to_penalty, a.to_fee, a.to_principal) >= 0
    assert a.to_penalty <= penalty and a.to_fee <= max(fee - paid, 0)


@given(
    face=st.integers(1, MAX),
    payments=st.lists(st.integers(0, MAX // 64), min_size=1, max_size=20),
    weights=st.lists(st.integers(1, 10**6), min_size=1, max_size=5),
    claim_every=st.integers(1, 5),
)
def test_claims_never_exceed_what_was_paid_in(
    face: int, payments: list[int], weights: list[int], claim_every: int
) -> None:
    # Split `face` units among holders in proportion to `weights`; the last one takes the rest.
    held = [face * w // sum(weights) for w in weights[:-1]]
    held.append(face - sum(held))
    snapshots, residues, claimed = [0] * len(held), [0] * len(held), [0] * len(held)
    distributed = 0
    for step, amount in enumerate(payments):
        distributed += amount
        if step % claim_every == 0:
            for h, balance in enumerate(held):
                units, residues[h] = money.share_of(balance, distributed - snapshots[h], residues[h], face)
                claimed[h] += units
                snapshots[h] = distributed
    for h, balance in enumerate(held):
        units, residues[h] = money.share_of(balance, distributed - snapshots[h], residues[h], face)
        claimed[h] += units
    assert sum(claimed) <= distributed
    # Exact split: what is not claimed is the residues, under one unit per holder.
    assert sum(claimed) * face + sum(residues) == distributed * face
    assert distributed - sum(claimed) < len(held)


def test_tiny_repayment_is_carried_not_lost() -> None:
    face = 2**100
    half = face // 2
    # One unit over two holders of half the face each: neither can claim it yet, both carry half a unit.
    assert money.share_of(half, 1, 0, face) == (0, half)
    # The next unit completes it: each now claims one.
    assert money.share_of(half, 1, half, face) == (1, 0)
    assert money.paid_per_unit_scaled(1, face) == money.SCALE // face


# PRICE


def test_price_examples() -> None:
    due = utc(2027, 2, 28)
    assert money.price_for_units(100_000_000, 0, 1_200, due, due - 18 * DAY) == 99_400_000
    assert money.price_for_units(1_000, 0, 3_600, due, due - 10 * DAY) == 990
    assert money.price_for_units(1_000, 0, 9_999, due, due) == 1_000  # at maturity: no discount
    assert money.price_for_units(1_000, 0, 9_999, due, due + DAY) == 1_000
    assert money.price_for_units(500, 10**26, 0, due, due) == 450  # seller keeps what was paid
    assert money.price_for_units(1_000, 0, 65_535, due, due - 720 * DAY) == 0  # never negative
    assert money.price_for_units(0, 0, 1_200, due, 0) == 0


@given(inputs=price_inputs)
def test_price_is_between_zero_and_units(inputs: tuple[int, int, int, int, int]) -> None:
    units, paid, rate, due, now = inputs
    price = money.price_for_units(units, paid, rate, due, now)
    assert 0 <= price <= money.value_of_units(units, paid) <= units


# BAD INPUT


@pytest.mark.parametrize("bad", [-1, 1.5, True, "10", MAX + 1])
def test_amounts_must_be_integers_in_range(bad: object) -> None:
    with pytest.raises(InvalidAmount) as info:
        money.check_amount("principal", bad)  # type: ignore[arg-type]
    assert "principal" in str(info.value) and isinstance(info.value, DomainError)
    assert isinstance(info.value, ValueError)


def test_bad_plans_and_dates_have_typed_errors() -> None:
    with pytest.raises(InvalidPlan, match="one of"):
        money.schedule(1_000, 2, 100, 0)
    with pytest.raises(InvalidPlan, match="out of range"):
        money.principal_of(1_000, 3, 3)
    with pytest.raises(InvalidDate):
        money.due_date(-1, 0)
    with pytest.raises(InvalidAmount):
        money.fee_per_installment(1_000, 3, 10_001, 0)
    with pytest.raises(InvalidAmount):
        money.share_of(1, 1, 0, 0)


@given(
    outstanding=st.integers(0, 2**128 - 1),
    bps=st.integers(0, 100),
    days=st.integers(1, 400),
    steps=st.lists(st.integers(1, 30), min_size=1, max_size=20),
)
def test_daily_and_lazy_accrual_give_the_same_penalty(outstanding: int, bps: int, days: int, steps: list[int]) -> None:
    """DESIGN §14: the remainder is carried, so how often the penalty is accrued never changes it."""
    due, start = 0, 0
    end = start + days * money.SECONDS_PER_DAY
    lazy = money.accrue_penalty(outstanding, bps, due, 0, None, end)
    total, point, remainder, now = 0, None, 0, start
    for step in [*steps, days]:
        now = min(now + step * money.SECONDS_PER_DAY, end)
        accrual = money.accrue_penalty(outstanding, bps, due, 0, point, now, remainder)
        total, point, remainder = total + accrual.added, accrual.accrued_until, accrual.remainder
    assert (total, remainder) == (lazy.added, lazy.remainder)


@given(
    units=st.integers(2, 10**12),
    parts=st.integers(2, 8),
    paid=st.integers(0, 10**27),
    rate=st.integers(0, 65_535),
    left=st.integers(0, 4 * 360 * 86_400),
)
def test_a_split_sale_never_pays_more_than_one_fill(units: int, parts: int, paid: int, rate: int, left: int) -> None:
    """DESIGN §14: value and discount round against the seller, so splitting never pays more."""
    whole = money.price_for_units(units, paid, rate, left, 0)
    sizes = [units // parts] * (parts - 1) + [units - units // parts * (parts - 1)]
    assert sum(money.price_for_units(size, paid, rate, left, 0) for size in sizes if size) <= whole


@pytest.mark.parametrize(
    ("typed", "units"),
    [
        ("240", 240 * UNIT),
        ("1,234.5", 1_234_500_000),
        ("0.000001", 1),
        (".5", 500_000),
        ("12,345,678", 12_345_678 * UNIT),
    ],
)
def test_an_amount_a_person_types_is_read_exactly(typed: str, units: int) -> None:
    assert money.parse_units(typed) == units


@pytest.mark.parametrize("typed", ["1,5", "12abc", "-3", "1.0000001", "", ".", "1,23", "1234,567", ",100", "1e3"])
def test_an_amount_that_could_be_misread_is_refused(typed: str) -> None:
    with pytest.raises(InvalidAmount):  # "1,5" is 1.5 with a decimal comma: never 15
        money.parse_units(typed)


@given(st.integers(min_value=0, max_value=10**30))
def test_a_displayed_amount_reads_back_to_itself(units: int) -> None:
    assert money.parse_units(money.format_units(units)) == units
