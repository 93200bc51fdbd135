"""Inside `scf serve` the indexer also runs in the background: changes made outside the API show up."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from scf_ledger.api.main import create_app
from scf_ledger.config import Settings
from scf_ledger.domain.enums import Kind
from scf_ledger.services.runtime import Runtime
from scf_ledger.store.models import ParticipantRow


def test_background_indexer_follows_the_chain(tmp_path: Path) -> None:
    service = Runtime.open(Settings(db_url=f"sqlite:///{tmp_path / 'scf.sqlite'}", index_interval=0.1))
    with TestClient(create_app(service, background_indexing=True)):
        outsider = "0x" + "cd" * 20
        address = service.chain.w3.to_checksum_address(outsider)
        service.gw.registry.register(service.platform, address, Kind.SUPPLIER)  # not through the API
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with service.sessions() as session:
                if session.get(ParticipantRow, address) is not None:
                    break
            time.sleep(0.05)
        with service.sessions() as session:
            row = session.get(ParticipantRow, address)
        assert row is not None and row.kind == Kind.SUPPLIER
