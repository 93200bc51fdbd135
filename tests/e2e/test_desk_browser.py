"""The operator's desk in headless Chromium (Debian's, driven by playwright), on `scf serve` over anvil whose
clock the test moves: the platform logs in, approves an order in review and marks an overdue installment
defaulted by clicking, and the audit log on the page shows both (issue 17, item 8)."""

from __future__ import annotations

from pathlib import Path

import httpx

from scf_ledger.domain.constants import UNIT
from tests.e2e.test_dashboard import CHROMIUM, SHOTS, sync_playwright
from tests.utils.api import THIN_FILE, Api, order
from tests.utils.served import served_on_node


def _rpc(node: str, method: str, params: list) -> None:
    httpx.post(node, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).raise_for_status()


def test_the_platform_reviews_and_defaults_by_clicking(tmp_path: Path) -> None:
    assert CHROMIUM, "chromium is missing: apt-get install chromium"
    with served_on_node(tmp_path, auto_default="false") as served:  # defaults by hand only: the click is ours
        admin = served.admin_key
        api = Api(httpx.Client(base_url=served.base, timeout=60), None)  # type: ignore[arg-type]
        api.keys["platform"] = admin
        for name, kind in [("gate", "gateway"), ("tier1", "supplier"), ("thin", "obligor"), ("late", "obligor")]:
            api.register(name, kind)
        in_review = order(api, "thin", 300 * UNIT, profile=THIN_FILE)
        assert in_review["status"] == "review"
        approved = order(api, "late", 300 * UNIT)
        first = api.ok("POST", f"/v1/orders/{approved['id']}/confirm", "gate")["token_ids"][0]
        _rpc(served.node_url, "evm_increaseTime", [40 * 86_400 + 91 * 86_400])  # the first installment: due + 91 d
        _rpc(served.node_url, "evm_mine", [])

        SHOTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.goto(served.base + "/")
            page.fill("#api-key", admin)
            page.click("#login")
            page.click("#desk-link")
            page.wait_for_selector("#reviews")

            row = page.locator(f'#reviews tr[data-order="{in_review["id"]}"]')
            row.locator('select[name="decision"]').select_option("approve")
            row.locator('input[name="principal"]').fill("240")
            row.locator('input[name="reason"]').fill("income documents checked")
            row.locator("button").click()
            page.wait_for_selector("#desk-notice")
            assert page.inner_text("#desk-notice") == "The review is recorded."
            assert page.locator(f'#reviews tr[data-order="{in_review["id"]}"]').count() == 0

            for _ in range(50):  # the indexer sees the chain's new clock within a second
                page.goto(served.base + "/desk")
                if page.locator(f'#overdue tr[data-id="{first}"][data-defaultable="yes"]').count():
                    break
                page.wait_for_timeout(200)
            overdue = page.locator(f'#overdue tr[data-id="{first}"]')
            overdue.locator('input[name="reason"]').fill("no answer to three reminders")
            overdue.locator("button").click()
            page.wait_for_selector("#desk-notice")
            assert page.inner_text("#desk-notice") == "The installment is marked defaulted."
            assert page.locator(f'#overdue tr[data-id="{first}"]').count() == 0
            actions = page.locator("#audit tr[data-action]").evaluate_all("rows => rows.map(r => r.dataset.action)")
            assert actions[:2] == ["receivable.default", "order.review"]
            page.screenshot(path=str(SHOTS / "desk.png"), full_page=True)

            page.click("#logout")
            assert page.locator("#api-key").count() == 1  # logged out: the login prompt again
            browser.close()

        headers = {"Authorization": f"Bearer {admin}"}
        reviewed = httpx.get(f"{served.base}/v1/orders/{in_review['id']}", headers=headers).json()
        assert (reviewed["status"], reviewed["principal"]) == ("approved", str(240 * UNIT))
        assert httpx.get(f"{served.base}/v1/receivables/{first}", headers=headers).json()["status"] == "defaulted"
