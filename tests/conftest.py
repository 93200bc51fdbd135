"""Shared fixtures: one compiled artifact set per run, one deployed world per module, and a chain snapshot
around every test so tests never see each other's state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scf_ledger.chain.anvil import NODES
from scf_ledger.chain.compiler import Artifact, compile_contracts
from scf_ledger.chain.connection import connect, revert, snapshot
from scf_ledger.sandbox import World, create_world, utc
from tests.utils.nodes import TEST_CHAIN, TEST_NODE
from tests.utils.postgres import PostgresCluster

START = utc(2027, 1, 31, 12)  # a month end: due dates clamp to 28 Feb, 31 Mar, 30 Apr


@pytest.fixture(scope="session")
def artifacts() -> dict[str, Artifact]:
    return compile_contracts()


@pytest.fixture(scope="module")
def module_world(artifacts: dict[str, Artifact]) -> Iterator[World]:
    del artifacts  # compiled once per session before any deployment
    if TEST_CHAIN in NODES:
        with NODES[TEST_CHAIN].start() as node:
            yield create_world(connect(node.url), start=START)
    else:
        yield create_world(connect(), start=START)


@pytest.fixture
def world(module_world: World) -> Iterator[World]:
    marker = snapshot(module_world.w3)
    docs = module_world.docs
    yield module_world
    revert(module_world.w3, marker)
    module_world.chain.sender.resync_nonce()
    module_world.docs = docs


@pytest.fixture(scope="session")
def anvil_url() -> Iterator[str]:
    """A real node from the npm lock (anvil, or SCF_TEST_NODE's), on a free loopback port, stopped at the end of
    the session."""
    with TEST_NODE.start() as node:
        yield node.url


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database at the latest schema, on SQLite and on a real PostgreSQL."""
    from scf_ledger.store.db import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'scf.sqlite'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    upgrade(url)
    return url
