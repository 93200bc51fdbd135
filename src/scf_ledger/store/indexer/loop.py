"""The indexer: follows every event of the deployed contracts into the read model, one batch at a time.

Each poll first checks for a reorg (reorg.py), then reads the batch's last block and its logs (sources.py),
decodes them (decoding.py) and writes the batch with its projections in one transaction (writer.py). The
database is bound to one chain id, genesis hash and set of contract addresses, and refuses any other."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from scf_ledger.chain.compiler import Artifact
from scf_ledger.chain.deploy import Deployment
from scf_ledger.store.indexer.decoding import EventLayout
from scf_ledger.store.indexer.projection import DecodedEvent
from scf_ledger.store.indexer.reorg import find_fork, roll_back
from scf_ledger.store.indexer.sources import ChainSource, IndexerError, LogEntry
from scf_ledger.store.indexer.writer import Blocks, CheckpointMoved, write_batch
from scf_ledger.store.models import ChainEvent, ChainMeta

log = logging.getLogger("scf_ledger.indexer")


class ChainMismatch(IndexerError):
    """Raised when the database was recorded for another chain or deployment."""


class ReorgDuringRead(IndexerError):
    """Raised when a block changed while a batch was being read; the batch is read again."""


@dataclass
class IndexerStats:
    events: int = 0
    blocks: int = 0
    batches: int = 0
    reorgs: int = 0
    rolled_back_blocks: int = 0


class Indexer:
    def __init__(
        self,
        w3: Web3,
        deployment: Deployment,
        artifacts: dict[str, Artifact],
        sessions: sessionmaker[Session],
        *,
        confirmations: int = 0,
        batch_blocks: int = 200,
        reorg_depth: int = 64,
        run: Callable[[Callable[[], Any]], Any] | None = None,
        pause_per_event: float = 0.0,
    ) -> None:
        self.deployment = deployment
        self.sessions = sessions
        self.confirmations = confirmations
        self.batch_blocks = batch_blocks
        self.reorg_depth = reorg_depth
        self.source = ChainSource(w3, list(deployment.addresses.values()), run)
        self._pause = pause_per_event  # test hook: widens the window in which a kill lands mid-batch
        self.stats = IndexerStats()
        self.indexed_through = -1  # the last block this indexer saw indexed (the database has the truth)
        self.chain_id = deployment.chain_id
        self._names = {address.lower(): name for name, address in deployment.addresses.items()}
        # (contract address, topic0) -> layout, and (contract name, event name) -> layout for replays
        self._by_topic: dict[tuple[str, bytes], EventLayout] = {}
        self._by_name: dict[tuple[str, str], EventLayout] = {}
        for address, name in self._names.items():
            for item in artifacts[name].abi:
                if item["type"] == "event" and not item.get("anonymous"):
                    layout = EventLayout.of(item)
                    self._by_topic[(address, layout.topic)] = layout
                    self._by_name[(name, layout.name)] = layout
        self._origination_topic = next(t for (_, t), ev in self._by_topic.items() if ev.name == "PurchaseOriginated")

    # START

    def ensure_chain(self) -> ChainMeta:
        """Records this chain on an empty database, or refuses a database of another chain."""
        genesis = self.source.block(0)[0]
        chain_id = self.source.chain_id()
        addresses = {k: v.lower() for k, v in sorted(self.deployment.addresses.items())}
        with self.sessions.begin() as session:
            meta = session.get(ChainMeta, 1)
            if meta is None:
                meta = ChainMeta(
                    id=1,
                    chain_id=chain_id,
                    genesis_hash=genesis,
                    addresses=addresses,
                    deployment_block=self.deployment.deployment_block,
                    last_block=self.deployment.deployment_block - 1,
                )
                session.add(meta)
                return meta
            mismatches = []
            if meta.chain_id != chain_id:
                mismatches.append(f"chain id {meta.chain_id} (node: {chain_id})")
            if meta.genesis_hash != genesis:
                mismatches.append(f"genesis {meta.genesis_hash[:12]}… (node: {genesis[:12]}…)")
            if meta.addresses != addresses:
                mismatches.append("another set of contract addresses")
            if mismatches:
                raise ChainMismatch(
                    "this database follows " + ", ".join(mismatches) + ": use a fresh database for this chain"
                )
            return meta

    def last_indexed(self) -> int:
        """The last block the database has fully indexed."""
        with self.sessions() as session:
            meta = session.get(ChainMeta, 1)
        if meta is None:
            raise IndexerError("chain not recorded: call ensure_chain() first")
        return meta.last_block

    # ONE POLL

    def poll(self, head: int | None = None, head_hash: str | None = None) -> int:
        """Indexes up to one batch of confirmed blocks; returns how many events were written. A caller that
        knows a mined block (its own receipt's) passes it as `head`, with its hash, to save asking for them."""
        if head is None:
            head = self.source.head() - self.confirmations
        last = self.last_indexed()
        if self._check_reorg(last):
            last = self.last_indexed()
        self.indexed_through = last
        if head <= last:
            return 0
        start, end = last + 1, min(head, last + self.batch_blocks)
        # The batch's last block first, then the logs: a reorg in between leaves the stored hashes
        # inconsistent with the chain, which the next poll's hash check finds and rolls back.
        blocks: Blocks = {end: (head_hash, None) if head_hash and end == head else self.source.block(end)}
        logs = self.source.logs(start, end)
        self._add_log_blocks(logs, blocks)
        events = [self._decode(entry, blocks) for entry in logs]
        try:
            with self.sessions.begin() as session:
                written = write_batch(session, self.chain_id, start, end, blocks, events, self._pause)
        except CheckpointMoved:  # another worker wrote this batch: go on from where it got
            self.indexed_through = self.last_indexed()
            return 0
        self.indexed_through = end
        self.stats.batches += 1
        self.stats.blocks += end - start + 1
        self.stats.events += written
        return written

    def sync_through(self, block: int, block_hash: str | None = None) -> int:
        """Indexes up to `block`, a block the caller knows is mined (its own transaction's), without asking
        the node for its head: read-your-writes after a write at two RPC calls (hash check and logs)."""
        total = 0
        while self.indexed_through < block:
            total += self.poll(block, block_hash)
        return total

    def run_until_synced(self, max_batches: int = 1_000_000) -> int:
        """Polls until the confirmed head is indexed."""
        total = 0
        for _ in range(max_batches):
            last = self.last_indexed()
            head = self.source.head() - self.confirmations
            if last >= head and not self._check_reorg(last):
                return total
            total += self.poll()
        return total

    def run_forever(self, interval: float = 1.0, should_stop: Callable[[], bool] = lambda: False) -> None:
        """`scf index`: polls forever; RPC and database errors are logged and retried with backoff."""
        backoff = interval
        while not should_stop():
            try:
                if self.poll() == 0:
                    time.sleep(interval)
                backoff = interval
            except ChainMismatch:
                raise
            except Exception as exc:  # logged with context, retried; the failed batch left nothing behind
                log.warning("indexer poll failed (%s: %s); retrying in %.1f s", type(exc).__name__, exc, backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    # READ AND DECODE

    def _add_log_blocks(self, logs: list[LogEntry], blocks: Blocks) -> None:
        """Hashes of the blocks that hold events come with the logs; timestamps are fetched only where an
        event needs one (an origination dates its installments from its block)."""
        for entry in logs:
            number = entry.block_number
            if number in blocks and blocks[number][1] is not None:
                continue
            if entry.topics and entry.topics[0] == self._origination_topic:
                blocks[number] = self.source.block(number)
            else:
                blocks.setdefault(number, (entry.block_hash, None))

    def _decode(self, entry: LogEntry, blocks: Blocks) -> DecodedEvent:
        number, topics = entry.block_number, entry.topics
        if blocks[number][0] != entry.block_hash:
            raise ReorgDuringRead(f"block {number} changed while the batch was read")
        layout = self._by_topic.get((entry.address, topics[0])) if topics else None
        where = f"at block {number}, tx {entry.tx_hash}, log {entry.log_index}"
        if layout is None:
            raise IndexerError(
                f"unknown event {where} of {self._names[entry.address]}: topic 0x{topics[0].hex() if topics else ''}"
            )
        try:
            args = layout.decode(topics, entry.data)
        except Exception as exc:  # malformed: never skipped silently
            raise IndexerError(f"malformed {layout.name} {where}: {exc}") from None
        return DecodedEvent(
            chain_id=self.chain_id,
            tx_hash=entry.tx_hash,
            log_index=entry.log_index,
            block_number=number,
            block_hash=entry.block_hash,
            block_timestamp=blocks[number][1] or 0,
            contract=self._names[entry.address],
            name=layout.name,
            args=args,
            stored_args=layout.to_json(args),
        )

    def replayed(self, row: ChainEvent, timestamp: int) -> DecodedEvent:
        """A stored event row (and its block's timestamp) decoded again, as the projections apply it."""
        layout = self._by_name[(row.contract, row.name)]
        return DecodedEvent(
            chain_id=row.chain_id,
            tx_hash=row.tx_hash,
            log_index=row.log_index,
            block_number=row.block_number,
            block_hash=row.block_hash,
            block_timestamp=timestamp,
            contract=row.contract,
            name=row.name,
            args=layout.from_json(row.args),
            stored_args=row.args,
        )

    # REORGS

    def _check_reorg(self, last: int) -> bool:
        """True if a reorg was found and rolled back."""
        with self.sessions() as session:
            fork = find_fork(session, last, self.source.block_hash, self.reorg_depth, self.deployment.deployment_block)
        if fork is None:
            return False
        began = time.perf_counter()
        with self.sessions.begin() as session:
            dropped = roll_back(session, fork, self.replayed)
        self.indexed_through = fork
        self.stats.reorgs += 1
        self.stats.rolled_back_blocks += dropped
        log.warning("reorg: rolled back %d block(s) to %d in %.3f s", dropped, fork, time.perf_counter() - began)
        return True
