"""Hostile bodies against a real `scf serve` process, and a connection that survives an internal error."""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from scf_ledger.chain.anvil import free_port
from tests.utils.served import ROOT, serving_embedded

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    with serving_embedded(tmp_path_factory.mktemp("hostile") / "admin.key") as served:
        yield served.base, served.admin_key, served.process


def _problem(response: httpx.Response, status: int, word: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert word in response.json()["detail"].lower()


def test_a_deeply_nested_body_is_refused_and_the_server_lives(server: tuple[str, str, subprocess.Popen[str]]) -> None:
    base, key, process = server
    json = {"content-type": "application/json"}
    found = b"[" * 100_000 + b"]" * 100_000  # the outside test's body (200 KB): over the size limit already
    _problem(httpx.post(base + "/v1/orders", content=found, headers=json), 413, "64 kib")
    deep = b"[" * 30_000 + b"]" * 30_000  # 60 KB, within the size limit
    for path, headers in (("/v1/orders", {}), ("/v1/cash", {"Authorization": f"Bearer {key}"})):
        _problem(httpx.post(base + path, content=deep, headers={**json, **headers}), 400, "nested")
    _problem(httpx.post(base + "/v1/cash", content=b'{"a":' * 40 + b"1" + b"}" * 40), 400, "nested")
    assert process.poll() is None and httpx.get(base + "/v1/health").status_code == 200


def test_a_body_over_the_limit_is_refused_before_it_is_read(server: tuple[str, str, subprocess.Popen[str]]) -> None:
    base, key, process = server
    big = b'{"name":"' + b"x" * (1 << 20) + b'"}'
    admin = {"Authorization": f"Bearer {key}"}
    _problem(httpx.post(base + "/v1/participants", content=big, headers=admin), 413, "64 kib")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(100):
            yield b"x" * 10_000

    _problem(httpx.post(base + "/v1/participants", content=chunks()), 413, "64 kib")
    assert process.poll() is None and httpx.get(base + "/v1/health").status_code == 200


def test_importing_the_service_leaves_a_sane_recursion_limit() -> None:
    code = "import sys, scf_ledger.api.main, py_ecc, eth, web3; print(sys.getrecursionlimit())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert int(out.stdout) <= 20_000


def test_the_connection_survives_an_internal_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scf_ledger.api.main import create_app
    from scf_ledger.config import Settings
    from scf_ledger.services import parties
    from scf_ledger.services.runtime import Runtime

    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(parties, "me", broken)
    rt = Runtime.open(Settings(db_url=f"sqlite:///{tmp_path / 'scf.sqlite'}"))
    port = free_port()
    config = uvicorn.Config(create_app(rt, background_indexing=False), port=port, log_level="critical")
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    try:
        while not served.started:
            time.sleep(0.05)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/v1/me", headers={"Authorization": f"Bearer {rt.admin_key}"})
        first = connection.getresponse()
        assert first.status == 500 and b"boom" not in first.read()
        connection.request("GET", "/v1/health")  # the same keep-alive connection
        second = connection.getresponse()
        assert second.status == 200, second.read()
    finally:
        served.should_exit = True
        thread.join(timeout=10)
