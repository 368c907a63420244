"""A lazy selection of a store gives every helper the same result as the loaded frame.

Stores are written straight to Parquet from the generator (``scan_stores``), with NaN costs
and latencies, unknown and missing statuses, rows in flight and failed rows without a class.
Each helper over ``store.scan(...)`` (DuckDB) must equal the helper over ``store.load(...)``
of the same arguments to 1e-9 relative, ``attrs`` included.
"""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest

pytest.importorskip("ibis", reason="the lazy extra (ibis-framework[duckdb]) is not installed")

from scan_stores import DAYS, END, with_edge_cases, write_store  # noqa: E402

import eachlabs_analytics as ea  # noqa: E402
from eachlabs_analytics.engines import DuckDBEngine, Selection  # noqa: E402
from eachlabs_analytics.exceptions import DataQualityWarning, InvalidQueryError  # noqa: E402

BIG_ROWS = 1_000_000
SMALL_ROWS = 60_000


def assert_same(lazy: object, eager: object) -> None:
    """Equal to 1e-9 relative, ``attrs`` included (a Summary field by field)."""
    if isinstance(eager, ea.Summary):
        assert isinstance(lazy, ea.Summary)
        got, want = lazy.to_dict(), eager.to_dict()
        assert got.keys() == want.keys()
        for name, value in want.items():
            if isinstance(value, float):
                assert math.isclose(got[name], value, rel_tol=1e-9) or (
                    math.isnan(got[name]) and math.isnan(value)
                ), name
            elif name == "top_models":
                assert [n for n, _ in got[name]] == [n for n, _ in value]
                for (_, a), (_, b) in zip(got[name], value, strict=True):
                    assert math.isclose(a, b, rel_tol=1e-9)
            else:
                assert got[name] == value, name
        return
    assert isinstance(lazy, pd.DataFrame) and isinstance(eager, pd.DataFrame)
    pd.testing.assert_frame_equal(lazy, eager, rtol=1e-9)
    assert lazy.attrs == eager.attrs


def both(helper: str, selection: Selection, frame: pd.DataFrame, **kwargs: object) -> None:
    function = getattr(ea, helper)
    with warnings.catch_warnings(record=True) as lazy_warnings:
        warnings.simplefilter("always")
        lazy = function(selection, **kwargs)
    with warnings.catch_warnings(record=True) as eager_warnings:
        warnings.simplefilter("always")
        eager = function(frame, **kwargs)
    # the helpers' own warnings (an engine's sockets and deprecations are not the point)
    ours = [
        [str(w.message) for w in found if issubclass(w.category, DataQualityWarning)]
        for found in (lazy_warnings, eager_warnings)
    ]
    assert ours[0] == ours[1]
    assert_same(lazy, eager)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    frame = ea.generate_executions(executions=BIG_ROWS, seed=21, end=END, days=DAYS)
    store = write_store(tmp_path_factory.mktemp("big"), with_edge_cases(frame))
    return store, store.load()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    frame = ea.generate_executions(executions=SMALL_ROWS, seed=4, end=END, days=DAYS)
    store = write_store(tmp_path_factory.mktemp("small"), with_edge_cases(frame, seed=9))
    return store, store.load()


CALLS = [
    ("cost_by_model", {}),
    ("cost_by_model", {"by": None}),
    ("cost_by_model", {"by": "status_group"}),
    ("cost_by_model", {"by": "status"}),
    ("cost_by_model", {"by": "requested_model"}),
    ("cost_by_workflow", {}),
    ("latency_percentiles", {}),
    ("latency_percentiles", {"by": None, "metric": "queue_seconds"}),
    ("latency_percentiles", {"percentiles": (0, 12.5, 50, 99.9, 100), "min_count": 5_000}),
    ("latency_percentiles", {"outcome": "failed", "metric": "run_time"}),
    ("latency_percentiles", {"outcome": "other", "by": "status"}),
    ("latency_percentiles", {"by": "status_group", "metric": "execution_seconds"}),
    ("error_breakdown", {}),
    ("error_breakdown", {"by": None, "all_classes": True}),
    ("error_breakdown", {"by": "error_classification"}),
    ("cost_over_time", {}),
    ("cost_over_time", {"freq": "W", "top": 3, "tz": "Europe/Berlin"}),
    ("error_rate_over_time", {}),
    ("error_rate_over_time", {"by": "model", "top": 2, "freq": "M"}),
    ("latency_over_time", {}),
    ("latency_over_time", {"freq": "6h", "percentiles": (5, 50, 99), "tz": "America/New_York"}),
    ("compare_periods", {}),
    ("compare_periods", {"current": "2026-10", "previous": "2026-09", "by": None}),
    # overlapping periods: each row counts in both
    ("compare_periods", {"current": ("2026-10-10", "2026-10-25"), "previous": "2026-10"}),
    ("summary", {}),
    ("summary", {"top": 2}),
    # no percentile asked: counts and means only (an engine refuses an empty quantile list)
    ("latency_percentiles", {"percentiles": ()}),
    ("latency_over_time", {"percentiles": ()}),
]


