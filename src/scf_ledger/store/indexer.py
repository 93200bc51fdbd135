"""Follows every event of the deployed contracts into the read model.

Per batch, in one database transaction: the decoded events (keyed by chain id, tx hash, log index, so a
replay inserts nothing twice), their projections, the hash of every processed block and the checkpoint.
A crash loses the whole batch or nothing. Before each batch the newest stored block hash is compared with
the chain's: its hash commits to every ancestor, so a mismatch means a reorg, found by walking back
through the stored hashes (at most `reorg_depth`); the affected rows are deleted, the projections rebuilt
from the remaining events, and the blocks read again. The database is bound to one chain id, genesis hash
and set of contract addresses, and refuses any other."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from eth_abi import decode as abi_decode
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.contract import Contract
from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import RPCEndpoint

from scf_ledger.chain.compiler import Artifact
from scf_ledger.chain.deploy import Deployment
from scf_ledger.chain.errors import canonical_type
from scf_ledger.errors import ScfError
from scf_ledger.store.models import ChainEvent, ChainMeta, IndexedBlock
from scf_ledger.store.projection import DecodedEvent, apply_event, clear_cache, prefetch, reset_projections

log = logging.getLogger("scf_ledger.indexer")
T = TypeVar("T")


class IndexerError(ScfError):
    """Raised when the indexer cannot go on safely."""


class ChainMismatch(IndexerError):
    """Raised when the database was recorded for another chain or deployment."""


class ReorgDuringRead(IndexerError):
    """Raised when a block changed while a batch was being read; the batch is read again."""


@dataclass(frozen=True)
class EventLayout:
    """An event's ABI, compiled for fast decoding with eth-abi (web3's process_log costs ~0.7 ms a log)."""

    name: str
    topic: bytes
    indexed: tuple[tuple[str, str], ...]  # (name, type) in topic order
    data: tuple[tuple[str, str], ...]  # (name, type) in data order
    order: tuple[str, ...]  # argument names in declaration order

    @classmethod
    def of(cls, item: dict[str, Any]) -> EventLayout:
        inputs = item["inputs"]
        signature = f"{item['name']}({','.join(canonical_type(i) for i in inputs)})"
        return cls(
            name=item["name"],
            topic=bytes(Web3.keccak(text=signature)),
            indexed=tuple((i["name"], canonical_type(i)) for i in inputs if i["indexed"]),
            data=tuple((i["name"], canonical_type(i)) for i in inputs if not i["indexed"]),
            order=tuple(i["name"] for i in inputs),
        )

    def decode(self, topics: list[bytes], data: bytes) -> tuple[str, dict[str, Any]]:
        if len(topics) != len(self.indexed) + 1:
            raise ValueError(f"{len(topics) - 1} indexed topics, expected {len(self.indexed)}")
        values = {name: _word(kind, topic) for (name, kind), topic in zip(self.indexed, topics[1:], strict=True)}
        if all(kind in _WORD_TYPES for _, kind in self.data):  # static words: read directly, eth_abi is slow
            if len(data) != 32 * len(self.data):
                raise ValueError(f"{len(data)} bytes of data, expected {32 * len(self.data)}")
            words = (data[i : i + 32] for i in range(0, len(data), 32))
            values.update((name, _word(kind, w)) for (name, kind), w in zip(self.data, words, strict=True))
        else:
            values.update(zip((n for n, _ in self.data), abi_decode([k for _, k in self.data], data), strict=True))
        return self.name, {n: values[n] for n in self.order}


_WORD_TYPES = frozenset({"address", "bool", "bytes32"} | {f"uint{b}" for b in range(8, 257, 8)})


def _word(kind: str, word: bytes) -> Any:
    """One 32-byte ABI word of a static type, checked as strictly as eth_abi would."""
    if kind not in _WORD_TYPES:
        return abi_decode([kind], word)[0]
    if len(word) != 32:
        raise ValueError(f"a {kind} word of {len(word)} bytes")
    if kind == "bytes32":
        return word
    value = int.from_bytes(word, "big")
    bits = 160 if kind == "address" else 1 if kind == "bool" else int(kind[4:])
    if value >> bits:
        raise ValueError(f"{value:#x} does not fit a {kind}")
    return _checksummed("0x" + word[12:].hex()) if kind == "address" else bool(value) if kind == "bool" else value


@lru_cache(maxsize=65_536)
def _checksummed(address: str) -> str:
    """Checksumming hashes the address: the same few parties appear in most events, so it is done once each."""
    return to_checksum_address(address)


@dataclass(frozen=True)
class LogEntry:
    """One log as the indexer reads it: hashes as 0x lowercase hex, topics and data as bytes."""

    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    address: str  # lowercase
    topics: list[bytes]
    data: bytes


@dataclass
class IndexerStats:
    events: int = 0
    blocks: int = 0
    batches: int = 0
    reorgs: int = 0
    rolled_back_blocks: int = 0


def _plain(value: Any) -> Any:
    """Event arguments as JSON: ints as decimal strings, bytes as 0x hex, sequences as lists."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes | bytearray | HexBytes):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _typed(value: Any) -> Any:
    """The inverse of _plain for projections: decimal strings back to ints."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return value


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
        self.w3 = w3
        self.deployment = deployment
        self.sessions = sessions
        self.confirmations = confirmations
        self.batch_blocks = batch_blocks
        self.reorg_depth = reorg_depth
        self._run = run or (lambda fn: fn())
        self._pause = pause_per_event  # test hook: widens the window in which a kill lands mid-batch
        self.stats = IndexerStats()
        self.indexed_through = -1  # the last block this indexer saw indexed (the database has the truth)
        self.chain_id = deployment.chain_id
        self._contracts: dict[str, tuple[str, Contract]] = {}
        for name, address in deployment.addresses.items():
            contract = w3.eth.contract(address=address, abi=artifacts[name].abi)
            self._contracts[address.lower()] = (name, contract)
        self._topics = self._topic_map(artifacts)
        self._origination_topic = next(t for (_, t), ev in self._topics.items() if ev.name == "PurchaseOriginated")

    def _rpc(self, fn: Callable[[], T]) -> T:
        return self._run(fn)

    def _topic_map(self, artifacts: dict[str, Artifact]) -> dict[tuple[str, bytes], EventLayout]:
        """(contract address, topic0) -> how to decode that event."""
        topics: dict[tuple[str, bytes], EventLayout] = {}
        for address, (_name, contract) in self._contracts.items():
            for item in contract.abi:
                if item["type"] == "event" and not item.get("anonymous"):
                    layout = EventLayout.of(item)
                    topics[(address, layout.topic)] = layout
        return topics

    # START

    def ensure_chain(self) -> ChainMeta:
        """Records this chain on an empty database, or refuses a database of another chain."""
        genesis = "0x" + bytes(self._rpc(lambda: self.w3.eth.get_block(0))["hash"]).hex()
        chain_id = int(self._rpc(lambda: self.w3.eth.chain_id))
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

    # ONE POLL

    def poll(self, head: int | None = None, head_hash: str | None = None) -> int:
        """Indexes up to one batch of confirmed blocks; returns how many events were written. A caller that
        knows a mined block (its own receipt's) passes it as `head`, with its hash, to save asking for them."""
        if head is None:
            head = int(self._rpc(lambda: self.w3.eth.block_number)) - self.confirmations
        with self.sessions() as session:
            meta = session.get(ChainMeta, 1)
            if meta is None:
                raise IndexerError("chain not recorded: call ensure_chain() first")
            last = meta.last_block
        if self._check_reorg(last):
            with self.sessions() as session:
                last = session.get(ChainMeta, 1).last_block  # type: ignore[union-attr]
        self.indexed_through = last
        if head <= last:
            return 0
        start, end = last + 1, min(head, last + self.batch_blocks)
        # The batch's last block first, then the logs: a reorg in between leaves the stored hashes
        # inconsistent with the chain, which the next poll's hash check finds and rolls back.
        blocks: dict[int, tuple[str, int | None]] = {
            end: (head_hash, None) if head_hash and end == head else self._block(end)
        }
        logs = self._rpc(lambda: self._logs(start, end))
        self._add_log_blocks(logs, blocks)
        events = [self._decode(log_entry, blocks) for log_entry in logs]
        written = self._write(start, end, blocks, events)
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
            with self.sessions() as session:
                last = session.get(ChainMeta, 1).last_block  # type: ignore[union-attr]
            head = int(self._rpc(lambda: self.w3.eth.block_number)) - self.confirmations
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

    # READ

    def _block(self, number: int) -> tuple[str, int]:
        block = self._rpc(lambda: self.w3.eth.get_block(number))
        return "0x" + bytes(block["hash"]).hex(), int(block["timestamp"])

    def _logs(self, start: int, end: int) -> list[LogEntry]:
        """The deployment's logs in [start, end]. On a node, eth_getLogs is asked directly and its hex read
        here: web3's result formatters (AttributeDicts, checksums) cost more than the rest of indexing."""
        addresses = list(self.deployment.addresses.values())
        if isinstance(self.w3.provider, EthereumTesterProvider):
            found = self.w3.eth.get_logs({"fromBlock": start, "toBlock": end, "address": addresses})  # type: ignore[arg-type]
            return [
                LogEntry(
                    int(e["blockNumber"]),
                    "0x" + bytes(e["blockHash"]).hex(),
                    "0x" + bytes(e["transactionHash"]).hex(),
                    int(e["logIndex"]),
                    str(e["address"]).lower(),
                    [bytes(t) for t in e["topics"]],
                    bytes(e["data"]),
                )
                for e in found
            ]
        params = {"fromBlock": hex(start), "toBlock": hex(end), "address": addresses}
        response = self.w3.provider.make_request(RPCEndpoint("eth_getLogs"), [params])
        if "error" in response:
            raise IndexerError(f"eth_getLogs {start}..{end} failed: {response['error']}")
        return [
            LogEntry(
                int(e["blockNumber"], 16),
                e["blockHash"].lower(),
                e["transactionHash"].lower(),
                int(e["logIndex"], 16),
                e["address"].lower(),
                [bytes.fromhex(t[2:]) for t in e["topics"]],
                bytes.fromhex(e["data"][2:]),
            )
            for e in response["result"]
        ]

    def _add_log_blocks(self, logs: list[LogEntry], blocks: dict[int, tuple[str, int | None]]) -> None:
        """Hashes of the blocks that hold events come with the logs; timestamps are fetched only where an
        event needs one (an origination dates its installments from its block)."""
        origination = self._origination_topic
        for entry in logs:
            number = entry.block_number
            if number in blocks and blocks[number][1] is not None:
                continue
            if entry.topics and entry.topics[0] == origination:
                blocks[number] = self._block(number)
            else:
                blocks.setdefault(number, (entry.block_hash, None))

    def _decode(self, entry: LogEntry, blocks: dict[int, tuple[str, int | None]]) -> DecodedEvent:
        number, block_hash, topics = entry.block_number, entry.block_hash, entry.topics
        if blocks[number][0] != block_hash:
            raise ReorgDuringRead(f"block {number} changed while the batch was read")
        event = self._topics.get((entry.address, topics[0])) if topics else None
        contract_name = self._contracts[entry.address][0]
        if event is None:
            raise IndexerError(
                f"unknown event at block {number}, tx {entry.tx_hash}, log {entry.log_index} of {contract_name}: "
                f"topic 0x{topics[0].hex() if topics else ''}"
            )
        try:
            name, args = event.decode(topics, entry.data)
        except Exception as exc:  # malformed: never skipped silently
            raise IndexerError(
                f"malformed {event.name} at block {number}, tx {entry.tx_hash}, log {entry.log_index}: {exc}"
            ) from None
        return DecodedEvent(
            chain_id=self.chain_id,
            tx_hash=entry.tx_hash,
            log_index=entry.log_index,
            block_number=number,
            block_hash=block_hash,
            block_timestamp=blocks[number][1] or 0,
            contract=contract_name,
            name=name,
            args=_typed(_plain(args)),
        )

    # WRITE

    def _write(
        self, start: int, end: int, blocks: dict[int, tuple[str, int | None]], events: list[DecodedEvent]
    ) -> int:
        written = 0
        with self.sessions.begin() as session:
            session.autoflush = False  # the projection keeps its own per-batch cache of rows
            meta = session.get(ChainMeta, 1)
            if meta is None or meta.last_block != start - 1:
                raise IndexerError(f"checkpoint moved under the indexer (expected {start - 1})")
            known = set(
                session.execute(
                    select(ChainEvent.tx_hash, ChainEvent.log_index).where(
                        ChainEvent.chain_id == self.chain_id, ChainEvent.block_number.between(start, end)
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
                        "args": _plain(ev.args),
                    }
                )
                apply_event(session, ev)
                written += 1
                if self._pause:
                    session.flush()
                    time.sleep(self._pause)
            if rows:
                session.execute(insert(ChainEvent), rows)
            # The range is new to the database (a rollback deletes everything above the fork): insert in bulk.
            session.execute(delete(IndexedBlock).where(IndexedBlock.number.between(start, end)))
            session.execute(
                insert(IndexedBlock),
                [{"number": n, "hash": h, "timestamp": t} for n, (h, t) in sorted(blocks.items())],
            )
            meta.last_block = end
            clear_cache(session)
        self.indexed_through = end
        return written

    # REORGS

    def _check_reorg(self, last: int) -> bool:
        """True if a reorg was found and rolled back."""
        newest = select(IndexedBlock.number, IndexedBlock.hash).where(IndexedBlock.number <= last)
        newest = newest.order_by(IndexedBlock.number.desc())
        with self.sessions() as session:
            head = session.execute(newest.limit(1)).first()
        if head is None or self._chain_hash(head[0]) == head[1]:
            return False  # the usual case, one row and one RPC: the newest hash commits to every ancestor
        with self.sessions() as session:
            stored = session.execute(newest.limit(self.reorg_depth)).all()
        fork = None
        for number, stored_hash in stored:
            chain_hash = self._chain_hash(number)
            if chain_hash == stored_hash:
                if fork is None:
                    return False  # the newest matches: its hash commits to every ancestor
                fork = number
                break
            fork = number - 1  # this one changed; keep walking back
        assert fork is not None
        if fork == stored[-1][0] - 1 and len(stored) == self.reorg_depth:
            log.warning("reorg deeper than %d blocks: re-indexing from the deployment block", self.reorg_depth)
            fork = self.deployment.deployment_block - 1
        self._rollback(fork)
        return True

    def _chain_hash(self, number: int) -> str | None:
        try:
            block = self._rpc(lambda: self.w3.eth.get_block(number))
        except Exception:  # the chain is now shorter than our block
            return None
        return "0x" + bytes(block["hash"]).hex()

    def _rollback(self, fork: int) -> None:
        """Deletes everything above `fork` and rebuilds the projections from the remaining events."""
        began = time.perf_counter()
        with self.sessions.begin() as session:
            meta = session.get(ChainMeta, 1)
            assert meta is not None
            dropped = meta.last_block - fork
            session.execute(delete(ChainEvent).where(ChainEvent.block_number > fork))
            session.execute(delete(IndexedBlock).where(IndexedBlock.number > fork))
            reset_projections(session)
            session.flush()
            session.autoflush = False
            remaining = session.scalars(
                select(ChainEvent).order_by(ChainEvent.block_number, ChainEvent.log_index)
            ).all()
            timestamps = dict(session.execute(select(IndexedBlock.number, IndexedBlock.timestamp)).all())
            for row in remaining:
                apply_event(session, _from_row(row, timestamps.get(row.block_number) or 0))
            meta.last_block = fork
            clear_cache(session)
        self.indexed_through = fork
        self.stats.reorgs += 1
        self.stats.rolled_back_blocks += dropped
        log.warning("reorg: rolled back %d block(s) to %d in %.3f s", dropped, fork, time.perf_counter() - began)


def _from_row(row: ChainEvent, timestamp: int) -> DecodedEvent:
    return DecodedEvent(
        chain_id=row.chain_id,
        tx_hash=row.tx_hash,
        log_index=row.log_index,
        block_number=row.block_number,
        block_hash=row.block_hash,
        block_timestamp=timestamp,
        contract=row.contract,
        name=row.name,
        args=_typed(row.args),
    )
