"""What the routes call: the chain, the database, the keystore, the risk engine and the indexer, wired once
per process. Chain writes are followed by `sync()`, so a read right after a write sees it."""

from __future__ import annotations

import hashlib
import logging
import secrets
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from eth_account.signers.local import LocalAccount
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scf_ledger.api.config import Settings
from scf_ledger.api.keystore import Keystore
from scf_ledger.api.problems import Problem
from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.connection import connect, dev_account, fund_gas, is_embedded
from scf_ledger.chain.deploy import Deployment
from scf_ledger.chain.gateways import Gateways
from scf_ledger.chain.keys import deployer_account
from scf_ledger.chain.sender import Call
from scf_ledger.domain.constants import MAX_UINT256
from scf_ledger.domain.enums import Kind
from scf_ledger.domain.risk import RiskEngine
from scf_ledger.store.db import make_engine, session_factory, upgrade
from scf_ledger.store.indexer import Indexer
from scf_ledger.store.models import ApiKeyRow, CreditOrderRow, PartyRow, RiskDecisionRow

log = logging.getLogger("scf_ledger.api")

ROLES = {
    "platform": Kind.PLATFORM,
    "gateway": Kind.GATEWAY,
    "supplier": Kind.SUPPLIER,
    "financier": Kind.FINANCIER,
    "obligor": Kind.OBLIGOR,
}
GAS_ALLOWANCE = 10**18  # wei given to each custodial account for its transactions


def key_digest(api_key: str) -> str:
    """API keys are 256-bit random values: a plain SHA-256 is enough and costs no latency."""
    return hashlib.sha256(api_key.encode()).hexdigest()


@dataclass
class Party:
    address: str
    name: str
    role: str
    custodial: bool


