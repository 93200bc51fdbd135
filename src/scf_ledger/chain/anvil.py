"""Starts and stops a local development node on a free loopback port: anvil (npm `@foundry-rs/anvil-linux-amd64`)
or Hardhat's (npm `hardhat` 2.x, its EDR engine), the second EVM implementation the chain-facing tests run on."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from web3 import HTTPProvider, Web3

from scf_ledger.chain.errors import ChainError
from scf_ledger.paths import project_root


def anvil_binary() -> Path:
    path = project_root() / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
    if not path.exists():
        raise ChainError(f"anvil is not installed at {path}: run `make install` (npm ci)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(w3: Web3) -> bool:
    try:
        return bool(w3.is_connected())
    except Exception:  # not listening yet
        return False


def hardhat_binary() -> Path:
    path = project_root() / "node_modules" / ".bin" / "hardhat"
    if not path.exists():
        raise ChainError(f"hardhat is not installed at {path}: run `make install` (npm ci)")
    return path


class AnvilNode:
    """`with AnvilNode.start() as node: ... node.url`; the process is stopped on exit."""

    name = "anvil"

    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        self.process = process
        self.url = url

    @classmethod
    def command(cls, port: int, state: Path | None) -> list[str]:
        args = [str(anvil_binary()), "--host", "127.0.0.1", "--port", str(port), "--silent"]
        return args + (["--state", str(state)] if state is not None else [])

    @classmethod
    def start(cls, port: int | None = None, state: Path | None = None, timeout: float = 20.0) -> AnvilNode:
        port = port or free_port()
        process = subprocess.Popen(
            cls.command(port, state), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=project_root()
        )
        url = f"http://127.0.0.1:{port}"
        w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 2}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                err = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise ChainError(f"{cls.name} exited at start: {err.strip()[:300]}")
            if _answers(w3):
                return cls(process, url)
            time.sleep(0.05)
        process.kill()
        raise ChainError(f"{cls.name} did not answer on {url} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.process.stderr:
            self.process.stderr.close()

    def __enter__(self) -> AnvilNode:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class HardhatNode(AnvilNode):
    """Hardhat's node (`hardhat.config.js` at the project's root: chain id 31337, anvil's development accounts,
    automining): `with HardhatNode.start() as node: ...`."""

    name = "hardhat"

    @classmethod
    def command(cls, port: int, state: Path | None) -> list[str]:
        if state is not None:
            raise ChainError("Hardhat's node keeps no state between runs")
        return [str(hardhat_binary()), "node", "--hostname", "127.0.0.1", "--port", str(port)]


NODES: dict[str, type[AnvilNode]] = {"anvil": AnvilNode, "hardhat": HardhatNode}
