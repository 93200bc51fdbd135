"""Helpers of the store tests: sessions on a test database (disposed after each test), the chain's own log
count, row counts, and `scf index` as a subprocess."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from scf_ledger.sandbox import World
from scf_ledger.store.db import make_engine, session_factory

ENGINES: list[Engine] = []  # disposed after each store test by tests/store/conftest.py


def sessions_for(db_url: str) -> sessionmaker[Session]:
    engine = make_engine(db_url)
    ENGINES.append(engine)  # disposed after each test by tests/store/conftest.py
    return session_factory(engine)


def chain_logs(world: World) -> int:
    chain = world.chain
    logs = chain.sender.run(
        lambda: chain.w3.eth.get_logs(
            {
                "fromBlock": chain.deployment.deployment_block,
                "toBlock": "latest",
                "address": list(chain.deployment.addresses.values()),
            }
        )
    )
    return len(logs)


def index_command(rpc_url: str, deployment: Path, db_url: str, batch_blocks: int) -> list[str]:
    """`scf index --until-synced` as a subprocess command line."""
    target = ["--rpc-url", rpc_url, "--deployment", str(deployment), "--db-url", db_url]
    return [
        sys.executable,
        "-m",
        "scf_ledger.cli.main",
        "index",
        *target,
        "--until-synced",
        "--batch-blocks",
        str(batch_blocks),
    ]


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
