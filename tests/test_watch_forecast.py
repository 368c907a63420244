"""Spend forecasts: actuals equal plain pandas sums, the day in progress is pro rata, the
periods add up, money is never below zero, and short, sparse or empty data fall back or fail
clearly."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.local_api.frame import build_frame
from eachlabs_analytics.watch import forecast_spend, month_end_projection
from eachlabs_analytics.watch.forecast import RUN_RATE_METHOD
from eachlabs_analytics.watch.spend_model import ETS_METHOD, MEAN_METHOD

MIDDAY = "2026-10-20T12:00:00Z"
COLUMNS = ["group", "period", "actual", "forecast", "lo_80", "hi_80", "lo_95", "hi_95"]
UTC = "UTC"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return ea.generate_executions(executions=12_000, seed=11, end=MIDDAY, days=90)


@pytest.fixture(scope="module")
def daily(frame) -> pd.DataFrame:
    return forecast_spend(frame)


def _synthetic(daily_costs: list[list[float]], start: str = "2026-08-01") -> pd.DataFrame:
    """One row per cost, spread evenly over each day (day i gets daily_costs[i])."""
    created, costs = [], []
    for i, day in enumerate(daily_costs):
        base = pd.Timestamp(start, tz=UTC) + pd.Timedelta(days=i)
        for j, cost in enumerate(day):
            created.append(base + pd.Timedelta(hours=24 * (j + 0.5) / len(day)))
            costs.append(cost)
    n = len(costs)
    stamps = pd.DatetimeIndex(created).tz_localize(None).to_numpy("datetime64[us]")
    df = build_frame(
        {
            "id": [f"exec_{i:016x}" for i in range(n)],
            "model": ["m"] * n,
            "status": ["success"] * n,
            "created_at": stamps,
            "started_at": stamps,
            "completed_at": stamps,
            "execution_cost": costs,
        }
    )
    end = pd.Timestamp(start, tz=UTC) + pd.Timedelta(days=len(daily_costs))
    df.attrs["window"] = {"start": f"{start}T00:00:00Z", "end": end.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return df


def test_rows_columns_and_periods(daily):
    assert daily.columns.tolist() == COLUMNS
    assert set(daily["group"]) == {"total"}
    periods = pd.DatetimeIndex(daily["period"])
    assert periods.is_monotonic_increasing and periods.is_unique
    assert str(periods.min().date()) == "2026-07-23"  # the window's partial first day is left out
    assert str(periods.max().date()) == "2026-10-31"  # horizon="month"
    future = daily["period"] > pd.Timestamp(MIDDAY)
    assert daily.loc[future, "actual"].isna().all()
    assert daily.loc[~future, "actual"].notna().all()
    past = daily["period"] < pd.Timestamp(MIDDAY).floor("D")
    assert daily.loc[past, "forecast"].isna().all()
    assert daily.loc[~past, COLUMNS[3:]].notna().all().all()


def test_actuals_equal_plain_pandas_sums(frame, daily):
    created = frame["created_at"]
    expected = frame.groupby(created.dt.floor("D"))["execution_cost"].sum()
    known = daily.dropna(subset=["actual"]).set_index("period")["actual"]
    np.testing.assert_allclose(known, expected.reindex(known.index), rtol=1e-12)


def test_intervals_are_ordered_and_money_is_never_negative(daily):
    ahead = daily.dropna(subset=["forecast"])
    assert (ahead["lo_95"] <= ahead["lo_80"]).all()
    assert (ahead["lo_80"] <= ahead["forecast"]).all()
    assert (ahead["forecast"] <= ahead["hi_80"]).all()
    assert (ahead["hi_80"] <= ahead["hi_95"]).all()
    assert (ahead[COLUMNS[3:]] >= 0).all().all()


def test_a_falling_series_is_never_forecast_below_zero():
    weeks = 10
    rng = np.random.default_rng(1)
    days = []
    for i in range(weeks * 7):
        level = max(0.05, 40.0 * (1 - i / (weeks * 7)))  # spend falls to almost nothing
        weekend = i % 7 in (5, 6)
        days.append(list(rng.gamma(2.0, level / 40, 20 if not weekend else 2)))
    out = forecast_spend(_synthetic(days), horizon="30D")
    ahead = out.dropna(subset=["forecast"])
    assert len(ahead) == 30
    assert (ahead[COLUMNS[3:]] >= 0).all().all()
    assert (ahead["lo_95"] == 0).any()  # without the floor the band would go below zero


def test_the_day_in_progress_is_pro_rata(frame, daily):
    """Now = 12:00: the rest of today is the full-day forecast times the share of a day's
    spend that usually comes after noon (measured here on the last 28 days)."""
    midnight = forecast_spend(frame, horizon="month", as_of="2026-10-20T00:00:00Z")
    today = pd.Timestamp("2026-10-20", tz=UTC)
    full_day = midnight.set_index("period").loc[today, "forecast"]
    assert np.isnan(midnight.set_index("period").loc[today, "actual"])  # not started yet
    row = daily.set_index("period").loc[today]
    created = frame["created_at"]
    so_far = frame.loc[(created >= today) & (created < pd.Timestamp(MIDDAY)), "execution_cost"]
    assert row["actual"] == pytest.approx(so_far.sum())
    recent = frame.loc[(created >= today - pd.Timedelta(days=28)) & (created < today)]
    morning = recent.loc[recent["created_at"].dt.hour < 12, "execution_cost"].sum()
    after_noon = 1 - morning / recent["execution_cost"].sum()
    assert 0.3 < after_noon < 0.8  # the generator's afternoon peak
    assert row["forecast"] == pytest.approx(so_far.sum() + full_day * after_noon, rel=1e-9)


def test_weeks_and_months_are_sums_of_days(frame, daily):
    weekly = forecast_spend(frame, freq="W")
    week = pd.Timestamp("2026-10-26", tz=UTC)  # a whole future week, inside the horizon
    days = daily[(daily["period"] >= week) & (daily["period"] < week + pd.Timedelta(days=7))]
    assert len(days) == 6  # the month ends on Saturday the 31st ...
    row = weekly.set_index("period").loc[week]
    extended = forecast_spend(frame, horizon="12D").set_index("period")
    sunday = extended.loc[week + pd.Timedelta(days=6), "forecast"]
    # ... but the week runs to its end
    assert row["forecast"] == pytest.approx(days["forecast"].sum() + sunday, rel=1e-9)
    assert row["lo_80"] < row["forecast"] < row["hi_80"]
    monthly = forecast_spend(frame, freq="M")
    october = monthly.set_index("period").loc[pd.Timestamp("2026-10-01", tz=UTC)]
    in_october = daily[daily["period"] >= pd.Timestamp("2026-10-01", tz=UTC)]
    expected = (
        in_october["actual"].fillna(0).sum()
        + (in_october["forecast"] - in_october["actual"].fillna(0))[
            in_october["forecast"].notna()
        ].sum()
    )
    assert october["forecast"] == pytest.approx(expected, rel=1e-9)


def test_month_end_projection_is_the_months_row(frame):
    p = month_end_projection(frame)
    assert str(p.month.date()) == "2026-10-01" and p.as_of == pd.Timestamp(MIDDAY)
    created = frame["created_at"]
    october = frame.loc[created >= pd.Timestamp("2026-10-01", tz=UTC), "execution_cost"]
    assert p.spent == pytest.approx(october.sum())
    assert p.lo_95 <= p.lo_80 <= p.projected <= p.hi_80 <= p.hi_95
    assert p.projected > p.spent and p.method == ETS_METHOD and p.fallback is None
    frame_row = p.to_frame()
    assert frame_row.loc[0, "projected"] == p.projected
    at_start = month_end_projection(frame, as_of="2026-10-01T00:00:00Z")
    assert at_start.spent == 0 and str(at_start.month.date()) == "2026-10-01"


def test_per_model_forecasts_add_up_to_the_total(frame, daily):
    models = forecast_spend(frame, by="model")
    assert set(models["group"]) == set(frame["model"].dropna())
    known = models.dropna(subset=["actual"]).groupby("period")["actual"].sum()
    total = daily.dropna(subset=["actual"]).set_index("period")["actual"]
    np.testing.assert_allclose(known, total.reindex(known.index), rtol=1e-9)
    assert set(models.attrs["method"]) == set(models["group"])


def test_attrs_name_the_method_and_its_backtest(daily):
    assert daily.attrs["method"] == {"total": ETS_METHOD}
    assert daily.attrs["fallback"] == {"total": None}
    backtest = daily.attrs["backtest"]["total"]
    assert backtest["holdout_days"] == 14
    assert "seasonal naive" in backtest["baseline"]
    assert 0 < backtest["mase"] < 2 and 0 < backtest["baseline_mase"] < 3
    assert daily.attrs["as_of"] == pd.Timestamp(MIDDAY).isoformat()
    assert daily.attrs["window"]["end"] == "2026-10-20T12:00:00Z"


def test_the_same_frame_gives_the_same_forecast(frame, daily):
    assert forecast_spend(frame).equals(daily)


def test_rows_after_as_of_are_ignored(frame):
    cut = "2026-10-10T00:00:00Z"
    earlier = frame.loc[frame["created_at"] < pd.Timestamp(cut)].copy()
    earlier.attrs = dict(frame.attrs)
    a = forecast_spend(frame, as_of=cut)
    b = forecast_spend(earlier, as_of=cut)
    pd.testing.assert_frame_equal(a, b)


def test_a_short_history_falls_back_to_the_mean_and_says_so():
    out = forecast_spend(_synthetic([[1.0, 2.0, 3.0]] * 10), horizon="7D")
    assert out.attrs["method"]["total"] == MEAN_METHOD
    assert "10 whole days" in out.attrs["fallback"]["total"]
    ahead = out.dropna(subset=["forecast"])
    assert ahead["forecast"].to_numpy() == pytest.approx([6.0] * len(ahead))


def test_a_sparse_series_falls_back_to_the_mean():
    days = [[5.0] if i % 3 == 0 else [] for i in range(60)]
    out = forecast_spend(_synthetic(days), horizon="7D")
    assert out.attrs["method"]["total"] == MEAN_METHOD
    assert out.attrs["fallback"]["total"].startswith("sparse")


def test_a_group_seen_only_today_is_projected_at_its_run_rate():
    df = _synthetic([[1.0] * 24] * 40 + [[3.0] * 24])
    df.loc[df.index[-6:], "model"] = "new-model"  # the last six hours of the last day
    out = forecast_spend(df, by="model", horizon="3D", as_of="2026-09-10T21:00:00Z")
    assert out.attrs["method"]["new-model"] == RUN_RATE_METHOD
    assert out.attrs["fallback"]["new-model"] == "no whole day with spend before as_of"
    new = out[out["group"] == "new-model"].set_index("period")
    today = pd.Timestamp("2026-09-10", tz=UTC)
    assert new.loc[today, "actual"] == 9.0  # 18:30, 19:30 and 20:30, at 3 each
    assert (new.loc[new.index < today, "actual"] == 0).all()
    # spend is even over a day here, so 21:00 is 21/24 of a day's spend: the rate is 9 / (21/24)
    tomorrow = new.loc[today + pd.Timedelta(days=1), "forecast"]
    assert tomorrow == pytest.approx(9.0 / (21 / 24))
    assert new.loc[today, "forecast"] == pytest.approx(9.0 + tomorrow * 3 / 24)
    assert new[["lo_80", "hi_95"]].isna().all().all()  # no interval without history


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"horizon": "soon"}, "horizon='soon' is not allowed"),
        ({"horizon": "-3D"}, "positive duration"),
        ({"freq": "h"}, "'D' \\(days\\), 'W'"),
        ({"levels": (80, 100)}, "whole percents"),
        ({"levels": "80"}, "whole percents"),
        ({"as_of": "2026-12-01"}, "after the data's window end"),
        ({"as_of": "yesterday-ish"}, "not a timestamp"),
        ({"by": "modle"}, "by='modle' is not a column"),
    ],
)
def test_bad_arguments_say_what_is_allowed(frame, kwargs, message):
    with pytest.raises(InvalidQueryError, match=message):
        forecast_spend(frame, **kwargs)


def test_an_empty_frame_is_refused_clearly():
    from eachlabs_analytics import schema

    empty = schema.empty_frame()
    with pytest.raises(InvalidQueryError, match="no rows and no attrs"):
        forecast_spend(empty)
    empty.attrs["window"] = {"start": "2026-10-01T00:00:00Z", "end": "2026-10-20T00:00:00Z"}
    with pytest.raises(InvalidQueryError, match="needs spend to forecast from"):
        forecast_spend(empty)


def test_a_broken_statsmodels_says_how_to_repair_it(frame, monkeypatch):
    monkeypatch.setitem(sys.modules, "statsmodels.tsa.exponential_smoothing.ets", None)
    with pytest.raises(ImportError, match=r"reinstall it \(pip install 'statsmodels>=0.15'\)"):
        forecast_spend(frame)
