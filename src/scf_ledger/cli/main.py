"""The `scf` command: compile, deploy, demo, bench, db, index, reconcile, serve, and the clients of a running
server (parties, report, admin)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scf_ledger.cli.admin import add_admin_parser
from scf_ledger.cli.http import add_api_arguments, api_call
from scf_ledger.cli.risk import add_risk_parser
from scf_ledger.cli.statement import add_statement_parser
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


def _cmd_db(args: argparse.Namespace) -> int:
    from scf_ledger.store.db import database_url, upgrade

    url = database_url(args.db_url)
    upgrade(url)
    print(f"schema of {_redact(url)} is up to date")
    return 0


def _redact(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _open_store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from scf_ledger.chain.client import ScfChain
    from scf_ledger.chain.connection import connect
    from scf_ledger.chain.deploy import Deployment
    from scf_ledger.store.db import database_url, make_engine, require_current_schema, session_factory

    if not args.rpc_url:
        raise ConfigurationError(
            "needs --rpc-url: an embedded chain lives inside one process (`scf serve`), a real node is shared"
        )
    deployment = Deployment.read(Path(args.deployment))
    chain = ScfChain(connect(args.rpc_url), deployment)
    engine = make_engine(database_url(args.db_url))
    require_current_schema(engine)
    return chain, session_factory(engine)


def _cmd_index(args: argparse.Namespace) -> int:
    import logging

    from scf_ledger.store.indexer import Indexer

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("scf_ledger").setLevel(logging.INFO)
    chain, sessions = _open_store(args)
    indexer = Indexer(
        chain.w3,
        chain.deployment,
        chain.artifacts,
        sessions,
        confirmations=args.confirmations,
        batch_blocks=args.batch_blocks,
        run=chain.sender.run,
        pause_per_event=args.pause_per_event_ms / 1000,
    )
    indexer.ensure_chain()
    if args.until_synced:
        indexer.run_until_synced()
        print(f"indexed {indexer.stats.events} events in {indexer.stats.blocks} blocks")
        return 0
    indexer.run_forever(interval=args.interval)
    return 0


def _cmd_reconcile(args: argparse.Namespace) -> int:
    from scf_ledger.chain.gateways import Gateways
    from scf_ledger.store.indexer.reconcile import reconcile

    chain, sessions = _open_store(args)
    diffs = reconcile(Gateways.of(chain), sessions)
    if args.json:
        print(json.dumps({"differences": [d.as_dict() for d in diffs]}, indent=2))
    else:
        for d in diffs:
            print(f"{d.what:<14} {d.key:<60} database={d.database} chain={d.chain}")
        print(f"{len(diffs)} difference(s)")
    return 1 if diffs else 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn
    from pydantic import ValidationError

    from scf_ledger.api.main import create_app
    from scf_ledger.config import Settings
    from scf_ledger.services.runtime import Runtime

    overrides = {
        k: v
        for k, v in {
            "rpc_url": args.rpc_url,
            "db_url": args.db_url,
            "deployment": args.deployment,
            "admin_key_file": args.admin_key_file,
            "private_key_file": args.private_key_file,
        }.items()
        if v is not None
    }
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise ConfigurationError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    if args.workers > 1:
        _check_workers(settings)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    service = Runtime.open(settings)
    where = "a fresh embedded chain" if service.embedded else settings.rpc_url
    print(f"scf serve: chain {service.chain.deployment.chain_id} ({where}), database {_redact(service.db_url)}")
    if service.admin_key:
        if settings.admin_key_file:
            path = Path(settings.admin_key_file)
            path.write_text(service.admin_key + "\n")
            path.chmod(0o600)
            print(f"platform API key written to {path} (shown once)")
        else:
            print(f"platform API key (shown once): {service.admin_key}")
    print(f"API on http://{args.host}:{args.port}/v1, docs at http://{args.host}:{args.port}/docs", flush=True)
    if args.workers == 1:
        uvicorn.run(create_app(service), host=args.host, port=args.port, log_level="warning")
        return 0
    service.close()  # migrated and bootstrapped: each worker opens its own, from the same settings
    os.environ.update({f"SCF_{k.upper()}": str(v) for k, v in overrides.items()})
    factory = "scf_ledger.api.asgi:app_from_environment"
    uvicorn.run(factory, factory=True, workers=args.workers, host=args.host, port=args.port, log_level="warning")
    return 0


def _check_workers(settings: Any) -> None:
    from scf_ledger.store.db import database_url

    if settings.rpc_url is None:
        raise ConfigurationError("--workers needs --rpc-url: an embedded chain lives in one process")
    if not database_url(settings.db_url).startswith("postgresql"):
        raise ConfigurationError("--workers needs PostgreSQL (--db-url postgresql://…): SQLite serves one process")


def _cmd_parties(args: argparse.Namespace) -> int:
    if args.parties_command == "create":
        body = {"kind": args.kind, "name": args.name}
        body |= {field: getattr(args, field) for field in ("address", "gateway") if getattr(args, field)}
        payload = api_call(args, "POST", "/v1/participants", body).json()
    else:
        payload = api_call(args, "GET", "/v1/participants").json()
    if args.json:
        print(json.dumps(payload, indent=2))
    elif args.parties_command == "create":
        print(
            f"{payload['kind']} {payload['name']} at {payload['address']}; API key (shown once): {payload['api_key']}"
        )
    else:
        for p in payload["items"]:
            print(f"{p['kind']:<10} {p['address']}  {p['name']}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from scf_ledger.domain.money import format_units

    path = f"/v1/reports/{args.report}"
    if args.csv:
        print(api_call(args, "GET", path + "?format=csv").text, end="")
        return 0
    items = api_call(args, "GET", path).json()["items"]
    if args.json:
        print(json.dumps(items, indent=2))
        return 0
    table = Table(title=f"{args.report} (sUSD)")
    for column in items[0] if items else []:
        table.add_column(column, justify="left" if column in ("bucket", "month") else "right")
    for row in items:
        table.add_row(*(format_units(int(v)) if k in ("outstanding", "amount") else str(v) for k, v in row.items()))
    Console().print(table)
    return 0


BENCH_SECTIONS = ("gas", "risk", "valuation", "sender", "throughput", "indexer", "api", "reads", "writes")


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
    own_anvil = args.anvil or (args.quick and not args.rpc_url)  # --quick measures on an anvil of its own
    results = run_bench(
        sections, rpc_url=args.rpc_url, own_anvil=own_anvil, quick=args.quick, pg_url=args.pg_url, log=console.print
    )
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

    p = sub.add_parser("bench", help="gas, risk engine, indexer, API overhead and throughput, side by side")
    p.add_argument("--rpc-url", help="JSON-RPC node; the embedded chain when omitted")
    p.add_argument("--anvil", action="store_true", help="start and stop an anvil node of our own for the run")
    p.add_argument(
        "--quick", action="store_true", help="smaller samples, on an anvil of its own unless --rpc-url is given"
    )
    p.add_argument("--only", help=f"comma-separated sections of {', '.join(BENCH_SECTIONS)}")
    p.add_argument(
        "--pg-url",
        help="PostgreSQL: the indexer is measured into this (empty) database; api and writes into new ones beside it",
    )
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    p.set_defaults(func=_cmd_bench)

    p = sub.add_parser("serve", help="run the REST API (and its indexer)")
    p.add_argument("--rpc-url", help="JSON-RPC node; a fresh embedded chain (deployed at start) when omitted")
    p.add_argument("--deployment", help="deployment file, with --rpc-url (default deployment.json)")
    p.add_argument("--db-url", help="SQLAlchemy URL (or SCF_DB_URL); a temporary SQLite file with the embedded chain")
    p.add_argument("--admin-key-file", help="write the platform's API key here on first start (else printed)")
    p.add_argument("--private-key-file", help="the platform's signing key on a real node (or SCF_DEPLOYER_KEY)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL and a node only)")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("parties", help="manage parties through a running `scf serve`")
    parties = p.add_subparsers(dest="parties_command", required=True)
    for name in ("create", "list"):
        q = parties.add_parser(name, help=f"{name} parties")
        add_api_arguments(q, "the platform's")
        q.add_argument("--json", action="store_true", help="print the API's JSON")
        q.set_defaults(func=_cmd_parties)
        if name == "create":
            q.add_argument("--kind", required=True, choices=["gateway", "supplier", "financier", "obligor"])
            q.add_argument("--name", required=True)
            q.add_argument("--address", help="the party's own address, if it signs for itself")
            q.add_argument("--gateway", help="an obligor's: the address of the gateway that serves it")

    p = sub.add_parser("report", help="the calling party's aging or cash-flow report from a running `scf serve`")
    p.add_argument("report", choices=["aging", "cashflow"])
    add_api_arguments(p, "your")
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print the rows as JSON")
    shape.add_argument("--csv", action="store_true", help="print the rows as CSV")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("db", help="database schema")
    db = p.add_subparsers(dest="db_command", required=True)
    up = db.add_parser("upgrade", help="apply the migrations (Alembic) up to the latest")
    up.add_argument("--db-url", help="SQLAlchemy URL (or SCF_DB_URL); a SQLite file scf-ledger.sqlite by default")
    up.set_defaults(func=_cmd_db)

    for name, func, text in (
        ("index", _cmd_index, "follow the contracts' events into the database"),
        ("reconcile", _cmd_reconcile, "compare the database with the contracts' views; exit 1 on a difference"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--rpc-url", help="JSON-RPC node")
        p.add_argument("--deployment", default="deployment.json", help="deployment file from `scf deploy --out`")
        p.add_argument("--db-url", help="SQLAlchemy URL (or SCF_DB_URL); a SQLite file scf-ledger.sqlite by default")
        p.set_defaults(func=func)
        if name == "index":
            p.add_argument("--confirmations", type=int, default=0, help="blocks to wait before indexing one")
            p.add_argument("--batch-blocks", type=int, default=200, help="blocks per database transaction")
            p.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
            p.add_argument("--until-synced", action="store_true", help="exit once the confirmed head is indexed")
            p.add_argument("--pause-per-event-ms", type=float, default=0.0, help=argparse.SUPPRESS)
        else:
            p.add_argument("--json", action="store_true", help="print the differences as JSON")

    add_risk_parser(sub)
    add_admin_parser(sub)
    add_statement_parser(sub)

    p = sub.add_parser("demo", help="run the whole story on the embedded chain")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
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
