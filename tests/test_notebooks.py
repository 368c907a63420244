"""Every notebook runs top to bottom in a real kernel, and prints the right numbers.

The notebooks' first cell chooses the data: the sandbox (``executions=10_000, seed=7``, ending
at ``EACHLABS_END``) by default, an API when ``EACHLABS_API_KEY`` is set. Expected values are
computed here with plain pandas/numpy from the same generated data (or the sandbox's truth).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import schema

nbformat = pytest.importorskip("nbformat")
NotebookClient = pytest.importorskip("nbclient").NotebookClient

pytestmark = pytest.mark.notebook

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CELL_TIMEOUT = 180
END = "2026-06-10T12:00:00Z"
DAYS = 30
#: What the notebooks' sandbox branch generates (their first cell says the same).
NOTEBOOK_SANDBOX = {"executions": 10_000, "seed": 7}


@pytest.fixture(scope="module")
def notebook_data() -> pd.DataFrame:
    """The rows the notebooks load by default: the sandbox's data within [END - DAYS, END]."""
    truth = ea.generate_executions(**NOTEBOOK_SANDBOX, end=END)
    return in_window(truth, END, DAYS)


def in_window(frame: pd.DataFrame, end: str, days: int) -> pd.DataFrame:
    stop = pd.Timestamp(end)
    start = stop - pd.Timedelta(days=days)
    return frame[(frame.created_at >= start) & (frame.created_at <= stop)]


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """A clean environment for the kernel: no real key, state files under tmp_path."""
    pytest.importorskip("ipykernel")  # the notebooks run in its python3 kernel
    for name in ("EACHLABS_API_KEY", "EACHLABS_BASE_URL", "EACHLABS_DATA", "EACHLABS_EXPORT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EACHLABS_END", END)
    monkeypatch.setenv("EACHLABS_DAYS", str(DAYS))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    return monkeypatch


