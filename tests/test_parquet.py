"""Parquet export/import: exact dtype and attrs round trip, file format, atomic writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.store import parquet
from eachlabs_analytics.store.parquet import read_parquet, to_parquet

KEY = "smk_sandbox_demo"


def typed_frame(n: int = 50, seed: int = 3) -> pd.DataFrame:
    """A small executions frame in the schema's dtypes, with NAs and an unknown status."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2026-10-01T00:00:00.123456Z") + pd.to_timedelta(
        rng.integers(0, 30 * 86_400_000_000, n), unit="us"
    )
    started = created + pd.to_timedelta(rng.integers(0, 5_000_000, n), unit="us")
    completed = started + pd.to_timedelta(rng.integers(0, 90_000_000, n), unit="us")
    statuses = np.array(["success", "error", "running", "paused", "cancelled"])[
        rng.integers(0, 5, n)
    ]
    started = started.where(statuses != "running")
    completed = completed.where(~np.isin(statuses, ["running", "paused"]))
    classes = pd.array(
        np.where(statuses == "error", np.array(schema.ERROR_CLASSES)[rng.integers(0, 10, n)], None)
    )
    frame = pd.DataFrame(
        {
            "id": [f"exe-{i:04d}" for i in range(n)],
            "model": rng.choice(["veo-3", "flux-2-pro", "<script>alert(1)</script>"], n),
            "requested_model": [None if i % 3 else "openai/gpt-4.1-mini" for i in range(n)],
            "status": statuses,
            "workflow_id": [None if i % 4 else f"wf-{i % 3}" for i in range(n)],
            "workflow_execution_id": [None if i % 4 else f"wfe-{i}" for i in range(n)],
            "execution_cost": np.where(rng.random(n) < 0.1, np.nan, rng.random(n) * 3),
            "run_time": rng.random(n) * 100,
            "created_at": created,
            "started_at": started,
            "completed_at": completed,
            "output": [None if i % 5 == 0 else f"https://cdn.example/{i}.png" for i in range(n)],
            "error_classification": classes,
        }
    )
    frame["queue_seconds"] = (frame.started_at - frame.created_at).dt.total_seconds()
    frame["execution_seconds"] = (frame.completed_at - frame.started_at).dt.total_seconds()
    frame["total_seconds"] = (frame.completed_at - frame.created_at).dt.total_seconds()
    dtypes = dict(schema.DTYPES, status=schema.status_dtype(["paused"]))
    return frame.astype(dtypes)[list(schema.COLUMNS)]


def test_round_trip_keeps_every_schema_dtype(tmp_path):
    df = typed_frame()
    back = read_parquet(to_parquet(df, tmp_path / "x.parquet"))
    pd.testing.assert_frame_equal(back, df)
    for column in schema.COLUMNS:
        if column == "status":
            continue
        assert back[column].dtype == schema.DTYPES[column], column
    # unknown status kept as data, after the known ones, and unused known categories survive
    assert list(back.status.cat.categories) == list(schema.KNOWN_STATUSES) + ["paused"]
    assert list(back.error_classification.cat.categories) == list(schema.ERROR_CLASSES)
    assert back.started_at.isna().sum() == (df.status == "running").sum()


def test_round_trip_extra_columns_of_other_dtypes(tmp_path):
    df = typed_frame(8)
    df["i64"] = np.arange(8, dtype="int64")
    df["nullable_int"] = pd.array([1, None, 3, 4, 5, 6, 7, None], dtype="Int64")
    df["flag"] = np.arange(8) % 2 == 0
    df["plain_str"] = pd.Series(list("abcdefgh"), dtype="str")
    df["obj"] = pd.Series(list("abcdefgh"), dtype=object)
    df["naive_ns"] = pd.date_range("2026-01-01", periods=8, freq="h").astype("datetime64[ns]")
    df["ordered"] = pd.Categorical(list("lmhlmhlm"), categories=["l", "m", "h"], ordered=True)
    df["int_cat"] = pd.Categorical([1, 2, 1, 2, 1, 2, 1, 2], categories=[1, 2, 3])
    back = read_parquet(to_parquet(df, tmp_path / "x.parquet"))
    pd.testing.assert_frame_equal(back, df)
    assert back["ordered"].cat.ordered
    assert list(back["int_cat"].cat.categories) == [1, 2, 3]


