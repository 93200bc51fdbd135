"""kill -9 of `scf serve` between the steps of every write route (DESIGN §9): once with a send signed and recorded
but not on the node yet, once with the send on the node (mined) and its answer never heard. The restarted
service finishes the operation itself, the retried request gets its answer, the chain shows the write once,
and the database reconciles with the chain.

In CI each route is killed once, after its last send reached the node; `make test-faults` (SCF_FAULTS=full)
kills at both points of every send."""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from scf_ledger.chain.anvil import AnvilNode
from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.gateways import Gateways
from scf_ledger.chain.proxy import FaultyProxy
from scf_ledger.store.db import make_engine, session_factory
from scf_ledger.store.indexer.reconcile import reconcile
from tests.utils.api import Api
from tests.utils.served import Server, deployed, story_api
from tests.utils.writes import WRITES, count

SEND = "eth_sendRawTransaction"
FULL = os.environ.get("SCF_FAULTS") == "full"


@dataclass(frozen=True)
class Served:
    server: Server
    proxy: FaultyProxy
    chain: ScfChain
    api: Api
    sessions: sessionmaker[Session]  # the server's database, to reconcile with the chain


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp_path = tmp_path_factory.mktemp("crash")
    with AnvilNode.start() as node:
        chain, deployment = deployed(node.url, tmp_path)
        proxy = FaultyProxy(node.url)
        db_url = f"sqlite:///{tmp_path / 'scf.sqlite'}"
        server = Server(proxy.url, deployment, db_url, tmp_path / "admin.key")
        server.start()
        try:
            api = story_api(server, tmp_path / "admin.key")
            engine = make_engine(db_url)
            yield Served(server, proxy, chain, api, session_factory(engine))
            engine.dispose()
        finally:
            server.stop()
            proxy.close()


def _points() -> list[tuple[str, int, str]]:
    """(route, how many sends before the one killed at, "recorded" or "mined")."""
    if not FULL:
        return [(write, WRITES[write].sends - 1, "mined") for write in WRITES]
    return [(w, k, point) for w in WRITES for k in range(WRITES[w].sends) for point in ("recorded", "mined")]


@pytest.mark.parametrize(("write", "earlier", "point"), _points())
def test_kill_9_between_the_steps_of_a_write(served: Served, write: str, earlier: int, point: str) -> None:
    api, proxy, chain, route = served.api, served.proxy, served.chain, WRITES[write]
    method, path, body = route.prepare(api, chain)
    since = chain.w3.eth.block_number + 1
    headers = {"Authorization": f"Bearer {api.keys[route.who]}", "Idempotency-Key": secrets.token_hex(8)}

    arrived = proxy.received.count(SEND)
    proxy.let_through(SEND, earlier)
    if point == "recorded":
        proxy.refuse(SEND)  # signed and recorded; the send never reaches the node
    else:
        proxy.hold_answer_to(SEND, 60)  # mined at once, answered never (in time)
    threading.Thread(target=_quietly, args=(api.client, method, path, body, headers), daemon=True).start()
    deadline = time.monotonic() + 60
    while proxy.received.count(SEND) <= arrived + earlier and time.monotonic() < deadline:
        time.sleep(0.02)
    served.server.kill()
    proxy.heal()
    served.server.start()

    answer = _until_answered(api.client, method, path, body, headers)
    assert answer.status_code < 300, answer.text
    assert count(chain, *route.counted, since) == 1  # once
    assert reconcile(Gateways.of(chain), served.sessions) == []  # at the block the database indexed last


def _quietly(http: httpx.Client, method: str, path: str, body: Any, headers: dict[str, str]) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
        http.request(method, path, json=body, headers=headers)


def _until_answered(http: httpx.Client, method: str, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    """Retries with the same key until the operation has its answer (202 while it is pending)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        response = http.request(method, path, json=body, headers=headers)
        if response.status_code != 202:
            return response
        time.sleep(0.3)
    raise AssertionError(f"{method} {path} still pending after 90 s")
