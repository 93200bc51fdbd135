"""Schemathesis, all checks, against a live `scf serve` as each kind of party: no 5xx, and every answer is what
the OpenAPI document says (statuses, media types, schemas, `Allow` on a 405). Bounded for CI by examples per
operation; `SCF_SCHEMATHESIS_EXAMPLES` runs it longer."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.utils.served import ROOT, serving_embedded

EXAMPLES = os.environ.get("SCF_SCHEMATHESIS_EXAMPLES", "8")
ROLES = ["platform", "gateway", "supplier", "financier", "obligor"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    with serving_embedded(tmp_path_factory.mktemp("st") / "admin.key") as server:
        keys = {"platform": server.admin_key}
        admin = {"Authorization": f"Bearer {server.admin_key}"}
        gateway = ""
        for kind in ROLES[1:]:
            extra = {"gateway": gateway} if kind == "obligor" else {}
            body = httpx.post(
                f"{server.base}/v1/participants", json={"kind": kind, "name": kind, **extra}, headers=admin
            )
            keys[kind], gateway = body.json()["api_key"], gateway or body.json()["address"]
        yield server.base, keys


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_nothing(served: tuple[str, dict[str, str]], role: str, tmp_path: Path) -> None:
    base, keys = served
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(ROOT / "tests" / "schemathesis.toml"),
        "run",
        f"{base}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        EXAMPLES,
        "--workers",
        "1",
        "--seed",
        "20261201",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report-dir",
        str(tmp_path),
        # Registering a request key makes every later request of the party need a signature the fuzzer cannot
        # make (that is the point of it): tests/api/test_signed_requests.py covers those routes instead.
        "--exclude-path-regex",
        "^/v1/request-keys",
        "-H",
        f"Authorization: Bearer {keys[role]}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
