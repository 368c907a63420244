"""What a user gets from ``pip install "eachlabs-analytics[dashboard]"`` and nothing else.

A fresh virtualenv with only the ``dashboard`` extra (no test tools, no ``dev`` extra hiding a
missing dependency) serves the dashboard on the bundled sample: the CLI says it serves only
once the page has rendered, headless Chromium (driven from the test's own environment) sees
the sample's numbers and no error mark, follows a filter, finds an execution in the
drill-down and downloads it as CSV, and SIGTERM stops the server and its kernels. A
screenshot goes to ``test-artifacts/dashboard.png``.

Slow (it installs the package and its dependencies, from pip's cache when warm).
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eachlabs_analytics.local_api import load_sample

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_the_dashboard_extra_alone_serves_a_rendered_page(tmp_path):
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", f"{ROOT}[dashboard]"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pytest"], capture_output=True
    )
    assert installed.returncode != 0  # no test tool came along: this is the extra alone

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    state = tmp_path / "jupyter"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("EACHLABS_", "VIRTUAL_ENV"))},
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTER_DATA_DIR": str(state / "data"),
        "IPYTHONDIR": str(state / "ipython"),
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
    }
    log = tmp_path / "dashboard.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(venv / "bin" / "eachlabs-analytics"), "dashboard", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while "serving the explorer at" not in log.read_text():
            assert server.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)

        sample = load_sample()
        ARTIFACTS.mkdir(exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1100})
                page.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
                expect(page.locator(".ea-total-spend")).to_have_text(
                    f"${sample.execution_cost.sum():,.2f}", timeout=180_000
                )
                page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
                assert page.locator(".voila-error").count() == 0
                # a filter change, a drill-down search and the CSV download, in this venv too
                failed = sample[sample.status.astype(str).isin(["error", "failed"])]
                statuses = page.locator(".ea-filter-status-groups .widget-checkbox")
                statuses.filter(has_text="failed").locator("input").check()
                expect(page.locator(".ea-total-spend")).to_have_text(
                    f"${failed.execution_cost.sum():,.2f}"
                )
                wanted = str(failed["id"].iloc[0])
                page.get_by_role("tab", name="Executions").click()
                page.locator(".ea-drill-search input").fill(wanted)
                expect(page.locator("table.ea-executions tbody tr")).to_have_count(1)
                page.locator(".ea-drill-download").click()
                with page.expect_download() as download:
                    page.locator(".ea-drill-link a").click()
                saved = tmp_path / "selection.csv"
                download.value.save_as(saved)
                with saved.open(newline="", encoding="utf-8") as text:
                    assert [row["id"] for row in csv.DictReader(text)] == [wanted]
                assert "There was an error when executing cell" not in page.content()
            finally:
                browser.close()
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