def test_empty_frame_round_trips(tmp_path):
    df = schema.empty_frame()
    back = read_parquet(to_parquet(df, tmp_path / "x.parquet"))
    assert len(back) == 0
    assert back.dtypes.to_dict() == df.dtypes.to_dict()


def test_index_is_not_stored(tmp_path):
    df = typed_frame(10).iloc[[7, 2, 5]]
    back = read_parquet(to_parquet(df, tmp_path / "x.parquet"))
    assert list(back.index) == [0, 1, 2]
    assert list(back.id) == list(df.id)
    assert "__index_level_0__" not in pq.read_schema(tmp_path / "x.parquet").names


def test_attrs_round_trip_and_secrets_dropped(tmp_path):
    df = typed_frame(5)
    fetched = pd.Timestamp("2026-11-02T03:04:05.123456Z")
    df.attrs = {
        "window": {"start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"},
        "query": {"model": ["veo-3"], "status": None, "api_key": KEY},
        "fetched_at": fetched,
        "requests": np.int64(12),
        "coverage": {"error_rows_unclassified": 0, "ratio": 0.5},
        "api_key": KEY,
        "Authorization": f"Bearer {KEY}",
        "note": f"loaded with {KEY}",
        "headers": {"X-API-Key": KEY, "X-Request-Id": "req-1"},
    }
    path = to_parquet(df, tmp_path / "x.parquet")
    back = read_parquet(path)
    assert back.attrs["window"] == df.attrs["window"]
    assert back.attrs["query"] == {"model": ["veo-3"], "status": None}
    assert back.attrs["fetched_at"] == fetched
    assert back.attrs["requests"] == 12
    assert back.attrs["coverage"] == {"error_rows_unclassified": 0, "ratio": 0.5}
    assert back.attrs["headers"] == {"X-Request-Id": "req-1"}
    for dropped in ("api_key", "Authorization", "note"):
        assert dropped not in back.attrs
    assert b"smk_" not in path.read_bytes()
    assert KEY in df.attrs["api_key"]  # the caller's frame is untouched


def test_file_format_is_zstd_with_utc_microseconds(tmp_path):
    path = to_parquet(typed_frame(20), tmp_path / "x.parquet")
    meta = pq.ParquetFile(path).metadata
    codecs = {meta.row_group(0).column(i).compression for i in range(meta.row_group(0).num_columns)}
    assert codecs == {"ZSTD"}
    parquet_schema = pq.ParquetFile(path).schema
    created = parquet_schema.column(schema.COLUMNS.index("created_at"))
    logical = json.loads(created.logical_type.to_json())
    assert logical["Type"] == "Timestamp"
    assert logical["timeUnit"] == "microseconds"
    assert logical["isAdjustedToUTC"] is True


def test_nanosecond_timestamps_are_written_as_microseconds(tmp_path):
    df = typed_frame(3)
    df["extra_ts"] = pd.Series(pd.to_datetime(["2026-01-01T00:00:00.123456789Z"] * 3)).astype(
        "datetime64[ns, UTC]"
    )
    path = to_parquet(df, tmp_path / "x.parquet")
    assert str(pq.read_schema(path).field("extra_ts").type) == "timestamp[us, tz=UTC]"
    back = read_parquet(path)
    assert back.extra_ts.dtype == "datetime64[ns, UTC]"
    assert back.extra_ts[0] == pd.Timestamp("2026-01-01T00:00:00.123456Z")


