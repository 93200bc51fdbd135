"""Engines, sessions and schema migrations. A SQLite file by default; PostgreSQL (psycopg 3) by URL."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
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
