"""Writes one batch in one database transaction: the decoded events (keyed by chain id, tx hash, log index,
so a replay inserts nothing twice), their projections, what they tell the webhooks (store/outbox.py), the hash of
every processed block, and the checkpoint. A crash loses the whole batch or nothing."""

from __future__ import annotations

import time

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from scf_ledger.store import outbox
from scf_ledger.store.indexer.notices import notify
from scf_ledger.store.indexer.projection import DecodedEvent, apply_event, clear_cache, prefetch
from scf_ledger.store.indexer.sources import IndexerError
from scf_ledger.store.models import ChainEvent, ChainMeta, IndexedBlock

Blocks = dict[int, tuple[str, int | None]]  # number -> (hash, timestamp if read)


class CheckpointMoved(IndexerError):
    """Raised when another worker indexed the batch first: nothing is written, the caller reads on from there."""


def write_batch(
    session: Session, chain_id: int, start: int, end: int, blocks: Blocks, events: list[DecodedEvent], pause: float
) -> int:
    """Stores blocks [start, end] and their events in `session` (a transaction of the caller's); returns how
    many events were new. `pause` (a test hook) widens the window in which a kill lands mid-batch."""
    session.autoflush = False  # the projection keeps its own per-batch cache of rows
    meta = session.get(ChainMeta, 1, with_for_update=True)  # workers indexing at once take turns here
    if meta is None or meta.last_block != start - 1:
        raise CheckpointMoved(f"checkpoint moved under the indexer (expected {start - 1})")
    known = set(
        session.execute(
            select(ChainEvent.tx_hash, ChainEvent.log_index).where(
                ChainEvent.chain_id == chain_id, ChainEvent.block_number.between(start, end)
            )
        ).all()
    )
    prefetch(session, events)
    rows = []
    for ev in events:
        if (ev.tx_hash, ev.log_index) in known:
            continue
        rows.append(
            {
                **ev.key,
                "block_number": ev.block_number,
                "block_hash": ev.block_hash,
                "contract": ev.contract,
                "name": ev.name,
                "args": ev.stored_args,
            }
        )
        apply_event(session, ev)
        notify(session, ev)
        if pause:
            session.flush()
            time.sleep(pause)
    if rows:
        session.execute(insert(ChainEvent), rows)
    # The range is new to the database (a rollback deletes everything above the fork): insert in bulk.
    session.execute(delete(IndexedBlock).where(IndexedBlock.number.between(start, end)))
    session.execute(
        insert(IndexedBlock), [{"number": n, "hash": h, "timestamp": t} for n, (h, t) in sorted(blocks.items())]
    )
    meta.last_block = end
    clear_cache(session)
    outbox.forget(session)
    return len(rows)