class Service:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.keystore = Keystore(settings.master_key)
        self.risk = RiskEngine()
        w3 = connect(settings.rpc_url)
        self.embedded = is_embedded(w3)
        if self.embedded:
            platform = dev_account("platform", namespace=f"scf-ledger/serve/{secrets.token_hex(8)}")
            fund_gas(w3, platform.address, 10**22)
            self.chain = ScfChain.deploy_new(w3, platform)
        else:
            platform = deployer_account(w3, settings.private_key_file)
            self.chain = ScfChain(w3, Deployment.read(Path(settings.deployment)))
        self.gw = Gateways.of(self.chain)
        self._platform_key = platform
        db_url = settings.db_url
        if db_url is None:
            if not self.embedded:
                db_url = "sqlite:///scf-ledger.sqlite"
            else:  # an embedded chain is new at every start: so is its database
                db_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='scf-serve-')) / 'scf.sqlite'}"
        self.db_url = db_url
        upgrade(db_url)
        self.engine = make_engine(db_url)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)
        self.indexer = Indexer(
            w3,
            self.chain.deployment,
            self.chain.artifacts,
            self.sessions,
            confirmations=settings.confirmations,
            run=self.chain.sender.run,
        )
        self.indexer.ensure_chain()  # refuses a database recorded for another chain
        self._sync_lock = threading.Lock()
        self.metrics: object = None  # set by the app
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self.admin_key: str | None = self._bootstrap_platform()
        self.sync()

    # LIFECYCLE

    def start_background_indexing(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.settings.index_interval):
                try:
                    self.sync()
                except Exception as exc:  # logged and retried at the next tick
                    log.warning("background indexing failed: %s: %s", type(exc).__name__, exc)

        self._poller = threading.Thread(target=loop, name="scf-indexer", daemon=True)
        self._poller.start()

    def close(self) -> None:
        self._stop.set()
        if self._poller:
            self._poller.join(timeout=5)
        self.engine.dispose()

    def sync(self) -> None:
        """Indexes up to the node's head and restores expired freezes (the background task, and at start)."""
        with self._sync_lock:
            self.indexer.run_until_synced()
            self.restore_expired_freezes()

    def catch_up(self) -> None:
        """After a write: indexes through the block of the service's newest receipt, so that the caller reads
        its own writes, without asking the node for its head. Expired freezes are left to `sync`."""
        number, block_hash = self.chain.sender.last_mined
        with self._sync_lock:
            self.indexer.sync_through(number, block_hash)

    def restore_expired_freezes(self) -> int:
        """Sets back every credit line a velocity freeze lowered, once its 24 h (chain time) are over, unless
        the platform changed the limit meanwhile."""
        with self.sessions() as session:
            due = session.execute(
                select(RiskDecisionRow, CreditOrderRow)
                .join(CreditOrderRow, CreditOrderRow.id == RiskDecisionRow.order_id)
                .where(RiskDecisionRow.freeze_until.is_not(None), RiskDecisionRow.restored.is_(False))
            ).all()
        restored = 0
        now = self.chain.now() if due else 0  # the node is asked only when a freeze is pending
        for decision, order in due:
            if decision.freeze_until > now:  # type: ignore[operator]
                continue
            current = self.gw.registry.participant(order.buyer).credit_limit
            if current < (decision.restore_limit or 0):  # still lowered: set it back
                self.gw.registry.set_credit_limit(self.platform, order.buyer, decision.restore_limit or 0, "RESTORE")
            with self.sessions.begin() as session:
                row = session.get(RiskDecisionRow, decision.id)
                if row is not None:
                    row.restored = True
            restored += 1
        if restored:
            self.indexer.run_until_synced()
        return restored

    # PARTIES

    def _bootstrap_platform(self) -> str | None:
        """On an empty database: the platform party, with an API key returned once."""
        with self.sessions.begin() as session:
            if session.scalar(select(PartyRow).where(PartyRow.role == "platform")) is not None:
                return None
            session.add(
                PartyRow(
                    address=self._platform_key.address,
                    name="platform",
                    role="platform",
                    custodial=True,
                    encrypted_key=self.keystore.encrypt(self._platform_key),
                )
            )
            return self._issue_key(session, self._platform_key.address, "platform")

    def _issue_key(self, session: Session, address: str, role: str) -> str:
        api_key = "scf_" + secrets.token_urlsafe(32)
        session.add(ApiKeyRow(digest=key_digest(api_key), party=address, role=role, revoked=False))
        return api_key

    def party_for_key(self, api_key: str) -> Party | None:
        with self.sessions() as session:
            row = session.get(ApiKeyRow, key_digest(api_key))
            if row is None or row.revoked:
                return None
            party = session.get(PartyRow, row.party)
            return None if party is None else Party(party.address, party.name, party.role, party.custodial)

    def party(self, address: str) -> PartyRow | None:
        with self.sessions() as session:
            return session.get(PartyRow, address)

    def signer(self, address: str) -> LocalAccount:
        row = self.party(address)
        if row is None or not row.custodial or row.encrypted_key is None:
            raise Problem(409, "Needs your signature", f"{address} is not custodial: sign and send it yourself")
        return self.keystore.account(row.address, row.encrypted_key)

    @property
    def platform(self) -> LocalAccount:
        return self._platform_key

    def register(self, role: str, name: str, address: str | None) -> tuple[PartyRow, str]:
        """Registers a party on-chain and in the database; returns it with a one-time API key."""
        if role not in ROLES or role == "platform":
            raise Problem(422, "Invalid role", f"role {role!r}: one of gateway, supplier, financier, obligor")
        account, encrypted = (None, None) if address else self.keystore.new_account()
        address = address or account.address  # type: ignore[union-attr]
        if self.party(address) is not None:
            raise Problem(409, "Already registered", f"{address} is already a party")
        self.gw.registry.register(self.platform, address, ROLES[role])
        if account is not None:
            self._equip(account, role)
        with self.sessions.begin() as session:
            row = PartyRow(
                address=address, name=name, role=role, custodial=account is not None, encrypted_key=encrypted
            )
            session.add(row)
            api_key = self._issue_key(session, address, role)
        self.catch_up()
        return row, api_key

    def _equip(self, account: LocalAccount, role: str) -> None:
        """Gas for a custodial account, and the approvals its role's transactions need."""
        self.chain.sender.send(self.platform, Call(account.address, "0x", "gas", value=GAS_ALLOWANCE), gas=21_000)
        if role in ("gateway", "financier", "obligor"):
            self.gw.token.approve(account, self.gw.ledger.address, MAX_UINT256)
            self.gw.token.approve(account, self.gw.market.address, MAX_UINT256)
        if role in ("supplier", "financier"):
            self.gw.ledger.set_operator(account, self.gw.market.address, True)
