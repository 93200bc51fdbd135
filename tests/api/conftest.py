"""An app on a fresh embedded chain, driven in-process through httpx (FastAPI's TestClient)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scf_ledger.api.config import Settings
from scf_ledger.api.main import create_app
from scf_ledger.api.service import Service


@dataclass
class Api:
    client: TestClient
    service: Service
    keys: dict[str, str] = field(default_factory=dict)  # party name -> API key
    addresses: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, who: str | None, json: Any = None, **headers: str) -> Any:
        if who is not None:
            headers["Authorization"] = f"Bearer {self.keys[who]}"
        return self.client.request(method, path, json=json, headers=headers)

    def ok(self, method: str, path: str, who: str, json: Any = None, **headers: str) -> Any:
        response = self.call(method, path, who, json, **headers)
        assert response.status_code < 300, response.text
        return response.json()

    def register(self, name: str, kind: str) -> str:
        body = self.ok("POST", "/v1/participants", "platform", {"kind": kind, "name": name})
        self.keys[name], self.addresses[name] = body["api_key"], body["address"]
        return body["address"]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    db = Path(tmp_path_factory.mktemp("api")) / "scf.sqlite"
    service = Service(Settings(db_url=f"sqlite:///{db}"))
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
