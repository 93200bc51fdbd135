"""The operator's stories in curl against `scf serve` on anvil, as a user runs them: scripts/operator-story.sh
(issue 17: a review, a fee withdrawal, a blacklist entry and the default the service marks by itself after
anvil's clock moves) and scripts/dilution-story.sh (issue 18: a credit note, a refund, an early repayment and a
rejected dispute)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.utils.served import ROOT, served_on_node


def _story(script: str, tmp_path: Path) -> str:
    """What `script` printed, run to its end against a fresh `scf serve`; the database then reconciles."""
    with served_on_node(tmp_path) as served:
        env = {"PATH": "/usr/bin:/bin", "API": served.base, "NODE": served.node_url}
        env["ADMIN_KEY_FILE"] = str(tmp_path / "admin.key")
        story = subprocess.run(
            ["bash", str(ROOT / "scripts" / script)], capture_output=True, text=True, timeout=300, env=env
        )
        assert story.returncode == 0, story.stdout + story.stderr
        reconciled = served.reconcile()
    assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
    return story.stdout


def test_the_operator_story_runs_end_to_end(tmp_path: Path) -> None:
    printed = _story("operator-story.sh", tmp_path)
    assert "queue\nreview\n" in printed and "confirms\napproved\n" in printed
    assert '"amount": "2400000"' in printed  # the first installment's fee: the purchase's 1 % of 240 sUSD
    assert "BLACKLISTED_DEVICE" in printed
    assert "2 installments defaulted" in printed
    for line in ("job:default-due,receivable.default", "fees.withdraw", "blacklist.add", "order.review"):
        assert line in printed, printed


def test_the_dilution_story_runs_end_to_end(tmp_path: Path) -> None:
    lines = _story("dilution-story.sh", tmp_path).splitlines()
    after = {line: lines[i + 1 :] for i, line in enumerate(lines) if line.startswith("==")}

    def told(step: str) -> list[str]:
        (heading,) = [h for h in after if h.startswith(f"== {step}")]
        return after[heading]

    assert told("two boxes")[:2] == ["370800000", "tier 2 (25 % of the units) may claim 10300000, the bank 20600000"]
    credited, third, second = told("half the goods")[1:4]
    assert credited == "600000000"
    assert third.startswith("status=repaid amount_due=0 principal_credited=400000000 fee_waived=12000000")
    assert second.startswith("status=active amount_due=212000000 principal_credited=200000000 fee_waived=0")
    early = told("the second installment")[0]
    assert "'to_fee': '0', 'to_principal': '200000000', 'fee_waived': '12000000'" in early and "'repaid'" in early
    disputed, later = told("15 days")[:2]
    assert disputed == later and "status=disputed" in disputed and "penalty_owed=2224800" in disputed
    assert told("the carrier")[0] == "30"  # whole days the clocks moved
    assert told("every holder")[:3] == ["900556200", "100556200", "201112400"]
    for action in ("receivable.credit_note", "order.refund", "dispute.open", "dispute.resolve"):
        assert any(f",{action}," in line for line in told("the audit log")), action
