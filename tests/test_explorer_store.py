"""The Explorer over a store: every pane re-queried from the engine, the same numbers as over
the loaded frame.

``explore(store)`` scans the store (DuckDB) and never loads it; each filter change narrows the
selection in the engine. Every table, card, list and drill-down page must equal what the
Explorer shows over ``store.load()`` (1e-9 relative), with NaN costs and latencies, unknown
and missing statuses and failed rows without a class in the data.
"""

from __future__ import annotations

import html

import pandas as pd
import pytest

pytest.importorskip("ibis", reason="the lazy extra (ibis-framework[duckdb]) is not installed")

from scan_stores import END, with_edge_cases, write_store  # noqa: E402

import eachlabs_analytics as ea  # noqa: E402
from eachlabs_analytics.notebook.explorer import Explorer  # noqa: E402
from eachlabs_analytics.notebook.filters import NO_WORKFLOW  # noqa: E402

TABLES = ("cost_by_model", "cost_over_time", "month_to_date", "latency", "trends", "errors")


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    frame = ea.generate_executions(executions=30_000, seed=12, end=END, days=75)
    store = write_store(tmp_path_factory.mktemp("store"), with_edge_cases(frame, seed=3))
    return store, store.load()


def assert_same_panes(lazy: Explorer, eager: Explorer) -> None:
    assert lazy.lazy and not eager.lazy
    assert lazy.errors == {} and eager.errors == {}
    for name in TABLES:
        pd.testing.assert_frame_equal(lazy.tables[name], eager.tables[name], rtol=1e-9)
    # the cards' numbers (compared as numbers: a sum in another order may round the other
    # way at half a cent when shown)
    want, got = eager.summary.to_dict(), lazy.summary.to_dict()
    for name, value in want.items():
        if isinstance(value, float):
            assert got[name] == pytest.approx(value, rel=1e-9, nan_ok=True), name
        elif name != "top_models":
            assert got[name] == value, name
    assert lazy.executions.value == eager.executions.value
    assert lazy.status_line.value == eager.status_line.value
    # the cards' changes compare with the same days before, asked of the engine
    assert (lazy.previous is None) == (eager.previous is None)
    if eager.previous is not None:
        assert lazy.previous.executions == eager.previous.executions
        assert lazy.previous.spend == pytest.approx(eager.previous.spend, rel=1e-9)
    assert lazy.compare_note.value == eager.compare_note.value
    # the drill-down's first page: the same executions in the same order
    page = eager.tables["executions"].head(25)
    assert list(lazy.tables["executions"]["id"]) == list(page["id"])
    assert lazy.drill_pages.value == eager.drill_pages.value


def test_the_explorer_over_a_store_shows_the_loaded_frames_numbers(stored):
    store, frame = stored
    lazy = ea.explore(store, charts=False)
    eager = ea.explore(frame, charts=False)
    assert lazy.models == eager.models and lazy.workflows == eager.workflows
    assert NO_WORKFLOW in lazy.workflows
    assert_same_panes(lazy, eager)
    assert "30,000 of 30,000 executions" in html.unescape(lazy.status_line.value)


@pytest.mark.parametrize(
    "chosen",
    [
        {"models": "TOP2", "start": "2026-09-20", "end": "2026-10-15"},
        {"status_groups": ["failed", "other"]},
        {"status_groups": ["in_flight"], "error_classes": []},
        {"error_classes": ["execution_timeout", "provider_error"]},
        {"workflows": [NO_WORKFLOW, "TOPWF"]},
        {"start": "2026-11-04", "end": "2026-11-04", "status_groups": ["cancelled"]},
        {"models": "TOP2", "status_groups": ["succeeded"], "start": "2030-01-01"},  # nothing
    ],
)
def test_filters_narrow_the_selection_as_they_narrow_the_frame(stored, chosen):
    store, frame = stored
    lazy = ea.explore(store, charts=False)
    eager = ea.explore(frame, charts=False)
    chosen = dict(chosen)
    if chosen.get("models") == "TOP2":
        chosen["models"] = lazy.models[:2]
    if "TOPWF" in chosen.get("workflows", []):
        chosen["workflows"] = [NO_WORKFLOW, lazy.workflows[1]]
    lazy.filters = chosen
    eager.filters = chosen
    assert_same_panes(lazy, eager)
    assert lazy.filtered.count() == len(eager.filtered)
    assert lazy.filtered.attrs["window"] == eager.filtered.attrs["window"]


