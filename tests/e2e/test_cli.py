"""The `scf` command as a user runs it: JSON output, clean one-line errors, the demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def scf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scf_ledger.cli.main", *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


def test_deploy_json_prints_addresses_and_writes_file(tmp_path: Path) -> None:
    out = tmp_path / "deployment.json"
    result = scf("deploy", "--json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert set(printed["addresses"]) == {
        "SettlementToken",
        "ParticipantRegistry",
        "LedgerAdjustments",
        "ReceivableLedger",
        "FinancingMarket",
    }
    assert printed["chain_id"] > 0 and printed["deployment_block"] >= 1
    assert json.loads(out.read_text()) == printed


def test_deploy_to_a_dead_node_fails_with_one_readable_line() -> None:
    result = scf("deploy", "--rpc-url", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert result.stderr.strip() == "scf deploy: no Ethereum JSON-RPC node answers at http://127.0.0.1:9"
    assert "Traceback" not in result.stderr


def test_demo_runs_the_whole_story() -> None:
    result = scf("demo", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["gas"]["originate_per_installment"] <= 55_000
    statuses = [r["status"] for r in summary["receivables"]]
    assert statuses[:3] == ["REPAID", "REPAID", "DEFAULTED"]
    assert "Installment 3 is 90 days overdue" in result.stderr
    assert "VELOCITY" in result.stderr and "declined" in result.stderr
    assert summary["net_change"] == "0"  # money only moved between parties
    told = " ".join(result.stderr.split())  # the narration wraps
    assert "webhook endpoint, a receiver on loopback, was told" in told and "(0 refused)" in told
    assert "2 receivable.overdue" in told and "1 receivable.defaulted" in told


def test_unknown_command_is_a_usage_error() -> None:
    result = scf("fly")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_several_workers_need_a_node_and_postgresql() -> None:
    embedded = scf("serve", "--workers", "2")
    assert embedded.returncode == 1 and "--workers needs --rpc-url" in embedded.stderr
    assert "Traceback" not in embedded.stderr
    sqlite = scf("serve", "--workers", "2", "--rpc-url", "http://127.0.0.1:1", "--db-url", "sqlite:///x.sqlite")
    assert sqlite.returncode == 1 and "needs PostgreSQL" in sqlite.stderr
