"""A node that stops mid-run: requests answer 503 problem+json and record nothing; the service recovers
when the node is back (anvil restarted on the same port with its saved state)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from scf_ledger.api.main import create_app
from scf_ledger.chain.anvil import AnvilNode, free_port
from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.connection import connect
from scf_ledger.chain.keys import anvil_dev_account
from scf_ledger.config import Settings
from scf_ledger.services.runtime import Runtime
from scf_ledger.store.models import PartyRow


def test_node_outage_answers_503_then_recovers(tmp_path: Path) -> None:
    port, state, deployment = free_port(), tmp_path / "anvil-state.json", tmp_path / "deployment.json"
    node = AnvilNode.start(port=port, state=state)
    try:
        w3 = connect(node.url)
        ScfChain.deploy_new(w3, anvil_dev_account(0)).deployment.write(deployment)
        settings = Settings(rpc_url=node.url, deployment=str(deployment), db_url=f"sqlite:///{tmp_path / 'scf.sqlite'}")
        service = Runtime.open(settings)
        with TestClient(create_app(service, background_indexing=False)) as client:
            admin = {"Authorization": f"Bearer {service.admin_key}"}
            assert (
                client.post("/v1/participants", json={"kind": "gateway", "name": "g"}, headers=admin).status_code == 201
            )

            node.stop()  # the node goes away mid-run (anvil saves its state)
            down = client.post("/v1/participants", json={"kind": "supplier", "name": "lost"}, headers=admin)
            assert down.status_code == 503 and down.headers["content-type"].startswith("application/problem+json")
            assert down.json()["title"] == "Chain unavailable" and down.headers["Retry-After"] == "5"
            assert client.get("/v1/health").status_code == 503
            with service.sessions() as session:
                assert session.scalar(select(PartyRow).where(PartyRow.name == "lost")) is None  # nothing recorded

            node = AnvilNode.start(port=port, state=state)  # back, with the chain as it was
            back = client.post("/v1/participants", json={"kind": "supplier", "name": "found"}, headers=admin)
            assert back.status_code == 201, back.text
            assert client.get("/v1/health").json()["lag"] == 0
    finally:
        node.stop()
