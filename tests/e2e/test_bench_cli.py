"""`scf bench --quick --json FILE` on an anvil of its own: every key the benchmark definitions name, numeric."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.utils.served import ROOT

KEYS = (
    "gas.originate_per_installment",
    "gas.transfer",
    "gas.accept_offer",
    "gas.repay",
    "gas.claim",
    "gas.claim_ratio_1000_vs_1",
    "api.overhead_ratio",
    "throughput.service_tx_per_s",
    "throughput.raw_tx_per_s",
    "throughput.ratio_vs_raw",
    "indexer.events_per_s",
    "risk.decisions_per_s",
    "risk.p99_ms",
    "valuation.holdings_per_s",
    "valuation.ratio_vs_baseline",
    "reads.api_16_rps",
    "reads.api_16_p99_ms",
    "reads.bare_16_rps",
    "reads.ratio_to_bare_16",
    "reads.with_writes_16_rps",
)


def test_quick_bench_writes_every_key(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    run = subprocess.run(
        [sys.executable, "-m", "scf_ledger.cli.main", "bench", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2_000:]
    figures = json.loads(out.read_text())
    for key in KEYS:
        assert isinstance(figures[key], int | float) and figures[key] > 0, key
    assert figures["gas.claim_ratio_1000_vs_1"] <= 1.02 and figures["gas.originate_per_installment"] <= 55_000
    assert set(figures["machine"]) == {"cpu_count", "python", "web3", "solc", "anvil"}
    assert "anvil started" in run.stderr  # --quick brings its own node
