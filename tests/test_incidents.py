"""Labelled incidents in generated data: each kind changes what it says and nothing else, the
frame keeps the schema and its derived columns, and the sandbox serves it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.local_api.incidents import (
    DEFAULT_MAGNITUDE,
    KINDS,
    TRUTH_COLUMNS,
    Incident,
    inject_incidents,
)

END = "2026-10-31T00:00:00Z"
DAY = pd.Timestamp("2026-10-20", tz="UTC")
NEXT = DAY + pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def clean() -> pd.DataFrame:
    return ea.generate_executions(executions=6_000, seed=5, end=END, days=60)


def _on_day(df: pd.DataFrame, model: str | None = None) -> pd.Series:
    mask = (df["created_at"] >= DAY) & (df["created_at"] < NEXT)
    if model is not None:
        mask &= df["model"] == model
    return mask.to_numpy(bool)


def _seconds(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return ((later - earlier).dt.total_seconds()).to_numpy(dtype=float, na_value=np.nan)


def test_the_frame_keeps_the_schema_and_recomputes_the_durations(clean):
    hit, truth = inject_incidents(clean, seed=3)
    assert tuple(hit.columns) == schema.COLUMNS
    assert all(hit[c].dtype == schema.DTYPES[c] for c in schema.COLUMNS)
    np.testing.assert_allclose(
        hit["queue_seconds"], _seconds(hit["started_at"], hit["created_at"]), equal_nan=True
    )
    np.testing.assert_allclose(
        hit["total_seconds"], _seconds(hit["completed_at"], hit["created_at"]), equal_nan=True
    )
    run = np.nan_to_num(_seconds(hit["completed_at"], hit["started_at"]))
    np.testing.assert_allclose(hit["run_time"], run, atol=1e-6)
    assert hit["id"].is_unique
    assert hit["created_at"].is_monotonic_decreasing
    end = pd.Timestamp(END)
    assert (hit["completed_at"].dropna() <= end).all()  # the clock still stops at the end
    assert hit.attrs["window"] == clean.attrs["window"]
    assert [r["kind"] for r in hit.attrs["incidents"]] == truth["kind"].tolist()


def test_the_truth_labels_every_incident(clean):
    _, truth = inject_incidents(clean, seed=3)
    assert tuple(truth.columns) == TRUTH_COLUMNS
    assert truth["kind"].tolist() == list(KINDS)
    assert (truth["start"] < truth["end"]).all()
    assert truth.loc[truth["kind"] == "error_outage", "group"].iloc[0] in schema.ERROR_CLASSES
    assert truth.loc[truth["kind"] == "traffic_drop", "group"].iloc[0] is None
    spiked = truth.loc[truth["kind"] == "spend_spike", "group"].iloc[0]
    assert spiked in set(clean["model"])


def test_injection_is_deterministic_by_seed(clean):
    a, truth_a = inject_incidents(clean, seed=3)
    b, truth_b = inject_incidents(clean, seed=3)
    c, _ = inject_incidents(clean, seed=4)
    assert a.equals(b) and truth_a.equals(truth_b)
    assert not a.equals(c)


def test_a_spend_spike_repeats_the_models_rows_that_day_only(clean):
    model = "veo-3"
    hit, _ = inject_incidents(clean, [Incident("spend_spike", DAY, group=model, magnitude=3)])
    before = clean.loc[_on_day(clean, model)]
    after = hit.loc[_on_day(hit, model)]
    finished = (~before["status"].isin(schema.IN_FLIGHT_STATUSES)).sum()
    assert finished * 3 * 0.8 <= len(after) - len(before) <= finished * 3  # copies near the day
    new = hit.loc[~hit["id"].isin(clean["id"])]
    assert set(new["model"]) == {model}
    assert ((new["created_at"] >= DAY) & (new["created_at"] < NEXT)).all()
    assert new["workflow_id"].isna().all()
    rest = ~hit["id"].isin(new["id"])
    kept = hit.loc[rest].sort_values("id").reset_index(drop=True)
    assert kept.equals(clean.sort_values("id").reset_index(drop=True))


def test_an_error_outage_fails_successes_with_that_class(clean):
    cls = "provider_unavailable"
    hit, _ = inject_incidents(clean, [Incident("error_outage", DAY, group=cls, magnitude=0.5)])
    merged = clean.merge(hit, on="id", suffixes=("", "_new"))
    changed = merged["status"].astype(str) != merged["status_new"].astype(str)
    rows = merged.loc[changed]
    assert len(merged) == len(clean) == len(hit)
    assert rows["status"].isin(schema.SUCCEEDED_STATUSES).all()
    assert rows["status_new"].isin(schema.FAILED_STATUSES).all()
    assert (rows["error_classification_new"] == cls).all()
    assert (rows["execution_cost_new"] == 0).all() and rows["output_new"].isna().all()
    assert ((rows["created_at"] >= DAY) & (rows["created_at"] < NEXT)).all()
    successes = clean.loc[_on_day(clean)]["status"].isin(schema.SUCCEEDED_STATUSES).sum()
    assert 0.4 * successes <= len(rows) <= 0.6 * successes
    assert (rows["completed_at_new"] <= rows["completed_at"]).all()


def test_a_latency_degradation_delays_the_models_queue(clean):
    model = "flux-1-1-pro"
    incident = Incident("latency_degradation", DAY, group=model, magnitude=120)
    hit, _ = inject_incidents(clean, [incident])
    merged = clean.merge(hit, on="id", suffixes=("", "_new"))
    extra = merged["queue_seconds_new"] - merged["queue_seconds"]
    slowed = extra.fillna(0) > 0
    day = clean.loc[_on_day(clean, model)]
    finished = ~day["status"].isin(schema.IN_FLIGHT_STATUSES) & day["started_at"].notna()
    assert slowed.sum() == finished.sum() > 0  # every one of them (the day is long over)
    assert set(merged.loc[slowed, "model"]) == {model}
    assert (
        (merged.loc[slowed, "created_at"] >= DAY) & (merged.loc[slowed, "created_at"] < NEXT)
    ).all()
    assert extra[slowed].median() == pytest.approx(120, rel=0.2)
    np.testing.assert_allclose(merged["run_time_new"], merged["run_time"], atol=1e-6)
    np.testing.assert_allclose(
        merged["execution_cost_new"], merged["execution_cost"], equal_nan=True
    )


def test_a_price_change_multiplies_the_models_cost_from_its_start(clean):
    model = "nano-banana-pro"
    start = pd.Timestamp("2026-10-25", tz="UTC")
    hit, truth = inject_incidents(clean, [Incident("price_change", start, group=model)])
    assert truth["end"].iloc[0] == pd.Timestamp(END)  # lasts to the window's end
    merged = clean.merge(hit, on="id", suffixes=("", "_new"))
    inside = (merged["created_at"] >= start) & (merged["model"] == model)
    ratio = DEFAULT_MAGNITUDE["price_change"]
    np.testing.assert_allclose(
        merged.loc[inside, "execution_cost_new"],
        merged.loc[inside, "execution_cost"] * ratio,
        atol=1e-6,
    )
    assert (
        merged.loc[~inside, "execution_cost_new"] == merged.loc[~inside, "execution_cost"]
    ).all()


def test_a_traffic_drop_removes_whole_runs_that_day_only(clean):
    hit, _ = inject_incidents(clean, [Incident("traffic_drop", DAY, magnitude=0.7)])
    gone = clean.loc[~clean["id"].isin(hit["id"])]
    runs = gone["workflow_execution_id"].dropna().unique()
    assert not hit["workflow_execution_id"].isin(runs).any()  # a run goes whole
    standalone = gone.loc[gone["workflow_execution_id"].isna()]
    assert ((standalone["created_at"] >= DAY) & (standalone["created_at"] < NEXT)).all()
    day_rows = _on_day(clean).sum()
    assert 0.6 * day_rows <= len(gone) <= 0.8 * day_rows
    assert hit.loc[~_on_day(hit)].shape[0] >= clean.loc[~_on_day(clean)].shape[0] - len(gone)


def test_the_sandbox_serves_the_frame_with_incidents(clean):
    hit, _ = inject_incidents(clean, seed=3)
    with ea.Sandbox(data=hit, total_cap=None) as api:
        served = ea.load_executions(
            start="2026-10-01T00:00:00Z",
            end=END,
            base_url=api.base_url,
            api_key=api.api_key,
            progress=False,
        )
    month = hit.loc[hit["created_at"] >= pd.Timestamp("2026-10-01", tz="UTC")]
    assert len(served) == len(month)
    assert served["execution_cost"].sum() == pytest.approx(month["execution_cost"].sum())


@pytest.mark.parametrize(
    ("incident", "message"),
    [
        (Incident("meteor", DAY), "use one of spend_spike"),
        (Incident("error_outage", DAY, group="oops"), "error classes"),
        (Incident("spend_spike", DAY), "needs group= a model slug"),
        (Incident("traffic_drop", DAY, magnitude=1.5), "share in (0, 1]"),
        (Incident("price_change", DAY, DAY, group="veo-3"), "start must be before end"),
        (Incident("price_change", "not a date", group="veo-3"), "not a timestamp"),
    ],
)
def test_bad_incidents_are_refused_with_what_is_allowed(clean, incident, message):
    with pytest.raises(InvalidQueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        inject_incidents(clean, [incident])
