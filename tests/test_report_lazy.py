"""A cost report over a selection equals the report over the loaded frames, without loading.

``build_report(store.scan(...), previous=store.scan(...))`` must equal
``build_report(store.load(...), previous=store.load(...))``: every table number by number
(``assert_frame_equal``, 1e-9 relative), the headline's numbers, meta, notes and section
texts. Stores are written straight to Parquet (``scan_stores``) with NaN costs and latencies,
unknown and missing statuses and failed rows without a class.

Rendered text is compared with :func:`same_text`: equal except that a number may differ by
one unit of its last shown digit (a sum added in another order can round the other way at
exactly half a cent), so no test depends on the engine's order of addition.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ibis", reason="the lazy extra (ibis-framework[duckdb]) is not installed")

from click.testing import CliRunner  # noqa: E402
from scan_stores import END, with_edge_cases, write_store  # noqa: E402

import eachlabs_analytics as ea  # noqa: E402
from eachlabs_analytics._util.windows import resolve_range  # noqa: E402
from eachlabs_analytics.app import sources  # noqa: E402
from eachlabs_analytics.cli import main  # noqa: E402
from eachlabs_analytics.engines import DuckDBEngine, Selection, scan_table  # noqa: E402
from eachlabs_analytics.engines import rows as engine_rows  # noqa: E402
from eachlabs_analytics.engines.selection import typed_frame  # noqa: E402
from eachlabs_analytics.exceptions import DataQualityWarning  # noqa: E402
from eachlabs_analytics.metrics import frame_rows as both_periods  # noqa: E402
from eachlabs_analytics.report import (  # noqa: E402
    CostReport,
    build_report,
    cost_report,
)
from eachlabs_analytics.store import ExecutionStore  # noqa: E402

ROWS = 12_000
DAYS = 150
CURRENT = {"start": "2026-10-01T00:00:00Z", "end": END}
BEFORE = {"start": "2026-08-27T00:00:00Z", "end": "2026-10-01T00:00:00Z"}  # adjacent
OVERLAPPING = {"start": "2026-08-20T00:00:00Z", "end": "2026-10-12T00:00:00Z"}
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> ExecutionStore:
    frame = ea.generate_executions(executions=ROWS, seed=17, end=END, days=DAYS)
    return write_store(tmp_path_factory.mktemp("report-lazy"), with_edge_cases(frame, seed=3))


def same_text(got: str, want: str) -> None:
    """Equal, except that a number may be off by one unit of its last shown digit."""
    got_parts, want_parts = NUMBER.split(got), NUMBER.split(want)
    assert got_parts == want_parts, (got, want)
    for a, b in zip(NUMBER.findall(got), NUMBER.findall(want), strict=True):
        if a == b:
            continue
        decimals = len(a.partition(".")[2])
        assert decimals == len(b.partition(".")[2]), (a, b)
        step = 10.0**-decimals
        assert abs(float(a.replace(",", "")) - float(b.replace(",", ""))) <= step * 1.000001, (
            a,
            b,
        )


def assert_same_report(lazy: CostReport, eager: CostReport) -> None:
    assert [s.key for s in lazy.sections] == [s.key for s in eager.sections]
    for got, want in zip(lazy.sections, eager.sections, strict=True):
        assert got.title == want.title
        same_text(got.intro, want.intro)
        assert [t.key for t in got.tables] == [t.key for t in want.tables], got.key
        assert len(got.charts) == len(want.charts), got.key
        for a, b in zip(got.tables, want.tables, strict=True):
            pd.testing.assert_frame_equal(a.frame, b.frame, rtol=1e-9, obj=a.key)
            assert (a.title, a.formats, a.labels) == (b.title, b.formats, b.labels), a.key
            same_text(a.note, b.note)
    pd.testing.assert_frame_equal(lazy.headline_table.frame, eager.headline_table.frame)
    got_values = lazy.headline_table.frame["value"].to_numpy(dtype=float)
    want_values = eager.headline_table.frame["value"].to_numpy(dtype=float)
    np.testing.assert_allclose(got_values, want_values, rtol=1e-9)
    for got, want in zip(lazy.headline, eager.headline, strict=True):
        assert (got.key, got.label) == (want.key, want.label)
        same_text(got.value, want.value)
        same_text(got.detail, want.detail)
        assert (got.change is None) == (want.change is None), got.key
        if got.change is not None and want.change is not None:
            same_text(got.change.spoken, want.change.spoken)
    assert lazy.meta == eager.meta
    assert lazy.notes == eager.notes
    assert lazy.banner == eager.banner
    assert lazy.period == eager.period
    assert lazy.previous_period == eager.previous_period
    assert lazy.window_table.frame.equals(eager.window_table.frame)


def both_reports(store: ExecutionStore, current: dict, previous: dict | None, **options):
    engine = DuckDBEngine()
    lazy = build_report(
        store.scan(**current, engine=engine),
        previous=None if previous is None else store.scan(**previous, engine=engine),
        charts=False,
        **options,
    )
    eager = build_report(
        store.load(**current),
        previous=None if previous is None else store.load(**previous),
        charts=False,
        **options,
    )
    return lazy, eager


def test_the_store_holds_the_edge_cases_the_report_shows(store):
    frame = store.load(**CURRENT)
    assert frame["execution_cost"].isna().any()
    assert frame["status"].isna().any() and frame["status"].isin(["paused", "queued"]).any()
    failed = frame["status"].isin(["error", "failed"])
    assert (failed & frame["error_classification"].isna()).any()
    report = build_report(frame, charts=False, forecast=False)
    assert len(report.table("cost_by_requested_model").frame)  # the router's own table
    assert len(report.table("cost_by_workflow").frame) > 1


@pytest.mark.parametrize(
    ("previous", "options"),
    [
        (BEFORE, {}),
        (OVERLAPPING, {}),
        (BEFORE, {"redact": True, "top": 5}),
        (None, {"redact": True}),
    ],
    ids=["adjacent", "overlapping", "redacted", "no-previous"],
)
def test_a_report_over_selections_equals_the_report_over_loaded_frames(store, previous, options):
    lazy, eager = both_reports(store, CURRENT, previous, forecast=False, **options)
    assert_same_report(lazy, eager)
    if previous is not None:
        assert lazy.table("change_by_model").frame["executions_previous"].sum() > 0
    if options.get("redact"):
        shown = lazy.table("cost_by_workflow").frame["workflow_id"]
        assert shown.str.startswith("workflow ").all()


def test_the_overlap_is_counted_once_as_in_memory(store):
    lazy, _ = both_reports(store, CURRENT, OVERLAPPING, forecast=False)
    # the previous period is cut at the current one's start, and no row counts twice
    assert lazy.previous_period == (
        pd.Timestamp(OVERLAPPING["start"]),
        pd.Timestamp(CURRENT["start"]),
    )
    total = lazy.table("change_total").frame.iloc[0]
    assert total["executions_previous"] == len(
        store.load(start=OVERLAPPING["start"], end=CURRENT["start"])
    )
    assert total["executions_current"] == len(store.load(**CURRENT))


def test_filters_and_a_frame_for_previous(store):
    current = {**CURRENT, "model": ["veo-3", "eachlabs-llm-router"]}
    before = {**BEFORE, "model": ["veo-3", "eachlabs-llm-router"]}
    lazy = build_report(
        store.scan(**current), previous=store.load(**before), charts=False, forecast=False
    )
    eager = build_report(
        store.load(**current), previous=store.load(**before), charts=False, forecast=False
    )
    assert_same_report(lazy, eager)
    assert any(m.startswith("Filters: ") for m in lazy.meta)


def test_an_empty_selection_gives_the_empty_report(store):
    nothing = {**CURRENT, "model": "no-such-model"}
    for previous in (None, BEFORE):
        with warnings.catch_warnings(record=True) as found:
            warnings.simplefilter("always", DataQualityWarning)
            lazy, eager = both_reports(store, nothing, previous, forecast=True)
        assert_same_report(lazy, eager)
        assert lazy.banner.startswith("No executions were created")
        # compare_periods (by model, then overall) warns on each path: the current period is empty
        said = [str(w.message) for w in found if issubclass(w.category, DataQualityWarning)]
        assert len(said) == (0 if previous is None else 4) and len(set(said)) <= 1


def test_the_forecast_section_over_a_selection_equals_the_loaded_one(store, monkeypatch):
    pytest.importorskip("statsmodels")
    eager = build_report(store.load(**CURRENT), previous=store.load(**BEFORE), charts=False)
    monkeypatch.setattr(ExecutionStore, "load", _refuse)
    monkeypatch.setattr(Selection, "to_pandas", _refuse)
    engine = DuckDBEngine()
    lazy = build_report(
        store.scan(**CURRENT, engine=engine),
        previous=store.scan(**BEFORE, engine=engine),
        charts=False,
    )
    section = lazy.section("forecast")
    assert section.tables and "learn from the previous period too" in section.intro
    assert lazy.table("month_end_projection").frame["projected"].iloc[0] > 0
    assert_same_report(lazy, eager)  # the forecast, the anomalies and every other section


def _refuse(*args, **kwargs):
    raise AssertionError("the report over a selection loaded rows")


# --- the CLI ---------------------------------------------------------------------------------
def sections_of(markdown: str) -> dict[str, str]:
    """Markdown by ``## `` section, the footer (it holds the time generated) left out."""
    body = markdown.rsplit("\n_", 1)[0]
    parts = re.split(r"^## ", body, flags=re.M)
    return {"": parts[0], **{p.split("\n", 1)[0]: p for p in parts[1:]}}


