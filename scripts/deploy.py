#!/usr/bin/env python3
"""Thin wrapper: `python scripts/deploy.py [--rpc-url URL] [--out FILE] [--json]` is `scf deploy`."""

import sys

from scf_ledger.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["deploy", *sys.argv[1:]]))
