"""The read model as it was at a past block: the stored events of the blocks up to it, projected again
into a private in-memory database (the projections are the indexer's own, so history and the live read model
cannot disagree about what an event does)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from scf_ledger.store.indexer.projection import DecodedEvent, apply_event, clear_cache
from scf_ledger.store.models import Base, ChainEvent, IndexedBlock


@contextmanager
def state_at(live: Session, replayed: Callable[[ChainEvent, int], DecodedEvent], block: int) -> Iterator[Session]:
    """A session on the chain's projections as they were after `block` (every event of a block up to it)."""
    engine = create_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    # Timestamps are kept only for the blocks that need one (originations date their installments from it).
    query = (
        select(ChainEvent, IndexedBlock.timestamp)
        .join(IndexedBlock, IndexedBlock.number == ChainEvent.block_number, isouter=True)
        .where(ChainEvent.block_number <= block)
        .order_by(ChainEvent.block_number, ChainEvent.log_index)
    )
    try:
        with Session(engine, autoflush=False) as session:
            for row, mined_at in live.execute(query).tuples():
                apply_event(session, replayed(row, mined_at or 0))
            session.flush()
            clear_cache(session)
            yield session
    finally:
        engine.dispose()
