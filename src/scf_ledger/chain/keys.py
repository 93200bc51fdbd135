"""Where a deployer's key comes from on a real node: a key file, SCF_DEPLOYER_KEY, or anvil's dev account."""

from __future__ import annotations

import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from scf_ledger.errors import ConfigurationError

# The public, well-known development mnemonic every anvil/hardhat node funds; not a secret.
ANVIL_DEV_MNEMONIC = "test test test test test test test test test test test junk"
ANVIL_CHAIN_ID = 31337


def _from_text(text: str, origin: str) -> LocalAccount:
    try:
        return Account.from_key(text.strip())
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{origin} does not hold a valid private key: {exc}") from None


def anvil_dev_account(index: int = 0) -> LocalAccount:
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(ANVIL_DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


def deployer_account(w3: Web3, private_key_file: str | None) -> LocalAccount:
    """The deployer key: --private-key-file, then SCF_DEPLOYER_KEY, then anvil's first dev account."""
    if private_key_file:
        path = Path(private_key_file)
        if not path.is_file():
            raise ConfigurationError(f"private key file {path} does not exist")
        return _from_text(path.read_text(), str(path))
    env = os.environ.get("SCF_DEPLOYER_KEY")
    if env:
        return _from_text(env, "SCF_DEPLOYER_KEY")
    if w3.eth.chain_id == ANVIL_CHAIN_ID:
        return anvil_dev_account(0)
    raise ConfigurationError(
        "no deployer key: pass --private-key-file or set SCF_DEPLOYER_KEY (anvil's dev account is used "
        f"only on chain id {ANVIL_CHAIN_ID})"
    )
