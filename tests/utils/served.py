"""`scf serve` as a subprocess for the end-to-end tests: on its own anvil, or on the embedded chain after the
README's curl story."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from scf_ledger.chain.anvil import free_port
from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.connection import connect
from scf_ledger.chain.keys import deployer_account
from tests.utils.api import Api
from tests.utils.nodes import TEST_NODE

ROOT = Path(__file__).resolve().parents[2]


def scf(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scf_ledger.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        **kw,
    )  # type: ignore[call-overload]


def wait_healthy(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/v1/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} did not become healthy in {timeout:.0f} s")


@dataclass
class Served:
    """`scf serve` running against its own anvil, with what a test needs to talk to both."""

    base: str
    admin_key: str
    node_url: str
    deployment: Path
    db_url: str
    stderr: list[str]

    def reconcile(self) -> subprocess.CompletedProcess[str]:
        return scf(
            "reconcile", "--rpc-url", self.node_url, "--deployment", str(self.deployment), "--db-url", self.db_url
        )


@contextlib.contextmanager
def served_on_node(tmp_path: Path, **settings: str) -> Iterator[Served]:
    """A node (anvil, or SCF_TEST_NODE's), `scf deploy`, then `scf serve` on it as a subprocess, with `settings` as
    SCF_* variables; stopped on exit (its stderr kept)."""
    with TEST_NODE.start() as node:
        deployment, admin_key = tmp_path / "deployment.json", tmp_path / "admin.key"
        db_url = f"sqlite:///{tmp_path / 'scf.sqlite'}"
        assert scf("deploy", "--rpc-url", node.url, "--out", str(deployment)).returncode == 0
        port = free_port()
        args = ["--rpc-url", node.url, "--deployment", str(deployment), "--db-url", db_url]
        args += ["--admin-key-file", str(admin_key), "--port", str(port)]
        server = subprocess.Popen(
            [sys.executable, "-m", "scf_ledger.cli.main", "serve", *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **{f"SCF_{k.upper()}": v for k, v in settings.items()}},
        )
        served = Served(f"http://127.0.0.1:{port}", "", node.url, deployment, db_url, [])
        try:
            wait_healthy(served.base)
            served.admin_key = admin_key.read_text().strip()
            yield served
        finally:
            server.terminate()
            _, err = server.communicate(timeout=30)
            served.stderr.append(err)


@dataclass
class Embedded:
    """`scf serve` on a fresh embedded chain, as a subprocess."""

    base: str
    admin_key: str
    process: subprocess.Popen[str]


@contextlib.contextmanager
def serving_embedded(admin_key: Path) -> Iterator[Embedded]:
    """A fresh `scf serve` on the embedded chain, healthy, its platform key written to `admin_key`; stopped on
    exit."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "scf_ledger.cli.main", "serve", "--admin-key-file", str(admin_key), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # a long run's log would fill a pipe nobody reads and stall the server
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base)
        yield Embedded(base, admin_key.read_text().strip(), server)
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextlib.contextmanager
def story_served(tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """A fresh `scf serve` on the embedded chain after the README's curl story (scripts/api-story.sh);
    yields its base URL, the admin key file and what the story printed."""
    admin_key = tmp_path / "admin.key"
    with serving_embedded(admin_key) as served:
        base = served.base
        env = {"PATH": "/usr/bin:/bin", "API": base, "ADMIN_KEY_FILE": str(admin_key)}
        story = subprocess.run(
            ["bash", str(ROOT / "scripts" / "api-story.sh")], capture_output=True, text=True, timeout=300, env=env
        )
        assert story.returncode == 0, story.stdout + story.stderr
        yield base, admin_key, story.stdout


class Server:
    """`scf serve` on a node and a database, started and killed at will."""

    def __init__(
        self, node_url: str, deployment: Path, db_url: str, key_file: Path, env: dict[str, str] | None = None
    ) -> None:
        self.env = env or {}
        self.args = ["--rpc-url", node_url, "--deployment", str(deployment), "--db-url", db_url]
        self.args += ["--admin-key-file", str(key_file), "--port", str(free_port())]
        self.base = f"http://127.0.0.1:{self.args[-1]}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "scf_ledger.cli.main", "serve", *self.args]
        # The default job off: the default route's case moves the clock past every installment's default date.
        env = {**os.environ, "SCF_AUTO_DEFAULT": "false", **self.env}
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_healthy(self.base)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def deployed(node_url: str, folder: Path) -> tuple[ScfChain, Path]:
    """The contracts deployed to a node, with the deployment file a server reads."""
    w3 = connect(node_url)
    chain = ScfChain.deploy_new(w3, deployer_account(w3, None))
    deployment = folder / "deployment.json"
    chain.deployment.write(deployment)
    return chain, deployment


def story_api(server: Server, key_file: Path) -> Api:
    """A started server's API as its platform, with the story's gateway, two suppliers and a financier."""
    admin = key_file.read_text().strip()
    api = Api(httpx.Client(base_url=server.base, timeout=120), None, {"platform": admin})  # type: ignore[arg-type]
    for name, kind in [("gate", "gateway"), ("tier1", "supplier"), ("tier2", "supplier"), ("bank", "financier")]:
        api.register(name, kind)
    return api
