"""Connections: the embedded in-process chain (eth-tester on py-evm), or any JSON-RPC node by URL."""

from __future__ import annotations

import os

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import HTTPProvider, Web3
from web3.providers.eth_tester import EthereumTesterProvider

from scf_ledger.chain.errors import ChainError


def connect(rpc_url: str | None = None, *, timeout: float = 30.0) -> Web3:
    """A Web3 on `rpc_url`, or on a fresh embedded chain when it is None."""
    if rpc_url is None:
        w3 = Web3(EthereumTesterProvider())
    else:
        session = requests.Session()
        # requests reads the proxy variables from the environment on every call; without any, skip that.
        session.trust_env = any(k.lower().endswith("_proxy") for k in os.environ)
        # No retries inside web3: the sender's own (TRANSIENT_RETRIES) are the one policy, and a send retried
        # blindly in two layers multiplies the time a dead node takes to be noticed.
        provider = HTTPProvider(
            rpc_url, request_kwargs={"timeout": timeout}, session=session, exception_retry_configuration=None
        )
        w3 = Web3(provider)
        if not w3.is_connected():
            raise ChainError(f"no Ethereum JSON-RPC node answers at {rpc_url}")
    # web3's validation middleware asks the node for its chain id before every estimate and call; our
    # transactions are signed locally with the chain id the sender cached, so that round trip is waste.
    w3.middleware_onion.remove("validation")
    return w3


def dev_account(name: str, namespace: str = "scf-ledger/dev") -> LocalAccount:
    """A development key derived at run time from a name; never holds real value."""
    return Account.from_key(keccak(text=f"{namespace}/{name}"))


def fund_gas(w3: Web3, address: str, wei: int = 10**19) -> None:
    """Gives `address` gas money from the node's first unlocked development account."""
    funder = w3.eth.accounts[0]
    tx_hash = w3.eth.send_transaction({"from": funder, "to": address, "value": wei})
    w3.eth.wait_for_transaction_receipt(tx_hash)


def is_embedded(w3: Web3) -> bool:
    return isinstance(w3.provider, EthereumTesterProvider)


def time_travel(w3: Web3, timestamp: int) -> None:
    """Moves the chain's clock so that the next transaction is mined exactly at `timestamp`, with a block
    mined one second before it (the same on the embedded chain and on anvil)."""
    if is_embedded(w3):
        tester = w3.provider.ethereum_tester  # type: ignore[attr-defined]
        tester.time_travel(timestamp)
        return
    _rpc(w3, "evm_setNextBlockTimestamp", [timestamp - 1])
    _rpc(w3, "evm_mine", [])
    _rpc(w3, "evm_setNextBlockTimestamp", [timestamp])


def _rpc(w3: Web3, method: str, params: list[object]) -> object:
    response = w3.provider.make_request(method, params)  # type: ignore[arg-type]
    if "error" in response:
        raise ChainError(f"{method} failed: {response['error']}")
    return response.get("result")


def snapshot(w3: Web3) -> object:
    """A chain snapshot to return to with `revert` (eth-tester or anvil)."""
    if is_embedded(w3):
        return w3.provider.ethereum_tester.take_snapshot()  # type: ignore[attr-defined]
    return _rpc(w3, "evm_snapshot", [])


def revert(w3: Web3, snapshot_id: object) -> None:
    if is_embedded(w3):
        w3.provider.ethereum_tester.revert_to_snapshot(snapshot_id)  # type: ignore[attr-defined]
        return
    _rpc(w3, "evm_revert", [snapshot_id])