#: On a million rows: each helper once, with the options that change the query.
BIG_CALLS = [CALLS[i] for i in (0, 2, 5, 8, 12, 13, 16, 18, 20, 23, 24)]


@pytest.mark.parametrize(("helper", "kwargs"), BIG_CALLS, ids=[f"{h}-{k}" for h, k in BIG_CALLS])
def test_every_helper_over_a_million_row_store_equals_the_loaded_frame(big, helper, kwargs):
    store, frame = big
    assert len(frame) == BIG_ROWS
    both(helper, store.scan(), frame, **kwargs)


@pytest.mark.parametrize(("helper", "kwargs"), CALLS, ids=[f"{h}-{k}" for h, k in CALLS])
def test_every_helper_and_option_equals_the_loaded_frame(small, helper, kwargs):
    store, frame = small
    both(helper, store.scan(), frame, **kwargs)


def test_the_big_store_holds_every_edge_case(big):
    _, frame = big
    status = frame["status"].astype(object)
    assert frame["execution_cost"].isna().any() and frame["total_seconds"].isna().any()
    assert status.isin(["paused", "queued"]).any() and status.isna().any()
    assert status.isin(ea.schema.IN_FLIGHT_STATUSES).any()
    failed = status.isin(ea.schema.FAILED_STATUSES)
    assert (failed & frame["error_classification"].isna()).any()


FILTERS = [
    {"start": "2026-10-01T00:00:00Z", "end": "2026-10-08T00:00:00Z"},
    # a half-open window that starts and ends inside a day
    {"start": "2026-09-03T07:30:00Z", "end": "2026-09-05T13:00:00.000001Z"},
    {"model": ["veo-3", "flux-2-pro"], "end": "2026-10-15T00:00:00Z"},
    {"status": ["error", "paused", "running"]},
    {"error_classification": "execution_timeout", "start": "2026-08-01T00:00:00Z"},
    {"status": "success", "model": "kling-3-0"},
]


@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
def test_filters_select_what_load_selects(small, filters):
    store, _ = small
    selection, frame = store.scan(**filters), store.load(**filters)
    assert len(frame) > 0
    rows = selection.to_pandas()
    pd.testing.assert_frame_equal(rows, frame)
    assert rows.attrs == frame.attrs
    assert selection.count() == len(frame)
    for helper, kwargs in [
        ("cost_by_model", {}),
        ("latency_percentiles", {"by": "status_group"}),
        ("error_breakdown", {}),
        ("error_rate_over_time", {"freq": "D", "by": "model"}),
        ("summary", {}),
    ]:
        both(helper, selection, frame, **kwargs)


FREQS = ["D", "6h", "W", "W-SAT", "M", "Q", "Y"]
ZONES = [None, "Europe/Berlin", "Asia/Kathmandu", "Australia/Lord_Howe"]  # New York: in CALLS


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("freq", FREQS)
def test_every_freq_and_time_zone_buckets_as_in_memory(small, freq, tz):
    store, frame = small
    selection = store.scan()
    both("cost_over_time", selection, frame, freq=freq, tz=tz)
    both("error_rate_over_time", selection, frame, freq=freq, tz=tz, by="model", top=4)
    both("latency_over_time", selection, frame, freq=freq, tz=tz)


@pytest.mark.parametrize(
    ("freq", "tz"),
    [("s", None), ("30s", "Europe/Berlin"), ("min", "Asia/Kathmandu"), ("15min", "Europe/Berlin")],
)
def test_short_steps_over_a_clock_change(small, freq, tz):
    store = small[0]
    # Europe's clocks went back at 01:00 UTC on 2026-10-25: one wall-clock hour holds two
    window = {"start": "2026-10-24T20:00:00Z", "end": "2026-10-25T09:00:00Z"}
    selection, frame = store.scan(**window), store.load(**window)
    assert len(frame) > 50
    both("cost_over_time", selection, frame, freq=freq, tz=tz, by=None)
    both("error_rate_over_time", selection, frame, freq=freq, tz=tz)
    both("latency_over_time", selection, frame, freq=freq, tz=tz, percentiles=(50, 95))


