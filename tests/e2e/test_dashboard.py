"""The dashboard in headless Chromium (Debian's, driven by playwright): a fresh `scf serve` seeded with the
README's API story, the figures on the page equal to the API's, a receivable's lineage clicked through, a
wrong key and an unknown receivable, and a screenshot kept as an artifact (build/screenshots/)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import httpx
import pytest

from scf_ledger.domain.money import format_units
from tests.utils.served import ROOT, story_served

CHROMIUM = shutil.which("chromium")
SHOTS = ROOT / "build" / "screenshots"
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)
sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A fresh `scf serve` on the embedded chain after the README's curl story; yields (base URL, admin key)."""
    assert CHROMIUM, "chromium is missing: apt-get install chromium"
    with story_served(tmp_path_factory.mktemp("dashboard")) as (base, admin_key, _):
        yield base, admin_key.read_text().strip()


def test_dashboard_shows_the_apis_figures_and_the_lineage(seeded_server: tuple[str, str]) -> None:
    base, key = seeded_server
    auth = {"Authorization": f"Bearer {key}"}
    api = httpx.get(f"{base}/v1/reports/portfolio", headers=auth).json()
    nav = httpx.get(f"{base}/v1/valuation/nav", headers=auth).json()
    ecl = httpx.get(f"{base}/v1/valuation/ecl", headers=auth).json()
    vintages = httpx.get(f"{base}/v1/valuation/vintages", headers=auth).json()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1400})

        page.goto(base + "/")
        page.fill("#api-key", "scf_not_a_key")
        page.click("#login")
        assert "unknown or revoked" in page.inner_text("#login-error")

        page.fill("#api-key", key)
        page.click("#login")
        page.wait_for_selector("#positions")
        assert page.inner_text("#total-outstanding") == format_units(int(api["totals"]["outstanding"]))
        assert page.inner_text("#total-value") == format_units(int(api["totals"]["value_today"]))
        for row in api["aging"]:
            bar = page.locator(f'#aging-chart g[data-label="{row["bucket"]}"]')
            assert bar.get_attribute("data-amount") == row["outstanding"]
        for row in api["cashflow"]:
            bar = page.locator(f'#cashflow-chart g[data-label="{row["month"]}"]')
            assert bar.get_attribute("data-amount") == row["amount"]
            cell = page.locator(f'#cashflow tr[data-month="{row["month"]}"] td.num')
            assert cell.inner_text() == format_units(int(row["amount"]))
        assert page.locator("#positions tbody tr").count() == len(api["positions"])
        assert page.locator("#risk-decisions tr").count() == len(api["risk_decisions"]) + 1
        assert page.locator("#credit-lines tr").count() == len(api["credit_lines"]) + 1
        assert page.inner_text("#nav-total") == format_units(int(nav["nav"]))
        assert page.inner_text("#ecl-total") == format_units(int(ecl["ecl"]))
        for row in ecl["stages"]:
            cells = page.locator(f'#ecl-stages tr[data-stage="{row["stage"]}"]')
            assert cells.locator("td.ecl").inner_text() == format_units(int(row["ecl"]))
            assert cells.locator("td.ead").inner_text() == format_units(int(row["ead"]))
            assert cells.locator("td.installments").inner_text() == str(row["installments"])
            bar = page.locator(f'#ecl-chart g[data-label="stage {row["stage"]}"]')
            assert bar.get_attribute("data-amount") == row["ecl"]
        for point in vintages["items"]:
            cell = page.locator(
                f'#vintages tr[data-vintage="{point["vintage"]}"][data-months="{point["months_on_book"]}"]'
            )
            assert cell.locator("td.rate").inner_text() == f"{point['default_rate_ppm'] / 10_000:.2f} %"
        assert page.locator("#vintage-chart g").count() == len({p["vintage"] for p in vintages["items"]})
        table = page.locator("#roll-rates")
        period = f"from={table.get_attribute('data-start')}&to={table.get_attribute('data-end')}"
        rolled = httpx.get(f"{base}/v1/valuation/roll-rates?{period}", headers=auth).json()
        for bucket in rolled["buckets"]:  # where the principal outstanding at the start went
            went = sum(int(c["principal"]) for c in rolled["items"] if c["end"] == bucket)
            assert page.locator(f'#roll-chart g[data-label="{bucket}"]').get_attribute("data-amount") == str(went)
        page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)

        outstanding = ecl["items"][0]
        page.goto(f"{base}/receivables/{outstanding['receivable_id']}")
        assert page.inner_text("#risk-stage") == str(outstanding["stage"])
        assert page.inner_text("#risk-ecl") == format_units(int(outstanding["ecl"]))
        assert page.inner_text("#risk-ead") == format_units(int(outstanding["ead"]))
        assert page.inner_text("#risk-pd") == f"{outstanding['pd_ppm'] / 10_000:.4f} %"
        assert page.inner_text("#risk-mark") == f"{outstanding['mark_bps'] / 100:.2f} %"
        page.goto(base + "/")

        first = api["positions"][0]["token_id"]
        page.click(f'#positions a[href="/receivables/{first}"]')
        page.wait_for_selector("#lineage")
        kinds = page.locator("#lineage tr.step").evaluate_all("rows => rows.map(r => r.dataset.kind)")
        lineage = httpx.get(f"{base}/v1/receivables/{first}/lineage", headers={"Authorization": f"Bearer {key}"})
        assert kinds == [s["kind"] for s in lineage.json()["steps"]]
        assert kinds[0] == "origination" and {"transfer", "financing", "repayment", "claim"} <= set(kinds)
        page.screenshot(path=str(SHOTS / "lineage.png"), full_page=True)

        missing = page.goto(base + "/receivables/987654321")
        assert missing is not None and missing.status == 404
        assert "There is no receivable" in page.inner_text("#not-found")
        page.click("#logout")
        assert page.locator("#api-key").count() == 1  # logged out: the login prompt again
        browser.close()
