"""`scf bench` sections run and report every key (small sizes: figures come from the real run)."""

from __future__ import annotations

from scf_ledger.bench.gas import measure_gas
from scf_ledger.bench.risk import measure_risk
from scf_ledger.chain.connection import connect


def test_gas_section_reports_every_operation_and_the_baseline() -> None:
    gas = measure_gas(connect(), holders=3)
    for key in ("originate_per_installment", "transfer", "accept_offer", "repay_first", "repay", "claim"):
        assert gas[f"gas.{key}"] > 21_000
    assert gas["gas.claim_ratio_3_vs_1"] == 1.0
    assert gas["gas.originate_per_installment"] <= 55_000
    assert gas["baseline721.originate_per_installment"] > gas["gas.originate_per_installment"]


def test_risk_section_reports_rate_and_latency() -> None:
    risk = measure_risk(500)
    assert risk["risk.decisions_per_s"] > 0 and 0 < risk["risk.p50_ms"] <= risk["risk.p99_ms"]


def test_throughput_section_compares_the_service_sender_with_raw() -> None:
    from scf_ledger.bench.throughput import measure_throughput

    figures = measure_throughput(connect(), installments=12, rounds=2)
    assert figures["throughput.service_tx_per_s"] > 0 and figures["throughput.raw_tx_per_s"] > 0
    ratio = (
        figures["throughput.raw_tx_per_s"]
        and figures["throughput.service_tx_per_s"] / figures["throughput.raw_tx_per_s"]
    )
    assert abs(figures["throughput.ratio_vs_raw"] - ratio) < 0.01
