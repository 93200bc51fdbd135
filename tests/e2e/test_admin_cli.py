"""`scf admin …` against a running `scf serve` (issue 17): each command one request, its answer as JSON; a
refusal one readable line and exit status 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.utils.served import ROOT, scf, serving_embedded


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with serving_embedded(tmp_path_factory.mktemp("admin") / "admin.key") as served:
        yield {**os.environ, "SCF_API_URL": served.base, "SCF_API_KEY": served.admin_key}


def admin(env: dict[str, str], *args: str) -> dict:
    done = scf("admin", *args, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def refused(env: dict[str, str], *args: str) -> str:
    done = scf("admin", *args, env=env)
    assert done.returncode == 1 and done.stdout == "", (done.stdout, done.stderr)
    (line,) = done.stderr.splitlines()
    return line


def test_terms_pause_and_blacklist_through_the_cli_leave_an_audit_trail(env: dict[str, str]) -> None:
    assert admin(env, "terms")["penalty_bps_per_day"] == 5
    assert admin(env, "terms", "--penalty-bps-per-day", "7", "--reason", "policy")["penalty_bps_per_day"] == 7
    assert admin(env, "terms")["default_days"] == 90  # the others kept
    assert admin(env, "pause", "--reason", "drill")["on"] is True
    assert admin(env, "pause", "--unpause", "--reason", "drill over")["on"] is False
    admin(env, "blacklist", "add", "--kind", "device", "--value", "dev 1/2", "--reason", "stolen")
    assert [e["value"] for e in admin(env, "blacklist", "list")["items"]] == ["dev 1/2"]
    admin(env, "blacklist", "remove", "--kind", "device", "--value", "dev 1/2", "--reason", "found")
    assert admin(env, "review")["items"] == []
    actions = [r["action"] for r in admin(env, "audit")["items"]]
    assert actions == ["blacklist.remove", "blacklist.add", "system.unpause", "system.pause", "terms.set"]
    csv = scf("admin", "audit", "--format", "csv", "--action", "terms.set", env=env)
    assert csv.returncode == 0 and csv.stdout.splitlines()[0].startswith("id,at,actor,action")


def test_refusals_are_one_line_and_exit_1(env: dict[str, str]) -> None:
    assert "ZeroAmount" in refused(env, "fees")
    assert "Invalid request" in refused(env, "terms", "--penalty-bps-per-day", "101")
    assert "no receivable 999" in refused(env, "default", "999")
    assert "--approve or --decline" in refused(env, "review", "ord_x")
    assert "Unknown party" in refused(env, "blacklist", "add", "--value", "0x" + "12" * 20, "--reason", "x")
    assert "needs --api-key" in refused({**env, "SCF_API_KEY": ""}, "terms")


def test_a_statement_through_the_cli_is_the_apis_csv_checked_against_its_sha256(
    env: dict[str, str], tmp_path: Path
) -> None:
    before_the_chain = json.loads(scf("statement", "--date", "2000-01-01", env=env).stdout)
    assert (before_the_chain["date"], before_the_chain["items"]) == ("2000-01-01", [])
    out = tmp_path / "statement.csv"
    day = datetime.now(UTC).date().isoformat()
    done = scf("statement", "--date", day, "--format", "csv", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    assert out.read_text().splitlines()[0] == "kind,asset,amount,counterparty,block,tx_hash,log_index"
    later = scf("statement", "--date", "2999-01-01", env=env)
    assert later.returncode == 1 and "date in the future" in later.stderr


def test_the_signing_example_script_runs_against_a_served_api(env: dict[str, str]) -> None:
    run_env = {**env, "API": env["SCF_API_URL"], "API_KEY": env["SCF_API_KEY"]}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "signed-request.py")], capture_output=True, text=True, env=run_env
    )
    assert done.returncode == 0, done.stderr
    assert "the platform signed this answer: True" in done.stdout and done.stdout.startswith("200 ")
