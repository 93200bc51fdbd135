"""A hypothesis state machine over the main API routes: after every step, money is conserved and the
read model equals the chain (reconcile finds nothing)."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from scf_ledger.api.main import create_app
from scf_ledger.chain.connection import time_travel
from scf_ledger.config import Settings
from scf_ledger.services.runtime import Runtime
from scf_ledger.store.indexer.reconcile import reconcile

UNIT = 10**6
OUTCOMES: dict[int, int] = {}


class ApiMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory(prefix="scf-stateful-")
        db = Path(self.tmp.name) / "scf.sqlite"
        self.service = Runtime.open(Settings(db_url=f"sqlite:///{db}"))
        self.client = TestClient(create_app(self.service, background_indexing=False))
        self.client.__enter__()
        self.keys = {"platform": self.service.admin_key or ""}
        self.addresses = {"platform": self.service.platform.address}
        for name, kind in [
            ("gate", "gateway"),
            ("t1", "supplier"),
            ("t2", "supplier"),
            ("bank", "financier"),
            ("buyer", "obligor"),
        ]:
            served_by = {"gateway": self.addresses["gate"]} if kind == "obligor" else {}
            body = self.post("platform", "/v1/participants", {"kind": kind, "name": name, **served_by}).json()
            self.keys[name], self.addresses[name] = body["api_key"], body["address"]
        self.post("platform", "/v1/cash", {"to": self.addresses["bank"], "amount": str(10**6 * UNIT)})
        self.ids: list[str] = []
        self.offers: list[str] = []

    def post(self, who: str, path: str, body: object = None):  # type: ignore[no-untyped-def]
        response = self.client.post(path, json=body, headers={"Authorization": f"Bearer {self.keys[who]}"})
        OUTCOMES[response.status_code] = OUTCOMES.get(response.status_code, 0) + 1
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
        return response

    def teardown(self) -> None:
        self.client.__exit__(None, None, None)
        self.tmp.cleanup()

    @rule(principal=st.integers(3, 2_000), n=st.sampled_from([1, 3, 6]))
    def buy(self, principal: int, n: int) -> None:
        body = {
            "buyer": self.addresses["buyer"],
            "supplier": self.addresses["t1"],
            "principal": str(principal * UNIT),
            "installments": n,
            "fee_bps": 100,
            "document_hash": "0x" + secrets.token_hex(32),
            "profile": {"age": 40, "monthly_income": str(5_000 * UNIT), "employment_months": 40},
        }
        order = self.post("gate", "/v1/orders", body).json()
        if order.get("status") == "approved":
            confirmed = self.post("gate", f"/v1/orders/{order['id']}/confirm")
            if confirmed.status_code == 201:
                self.ids += confirmed.json()["token_ids"]

    @precondition(lambda self: self.ids)
    @rule(pick=st.integers(0, 10**6), units=st.integers(0, 3_000 * UNIT))
    def transfer(self, pick: int, units: int) -> None:
        self.post(
            "t1",
            f"/v1/receivables/{self.ids[pick % len(self.ids)]}/transfers",
            {"to": self.addresses["t2"], "units": str(units)},
        )

    @precondition(lambda self: self.ids)
    @rule(pick=st.integers(0, 10**6), amount=st.integers(0, 3_000 * UNIT), full=st.booleans())
    def repay(self, pick: int, amount: int, full: bool) -> None:
        body = {
            "receivable_id": self.ids[pick % len(self.ids)],
            **({"full": True} if full else {"amount": str(amount)}),
        }
        self.post("gate", "/v1/repayments", body)

    @precondition(lambda self: self.ids)
    @rule(pick=st.integers(0, 10**6), units=st.integers(1, 500 * UNIT), rate=st.integers(0, 3_000))
    def finance(self, pick: int, units: int, rate: int) -> None:
        token = self.ids[pick % len(self.ids)]
        expiry = str(self.service.chain.now() + 30 * 86_400)
        offer = self.post(
            "bank", "/v1/offers", {"receivable_id": token, "rate_bps": rate, "max_units": str(units), "expiry": expiry}
        )
        if offer.status_code == 201:
            self.post("t1", "/v1/financing-requests", {"offer_id": offer.json()["id"], "units": str(units)})

    @rule(who=st.sampled_from(["t1", "t2", "bank"]))
    def claim(self, who: str) -> None:
        self.post(who, "/v1/claims")

    @rule(days=st.integers(1, 60))
    def warp(self, days: int) -> None:
        chain = self.service.chain
        chain.sender.run(lambda: time_travel(chain.w3, chain.now() + days * 86_400))
        self.service.sync()

    @invariant()
    def money_is_conserved_and_the_database_equals_the_chain(self) -> None:
        gw = self.service.gw
        holders = [*self.addresses.values(), gw.ledger.address, gw.market.address]
        assert sum(gw.token.balance_of(a) for a in holders) == int(gw.token.contract.functions.totalSupply().call())
        self.service.sync()
        assert reconcile(self.service.gw, self.service.sessions) == []


ApiMachine.TestCase.settings = settings(
    max_examples=3, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
)
TestApiStateMachine = ApiMachine.TestCase


def test_report_generated_requests(record_property: Callable[[str, object], None]) -> None:
    """Runs after the state machine in this module: what it sent and how the API answered (never 5xx)."""
    record_property("generated_requests", dict(sorted(OUTCOMES.items())))
    assert all(status < 500 for status in OUTCOMES)
