"""`scf admin …`: the operator's desk against a running `scf serve`, with the platform's key. Each command is
one request; its answer is printed as JSON, a refusal as one line with exit status 1."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from scf_ledger.cli.http import add_api_arguments, api_call
from scf_ledger.errors import ConfigurationError

Request = tuple[str, str, dict[str, Any] | None]  # method, path, body


def _query(args: argparse.Namespace, names: tuple[str, ...]) -> str:
    given = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    return "?" + urlencode(given) if given else ""


def _review(args: argparse.Namespace) -> Request:
    if args.order is None:
        return "GET", "/v1/reviews", None
    if not (args.approve or args.decline):
        raise ConfigurationError(f"say --approve or --decline for order {args.order}")
    body: dict[str, Any] = {"decision": "approve" if args.approve else "decline", "reason": args.reason}
    body |= {k: getattr(args, k) for k in ("principal", "limit") if getattr(args, k) is not None}
    return "POST", f"/v1/orders/{quote(args.order)}/review", body


def _blacklist(args: argparse.Namespace) -> Request:
    if args.action == "list":
        return "GET", "/v1/blacklist", None
    if args.action == "add":
        return "POST", "/v1/blacklist", {"kind": args.kind, "value": args.value, "reason": args.reason}
    return (
        "DELETE",
        f"/v1/blacklist/{args.kind}/{quote(args.value, safe='')}?{urlencode({'reason': args.reason})}",
        None,
    )


TERMS = ("grace_days", "penalty_bps_per_day", "default_days", "interest_free_days", "max_fee_bps")


def _terms(args: argparse.Namespace, current: Callable[[], dict[str, Any]]) -> Request:
    changed = {name: getattr(args, name) for name in TERMS if getattr(args, name) is not None}
    if not changed:
        return "GET", "/v1/terms", None
    return "POST", "/v1/terms", {**{k: current()[k] for k in TERMS}, **changed, "reason": args.reason}


def _request(args: argparse.Namespace) -> Request:
    command = args.admin_command
    if command == "review":
        return _review(args)
    if command == "default":
        return "POST", f"/v1/receivables/{args.receivable}/default", {"reason": args.reason}
    if command == "blacklist":
        return _blacklist(args)
    if command == "freeze":
        return "POST", f"/v1/obligors/{args.obligor}/freeze", {"frozen": not args.unfreeze, "reason": args.reason}
    if command == "pause":
        return "POST", "/v1/system/pause", {"paused": not args.unpause, "reason": args.reason}
    if command == "fees":
        return "POST", "/v1/fees/withdrawals", {"to": args.to} if args.to else {}
    if command == "sweep":
        return "POST", f"/v1/receivables/{args.receivable}/sweep", {"to": args.to} if args.to else {}
    if command == "terms":
        return _terms(args, lambda: api_call(args, "GET", "/v1/terms").json())
    return "GET", "/v1/audit" + _query(args, ("actor", "action", "subject", "since", "until", "limit", "format")), None


def _cmd_admin(args: argparse.Namespace) -> int:
    method, path, body = _request(args)
    response = api_call(args, method, path, body)
    if response.headers.get("content-type", "").startswith("text/csv"):
        print(response.text, end="")
    else:
        print(json.dumps(response.json(), indent=2))
    return 0


def add_admin_parser(sub: Any) -> None:
    p = sub.add_parser("admin", help="the operator's desk against a running `scf serve` (the platform's key)")
    admin = p.add_subparsers(dest="admin_command", required=True)

    def command(name: str, text: str, *, reasoned: bool = True) -> argparse.ArgumentParser:
        """A subcommand with the API's arguments and, for an action the audit log records, its --reason."""
        q: argparse.ArgumentParser = admin.add_parser(name, help=text)
        add_api_arguments(q, "the platform's")
        if reasoned:
            q.add_argument("--reason", default="MANUAL", help="why, for the audit log")
        q.set_defaults(func=_cmd_admin)
        return q

    q = command("review", "list the orders in review, or approve or decline one")
    q.add_argument("order", nargs="?", help="the order's id (none: list the queue)")
    decision = q.add_mutually_exclusive_group()
    decision.add_argument("--approve", action="store_true")
    decision.add_argument("--decline", action="store_true")
    q.add_argument("--principal", help="approve a lower amount (base units)")
    q.add_argument("--limit", help="on a lower line than recommended (base units)")

    q = command("default", "mark an installment Defaulted (due + the default days passed)")
    q.add_argument("receivable", help="its token id")

    q = command("blacklist", "list, add or remove an address, device id or document hash")
    q.add_argument("action", choices=["list", "add", "remove"])
    q.add_argument("--kind", choices=["address", "device", "document"], default="address")
    q.add_argument("--value", default="", help="the address, device id or document hash")

    q = command("freeze", "freeze (or --unfreeze) an obligor's line")
    q.add_argument("obligor", help="its address")
    q.add_argument("--unfreeze", action="store_true")

    q = command("pause", "pause (or --unpause) ledger and market")
    q.add_argument("--unpause", action="store_true")

    q = command("fees", "withdraw the accrued fees", reasoned=False)
    q.add_argument("--to", help="an address other than the platform's")

    q = command("sweep", "sweep a repaid receivable's rounding dust", reasoned=False)
    q.add_argument("receivable", help="its token id")
    q.add_argument("--to", help="an address other than the platform's")

    q = command("terms", "show the terms, or set the ones given (the others kept)")
    for name in TERMS:
        q.add_argument("--" + name.replace("_", "-"), dest=name, type=int)

    q = command("audit", "the audit log, newest first", reasoned=False)
    for name in ("actor", "action", "subject", "since", "until", "limit"):
        q.add_argument("--" + name)
    q.add_argument("--format", choices=["json", "csv"])