@pytest.mark.parametrize("sort", ["execution_cost", "total_seconds", "created_at"])
def test_drilldown_search_sort_pages_and_csv_come_from_the_engine(stored, sort):
    store, frame = stored
    lazy = ea.explore(store, charts=False)
    eager = ea.explore(frame, charts=False)
    for explorer in (lazy, eager):
        explorer.filters = {"status_groups": ["failed", "succeeded"]}
        explorer.drill_sort.value = sort
        explorer.drill_search.value = "  VEO "
        explorer.drill_next.click()
        explorer.drill_next.click()
    assert lazy.drill_pages.value == eager.drill_pages.value
    assert "page 3 of" in lazy.drill_pages.value
    page = eager.drilled().iloc[50:75]
    assert list(eager.tables["executions"]["id"]) == list(page["id"])  # the page shown
    assert list(lazy.tables["executions"]["id"]) == list(page["id"])
    assert lazy.selection_csv() == eager.selection_csv()


def test_explore_accepts_a_scan_and_a_store_never_loads(stored, monkeypatch):
    store, frame = stored

    def refuse(*args, **kwargs):
        raise AssertionError("the Explorer loaded the store into pandas")

    monkeypatch.setattr(type(store), "load", refuse)
    explorer = ea.explore(store.scan(start="2026-10-01T00:00:00Z"), charts=False)
    october = frame[frame["created_at"] >= pd.Timestamp("2026-10-01T00:00:00Z")]
    assert explorer.summary.executions == len(october)
    explorer.filters = {"models": [explorer.models[0]]}
    assert explorer.summary.spend == pytest.approx(
        october.loc[october["model"] == explorer.models[0], "execution_cost"].sum(), rel=1e-9
    )


def test_a_change_asks_the_engine_little_and_going_back_asks_nothing(stored, monkeypatch):
    from eachlabs_analytics.engines import Selection

    store, _ = stored
    asked: list[str] = []
    compute = Selection._compute

    def spy(self, request):
        asked.append(type(request).__name__)
        return compute(self, request)

    monkeypatch.setattr(Selection, "_compute", spy)
    explorer = ea.explore(store, charts=False)
    built = len(asked)
    assert built <= 4  # models, workflows (their totals reused), headline latency, range
    explorer.filters = {"status_groups": ["failed"]}
    assert len(asked) - built <= 3  # the headline and the open tab, sharing their partials
    before = len(asked)
    explorer.filters = None  # back to everything: the scan's partials are still there
    explorer.filters = {"status_groups": ["failed"]}  # and the failed ones too
    assert len(asked) == before


def test_the_forecast_tab_over_a_store_equals_the_loaded_frames(stored):
    pytest.importorskip("statsmodels")
    store, frame = stored
    lazy = ea.explore(store, charts=False)
    eager = ea.explore(frame, charts=False)
    for name in ("forecast", "anomalies"):
        pd.testing.assert_frame_equal(lazy.tables[name], eager.tables[name], rtol=1e-9)
    assert lazy.errors == {} and eager.errors == {}
    assert lazy.pane_tables["forecast"].value == eager.pane_tables["forecast"].value


def test_the_month_end_projection_over_a_store_equals_the_helpers(stored):
    pytest.importorskip("statsmodels")
    from eachlabs_analytics._util.formats import fmt_money
    from eachlabs_analytics.notebook.explorer import PANES

    store, frame = stored
    lazy = ea.explore(store, charts=False)
    lazy.tabs.selected_index = list(PANES).index("month_to_date")
    want = ea.month_end_projection(frame)
    assert lazy.errors == {}
    assert lazy.projection.projected == pytest.approx(want.projected, rel=1e-9)
    assert lazy.projection.spent == pytest.approx(want.spent, rel=1e-9)
    shown = html.unescape(lazy.month_end.value)
    assert f"<div class='ea-card-value'>{fmt_money(want.projected)}</div>" in shown
