"""`scf bench`: every section measured in one run, on one chain, with the machine it ran on."""

from __future__ import annotations

import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from importlib.metadata import version
from pathlib import Path

from scf_ledger.chain.anvil import AnvilNode, anvil_binary
from scf_ledger.chain.compiler import compiler_settings
from scf_ledger.chain.connection import connect


def machine_facts() -> dict[str, object]:
    try:
        anvil = subprocess.run([str(anvil_binary()), "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    except Exception:  # anvil missing: report it rather than fail the benchmark
        anvil = "not installed"
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "web3": version("web3"),
        "solc": compiler_settings().solc_version,
        "anvil": anvil,
    }


def _served_section(
    section: str, rpc_url: str | None, pg_url: str | None, stack: ExitStack, quick: bool, log: Callable[[str], None]
) -> dict[str, object]:
    """A section that serves the API on a node, on a fresh deployment of its own."""
    from scf_ledger.chain.client import ScfChain
    from scf_ledger.chain.keys import deployer_account

    if rpc_url is None:
        log(f"{section}: skipped (needs a node: --anvil or --rpc-url)")
        return {}
    w3 = connect(rpc_url)
    deployment = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "deployment.json"
    ScfChain.deploy_new(w3, deployer_account(w3, None)).deployment.write(deployment)
    log(f"{section} on {rpc_url}…")
    if section == "api":
        from scf_ledger.bench.api import measure_api
        from scf_ledger.bench.writes import fsync_of, sibling_database

        db_url = sibling_database(pg_url, "api") if pg_url else None  # the durable path on PostgreSQL
        found: dict[str, object] = {"api.database": f"postgresql (fsync {fsync_of(db_url)})" if db_url else "sqlite"}
        return found | measure_api(rpc_url, deployment, samples=20 if quick else 50, db_url=db_url, log=log)
    if section == "writes":
        from scf_ledger.bench.writes import measure_writes

        if pg_url is None:
            log("writes: skipped (needs PostgreSQL: --pg-url)")
            return {}
        return measure_writes(rpc_url, deployment, pg_url, seconds=4 if quick else 8, log=log)
    from scf_ledger.bench.reads import measure_reads

    return measure_reads(rpc_url, deployment, seconds=3 if quick else 8, log=log)


def run_bench(
    sections: list[str],
    *,
    rpc_url: str | None = None,
    own_anvil: bool = False,
    quick: bool = False,
    pg_url: str | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, object]:
    results: dict[str, object] = {}
    with ExitStack() as stack:
        if own_anvil and rpc_url is None:
            rpc_url = stack.enter_context(AnvilNode.start()).url
            log(f"anvil started at {rpc_url}")
        chain_name = rpc_url or "embedded chain"
        if "gas" in sections:
            from scf_ledger.bench.gas import measure_gas

            log(f"gas on {chain_name}…")
            results |= measure_gas(connect(rpc_url), holders=1_000, progress=lambda m: log(f"  {m}"))
        if "risk" in sections:
            from scf_ledger.bench.risk import measure_risk

            log("risk engine…")
            results |= measure_risk(5_000 if quick else 20_000)
        if "valuation" in sections:
            from scf_ledger.bench.valuation import measure_valuation

            log("valuation…")
            results |= measure_valuation(20_000 if quick else 100_000, 2_000 if quick else 10_000)
        if "indexer" in sections:
            from scf_ledger.bench.indexer import measure_indexer

            log(f"indexer on {chain_name}…")
            results |= measure_indexer(connect(rpc_url), purchases=10 if quick else 40, pg_url=pg_url, log=log)
        for section in ("api", "reads", "writes"):
            if section in sections:
                results |= _served_section(section, rpc_url, pg_url, stack, quick, log)
        if "throughput" in sections:
            from scf_ledger.bench.throughput import measure_throughput

            log(f"lifecycle throughput, ours against raw, on {chain_name}…")
            results |= measure_throughput(connect(rpc_url), installments=24 if quick else 96, log=log)
        if "sender" in sections:
            from scf_ledger.bench.sender import measure_sender

            log(f"sender against raw web3.py on {chain_name}…")
            results |= measure_sender(connect(rpc_url), transactions=100 if quick else 400)
    results["machine"] = machine_facts()
    return results
