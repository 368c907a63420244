"""The Explorer's state on its own: no widgets imported, the same figures as the helpers."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import metrics
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.notebook.panes import PaneTables
from eachlabs_analytics.notebook.state import ExplorerState


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return ea.generate_executions(executions=2_000, seed=11, end="2026-06-10T12:00:00Z")


def test_the_state_and_the_panes_import_no_widgets():
    code = (
        "import sys; import eachlabs_analytics.notebook.state, eachlabs_analytics.notebook.panes;"
        " print('ipywidgets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_state_computes_what_each_pane_shows(frame):
    state = ExplorerState(frame)
    model = state.models[0]
    state.filters = {"models": [model], "status_groups": ["failed"]}
    want = frame[(frame["model"] == model) & frame["status"].isin(["error", "failed"])]
    assert list(state.filtered["id"]) == list(want["id"])
    pd.testing.assert_frame_equal(state.table("latency"), metrics.latency_percentiles(want))
    assert set(state.tables) == {"latency"}  # kept, and only what was asked for
    state.filters = None  # a new selection drops the figures of the one before
    assert state.tables == {}
    page = state.executions_page("", "execution_cost")
    assert page.total == len(frame) and page.shown["execution_cost"].is_monotonic_decreasing
    with pytest.raises(InvalidQueryError, match="unknown model 'nope'"):
        state.filters = {"models": ["nope"]}


def test_pane_tables_render_only_what_is_missing():
    asked: list[str] = []
    tables = PaneTables(asked.append)
    tables["latency"] = pd.DataFrame({"p95": [1.0]})
    assert "latency" in tables and tables["latency"]["p95"].tolist() == [1.0]
    assert asked == []  # a table held is read as it is
    with pytest.raises(KeyError):
        tables["errors"]
    assert asked == ["errors"] and set(dict.keys(tables)) == {"latency"}
