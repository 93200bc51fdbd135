"""The indexer on SQLite and on a real PostgreSQL: the whole lifecycle indexed and reconciled clean,
exact resume after a restart or a SIGKILL mid-batch, reorgs rolled back, other chains refused."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from scf_ledger.chain.anvil import AnvilNode
from scf_ledger.chain.connection import connect, revert, snapshot
from scf_ledger.demo import Story, tell_story
from scf_ledger.domain.constants import UNIT
from scf_ledger.sandbox import World, create_world, utc
from scf_ledger.store.indexer import ChainMismatch, Indexer
from scf_ledger.store.indexer.reconcile import reconcile
from scf_ledger.store.models import ChainEvent, ChainMeta, HoldingRow, ReceivableRow, RepaymentRow
from tests.utils.indexing import chain_logs, count, index_command, sessions_for

START = utc(2027, 1, 31, 12)
ROOT = Path(__file__).resolve().parents[2]


def _indexer(world: World, db_url: str, **options: object) -> tuple[Indexer, sessionmaker[Session]]:
    sessions = sessions_for(db_url)
    chain = world.chain
    indexer = Indexer(chain.w3, chain.deployment, chain.artifacts, sessions, run=chain.sender.run, **options)  # type: ignore[arg-type]
    indexer.ensure_chain()
    return indexer, sessions


def test_lifecycle_is_indexed_and_reconciles_clean(db_url: str) -> None:
    world = create_world(connect(), start=START)
    tell_story(Story(world))
    indexer, sessions = _indexer(world, db_url, batch_blocks=25)
    indexer.run_until_synced()
    assert reconcile(world.gw, sessions) == []
    assert count(sessions, ChainEvent) == chain_logs(world)
    assert count(sessions, RepaymentRow) == 6  # the demo: 300, 100, the rest, installments 2 and 4, recovery
    # A second indexer on the same database (a restart) finds nothing new and writes nothing twice.
    again, _ = _indexer(world, db_url)
    assert again.run_until_synced() == 0
    assert count(sessions, ChainEvent) == chain_logs(world)


def test_a_released_residue_reaches_the_dust_in_the_read_model(db_url: str) -> None:
    world = create_world(connect(), start=START)
    s1, s2 = world.suppliers[:2]
    (token_id, *_) = world.buy(9, 3, fee_bps=0)  # face 3
    world.transfer(s1, s2, token_id, 1)
    world.repay(token_id, 1)  # a third of a unit to s2: its residue
    world.transfer(s2, s1, token_id, 1)  # sold out
    world.repay(token_id, 2**255)
    assert world.claim(s1, token_id) == 2
    world.gw.ledger.transact(world.outsider, "releaseResidue", token_id, s2.address)  # anyone may
    indexer, sessions = _indexer(world, db_url)
    indexer.run_until_synced()
    assert reconcile(world.gw, sessions) == []
    with sessions() as session:
        receivable = session.get(ReceivableRow, token_id)
        assert receivable is not None and receivable.dust == 3  # two thirds from s1's claim, a third from s2
        assert session.get(HoldingRow, (token_id, s2.address)).residue == 0


def test_restart_resumes_exactly_where_it_stopped(db_url: str) -> None:
    world = create_world(connect(), start=START)
    first, sessions = _indexer(world, db_url, batch_blocks=10)
    first.run_until_synced()
    tell_story(Story(world))  # more blocks while the indexer is "down"
    second, _ = _indexer(world, db_url, batch_blocks=10)
    second.run_until_synced()
    assert count(sessions, ChainEvent) == chain_logs(world)
    assert reconcile(world.gw, sessions) == []


@pytest.mark.parametrize("chain", ["embedded", "anvil"])
def test_reorg_is_rolled_back_and_reread(
    db_url: str, chain: str, record_property: Callable[[str, object], None]
) -> None:
    with ExitStack() as stack:
        url = None if chain == "embedded" else stack.enter_context(AnvilNode.start()).url
        world = create_world(connect(url), start=START)
        _reorg(world, db_url, record_property)


def _reorg(world: World, db_url: str, record_property: Callable[[str, object], None]) -> None:
    s1, s2 = world.suppliers[0], world.suppliers[1]
    ids = world.buy(3_000 * UNIT, 3, fee_bps=0)
    indexer, sessions = _indexer(world, db_url)
    indexer.run_until_synced()
    fork = snapshot(world.w3)
    world.at(utc(2027, 2, 10))
    world.repay(ids[0], 500 * UNIT)
    world.transfer(s1, s2, ids[0], 100 * UNIT)
    world.claim(s1, ids[0])
    indexer.run_until_synced()
    assert count(sessions, RepaymentRow) == 1

    revert(world.w3, fork)  # the chain forgets those blocks ...
    world.chain.sender.resync_nonce()
    world.at(utc(2027, 2, 11))
    world.repay(ids[1], 250 * UNIT)  # ... and grows another branch
    began = time.perf_counter()
    indexer.run_until_synced()
    elapsed = time.perf_counter() - began
    assert indexer.stats.reorgs == 1
    assert reconcile(world.gw, sessions) == []
    with sessions() as session:
        repaid = session.scalars(select(RepaymentRow.token_id)).all()
        moved = session.scalar(select(HoldingRow.units).where(HoldingRow.holder == s2.address))
    assert repaid == [ids[1]] and moved is None  # nothing of the abandoned branch is left
    record_property("reorg_recovery_s", round(elapsed, 3))
    assert elapsed < 30


def test_a_database_of_another_deployment_is_refused(db_url: str) -> None:
    world = create_world(connect(), start=START)
    _indexer(world, db_url)[0].run_until_synced()
    redeployed = create_world(world.w3)  # the same chain, a second deployment at other addresses
    with pytest.raises(ChainMismatch, match="another set of contract addresses"):
        _indexer(redeployed, db_url)
    elsewhere = create_world(connect(), start=START)  # a new embedded chain: another genesis block
    with pytest.raises(ChainMismatch, match="genesis"):
        _indexer(elsewhere, db_url)


def test_a_database_of_another_chain_is_refused(db_url: str, anvil_url: str) -> None:
    world = create_world(connect(), start=START)
    _indexer(world, db_url)[0].run_until_synced()
    on_anvil = create_world(connect(anvil_url))  # a shared node: its clock is wherever earlier tests left it
    with pytest.raises(ChainMismatch, match=r"chain id \d+ \(node: 31337\)"):
        _indexer(on_anvil, db_url)


def test_sigkill_mid_batch_then_restart_loses_nothing_and_duplicates_nothing(
    db_url: str, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    with AnvilNode.start() as node:
        world = create_world(connect(node.url), start=START)
        tell_story(Story(world))
        deployment = tmp_path / "deployment.json"
        world.chain.deployment.write(deployment)
        total = chain_logs(world)
        head = world.w3.eth.block_number
        command = index_command(node.url, deployment, db_url, batch_blocks=20)
        slow = subprocess.Popen([*command, "--pause-per-event-ms", "15"], cwd=ROOT, stderr=subprocess.DEVNULL)
        sessions = sessions_for(db_url)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and count(sessions, ChainEvent) == 0:
            time.sleep(0.05)
        time.sleep(0.4)  # well inside a batch: 20 blocks of events at 15 ms per event
        os.kill(slow.pid, signal.SIGKILL)
        slow.wait()
        with sessions() as session:
            stopped_at = session.get(ChainMeta, 1).last_block  # type: ignore[union-attr]
            indexed = session.scalar(select(func.count()).select_from(ChainEvent))
            in_blocks = session.scalar(
                select(func.count()).select_from(ChainEvent).where(ChainEvent.block_number <= stopped_at)
            )
        assert stopped_at < head, "the kill came too late to land mid-run"
        assert indexed == in_blocks  # the batch in flight left nothing behind: rows and checkpoint together

        began = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300)
        recovery = time.perf_counter() - began
        assert count(sessions, ChainEvent) == total
        assert reconcile(world.gw, sessions) == []
        record_property("recovery_s", round(recovery, 3))
        assert recovery < 120


def test_unknown_or_malformed_events_stop_the_batch_never_skipped(tmp_path: Path) -> None:
    from scf_ledger.store.db import upgrade
    from scf_ledger.store.indexer import IndexerError, LogEntry

    world = create_world(connect(), start=START)
    url = f"sqlite:///{tmp_path / 'scf.sqlite'}"
    upgrade(url)
    indexer, _ = _indexer(world, url)
    block = {7: ("0x" + "11" * 32, 0)}
    entry = LogEntry(7, "0x" + "11" * 32, "0x" + "00" * 32, 3, world.chain.ledger.address.lower(), [bytes(32)], b"")
    with pytest.raises(IndexerError, match=r"unknown event at block 7.*log 3 of ReceivableLedger"):
        indexer._decode(entry, block)
    repayment = next(t for (_, t), ev in indexer._by_topic.items() if ev.name == "Repayment")
    truncated = replace(entry, topics=[repayment, bytes(32), bytes(32)], data=b"\x00" * 10)
    with pytest.raises(IndexerError, match="malformed Repayment at block 7"):
        indexer._decode(truncated, block)
    too_wide = replace(entry, topics=[repayment, bytes(32), b"\xff" * 32], data=bytes(128))
    with pytest.raises(IndexerError, match=r"malformed Repayment at block 7.*does not fit"):
        indexer._decode(too_wide, block)  # an address topic with bits above 160 is malformed, not truncated
    moved = replace(entry, block_hash="0x" + "22" * 32, topics=[repayment])
    with pytest.raises(IndexerError, match="block 7 changed while the batch was read"):
        indexer._decode(moved, block)
