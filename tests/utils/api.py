"""The API under test, in-process through FastAPI's TestClient (or over HTTP to a served one, without the
runtime): calls by party name, and an order factory."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx

from scf_ledger.domain.constants import UNIT
from scf_ledger.services.runtime import Runtime


@dataclass
class Api:
    client: httpx.Client  # a TestClient in process
    service: Runtime  # a test over HTTP passes None and never reads it
    keys: dict[str, str] = field(default_factory=dict)  # party name -> API key
    addresses: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, who: str | None, json: Any = None, **headers: str) -> Any:
        if who is not None:
            headers["Authorization"] = f"Bearer {self.keys[who]}"
        return self.client.request(method, path, json=json, headers=headers)

    def ok(self, method: str, path: str, who: str, json: Any = None, **headers: str) -> Any:
        response = self.call(method, path, who, json, **headers)
        assert response.status_code < 300, response.text
        return response.json()

    def register(self, name: str, kind: str, gateway: str = "gate") -> str:
        """Registers a party; an obligor is served by the gateway named `gateway`."""
        request = {"kind": kind, "name": name}
        if kind == "obligor":
            request["gateway"] = self.addresses[gateway]
        body = self.ok("POST", "/v1/participants", "platform", request)
        self.keys[name], self.addresses[name] = body["api_key"], body["address"]
        return body["address"]


# A thin file (band D, score 503): the scorecard sends a 300 sUSD order to review.
THIN_FILE = {
    "age": 25,
    "monthly_income": str(4_000 * UNIT),
    "employment_months": 60,
    "credit_history": "all_paid_here",
    "savings": "lt_100",
    "checking_account": "overdrawn",
}


GOOD_FILE = {"age": 41, "monthly_income": str(4_000 * UNIT), "employment_months": 60}  # the scorecard approves


def doc() -> str:
    return "0x" + secrets.token_hex(32)


def order(api: Api, buyer: str = "buyer", principal: int = 2_400 * UNIT, **extra: object) -> dict:
    return api.ok("POST", "/v1/orders", "gate", order_body(api, buyer, principal, **extra))


def order_body(api: Api, buyer: str = "buyer", principal: int = 2_400 * UNIT, **extra: object) -> dict:
    """An order of `buyer` from tier1 with a fresh document; `extra` replaces or adds fields."""
    return {
        "buyer": api.addresses[buyer],
        "supplier": api.addresses["tier1"],
        "principal": str(principal),
        "installments": 3,
        "fee_bps": 100,
        "document_hash": doc(),
        "profile": GOOD_FILE,
        "login_hour": 14,
        **extra,
    }
