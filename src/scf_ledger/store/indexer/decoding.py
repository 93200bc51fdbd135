"""Event decoding, apart from fetching (as web3.py keeps `_utils/events.py`): an event's ABI compiled into a
layout that reads topics and data words directly, and the JSON form kept in `chain_events`.

Decoded arguments are Python values: ints, checksummed addresses, bools, bytes32 as 0x hex, lists for arrays.
Their JSON form writes ints as decimal strings (no reader loses precision past 2^53); reading it back goes by
the ABI type of each argument, never by guessing from the text."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import to_checksum_address
from web3 import Web3

from scf_ledger.chain.errors import canonical_type

_WORD_TYPES = frozenset({"address", "bool", "bytes32"} | {f"uint{b}" for b in range(8, 257, 8)})


@dataclass(frozen=True)
class EventLayout:
    """An event's ABI, compiled for fast decoding (web3's process_log costs ~0.7 ms a log)."""

    name: str
    topic: bytes
    indexed: tuple[tuple[str, str], ...]  # (name, type) in topic order
    data: tuple[tuple[str, str], ...]  # (name, type) in data order
    order: tuple[str, ...]  # argument names in declaration order
    types: dict[str, str]  # argument name -> ABI type

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
            types={i["name"]: canonical_type(i) for i in inputs},
        )

    def decode(self, topics: list[bytes], data: bytes) -> dict[str, Any]:
        """The arguments of one log, in declaration order; ValueError when the log does not fit the ABI."""
        if len(topics) != len(self.indexed) + 1:
            raise ValueError(f"{len(topics) - 1} indexed topics, expected {len(self.indexed)}")
        values = {name: _word(kind, topic) for (name, kind), topic in zip(self.indexed, topics[1:], strict=True)}
        if all(kind in _WORD_TYPES for _, kind in self.data):  # static words: read directly, eth_abi is slow
            if len(data) != 32 * len(self.data):
                raise ValueError(f"{len(data)} bytes of data, expected {32 * len(self.data)}")
            words = (data[i : i + 32] for i in range(0, len(data), 32))
            values.update((name, _word(kind, w)) for (name, kind), w in zip(self.data, words, strict=True))
        else:
            decoded = abi_decode([k for _, k in self.data], data)
            values.update((n, _python(k, v)) for (n, k), v in zip(self.data, decoded, strict=True))
        return {n: values[n] for n in self.order}

    def to_json(self, args: dict[str, Any]) -> dict[str, Any]:
        """Arguments as stored in `chain_events`: ints as decimal strings."""
        return {name: _json(value) for name, value in args.items()}

    def from_json(self, stored: dict[str, Any]) -> dict[str, Any]:
        """The inverse of `to_json`, by each argument's ABI type."""
        return {name: _from_json(self.types[name], value) for name, value in stored.items()}


def _word(kind: str, word: bytes) -> Any:
    """One 32-byte ABI word of a static type, checked as strictly as eth_abi would."""
    if kind not in _WORD_TYPES:
        return _python(kind, abi_decode([kind], word)[0])
    if len(word) != 32:
        raise ValueError(f"a {kind} word of {len(word)} bytes")
    if kind == "bytes32":
        return "0x" + word.hex()
    value = int.from_bytes(word, "big")
    bits = 160 if kind == "address" else 1 if kind == "bool" else int(kind[4:])
    if value >> bits:
        raise ValueError(f"{value:#x} does not fit a {kind}")
    return _checksummed("0x" + word[12:].hex()) if kind == "address" else bool(value) if kind == "bool" else value


def _python(kind: str, value: Any) -> Any:
    """eth_abi's value in the decoded form: lists for arrays, 0x hex for bytes, checksummed addresses."""
    if kind.endswith("]"):
        inner = kind[: kind.rindex("[")]
        return [_python(inner, v) for v in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if kind == "address":
        return _checksummed(value.lower())
    return value


@lru_cache(maxsize=65_536)
def _checksummed(address: str) -> str:
    """Checksumming hashes the address: the same few parties appear in most events, so it is done once each."""
    return to_checksum_address(address)


def _json(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def _from_json(kind: str, value: Any) -> Any:
    if kind.endswith("]"):
        inner = kind[: kind.rindex("[")]
        return [_from_json(inner, v) for v in value]
    if kind.startswith(("uint", "int")):
        return int(value)
    return value
