"""Budgets: spent, used, thresholds and status equal a plain pandas computation; projections
agree with the forecast; exhaustion dates make sense; bad budgets are refused clearly."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.local_api.frame import build_frame
from eachlabs_analytics.watch import check_budgets, forecast_spend, month_end_projection
from eachlabs_analytics.watch.budgets import COLUMNS, period_bounds

MIDDAY = "2026-10-20T12:00:00Z"
UTC = "UTC"
THRESHOLDS = (0.5, 0.8, 1.0)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return ea.generate_executions(executions=12_000, seed=11, end=MIDDAY, days=90)


def _constant(per_day: float, days: int, start: str = "2026-08-01") -> pd.DataFrame:
    """``per_day`` USD a day, one execution an hour (so a day's profile is even)."""
    first = pd.Timestamp(start)
    created = pd.date_range(first, periods=days * 24, freq="h") + pd.Timedelta(minutes=30)
    n = len(created)
    stamps = created.to_numpy("datetime64[us]")
    df = build_frame(
        {
            "id": [f"exec_{i:016x}" for i in range(n)],
            "model": ["m"] * n,
            "status": ["success"] * n,
            "created_at": stamps,
            "started_at": stamps,
            "completed_at": stamps,
            "execution_cost": [per_day / 24] * n,
        }
    )
    end = first + pd.Timedelta(days=days)
    df.attrs["window"] = {"start": f"{start}T00:00:00Z", "end": f"{end:%Y-%m-%dT%H:%M:%S}Z"}
    return df


def _pandas_check(df: pd.DataFrame, key: str, budget: float, as_of: str) -> dict[str, object]:
    """The same numbers, computed independently from the rows."""
    now = pd.Timestamp(as_of)
    start = pd.Timestamp(now.year, now.month, 1, tz=UTC)
    rows = df.loc[(df["created_at"] >= start) & (df["created_at"] < now)]
    if key.startswith("workflow:"):
        rows = rows.loc[rows["workflow_id"] == key.removeprefix("workflow:")]
    elif key != "total":
        rows = rows.loc[rows["model"] == key]
    spent = float(rows["execution_cost"].fillna(0).sum())
    used = spent / budget
    crossed = max((t for t in THRESHOLDS if used >= t), default=math.nan)
    return {"spent": spent, "used": used, "crossed": crossed}


def test_spent_used_and_crossed_equal_a_pandas_computation(frame):
    workflow = frame["workflow_id"].dropna().value_counts().index[0]
    budgets = {"total": 700.0, "veo-3": 60.0, f"workflow:{workflow}": 1_000.0, "flux-2-pro": 9.0}
    table = check_budgets(frame, budgets)
    assert table.columns.tolist() == list(COLUMNS)
    assert table.index.tolist() == list(budgets)
    for key, budget in budgets.items():
        expected = _pandas_check(frame, key, budget, MIDDAY)
        row = table.loc[key]
        assert row["spent"] == pytest.approx(expected["spent"], rel=1e-12)
        assert row["budget"] == budget
        assert row["used"] == pytest.approx(expected["used"], rel=1e-12)
        if math.isnan(expected["crossed"]):
            assert math.isnan(row["crossed"])
        else:
            assert row["crossed"] == expected["crossed"]
        assert row["projected_used"] == pytest.approx(row["projected"] / budget)
        assert row["projected"] >= row["spent"]
    assert table.attrs["period_start"] == "2026-10-01T00:00:00+00:00"
    assert table.attrs["unseen"] == [] and table.attrs["partial_period"] is False


def test_the_projection_is_the_month_end_projection(frame):
    table = check_budgets(frame, {"total": 10_000.0})
    headline = month_end_projection(frame)
    assert table.loc["total", "projected"] == pytest.approx(headline.projected, rel=1e-9)
    assert table.loc["total", "spent"] == pytest.approx(headline.spent, rel=1e-12)
    per_model = forecast_spend(frame, by="model").set_index(["group", "period"])
    veo = check_budgets(frame, {"veo-3": 10_000.0}).loc["veo-3", "projected"]
    october = per_model.loc["veo-3"]
    october = october[october.index >= pd.Timestamp("2026-10-01", tz=UTC)]
    expected = october["forecast"].fillna(october["actual"]).sum()
    assert veo == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("budget", "status", "crossed"),
    [
        (19 * 10 / 0.5, "warning", 0.5),  # used exactly 0.5: crossed (>=)
        (19 * 10 / 0.5 + 0.01, "ok", math.nan),  # a cent short of 0.5, projected 31 days < budget
        (19 * 10 / 0.8, "warning", 0.8),
        (19 * 10 / 1.0, "critical", 1.0),  # spent exactly the budget
        (150.0, "critical", 1.0),
    ],
)
def test_status_and_threshold_boundaries(budget, status, crossed):
    df = _constant(10.0, 80)  # 10 USD a day from August 1st; 19 whole days of October by now
    table = check_budgets(df, {"total": budget}, as_of="2026-10-20T00:00:00Z")
    row = table.loc["total"]
    assert row["spent"] == pytest.approx(190.0)
    assert row["status"] == status
    assert (math.isnan(row["crossed"]) and math.isnan(crossed)) or row["crossed"] == crossed


