"""Revert data wherever a node puts it (chain/errors.py, the one place that knows): anvil's and geth's hex
string, Hardhat's error object, Hardhat's message. The same revert then decodes to the same named error; the
chain-facing tests run it on anvil (make test-anvil) and Hardhat's node (make test-hardhat)."""

from __future__ import annotations

import pytest
from web3.exceptions import ContractLogicError, Web3RPCError

from scf_ledger.chain.errors import mined_despite_error, revert_data

SELECTOR_AND_ID = "0x2a069180" + f"{12_345:064x}"  # UnknownReceivable(12345)
HARDHAT = (
    "Error: VM Exception while processing transaction: reverted with an unrecognized custom error "
    f"(return data: {SELECTOR_AND_ID})"
)


@pytest.mark.parametrize(
    "exc",
    [
        ContractLogicError("execution reverted", data=SELECTOR_AND_ID),  # anvil, geth
        ContractLogicError(f"execution reverted: {HARDHAT}", data={"message": HARDHAT, "data": SELECTOR_AND_ID}),
        ValueError(HARDHAT),  # only the message
    ],
)
def test_the_revert_bytes_are_found_whatever_the_node(exc: Exception) -> None:
    assert revert_data(exc) == SELECTOR_AND_ID


def test_a_revert_without_data_has_none() -> None:
    assert revert_data(ContractLogicError("execution reverted", data={"message": "reverted", "data": None})) is None
    assert revert_data(ValueError("connection refused")) is None


def test_a_transaction_hardhat_mined_and_answered_with_an_error_is_known_as_sent() -> None:
    mined = "0x" + "ab" * 32
    error = {"code": -32603, "message": "Error: Transaction reverted without a reason string"}
    exc = Web3RPCError(
        repr(error),
        rpc_response={"jsonrpc": "2.0", "id": 1, "error": {**error, "data": {"txHash": mined, "data": "0x"}}},
    )
    assert mined_despite_error(exc) == bytes.fromhex("ab" * 32)
    assert mined_despite_error(ValueError(repr({**error, "data": {"txHash": mined}}))) == bytes.fromhex("ab" * 32)
    assert mined_despite_error(Web3RPCError("nonce too low")) is None  # never reached a block
