"""Over-time helpers and compare_periods against independent computations.

Expected periods are computed row by row in Python (``Timestamp.tz_convert`` and calendar
arithmetic), not with the helpers' integer bucketing.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_metrics import END, FAILED, IN_FLIGHT, row, typed_frame

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.local_api.generator import generate_executions


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return generate_executions(executions=6_000, seed=9, end=END, days=45)


@pytest.fixture(scope="module")
def df_90_days() -> pd.DataFrame:
    """The generator's default 90 days to END: they hold the DST gaps of America/Santiago
    (2026-09-06) and Australia/Lord_Howe (2026-10-04)."""
    return generate_executions(executions=20_000, seed=3, end=END)


def period_start(ts: pd.Timestamp, freq: str, tz: str) -> pd.Timestamp:
    """Start of the period holding ``ts`` in ``tz`` wall-clock time, from calendar arithmetic."""
    local = ts.tz_convert(tz).tz_localize(None).to_pydatetime()
    if freq == "D":
        start = dt.datetime(local.year, local.month, local.day)
    elif freq == "6h":
        start = dt.datetime(local.year, local.month, local.day, local.hour - local.hour % 6)
    elif freq == "W":
        day = dt.datetime(local.year, local.month, local.day)
        start = day - dt.timedelta(days=day.weekday())  # Monday
    elif freq == "M":
        start = dt.datetime(local.year, local.month, 1)
    else:
        raise AssertionError(freq)
    return pd.Timestamp(start).tz_localize(tz)


def expected_spend(
    frame: pd.DataFrame, freq: str, tz: str = "UTC", by: str | None = "model"
) -> dict[tuple[pd.Timestamp, Any], float]:
    out: dict[tuple[pd.Timestamp, Any], float] = {}
    keys = frame[by].astype(object) if by else pd.Series(["total"] * len(frame))
    for created, key, cost in zip(frame["created_at"], keys, frame["execution_cost"], strict=True):
        if pd.isna(created):
            continue
        cell = (period_start(created, freq, tz), key)
        out[cell] = out.get(cell, 0.0) + (0.0 if math.isnan(cost) else cost)
    return out


@pytest.mark.parametrize(("freq", "tz"), [("D", "UTC"), ("6h", "UTC"), ("W", "UTC"),
                                          ("M", "UTC"), ("D", "America/New_York")])  # fmt: skip
def test_cost_over_time_matches_row_by_row_bucketing(df, freq, tz):
    got = ea.cost_over_time(df, freq=freq, tz=None if tz == "UTC" else tz)
    expected = expected_spend(df, freq, tz)
    assert got.index.name == "period_start" and str(got.index.tz) == tz
    starts = sorted({cell[0] for cell in expected})
    assert got.index[0] == starts[0] and got.index[-1] == starts[-1]
    assert set(starts) <= set(got.index)
    for (start, model), value in expected.items():
        assert got.loc[start, model] == pytest.approx(value, rel=1e-9)
    assert got.to_numpy().sum() == pytest.approx(sum(expected.values()), rel=1e-9)
    totals = got.sum().to_numpy()
    assert (np.diff(totals) <= 1e-9).all()  # columns ordered by spend


def test_cost_over_time_fills_empty_periods_and_folds_the_rest_into_other():
    frame = typed_frame(
        [
            row("a", cost=5.0, created="2026-10-01T10:00:00Z"),
            row("b", cost=1.0, created="2026-10-01T11:00:00Z"),
            row("c", cost=2.0, created="2026-10-04T09:00:00Z"),
            row("c", cost=None, created="2026-10-04T09:30:00Z"),
            row("a", cost=1.0, created=None),  # no creation time: left out, counted
        ]
    )
    got = ea.cost_over_time(frame, top=1)
    days = pd.date_range("2026-10-01", "2026-10-04", freq="D", tz="UTC", unit="us")
    assert got.index.equals(days.rename("period_start"))
    assert list(got.columns) == ["a", "other"]
    assert got["a"].tolist() == [5.0, 0.0, 0.0, 0.0]
    assert got["other"].tolist() == [1.0, 0.0, 0.0, 2.0]
    assert got.attrs["rows_without_created_at"] == 1
    total = ea.cost_over_time(frame, by=None)
    assert list(total.columns) == ["total"] and total["total"].sum() == 8.0


def test_over_time_edge_cases():
    empty = ea.cost_over_time(schema.empty_frame())
    assert empty.empty and empty.index.name == "period_start"
    rates = ea.error_rate_over_time(schema.empty_frame())
    assert rates.empty and list(rates.columns) == ["executions", "errors", "error_rate"]
    no_time = typed_frame([row(created=None)])
    assert ea.cost_over_time(no_time).empty
    one = ea.cost_over_time(typed_frame([row(cost=3.0)]), freq="h")
    assert one.shape == (1, 1) and one.iloc[0, 0] == 3.0


@pytest.mark.parametrize("freq", ["2W", "fortnight", "", 7, "3M", "m"])
def test_bad_freq_names_what_is_allowed(df, freq):
    with pytest.raises(ea.InvalidQueryError, match="is not allowed; use a fixed step"):
        ea.cost_over_time(df, freq=freq)


def test_bad_tz_and_top(df):
    with pytest.raises(ea.InvalidQueryError, match="is not a time zone"):
        ea.cost_over_time(df, tz="Mars/Olympus")
    with pytest.raises(ea.InvalidQueryError, match="top must be None or an integer >= 1"):
        ea.cost_over_time(df, top=0)


def test_error_rate_over_time_overall_and_per_model(df):
    got = ea.error_rate_over_time(df, freq="D")
    executions: dict[pd.Timestamp, int] = {}
    errors: dict[pd.Timestamp, int] = {}
    for created, status in zip(df["created_at"], df["status"].astype(object), strict=True):
        day = period_start(created, "D", "UTC")
        executions[day] = executions.get(day, 0) + 1
        errors[day] = errors.get(day, 0) + (status in FAILED)
    for day, n in executions.items():
        assert got.loc[day, "executions"] == n
        assert got.loc[day, "errors"] == errors[day]
        assert got.loc[day, "error_rate"] == pytest.approx(errors[day] / n)

    wide = ea.error_rate_over_time(df, freq="W", by="model", top=3)
    assert list(wide.columns)[-1] == "other" and wide.columns.name == "model"
    top3 = list(wide.columns[:3])
    failed = df["status"].astype(object).isin(FAILED)
    counts = df[failed.to_numpy()]["model"].value_counts()
    assert set(top3) == set(counts.index[:3])
    rest = df[~df["model"].isin(top3).to_numpy()]
    rest_failed = rest["status"].astype(object).isin(FAILED).to_numpy()
    week = wide.index[2]
    in_week = (rest["created_at"] >= week) & (rest["created_at"] < week + pd.Timedelta(days=7))
    mask = in_week.to_numpy()
    assert wide.loc[week, "other"] == pytest.approx(rest_failed[mask].sum() / mask.sum())


@pytest.mark.parametrize(("freq", "tz"), [("D", "UTC"), ("W", "UTC"), ("D", "America/New_York")])
@pytest.mark.parametrize("metric", ["total_seconds", "queue_seconds"])
def test_latency_over_time_matches_np_percentile_per_period(df, freq, tz, metric):
    got = ea.latency_over_time(df, freq=freq, metric=metric, tz=None if tz == "UTC" else tz)
    assert list(got.columns) == ["count", "mean", "p50", "p95"]
    assert got.attrs["metric"] == metric and got.attrs["percentiles"] == [50.0, 95.0]
    values: dict[pd.Timestamp, list[float]] = {}
    statuses = df["status"].astype(object)
    for created, status, value in zip(df["created_at"], statuses, df[metric], strict=True):
        start = period_start(created, freq, tz)
        values.setdefault(start, [])
        if status not in IN_FLIGHT and not math.isnan(value):
            values[start].append(value)
    assert set(values) <= set(got.index)
    for start, kept in values.items():
        assert got.loc[start, "count"] == len(kept)
        if kept:
            assert got.loc[start, "p50"] == np.percentile(kept, 50)
            assert got.loc[start, "p95"] == np.percentile(kept, 95)
            assert got.loc[start, "mean"] == pytest.approx(np.mean(kept), rel=1e-12)
        else:
            assert np.isnan(got.loc[start, "p95"])


def test_latency_over_time_leaves_out_in_flight_rows_and_gaps():
    frame = typed_frame(
        [
            row("a", status="success", created="2026-10-01T00:00:00Z"),
            row("a", status="running", created="2026-10-01T01:00:00Z"),
            row("b", status="error", created="2026-10-03T00:00:00Z"),
        ]
    )
    got = ea.latency_over_time(frame, percentiles=[50])
    assert got["count"].tolist() == [1, 0, 1] and list(got.columns) == ["count", "mean", "p50"]
    assert np.isnan(got["p50"].iloc[1])
    assert ea.latency_over_time(schema.empty_frame()).empty
    with pytest.raises(ea.InvalidQueryError, match="not a latency column"):
        ea.latency_over_time(frame, metric="execution_cost")


def test_error_rate_is_nan_for_a_period_without_executions():
    frame = typed_frame(
        [
            row("a", status="error", created="2026-10-01T00:00:00Z"),
            row("b", status="success", created="2026-10-03T00:00:00Z"),
        ]
    )
    overall = ea.error_rate_over_time(frame)
    assert overall["executions"].tolist() == [1, 0, 1]
    assert overall["error_rate"].tolist()[0] == 1.0 and np.isnan(overall["error_rate"].iloc[1])
    wide = ea.error_rate_over_time(frame, by="model")
    assert list(wide.columns) == ["a", "b"]  # most errors first
    assert np.isnan(wide.loc["2026-10-03", "a"]) and wide.loc["2026-10-03", "b"] == 0.0


@pytest.mark.parametrize(
    ("zone", "freq"),
    [("America/Santiago", "D"), ("America/Santiago", "6h"), ("Australia/Lord_Howe", "h")],
)
def test_periods_starting_in_a_dst_gap_keep_their_rows(df_90_days, zone, freq):
    df = df_90_days
    table = ea.cost_over_time(df, freq=freq, by=None, tz=zone)
    assert table.to_numpy().sum() == pytest.approx(df["execution_cost"].sum())
    rates = ea.error_rate_over_time(df, freq=freq, tz=zone)
    assert rates["executions"].sum() == len(df)


# --- compare_periods -------------------------------------------------------------------------
def plain_measures(part: pd.DataFrame) -> dict[str, dict[str, float]]:
    out = {}
    for model in pd.unique(part["model"].astype(object)):
        rows = part[(part["model"] == model).to_numpy()]
        statuses = rows["status"].astype(object)
        done = rows.loc[~statuses.isin(IN_FLIGHT).to_numpy(), "total_seconds"].dropna()
        out[model] = {
            "spend": math.fsum(rows["execution_cost"].fillna(0.0)),
            "executions": len(rows),
            "error_rate": statuses.isin(FAILED).sum() / len(rows),
            "latency_p95": np.percentile(done, 95) if len(done) else np.nan,
        }
    return out


def test_compare_periods_matches_two_independent_slices(df):
    current = ("2026-10-24T00:00:00Z", "2026-10-31T00:00:00Z")
    got = ea.compare_periods(df, current=current)
    created = df["created_at"]
    now_mask = (created >= pd.Timestamp(current[0])) & (created < pd.Timestamp(current[1]))
    before_mask = (created >= pd.Timestamp("2026-10-17T00:00:00Z")) & (
        created < pd.Timestamp(current[0])
    )
    now = plain_measures(df[now_mask.to_numpy()])
    before = plain_measures(df[before_mask.to_numpy()])
    assert set(got.index) == set(now) | set(before)
    for model in got.index:
        for measure in ("spend", "executions", "error_rate", "latency_p95"):
            zero = 0.0 if measure in ("spend", "executions") else np.nan
            new = now.get(model, {}).get(measure, zero)
            old = before.get(model, {}).get(measure, zero)
            have = got.loc[model]
            assert have[f"{measure}_current"] == pytest.approx(new, nan_ok=True)
            assert have[f"{measure}_previous"] == pytest.approx(old, nan_ok=True)
            assert have[f"{measure}_change"] == pytest.approx(new - old, nan_ok=True)
            rel = (new - old) / old if old and not np.isnan(old) else np.nan
            assert have[f"{measure}_rel_change"] == pytest.approx(rel, nan_ok=True)
    assert got.attrs["previous"]["start"].startswith("2026-10-17T00:00:00")
    assert got["executions_current"].dtype == np.int64


def test_compare_periods_defaults_to_the_two_halves_of_the_window(df):
    got = ea.compare_periods(df, by=None)
    window = df.attrs["window"]
    start, end = pd.Timestamp(window["start"]), pd.Timestamp(window["end"])
    middle = start + (end - start) / 2
    created = df["created_at"]
    assert got.loc["all", "executions_current"] == ((created >= middle) & (created < end)).sum()
    assert got.loc["all", "executions_previous"] == ((created >= start) & (created < middle)).sum()
    months = ea.compare_periods(df, current="2026-10", previous="2026-09")
    october = (created >= pd.Timestamp("2026-10-01", tz="UTC")).sum()
    assert months["executions_current"].sum() == october


def test_compare_periods_groups_absent_from_one_period():
    frame = typed_frame(
        [
            row("old", cost=2.0, created="2026-09-10T00:00:00Z"),
            row("new", cost=3.0, created="2026-10-10T00:00:00Z"),
        ]
    )
    got = ea.compare_periods(frame, current="2026-10", previous="2026-09")
    assert got.loc["new", "spend_previous"] == 0.0 and np.isnan(got.loc["new", "spend_rel_change"])
    assert got.loc["old", "spend_current"] == 0.0 and got.loc["old", "spend_rel_change"] == -1.0
    assert np.isnan(got.loc["old", "error_rate_current"])
    assert got.index.tolist() == ["new", "old"]
    assert got.attrs["empty_periods"] == []
    assert ea.compare_periods(schema.empty_frame()).empty


def test_compare_periods_warns_about_an_empty_period():
    frame = typed_frame([row("old", cost=2.0, created="2026-09-10T00:00:00Z")])
    with pytest.warns(ea.DataQualityWarning, match=r"current period \[2026-10-01.* -100 %"):
        got = ea.compare_periods(frame, current="2026-10", previous="2026-09")
    assert got.attrs["empty_periods"] == ["current"]
    assert got.loc["old", "spend_rel_change"] == -1.0  # what the warning is about
    with pytest.warns(ea.DataQualityWarning, match="previous period .* NaN"):
        got = ea.compare_periods(frame, current="2026-09", previous="2026-08")
    assert got.attrs["empty_periods"] == ["previous"]


@pytest.mark.parametrize(
    ("current", "message"),
    [
        ("not a date", "is not a period"),
        (("2026-10-05", "2026-10-01"), "needs start < end"),
        (42, "is not a period"),
        (("2026-10-01", None), "is missing"),
    ],
)
def test_compare_periods_bad_periods(df, current, message):
    with pytest.raises(ea.InvalidQueryError, match=message):
        ea.compare_periods(df, current=current)