DAY = "2026-10-01T00:00:00Z"
EMPTY_CALLS = [
    ("cost_by_model", {}),
    ("cost_by_model", {"by": None}),
    ("cost_by_workflow", {}),
    ("latency_percentiles", {}),
    ("latency_percentiles", {"by": None}),
    ("error_breakdown", {"all_classes": True}),
    ("cost_over_time", {}),
    ("error_rate_over_time", {}),
    ("latency_over_time", {}),
    ("compare_periods", {}),
    ("summary", {}),
]


AFTER, LATER = "2027-01-01T00:00:00Z", "2027-01-02T00:00:00Z"  # no day of the store


@pytest.mark.parametrize(("helper", "kwargs"), EMPTY_CALLS, ids=[h for h, _ in EMPTY_CALLS])
def test_empty_selections_give_what_empty_frames_give(small, tmp_path, helper, kwargs):
    store = small[0]
    for selection, frame in [
        (store.scan(model="no-such-model"), store.load(model="no-such-model")),
        (store.scan(start=AFTER, end=LATER), store.load(start=AFTER, end=LATER)),  # no day
        (ea.ExecutionStore(tmp_path / "nothing").scan(), ea.ExecutionStore(tmp_path).load()),
    ]:
        assert len(frame) == 0 and selection.count() == 0
        both(helper, selection, frame, **kwargs)


def test_a_window_reads_only_its_day_files(small, monkeypatch):
    store = small[0]
    read = []
    original = DuckDBEngine.read_parquet

    def spy(self, files):
        read.append(list(files))
        return original(self, files)

    monkeypatch.setattr(DuckDBEngine, "read_parquet", spy)
    store.scan(start="2026-10-01T12:00:00Z", end="2026-10-04T00:00:00Z")
    days = [file.split("created_date=")[1][:10] for file in read[0]]
    assert days == ["2026-10-01", "2026-10-02", "2026-10-03"]


def test_memory_limit_and_spill_folder_reach_duckdb(small, tmp_path):
    store, frame = small
    selection = store.scan(memory_limit="300MB", temp_directory=tmp_path / "spill")
    settings = selection.engine.settings()
    assert settings["memory_limit"] in {"286.1 MiB", "300.0 MB"}
    assert settings["temp_directory"] == str(tmp_path / "spill")
    both("latency_percentiles", selection, frame)
    with pytest.raises(InvalidQueryError, match="give them to the engine"):
        store.scan(memory_limit="1GB", engine=DuckDBEngine())


def test_a_selection_refuses_what_load_and_the_helpers_refuse(small):
    store = small[0]
    with pytest.raises(InvalidQueryError, match="must be before end"):
        store.scan(start="2026-10-02T00:00:00Z", end="2026-10-01T00:00:00Z")
    with pytest.raises(InvalidQueryError, match="must be before end"):  # as the loader
        store.scan(start="2026-10-01T00:00:00Z", end="2026-10-01T00:00:00Z")
    with pytest.raises(InvalidQueryError):
        store.scan(start="2026-10-02")  # no time zone, as load refuses
    with pytest.raises(InvalidQueryError):
        store.scan(error_classification="not-a-class")
    selection = store.scan()
    with pytest.raises(InvalidQueryError, match="by='modle' is not a column"):
        ea.cost_by_model(selection, by="modle")
    with pytest.raises(InvalidQueryError, match="freq="):
        ea.cost_over_time(selection, freq="fortnight")
    with pytest.raises(InvalidQueryError, match="tz="):
        ea.latency_over_time(selection, tz="Mars/Olympus")
    with pytest.raises(InvalidQueryError, match="metric="):
        ea.latency_percentiles(selection, metric="cost")


