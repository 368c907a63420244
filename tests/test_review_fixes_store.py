"""Regressions found in review: backfill gaps, a server clock behind ours, CSV categoricals."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

import eachlabs_analytics as ea
from eachlabs_analytics.cli import main


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


def test_fetch_to_csv_neutralises_categorical_cells(tmp_path, monkeypatch):
    truth = ea.generate_executions(executions=300, seed=2, end="2026-10-31T00:00:00Z")
    hostile = truth.copy()
    hostile["status"] = hostile["status"].astype(str)
    hostile.loc[hostile.index[0], "status"] = '=HYPERLINK("http://evil.example","x")'
    with ea.sandbox(data=hostile, now="2026-10-31T00:00:00Z") as api:
        monkeypatch.setenv("EACHLABS_API_KEY", api.api_key)
        monkeypatch.setenv("EACHLABS_BASE_URL", api.base_url)
        out = tmp_path / "x.csv"
        result = CliRunner().invoke(
            main, ["fetch", "--start", "2026-08-01", "--end", "2026-10-31", "-o", str(out)]
        )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text


def test_rows_without_a_creation_time_are_warned_about_not_silently_dropped(tmp_path):
    store = ea.ExecutionStore(tmp_path / "store")
    frame = ea.generate_executions(executions=50, seed=4, end="2026-10-31T00:00:00Z")
    frame.loc[frame.index[:2], "created_at"] = pd.NaT
    with pytest.warns(ea.DataQualityWarning, match="2 fetched rows have no valid created_at"):
        store._upsert(frame)


def test_a_store_refuses_a_status_filter_before_any_request(tmp_path):
    with ea.sandbox(executions=200, seed=1, end="2026-10-31T00:00:00Z") as api:
        client = ea.Client(api_key=api.api_key, base_url=api.base_url)
        store = ea.ExecutionStore(tmp_path / "store")
        with pytest.raises(ea.InvalidQueryError, match=r"store.load\(status=...\)"):
            store.sync(start="2026-10-01T00:00:00Z", status="created", client=client)
        assert api.request_log == []