def test_on_course_to_overspend_is_a_warning():
    df = _constant(10.0, 80)
    row = check_budgets(df, {"total": 300.0}, as_of="2026-10-20T00:00:00Z").loc["total"]
    assert row["used"] < 0.8 and row["crossed"] == 0.5
    row = check_budgets(df, {"total": 300.0}, thresholds=(1.0,), as_of="2026-10-20T00:00:00Z")
    row = row.loc["total"]
    assert math.isnan(row["crossed"]) and row["projected"] == pytest.approx(310.0)
    assert row["status"] == "warning"  # 310 projected for a 300 budget


def test_projected_exhaustion_dates():
    df = _constant(24.0, 80)  # 24 USD a day, 1 an hour
    as_of = "2026-10-10T12:00:00Z"  # 9.5 days of October: 228 spent
    table = check_budgets(df, {"total": 500.0, "m": 5_000.0, "gone": 100.0}, as_of=as_of)
    row = table.loc["total"]
    assert row["spent"] == pytest.approx(228.0)
    assert row["projected"] == pytest.approx(24.0 * 31)
    # 240 by the end of the 10th, then 24 a day: 500 is reached on the 21st (240 + 11 x 24)
    assert row["projected_exhaustion"] == pd.Timestamp("2026-10-21", tz=UTC)
    assert pd.isna(table.loc["m", "projected_exhaustion"])  # 744 of 5,000: not this month
    spent_out = check_budgets(df, {"total": 100.0}, as_of=as_of).loc["total"]
    # already over: the day the running total passed 100 (24 a day -> on the 5th)
    assert spent_out["projected_exhaustion"] == pd.Timestamp("2026-10-05", tz=UTC)
    assert spent_out["status"] == "critical"


def test_a_budget_for_a_model_never_seen_is_allowed_but_flagged(frame):
    table = check_budgets(frame, {"total": 500.0, "no-such-model": 50.0, "workflow:wf_x": 5.0})
    assert table.attrs["unseen"] == ["no-such-model", "workflow:wf_x"]
    row = table.loc["no-such-model"]
    assert row["spent"] == 0 and row["projected"] == 0 and row["status"] == "ok"
    assert pd.isna(row["projected_exhaustion"])


@pytest.mark.parametrize(
    ("budgets", "message"),
    [
        ({"total": -5}, "a budget is a positive amount of USD"),
        ({"total": 0}, "a budget is a positive amount of USD"),
        ({"total": float("nan")}, "not an amount"),
        ({"total": True}, "not an amount"),
        ({"total": "500"}, "not an amount"),
        ({"": 5}, "use 'total', a model slug"),
        ({"workflow:": 5}, "use 'total', a model slug"),
        ({}, "non-empty mapping"),
        ([("total", 5)], "non-empty mapping"),
    ],
)
def test_bad_budgets_are_refused_saying_what_is_allowed(frame, budgets, message):
    with pytest.raises(InvalidQueryError, match=message):
        check_budgets(frame, budgets)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": "quarter"}, "use one of day, week, month"),
        ({"thresholds": ()}, "non-empty sequence"),
        ({"thresholds": (0.5, -1)}, "positive shares"),
        ({"as_of": "2027-01-01"}, "after the data's window end"),
    ],
)
def test_bad_options_are_refused(frame, kwargs, message):
    with pytest.raises(InvalidQueryError, match=message):
        check_budgets(frame, {"total": 100.0}, **kwargs)


def test_day_and_week_periods(frame):
    for period, start in (("day", "2026-10-20"), ("week", "2026-10-19")):
        table = check_budgets(frame, {"total": 100.0}, period=period)
        begin = pd.Timestamp(start, tz=UTC)
        assert table.attrs["period_start"] == begin.isoformat()
        rows = frame.loc[
            (frame["created_at"] >= begin) & (frame["created_at"] < pd.Timestamp(MIDDAY))
        ]
        assert table.loc["total", "spent"] == pytest.approx(rows["execution_cost"].sum())
    start, end = period_bounds("month", pd.Timestamp("2026-12-31T23:00Z"))
    assert (str(start.date()), str(end.date())) == ("2026-12-01", "2027-01-01")


def test_a_window_starting_inside_the_period_is_marked_partial():
    df = _constant(10.0, 30, start="2026-10-05")
    table = check_budgets(df, {"total": 1_000.0}, as_of="2026-10-20T00:00:00Z")
    assert table.attrs["partial_period"] is True
    assert table.loc["total", "spent"] == pytest.approx(150.0)
    assert np.isfinite(table.loc["total", "projected"])
