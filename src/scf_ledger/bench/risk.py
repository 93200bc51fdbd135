"""Risk engine speed: decisions per second and p99 latency over varied, realistic inputs."""

from __future__ import annotations

import random
import time

from scf_ledger.domain.risk import (
    ApplicantProfile,
    BuyerHistory,
    GeoPoint,
    OrderRequest,
    PastOrder,
    RepaymentRecord,
    RiskEngine,
)

SUSD = 1_000_000


def _cases(count: int, seed: int = 7) -> list[tuple[OrderRequest, ApplicantProfile, BuyerHistory]]:
    rng = random.Random(seed)  # fixed seed: the same workload every run
    cases = []
    for i in range(count):
        at = 1_800_000_000 + i * 600
        history = BuyerHistory(
            orders=tuple(
                PastOrder(
                    rng.randint(10, 800) * SUSD,
                    at - rng.randint(60, 40 * 86_400),
                    f"device-{rng.randint(0, 3)}",
                    GeoPoint(48 + rng.random(), 2 + rng.random()),
                )
                for _ in range(rng.randint(0, 12))
            ),
            repayments=RepaymentRecord(rng.randint(0, 20), rng.randint(0, 3), int(rng.random() < 0.03)),
            exposure=rng.randint(0, 2_000) * SUSD,
            limit=rng.choice([0, 1_000, 2_500, 5_000]) * SUSD,
        )
        order = OrderRequest(
            buyer=f"0x{i:040x}",
            amount=rng.randint(5, 3_000) * SUSD,
            installments=rng.choice([1, 3, 6, 12, 24]),
            at=at,
            device_id=f"device-{rng.randint(0, 5)}",
            location=GeoPoint(48 + rng.random() * 3, 2 + rng.random() * 3),
            login_hour=rng.randint(0, 23),
        )
        profile = ApplicantProfile(
            age=rng.choice([None, rng.randint(18, 80)]),
            monthly_income=rng.choice([None, rng.randint(300, 6_000) * SUSD]),
            employment_months=rng.choice([None, rng.randint(0, 240)]),
        )
        cases.append((order, profile, history))
    return cases


def measure_risk(decisions: int = 20_000) -> dict[str, float]:
    engine = RiskEngine()
    cases = _cases(min(decisions, 2_000))
    for case in cases[:200]:  # warm-up
        engine.decide(*case)
    latencies: list[int] = []
    began = time.perf_counter_ns()
    for i in range(decisions):
        start = time.perf_counter_ns()
        engine.decide(*cases[i % len(cases)])
        latencies.append(time.perf_counter_ns() - start)
    total_s = (time.perf_counter_ns() - began) / 1e9
    latencies.sort()
    return {
        "risk.decisions_per_s": round(decisions / total_s, 1),
        "risk.p50_ms": round(latencies[len(latencies) // 2] / 1e6, 4),
        "risk.p99_ms": round(latencies[int(len(latencies) * 0.99)] / 1e6, 4),
    }
