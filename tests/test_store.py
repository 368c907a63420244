"""The incremental store: first sync, incremental syncs, in-flight refresh, crashes, readers.

Most tests drive the store with ``FakeClient``, a stand-in for the loader over a truth frame
the test mutates (exact control over what changed). ``test_sandbox_*`` and the tests after
them run the real loader against the sandbox and compare the store with the sandbox's ground
truth.
"""

from __future__ import annotations

import json
import os
import threading

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest
from test_parquet import typed_frame

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import EachlabsError, InvalidQueryError
from eachlabs_analytics.loader.query import parse_timestamp
from eachlabs_analytics.store import ExecutionStore
from eachlabs_analytics.store import fetch as fetch_module
from eachlabs_analytics.store import upsert as upsert_module

START = "2026-09-30T00:00:00Z"
END = "2026-11-01T00:00:00Z"


class FakeClient:
    """``load_executions`` over ``truth`` (the window [start, end), the loader's filters)."""

    def __init__(self, truth: pd.DataFrame) -> None:
        self.truth = truth
        self.calls: list[tuple[pd.Timestamp, pd.Timestamp]] = []

    def load_executions(self, start=None, end=None, model=None, status=None, **_):
        first, last = parse_timestamp(start, "start"), parse_timestamp(end, "end")
        self.calls.append((first, last))
        t = self.truth
        keep = (t.created_at >= first) & (t.created_at < last)  # [start, end), as the loader
        if model:
            keep &= t.model.isin([model] if isinstance(model, str) else model)
        if status:
            keep &= t.status.isin([status] if isinstance(status, str) else status)
        out = t[keep].reset_index(drop=True)
        out.attrs = {"window": {"start": start, "end": end}}
        return out

    def close(self) -> None:  # pragma: no cover - the store closes only clients it opened
        raise AssertionError("the store must not close a client it was given")


@pytest.fixture(autouse=True)
def _fake_clients_answer_the_store(monkeypatch):
    """The store loads through ``load_query(query, client)``; a FakeClient answers it itself."""
    real = fetch_module.load_query

    def load_query(query, client, **options):
        if isinstance(client, FakeClient):
            return client.load_executions(query.start, query.end, **query.filters.arguments())
        return real(query, client, **options)

    monkeypatch.setattr(fetch_module, "load_query", load_query)


