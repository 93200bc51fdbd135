"""Who sees and moves what: SECURITY.md's visibility table, read from the file and checked cell by cell."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from scf_ledger.domain.constants import UNIT
from scf_ledger.store.models import HoldingRow
from tests.utils.api import Api, order
from tests.utils.served import ROOT

TABLE = re.compile(r"<!-- visibility-table -->\n(.*?)<!-- /visibility-table -->", re.S)


def visibility_table() -> tuple[list[str], dict[str, dict[str, str]]]:
    """SECURITY.md's table: the parties of its header, and each request's expected answer per party."""
    block = TABLE.search((ROOT / "SECURITY.md").read_text())
    assert block, "SECURITY.md has no visibility table"
    lines = [line.strip().strip("|").split("|") for line in block.group(1).strip().splitlines()]
    header = [cell.strip() for cell in lines[0]][1:]
    rows = {
        cells[0].strip().replace("`", ""): dict(zip(header, (c.strip() for c in cells[1:]), strict=True))
        for cells in lines[2:]
    }
    return header, rows


@dataclass
class World:
    """The world the table describes."""

    order_id: str
    receivable: str
    offer_id: str
    webhook_id: str  # tier1's endpoint


@pytest.fixture
def world(api: Api) -> World:
    placed = order(api, principal=300 * UNIT)
    receivable = api.ok("POST", f"/v1/orders/{placed['id']}/confirm", "gate")["token_ids"][0]
    units = api.service.gw.ledger.balance(api.addresses["tier1"], int(receivable))
    api.ok(
        "POST", f"/v1/receivables/{receivable}/transfers", "tier1", {"to": api.addresses["tier2"], "units": str(units)}
    )
    rt = api.service
    tier3 = api.addresses["tier3"]
    rt.gw.ledger.transact(rt.signer(tier3), "safeTransferFrom", tier3, tier3, int(receivable), 0, b"")
    rt.sync()
    with rt.sessions() as session:  # the indexer keeps a row for it: the row alone must not give sight
        assert session.get(HoldingRow, (int(receivable), tier3)).units == 0
    expiry = str(rt.chain.now() + 86_400)
    offer = api.ok(
        "POST",
        "/v1/offers",
        "bank",
        {"receivable_id": receivable, "rate_bps": 500, "max_units": "10", "expiry": expiry},
    )
    hook = api.ok(
        "POST", "/v1/webhooks", "tier1", {"url": "https://example.com/hook", "event_types": ["order.decided"]}
    )
    return World(placed["id"], receivable, offer["id"], hook["id"])


def _requests(api: Api, world: World) -> dict[str, tuple[str, str, dict | None]]:
    """Each row of the table as (method, path, body)."""
    r, o = world.receivable, world.offer_id
    overpay = {"receivable_id": r, "amount": str(10**30)}
    return {
        "GET /v1/orders/{R's order}": ("GET", f"/v1/orders/{world.order_id}", None),
        "GET /v1/receivables/{R}": ("GET", f"/v1/receivables/{r}", None),
        "GET /v1/receivables/{R}/lineage": ("GET", f"/v1/receivables/{r}/lineage", None),
        "GET /v1/obligors/{buyer}/credit": ("GET", f"/v1/obligors/{api.addresses['buyer']}/credit", None),
        "GET /v1/obligors/{buyer}/limit-reviews": (
            "GET",
            f"/v1/obligors/{api.addresses['buyer']}/limit-reviews",
            None,
        ),
        "GET /v1/quotes?offer_id={O}&receivable_id={R}": (
            "GET",
            f"/v1/quotes?offer_id={o}&units=1&receivable_id={r}",
            None,
        ),
        "DELETE /v1/offers/{O} (another's)": ("DELETE", f"/v1/offers/{o}", None),
        "POST /v1/repayments for R, above what is due": ("POST", "/v1/repayments", overpay),
        "GET /v1/participants": ("GET", "/v1/participants", None),
        "GET /v1/valuation/ecl": ("GET", "/v1/valuation/ecl", None),
        "GET /v1/webhooks/{W}": ("GET", f"/v1/webhooks/{world.webhook_id}", None),
        "GET /v1/webhooks/{W}/deliveries": ("GET", f"/v1/webhooks/{world.webhook_id}/deliveries", None),
        "DELETE /v1/webhooks/{W} (another's)": ("DELETE", f"/v1/webhooks/{world.webhook_id}", None),
    }


# Rows that list: (path, the ids in a 200's body, which id the row is about: "R" or "O"); a role that may
# not ask gets its status.
LISTS = {
    "GET /v1/receivables": ("/v1/receivables?limit=500", lambda body: [i["id"] for i in body["items"]], "R"),
    "GET /v1/reports/portfolio": (
        "/v1/reports/portfolio",
        lambda body: [p["token_id"] for p in body["positions"]],
        "R",
    ),
    "GET /v1/offers": ("/v1/offers", lambda body: [i["id"] for i in body["items"]], "O"),
    "GET /v1/valuation/nav": ("/v1/valuation/nav", lambda body: [i["receivable_id"] for i in body["items"]], "R"),
    "GET /v1/statements/{today}": (
        "/v1/statements/{today}",
        lambda body: [m["asset"] for m in body["items"]],
        "R",
    ),
}


def _answer(api: Api, world: World, request: str, who: str) -> str:
    """What `who` gets for one row of the table, in the table's words."""
    if request not in LISTS:
        method, path, body = _requests(api, world)[request]
        return str(api.call(method, path, who, body).status_code)
    path, ids, about = LISTS[request]
    today = datetime.fromtimestamp(api.service.chain.now(), UTC).date().isoformat()
    response = api.call("GET", path.replace("{today}", today), who)
    if response.status_code != 200:  # a role that may never ask
        return str(response.status_code)
    wanted = world.receivable if about == "R" else world.offer_id
    return "listed" if wanted in ids(response.json()) else "not listed"


def test_the_visibility_table_holds_cell_by_cell(api: Api, world: World) -> None:
    header, rows = visibility_table()
    assert len(rows) >= 10 and set(header) <= set(api.keys)
    wrong = []
    for request, expected in rows.items():
        for who, cell in expected.items():
            if cell == "—":
                continue
            got = _answer(api, world, request, who)
            if got != cell:
                wrong.append(f"{request} as {who}: table says {cell}, API answers {got}")
    assert not wrong, "\n".join(wrong)
