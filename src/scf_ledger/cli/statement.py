"""`scf statement --date YYYY-MM-DD`: a party's daily statement from a running `scf serve` (its own key), as
JSON, or as the CSV whose SHA-256 the statement gives (checked here before it is written)."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from scf_ledger.cli.http import add_api_arguments, api_call
from scf_ledger.errors import ConfigurationError


def cmd_statement(args: argparse.Namespace) -> int:
    query = f"?party={args.party}" if args.party else ""
    path = f"/v1/statements/{args.date}{query}"
    if args.format == "json":
        text = json.dumps(api_call(args, "GET", path).json(), indent=2) + "\n"
    else:
        answer = api_call(args, "GET", path + ("&" if query else "?") + "format=csv")
        told = answer.headers.get("x-content-sha256", "")
        if hashlib.sha256(answer.content).hexdigest() != told:
            raise ConfigurationError(f"the statement's CSV does not match its SHA-256 ({told or 'none given'})")
        text = answer.text
    if args.out:
        Path(args.out).write_text(text)
    else:
        print(text, end="")
    return 0


def add_statement_parser(sub: Any) -> None:
    p = sub.add_parser("statement", help="a party's movements on one chain-time day, from a running `scf serve`")
    add_api_arguments(p, "the party's")
    p.add_argument("--date", required=True, help="YYYY-MM-DD (UTC, chain time)")
    p.add_argument("--party", help="whose (the platform may read anyone's)")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.add_argument("--out", help="write it to this file")
    p.set_defaults(func=cmd_statement)