def expected(truth: pd.DataFrame, start: str = START, end: str = END) -> pd.DataFrame:
    """The truth rows of a window as the store should return them (computed independently)."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    rows = truth[(truth.created_at >= first) & (truth.created_at < last)]
    rows = rows.sort_values(["created_at", "id"], ascending=[False, True], kind="stable")
    rows = rows.reset_index(drop=True)
    statuses = schema.status_dtype(rows.status.dropna().astype(str).unique())
    return rows.astype({**schema.DTYPES, "status": statuses})  # pandas 2 may have made objects


def assert_store_equals(store: ExecutionStore, truth: pd.DataFrame, **window) -> None:
    got = store.load()
    want = expected(truth, **window)
    pd.testing.assert_frame_equal(got, want)


@pytest.fixture
def truth() -> pd.DataFrame:
    frame = typed_frame(400, seed=11)
    # the fake truth's status categories: keep only what the rows hold (as a loader would)
    return frame.astype({"status": schema.status_dtype(frame.status.astype(str).unique())})


def set_status(truth: pd.DataFrame, ids, status: str, completed: pd.Timestamp) -> pd.DataFrame:
    """Finish some executions the way the API would show it on a later request."""
    truth = truth.copy()
    rows = truth.id.isin(ids)
    truth["status"] = truth.status.astype(str).where(~rows, status)
    truth.loc[rows, "started_at"] = truth.loc[rows, "created_at"] + pd.Timedelta(seconds=1)
    truth.loc[rows, "completed_at"] = completed
    truth["queue_seconds"] = (truth.started_at - truth.created_at).dt.total_seconds()
    truth["execution_seconds"] = (truth.completed_at - truth.started_at).dt.total_seconds()
    truth["total_seconds"] = (truth.completed_at - truth.created_at).dt.total_seconds()
    return truth.astype({"status": schema.status_dtype(truth.status.unique())})


def new_rows(n: int, created: pd.Timestamp, seed: int) -> pd.DataFrame:
    """``n`` executions created one minute apart from ``created`` on."""
    rows = typed_frame(n, seed=seed)
    starts = created + pd.to_timedelta(np.arange(n), unit="min")
    for column in schema.TIMESTAMP_FIELDS:
        rows[column] = starts + (rows[column] - rows.created_at)
    rows["id"] = [f"new-{seed}-{i}" for i in range(n)]
    return rows


def combine(*frames: pd.DataFrame) -> pd.DataFrame:
    loose = [f.astype({"status": str, "error_classification": object}) for f in frames]
    out = pd.concat(loose, ignore_index=True)
    return out.astype(
        {
            "status": schema.status_dtype(out.status.unique()),
            "error_classification": schema.ERROR_CLASS_DTYPE,
        }
    )


# --- first sync ----------------------------------------------------------------------------
def test_first_sync_stores_the_window_exactly(tmp_path, truth):
    store = ExecutionStore(tmp_path / "s")
    result = store.sync(start=START, end=END, client=FakeClient(truth))
    assert_store_equals(store, truth)
    days = sorted(truth.created_at.dt.date.unique())
    assert store.partitions() == days
    assert result.fetched == result.inserted == len(truth)
    assert (result.updated, result.unchanged) == (0, 0)
    assert result.partitions_written == len(days)
    assert result.window == {"start": START, "end": END}
    assert store.watermark == pd.Timestamp(END)
    names = sorted(os.listdir(store.data_path))
    assert names == [f"created_date={d.isoformat()}" for d in days]
    for name in names:
        assert os.listdir(store.data_path / name) == ["part-0.parquet"]
    manifest = json.loads((store.path / "manifest.json").read_text())
    in_flight = truth.status.isin(schema.IN_FLIGHT_STATUSES)
    assert manifest["in_flight"]["rows"] == result.in_flight == int(in_flight.sum())
    assert manifest["rows"] == len(truth)


def test_loaded_frame_has_the_loader_schema(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    store.sync(start=START, end=END, client=FakeClient(truth))
    df = store.load()
    assert tuple(df.columns) == schema.COLUMNS
    for column in schema.COLUMNS:
        if column != "status":
            assert df[column].dtype == schema.DTYPES[column], column
    assert list(df.status.cat.categories)[: len(schema.KNOWN_STATUSES)] == list(
        schema.KNOWN_STATUSES
    )
    assert "paused" in df.status.cat.categories
    assert df.attrs["source"] == "store"
    assert df.attrs["store_window"] == {"start": START, "end": END}


# --- incremental syncs ---------------------------------------------------------------------
def test_second_sync_fetches_from_watermark_minus_overlap_and_inserts_new_rows(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    client = FakeClient(truth)
    store.sync(start=START, end=END, client=client)
    later = "2026-11-03T00:00:00Z"
    added = new_rows(30, pd.Timestamp("2026-11-01T06:00:00Z"), seed=21)
    client.truth = combine(truth, added)
    client.calls.clear()
    result = store.sync(end=later, client=client, overlap="2h")
    main = [c for c in client.calls if c[1] == pd.Timestamp(later)]
    assert main == [(pd.Timestamp(END) - pd.Timedelta(hours=2), pd.Timestamp(later))]
    assert result.inserted == 30
    assert result.window == {"start": START, "end": later}
    assert_store_equals(store, client.truth, end=later)


def test_in_flight_rows_are_refetched_even_far_behind_the_watermark(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    client = FakeClient(truth)
    store.sync(start=START, end=END, client=client)
    in_flight = truth[truth.status.isin(schema.IN_FLIGHT_STATUSES)]
    oldest = in_flight.nsmallest(5, "created_at")
    assert (oldest.created_at < pd.Timestamp(END) - pd.Timedelta(days=7)).all()
    client.truth = set_status(truth, oldest.id, "success", pd.Timestamp("2026-11-01T01:00:00Z"))
    client.calls.clear()
    result = store.sync(end=END, client=client)
    assert result.updated == 5
    got = store.load().set_index("id").loc[oldest.id]
    assert (got.status == "success").all()
    assert got.completed_at.eq(pd.Timestamp("2026-11-01T01:00:00Z")).all()
    assert_store_equals(store, client.truth)
    # rows that had finished before were not fetched again (only in-flight windows + overlap)
    assert len(client.calls) >= 2
    assert result.fetched < len(truth)


def test_updated_and_unchanged_counts(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    client = FakeClient(truth)
    store.sync(start=START, end=END, client=client)
    first = store.sync(end=END, client=client)
    assert first.updated == 0 and first.inserted == 0
    assert first.unchanged == first.fetched > 0
    assert first.partitions_written == 0


def test_untouched_partitions_are_not_rewritten(tmp_path, truth):
    truth = truth[~truth.status.isin(schema.IN_FLIGHT_STATUSES)]
    store = ExecutionStore(tmp_path)
    client = FakeClient(truth)
    store.sync(start=START, end=END, client=client)
    before = {
        p: os.stat(store.data_path / p / "part-0.parquet").st_ino
        for p in os.listdir(store.data_path)
    }
    added = new_rows(3, pd.Timestamp("2026-11-01T10:00:00Z"), seed=5)
    client.truth = combine(truth, added)
    result = store.sync(end="2026-11-02T00:00:00Z", client=client)
    after = {
        p: os.stat(store.data_path / p / "part-0.parquet").st_ino
        for p in os.listdir(store.data_path)
    }
    assert result.partitions_written == 1
    assert set(after) - set(before) == {"created_date=2026-11-01"}
    assert all(after[p] == before[p] for p in before)


def test_a_row_whose_creation_day_changes_moves_partition(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    client = FakeClient(truth)
    store.sync(start=START, end=END, client=client)
    row = truth.nlargest(1, "created_at").iloc[0]
    moved = truth.copy()
    moved.loc[moved.id == row.id, "created_at"] = pd.Timestamp("2026-10-31T23:59:00Z")
    client.truth = moved
    store.sync(end=END, client=client)
    df = store.load()
    assert (df.id == row.id).sum() == 1
    assert df.loc[df.id == row.id, "created_at"].iloc[0] == pd.Timestamp("2026-10-31T23:59:00Z")


def test_backfill_with_an_earlier_start(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    client = FakeClient(truth)
    store.sync(start="2026-10-15T00:00:00Z", end=END, client=client)
    assert_store_equals(store, truth, start="2026-10-15T00:00:00Z")
    result = store.sync(start=START, end=END, client=client)
    assert result.window["start"] == START
    assert_store_equals(store, truth)


# --- crashes -------------------------------------------------------------------------------
def test_interrupted_sync_leaves_a_readable_store_and_the_next_sync_completes(
    tmp_path, truth, monkeypatch
):
    store = ExecutionStore(tmp_path)
    client = FakeClient(truth)
    store.sync(start=START, end=END, client=client)
    manifest_before = (store.path / "manifest.json").read_bytes()
    old = store.load()
    # many in-flight rows finish and new rows arrive
    finished = truth[truth.status.isin(schema.IN_FLIGHT_STATUSES)].id
    changed = set_status(truth, finished, "success", pd.Timestamp("2026-11-01T02:00:00Z"))
    client.truth = combine(changed, new_rows(20, pd.Timestamp("2026-11-01T03:00:00Z"), seed=8))
    later = "2026-11-02T00:00:00Z"

    real_commit = upsert_module._commit_partition
    calls = {"n": 0}

    def crash_on_third(root, day, frame, staging):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("power cut between partitions")
        return real_commit(root, day, frame, staging)

    monkeypatch.setattr(upsert_module, "_commit_partition", crash_on_third)
    with pytest.raises(OSError, match="power cut"):
        store.sync(end=later, client=client)
    monkeypatch.setattr(upsert_module, "_commit_partition", real_commit)

    # the watermark was not committed, the store reads, and each day is old or new, whole
    assert (store.path / "manifest.json").read_bytes() == manifest_before
    assert not (store.path / "staging").exists() or not any((store.path / "staging").iterdir())
    partial = store.load()
    new = expected(client.truth, end=later)
    assert partial.id.is_unique
    for day, rows in partial.groupby(partial.created_at.dt.date):
        old_day = old[old.created_at.dt.date == day].reset_index(drop=True)
        new_day = new[new.created_at.dt.date == day].reset_index(drop=True)
        rows = rows.reset_index(drop=True).astype({"status": str})
        assert rows.equals(old_day.astype({"status": str})) or rows.equals(
            new_day.astype({"status": str})
        ), day
    assert not partial.equals(old) and len(partial) < len(new) + 1

    result = store.sync(end=later, client=client)
    assert_store_equals(store, client.truth, end=later)
    assert result.window["end"] == later


def test_staging_files_never_sit_in_the_dataset(tmp_path, truth, monkeypatch):
    store = ExecutionStore(tmp_path)
    written = []
    real_write = upsert_module.write_table

    def spy(table, path):
        written.append(os.path.abspath(path))
        return real_write(table, path)

    monkeypatch.setattr(upsert_module, "write_table", spy)
    store.sync(start=START, end=END, client=FakeClient(truth))
    data_root = os.path.abspath(store.data_path) + os.sep
    staging_root = os.path.abspath(store.path / "staging") + os.sep
    assert written and all(p.startswith(staging_root) for p in written)
    assert not any(p.startswith(data_root) for p in written)
    assert not (store.path / "staging").exists()


def test_killed_sync_staging_is_cleaned_by_the_next_one(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    client = FakeClient(truth)
    store.sync(start=START, end=END, client=client)
    leftover = store.path / "staging" / "dead" / "x.parquet"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"PAR1half")
    store.sync(end=END, client=client)
    assert not leftover.exists()
    assert_store_equals(store, truth)


# --- readers -------------------------------------------------------------------------------
def test_pyarrow_dataset_reads_the_data_directory(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    store.sync(start=START, end=END, client=FakeClient(truth))
    dataset = ds.dataset(store.data_path, format="parquet", partitioning="hive")
    table = dataset.to_table()
    assert table.num_rows == len(truth)
    assert str(table.schema.field("created_at").type) == "timestamp[us, tz=UTC]"


def test_duckdb_reads_the_store_with_declared_types(tmp_path, truth):
    duckdb = pytest.importorskip("duckdb")
    store = ExecutionStore(tmp_path)
    store.sync(start=START, end=END, client=FakeClient(truth))
    con = duckdb.connect()
    source = (
        f"read_parquet('{store.data_path}/*/*.parquet', hive_partitioning = true, "
        "hive_types = {'created_date': DATE})"
    )
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    assert types["created_date"] == "DATE"
    assert types["created_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["execution_cost"] == "DOUBLE"
    assert types["status"] == "VARCHAR"
    per_day = con.execute(
        f"SELECT created_date, count(*), sum(execution_cost) FROM {source} "
        "GROUP BY created_date ORDER BY created_date"
    ).fetchall()
    want = truth.groupby(truth.created_at.dt.date).agg(
        n=("id", "size"), cost=("execution_cost", "sum")
    )
    assert [r[0] for r in per_day] == list(want.index)
    assert [r[1] for r in per_day] == want.n.tolist()
    assert np.allclose([r[2] or 0 for r in per_day], want.cost.to_numpy())
    # the partition column agrees with created_at's UTC date
    bad = con.execute(
        f"SELECT count(*) FROM {source} "
        "WHERE created_date <> CAST(created_at AT TIME ZONE 'UTC' AS DATE)"
    ).fetchone()[0]
    assert bad == 0


def test_load_filters_equal_pandas_masks(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    store.sync(start=START, end=END, client=FakeClient(truth))
    everything = store.load()
    lo, hi = pd.Timestamp("2026-10-05T12:00:00Z"), pd.Timestamp("2026-10-20T00:00:00Z")
    cases = [
        (dict(start=lo, end=hi), (everything.created_at >= lo) & (everything.created_at <= hi)),
        (dict(model="veo-3"), everything.model == "veo-3"),
        (dict(model=["veo-3", "flux-2-pro"]), everything.model.isin(["veo-3", "flux-2-pro"])),
        (dict(status="success,paused"), everything.status.isin(["success", "paused"])),
        (
            dict(error_classification=["provider_error", "unknown"]),
            everything.error_classification.isin(["provider_error", "unknown"]),
        ),
        (
            dict(start="2026-10-10T00:00:00+02:00", status=["error"]),
            (everything.created_at >= pd.Timestamp("2026-10-09T22:00:00Z"))
            & (everything.status == "error"),
        ),
    ]
    for kwargs, mask in cases:
        got = store.load(**kwargs)
        want = everything[mask.to_numpy()].reset_index(drop=True)
        assert len(want) > 0, kwargs
        assert got.id.tolist() == want.id.tolist(), kwargs


def test_empty_store_loads_an_empty_typed_frame(tmp_path):
    df = ExecutionStore(tmp_path / "nothing").load()
    assert df.empty and df.dtypes.equals(schema.empty_frame().dtypes)


# --- bad input -----------------------------------------------------------------------------
def test_bad_input_is_refused_clearly(tmp_path, truth):
    client = FakeClient(truth)
    store = ExecutionStore(tmp_path / "s")
    store.sync(start=START, end=END, model="veo-3", client=client)
    with pytest.raises(InvalidQueryError, match="different query .*model"):
        store.sync(model="flux-2-pro", client=client)
    store.sync(client=client, end=END)  # no filters: the store's own
    assert set(store.load().model) == {"veo-3"}
    with pytest.raises(InvalidQueryError, match="overlap must be a duration"):
        store.sync(client=client, overlap="soon")
    with pytest.raises(InvalidQueryError, match="overlap must be a duration >= 0"):
        store.sync(client=client, overlap="-1h")
    with pytest.raises(InvalidQueryError, match="must be before end"):
        store.load(start="2026-10-02T00:00:00Z", end="2026-10-01T00:00:00Z")
    # an empty window is refused everywhere, with the loader's words
    same = "2026-10-01T00:00:00Z"
    for read in (store.load, lambda **kw: ea.load_executions(client=client, **kw)):
        with pytest.raises(InvalidQueryError, match=r"start \(2026-10-01T00:00:00Z\) must be"):
            read(start=same, end=same)
    with pytest.raises(InvalidQueryError, match="no time zone"):
        store.load(start="2026-10-02")
    with pytest.raises(InvalidQueryError, match="allowed values"):
        store.load(error_classification="oops")
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(EachlabsError, match="not an empty directory nor an eachlabs"):
        ExecutionStore(other).sync(client=client)
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        ExecutionStore(tmp_path / "file")


def test_rows_without_a_creation_time_are_warned_about_not_silently_dropped(tmp_path):
    store = ea.ExecutionStore(tmp_path / "store")
    frame = ea.generate_executions(executions=50, seed=4, end="2026-10-31T00:00:00Z")
    frame.loc[frame.index[:2], "created_at"] = pd.NaT
    with pytest.warns(ea.DataQualityWarning, match="2 fetched rows have no valid created_at"):
        upsert_module.upsert(store.path, frame)


def test_a_store_refuses_a_status_filter_before_any_request(tmp_path):
    with ea.sandbox(executions=200, seed=1, end="2026-10-31T00:00:00Z") as api:
        client = ea.Client(api_key=api.api_key, base_url=api.base_url)
        store = ea.ExecutionStore(tmp_path / "store")
        with pytest.raises(ea.InvalidQueryError, match=r"store.load\(status=...\)"):
            store.sync(start="2026-10-01T00:00:00Z", status="created", client=client)
        assert api.request_log == []


def test_two_syncs_at_once_are_refused(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    gate, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    class SlowClient(FakeClient):
        def load_executions(self, *args, **kwargs):
            gate.set()
            release.wait(10)
            return super().load_executions(*args, **kwargs)

    def run():
        try:
            store.sync(start=START, end=END, client=SlowClient(truth))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert gate.wait(10)
        with pytest.raises(EachlabsError, match="another sync is running"):
            ExecutionStore(tmp_path).sync(start=START, end=END, client=FakeClient(truth))
    finally:
        release.set()
        worker.join(10)
    assert not errors
    assert_store_equals(store, truth)


# --- against the sandbox and the real loader -----------------------------------------------
def sandbox_truth(api, start: pd.Timestamp) -> pd.DataFrame:
    truth = api.truth
    rows = truth[truth.created_at >= start]
    rows = rows.sort_values(["created_at", "id"], ascending=[False, True], kind="stable")
    return rows.reset_index(drop=True)


def assert_equal_to_sandbox(store: ExecutionStore, api, start: pd.Timestamp) -> None:
    got, want = store.load(), sandbox_truth(api, start)
    # the sandbox's status categorical lists every known status; the store's only adds unknown
    # ones to the same known list, so compare the values and the categories' known prefix
    pd.testing.assert_frame_equal(got, want, check_categorical=False)
    assert list(got.status.cat.categories)[: len(schema.KNOWN_STATUSES)] == list(
        schema.KNOWN_STATUSES
    )


@pytest.fixture
def api():
    # the sandbox clock starts at the wall clock, so new rows are created "now" as in real life
    with ea.sandbox(executions=3_000, seed=7, days=30) as running:
        yield running


@pytest.fixture
def client(api):
    with ea.Client(api_key=api.api_key, base_url=api.base_url) as c:
        yield c


def test_sandbox_new_rows_and_status_changes_end_equal_to_truth(tmp_path, api, client):
    store = ExecutionStore(tmp_path)
    start = api.now - pd.Timedelta(days=20)
    first = store.sync(start=start, client=client, progress=False)
    assert_equal_to_sandbox(store, api, start)
    assert first.in_flight > 0  # the data has rows to follow up
    in_flight_ids = set(store.load(status=list(schema.IN_FLIGHT_STATUSES)).id)

    api.faults.new_rows_per_request = 4  # new executions arrive while the store pages
    api.faults.mutate_in_flight = 2  # in-flight rows move on (created -> starting -> done)
    second = store.sync(client=client, progress=False)
    assert second.inserted >= 4
    api.faults.new_rows_per_request = api.faults.mutate_in_flight = 0
    assert api.faults.injected_by_kind.get("mutate", 0) > 0

    store.sync(client=client, progress=False)
    assert_equal_to_sandbox(store, api, start)
    after = store.load().set_index("id")
    moved_on = [i for i in in_flight_ids if after.loc[i, "status"] not in schema.IN_FLIGHT_STATUSES]
    assert moved_on, "some rows that were in flight finished, and the store followed"
    errors = after[after.status.isin(schema.FAILED_STATUSES)]
    assert errors.error_classification.notna().all()


def test_sandbox_interrupted_sync_is_completed_by_the_next(tmp_path, api, client, monkeypatch):
    store = ExecutionStore(tmp_path)
    start = api.now - pd.Timedelta(days=20)
    store.sync(start=start, client=client, progress=False)
    watermark = store.watermark
    api.faults.mutate_in_flight = 3
    api.faults.new_rows_per_request = 2
    real_commit = upsert_module._commit_partition
    calls = {"n": 0}

    def crash_on_second(root, day, table, staging):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("interrupted between partitions")
        return real_commit(root, day, table, staging)

    # force a multi-partition sync: an earlier start adds a backfill window
    monkeypatch.setattr(upsert_module, "_commit_partition", crash_on_second)
    earlier = start - pd.Timedelta(days=5)
    with pytest.raises(KeyboardInterrupt):
        store.sync(start=earlier, client=client, progress=False)
    monkeypatch.setattr(upsert_module, "_commit_partition", real_commit)
    assert calls["n"] == 2
    assert store.watermark == watermark  # not committed
    assert pd.Timestamp(store.window["start"]) == start  # nor the backfill
    assert store.load().id.is_unique  # readable and consistent
    assert not (tmp_path / "staging").exists()

    api.faults.mutate_in_flight = api.faults.new_rows_per_request = 0
    store.sync(start=earlier, client=client, progress=False)
    assert_equal_to_sandbox(store, api, earlier)


def test_a_failed_fetch_changes_nothing(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    store.sync(start=START, end=END, client=FakeClient(truth))
    before = {
        p: (store.data_path / p / "part-0.parquet").read_bytes()
        for p in os.listdir(store.data_path)
    }
    manifest = (store.path / "manifest.json").read_bytes()

    class Broken(FakeClient):
        def load_executions(self, *args, **kwargs):
            raise EachlabsError("API down (HTTP 503, request id r-1)")

    with pytest.raises(EachlabsError, match="API down"):
        store.sync(end=END, client=Broken(truth))
    after = {
        p: (store.data_path / p / "part-0.parquet").read_bytes()
        for p in os.listdir(store.data_path)
    }
    assert after == before
    assert (store.path / "manifest.json").read_bytes() == manifest
    assert sorted(os.listdir(store.path)) == [".lock", "data", "manifest.json"]


def test_sandbox_sync_opens_its_own_client(tmp_path, api):
    store = ExecutionStore(tmp_path)
    start = api.now - pd.Timedelta(days=3)
    result = store.sync(start=start, api_key=api.api_key, base_url=api.base_url, progress=False)
    assert result.inserted == len(sandbox_truth(api, start)) > 0
    assert_equal_to_sandbox(store, api, start)
    assert api.api_key not in (store.path / "manifest.json").read_text()


def missing_from_store(store: ea.ExecutionStore, truth: pd.DataFrame) -> int:
    window = store.window
    first, last = pd.Timestamp(window["start"]), pd.Timestamp(window["end"])
    inside = truth[(truth.created_at >= first) & (truth.created_at <= last)]
    return int((~inside["id"].isin(store.load()["id"])).sum())


def test_a_backfill_that_ends_early_still_reaches_the_old_start(tmp_path):
    with ea.sandbox(executions=4_000, seed=3, end="2026-10-31T00:00:00Z") as api:
        client = ea.Client(api_key=api.api_key, base_url=api.base_url)
        store = ea.ExecutionStore(tmp_path / "store")
        store.sync(start="2026-10-20T00:00:00Z", end="2026-10-30T00:00:00Z", client=client)
        store.sync(start="2026-10-01T00:00:00Z", end="2026-10-05T00:00:00Z", client=client)
        assert store.window["start"] == "2026-10-01T00:00:00Z"
        assert missing_from_store(store, api.truth) == 0  # nothing between Oct 5 and Oct 20


def test_a_server_clock_behind_ours_loses_no_rows_between_syncs(tmp_path):
    # the sandbox clock is its data's end (a month ago): new rows are stamped in the past
    with ea.sandbox(executions=3_000, seed=5, end="2026-10-31T00:00:00Z") as api:
        client = ea.Client(api_key=api.api_key, base_url=api.base_url)
        store = ea.ExecutionStore(tmp_path / "store")
        store.sync(start="2026-10-01T00:00:00Z", client=client, progress=False)
        api.faults.new_rows_per_request = 3
        for _ in range(2):
            store.sync(client=client, progress=False)
        api.faults.new_rows_per_request = 0
        store.sync(client=client, progress=False)
        assert len(api.truth) > 3_000
        assert missing_from_store(store, api.truth) == 0
        assert api.truth["id"].isin(store.load()["id"]).sum() == len(
            api.truth[api.truth.created_at >= pd.Timestamp("2026-10-01T00:00:00Z")]
        )
