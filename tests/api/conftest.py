"""An app on a fresh embedded chain, driven in-process through httpx (FastAPI's TestClient). The parties are
registered once per module; every test then starts from that snapshot of the chain and the database, so no
test sees another's writes and their order does not matter."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scf_ledger.api.main import create_app
from scf_ledger.chain.connection import revert, snapshot
from scf_ledger.config import Settings
from scf_ledger.services.runtime import Runtime
from tests.utils.api import Api


@pytest.fixture(scope="module")
def module_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    db = Path(tmp_path_factory.mktemp("api")) / "scf.sqlite"
    service = Runtime.open(Settings(db_url=f"sqlite:///{db}"))
    with TestClient(create_app(service, background_indexing=False)) as client:
        api = Api(client, service)
        assert service.admin_key
        api.keys["platform"] = service.admin_key
        api.addresses["platform"] = service.platform.address
        for name, kind in [
            ("gate", "gateway"),
            ("gate2", "gateway"),
            ("tier1", "supplier"),
            ("tier2", "supplier"),
            ("tier3", "supplier"),
            ("bank", "financier"),
            ("bank2", "financier"),
            ("buyer", "obligor"),
            ("buyer2", "obligor"),
        ]:
            api.register(name, kind)
        yield api


@pytest.fixture
def api(module_api: Api) -> Iterator[Api]:
    """The module's app, rolled back after the test: chain by snapshot, database by SQLite's backup API."""
    rt = module_api.service
    marker = snapshot(rt.chain.w3)
    saved = sqlite3.connect(":memory:")
    raw = rt.engine.raw_connection()
    try:
        raw.driver_connection.backup(saved)  # type: ignore[union-attr]
    finally:
        raw.close()
    keys, addresses = dict(module_api.keys), dict(module_api.addresses)
    yield module_api
    revert(rt.chain.w3, marker)
    rt.chain.sender.resync_nonce()
    rt.chain.sender.last_mined = (-1, "")  # receipts after the revert restart below the old head
    rt.engine.dispose()
    live = sqlite3.connect(rt.db_url.removeprefix("sqlite:///"))
    saved.backup(live)
    live.close()
    saved.close()
    rt.indexer.indexed_through = -1  # read from the restored database at the next poll
    rt.clock.forget()  # the chain's clock went back with the snapshot
    module_api.keys, module_api.addresses = keys, addresses