def test_scan_table_takes_frames_arrow_parquet_and_ibis_tables(small):
    import ibis

    store, frame = small
    files = sorted(str(p) for p in store.data_path.rglob("*.parquet"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Ibis 12 on DuckDB 2.0
        warehouse = ibis.duckdb.connect().read_parquet(files)
    sources = [ea.scan_table(store.data_path), ea.scan_table(warehouse), ea.scan_table(frame)]
    for selection in sources:
        lazy = ea.error_breakdown(selection)
        eager = ea.error_breakdown(frame)
        pd.testing.assert_frame_equal(lazy, eager, rtol=1e-9)


def test_rows_without_a_creation_time_are_counted_as_in_memory():
    frame = ea.generate_executions(executions=3_000, seed=3, end="2026-10-31T00:00:00Z")
    frame.loc[frame.index[::97], "created_at"] = pd.NaT
    selection = ea.scan_table(frame)
    for helper in ("cost_over_time", "error_rate_over_time", "latency_over_time"):
        lazy = getattr(ea, helper)(selection, freq="D", tz="Europe/Berlin")
        assert lazy.attrs["rows_without_created_at"] == len(frame.index[::97])
        assert_same(lazy, getattr(ea, helper)(frame, freq="D", tz="Europe/Berlin"))
    both("compare_periods", selection, frame)


def test_compare_periods_warns_about_an_empty_period_on_both_paths(small):
    store, frame = small
    with pytest.warns(DataQualityWarning, match="previous period"):
        ea.compare_periods(store.scan(), current="2026-10", previous="2020-01")
    both("compare_periods", store.scan(), frame, current="2026-10", previous="2020-01")


def test_helpers_share_partials_until_a_file_changes(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from eachlabs_analytics.store.layout import day_file
    from eachlabs_analytics.store.parquet import write_table

    frame = ea.generate_executions(executions=5_000, seed=8, end=END, days=10)
    store = write_store(tmp_path / "store", frame)
    selection = store.scan()
    asked = []
    compute = Selection._compute

    def spy(self, request):
        asked.append(type(request).__name__)
        return compute(self, request)

    monkeypatch.setattr(Selection, "_compute", spy)
    ea.cost_by_model(selection)
    ea.error_breakdown(selection)  # rows per group and status: cost_by_model's, reused
    ea.latency_percentiles(selection)  # the same groups, plus its own latency query
    assert asked == ["GroupCounts", "Latency"]
    # a sync rewrites a day file: the next helper queries again and sees the new rows
    file = day_file(store.path, store.partitions()[-1])
    table = pq.read_table(file)
    write_table(table.slice(0, table.num_rows // 2), file)
    both("error_breakdown", selection, store.load())
    assert asked == ["GroupCounts", "Latency", "GroupCounts"]


def test_scans_of_the_same_rows_share_their_partials(tmp_path, monkeypatch):
    frame = ea.generate_executions(executions=4_000, seed=9, end=END, days=10)
    store = write_store(tmp_path / "store", frame)
    asked = []
    compute = Selection._compute

    def spy(self, request):
        asked.append(type(request).__name__)
        return compute(self, request)

    monkeypatch.setattr(Selection, "_compute", spy)
    ea.cost_by_model(store.scan())
    ea.error_breakdown(store.scan())  # another scan of the same rows: nothing asked
    ea.latency_percentiles(store.scan())  # only its own latency query
    assert asked == ["GroupCounts", "Latency"]
    # other rows (a window, a filter) are asked for, and equal the loaded frame's
    start = "2026-11-01T00:00:00Z"
    both("cost_by_model", store.scan(start=start), store.load(start=start))
    assert asked[2:] == ["GroupCounts"]
    failed = store.scan().narrow(status_groups=["failed"])
    ea.cost_by_model(failed)
    ea.cost_by_model(store.scan().narrow(status_groups=["failed"]))  # the same rows: shared
    assert asked[3:] == ["GroupCounts"]
    expected = ea.cost_by_model(frame[frame["status"].isin(["error", "failed"])])
    assert int(ea.cost_by_model(failed)["executions"].sum()) == int(expected["executions"].sum())


def test_totals_come_from_any_grouping_already_computed(small, monkeypatch):
    store, frame = small
    selection = store.scan(start="2026-09-01T00:00:00Z")
    loaded = store.load(start="2026-09-01T00:00:00Z")
    asked = []
    compute = Selection._compute

    def spy(self, request):
        asked.append(request)
        return compute(self, request)

    monkeypatch.setattr(Selection, "_compute", spy)
    ea.cost_by_model(selection, by="workflow_id")  # rows and spend per workflow and status
    both("error_breakdown", selection, loaded, by=None)  # their sum: no second query
    both("cost_by_model", selection, loaded, by=None)
    assert [r.by for r in asked] == ["workflow_id"]
    both("summary", selection, loaded)  # only the latency and time-range queries are new
    assert not any(getattr(r, "by", "x") is None and type(r).__name__ == "GroupCounts"
                   for r in asked)  # fmt: skip
