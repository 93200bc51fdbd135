"""Reorgs: the newest stored block hash commits to every ancestor, so one comparison per poll finds a fork;
only on a mismatch are the stored hashes walked back (at most `depth`). A rollback deletes everything above
the fork and rebuilds the projections from the remaining events, with the checkpoint, in one transaction; the
webhook events of the orphaned blocks are retracted in it (store/outbox.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scf_ledger.store import outbox
from scf_ledger.store.indexer.projection import DecodedEvent, apply_event, clear_cache, reset_projections
from scf_ledger.store.models import ChainEvent, ChainMeta, IndexedBlock

log = logging.getLogger("scf_ledger.indexer")


def find_fork(
    session: Session, last: int, chain_hash: Callable[[int], str | None], depth: int, deployment_block: int
) -> int | None:
    """The last block below `last` that the chain still has as stored, or None if nothing changed."""
    newest = select(IndexedBlock.number, IndexedBlock.hash).where(IndexedBlock.number <= last)
    newest = newest.order_by(IndexedBlock.number.desc())
    head = session.execute(newest.limit(1)).first()
    if head is None or chain_hash(head[0]) == head[1]:
        return None  # the usual case, one row and one RPC
    stored = session.execute(newest.limit(depth)).all()
    fork = None
    for number, stored_hash in stored:
        if chain_hash(number) == stored_hash:
            if fork is None:
                return None
            fork = number
            break
        fork = number - 1  # this one changed; keep walking back
    assert fork is not None
    if fork == stored[-1][0] - 1 and len(stored) == depth:
        log.warning("reorg deeper than %d blocks: re-indexing from the deployment block", depth)
        fork = deployment_block - 1
    return fork


def roll_back(session: Session, fork: int, replayed: Callable[[ChainEvent, int], DecodedEvent]) -> int:
    """Deletes everything above `fork` and re-applies the remaining events; returns the blocks dropped.
    `replayed` turns a stored event row (and its block's timestamp) back into a decoded event."""
    meta = session.get(ChainMeta, 1)
    assert meta is not None
    dropped = meta.last_block - fork
    outbox.retract_above(session, fork)
    session.execute(delete(ChainEvent).where(ChainEvent.block_number > fork))
    session.execute(delete(IndexedBlock).where(IndexedBlock.number > fork))
    reset_projections(session)
    session.flush()
    session.autoflush = False
    remaining = session.scalars(select(ChainEvent).order_by(ChainEvent.block_number, ChainEvent.log_index)).all()
    timestamps = dict(session.execute(select(IndexedBlock.number, IndexedBlock.timestamp)).all())
    for row in remaining:
        apply_event(session, replayed(row, timestamps.get(row.block_number) or 0))
    meta.last_block = fork
    clear_cache(session)
    return dropped
