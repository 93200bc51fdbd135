"""The CLI's client of a running `scf serve`: one request, an error answer as one readable line."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from scf_ledger.errors import ConfigurationError

if TYPE_CHECKING:
    import httpx


def add_api_arguments(parser: argparse.ArgumentParser, whose: str) -> None:
    parser.add_argument("--api-url", help="the API's base URL (or SCF_API_URL); http://127.0.0.1:8000 by default")
    parser.add_argument("--api-key", help=f"{whose} API key (or SCF_API_KEY)")


def api_call(args: argparse.Namespace, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    """One request to a running `scf serve`; a refused connection or an error answer is one line (the problem's
    title and detail, and the contract's error where the chain refused)."""
    import httpx

    api_url = (args.api_url or os.environ.get("SCF_API_URL") or "http://127.0.0.1:8000").rstrip("/")
    api_key = args.api_key or os.environ.get("SCF_API_KEY")
    if not api_key:
        raise ConfigurationError("needs --api-key or SCF_API_KEY (a key from `scf serve` or `scf parties create`)")
    try:
        response = httpx.request(
            method, f"{api_url}{path}", json=body, headers={"Authorization": f"Bearer {api_key}"}, timeout=120
        )
    except httpx.TransportError as exc:
        raise ConfigurationError(f"no scf API answers at {api_url}: {exc}") from None
    if response.status_code >= 400:
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        raise ConfigurationError(f"{payload.get('title', 'error')}: {payload.get('detail', response.text)}")
    return response
