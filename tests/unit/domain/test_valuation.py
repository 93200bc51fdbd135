"""Valuation and expected credit loss (DESIGN §12, §14): stages, lifetime PD, ECL with one floor, the write-off
ladder, a holding's NAV (the price paid on the day of a sale, with PD = 0), and Tinlake's own formula."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, getcontext
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scf_ledger.domain import money
from scf_ledger.domain import valuation as v
from scf_ledger.domain.constants import SECONDS_PER_DAY, UNIT
from scf_ledger.domain.risk.config import RiskConfigError, ValuationPolicy, load_risk_config

DAY = SECONDS_PER_DAY
NOW = 1_800_000_000
LADDER = [v.WriteOff(r.days, r.bps) for r in ValuationPolicy().write_off]  # 30 d 25 %, 60 50 %, 90 75 %, 180 all

CURRENT = v.Installment(
    unpaid_principal=400 * UNIT,
    unpaid_fee=12 * UNIT,
    penalty_owed=0,
    face=400 * UNIT,
    due_date=NOW + 30 * DAY,
    days_past_due=0,
    defaulted=False,
    default_days=90,
    band_now=0,
    band_at_origination=0,
    pd_ppm=71_129,  # band A of the shipped scorecard
    lgd_bps=10_000,
)


@pytest.mark.parametrize(
    ("changes", "stage"),
    [
        ({}, v.Stage.PERFORMING),
        ({"days_past_due": 30}, v.Stage.PERFORMING),
        ({"days_past_due": 31}, v.Stage.UNDERPERFORMING),
        ({"days_past_due": 89}, v.Stage.UNDERPERFORMING),
        ({"days_past_due": 90}, v.Stage.CREDIT_IMPAIRED),  # the default days
        ({"defaulted": True}, v.Stage.CREDIT_IMPAIRED),
        ({"band_now": 1}, v.Stage.PERFORMING),  # one band down: not significant
        ({"band_now": 2}, v.Stage.UNDERPERFORMING),
        ({"band_now": 3, "band_at_origination": 1}, v.Stage.UNDERPERFORMING),
        ({"band_now": 0, "band_at_origination": 2}, v.Stage.PERFORMING),  # improved
    ],
)
def test_stages_follow_days_past_due_default_and_the_fall_of_the_band(changes: dict, stage: v.Stage) -> None:
    assert v.stage_of(replace(CURRENT, **changes)) is stage


def test_lifetime_pd_over_a_year_is_the_12_month_pd_and_grows_with_time() -> None:
    assert v.lifetime_pd_ppm(71_129, 365) == 71_129
    assert v.lifetime_pd_ppm(71_129, 730) == 1_000_000 - -(-((1_000_000 - 71_129) ** 2) // 1_000_000)  # 1-(1-p)^2
    assert v.lifetime_pd_ppm(0, 10_000) == 0 and v.lifetime_pd_ppm(1_000_000, 1) == 1_000_000


@given(st.integers(0, 1_000_000), st.integers(0, 20_000), st.integers(0, 20_000))
def test_lifetime_pd_is_a_probability_that_never_falls_with_time(pd12: int, days: int, more: int) -> None:
    earlier, later = v.lifetime_pd_ppm(pd12, days), v.lifetime_pd_ppm(pd12, days + more)
    assert 0 <= earlier <= later <= 1_000_000


def test_stage_pd_ecl_and_mark_of_each_stage() -> None:
    one = v.assess(CURRENT, LADDER, NOW)
    assert (one.stage, one.pd_ppm, one.ead, one.mark_bps) == (v.Stage.PERFORMING, 71_129, 412 * UNIT, 10_000)
    assert one.ecl == 412 * UNIT * 71_129 * 10_000 // 10**10 == 29_305_148  # one floor
    two = v.assess(replace(CURRENT, days_past_due=45, lgd_bps=6_000), LADDER, NOW)
    assert (two.stage, two.pd_ppm) == (v.Stage.UNDERPERFORMING, 71_129)  # lifetime over max(remaining, 365) days
    assert two.mark_bps == 7_500 and two.ecl == 412 * UNIT * 71_129 * 6_000 // 10**10
    assert two.factor == 7_500 * 1_000_000  # min(1 - PD·LGD = 0.957, the mark 0.75)
    three = v.assess(replace(CURRENT, defaulted=True, lgd_bps=6_000, days_past_due=200), LADDER, NOW)
    assert (three.stage, three.pd_ppm, three.ecl, three.mark_bps, three.factor) == (
        v.Stage.CREDIT_IMPAIRED,
        1_000_000,
        412 * UNIT * 6_000 // 10_000,
        0,
        0,
    )
    long = v.assess(replace(CURRENT, band_now=2, due_date=NOW + 730 * DAY), LADDER, NOW)
    assert long.pd_ppm == v.lifetime_pd_ppm(71_129, 730) > 71_129  # stage 2 by the band, two years to run


@pytest.mark.parametrize(
    ("days", "mark"), [(0, 10_000), (29, 10_000), (30, 7_500), (59, 7_500), (60, 5_000), (90, 2_500), (180, 0)]
)
def test_the_write_off_ladder_marks_by_days_past_due(days: int, mark: int) -> None:
    assert v.mark_bps(days, LADDER) == mark


@given(
    face=st.integers(1, 10**15),
    data=st.data(),
    rate=st.integers(0, 65_535),
    ahead=st.integers(0, 800 * DAY),
)
def test_on_the_day_of_a_sale_with_pd_0_the_buyers_nav_is_the_price_it_paid(
    face: int, data: st.DataObject, rate: int, ahead: int
) -> None:
    unpaid = data.draw(st.integers(0, face))
    units = data.draw(st.integers(0, face))
    due = NOW + ahead
    installment = replace(CURRENT, face=face, unpaid_principal=unpaid, due_date=due, pd_ppm=0)
    nav = v.holding_nav(units, installment, v.assess(installment, LADDER, NOW), rate, NOW)
    price = money.price_for_units(units, money.paid_per_unit_scaled(face - unpaid, face), rate, due, NOW)
    assert nav == price


@given(
    face=st.integers(1, 10**12),
    cuts=st.lists(st.integers(0, 10**12), max_size=6),
    unpaid_share=st.integers(0, 10_000),
    penalty=st.integers(0, 10**9),
    pd=st.integers(0, 1_000_000),
    lgd=st.integers(0, 10_000),
)
def test_holders_navs_never_add_up_to_more_than_what_holders_are_owed(
    face: int, cuts: list[int], unpaid_share: int, penalty: int, pd: int, lgd: int
) -> None:
    points = sorted({0, face, *(c % face for c in cuts)})
    holdings = [b - a for a, b in itertools.pairwise(points)]  # units summing to the face
    installment = replace(
        CURRENT, face=face, unpaid_principal=face * unpaid_share // 10_000, penalty_owed=penalty, pd_ppm=pd, lgd_bps=lgd
    )
    risk = v.assess(installment, LADDER, NOW)
    navs = [v.holding_nav(u, installment, risk, 1_200, NOW) for u in holdings]
    assert sum(navs) <= (installment.unpaid_principal + penalty) * risk.factor // v.FULL


def test_tinlakes_formula_reproduced_on_the_same_inputs() -> None:
    """Tinlake values a loan at its future value (debt grown at the loan rate, x the recovery rate) discounted
    per second at the pool's rate from maturity to the start of today: the same as a 40-digit decimal to the
    unit, and beside ours (simple ACT/360, PD·LGD as 1 - recovery) within what compounding adds."""
    amount, rate_bps, days = 400 * UNIT, 1_200, 90
    recovery = (10**10 - 71_129 * 10_000) * v.ONE // 10**10  # 1 - PD·LGD in Tinlake's fixed point
    today = NOW // DAY * DAY
    maturity = today + days * DAY
    ours = v.tinlake_nav(amount, v.ONE, recovery, v.per_second_rate(rate_bps), maturity, NOW)
    getcontext().prec = 60
    per_second = Decimal(v.per_second_rate(rate_bps)) / v.ONE
    expected = Decimal(amount) * Decimal(recovery) / v.ONE / per_second ** (days * DAY)
    assert abs(ours - expected) <= 1
    assert ours == 360_715_694  # 400 sUSD x 0.928871 x e^(-0.12 x 90/365): per-second compounding

    installment = replace(CURRENT, due_date=maturity)
    simple = v.holding_nav(400 * UNIT, installment, v.assess(installment, LADDER, today), rate_bps, today)
    assert simple == 371_548_400 * (360 * 10_000 - 1_200 * 90) // (360 * 10_000)  # 371,548,400 less 3 %
    assert 0 < ours - simple < amount // 1_000  # compounded ACT/365 discounts less than simple ACT/360: < 0.1 %


def test_a_loan_past_maturity_is_worth_its_future_value_to_tinlake() -> None:
    assert v.tinlake_nav(100 * UNIT, v.ONE, v.ONE, v.per_second_rate(1_200), NOW - DAY, NOW) == 100 * UNIT
    assert v.rpow(v.ONE * 2, 10) == v.ONE * 1024 and v.rpow(0, 0) == v.ONE and v.rpow(0, 3) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: c["scorecard"]["bands"][0].update(pd_ppm=1_000_001), "scorecard.bands.0.pd_ppm"),
        (lambda c: c["scorecard"]["bands"][1].update(lgd_bps=-1), "scorecard.bands.1.lgd_bps"),
        (lambda c: c["valuation"]["write_off"][1].update(bps=1_000), "valuation.write_off"),
        (lambda c: c["valuation"]["write_off"][2].update(days=30), "valuation.write_off"),
    ],
)
def test_a_configuration_that_cannot_be_a_probability_or_a_ladder_is_refused_by_name(
    change: Callable[[dict], None], field: str, tmp_path: Path
) -> None:
    config = load_risk_config().model_dump(mode="json")
    change(config)
    path = tmp_path / "risk.json"
    path.write_text(json.dumps(config))
    with pytest.raises(RiskConfigError, match=rf"invalid at {field}"):
        load_risk_config(path)


def test_the_shipped_bands_carry_the_bad_rates_observed_in_the_fit() -> None:
    bands = load_risk_config().scorecard.bands
    assert [b.pd_ppm for b in bands] == [71_129, 107_526, 275_000, 402_515, 605_468]  # 17/239, 20/186, ...
    assert all(b.pd_ppm is not None for b in bands)
