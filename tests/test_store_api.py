"""The store across the vendor's changes: a v1 store continues over v2, and expired rows stay.

Real loader, real sandbox; expected rows from the sandbox's ground truth with pandas.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.local_api import generate_executions
from eachlabs_analytics.store import ExecutionStore

END = pd.Timestamp("2026-10-31T00:00:00Z")
START = END - pd.Timedelta(days=20)
MIDDLE = END - pd.Timedelta(days=6)


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return generate_executions(executions=5_000, seed=17, end=END, days=30)


def expected(api, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    frame = api.truth
    rows = frame[(frame.created_at >= start) & (frame.created_at < end)]
    return rows.sort_values(["created_at", "id"], ascending=[False, True]).reset_index(drop=True)


def assert_store_equals(store: ExecutionStore, want: pd.DataFrame) -> None:
    got = store.load()
    columns = list(schema.COLUMNS)
    got, want = got[columns].copy(), want[columns].copy()
    got["status"], want["status"] = got.status.astype(str), want.status.astype(str)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


def test_a_store_synced_over_v1_continues_over_v2_fetching_only_what_it_needs(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    with ea.sandbox(data=truth, now=END) as api:
        first = store.sync(
            start=START, end=MIDDLE, api_key=api.api_key, base_url=api.base_url,
            api_version="v1", progress=False,
        )  # fmt: skip
        assert first.api["version"] == "v1" and first.api["fallback"] is None
        assert_store_equals(store, expected(api, START, MIDDLE))
        in_flight = json.loads(store.manifest_path.read_text())["in_flight"]["windows"]
        api.request_log.clear()
        second = store.sync(
            end=END, api_key=api.api_key, base_url=api.base_url, overlap="1h", progress=False
        )
        # the executions' requests (the workflows' names are one request of their own)
        log = [entry for entry in api.request_log if entry["path"] != "/v1/workflows"]
        want = expected(api, START, END)
    assert second.api["version"] == "v2" and {e["path"] for e in log} == {"/v2/executions"}
    assert_store_equals(store, want)
    # what it needed: the hour before the old watermark, what is new, and the creation
    # windows of rows that were in flight; nothing else was asked for or fetched
    needed = [(MIDDLE - pd.Timedelta(hours=1), END)] + [
        (pd.Timestamp(a), pd.Timestamp(b)) for a, b in in_flight
    ]
    for entry in log:
        asked = (pd.Timestamp(entry["query"]["from"]), pd.Timestamp(entry["query"]["to"]))
        assert any(lo <= asked[0] and asked[1] <= hi for lo, hi in needed), asked
    created = want["created_at"]
    inside = pd.Series(False, index=want.index)
    for lo, hi in needed:
        inside |= (created >= lo) & (created <= hi)
    assert second.fetched == int(inside.sum()) < len(want)
    assert json.loads(store.manifest_path.read_text())["last_sync"]["api"]["version"] == "v2"


def test_rows_the_api_expired_stay_in_the_store(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    with (
        ea.sandbox(data=truth, now=END) as api,
        ea.Client(api_key=api.api_key, base_url=api.base_url) as client,
    ):
        store.sync(start=START, end=END, client=client, progress=False)
        kept = expected(api, START, END)
        api.retention_days = 5  # the organisation now keeps 5 days: older rows leave the API
        listed = ea.load_executions(start=START, end=END, client=client, progress=False)
        assert pd.Timestamp(listed["created_at"].min()) >= END - pd.Timedelta(days=5)
        again = store.sync(start=START, end=END, client=client, progress=False)  # a backfill too
    assert again.rows == len(kept) and len(listed) < len(kept) / 2
    assert_store_equals(store, kept)


def test_contradictory_connection_options_are_refused_before_any_request(tmp_path, truth):
    store = ExecutionStore(tmp_path)
    with (
        ea.sandbox(data=truth, now=END) as api,
        ea.Client(api_key=api.api_key, base_url=api.base_url) as client,
    ):
        with pytest.raises(ea.InvalidQueryError, match="not both"):
            store.sync(start=START, end=END, client=client, api_version="v1")
        with pytest.raises(ea.InvalidQueryError, match="api_version must be one of"):
            store.sync(start=START, end=END, api_key=api.api_key, api_version="2")
        assert api.request_log == []
    assert not store.manifest_path.exists()
