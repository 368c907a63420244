"""A damaged store says which file and how to repair it; ``repair`` fetches the day again.

Damage of every kind a disk or a hand can do: a truncated day file, garbage bytes, bytes
flipped inside a data page, a file of another schema, an unreadable or broken manifest.
Each raises ``StoreError`` (an ``EachlabsError``) naming the file, from ``load`` and from
``sync`` (before anything is fetched): nothing is skipped silently.
"""

from __future__ import annotations

import json
import os

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_store import (  # noqa: F401 - fixtures
    END,
    START,
    FakeClient,
    _fake_clients_answer_the_store,
    assert_store_equals,
    truth,
)

from eachlabs_analytics.exceptions import EachlabsError, StoreError
from eachlabs_analytics.store import ExecutionStore


@pytest.fixture
def synced(tmp_path, truth):  # noqa: F811
    store = ExecutionStore(tmp_path / "s")
    store.sync(start=START, end=END, client=FakeClient(truth))
    return store


def damaged_day(store: ExecutionStore, how: str):
    day = store.partitions()[len(store.partitions()) // 2]
    path = store.data_path / f"created_date={day.isoformat()}" / "part-0.parquet"
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(b"not parquet at all" * 10)
    elif how == "flipped":
        # the footer still reads; a data page in the middle does not
        middle = len(data) // 3
        path.write_bytes(
            data[:middle]
            + bytes(b ^ 0xFF for b in data[middle : middle + 200])
            + data[middle + 200 :]
        )
    elif how == "other schema":
        pq.write_table(pa.table({"id": ["x"], "cost": ["1"]}), path)
    elif how == "mistyped":
        table = pq.read_table(path)
        index = table.schema.get_field_index("execution_cost")
        table = table.set_column(index, "execution_cost", pa.array(["1"] * table.num_rows))
        pq.write_table(table, path)
    else:  # pragma: no cover
        raise AssertionError(how)
    return day, path


KINDS = ["truncated", "garbage", "flipped", "other schema", "mistyped"]


@pytest.mark.parametrize("how", KINDS)
def test_load_names_the_damaged_file_and_the_repair(synced, how):
    day, path = damaged_day(synced, how)
    with pytest.raises(StoreError) as info:
        synced.load()
    assert isinstance(info.value, EachlabsError)
    assert info.value.path == path and info.value.day == day
    message = str(info.value)
    assert str(path) in message and "store.repair()" in message and day.isoformat() in message
    assert [problem.day for problem in synced.verify()] == [day]


@pytest.mark.parametrize("how", KINDS)
def test_sync_stops_and_commits_nothing(synced, truth, how):  # noqa: F811
    day, _ = damaged_day(synced, how)
    manifest = (synced.path / "manifest.json").read_text()
    client = FakeClient(truth)
    with pytest.raises(StoreError, match=day.isoformat()):
        synced.sync(client=client)
    assert (synced.path / "manifest.json").read_text() == manifest
    if how != "flipped":  # a damaged footer or schema is seen before anything is fetched
        assert client.calls == []


@pytest.mark.parametrize("how", KINDS)
def test_repair_fetches_the_damaged_day_again(synced, truth, how):  # noqa: F811
    day, path = damaged_day(synced, how)
    client = FakeClient(truth)
    before = synced.window
    result = synced.repair(client=client)
    midnight = pd.Timestamp(day, tz="UTC")
    assert client.calls == [(midnight, midnight + pd.Timedelta(days=1))]
    assert result.fetched == int((truth.created_at.dt.date == day).sum())
    assert synced.window == before and synced.verify() == []
    assert_store_equals(synced, truth)
    moved = os.listdir(synced.path / "quarantine")
    assert len(moved) == 1 and moved[0].startswith(f"created_date={day.isoformat()}.")
    # nothing damaged: nothing fetched
    again = FakeClient(truth)
    assert synced.repair(client=again).fetched == 0 and again.calls == []


@pytest.mark.parametrize("damage", ["not json", "not a manifest", "a directory"])
def test_a_broken_manifest_is_a_store_error_naming_it(synced, truth, damage):  # noqa: F811
    manifest = synced.path / "manifest.json"
    if damage == "not json":
        manifest.write_text("{truncated")
    elif damage == "not a manifest":
        manifest.write_text(json.dumps({"format": "something else"}))
    else:
        manifest.unlink()
        manifest.mkdir()
    for action in (synced.load, lambda: synced.sync(client=FakeClient(truth)), synced.repair):
        with pytest.raises(StoreError) as info:
            action()
        assert info.value.path == manifest and str(manifest) in str(info.value)
