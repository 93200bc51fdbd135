"""The shape of the package: domain is pure, each layer imports only the layers below it, and no module
imports itself back through another (api -> web -> api was one such cycle)."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import scf_ledger
import scf_ledger.domain

SRC = Path(scf_ledger.__file__).parent
SHARED = {"errors", "paths"}  # the exception root and the repository's paths: every layer may use them
# What each top-level part of the package may import from the others.
ALLOWED = {
    "domain": set(),
    "chain": {"domain"},
    "store": {"domain", "chain"},
    "services": {"domain", "chain", "store", "config"},
    "api": {"domain", "chain", "store", "services", "web", "config"},
    "web": {"domain", "services", "api.deps", "api.durable", "api.tabular"},  # pages write through the API's routes
}


def _modules() -> dict[str, Path]:
    return {
        "scf_ledger." + ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__"): p
        for p in SRC.rglob("*.py")
        if "migrations" not in p.parts
    }


def _imports(path: Path) -> set[str]:
    """Modules of scf_ledger that `path` imports at run time (TYPE_CHECKING blocks do not count)."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("scf_ledger"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("scf_ledger"))
    return found


def test_domain_imports_no_chain_web_or_database() -> None:
    names = [m.name for m in pkgutil.walk_packages(scf_ledger.domain.__path__, "scf_ledger.domain.")]
    assert "scf_ledger.domain.ledger" in names and "scf_ledger.domain.risk.learn.fit" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('web3', 'fastapi', 'starlette', 'sqlalchemy',"
        " 'eth_account', 'eth_tester') or m.startswith(('scf_ledger.chain', 'scf_ledger.store',"
        " 'scf_ledger.services', 'scf_ledger.api', 'scf_ledger.web'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_each_layer_imports_only_the_layers_below_it() -> None:
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        part = name.split(".")[1]
        if part not in ALLOWED:
            continue
        for target in _imports(path):
            other = target.split(".")
            if len(other) < 2 or other[1] == part or target not in modules:
                continue
            allowed = ALLOWED[part] | SHARED
            if other[1] not in allowed and ".".join(other[1:3]) not in allowed:
                wrong.append(f"{name} imports {target}")
    assert not wrong, wrong


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: {t for t in _imports(path) if t in modules and t != name} for name, path in modules.items()}
    cycles = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    # A package's __init__ that re-exports its own modules is not a cycle of behaviour.
    real = [c for c in cycles if not any(a.startswith(b + ".") or b.startswith(a + ".") for a, b in pairwise(c))]
    assert not real, real
