"""Where the indexer reads the chain: blocks and the deployment's logs, from the embedded chain or from a
node's JSON-RPC read raw (web3's result formatters, AttributeDicts and checksums, cost more than the rest of
indexing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import RPCEndpoint

from scf_ledger.errors import ScfError

T = TypeVar("T")


class IndexerError(ScfError):
    """Raised when the indexer cannot go on safely."""


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


class ChainSource:
    """Blocks and logs of one deployment. `run` serializes calls into an embedded chain (not thread-safe)."""

    def __init__(self, w3: Web3, addresses: list[str], run: Callable[[Callable[[], Any]], Any] | None = None) -> None:
        self.w3 = w3
        self.addresses = addresses
        self._run = run or (lambda fn: fn())

    def rpc(self, fn: Callable[[], T]) -> T:
        return self._run(fn)  # type: ignore[no-any-return]

    def head(self) -> int:
        return int(self.rpc(lambda: self.w3.eth.block_number))

    def chain_id(self) -> int:
        return int(self.rpc(lambda: self.w3.eth.chain_id))

    def block(self, number: int) -> tuple[str, int]:
        """(hash, timestamp) of block `number`."""
        block = self.rpc(lambda: self.w3.eth.get_block(number))
        return "0x" + bytes(block["hash"]).hex(), int(block["timestamp"])

    def block_hash(self, number: int) -> str | None:
        """The hash of block `number`, or None when the chain is now shorter than that."""
        try:
            return self.block(number)[0]
        except Exception:  # a block the node no longer has
            return None

    def logs(self, start: int, end: int) -> list[LogEntry]:
        """The deployment's logs in blocks [start, end], in chain order."""
        return self.rpc(lambda: self._logs(start, end))

    def _logs(self, start: int, end: int) -> list[LogEntry]:
        if isinstance(self.w3.provider, EthereumTesterProvider):
            query = {"fromBlock": start, "toBlock": end, "address": self.addresses}
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
                for e in self.w3.eth.get_logs(query)  # type: ignore[arg-type]
            ]
        params = {"fromBlock": hex(start), "toBlock": hex(end), "address": self.addresses}
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
