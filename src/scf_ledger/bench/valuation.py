"""Valuation speed (issue 19): a book of installments and holders valued in one pass in process (stage, PD,
ECL and mark of each installment, NAV of each holding), beside a baseline in the same run: the bare share of
each holding (units x owed / face), the least any valuation has to compute."""

from __future__ import annotations

import random
import time

from scf_ledger.domain import valuation as rules
from scf_ledger.domain.risk.config import ValuationPolicy

SUSD = 1_000_000
NOW = 1_800_000_000
DAY = 86_400
PDS = (71_129, 107_526, 275_000, 402_515, 605_468)  # the shipped bands' PDs


def _book(installments: int, holders: int, seed: int = 11) -> tuple[list[rules.Installment], list[tuple[int, int]]]:
    """Installments of every stage (a fifth past due, some defaulted, bands that fell), and their holdings:
    each installment split between one to three of `holders`; (installment index, units) pairs."""
    rng = random.Random(seed)  # fixed: the same book every run
    book, holdings = [], []
    for index in range(installments):
        face = rng.randint(10, 3_000) * SUSD
        late = rng.random() < 0.2
        dpd = rng.randint(1, 200) if late else 0
        origin = rng.randint(0, 3)
        book.append(
            rules.Installment(
                unpaid_principal=face - rng.randint(0, face // 2),
                unpaid_fee=rng.randint(0, 30) * SUSD,
                penalty_owed=rng.randint(0, 5 * SUSD) if late else 0,
                face=face,
                due_date=NOW - dpd * DAY if late else NOW + rng.randint(1, 700) * DAY,
                days_past_due=dpd,
                defaulted=late and dpd > 90 and rng.random() < 0.5,
                default_days=90,
                band_now=min(origin + rng.choice((0, 0, 0, 1, 2)), 4),
                band_at_origination=origin,
                pd_ppm=PDS[origin],
                lgd_bps=rng.choice((4_500, 7_500, 10_000)),
            )
        )
        parts = rng.randint(1, 3)
        cut = sorted(rng.randint(1, face - 1) for _ in range(parts - 1))
        for a, b in zip([0, *cut], [*cut, face], strict=True):
            holdings.append((index, b - a))
    del holders  # holders own the holdings; who owns which does not change the work
    return book, holdings


def measure_valuation(installments: int = 100_000, holders: int = 10_000) -> dict[str, float]:
    book, holdings = _book(installments, holders)
    ladder = [rules.WriteOff(r.days, r.bps) for r in ValuationPolicy().write_off]
    rates = [random.Random(h).choice((900, 1_200, 1_500)) for h in range(holders)]

    began = time.perf_counter()
    bare = 0
    for index, units in holdings:
        i = book[index]
        bare += units * (i.unpaid_principal + i.penalty_owed) // i.face
    baseline = time.perf_counter() - began

    rules.lifetime_pd_ppm.cache_clear()
    began = time.perf_counter()
    risks = [rules.assess(i, ladder, NOW) for i in book]
    ecl = sum(r.ecl for r in risks)
    nav = 0
    for n, (index, units) in enumerate(holdings):
        nav += rules.holding_nav(units, book[index], risks[index], rates[n % holders], NOW)
    seconds = time.perf_counter() - began
    assert 0 < nav <= bare and ecl > 0  # risk-adjusted and discounted: never above the bare share
    return {
        "valuation.installments": installments,
        "valuation.holdings": len(holdings),
        "valuation.seconds": round(seconds, 3),
        "valuation.holdings_per_s": round(len(holdings) / seconds),
        "valuation.installments_per_s": round(installments / seconds),
        "valuation.baseline_holdings_per_s": round(len(holdings) / baseline),
        "valuation.ratio_vs_baseline": round(seconds / baseline, 2),
    }
