"""An app on a fresh embedded chain, driven in-process through httpx (FastAPI's TestClient)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scf_ledger.api.main import create_app
from scf_ledger.config import Settings
from scf_ledger.services.runtime import Runtime
from tests.utils.api import Api


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    db = Path(tmp_path_factory.mktemp("api")) / "scf.sqlite"
    service = Runtime.open(Settings(db_url=f"sqlite:///{db}"))
    with TestClient(create_app(service, background_indexing=False)) as client:
        api = Api(client, service)
        assert service.admin_key
        api.keys["platform"] = service.admin_key
        api.addresses["platform"] = service.platform.address
        for name, kind in [
            ("gate", "gateway"),
            ("tier1", "supplier"),
            ("tier2", "supplier"),
            ("tier3", "supplier"),
            ("bank", "financier"),
            ("buyer", "obligor"),
            ("buyer2", "obligor"),
        ]:
            api.register(name, kind)
        yield api
