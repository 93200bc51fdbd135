"""`scf db upgrade`, `scf index`, `scf reconcile` as a user runs them against a real node."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import update

from scf_ledger.chain.anvil import AnvilNode
from scf_ledger.chain.connection import connect
from scf_ledger.demo import Story, tell_story
from scf_ledger.sandbox import create_world, utc
from scf_ledger.store.db import make_engine, session_factory
from scf_ledger.store.models import HoldingRow

ROOT = Path(__file__).resolve().parents[2]


def scf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scf_ledger.cli.main", *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


def test_index_and_reconcile_a_real_node(tmp_path: Path) -> None:
    with AnvilNode.start() as node:
        _index_and_reconcile(node.url, tmp_path)


def _index_and_reconcile(anvil_url: str, tmp_path: Path) -> None:
    world = create_world(connect(anvil_url), start=utc(2027, 1, 31, 12))
    tell_story(Story(world))
    deployment = tmp_path / "deployment.json"
    world.chain.deployment.write(deployment)
    db_url = f"sqlite:///{tmp_path / 'scf.sqlite'}"
    target = ["--rpc-url", anvil_url, "--deployment", str(deployment), "--db-url", db_url]

    not_ready = scf("index", *target, "--until-synced")
    assert not_ready.returncode == 1
    assert "run `scf db upgrade" in not_ready.stderr and "Traceback" not in not_ready.stderr

    assert scf("db", "upgrade", "--db-url", db_url).returncode == 0
    indexed = scf("index", *target, "--until-synced")
    assert indexed.returncode == 0, indexed.stderr
    clean = scf("reconcile", *target, "--json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout) == {"differences": []}

    engine = make_engine(db_url)
    with session_factory(engine).begin() as session:
        session.execute(update(HoldingRow).where(HoldingRow.holder == world.suppliers[1].address).values(units=1))
    engine.dispose()
    dirty = scf("reconcile", *target, "--json")
    assert dirty.returncode == 1
    kinds = {d["what"] for d in json.loads(dirty.stdout)["differences"]}
    assert {"units", "supply"} <= kinds


def test_index_needs_a_node() -> None:
    result = scf("index", "--deployment", "nowhere.json")
    assert result.returncode == 1
    assert result.stderr.startswith("scf index: needs --rpc-url")
