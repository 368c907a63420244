"""The order ``ExecutionStore.load()`` returns, however the day files were written.

The store's writer sorts each day file newest first (then by id), so ``load`` reads the
newest day's file first and only checks the order. Files written by another tool may be in
any order: then ``load`` sorts, and must give exactly what a pandas sort by
``(created_at desc, id asc)`` of the rows read oldest file first gives (stable, missing last),
deduplicated by id keeping the first row, as it always did.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_parquet import typed_frame

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics._util import typed
from eachlabs_analytics.store import ExecutionStore, convert
from eachlabs_analytics.store import read as read_module
from eachlabs_analytics.store import upsert as upsert_module
from eachlabs_analytics.store.layout import day_file


def write_day(store: ExecutionStore, day: str, rows: pd.DataFrame) -> None:
    """One day file exactly as given (no sorting): what an older or foreign writer leaves."""
    folder = store.data_path / f"created_date={day}"
    folder.mkdir(parents=True, exist_ok=True)
    table = convert.to_table(rows)
    pq.write_table(table, folder / "part-0.parquet", compression="zstd")


def old_order(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """What load() returned before it trusted the files' order: files oldest first, then a
    stable sort and a dedupe by id, computed here with pandas alone."""
    rows = pd.concat(frames, ignore_index=True)
    rows = rows.sort_values(
        ["created_at", "id"], ascending=[False, True], na_position="last", kind="stable"
    )
    rows = rows.drop_duplicates("id", keep="first").reset_index(drop=True)
    statuses = schema.status_dtype(rows.status.dropna().astype(str).unique())
    return rows.astype({**schema.DTYPES, "status": statuses})


def day_rows(n: int, day: str, seed: int) -> pd.DataFrame:
    rows = typed_frame(n, seed=seed)
    midnight = pd.Timestamp(f"{day}T00:00:00Z")
    offset = pd.to_timedelta(np.random.default_rng(seed).integers(0, 86_400, n), unit="s")
    rows["created_at"] = (midnight + offset).as_unit("us")
    rows["id"] = [f"{day}-{i:03d}" for i in range(n)]
    return rows


def test_sorted_files_with_ties_load_in_their_order(tmp_path):
    store = ExecutionStore(tmp_path)
    first, second = day_rows(40, "2026-10-01", 1), day_rows(40, "2026-10-02", 2)
    second.loc[:9, "created_at"] = second["created_at"].iloc[0]  # ten rows created together
    second.loc[:9, "id"] = [f"tie-{i}" for i in (3, 1, 4, 0, 5, 9, 2, 6, 8, 7)]
    for rows, day in ((first, "2026-10-01"), (second, "2026-10-02")):
        write_day(store, day, old_order([rows]))  # sorted, as the store writes its files
    got = store.load()
    pd.testing.assert_frame_equal(got, old_order([first, second]))
    ties = got[got.created_at == second["created_at"].iloc[0]]
    assert ties["id"].tolist() == [f"tie-{i}" for i in range(10)]


def test_an_unsorted_day_file_is_sorted_on_load(tmp_path):
    store = ExecutionStore(tmp_path)
    first, second = day_rows(60, "2026-10-01", 3), day_rows(60, "2026-10-02", 4)
    first.loc[:5, "created_at"] = first["created_at"].iloc[7]  # ties, ids out of order
    first = first.sample(frac=1, random_state=5)  # shuffled on disk
    write_day(store, "2026-10-01", first)
    write_day(store, "2026-10-02", old_order([second]))
    on_disk = pq.read_table(day_file(store.path, store.partitions()[0]))["created_at"].to_numpy()
    assert not (np.diff(on_disk.astype(np.int64)) <= 0).all()  # really out of order
    pd.testing.assert_frame_equal(store.load(), old_order([first, second]))
    window = store.load(start="2026-10-01T12:00:00Z", end="2026-10-02T06:00:00Z")
    both = old_order([first, second])
    inside = both[
        (both.created_at >= "2026-10-01T12:00:00Z") & (both.created_at < "2026-10-02T06:00:00Z")
    ]
    pd.testing.assert_frame_equal(window, old_order([inside]))


def test_the_same_row_in_two_files_keeps_the_older_files_version(tmp_path):
    # a foreign writer put one execution, same id and time, in two day folders: the copy
    # read first (the older folder, as load always read them) wins, as it always did
    store = ExecutionStore(tmp_path)
    first, second = day_rows(20, "2026-10-01", 6), day_rows(20, "2026-10-02", 7)
    copy = second.iloc[[0]].assign(model="from-the-older-folder")
    first = pd.concat([first, copy], ignore_index=True)
    write_day(store, "2026-10-01", old_order([first]))
    write_day(store, "2026-10-02", old_order([second]))
    got = store.load()
    pd.testing.assert_frame_equal(got, old_order([first, second]))
    assert got.loc[got["id"] == copy["id"].iloc[0], "model"].tolist() == ["from-the-older-folder"]
    assert got["id"].is_unique


@pytest.mark.parametrize("threaded", [False, True])
def test_a_row_left_in_two_days_by_a_dead_sync_is_loaded_once(tmp_path, monkeypatch, threaded):
    # a sync that died while moving a row to another day leaves both versions; both files
    # are sorted, so load takes the fast path and must still drop the older version
    if threaded:  # big loads check the ids in a thread while the frame is built
        monkeypatch.setattr(read_module, "_OVERLAP_ROWS", 0)
    store = ExecutionStore(tmp_path)
    first, second = day_rows(30, "2026-10-01", 8), day_rows(30, "2026-10-02", 9)
    moved = first.iloc[[3]].assign(created_at=second["created_at"].max(), status="success")
    second = pd.concat([second, moved], ignore_index=True)
    write_day(store, "2026-10-01", old_order([first]))
    write_day(store, "2026-10-02", old_order([second]))
    got = store.load()
    assert len(got) == 60 and got["id"].is_unique  # 30 + 31 rows, one id twice
    pd.testing.assert_frame_equal(got, old_order([first, second]))
    kept = got.loc[got["id"] == moved["id"].iloc[0], "created_at"]
    assert kept.tolist() == moved["created_at"].tolist()  # the newer version


def test_newest_first_check():
    t = pd.Timestamp("2026-10-01T00:00:00Z")

    def table(times, ids):
        return pa.table(
            {
                "created_at": pa.array(times, schema.ARROW_TIMESTAMP),
                "id": pa.array(ids, pa.string()),
            }
        )

    s = pd.Timedelta(seconds=1)
    assert read_module._newest_first(table([t + s, t, t, t - s], ["z", "a", "b", "a"]))
    assert not read_module._newest_first(table([t, t + s], ["a", "b"]))
    assert not read_module._newest_first(table([t, t], ["b", "a"]))
    assert not read_module._newest_first(table([t, t], ["a", "a"]))  # a repeat: not strict
    assert not read_module._newest_first(table([t, t], ["a", None]))
    assert not read_module._newest_first(table([t, None], ["a", "b"]))


ids = st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(values=ids, cut=st.integers(0, 60), start=st.integers(0, 5))
# an id's hash must not depend on how long the other ids of its chunk are
@example(values=[None, "", "0", "0", "0\x80\x80\U00010000"], cut=3, start=0)
def test_distinct_ids_is_exact(values, cut, start):
    # chunked and sliced like a scan's columns (non-zero offsets into shared buffers)
    array = pa.array(values, pa.string())
    chunked = pa.chunked_array([array.slice(0, cut), array.slice(cut)], pa.string())
    sliced = pa.chunked_array([array.slice(min(start, len(values)))], pa.string())
    for column in (chunked, sliced):
        listed = column.to_pylist()
        assert read_module._distinct(column) == (len(set(listed)) == len(listed))
        expected = pd.Series(listed, dtype=object).duplicated(keep="first").tolist()
        assert typed.duplicated(column).tolist() == expected


def test_distinct_ids_compares_strings_when_hashes_collide(monkeypatch):
    monkeypatch.setattr(typed, "_hash_chunk", lambda chunk, out: out.fill(0))
    assert read_module._distinct(pa.chunked_array([["a", "b", "c"]]))
    assert not read_module._distinct(pa.chunked_array([["a", "b"], ["c", "b"]]))
    assert typed.duplicated(pa.chunked_array([["a", "b"], ["c", "b", "a"]])).tolist() == [
        False,
        False,
        False,
        True,
        True,
    ]


@pytest.mark.parametrize("longest", [8, 300])
def test_long_ids_are_checked_too(longest):
    unique = [f"{i:0{longest}d}" for i in range(5)]
    assert read_module._distinct(pa.chunked_array([unique]))
    assert not read_module._distinct(pa.chunked_array([[*unique, unique[2]]]))


# --- sync: the fetched rows are split by day once ------------------------------------------
def test_split_by_day_keeps_each_days_rows_in_order():
    days = pa.chunked_array(
        [pa.array([dt.date(2026, 10, d) for d in (3, 1, 3, 2, 1, 3)], pa.date32())]
    )
    table = pa.table({"n": list(range(6))})
    split = upsert_module._by_day(table, days)
    assert list(split) == [dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)]
    assert {day: t["n"].to_pylist() for day, t in split.items()} == {
        dt.date(2026, 10, 1): [1, 4],
        dt.date(2026, 10, 2): [3],
        dt.date(2026, 10, 3): [0, 2, 5],
    }
    assert upsert_module._by_day(table.slice(0, 0), days.slice(0, 0)) == {}


def test_first_sync_stores_what_load_executions_returns(tmp_path):
    end = pd.Timestamp("2026-10-31T00:00:00Z")
    window = {"start": "2026-10-06T00:00:00Z", "end": "2026-10-29T00:00:00Z"}
    with ea.sandbox(executions=12_000, seed=21, end=end, days=30, now=end) as api:
        options = {"base_url": api.base_url, "api_key": api.api_key, "progress": False}
        loaded = ea.load_executions(**window, **options)
        result = ExecutionStore(tmp_path).sync(**window, **options)
    store = ExecutionStore(tmp_path)
    assert result.rows == result.inserted == len(loaded) and result.partitions_written == 23
    pd.testing.assert_frame_equal(store.load(), loaded, check_categorical=False)
    for day in store.partitions():  # each file holds its day's rows, newest first
        on_disk = pq.read_table(day_file(store.path, day)).to_pandas()
        want = loaded[loaded.created_at.dt.date == day].reset_index(drop=True)
        assert on_disk["id"].tolist() == want["id"].tolist()


def test_newest_first_check_across_chunks():
    t = pd.Timestamp("2026-10-01T00:00:00Z")
    s = pd.Timedelta(seconds=1)

    def chunked(times, ids, cut):
        created = pa.array(times, schema.ARROW_TIMESTAMP)
        names = pa.array(ids, pa.string())
        return pa.table(
            {
                "created_at": pa.chunked_array([created.slice(0, cut), created.slice(cut)]),
                "id": pa.chunked_array([names.slice(0, cut), names.slice(cut)]),
            }
        )

    assert read_module._newest_first(chunked([t + s, t, t, t - s], ["z", "a", "b", "a"], 2))
    assert not read_module._newest_first(chunked([t + s, t, t, t - s], ["z", "b", "a", "a"], 2))
    assert not read_module._newest_first(chunked([t, t - s, t, t - s], ["a", "b", "c", "d"], 2))
    assert read_module._newest_first(chunked([t, t - s], ["a", "b"], 0))


def test_ids_are_hashed_the_same_across_blocks(monkeypatch):
    values = [f"exec_{i % 17:x}" * (1 + i % 5) for i in range(60)] + [None, "", None]
    expected = pd.Series(values, dtype=object).duplicated(keep="first").tolist()
    whole = typed.string_hashes(pa.chunked_array([values]))
    monkeypatch.setattr(typed, "_BLOCK", 4)
    assert typed.duplicated(pa.chunked_array([values[:30], values[30:]])).tolist() == expected
    blocked = typed.string_hashes(pa.chunked_array([values]))
    valid = [v is not None for v in values]
    assert (blocked[valid] == whole[valid]).all()
