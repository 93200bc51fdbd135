"""Compiles the contracts with py-solc-x, through npm's solc-js (scripts/solc.js) unless a native solc of
the same version is on PATH. Settings come from foundry.toml, so forge and Python build the same bytecode.
Artifacts are cached under build/ by a hash of the sources, the settings and the compiler version."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import solcx

from scf_ledger.errors import CompilationError, ConfigurationError
from scf_ledger.paths import build_dir, contracts_dir, project_root

DEPLOYABLE = ("SettlementToken", "ParticipantRegistry", "LedgerAdjustments", "ReceivableLedger", "FinancingMarket")


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str


@dataclass(frozen=True)
class CompilerSettings:
    solc_binary: Path
    solc_version: str
    optimizer_runs: int
    evm_version: str

    def standard_settings(self) -> dict[str, Any]:
        return {
            "optimizer": {"enabled": True, "runs": self.optimizer_runs},
            "evmVersion": self.evm_version,
            "outputSelection": {
                "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]},
            },
        }


def _version_of(binary: Path | str) -> str:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("Version:"):
            return line.split()[1].split("+")[0]
    raise ConfigurationError(f"cannot read the version of solc at {binary}: {out!r}")


@cache
def compiler_settings() -> CompilerSettings:
    root = project_root()
    shim = root / "scripts" / "solc.js"
    if not (root / "node_modules" / "solc").is_dir():
        raise ConfigurationError("node_modules/solc is missing: run `make install` (npm ci) first")
    profile = tomllib.loads((root / "foundry.toml").read_text())["profile"]["default"]
    wanted = _version_of(shim)
    binary: Path = shim
    native = shutil.which("solc")
    if native and _version_of(native) == wanted:
        binary = Path(native)
    return CompilerSettings(
        solc_binary=binary,
        solc_version=wanted,
        optimizer_runs=int(profile["optimizer_runs"]),
        evm_version=str(profile["evm_version"]),
    )


def _sources() -> dict[str, str]:
    root = project_root()
    files = sorted(p for p in contracts_dir().rglob("*.sol") if "test" not in p.relative_to(root).parts)
    return {p.relative_to(root).as_posix(): p.read_text() for p in files}


def _cache_key(sources: dict[str, str], settings: CompilerSettings) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(sources, sort_keys=True).encode())
    digest.update(json.dumps(settings.standard_settings(), sort_keys=True).encode())
    digest.update(settings.solc_version.encode())
    lock = project_root() / "package-lock.json"
    if lock.exists():
        digest.update(lock.read_bytes())
    return digest.hexdigest()


def compile_contracts(force: bool = False) -> dict[str, Artifact]:
    """All contract artifacts by name, compiled only when sources or settings changed."""
    settings = compiler_settings()
    sources = _sources()
    key = _cache_key(sources, settings)
    cache_file = build_dir() / "artifacts.json"
    if not force and cache_file.exists():
        cached = json.loads(cache_file.read_text())
        if cached.get("key") == key:
            return {name: Artifact(**a) for name, a in cached["artifacts"].items()}

    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": settings.standard_settings(),
    }
    try:
        output = solcx.compile_standard(standard_input, solc_binary=settings.solc_binary, base_path=str(project_root()))
    except solcx.exceptions.SolcError as exc:
        raise CompilationError(f"contracts do not compile:\n{exc.message}") from exc
    artifacts: dict[str, Artifact] = {}
    for contracts in output["contracts"].values():
        for name, out in contracts.items():
            artifacts[name] = Artifact(
                name=name,
                abi=out["abi"],
                bytecode="0x" + out["evm"]["bytecode"]["object"],
                deployed_bytecode="0x" + out["evm"]["deployedBytecode"]["object"],
            )
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    payload = {"key": key, "artifacts": {n: a.__dict__ for n, a in artifacts.items()}}
    tmp = cache_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload))
    tmp.replace(cache_file)
    return artifacts


def abi_hash(abi: list[dict[str, Any]]) -> str:
    return "0x" + hashlib.sha256(json.dumps(abi, sort_keys=True).encode()).hexdigest()
