"""What every service works with, wired once per process: the chain and its gateways, the database, the
keystore, the risk engine and the indexer. The constructor only wires; `Runtime.open` starts a service:
connects (deploying on an embedded chain), migrates, binds the database to the chain, bootstraps the platform
party and catches up with the chain."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.connection import connect, dev_account, fund_gas, is_embedded
from scf_ledger.chain.deploy import Deployment
from scf_ledger.chain.gateways import Gateways
from scf_ledger.chain.keys import deployer_account
from scf_ledger.config import Settings
from scf_ledger.domain.enums import Role
from scf_ledger.domain.risk import RiskEngine
from scf_ledger.services import credit, defaults, limits, webhooks
from scf_ledger.services.background import repeat
from scf_ledger.services.errors import Conflict
from scf_ledger.services.journal import Journal, active, new_operation_id
from scf_ledger.services.keystore import Keystore
from scf_ledger.store.db import Leadership, database_url, make_engine, session_factory, startup_lock, upgrade
from scf_ledger.store.indexer import Indexer
from scf_ledger.store.models import ApiKeyRow, ChainMeta, OperationRow, PartyRow

log = logging.getLogger("scf_ledger.services")


# Built once: building a statement costs more than running it, and this one runs on every request.
PARTY_OF_KEY = (
    select(PartyRow.address, PartyRow.name, PartyRow.role, PartyRow.custodial, PartyRow.signs_requests)
    .join(ApiKeyRow, ApiKeyRow.party == PartyRow.address)
    .where(ApiKeyRow.digest == bindparam("digest"), ApiKeyRow.revoked.is_(False))
)


def key_digest(api_key: str) -> str:
    """API keys are 256-bit random values: a plain SHA-256 is enough and costs no latency."""
    return hashlib.sha256(api_key.encode()).hexdigest()


class ChainClock:
    """The chain's time for reads (statuses, days past due, open offers): the latest block's timestamp, asked
    of the node at most once per `max_age` seconds and again after every write and indexing pass, so that a
    read costs no RPC. Writes take the node's own clock (`ScfChain.now`)."""

    def __init__(self, read: Callable[[], int], max_age: float) -> None:
        self._read, self._max_age = read, max_age
        self._value, self._read_at = 0, -math.inf
        self._lock = threading.Lock()

    def now(self) -> int:
        with self._lock:
            if time.monotonic() - self._read_at > self._max_age:
                self._value, self._read_at = self._read(), time.monotonic()
            return self._value

    def forget(self) -> None:
        """The chain moved (a write, a new block indexed, a test travelling in time): ask the node next time."""
        with self._lock:
            self._read_at = -math.inf


@dataclass(frozen=True)
class Party:
    """An authenticated caller."""

    address: str
    name: str
    role: Role
    custodial: bool
    signs_requests: bool = False  # it registered a request key: each of its requests must be signed

    @classmethod
    def of(cls, row: Any) -> Party:
        """From a party's row (or a row of its columns)."""
        return cls(row.address, row.name, Role(row.role), row.custodial, bool(row.signs_requests))