@pytest.mark.parametrize("arguments", [["--last", "30d"], ["--last", "21d", "--redact"]])
def test_report_store_writes_what_it_wrote_from_loaded_frames(
    store, tmp_path, monkeypatch, arguments
):
    # before this change: from_store loaded the periods, cost_report rendered them
    window = resolve_range(None, None, arguments[1], None)
    loaded = sources.from_store(store.path, window, None, lazy=False)
    want = cost_report(
        loaded.current,
        format="markdown",
        previous=loaded.previous,
        redact="--redact" in arguments,
        history=loaded.history,  # the whole store, as the command passes it
    )
    monkeypatch.setattr(ExecutionStore, "load", _refuse)
    monkeypatch.setattr(Selection, "to_pandas", _refuse)
    monkeypatch.setattr(DuckDBEngine, "from_arrow", _refuse)  # no copy between engines
    out = tmp_path / "report.md"
    result = CliRunner().invoke(
        main, ["report", "--store", str(store.path), *arguments, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"reporting on {len(loaded.current):,} executions" in result.output
    got_sections, want_sections = sections_of(out.read_text()), sections_of(want)
    assert list(got_sections) == list(want_sections)
    for title, text in want_sections.items():
        same_text(got_sections[title], text)


def test_report_store_with_a_mistyped_model_says_what_it_meant(store, monkeypatch):
    monkeypatch.setattr(ExecutionStore, "load", _refuse)
    result = CliRunner().invoke(
        main, ["report", "--store", str(store.path), "--model", "veo3", "--last", "7d"]
    )
    assert result.exit_code == 3, result.output
    assert "model 'veo3': did you mean veo-3?" in result.output


def test_from_store_lazy_gives_selections_with_the_same_notes(store):
    window = resolve_range(None, None, "400d", None)  # longer than the store: no comparison
    lazy = sources.from_store(store.path, window, None, lazy=True)
    eager = sources.from_store(store.path, window, None, lazy=False)
    assert isinstance(lazy.current, Selection) and lazy.previous is None
    assert lazy.notes == eager.notes and any(n.startswith("no comparison") for n in lazy.notes)
    assert sources.count(lazy.current) == len(eager.current)


# --- the row-level queries, on ties, repeats and missing values -----------------------------
@pytest.fixture(scope="module")
def tied(tmp_path_factory) -> ExecutionStore:
    """Whole-dollar costs, twenty of the costliest rows at one instant, five without a time,
    three without a cost, and workflows first seen at the same instant."""
    df = ea.generate_executions(executions=3_000, seed=11, end=END, days=20)
    df["execution_cost"] = df["execution_cost"].round(0)
    costly = df["execution_cost"].nlargest(40).index
    df.loc[costly[:20], "created_at"] = df["created_at"].iloc[0]
    df.loc[costly[20:25], "created_at"] = pd.NaT
    df.loc[costly[25:28], "execution_cost"] = np.nan
    return write_store(tmp_path_factory.mktemp("tied"), df)


@pytest.mark.parametrize("top", [1, 3, 25])
def test_top_rows_order_ties_as_the_loaded_report(tied, top):
    lazy = build_report(tied.scan(), top=top, charts=False, forecast=False)
    eager = build_report(tied.load(), top=top, charts=False, forecast=False)
    got, want = lazy.table("most_expensive").frame, eager.table("most_expensive").frame
    pd.testing.assert_frame_equal(got, want)
    assert top < 3 or want.duplicated(["execution_cost", "created_at"]).any()


def test_first_seen_is_the_loaded_frames_order(tied):
    frame = tied.load()
    _, uniques = pd.factorize(frame["workflow_id"])
    assert engine_rows.first_seen(tied.scan(), "workflow_id") == list(uniques)
    lazy = build_report(tied.scan(), redact=True, charts=False, forecast=False)
    eager = build_report(frame, redact=True, charts=False, forecast=False)
    assert_same_report(lazy, eager)


@pytest.mark.parametrize("missing_id", [False, True])
def test_combine_keeps_what_concat_keeps(missing_id):
    df = ea.generate_executions(executions=400, seed=5, end=END, days=10)
    current = df.iloc[:250].reset_index(drop=True)
    previous = pd.concat([df.iloc[200:], df.iloc[210:215]], ignore_index=True)  # repeats
    if missing_id:
        previous.loc[3, "id"] = None
    engine = DuckDBEngine()
    combined = engine_rows.combine(
        scan_table(current, engine=engine), scan_table(previous, engine=engine)
    )
    # every row the engine keeps (to_pandas would drop repeated ids itself)
    rows = typed_frame(engine.execute(combined.to_ibis()))
    got = rows[list(both_periods.BOTH_PERIODS_COLUMNS)]
    want = both_periods.concat_periods(current, previous)
    assert len(got) == len(want) == (455 if missing_id else 400)
    columns = list(both_periods.BOTH_PERIODS_COLUMNS)
    got = got.astype(str).sort_values(columns).reset_index(drop=True)
    want = want.astype(str).sort_values(columns).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)


def test_previous_from_another_engine_is_compared_the_same(store):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        lazy = build_report(
            store.scan(**CURRENT), previous=store.scan(**OVERLAPPING), charts=False, forecast=False
        )
        eager = build_report(
            store.load(**CURRENT), previous=store.load(**OVERLAPPING), charts=False, forecast=False
        )
    assert_same_report(lazy, eager)


def test_a_report_refuses_what_is_neither_frame_nor_selection():
    with pytest.raises(ea.InvalidQueryError, match="selection"):
        build_report(scan_table(ea.generate_executions(executions=10, seed=1)), previous=[1])
