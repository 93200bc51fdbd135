"""Indexer speed: events per second from the chain into SQLite and, when given, into PostgreSQL."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from web3 import Web3

from scf_ledger.domain.constants import MAX_UINT256, UNIT
from scf_ledger.sandbox import World, create_world
from scf_ledger.store.db import make_engine, session_factory, upgrade
from scf_ledger.store.indexer import Indexer
from scf_ledger.store.models import ChainEvent


def _workload(world: World, purchases: int, log: Callable[[str], None]) -> None:
    """Per purchase: an origination, splits to two tiers, repayments and claims."""
    s1, s2, s3 = world.suppliers
    start = world.chain.now() + 3_600  # relative: the node's clock may have moved on in earlier sections
    world.at(start)
    all_ids = [world.buy(1_200 * UNIT, 6, fee_bps=100) for _ in range(purchases)]
    world.at(start + 5 * 86_400)
    for n, ids in enumerate(all_ids):
        for token_id in ids[:2]:
            world.transfer(s1, s2, token_id, 50 * UNIT)
            world.transfer(s2, s3, token_id, 20 * UNIT)
            world.repay(token_id, MAX_UINT256)
            for holder in (s1, s2, s3):
                world.claim(holder, token_id)
        if (n + 1) % 10 == 0:
            log(f"  {n + 1}/{purchases} purchases")


def measure_indexer(
    w3: Web3, purchases: int = 40, pg_url: str | None = None, log: Callable[[str], None] = lambda _: None
) -> dict[str, float]:
    world = create_world(w3)
    log(f"generating events: {purchases} purchases with transfers, repayments and claims")
    _workload(world, purchases, log)
    results: dict[str, float] = {}
    for name, url in (("sqlite", None), ("postgresql", pg_url)):
        if name == "postgresql" and not url:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            db = url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
            upgrade(db)
            engine = make_engine(db)
            sessions = session_factory(engine)
            chain = world.chain
            indexer = Indexer(w3, chain.deployment, chain.artifacts, sessions, batch_blocks=500, run=chain.sender.run)
            indexer.ensure_chain()
            began = time.perf_counter()
            indexer.run_until_synced()
            elapsed = time.perf_counter() - began
            with sessions() as session:
                events = int(session.scalar(select(func.count()).select_from(ChainEvent)) or 0)
            engine.dispose()
        results[f"indexer.events_per_s_{name}"] = round(events / elapsed, 1)
        results[f"indexer.events_{name}"] = events
    results["indexer.events_per_s"] = results["indexer.events_per_s_sqlite"]
    return results
