"""Engines, sessions and schema migrations. A SQLite file by default; PostgreSQL (psycopg 3) by URL."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from scf_ledger.errors import ConfigurationError

DEFAULT_DB_URL = "sqlite:///scf-ledger.sqlite"


def database_url(explicit: str | None = None) -> str:
    """--db-url, then SCF_DB_URL, then a SQLite file in the working directory."""
    url = explicit or os.environ.get("SCF_DB_URL") or DEFAULT_DB_URL
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]  # psycopg 3, not psycopg2
    return url


def make_engine(url: str, **options: Any) -> Engine:
    if url.startswith("sqlite"):
        # As many pooled connections as the server has worker threads (anyio's 40), so that none is opened
        # (and set up with the pragmas below) per request under load.
        if "poolclass" not in options:
            options = {"pool_size": 40, "max_overflow": 10, **options}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **options)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the indexer's writes
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **options)


# PostgreSQL advisory lock keys (any two distinct 64-bit numbers of ours).
STARTUP_LOCK = 0x5CF_1ED6E7_0001  # migrations, chain binding and bootstrap: one starting worker at a time
INDEXER_LOCK = 0x5CF_1ED6E7_0002  # the background indexer: one leader among the workers


@contextlib.contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Serializes the start of workers on one PostgreSQL database (N processes started at the same moment on
    a fresh database would race to create its tables and its platform party). SQLite has one process."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK})
            connection.commit()


class Leadership:
    """Whether this worker leads the background indexer: it holds a session-level advisory lock on a connection
    of its own, released by PostgreSQL if the worker dies, so another takes over at its next try. On SQLite the
    one process always leads."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def held(self) -> bool:
        if self._engine.dialect.name != "postgresql":
            return True
        try:
            if self._connection is None:
                self._connection = self._engine.connect()
                won = self._connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": INDEXER_LOCK})
                self._connection.commit()
                if not won.scalar():
                    self.release()
                    return False
            self._connection.execute(text("SELECT 1"))  # still connected, so still holding the lock
            return True
        except Exception:  # the connection broke: the lock went with it
            self.release()
            return False

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("scf_ledger.store") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """`scf db upgrade`: brings the schema to `revision`."""
    command.upgrade(_alembic_config(url), revision)


def require_current_schema(engine: Engine) -> None:
    """Refuses a database whose schema is not at the latest migration, with the command that fixes it."""
    head = ScriptDirectory.from_config(_alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current != head:
        raise ConfigurationError(
            f"database schema is at {current or 'nothing'}, not {head}: run `scf db upgrade --db-url ...` first"
        )


def sqlite_path(url: str) -> Path | None:
    return Path(url.split("///", 1)[1]) if url.startswith("sqlite:///") and url != "sqlite:///:memory:" else None
