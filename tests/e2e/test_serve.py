"""`scf serve` as a subprocess against anvil: the story over HTTP, then `scf reconcile` finds no difference."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import httpx

from scf_ledger.domain.constants import UNIT
from tests.utils.served import scf, served_on_node, story_served


def test_serve_on_a_real_node_then_reconcile(tmp_path: Path) -> None:
    with served_on_node(tmp_path) as served, httpx.Client(base_url=served.base, timeout=60) as http:
        _story(http, served.admin_key)
        result = served.reconcile()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in served.stderr[0], served.stderr[0]


def _story(http: httpx.Client, platform_key: str) -> None:
    def post(key: str, path: str, body: object = None) -> dict:
        response = http.post(
            path, json=body, headers={"Authorization": f"Bearer {key}", "Idempotency-Key": secrets.token_hex(8)}
        )
        assert response.status_code == 201, response.text
        return response.json()

    keys, addresses = {}, {}
    for name, kind in [
        ("gate", "gateway"),
        ("tier1", "supplier"),
        ("tier2", "supplier"),
        ("bank", "financier"),
        ("buyer", "obligor"),
    ]:
        served_by = {"gateway": addresses["gate"]} if kind == "obligor" else {}
        body = post(platform_key, "/v1/participants", {"kind": kind, "name": name, **served_by})
        keys[name], addresses[name] = body["api_key"], body["address"]
    placed = post(
        keys["gate"],
        "/v1/orders",
        {
            "buyer": addresses["buyer"],
            "supplier": addresses["tier1"],
            "principal": str(1_200 * UNIT),
            "installments": 3,
            "fee_bps": 100,
            "document_hash": "0x" + secrets.token_hex(32),
            "profile": {"age": 40, "monthly_income": str(3_000 * UNIT), "employment_months": 30},
        },
    )
    assert placed["status"] == "approved", placed
    first = post(keys["gate"], f"/v1/orders/{placed['id']}/confirm")["token_ids"][0]
    post(keys["tier1"], f"/v1/receivables/{first}/transfers", {"to": addresses["tier2"], "units": str(100 * UNIT)})
    post(platform_key, "/v1/cash", {"to": addresses["bank"], "amount": str(1_000 * UNIT)})
    offer = post(
        keys["bank"],
        "/v1/offers",
        {"receivable_id": first, "rate_bps": 900, "max_units": str(300 * UNIT), "expiry": str(2**40)},
    )
    sale = post(keys["tier1"], "/v1/financing-requests", {"offer_id": offer["id"], "units": str(200 * UNIT)})
    assert int(sale["price"]) < 200 * UNIT
    post(keys["gate"], "/v1/repayments", {"receivable_id": first, "full": True})
    for who in ("tier1", "tier2", "bank"):
        assert int(post(keys[who], "/v1/claims")["total"]) > 0


def test_readme_curl_story_runs_as_written(tmp_path: Path) -> None:
    """scripts/api-story.sh is the README's API story: it must work against a fresh `scf serve`."""
    with story_served(tmp_path) as (base, admin_key, printed):
        port = base.rsplit(":", 1)[1]
        assert '"status": "repaid"' in printed and '"title": "Overpayment"' in printed
        cli = ["parties", "--api-url", f"http://127.0.0.1:{port}"]
        made = scf(
            "parties",
            "create",
            "--api-url",
            f"http://127.0.0.1:{port}",
            "--api-key",
            admin_key.read_text().strip(),
            "--kind",
            "supplier",
            "--name",
            "Tier-9",
            "--json",
        )
        assert made.returncode == 0, made.stderr
        assert json.loads(made.stdout)["api_key"].startswith("scf_")
        listed = scf(
            "parties", "list", "--api-url", f"http://127.0.0.1:{port}", "--api-key", admin_key.read_text().strip()
        )
        assert "Tier-9" in listed.stdout and "platform" in listed.stdout
        refused = scf(*cli[:1], "list", *cli[1:], "--api-key", "scf_wrong")
        assert refused.returncode == 1 and refused.stderr.startswith("scf parties: Unauthorized")
        report = ["report", "--api-url", f"http://127.0.0.1:{port}", "--api-key", admin_key.read_text().strip()]
        aging = scf(report[0], "aging", *report[1:], "--csv")
        assert aging.returncode == 0 and aging.stdout.splitlines()[0] == "bucket,receivables,outstanding"
        flows = json.loads(scf(report[0], "cashflow", *report[1:], "--json").stdout)
        assert next(r["month"] for r in flows) == "overdue" and sum(int(r["amount"]) for r in flows) > 0
        table = scf(report[0], "cashflow", *report[1:]).stdout
        assert "cashflow (sUSD)" in table and "overdue" in table and "defaulted" in table
        bad = scf("report", "aging", "--api-url", f"http://127.0.0.1:{port}", "--api-key", "scf_wrong")
        assert (
            bad.returncode == 1 and bad.stderr.strip() == "scf report: Unauthorized: this API key is unknown or revoked"
        )
