"""The dashboard: the explorer served by Voilà, driven through headless Chromium like a user.

The browser test serves ``notebooks/04-explorer.ipynb`` over a Parquet file of generated
executions, changes filters in the page, and checks the displayed total spend against pandas
on the same data. Voilà answers HTTP 200 even when a cell fails, so the page is also checked
for its error marks. A screenshot goes to ``test-artifacts/`` (gitignored). The server's
lifecycle (ready, failures, cleanup, where the key goes) is tested with a stand-in command;
``default_notebook`` against the ``share/`` layout of a regular install.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import sys
from pathlib import Path

import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics.exceptions import EachlabsError, InvalidQueryError, StoreError
from eachlabs_analytics.notebook import dashboard as dashboard_module
from eachlabs_analytics.notebook.dashboard import Dashboard, serve_dashboard, voila_command
from eachlabs_analytics.notebook.explorer import PANES

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

SECRET = "smk_test_never_shown_0123456789"
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
)


def dollars(value: float) -> str:
    return f"${value:,.2f}"


@pytest.mark.browser
@needs_chromium
def test_explorer_dashboard_follows_filters_in_the_browser(tmp_path):
    pytest.importorskip("playwright")
    pytest.importorskip("voila")
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
    first_day = (end_day - pd.Timedelta(days=29)).date()  # typed into the "From" field
    in_typed = (data.created_at >= end_day - pd.Timedelta(days=29)) & (data.model == top_model)
    in_typed_days = in_typed & (data.created_at < end_day + pd.Timedelta(days=1))
    expected["model, typed days"] = dollars(data.loc[in_typed_days, "execution_cost"].sum())
    assert len(set(expected.values())) == 4  # each step must visibly change the total
    candidates = data.loc[in_typed_days, "id"].astype(str)
    prefixes = data["id"].astype(str).str[:12]
    wanted_id = next(i for i in candidates if (prefixes == i[:12]).sum() == 1)

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

            # a checkbox list: the biggest spender first, ticked with one click
            first_model = page.locator(".ea-filter-models .widget-checkbox").first
            expect(first_model).to_contain_text(top_model)
            first_model.locator("input").check()
            expect(total).to_have_text(expected["model"])
            expect(page.locator(".ea-filter-models .ea-checklist-head")).to_contain_text("1 of")

            page.locator(".ea-quick-last-7-days").click()
            expect(total).to_have_text(expected["model, last 7 days"])
            expect(page.locator(".ea-status")).to_contain_text(f"models: {top_model}")

            expect(page.locator("img.ea-chart-cost-by-model")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "explorer-dashboard.png"), full_page=True)
            # a dashboard, not a notebook: the title says the source; no notebook prose
            expect(page.locator(".ea-title")).to_contain_text("executions.parquet")
            assert "explorer.filters" not in page.content()
            assert "notebook-only" not in page.content()

            # a day typed as ISO text narrows the selection; nonsense says what is allowed
            day_start = page.locator(".ea-day-start input")
            day_start.fill("2026/10/30")
            day_start.press("Enter")
            expect(page.locator(".ea-day-message")).to_contain_text("use YYYY-MM-DD")
            expect(total).to_have_text(expected["model, last 7 days"])  # unchanged
            day_start.fill(first_day.isoformat())
            day_start.press("Enter")
            expect(total).to_have_text(expected["model, typed days"])

            # drill-down: find one execution by id and download the selection as CSV
            page.get_by_role("tab", name="Executions").click()
            search = page.locator(".ea-drill-search input")
            search.fill(wanted_id[:12].upper())
            expect(page.locator("table.ea-executions tbody tr")).to_have_count(1)
            expect(page.locator("table.ea-executions")).to_contain_text(wanted_id)
            page.locator(".ea-drill-download").click()
            with page.expect_download() as download:
                page.locator(".ea-drill-link a").click()
            saved = tmp_path / "selection.csv"
            download.value.save_as(saved)
            with saved.open(newline="", encoding="utf-8") as text:
                records = list(csv.DictReader(text))
            assert [r["id"] for r in records] == [wanted_id]
            assert records[0]["model"] == top_model
            assert page.locator(".voila-error").count() == 0
            assert "There was an error when executing cell" not in page.content()
            assert page.locator(".ea-pane-error").count() == 0
            assert SECRET not in page.content()
            expect(page.locator(".ea-busy-indicator")).to_be_hidden()  # idle: no spinner

            # at 820 px every tab label shows whole (none cut to "Cost by mode…")
            page.set_viewport_size({"width": 820, "height": 1000})
            page.wait_for_timeout(300)
            labels = page.evaluate(
                """() => [...document.querySelectorAll('.ea-tabs .lm-TabBar-tabLabel')].map(
                    e => [e.textContent, e.scrollWidth, e.clientWidth])"""
            )
            assert [text for text, _, _ in labels] == list(PANES.values())
            cut = [text for text, scroll, client in labels if scroll > client]
            assert cut == [], labels
            page.screenshot(path=str(ARTIFACTS / "explorer-dashboard-820.png"))
        finally:
            browser.close()
    assert dashboard.process is None  # stopped on exit
    assert SECRET not in (tmp_path / "voila.log").read_text(errors="replace")


# --- the server's lifecycle, with a stand-in for Voilà ------------------------------------------
STAND_IN = """
import http.server, json, os, sys
port, report = int(sys.argv[1]), sys.argv[2]
data = os.environ.get("EACHLABS_DATA")
with open(report, "w") as out:
    json.dump({"argv": sys.argv, "data": data, "data_exists": bool(data) and os.path.exists(data),
               "key": os.environ.get("EACHLABS_API_KEY"), "days": os.environ.get("EACHLABS_DAYS")},
              out)
