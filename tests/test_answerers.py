"""The two answerers of the partial-aggregate protocol give the same partial rows.

Every helper asks ``partials(request)`` and finishes the answer with one code path, so a
figure is right on both a loaded frame and a lazy selection exactly when the two answerers
agree: the numpy one (:class:`~eachlabs_analytics.metrics.frame_partials.FramePartials`) and
an engine's (DuckDB through Ibis). Here they are compared request by request on a store with
every edge case (NaN costs and latencies, unknown and missing statuses, failed rows without a
class, DST changes), rows sorted the same way: counts and money exactly, other floats to 1e-9.
"""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa
import pytest

pytest.importorskip("ibis", reason="the lazy extra (ibis-framework[duckdb]) is not installed")

from scan_stores import DAYS, END, with_edge_cases, write_store  # noqa: E402

import eachlabs_analytics as ea  # noqa: E402
from eachlabs_analytics.metrics import lazy as _lazy  # noqa: E402
from eachlabs_analytics.metrics.frame_partials import FramePartials, answerer  # noqa: E402

ROWS = 40_000
PREVIOUS = (pd.Timestamp("2026-09-01", tz="UTC"), pd.Timestamp("2026-10-01", tz="UTC"))
CURRENT = (pd.Timestamp("2026-10-01", tz="UTC"), pd.Timestamp("2026-11-01", tz="UTC"))
OVERLAP = (pd.Timestamp("2026-09-20", tz="UTC"), pd.Timestamp("2026-10-10", tz="UTC"))

REQUESTS: list[_lazy.Request] = [
    _lazy.GroupCounts(by="model"),
    _lazy.GroupCounts(by=None),
    _lazy.GroupCounts(by="status_group", cost=False),
    _lazy.GroupCounts(by="error_classification"),
    _lazy.Latency(by="model", metric="total_seconds", percentiles=(50, 95, 99)),
    _lazy.Latency(by=None, metric="queue_seconds", percentiles=(0, 12.5, 100)),
    _lazy.Latency(by="status_group", metric="run_time", percentiles=(50,), outcome="failed"),
    _lazy.Latency(by="status", metric="execution_seconds", percentiles=(90,), outcome="other"),
    _lazy.Latency(by="model", metric="total_seconds", percentiles=()),  # counts and means only
    _lazy.Workflows(),
    _lazy.PeriodCounts(freq="D", tz="UTC", by=None),
    _lazy.PeriodCounts(freq="W", tz="Europe/Berlin", by="model", sub="status", squares=True),
    _lazy.PeriodCounts(freq="h", tz="America/New_York", by="status_group"),
    _lazy.PeriodCounts(freq="M", tz="Australia/Lord_Howe", by="model"),
    _lazy.PeriodCounts(freq="D", tz="Asia/Kolkata", by="workflow_id", cost=False),
    _lazy.PeriodLatency(
        freq="6h", tz="America/New_York", metric="total_seconds", percentiles=(5, 50)
    ),
    _lazy.PeriodLatency(freq="Q", tz="UTC", metric="run_time", percentiles=(95,)),
    _lazy.PeriodLatency(
        freq="D",
        tz="UTC",
        metric="execution_cost",
        percentiles=(50,),
        by="model",
        outcome="succeeded",
    ),
    _lazy.PeriodLatency(
        freq="W", tz="Europe/Berlin", metric="run_time", percentiles=(), by="status_group"
    ),
    _lazy.Spans(spans=(PREVIOUS, CURRENT), by="model", metric="total_seconds"),
    _lazy.Spans(spans=(OVERLAP, CURRENT), by=None, metric="queue_seconds"),
    _lazy.CreatedRange(),
]


@pytest.fixture(scope="module")
def store_and_frame(tmp_path_factory):
    frame = ea.generate_executions(executions=ROWS, seed=12, end=END, days=DAYS)
    store = write_store(tmp_path_factory.mktemp("answerers"), with_edge_cases(frame, seed=3))
    return store, store.load()


def rows_of(table: pa.Table) -> list[dict[str, object]]:
    """The partial rows as dicts, sorted by every key column (nulls first)."""
    keys = [
        c
        for c in ("period", "key", "sub_key", "status", "error_classification", "span")
        if c in table.column_names
    ]
    rows = table.to_pylist()
    return sorted(rows, key=lambda r: tuple((r[k] is not None, str(r[k])) for k in keys))


#: Columns that are keys or percentiles: null means missing. Any other column is a count or
#: a sum, where the protocol reads a null (a sum of nothing) as 0.
NULLABLE = ("period", "key", "sub_key", "status", "error_classification", "span", "first", "last")


def same(name: str, got: object, want: object) -> bool:
    if name not in NULLABLE and not name.startswith("q"):
        got, want = (0 if got is None else got), (0 if want is None else want)
    if isinstance(want, float) or isinstance(got, float):
        if got is None or want is None:
            return got is None and want is None
        return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12) or (  # type: ignore[arg-type]
            math.isnan(got) and math.isnan(want)  # type: ignore[arg-type]
        )
    return got == want


@pytest.mark.parametrize("request_", REQUESTS, ids=[repr(r)[:60] for r in REQUESTS])
def test_a_frame_answers_every_request_as_the_engine_does(store_and_frame, request_):
    store, frame = store_and_frame
    engine = store.scan().partials(request_)
    numpy = FramePartials(frame).partials(request_)
    assert set(numpy.column_names) == set(engine.column_names)
    got, want = rows_of(numpy), rows_of(engine)
    assert len(got) == len(want)
    for mine, theirs in zip(got, want, strict=True):
        for name, value in theirs.items():
            assert same(name, mine[name], value), (name, mine, theirs)


def test_money_partials_are_exact_nano_dollars(store_and_frame):
    _, frame = store_and_frame
    table = FramePartials(frame).partials(_lazy.GroupCounts(by="model"))
    assert table["cost"].type == pa.int64()
    expected = int((frame["execution_cost"].fillna(0) * 1e9).round().astype("int64").sum())
    assert sum(table["cost"].to_pylist()) == expected


def test_the_answerer_of_a_selection_is_the_selection_itself(store_and_frame):
    store, frame = store_and_frame
    selection = store.scan()
    assert answerer(selection, "x") is selection
    assert isinstance(answerer(frame, "x"), FramePartials)
    with pytest.raises(TypeError, match="takes a pandas DataFrame"):
        answerer([1, 2], "cost_by_model")


def test_a_frame_missing_what_a_request_reads_is_refused_by_name(store_and_frame):
    _, frame = store_and_frame
    partial = FramePartials(frame.drop(columns=["created_at"]), "cost_over_time")
    with pytest.raises(ea.InvalidQueryError, match=r"cost_over_time needs .*created_at"):
        partial.partials(_lazy.PeriodCounts(freq="D", tz="UTC", by=None))


def test_groups_without_a_latency_row_keep_their_row_on_both_answerers(store_and_frame):
    # only rows in flight: every group is there, with no latency row (count 0, NaN stats)
    _, frame = store_and_frame
    in_flight = frame[frame["status"].isin(["created", "starting", "processing", "running"])]
    eager = ea.latency_percentiles(in_flight)
    assert len(eager) == in_flight["model"].nunique() > 0
    assert (eager["count"] == 0).all() and eager["p95"].isna().all()
    lazy = ea.latency_percentiles(ea.scan_table(in_flight))
    pd.testing.assert_frame_equal(lazy, eager)
