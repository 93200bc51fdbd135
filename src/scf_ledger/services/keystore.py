"""Custodial signing keys (and webhook secrets), encrypted at rest with a key derived from the master key (Fernet:
AES-128-CBC + HMAC-SHA256); decrypted keys are kept in memory only."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading

from cryptography.fernet import Fernet, InvalidToken
from eth_account import Account
from eth_account.signers.local import LocalAccount

from scf_ledger.errors import ConfigurationError


class Keystore:
    def __init__(self, master_key: str) -> None:
        digest = hashlib.sha256(b"scf-ledger keystore v1\x00" + master_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._cache: dict[str, LocalAccount] = {}
        self._lock = threading.Lock()

    def new_account(self) -> tuple[LocalAccount, str]:
        """A fresh signing key and its encrypted form for the database."""
        account = Account.from_key(secrets.token_bytes(32))
        return account, self.encrypt(account)

    def encrypt(self, account: LocalAccount) -> str:
        return self.seal(bytes(account.key))

    def seal(self, secret: bytes) -> str:
        """Any secret the service must read back (a webhook signing secret), encrypted for the database."""
        return self._fernet.encrypt(secret).decode()

    def unseal(self, sealed: str) -> bytes:
        try:
            return self._fernet.decrypt(sealed.encode())
        except InvalidToken:
            raise ConfigurationError(
                "a stored secret cannot be decrypted: SCF_MASTER_KEY differs from the one it was stored with"
            ) from None

    def account(self, address: str, encrypted: str) -> LocalAccount:
        with self._lock:
            cached = self._cache.get(address)
            if cached is None:
                cached = Account.from_key(self.unseal(encrypted))
                self._cache[address] = cached
            return cached