if os.environ.get("STAND_IN_MODE") == "exit":
    sys.exit(3)
if os.environ.get("STAND_IN_MODE") != "mute":
    server = http.server.HTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler)
    if os.environ.get("STAND_IN_MODE") == "brief":  # serve a little while, then end cleanly
        import threading
        threading.Thread(target=server.serve_forever, daemon=True).start()
        threading.Event().wait(1.5)
        sys.exit(0)
    server.serve_forever()
import time
time.sleep(60)
"""


@pytest.fixture
def stand_in(tmp_path, monkeypatch):
    """Replace Voilà by a small script that reports what it was given, then serves the port."""
    pytest.importorskip("voila")  # Dashboard refuses to start without it, stand-in or not
    report = tmp_path / "stand-in.json"

    def command(notebook, *, port, host, cell_timeout):
        voila_command(notebook, port=port, host=host, cell_timeout=cell_timeout)  # validates
        return [sys.executable, "-c", STAND_IN, str(port), str(report)]

    monkeypatch.setattr(dashboard_module, "voila_command", command)
    monkeypatch.delenv("EACHLABS_API_KEY", raising=False)
    return report


def test_dashboard_passes_data_and_key_through_the_environment_only(stand_in, tmp_path):
    frame = ea.generate_executions(executions=300, seed=3, end="2026-06-10T00:00:00Z")
    with Dashboard(data=frame, api_key=SECRET, days=14, ready_timeout=20) as dashboard:
        with socket.create_connection(("127.0.0.1", dashboard.port), timeout=5):
            pass  # it really is serving
        seen = json.loads(stand_in.read_text())
        process = dashboard.process
        assert SECRET not in repr(dashboard)
        assert dashboard.url == f"http://127.0.0.1:{dashboard.port}/"
    assert seen["key"] == SECRET and seen["days"] == "14"
    assert not any(SECRET in arg for arg in seen["argv"])
    assert seen["data_exists"]
    assert not Path(seen["data"]).exists()  # the temporary Parquet is gone after exit
    assert process.poll() is not None  # and the server stopped
    assert seen["data"].endswith(".parquet")


def test_dashboard_reports_a_server_that_dies_before_serving(stand_in, monkeypatch):
    monkeypatch.setenv("STAND_IN_MODE", "exit")
    with pytest.raises(EachlabsError, match="exited with code 3 before serving 04-explorer"):
        Dashboard(ready_timeout=20).start()


def test_dashboard_gives_up_waiting_and_stops_the_server(stand_in, monkeypatch):
    monkeypatch.setenv("STAND_IN_MODE", "mute")
    dashboard = Dashboard(ready_timeout=1)
    with pytest.raises(
        EachlabsError, match=r"did not answer on http://127\.0\.0\.1:\d+/ within 1 s"
    ):
        dashboard.start()
    assert dashboard.process is None
    assert json.loads(stand_in.read_text())["argv"]  # the stand-in did start, and was stopped


def test_serve_dashboard_runs_until_the_server_ends_and_returns_its_code(stand_in, monkeypatch):
    monkeypatch.setenv("STAND_IN_MODE", "brief")
    port = dashboard_module._free_port("127.0.0.1")
    assert serve_dashboard(port=port, days=3) == 0
    seen = json.loads(stand_in.read_text())
    assert seen["argv"][1] == str(port) and seen["days"] == "3"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"notebook": "missing.ipynb"}, "notebook missing.ipynb does not exist"),
        ({"data": "nowhere.parquet"}, "data nowhere.parquet is not a file"),
        ({"days": 0}, "days must be a positive number"),
        ({"port": 70000}, "port must be between 1 and 65535"),
        ({"cell_timeout": 0}, "cell_timeout must be a positive number"),
    ],
)
def test_dashboard_refuses_bad_arguments(kwargs, message):
    pytest.importorskip("voila")  # checked before the arguments
    with pytest.raises(InvalidQueryError, match=message):
        Dashboard(**kwargs).start()


def test_dashboard_refuses_a_file_that_is_not_parquet_before_voila_starts(tmp_path):
    pytest.importorskip("voila")
    data = tmp_path / "executions.csv"
    data.write_text("id,model\nexec_1,veo-3\n")
    server = Dashboard(data=data)
    with pytest.raises(StoreError, match="executions.csv is not a readable Parquet file"):
        server.start()
    assert server.process is None  # Voilà never started


def test_voila_command_serves_one_notebook_on_loopback_without_a_browser():
    command = voila_command("nb.ipynb", port=9000, cell_timeout=60)
    assert command[:4] == [sys.executable, "-m", "voila", "nb.ipynb"]
    assert set(command[4:]) == {
        "--no-browser",
        "--port=9000",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--VoilaExecutor.timeout=60",
    }


def test_dashboard_finds_the_notebook_a_regular_install_puts_under_share(tmp_path, monkeypatch):
    from eachlabs_analytics.notebook import dashboard

    installed = tmp_path / "prefix" / "share" / "eachlabs-analytics" / "notebooks"
    installed.mkdir(parents=True)
    (installed / "04-explorer.ipynb").write_text("{}")
    monkeypatch.setattr(
        dashboard, "__file__", str(tmp_path / "site" / "pkg" / "notebook" / "dashboard.py")
    )
    monkeypatch.setattr("sys.prefix", str(tmp_path / "prefix"))
    assert dashboard.default_notebook() == installed / "04-explorer.ipynb"
    (installed / "04-explorer.ipynb").unlink()
    with pytest.raises(ea.EachlabsError, match="serve_dashboard\\(notebook=...\\)"):
        dashboard.default_notebook()


def test_a_page_that_fails_to_render_is_refused_and_the_server_stopped(
    stand_in, tmp_path, monkeypatch
):
    # what Voila serves when a cell fails: HTTP 200 with its error mark in the page
    (tmp_path / "index.html").write_text('<div class="voila-error">Traceback ...</div>')
    monkeypatch.setattr(dashboard_module, "default_notebook", lambda: _notebook_in(tmp_path))
    dashboard = Dashboard(ready_timeout=20)
    with pytest.raises(EachlabsError, match=r"failed to render \(voila-error\)"):
        dashboard.start()
    assert dashboard.process is None


def _notebook_in(folder: Path) -> Path:
    notebook = folder / "04-explorer.ipynb"
    notebook.write_text("{}")
    return notebook  # the stand-in serves its folder, where index.html is the "page"


SIGTERM_SCRIPT = """
import subprocess, sys
from eachlabs_analytics.notebook import dashboard
kernel = [sys.executable, "-c", "import time; time.sleep(120)"]
server = (
    "import http.server, subprocess, sys;"
    "subprocess.Popen({kernel!r});"  # a child of the server, like a Jupyter kernel
    "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), "
    "http.server.SimpleHTTPRequestHandler).serve_forever()"
)
dashboard.voila_command = lambda notebook, *, port, host, cell_timeout: (
    [sys.executable, "-c", server.format(kernel=kernel), str(port)]
)
sys.exit(dashboard.serve_dashboard(port=int(sys.argv[1]), data=sys.argv[2]))
"""


def test_sigterm_stops_the_server_and_its_kernels(tmp_path):
    pytest.importorskip("voila")
    import signal
    import subprocess
    import time

    data = ea.to_parquet(ea.generate_executions(executions=50, seed=1), tmp_path / "d.parquet")
    port = dashboard_module._free_port("127.0.0.1")
    script = tmp_path / "serve.py"
    script.write_text(SIGTERM_SCRIPT)
    process = subprocess.Popen(
        [sys.executable, str(script), str(port), str(data)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "EACHLABS_API_KEY": ""},
    )
    said = [process.stderr.readline() for _ in range(2)]  # the server's log line, then ours
    assert f"serving the explorer at http://127.0.0.1:{port}/" in said[-1]  # once it answered
    assert '"GET / HTTP/1.1" 200' in said[0]  # ... because the page was requested first
    group = _group_members(process.pid)
    assert len(group) >= 2  # the stand-in server and its "kernel" run
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    process.stderr.close()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in group) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in group)  # nothing left holding the port
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def _group_members(parent: int) -> list[int]:
    """The pids of ``parent``'s children's process group (the server and its kernels)."""
    import time

    for _ in range(50):
        children = [
            int(p.name)
            for p in Path("/proc").iterdir()
            if p.name.isdigit() and _parent_of(int(p.name)) == parent
        ]
        if children:
            group = os.getpgid(children[0])
            return [
                int(p.name)
                for p in Path("/proc").iterdir()
                if p.name.isdigit() and _group_of(int(p.name)) == group
            ]
        time.sleep(0.1)
    return []


def _parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited


def test_a_dashboard_that_fails_to_start_leaves_no_temporary_files(tmp_path, monkeypatch):
    pytest.importorskip("voila")
    import tempfile

    made = []
    real = tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        made.append(Path(real(*args, **kwargs)))
        return str(made[-1])

    monkeypatch.setattr(dashboard_module.tempfile, "mkdtemp", mkdtemp)
    notebook = tmp_path / "broken.ipynb"
    notebook.write_text("{ not json")
    with pytest.raises(ValueError):
        Dashboard(notebook, data="sample", port=0).start()
    assert made and not made[0].exists()  # the copy of the data went with it
