"""The indexer, as a package: decoding (ABI words to values), sources (blocks and logs), projection (events to
read-model rows), writer (one batch, one transaction), reorg (fork detection and rollback), reconcile (the read
model against the contracts) and loop (the polling indexer that ties them together)."""

from scf_ledger.store.indexer.loop import ChainMismatch, Indexer, IndexerStats, ReorgDuringRead
from scf_ledger.store.indexer.sources import IndexerError, LogEntry

__all__ = ["ChainMismatch", "Indexer", "IndexerError", "IndexerStats", "LogEntry", "ReorgDuringRead"]
