"""scripts/operator-story.sh against `scf serve` on anvil (issue 17's "done when"): a review, a fee withdrawal, a
blacklist entry and the default the service marks by itself after anvil's clock moves, over HTTP."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.utils.served import ROOT, served_on_anvil


def test_the_operator_story_runs_end_to_end(tmp_path: Path) -> None:
    with served_on_anvil(tmp_path) as served:
        env = {"PATH": "/usr/bin:/bin", "API": served.base, "NODE": served.node_url}
        env["ADMIN_KEY_FILE"] = str(tmp_path / "admin.key")
        story = subprocess.run(
            ["bash", str(ROOT / "scripts" / "operator-story.sh")], capture_output=True, text=True, timeout=300, env=env
        )
        assert story.returncode == 0, story.stdout + story.stderr
        printed = story.stdout
        reconciled = served.reconcile()
    assert "queue\nreview\n" in printed and "confirms\napproved\n" in printed
    assert '"amount": "2400000"' in printed  # the first installment's fee: the purchase's 1 % of 240 sUSD
    assert "BLACKLISTED_DEVICE" in printed
    assert "2 installments defaulted" in printed
    for line in ("job:default-due,receivable.default", "fees.withdraw", "blacklist.add", "order.review"):
        assert line in printed, printed
    assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
