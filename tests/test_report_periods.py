"""The report's two typed shortcuts: the top rows by cost, and the two periods in one frame.

Both used to copy whole frames (a full sort for the top 10; both periods cast to object and
deduplicated); each test here states the old definition in plain pandas and checks the report
still follows it, ties and repeats included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.metrics import frame_rows as both_periods
from eachlabs_analytics.report import build_report

END = pd.Timestamp("2026-10-31T00:00:00Z")


def window(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    out = df[(df.created_at >= start) & (df.created_at < end)].reset_index(drop=True)
    out.attrs = {"window": {"start": start.isoformat(), "end": end.isoformat()}}
    return out


@pytest.fixture(scope="module")
def tied():
    """Costs rounded to whole dollars and twenty rows created at one instant: many ties."""
    df = ea.generate_executions(executions=3_000, seed=11, end=END, days=20)
    df["execution_cost"] = df["execution_cost"].round(0)
    costly = df["execution_cost"].nlargest(40).index
    df.loc[costly[:20], "created_at"] = df["created_at"].iloc[0]
    df.loc[costly[20:25], "created_at"] = pd.NaT
    df.loc[costly[25:28], "execution_cost"] = np.nan
    return df


@pytest.mark.parametrize("top", [1, 3, 10, 25, 5_000])
def test_top_rows_by_cost_keep_the_stable_sort_order(tied, top):
    want = (
        tied[tied["execution_cost"].notna()]
        .sort_values(["execution_cost", "created_at"], ascending=[False, False], kind="stable")
        .head(top)
    )
    shown = build_report(tied, top=top, charts=False, forecast=False).table("most_expensive")
    assert shown.frame["id"].tolist() == want["id"].tolist()
    assert shown.frame["rank"].tolist() == list(range(1, len(want) + 1))
    # the tie really is there: equal cost and time, so only the frame order decides
    head = want.head(min(top, 20))
    assert top < 3 or head.duplicated(["execution_cost", "created_at"]).any()


def old_concat(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """The definition the report used to compute in object dtype."""
    columns = list(schema.COLUMNS)
    loose = [
        f[columns].astype({"status": object, "error_classification": object})
        for f in (current, previous)
    ]
    both = pd.concat(loose, ignore_index=True)
    if both["id"].notna().all():
        both = both.drop_duplicates("id", keep="first")
    statuses = both["status"].dropna().astype(str).unique()
    return both.astype(
        {"status": schema.status_dtype(statuses), "error_classification": schema.ERROR_CLASS_DTYPE}
    )


@pytest.fixture(scope="module")
def periods():
    df = ea.generate_executions(executions=4_000, seed=5, end=END, days=40)
    current = window(df, END - pd.Timedelta(days=20), END)
    previous = window(df, END - pd.Timedelta(days=35), END - pd.Timedelta(days=15))
    # the previous period's copy of an overlapping row differs: the current one must win
    overlap = previous.index[previous.created_at >= current.created_at.min()]
    previous.loc[overlap, "execution_cost"] += 100.0
    # an id twice within the previous period itself (the first copy wins), and a status
    # seen only in a row that is dropped
    attrs = previous.attrs
    previous = pd.concat([previous, previous.iloc[[0]].assign(status="paused")])
    previous = previous.reset_index(drop=True)
    previous.attrs = attrs
    return current, previous


def test_both_periods_frame_equals_the_object_dtype_definition(periods):
    current, previous = periods
    got = both_periods.concat_periods(current, previous)
    want = old_concat(current, previous)[list(both_periods.BOTH_PERIODS_COLUMNS)]
    pd.testing.assert_frame_equal(got, want)
    assert "paused" not in got["status"].cat.categories  # only in a dropped row
    assert len(got) < len(current) + len(previous)  # the overlap and the repeat were dropped


def test_without_ids_nothing_is_dropped(periods):
    current, previous = periods
    previous = previous.assign(id=previous["id"].where(previous.index != 3))
    got = both_periods.concat_periods(current, previous)
    assert len(got) == len(current) + len(previous)
    pd.testing.assert_frame_equal(
        got, old_concat(current, previous)[list(both_periods.BOTH_PERIODS_COLUMNS)]
    )


def test_overlapping_rows_count_in_the_current_period_only(periods):
    current, previous = periods
    report = build_report(current, previous=previous, charts=False, forecast=False)
    start = current.created_at.min()
    before = old_concat(current, previous)
    before = before[(before.created_at >= report.previous_period[0]) & (before.created_at < start)]
    total = report.table("change_total").frame.iloc[0]
    assert total["executions_previous"] == len(before)
    assert np.isclose(total["spend_previous"], before.execution_cost.sum())
    assert np.isclose(total["spend_current"], current.execution_cost.sum())
