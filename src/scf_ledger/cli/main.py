"""The `scf` command: compile, deploy, demo."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from scf_ledger.errors import ConfigurationError, ScfError


def _cmd_compile(args: argparse.Namespace) -> int:
    from scf_ledger.chain.compiler import DEPLOYABLE, compile_contracts

    artifacts = compile_contracts(force=args.force)
    for name in DEPLOYABLE:
        size = (len(artifacts[name].deployed_bytecode) - 2) // 2
        print(f"{name:<22} {size:>6} bytes")
    return 0


def _cmd_deploy(args: argparse.Namespace) -> int:
    from scf_ledger.chain.client import ScfChain
    from scf_ledger.chain.connection import connect, dev_account, fund_gas, is_embedded
    from scf_ledger.chain.keys import deployer_account

    w3 = connect(args.rpc_url)
    if is_embedded(w3):
        deployer = dev_account("platform")
        fund_gas(w3, deployer.address)
    else:
        deployer = deployer_account(w3, args.private_key_file)
    chain = ScfChain.deploy_new(w3, deployer)
    if args.out:
        chain.deployment.write(Path(args.out))
    if args.json:
        print(chain.deployment.to_json())
    else:
        print(f"deployed on chain {chain.deployment.chain_id} at block {chain.deployment.deployment_block}")
        for name, address in chain.deployment.addresses.items():
            print(f"  {name:<22} {address}")
        if args.out:
            print(f"written to {args.out}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from scf_ledger.demo import run_demo

    return run_demo(json_out=args.json)


BENCH_SECTIONS = ("gas", "risk", "sender")


def _figure(value: object) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4f}" if value < 10 else f"{value:,.1f}"
    return str(value)


def _cmd_bench(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from scf_ledger.bench.runner import run_bench

    sections = [s.strip() for s in args.only.split(",")] if args.only else list(BENCH_SECTIONS)
    unknown = sorted(set(sections) - set(BENCH_SECTIONS))
    if unknown:
        raise ConfigurationError(
            f"unknown bench section(s) {', '.join(unknown)}; choose from {', '.join(BENCH_SECTIONS)}"
        )
    console = Console(stderr=True)
    results = run_bench(sections, rpc_url=args.rpc_url, own_anvil=args.anvil, quick=args.quick, log=console.print)
    table = Table(title="scf bench")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in results.items():
        if key != "machine":
            table.add_row(key, _figure(value))
    console.print(table)
    console.print(f"machine: {results['machine']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scf", description="Supply-chain receivables ledger")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compile", help="compile the contracts (cached by source hash)")
    p.add_argument("--force", action="store_true", help="recompile even if nothing changed")
    p.set_defaults(func=_cmd_compile)

    p = sub.add_parser("deploy", help="deploy the contracts and wire their roles")
    p.add_argument("--rpc-url", help="JSON-RPC node; the embedded chain when omitted")
    p.add_argument("--out", help="write the deployment (addresses, chain id, block, ABI hashes) here")
    p.add_argument("--json", action="store_true", help="print the deployment as JSON")
    p.add_argument(
        "--private-key-file",
        help="deployer key file on a real node (or SCF_DEPLOYER_KEY); anvil's dev account by default",
    )
    p.set_defaults(func=_cmd_deploy)

    p = sub.add_parser("bench", help="measure gas, risk engine speed and sender throughput (DESIGN §8)")
    p.add_argument("--rpc-url", help="JSON-RPC node; the embedded chain when omitted")
    p.add_argument("--anvil", action="store_true", help="start and stop an anvil node of our own for the run")
    p.add_argument("--quick", action="store_true", help="smaller samples (100 holders for the claim ratio)")
    p.add_argument("--only", help=f"comma-separated sections of {', '.join(BENCH_SECTIONS)}")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    p.set_defaults(func=_cmd_bench)

    p = sub.add_parser("demo", help="run the whole story on the embedded chain")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ScfError as exc:
        print(f"scf {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours: one line for the user, the traceback on request
        if os.environ.get("SCF_DEBUG"):
            raise
        print(
            f"scf {args.command}: internal error {type(exc).__name__}: {exc} (SCF_DEBUG=1 shows more)", file=sys.stderr
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
