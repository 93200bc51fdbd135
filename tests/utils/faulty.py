"""The service on anvil through a fault-injecting proxy (scf_ledger/chain/proxy.py), in process, with the parties
the exactly-once tests use (tests/utils/writes.py makes their inputs and counts their events)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from scf_ledger.api.main import create_app
from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.connection import connect
from scf_ledger.chain.keys import deployer_account
from scf_ledger.chain.proxy import FaultyProxy
from scf_ledger.config import Settings
from scf_ledger.services.runtime import Runtime
from tests.utils.api import Api


@contextmanager
def faulty_world(node_url: str, tmp_path: Path) -> Iterator[tuple[Api, FaultyProxy]]:
    """A fresh deployment on the node at `node_url`, served through a proxy; a gateway, two suppliers, a
    financier and an obligor registered."""
    w3 = connect(node_url)
    deployment = tmp_path / "deployment.json"
    ScfChain.deploy_new(w3, deployer_account(w3, None)).deployment.write(deployment)
    proxy = FaultyProxy(node_url)
    settings = Settings(rpc_url=proxy.url, deployment=str(deployment), db_url=f"sqlite:///{tmp_path / 'scf.sqlite'}")
    service = Runtime.open(settings)
    try:
        with TestClient(create_app(service, background_indexing=False)) as client:
            api = Api(client, service, {"platform": service.admin_key or ""}, {"platform": service.platform.address})
            parties = [("gate", "gateway"), ("tier1", "supplier"), ("tier2", "supplier"), ("bank", "financier")]
            for name, kind in [*parties, ("buyer", "obligor")]:
                api.register(name, kind)
            yield api, proxy
    finally:
        proxy.close()
