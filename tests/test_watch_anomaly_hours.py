"""Issue 21, items 3 and 4: a day that hides an incident in its hours, and drivers that tell the
truth.

- With ``freq="D"`` a day whose hours show a sustained run (a 4-hour traffic drop of every
  model, a 4-hour error outage) is flagged, with the hours named in ``hours`` and in the check's
  sentences; clean generated histories gain no flag from the hours.
- An anomaly every model moved by the same share names no model: ``across`` says "all models
  -30%"; a single model's incident still names that model.
- Over a store's lazy scan the result is the loaded frame's, rows never read.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics.local_api.incidents import Incident, inject_incidents
from eachlabs_analytics.watch import detect_anomalies
from eachlabs_analytics.watch.anomaly_hours import RUN_MARGIN
from eachlabs_analytics.watch.check import run_check

END = "2026-10-31T00:00:00Z"
DAY = pd.Timestamp("2026-10-21", tz="UTC")
DROP = Incident("traffic_drop", "2026-10-21T09:00Z", "2026-10-21T13:00Z")
OUTAGE = Incident(
    "error_outage", "2026-10-21T17:00Z", "2026-10-21T21:00Z", group="provider_unavailable"
)


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return ea.generate_executions(executions=100_000, seed=1, end=END, days=90)


@pytest.fixture(scope="module")
def busy() -> pd.DataFrame:
    """Enough executions an hour (about 140) for a 30 % drop of a few hours to show."""
    return ea.generate_executions(executions=300_000, seed=2, end=END, days=90)


def _on_day(found: pd.DataFrame, group: str = "total") -> pd.DataFrame:
    return found.loc[(found["period"] == DAY) & (found["group"] == group)]


@pytest.mark.parametrize(
    ("incident", "metrics", "window"),
    [(DROP, ("executions",), range(9, 13)), (OUTAGE, ("failed", "error_rate"), range(17, 21))],
    ids=["traffic_drop", "error_outage"],
)
def test_a_four_hour_outage_inside_a_day_is_flagged_with_its_hours(
    history, incident, metrics, window
):
    hit, _ = inject_incidents(history, [incident], seed=1)
    for metric in metrics:
        found = detect_anomalies(hit, metric=metric)
        row = _on_day(found)
        assert len(row) == 1, found.drop(columns="drivers")
        hours, score = row["hours"].iloc[0], row["hours_score"].iloc[0]
        assert len(hours) >= 3 and set(hours) <= set(window), hours
        assert abs(score) >= found.attrs["threshold"] + RUN_MARGIN
        down = incident.kind == "traffic_drop"
        assert row["direction"].iloc[0] == ("down" if down else "up")
        assert (score < 0) == down
        if down:  # the day as a whole stayed inside its band: the hours found it
            assert abs(row["score"].iloc[0]) < found.attrs["threshold"]
        assert not found.loc[found["period"] != DAY, "hours"].map(len).any()


def test_the_check_names_the_hours_of_the_day(history):
    hit, _ = inject_incidents(history, [DROP], seed=1)
    result = run_check(
        hit, {}, anomalies=True, anomaly_metrics=["executions"], as_of="2026-10-22T06:00:00Z"
    )
    assert result.status_name == "WARNING"
    assert result.summary() == (
        "EACHLABS WARNING - 1 anomaly: executions total 2026-10-21 hours 09:00-13:00 UTC down "
        "(1,199, expected 1,405)"
    )
    assert result.text().splitlines()[1] == (
        "anomaly executions total 2026-10-21: down, 1,199 (expected 1,405, usual range 762 to "
        "2,244), score -1.2; hours 09:00-13:00 UTC, score -10.3; across the board (all models "
        "-69%)"
    )
    assert [a.key for a in result.alerts] == ["anomaly:executions:total:2026-10-21"]
    (anomaly,) = result.as_json()["anomalies"]
    assert anomaly["hours"] == [9, 10, 11, 12] and anomaly["hours_score"] == -10.3261
    assert anomaly["drivers"] == [] and anomaly["across"] == [{"by": "model", "change": -0.686}]


def test_other_frequencies_name_no_hours(history):
    hit, _ = inject_incidents(history, [OUTAGE], seed=1)
    for freq in ("h", "W"):
        found = detect_anomalies(hit, metric="failed", freq=freq)
        assert not found["hours"].map(len).any() and found["hours_score"].isna().all()


def test_an_across_the_board_drop_names_no_single_model(busy):
    drop = Incident("traffic_drop", "2026-10-21T09:00Z", "2026-10-21T15:00Z", magnitude=0.3)
    hit, _ = inject_incidents(busy, [drop], seed=2)
    found = detect_anomalies(hit, metric="executions")
    row = _on_day(found)
    assert len(row) == 1 and row["direction"].iloc[0] == "down"
    assert row["drivers"].iloc[0] == []  # no model is "the driver"
    (across,) = row["across"].iloc[0]  # not "all workflows": most executions are in none
    assert across["by"] == "model" and across["change"] == pytest.approx(-0.3, abs=0.05)
    assert len(found) == 1, found.drop(columns="drivers")


def test_a_single_model_incident_still_names_that_model(busy):
    model = busy["model"].value_counts().index[1]
    spike = Incident("spend_spike", "2026-10-21T09:00Z", "2026-10-21T13:00Z", group=model)
    hit, _ = inject_incidents(busy, [spike], seed=2)
    row = _on_day(detect_anomalies(hit, metric="executions"))
    assert len(row) == 1 and row["direction"].iloc[0] == "up"
    first = row["drivers"].iloc[0][0]
    assert (first["by"], first["group"]) == ("model", model) and first["share"] > 0.5
    assert row["across"].iloc[0] == []  # its copies are in no workflow: not "all workflows"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clean_histories_gain_no_flag_from_their_hours(seed):
    frame = ea.generate_executions(executions=150_000, seed=seed, end=END, days=120)
    for metric in ("spend", "executions", "failed", "error_rate"):
        for by in (None, "model"):
            found = detect_anomalies(frame, metric=metric, by=by)
            allowed = max(1, math.floor(found.attrs["judged_periods"] / 90 + 0.5))
            assert (found.groupby("group").size() <= allowed).all(), found
            by_hours = found["score"].abs() < found.attrs["threshold"]
            assert not by_hours.any(), found.loc[by_hours].drop(columns="drivers")


def test_over_a_scan_the_hours_and_drivers_are_the_frames(history, tmp_path, monkeypatch):
    pytest.importorskip("ibis", reason="the lazy extra (ibis-framework[duckdb]) is not installed")
    from scan_stores import with_edge_cases, write_store

    from eachlabs_analytics.engines import Selection

    hit, _ = inject_incidents(history, [DROP, OUTAGE], seed=1)
    store = write_store(tmp_path, with_edge_cases(hit, seed=12))
    frame = store.load()

    def refuse(*args, **kwargs):
        raise AssertionError("rows were loaded into pandas")

    monkeypatch.setattr(Selection, "to_pandas", refuse)
    seen = 0
    for metric in ("executions", "spend", "failed", "error_rate"):
        for by in (None, "model"):
            eager = detect_anomalies(frame, metric=metric, by=by)
            lazy = detect_anomalies(store.scan(), metric=metric, by=by)
            pd.testing.assert_frame_equal(lazy, eager, rtol=1e-9)
            assert lazy.attrs == eager.attrs
            seen += int(eager["hours"].map(len).sum())
    assert seen >= 8  # the drop's and the outage's hours, on both paths alike
