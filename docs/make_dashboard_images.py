"""Rewrite the README's dashboard pictures, ``docs/images/dashboard-{1400,820}.png``.

    python docs/make_dashboard_images.py

Serves the bundled sample through the sandbox and points the dashboard (Voilà, the
``[dashboard]`` extra) at it as at an API, so the Explorer also shows the sandbox's balance
with its runway, list prices and workflow names; opens it in Debian's headless Chromium
(``/usr/bin/chromium``, through ``playwright``), clicks "Last 30 days" so the cards show their
changes, and saves the top of the page at 1,400 and 820 px as palette PNGs (flat colours:
sharp and small). The report's pictures come from
``EACHLABS_DOCS_IMAGES=1 pytest tests/test_report_layout.py -k fits``.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect, sync_playwright

import eachlabs_analytics as ea
from eachlabs_analytics.notebook.dashboard import Dashboard

IMAGES = Path(__file__).resolve().parent / "images"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
WIDTHS = {1400: 1500, 820: 1640}  # width: the height kept from the top of the page


def main() -> None:
    state = Path(tempfile.mkdtemp(prefix="eachlabs-images-"))
    env = {
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTER_DATA_DIR": str(state / "data"),
        "IPYTHONDIR": str(state / "ipython"),
        "EACHLABS_END": "2026-10-31T00:00:00Z",  # the sample's end: its 90 days, never an account
    }
    with (
        ea.Sandbox(data="sample") as api,
        Dashboard(
            api_key=api.api_key, base_url=api.base_url, days=90, port=0, env=env, ready_timeout=120
        ) as dashboard,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for width, height in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(dashboard.url, timeout=180_000)
                expect(page.locator(".ea-total-spend")).to_be_visible(timeout=180_000)
                busy = page.locator(".ea-busy-indicator")
                page.locator(".ea-quick-last-30-days").click()
                try:  # the render is debounced: the indicator shows, then goes
                    expect(busy).to_be_visible(timeout=5_000)
                except AssertionError:
                    pass  # already done
                expect(busy).to_be_hidden(timeout=120_000)
                expect(page.locator("img.ea-chart-cost-by-model")).to_be_visible(timeout=60_000)
                page.wait_for_timeout(500)  # the chart's image settles
                shot = page.screenshot(clip={"x": 0, "y": 0, "width": width, "height": height})
                target = IMAGES / f"dashboard-{width}.png"
                image = Image.open(io.BytesIO(shot)).convert("RGB")
                image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
                    target, optimize=True
                )
                print(f"{target} ({target.stat().st_size:,} bytes)")
                page.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