class Runtime:
    def __init__(self, settings: Settings, chain: ScfChain, platform: LocalAccount, db_url: str) -> None:
        self.settings = settings
        self.keystore = Keystore(settings.master_key)
        self.risk = RiskEngine()
        self.chain = chain
        chain.sender.replace_after = settings.replace_after
        self.gw = Gateways.of(chain)
        self.embedded = is_embedded(chain.w3)
        self.platform = platform
        self.db_url = db_url
        self.engine = make_engine(db_url)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)
        self.leadership = Leadership(self.engine)
        self.indexer = Indexer(
            chain.w3,
            chain.deployment,
            chain.artifacts,
            self.sessions,
            confirmations=settings.confirmations,
            run=chain.sender.run,
        )
        self.clock = ChainClock(chain.now, max_age=min(settings.index_interval, 1.0))
        self.defaults_checked_at = -defaults.CHECK_EVERY  # chain time of the default job's last run
        self.limits_reviewed_at = -(2**62)  # chain time of the last review of every line (never yet)
        self.overdue_checked_at = -webhooks.OVERDUE_EVERY  # chain time of the overdue job's last run
        # One indexing pass at a time in this process (the checkpoint has one writer; workers take turns on it
        # in the database). Sends never wait for it, and a write waits only until its own block is indexed.
        self._indexing = threading.Lock()
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self.admin_key: str | None = None  # the platform's API key, when this start created it
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"  # owner of its leases

    @classmethod
    def open(cls, settings: Settings) -> Runtime:
        """Connects to `settings.rpc_url` (a fresh embedded chain, deployed now, when it is None)."""
        w3 = connect(settings.rpc_url)
        if is_embedded(w3):
            platform = dev_account("platform", namespace=f"scf-ledger/serve/{secrets.token_hex(8)}")
            fund_gas(w3, platform.address, 10**22)
            chain = ScfChain.deploy_new(w3, platform)
            # An embedded chain is new at every start: so is its database, unless one is named.
            default_db = f"sqlite:///{Path(tempfile.mkdtemp(prefix='scf-serve-')) / 'scf.sqlite'}"
        else:
            platform = deployer_account(w3, settings.private_key_file)
            chain = ScfChain(w3, Deployment.read(Path(settings.deployment)))
            default_db = "sqlite:///scf-ledger.sqlite"
        db_url = database_url(settings.db_url) if settings.db_url else default_db  # postgresql:// means psycopg 3
        return cls.attach(settings, chain, platform, db_url)

    @classmethod
    def attach(cls, settings: Settings, chain: ScfChain, platform: LocalAccount, db_url: str) -> Runtime:
        """The service over a deployed chain whose platform key is `platform`: the database brought to the
        current schema, the platform's party created on an empty one, indexed to the head."""
        rt = cls(settings, chain, platform, db_url)
        with startup_lock(rt.engine):  # workers started at the same moment on a fresh database take turns
            upgrade(db_url)
            rt.indexer.ensure_chain()  # refuses a database recorded for another chain
            rt.admin_key = rt._bootstrap_platform()
        rt.sync()
        return rt

    @property
    def local_money(self) -> bool:
        """The settlement token may be minted against fiat received (the local token, in local mode)."""
        return self.embedded or self.settings.mode == "local"

    # INDEXING

    def start_background_indexing(self) -> None:
        """The indexer and the end of freezes, every `index_interval`, in the worker that leads (one per
        database; another takes over when it dies). Every worker still indexes through its own writes."""

        def index() -> None:
            if self.leadership.held():
                self.sync()

        self._poller = repeat("background indexing", index, self.settings.index_interval, self._stop)

    def close(self) -> None:
        self._stop.set()
        if self._poller:
            self._poller.join(timeout=5)
        self.leadership.release()
        self.engine.dispose()

    def sync(self) -> None:
        """Indexes up to the node's head, restores expired freezes, marks the defaults that fell due, reviews the
        lines due and tells of installments gone overdue (the background task of the leading worker, and at
        start)."""
        with self._indexing:
            self.indexer.run_until_synced()
        self.clock.forget()
        changed = credit.restore_expired_freezes(self)
        changed += defaults.default_due(self)
        changed += limits.review_due(self)
        if changed:
            with self._indexing:
                self.indexer.run_until_synced()
        webhooks.tell_overdue(self)

    def read_your_writes(self) -> None:
        """After a write: indexes through the block of the newest receipt, so that the caller reads its own
        writes, without asking the node for its head. Expired freezes are left to `sync`."""
        mine = self.chain.sender.last_mined[0]  # at least the block of this thread's receipt
        with self._indexing:
            if self.indexer.indexed_through < mine:
                # Every block mined by now, for the writes waiting behind this one too: they find theirs done.
                number, block_hash = self.chain.sender.last_mined
                self.indexer.sync_through(number, block_hash)
        self.clock.forget()

    def journal(self, operation_id: str, *, new: bool) -> Journal:
        """The steps of an operation (none yet when it is `new`), its nonces from the database."""
        return Journal(self.sessions, operation_id, self.chain.sender.next_nonce, new=new)

    @contextmanager
    def job(self, name: str, subject: dict[str, Any] | None = None) -> Iterator[None]:
        """A background job's writes as an operation of the platform's, so that its transactions take their
        nonces from the database like every request's (a nonce counted apart would collide with theirs).
        A job with a `subject` (what it acts on, JSON) can be run again: if it fails once a transaction may
        have left, it stays pending and the recovery loop finishes it (`services/jobs.py`); without one, it
        ends failed and the job runs again later from what it reads."""
        operation_id = new_operation_id()
        body = json.dumps(subject) if subject is not None else ""
        with self.sessions.begin() as session:
            session.add(
                OperationRow(
                    id=operation_id,
                    party=self.platform.address,
                    route=f"JOB {name}",
                    request_digest="",
                    request={"method": "JOB", "path": name, "query": "", "body": body},
                    status="pending",
                    owner=self.worker_id,
                    lease_until=time.time() + self.settings.lease_seconds,
                )
            )
        status, journal = "failed", self.journal(operation_id, new=True)
        try:
            with active(journal):
                yield
            status = "succeeded"
        except Exception:
            if subject is not None and journal.broadcast:
                status = "pending"  # may be on its way: finished by the recovery loop, never sent anew
            raise
        finally:
            with self.sessions.begin() as session:
                journal.save(session)
                row = session.get(OperationRow, operation_id)
                if row is not None:
                    row.status, row.owner, row.lease_until = status, None, None
            journal.saved()

    def pending_subjects(self, name: str) -> list[dict[str, Any]]:
        """The subjects of job `name`'s operations still pending (under way, or left to the recovery loop): a
        job leaves them alone rather than start the same action twice."""
        with self.sessions() as session:
            requests = session.scalars(
                select(OperationRow.request).where(
                    OperationRow.route == f"JOB {name}", OperationRow.status == "pending"
                )
            ).all()
        return [json.loads(r["body"]) for r in requests if r["body"]]

    def indexed_block(self) -> int:
        with self.sessions() as session:
            meta = session.get(ChainMeta, 1)
        return meta.last_block if meta else -1

    # PARTIES

    def _bootstrap_platform(self) -> str | None:
        """On an empty database: the platform party, with an API key returned once."""
        with self.sessions.begin() as session:
            if session.scalar(select(PartyRow).where(PartyRow.role == Role.PLATFORM)) is not None:
                return None
            session.add(
                PartyRow(
                    address=self.platform.address,
                    name="platform",
                    role=Role.PLATFORM,
                    custodial=True,
                    encrypted_key=self.keystore.encrypt(self.platform),
                )
            )
            return issue_key(session, self.platform.address, Role.PLATFORM)

    def party_for_key(self, api_key: str) -> Party | None:
        """The party of an API key that is known and not revoked (one indexed lookup, on every request)."""
        with self.engine.connect() as connection:
            row = connection.execute(PARTY_OF_KEY, {"digest": key_digest(api_key)}).first()
        return None if row is None else Party.of(row)

    def party_of_address(self, address: str) -> Party | None:
        row = self.party(address)
        return None if row is None else Party.of(row)

    def party(self, address: str) -> PartyRow | None:
        with self.sessions() as session:
            return session.get(PartyRow, address)

    def signer(self, address: str) -> LocalAccount:
        """The custodial signing key of `address`."""
        row = self.party(address)
        if row is None or not row.custodial or row.encrypted_key is None:
            raise Conflict("Needs your signature", f"{address} is not custodial: sign and send it yourself")
        return self.keystore.account(row.address, row.encrypted_key)


def new_api_key() -> str:
    return "scf_" + secrets.token_urlsafe(32)


def store_key(session: Session, api_key: str, address: str, role: Role) -> None:
    """Stores `api_key` of `address` as its digest (once: storing it again changes nothing)."""
    if session.get(ApiKeyRow, key_digest(api_key)) is None:
        session.add(ApiKeyRow(digest=key_digest(api_key), party=address, role=role, revoked=False))


def issue_key(session: Session, address: str, role: Role) -> str:
    """A new API key for `address`, stored as its digest; the key itself is returned once."""
    api_key = new_api_key()
    store_key(session, api_key, address, role)
    return api_key
