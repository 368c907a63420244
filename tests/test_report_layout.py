"""The HTML report fits the page: on a laptop screen, on a narrow one, and printed.

Checked in headless Chromium on the demo's report of the bundled sample: no table scrolls
sideways (a wide table would be cut off when printed). Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics._util.windows import select_window
from eachlabs_analytics.local_api import load_sample

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
OVERFLOWING = """() => [...document.querySelectorAll('.scroll')]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => (e.previousElementSibling?.innerText || '?') + ': '
             + e.scrollWidth + ' > ' + e.clientWidth)"""


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
@pytest.mark.parametrize(("media", "width"), [("screen", 1280), ("screen", 820), ("print", 760)])
def test_report_tables_fit_the_page(tmp_path, media, width):
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    sample = load_sample()
    end = pd.Timestamp(sample.attrs["window"]["end"])
    month = pd.Timedelta(days=30)
    current = select_window(sample, end - month, end)
    previous = select_window(sample, end - 2 * month, end - month)
    report = ea.cost_report(current, tmp_path / "report.html", previous=previous)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 1200})
            page.emulate_media(media=media)
            page.goto(Path(report).as_uri())
            assert page.evaluate(OVERFLOWING) == []
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"report-{media}-{width}.png"), full_page=True)
        finally:
            browser.close()