def run(name: str, cwd: Path) -> nbformat.NotebookNode:
    """Execute one notebook (raises on the first error cell) and return it with outputs."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        nb, kernel_name="python3", timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    outputs = [o for cell in nb.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    return nb


def printed(nb: nbformat.NotebookNode) -> str:
    return "".join(
        o.text
        for cell in nb.cells
        for o in cell.get("outputs", [])
        if o.output_type == "stream" and o.name == "stdout"
    )


def value_after(label: str, text: str) -> str:
    match = re.search(rf"^{re.escape(label)}(.*)$", text, flags=re.MULTILINE)
    assert match, f"{label!r} not printed:\n{text}"
    return match.group(1).strip()


def dollars(value: float) -> str:
    return f"${value:,.2f}"


def failed(frame: pd.DataFrame) -> pd.Series:
    return frame.status.astype(str).isin(["error", "failed"])


def finished(frame: pd.DataFrame, metric: str) -> np.ndarray:
    done = ~frame.status.astype(str).isin(schema.IN_FLIGHT_STATUSES)
    return frame.loc[done, metric].dropna().to_numpy()


def test_notebooks_are_stored_small_and_without_outputs():
    names = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert names == ["01-quickstart", "02-cost-report", "03-latency-and-errors", "04-explorer"]
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert path.stat().st_size < 20_000, path
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path
        assert "widgets" not in nb.metadata, path
        assert nb.metadata.kernelspec.name == "python3"


def test_quickstart_on_the_sandbox(kernel_env, tmp_path, notebook_data):
    out = printed(run("01-quickstart", tmp_path))
    data = notebook_data
    assert (
        value_after("Loaded", out)
        == f"{len(data):,} executions from a local sandbox (generated data)"
    )
    assert value_after("Executions:", out) == f"{len(data):,}"
    assert value_after("Total spend:", out) == dollars(data.execution_cost.sum())
    spend = data.groupby(data.model.astype(object))["execution_cost"].sum()
    share = spend.max() / spend.sum()
    assert value_after("Top model:", out) == (
        f"{spend.idxmax()} ({dollars(spend.max())}, {share:.1%} of spend)"
    )
    total = finished(data, "total_seconds")
    assert value_after("End to end:", out) == (
        f"p50 {np.percentile(total, 50):.1f} s, p95 {np.percentile(total, 95):.1f} s"
    )
    assert value_after("Error rate:", out) == (
        f"{failed(data).mean():.2%} ({failed(data).sum():,} failed executions)"
    )


def test_quickstart_against_the_api_named_by_the_environment(kernel_env, tmp_path):
    end, days = "2026-03-01T00:00:00Z", 20
    with ea.sandbox(executions=2_500, seed=11, end=end, days=60) as api:
        kernel_env.setenv("EACHLABS_API_KEY", api.api_key)
        kernel_env.setenv("EACHLABS_BASE_URL", api.base_url)
        kernel_env.setenv("EACHLABS_END", end)
        kernel_env.setenv("EACHLABS_DAYS", str(days))
        nb = run("01-quickstart", tmp_path)
        expected = in_window(api.truth, end, days)
        requests = len(api.request_log)
    out = printed(nb)
    assert requests > 0  # the notebook talked to this server, not to a sandbox of its own
    assert value_after("Loaded", out) == f"{len(expected):,} executions from the each::labs API"
    assert value_after("Total spend:", out) == dollars(expected.execution_cost.sum())
    assert value_after("Window:", out) == "2026-02-09 00:00 to 2026-03-01 00:00 UTC"
    # the key never reaches an output, the widget state or the notebook's metadata
    assert api.api_key not in json.dumps(nb)


def test_cost_report(kernel_env, tmp_path, notebook_data):
    kernel_env.setenv("EACHLABS_EXPORT_DIR", str(tmp_path))
    out = printed(run("02-cost-report", tmp_path))
    data = notebook_data
    assert value_after("Total spend:", out) == (
        f"{dollars(data.execution_cost.sum())} across {data.model.nunique()} models"
    )
    in_workflow = data[data.workflow_id.notna()]
    assert value_after("Workflow spend:", out) == (
        f"{dollars(in_workflow.execution_cost.sum())} over "
        f"{in_workflow.workflow_execution_id.nunique():,} runs"
    )
    daily = data.groupby(data.created_at.dt.floor("D"))["execution_cost"].sum()
    assert value_after("Busiest day:", out) == (
        f"{daily.idxmax():%Y-%m-%d} ({dollars(daily.max())})"
    )
    end = pd.Timestamp(END)
    middle = end - pd.Timedelta(days=DAYS / 2)
    previous = data.loc[data.created_at < middle, "execution_cost"].sum()
    current = data.loc[
        (data.created_at >= middle) & (data.created_at < end), "execution_cost"
    ].sum()
    assert value_after("Spend:", out) == (
        f"previous {dollars(previous)}, current {dollars(current)} ({current / previous - 1:+.1%})"
    )
    assert value_after("Exported", out).startswith(f"{len(data):,} rows")
    exported = ea.read_parquet(tmp_path / "executions.parquet")
    assert sorted(exported["id"]) == sorted(data["id"])
    assert exported.execution_cost.sum() == pytest.approx(data.execution_cost.sum())


def test_latency_and_errors(kernel_env, tmp_path, notebook_data):
    out = printed(run("03-latency-and-errors", tmp_path))
    data = notebook_data
    for metric in ("queue_seconds", "execution_seconds", "total_seconds"):
        values = finished(data, metric)
        assert value_after(f"{metric}:", out) == (
            f"p50 {np.percentile(values, 50):.2f} s, p95 {np.percentile(values, 95):.2f} s"
        )
    errors = failed(data)
    assert value_after("Error rate:", out) == (
        f"{errors.mean():.2%} ({errors.sum():,} of {len(data):,})"
    )
    counts = data.loc[errors, "error_classification"].astype(object).value_counts()
    name, count = value_after("Top error class:", out).split(" ")
    assert count == f"({counts.max():,})" and counts[name] == counts.max()
    assert value_after("Spent on failed executions:", out) == (
        f"{dollars(data.loc[errors, 'execution_cost'].sum())} of "
        f"{dollars(data.execution_cost.sum())}"
    )


def test_explorer_notebook_shows_the_total_in_its_widget(kernel_env, tmp_path, notebook_data):
    nb = run("04-explorer", tmp_path)
    state = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    shown = {
        css: model["state"]["value"]
        for model in state.values()
        for css in ("ea-total-spend", "ea-executions")
        if css in model["state"].get("_dom_classes", [])
    }
    assert shown == {
        "ea-total-spend": dollars(notebook_data.execution_cost.sum()),
        "ea-executions": f"{len(notebook_data):,}",
    }
