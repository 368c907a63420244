"""Anomaly detection against the truth: every injected incident is flagged in its period and
group with the right driver first, clean data raises at most one false alarm per series per 90
days, seasonality and periods in progress are never anomalies."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.local_api.incidents import inject_incidents
from eachlabs_analytics.watch import METRICS, detect_anomalies

END = "2026-10-31T00:00:00Z"
UTC = "UTC"


@pytest.fixture(scope="module", params=[1, 2])
def clean(request) -> pd.DataFrame:
    return ea.generate_executions(executions=40_000, seed=request.param, end=END, days=120)


@pytest.fixture(scope="module", params=[1, 6])
def injected(request) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = ea.generate_executions(executions=40_000, seed=request.param, end=END, days=90)
    return inject_incidents(df, seed=request.param)


def _allowed(found: pd.DataFrame) -> int:
    """At most one false alarm per series per 90 judged periods (of days)."""
    return max(1, math.floor(found.attrs["judged_periods"] / 90 + 0.5))


def _incident(truth: pd.DataFrame, kind: str) -> pd.Series:
    return truth.loc[truth["kind"] == kind].iloc[0]


def _flags(found: pd.DataFrame, group: str, start: pd.Timestamp, end: pd.Timestamp):
    inside = (found["period"] >= start) & (found["period"] < end)
    return found.loc[inside & (found["group"] == group)]


def _outside(found: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    during = np.zeros(len(found), dtype=bool)
    for _, incident in truth.iterrows():
        during |= (found["period"] >= incident["start"]) & (found["period"] < incident["end"])
    return found.loc[~during]


@pytest.mark.parametrize("by", [None, "model"])
@pytest.mark.parametrize("metric", METRICS)
def test_clean_data_raises_at_most_one_false_alarm_per_series_per_90_days(clean, metric, by):
    found = detect_anomalies(clean, metric=metric, by=by)
    assert found.attrs["judged_periods"] >= 60  # weekends of small groups are too small for p95
    per_series = found.groupby("group").size()
    assert (per_series <= _allowed(found)).all(), found.drop(columns="drivers")


def test_the_hour_of_day_and_day_of_week_are_not_anomalies(clean):
    for metric in ("executions", "spend"):
        found = detect_anomalies(clean, metric=metric, freq="h")
        assert found.attrs["judged_periods"] > 80 * 24
        assert len(found) <= 1, found.drop(columns="drivers")  # 1 per 90 days of hours


def test_a_spend_spike_is_flagged_for_its_model_and_drives_the_total(injected):
    frame, truth = injected
    spike = _incident(truth, "spend_spike")
    for metric in ("spend", "executions"):
        found = detect_anomalies(frame, metric=metric, by="model")
        hit = _flags(found, spike["group"], spike["start"], spike["end"])
        assert hit["period"].tolist() == [spike["start"]] and hit["direction"].eq("up").all()
    total = detect_anomalies(frame, metric="spend")
    hit = _flags(total, "total", spike["start"], spike["end"])
    assert len(hit) == 1 and hit["direction"].iloc[0] == "up"
    first = hit["drivers"].iloc[0][0]
    assert (first["by"], first["group"]) == ("model", spike["group"])
    assert first["share"] > 0.5


def test_an_error_outage_is_flagged_for_its_class_and_explained_by_it(injected):
    frame, truth = injected
    outage = _incident(truth, "error_outage")
    by_class = detect_anomalies(frame, metric="failed", by="error_classification")
    hit = _flags(by_class, outage["group"], outage["start"], outage["end"])
    assert hit["period"].tolist() == [outage["start"]] and hit["direction"].eq("up").all()
    for metric in ("error_rate", "failed"):
        total = detect_anomalies(frame, metric=metric)
        hit = _flags(total, "total", outage["start"], outage["end"])
        assert len(hit) == 1 and hit["direction"].iloc[0] == "up"
        first = hit["drivers"].iloc[0][0]
        assert (first["by"], first["group"]) == ("error_classification", outage["group"])
        assert first["share"] > 0.8


def test_a_latency_degradation_is_flagged_for_its_model(injected):
    frame, truth = injected
    slow = _incident(truth, "latency_degradation")
    for metric in ("p95_queue_seconds", "p95_total_seconds"):
        found = detect_anomalies(frame, metric=metric, by="model")
        hit = _flags(found, slow["group"], slow["start"], slow["end"])
        assert hit["period"].tolist() == [slow["start"]] and hit["direction"].eq("up").all()
        assert (hit["actual"] > hit["upper"]).all()


def test_a_price_change_is_flagged_while_it_lasts(injected):
    frame, truth = injected
    price = _incident(truth, "price_change")
    found = detect_anomalies(frame, metric="spend", by="model")
    hit = _flags(found, price["group"], price["start"], price["end"])
    assert len(hit) >= 1 and hit["direction"].eq("up").all()
    assert hit["period"].min() <= price["start"] + pd.Timedelta(days=1)  # within a day of it


def test_a_traffic_drop_is_flagged_down(injected):
    frame, truth = injected
    drop = _incident(truth, "traffic_drop")
    for metric in ("executions", "spend"):
        found = detect_anomalies(frame, metric=metric)
        hit = _flags(found, "total", drop["start"], drop["end"])
        assert hit["period"].tolist() == [drop["start"]] and hit["direction"].eq("down").all()
        assert (hit["actual"] < hit["lower"]).all()


@pytest.mark.parametrize("by", [None, "model"])
@pytest.mark.parametrize("metric", METRICS)
def test_outside_the_incidents_alarms_stay_rare(injected, metric, by):
    frame, truth = injected
    found = detect_anomalies(frame, metric=metric, by=by)
    false = _outside(found, truth).groupby("group").size()
    assert (false <= _allowed(found)).all(), _outside(found, truth).drop(columns="drivers")


def test_flagged_values_are_plain_pandas_numbers_outside_their_band(injected):
    frame, _ = injected
    day = frame["created_at"].dt.floor("D")
    spend = detect_anomalies(frame, metric="spend", by="model")
    assert len(spend)
    for _, row in spend.iterrows():
        rows = frame.loc[(day == row["period"]) & (frame["model"] == row["group"])]
        assert row["actual"] == pytest.approx(rows["execution_cost"].sum())
    latency = detect_anomalies(frame, metric="p95_queue_seconds", by="model")
    assert len(latency)
    for _, row in latency.iterrows():
        rows = frame.loc[(day == row["period"]) & (frame["model"] == row["group"])]
        done = rows.loc[~rows["status"].isin(schema.IN_FLIGHT_STATUSES), "queue_seconds"]
        assert row["actual"] == pytest.approx(np.percentile(done.dropna(), 95))
    rate = detect_anomalies(frame, metric="error_rate")
    assert len(rate)
    for _, row in rate.iterrows():
        rows = frame.loc[day == row["period"]]
        failed = rows["status"].isin(schema.FAILED_STATUSES).sum()
        assert row["actual"] == pytest.approx(failed / len(rows))
    for found in (spend, latency, rate):
        up = found["direction"] == "up"
        assert (found.loc[up, "actual"] > found.loc[up, "upper"]).all()
        assert (found.loc[~up, "actual"] < found.loc[~up, "lower"]).all()
        assert (found["lower"] <= found["expected"]).all()
        assert (found["expected"] <= found["upper"]).all()
        assert (np.sign(found["score"]) == np.where(up, 1, -1)).all()


def test_the_period_in_progress_is_never_flagged():
    frame = ea.generate_executions(executions=30_000, seed=4, end="2026-10-20T12:00:00Z")
    today = pd.Timestamp("2026-10-20", tz=UTC)
    yesterday = today - pd.Timedelta(days=1)
    spiked = frame.copy()
    created = spiked["created_at"]
    spiked.loc[created >= today, "execution_cost"] *= 20
    spiked.loc[(created >= yesterday) & (created < today), "execution_cost"] *= 20
    found = detect_anomalies(spiked, metric="spend")
    assert found.attrs["in_progress"] == today.isoformat()
    assert found["period"].tolist() == [yesterday]  # the whole day is; today is not judged
    first_day = pd.Timestamp(frame.attrs["window"]["start"]).floor("D")
    assert pd.Timestamp(found.attrs["first_judged"]) > first_day + pd.Timedelta(days=27)


def test_an_empty_result_keeps_its_columns_and_types():
    frame = ea.generate_executions(executions=2_000, seed=4, end=END, days=20)
    found = detect_anomalies(frame)  # too short to judge anything
    assert found.empty and found.attrs["judged_periods"] == 0
    assert found.columns.tolist()[:3] == ["period", "group", "metric"]
    assert found["period"].dtype == schema.TIMESTAMP_DTYPE


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "cost"}, "metric='cost' is not allowed; use one of spend, executions"),
        ({"sensitivity": "paranoid"}, "use one of low, normal, high"),
        ({"freq": "5h"}, "dividing a day"),
        ({"freq": "2D"}, "'D', 'W' or 'M'"),
        ({"by": "modle"}, "by='modle' is not a column"),
    ],
)
def test_bad_arguments_say_what_is_allowed(kwargs, message):
    frame = ea.generate_executions(executions=500, seed=4, end=END, days=10)
    with pytest.raises(InvalidQueryError, match=message):
        detect_anomalies(frame, **kwargs)
