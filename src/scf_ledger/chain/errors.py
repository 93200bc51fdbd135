"""Typed chain errors, and decoding of a revert's data into the contract's custom error name and arguments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

from eth_abi import decode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from scf_ledger.errors import ScfError


class ChainError(ScfError):
    """Raised when the chain cannot be reached or answers something unexpected."""


class TransactionTimeout(ChainError, TimeoutError):
    """Raised when a sent transaction's receipt did not arrive in time."""


class OutcomeUnknown(ChainError):
    """Raised when signed bytes may have reached the node but no answer says what became of them (the node went
    silent after the send, or no receipt came in time): the durable operation holds the truth from here."""

    def __init__(self, tx_hash: bytes, reason: str) -> None:
        self.tx_hash = tx_hash
        super().__init__(f"0x{tx_hash.hex()}: {reason}")


class TransactionRefused(ChainError):
    """Raised when the node refused a transaction's bytes outright (never took them), so the write was not done:
    its nonce was given back, or taken by a 0-value self-transfer so that the signer's later ones can be mined."""


class ContractRevert(ChainError):
    """Raised when a contract refuses a call; carries the custom error's name and decoded arguments."""

    def __init__(self, error: str, args: dict[str, Any], data: str = "", function: str = "") -> None:
        self.error = error
        self.arguments = args
        self.data = data
        self.function = function
        shown = ", ".join(f"{k}={_show(v)}" for k, v in args.items())
        where = f" in {function}" if function else ""
        super().__init__(f"{error}({shown}){where}")


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value)


def canonical_type(item: dict[str, Any]) -> str:
    """The ABI type as it appears in a signature: tuples spelled out as (t1,t2,...)."""
    kind = item["type"]
    if kind.startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in item["components"])
        return f"({inner}){kind[5:]}"
    return kind


class RevertDecoder:
    """Maps 4-byte selectors of every error in the given ABIs (ours and OpenZeppelin's) to names and types."""

    PANIC_CODES: ClassVar[dict[int, str]] = {
        0x01: "assertion failed",
        0x11: "arithmetic overflow or underflow",
        0x12: "division by zero",
        0x21: "invalid enum value",
        0x32: "array index out of bounds",
        0x41: "out of memory",
    }

    def __init__(self, abis: Iterable[list[dict[str, Any]]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str], list[str]]] = {}
        for abi in abis:
            for item in abi:
                if item.get("type") != "error":
                    continue
                types = [canonical_type(i) for i in item["inputs"]]
                selector = function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})")
                self._errors[selector] = (item["name"], [i["name"] for i in item["inputs"]], types)

    def decode(self, data: str | bytes | None, function: str = "") -> ContractRevert:
        raw = bytes.fromhex(data[2:] if data.startswith("0x") else data) if isinstance(data, str) else data
        raw = raw or b""
        selector, body = raw[:4], raw[4:]
        if selector == bytes.fromhex("08c379a0"):
            (reason,) = decode(["string"], body)
            return ContractRevert("Error", {"reason": reason}, "0x" + raw.hex(), function)
        if selector == bytes.fromhex("4e487b71"):
            (code,) = decode(["uint256"], body)
            return ContractRevert(
                "Panic",
                {"code": code, "reason": self.PANIC_CODES.get(code, "panic")},
                "0x" + raw.hex(),
                function,
            )
        known = self._errors.get(selector)
        if known is None:
            return ContractRevert("UnknownRevert", {"data": "0x" + raw.hex()}, "0x" + raw.hex(), function)
        name, names, types = known
        values = [
            to_checksum_address(v) if t == "address" else v for t, v in zip(types, decode(types, body), strict=True)
        ]
        return ContractRevert(name, dict(zip(names, values, strict=True)), "0x" + raw.hex(), function)


_RETURN_DATA = re.compile(r"return data: (0x[0-9a-fA-F]*)")


def revert_data(exc: Exception) -> str | None:
    """The bytes a node returned with a revert, as hex, wherever its kind of node puts them: web3's error data as
    a hex string (anvil, geth), the `data` of an error object (Hardhat's node), or only in the message (Hardhat:
    "reverted with an unrecognized custom error (return data: 0x…)"). None when the node sent none."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return data
    found = _RETURN_DATA.search(str(exc))
    return found.group(1) if found else None


_TX_HASH = re.compile(r"'txHash': '0x([0-9a-fA-F]{64})'")


def mined_despite_error(exc: Exception) -> bytes | None:
    """The hash of a transaction the node mined although it answered the send with an error: Hardhat's
    automining node runs a transaction that reverts into a block and names it in the error (`data.txHash`),
    where anvil answers the hash and lets the receipt (status 0) tell. None for any other error."""
    response = getattr(exc, "rpc_response", None)
    error = response.get("error") if isinstance(response, dict) else None
    data = error.get("data") if isinstance(error, dict) else None
    mined = data.get("txHash") if isinstance(data, dict) else None
    if not isinstance(mined, str):
        found = _TX_HASH.search(str(exc))
        mined = "0x" + found.group(1) if found else None
    return bytes.fromhex(mined[2:]) if mined else None