def test_duckdb_reads_the_file_with_the_right_types(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    df = typed_frame(30)
    path = to_parquet(df, tmp_path / "x.parquet")
    con = duckdb.connect()
    types = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()}
    assert types["created_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["execution_cost"] == "DOUBLE"
    assert types["id"] == "VARCHAR"
    total = con.execute(f"SELECT sum(execution_cost) FROM '{path}'").fetchone()[0]
    assert total == pytest.approx(df.execution_cost.sum())


def test_reads_parquet_written_by_plain_pandas_into_schema_dtypes(tmp_path):
    df = typed_frame(12)
    loose = df.astype({c: object for c in schema.STRING_FIELDS}).astype({"status": str})
    loose = loose.astype({"error_classification": object})
    loose.to_parquet(tmp_path / "plain.parquet", index=False)
    back = read_parquet(tmp_path / "plain.parquet")
    for column in schema.COLUMNS:
        if column != "status":
            assert back[column].dtype == schema.DTYPES[column], column
    assert back.status.dtype == schema.status_dtype(["paused"])
    assert back.status.astype(str).tolist() == df.status.astype(str).tolist()


def test_read_subset_of_columns(tmp_path):
    df = typed_frame(6)
    back = read_parquet(to_parquet(df, tmp_path / "x.parquet"), columns=["status", "created_at"])
    pd.testing.assert_frame_equal(back, df[["status", "created_at"]])


def test_overwrite_replaces_the_file(tmp_path):
    path = tmp_path / "x.parquet"
    to_parquet(typed_frame(5), path)
    to_parquet(typed_frame(9, seed=4), path)
    assert len(read_parquet(path)) == 9
    assert sorted(os.listdir(tmp_path)) == ["x.parquet"]


def test_failed_write_leaves_previous_file_and_no_junk(tmp_path, monkeypatch):
    path = tmp_path / "x.parquet"
    old = typed_frame(7)
    to_parquet(old, path)
    before = path.read_bytes()

    def half_then_crash(table, target):
        with open(target, "wb") as handle:
            handle.write(b"PAR1" + b"\0" * 1000)
        raise OSError("disk full")

    monkeypatch.setattr(parquet, "write_table", half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        to_parquet(typed_frame(40, seed=9), path)
    assert path.read_bytes() == before
    pd.testing.assert_frame_equal(read_parquet(path), old)
    assert sorted(os.listdir(tmp_path)) == ["x.parquet"]


def test_killed_write_leaves_previous_file_and_next_write_cleans_up(tmp_path):
    path = tmp_path / "x.parquet"
    old = typed_frame(7)
    to_parquet(old, path)
    before = path.read_bytes()
    marker = tmp_path / "started"
    script = textwrap.dedent(
        f"""
        import time, pyarrow as pa
        from eachlabs_analytics import schema
        from eachlabs_analytics.store import parquet
        def slow(table, target):
            with open(target, "wb") as handle:
                handle.write(b"PAR1" + b"x" * 4096)
                handle.flush()
            open({str(marker)!r}, "w").close()
            time.sleep(60)
        parquet.write_table = slow
        parquet.to_parquet(schema.empty_frame(), {str(path)!r})
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), "the writer never started"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    marker.unlink()
    assert path.read_bytes() == before
    pd.testing.assert_frame_equal(read_parquet(path), old)
    leftovers = [n for n in os.listdir(tmp_path) if n != "x.parquet"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".x.parquet.")  # hidden, dead pid
    to_parquet(old, path)  # the next write removes what the killed writer left
    assert sorted(os.listdir(tmp_path)) == ["x.parquet"]


def test_bad_input_errors_are_clear(tmp_path):
    with pytest.raises(TypeError, match="expected a pandas DataFrame"):
        to_parquet([1, 2], tmp_path / "x.parquet")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        to_parquet(typed_frame(2), tmp_path / "missing" / "x.parquet")
    with pytest.raises(IsADirectoryError):
        to_parquet(typed_frame(2), tmp_path)
    with pytest.raises(FileNotFoundError, match="no such Parquet file"):
        read_parquet(tmp_path / "nope.parquet")
    (tmp_path / "junk.parquet").write_text("not parquet")
    with pytest.raises(ea.StoreError, match="not a readable Parquet file") as info:
        read_parquet(tmp_path / "junk.parquet")
    assert info.value.path == tmp_path / "junk.parquet" and "junk.parquet" in str(info.value)
    assert isinstance(info.value, ea.EachlabsError)
    dup = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(ValueError, match="duplicated: a"):
        to_parquet(dup, tmp_path / "d.parquet")
    assert sorted(os.listdir(tmp_path)) == ["junk.parquet"]


def test_safe_attrs_is_recursive():
    got = parquet.safe_attrs({"a": [{"token": "x", "b": 1}, f"Bearer {KEY}", "fine"]})
    assert got == {"a": [{"b": 1}, "fine"]}


def test_written_file_has_the_permissions_of_a_plain_open(tmp_path):
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    path = to_parquet(typed_frame(2), tmp_path / "x.parquet")
    assert (path.stat().st_mode & 0o777) == (plain.stat().st_mode & 0o777)
