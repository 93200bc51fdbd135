"""The indexer killed (SIGKILL) at 20 random points while 5 reorgs happen on the node: afterwards the database
holds every event exactly once and reconciles clean."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from scf_ledger.chain.anvil import AnvilNode
from scf_ledger.chain.connection import connect, revert, snapshot
from scf_ledger.domain.constants import MAX_UINT256, UNIT
from scf_ledger.sandbox import World, create_world
from scf_ledger.store.db import upgrade
from scf_ledger.store.indexer.reconcile import reconcile
from scf_ledger.store.models import ChainEvent
from tests.utils.indexing import chain_logs, count, index_command, sessions_for

ROOT = Path(__file__).resolve().parents[2]
REORGS, KILLS_PER_ROUND = 5, 4


def _activity(world: World, rng: random.Random) -> None:
    """A few purchases with transfers, repayments and claims, at the node's own clock."""
    s1, s2 = world.suppliers[0], world.suppliers[1]
    world.at(world.chain.now() + 3_600)
    for _ in range(2):
        ids = world.buy(rng.randint(3, 900) * UNIT, 3, fee_bps=rng.randint(0, 200))
        world.transfer(s1, s2, ids[0], UNIT)
        world.repay(ids[0], MAX_UINT256 if rng.random() < 0.5 else rng.randint(1, 100) * UNIT)
        if world.gw.ledger.claimable(ids[0], s1.address):
            world.claim(s1, ids[0])


def test_twenty_kills_and_five_reorgs(tmp_path: Path, record_property: Callable[[str, object], None]) -> None:
    rng = random.Random(20261125)
    db_url = f"sqlite:///{tmp_path / 'scf.sqlite'}"
    upgrade(db_url)
    with AnvilNode.start() as node:
        world = create_world(connect(node.url))
        deployment = tmp_path / "deployment.json"
        world.chain.deployment.write(deployment)
        command = index_command(node.url, deployment, db_url, batch_blocks=3)
        kills = 0
        for _ in range(REORGS):
            fork = snapshot(world.w3)
            _activity(world, rng)
            for _ in range(KILLS_PER_ROUND):
                indexer = subprocess.Popen(
                    [*command, "--pause-per-event-ms", "20"],
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                time.sleep(rng.uniform(1.2, 2.2))  # past start-up, somewhere in the batches
                if indexer.poll() is None:
                    os.kill(indexer.pid, signal.SIGKILL)
                    kills += 1
                indexer.wait()
            revert(world.w3, fork)  # a reorg: those blocks vanish ...
            world.chain.sender.resync_nonce()
            _activity(world, rng)  # ... and another branch grows
        began = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300)
        recovery = time.perf_counter() - began
        sessions = sessions_for(db_url)
        assert count(sessions, ChainEvent) == chain_logs(world)
        assert reconcile(world.gw, sessions) == []
    record_property("kills", kills)
    record_property("final_recovery_s", round(recovery, 2))
    assert kills >= 10  # most of the 20 starts were caught mid-run (17 here)
