"""The explorer served by Voilà, driven through headless Chromium like a user would.

Serves ``notebooks/04-explorer.ipynb`` over a Parquet file of generated executions, changes
filters in the page, and checks the displayed total spend against pandas on the same data.
Voilà answers HTTP 200 even when a cell fails, so the page is also checked for its error
marks. A screenshot goes to ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics.dashboard import Dashboard

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
END = "2026-06-10T12:00:00Z"
#: Generous but bounded: a cold kernel, the imports and the first render can take a while on CI.
PAGE_TIMEOUT_MS = 120_000
CHANGE_TIMEOUT_MS = 30_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def dollars(value: float) -> str:
    return f"${value:,.2f}"


def test_explorer_dashboard_follows_filters_in_the_browser(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    data = ea.generate_executions(executions=4_000, seed=21, end=END)
    path = ea.to_parquet(data, tmp_path / "executions.parquet")
    spend = data.groupby(data.model.astype(object))["execution_cost"].sum()
    top_model = spend.sort_values(ascending=False, kind="stable").index[0]
    end_day = pd.Timestamp(END).floor("D")
    last_7_days = (data.created_at >= end_day - pd.Timedelta(days=6)) & (
        data.created_at < end_day + pd.Timedelta(days=1)
    )
    expected = {
        "all": dollars(data.execution_cost.sum()),
        "model": dollars(spend[top_model]),
        "model, last 7 days": dollars(
            data.loc[last_7_days & (data.model == top_model), "execution_cost"].sum()
        ),
    }
    assert len(set(expected.values())) == 3  # each step must visibly change the total

    state = tmp_path / "jupyter"
    env = {
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTER_DATA_DIR": str(state / "data"),
        "IPYTHONDIR": str(state / "ipython"),
        "EACHLABS_API_KEY": "",  # never the real API here, whatever this shell has set
    }
    ARTIFACTS.mkdir(exist_ok=True)
    with (
        (tmp_path / "voila.log").open("wb") as log,
        Dashboard(
            data=path, port=0, env=env, log=log, ready_timeout=60, cell_timeout=120
        ) as dashboard,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, timeout=60_000
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(CHANGE_TIMEOUT_MS)
            page.goto(dashboard.url, timeout=PAGE_TIMEOUT_MS)
            total = page.locator(".ea-total-spend")
            expect(total).to_have_text(expected["all"], timeout=PAGE_TIMEOUT_MS)

            models = page.locator(".ea-filter-models select")
            expect(models.locator("option").first).to_contain_text(top_model)
            models.select_option(index=0)
            expect(total).to_have_text(expected["model"])

            page.locator(".ea-quick-last-7-days").click()
            expect(total).to_have_text(expected["model, last 7 days"])
            expect(page.locator(".ea-status")).to_contain_text(f"models: {top_model}")

            expect(page.locator("img.ea-chart-cost-by-model")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "explorer-dashboard.png"), full_page=True)
            assert page.locator(".voila-error").count() == 0
            assert "There was an error when executing cell" not in page.content()
            assert page.locator(".ea-pane-error").count() == 0
        finally:
            browser.close()
