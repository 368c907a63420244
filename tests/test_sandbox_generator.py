"""The generator's data is realistic where it matters, consistent, and deterministic per seed.

Expectations are computed here with plain pandas on the generated frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eachlabs_analytics import schema
from eachlabs_analytics.local_api import catalog, generate_executions

END = pd.Timestamp("2026-10-31T00:00:00Z")
CATEGORY = {m.slug: m.category for m in catalog.CATALOG}


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return generate_executions(executions=20_000, seed=7, end=END, days=90)


def category(frame: pd.DataFrame) -> pd.Series:
    return frame["model"].astype(object).map(CATEGORY)


def succeeded(frame: pd.DataFrame) -> pd.Series:
    return frame["status"].isin(list(schema.SUCCEEDED_STATUSES))


def failed(frame: pd.DataFrame) -> pd.Series:
    return frame["status"].isin(list(schema.FAILED_STATUSES))


# --- shape and consistency ---------------------------------------------------------------
def test_columns_dtypes_order_and_ids(df):
    assert tuple(df.columns) == schema.COLUMNS
    for column in schema.COLUMNS:
        if column != "status":
            assert df[column].dtype == schema.DTYPES[column], column
    assert isinstance(df["status"].dtype, pd.CategoricalDtype)
    assert list(df["status"].dtype.categories) == list(schema.KNOWN_STATUSES)
    assert len(df) == 20_000
    assert df["id"].is_unique
    assert df["id"].str.fullmatch(r"exec_[0-9a-f]{16}").all()
    manual = df.sort_values(["created_at", "id"], ascending=False, ignore_index=True)
    assert df["id"].tolist() == manual["id"].tolist()
    assert df.index.tolist() == list(range(len(df)))


def test_window_and_timestamps_are_consistent(df):
    assert df["created_at"].min() >= END - pd.Timedelta(days=90)
    assert df["created_at"].max() < END
    assert df["created_at"].min() < END - pd.Timedelta(days=89)  # the window is used fully
    started, completed = df["started_at"], df["completed_at"]
    assert (started.dropna() >= df.loc[started.notna(), "created_at"]).all()
    both = started.notna() & completed.notna()
    assert (completed[both] >= started[both]).all()
    assert (completed.dropna() <= END).all() and (started.dropna() <= END).all()
    assert df.attrs["window"] == {"start": "2026-08-02T00:00:00Z", "end": "2026-10-31T00:00:00Z"}


def test_run_time_equals_completed_minus_started(df):
    both = df["started_at"].notna() & df["completed_at"].notna()
    seconds = (df.loc[both, "completed_at"] - df.loc[both, "started_at"]).dt.total_seconds()
    np.testing.assert_allclose(df.loc[both, "run_time"], seconds, rtol=0, atol=1e-6)
    assert (df.loc[~both, "run_time"] == 0).all()


def test_derived_durations_come_from_the_timestamps(df):
    for name, late, early in (
        ("queue_seconds", "started_at", "created_at"),
        ("execution_seconds", "completed_at", "started_at"),
        ("total_seconds", "completed_at", "created_at"),
    ):
        expected = (df[late] - df[early]).dt.total_seconds().to_numpy()
        np.testing.assert_allclose(df[name].to_numpy(), expected, atol=1e-6, equal_nan=True)
        assert df[name].isna().sum() == (df[late].isna() | df[early].isna()).sum()


def test_router_rows_and_only_they_have_requested_model(df):
    router = df["model"] == catalog.ROUTER_MODEL
    assert router.sum() > 1000
    assert df.loc[router, "requested_model"].notna().all()
    assert df.loc[~router, "requested_model"].isna().all()
    requested = set(df.loc[router, "requested_model"])
    assert {
        "openai/gpt-4.1-mini",
        "anthropic/claude-sonnet-4",
        "google/gemini-2.5-flash",
    } <= requested


def test_every_catalog_slug_appears(df):
    assert set(df["model"]) == set(catalog.MODELS)


# --- failures ----------------------------------------------------------------------------
def test_error_share_is_between_5_and_8_percent(df):
    assert 0.05 <= failed(df).mean() <= 0.08


def test_every_error_class_is_present_and_only_on_failed_rows(df):
    classes = df["error_classification"]
    assert set(classes.dropna()) == set(schema.ERROR_CLASSES)
    assert classes[failed(df)].notna().all()
    assert classes[~failed(df)].isna().all()


def test_error_classes_depend_on_the_model(df):
    errors = df[failed(df)]
    share = pd.crosstab(category(errors), errors["error_classification"], normalize="index")
    assert share.loc["video"].idxmax() == "execution_timeout"
    assert share.loc["image_gen"].idxmax() == "content_moderation"
    assert share.loc["llm"].idxmax() == "provider_rate_limit"
    assert share.loc["video", "execution_timeout"] > 3 * share.loc["image_gen", "execution_timeout"]
    rate = failed(df).groupby(category(df)).mean()
    assert rate["video"] > 1.5 * rate["tts"]


def test_failed_rows_cost_nothing_but_timeouts(df):
    errors = df[failed(df)]
    timeout = errors["error_classification"] == "execution_timeout"
    assert (errors.loc[~timeout, "execution_cost"] == 0).all()
    assert (errors.loc[timeout, "execution_cost"] > 0).all()
    assert (errors["output"].isna()).all()


def test_timeouts_run_for_the_model_timeout(df):
    timeouts = df[df["error_classification"] == "execution_timeout"]
    limit = (
        timeouts["model"]
        .astype(object)
        .map({m.slug: catalog.CATEGORIES[m.category].timeout for m in catalog.CATALOG})
    )
    assert ((timeouts["run_time"] - limit).between(0, 2)).all()


def test_cancelled_rows_are_present(df):
    cancelled = df[df["status"] == "cancelled"]
    assert 0.003 <= len(cancelled) / len(df) <= 0.03
    assert cancelled["started_at"].isna().any() and cancelled["started_at"].notna().any()
    assert (cancelled.loc[cancelled["started_at"].isna(), "execution_cost"] == 0).all()
    assert cancelled["completed_at"].notna().all()


def test_in_flight_rows_are_present_near_the_end(df):
    flight = df[df["status"].isin(list(schema.IN_FLIGHT_STATUSES))]
    assert len(flight) >= 20
    assert (flight["created_at"] > END - pd.Timedelta(days=1)).all()
    assert flight["completed_at"].isna().all()
    created = flight[flight["status"] == "created"]
    assert len(created) > 0 and created["started_at"].isna().all()
    assert (flight["status"] == "starting").any()
    assert (flight["execution_cost"] == 0).all() and (flight["run_time"] == 0).all()


# --- money and time ----------------------------------------------------------------------
def test_costs_by_category_are_plausible(df):
    ok = df[succeeded(df)]
    cost = ok.groupby(category(ok))["execution_cost"]
    median, low, high = cost.median(), cost.min(), cost.max()
    assert 0.3 <= median["video"] <= 5 and low["video"] >= 0.3  # dollars
    assert 0.01 <= median["image_gen"] <= 0.2 and high["image_gen"] < 1  # cents
    assert 0.001 <= median["image_edit"] <= 0.2
    assert high["tts"] < 0.01 and low["tts"] > 0  # fractions of a cent
    assert 0.02 <= median["music"] <= 1
    assert median["llm"] < 0.01
    assert (ok["execution_cost"] > 0).all()


def test_run_times_are_heavy_tailed_and_by_category(df):
    ok = df[succeeded(df)]
    run = ok.groupby(category(ok))["run_time"]
    median = run.median()
    assert median["video"] >= 60  # minutes
    assert 1 <= median["image_gen"] <= 30  # seconds
    assert median["tts"] < 10
    tail = run.quantile(0.99) / median
    assert (tail > 2.5).all()  # lognormal: a long right tail everywhere


def test_outputs_on_successful_rows_only(df):
    ok = succeeded(df)
    assert df.loc[ok, "output"].notna().all() and df.loc[~ok, "output"].isna().all()
    urls = df.loc[ok & (df["model"] != catalog.ROUTER_MODEL), "output"]
    assert urls.str.startswith("https://").all()
    video = ok & (category(df) == "video")
    assert df.loc[video, "output"].str.endswith(".mp4").all()


# --- seasonality and load ----------------------------------------------------------------
def test_daily_and_weekly_seasonality(df):
    created = df["created_at"]
    per_day = created.dt.floor("D").value_counts()
    weekend = per_day.index.day_of_week >= 5
    assert per_day[~weekend].mean() > 1.5 * per_day[weekend].mean()
    per_hour = created.dt.hour.value_counts().sort_index()
    assert per_hour.loc[13:17].mean() > 2.5 * per_hour.loc[0:4].mean()


def test_queue_delays_grow_with_load(df):
    hourly = df.assign(hour=df["created_at"].dt.floor("h")).groupby("hour")
    stats = hourly.agg(arrivals=("id", "size"), queue=("queue_seconds", "median"))
    # Spearman (Pearson on ranks; pandas would need scipy for method="spearman")
    assert stats["arrivals"].rank().corr(stats["queue"].rank()) > 0.3
    busy = stats["arrivals"] >= stats["arrivals"].quantile(0.9)
    quiet = stats["arrivals"] <= stats["arrivals"].quantile(0.1)
    assert stats.loc[busy, "queue"].median() > 1.5 * stats.loc[quiet, "queue"].median()


# --- workflows ---------------------------------------------------------------------------
def test_workflow_runs_share_ids_and_run_in_sequence(df):
    steps = df.dropna(subset=["workflow_execution_id"])
    assert 0.05 <= len(steps) / len(df) <= 0.2
    assert steps["workflow_id"].str.fullmatch(r"wf_[0-9a-f]{10}").all()
    assert steps["workflow_execution_id"].str.startswith("wf_exec_").all()
    assert steps["workflow_id"].nunique() == len(catalog.WORKFLOWS)
    per_run = steps.groupby("workflow_execution_id")
    assert (per_run["workflow_id"].nunique() == 1).all()
    sizes = per_run.size()
    assert (sizes >= 2).mean() > 0.7 and sizes.max() >= 3
    for _, run in list(per_run)[:200]:
        run = run.sort_values("created_at")
        previous_done = run["completed_at"].shift()
        later = run.iloc[1:]
        assert (later["created_at"] >= previous_done.iloc[1:]).all()
        assert succeeded(run.iloc[:-1]).all()  # a run continues only after a success
    assert df.loc[df["workflow_id"].isna(), "workflow_execution_id"].isna().all()


def test_workflow_backend_statuses_are_present(df):
    counts = df["status"].value_counts()
    assert counts["completed"] > 0 and counts["failed"] > 0
    share = df["status"].isin(["completed", "failed", "running"]).mean()
    assert 0.005 < share < 0.1
    backend = df[df["status"].isin(["completed", "failed"])]
    assert backend["workflow_id"].notna().all()


# --- determinism and arguments -----------------------------------------------------------
def test_deterministic_per_seed_and_parameters(df):
    again = generate_executions(executions=20_000, seed=7, end="2026-10-31T00:00:00+00:00")
    pd.testing.assert_frame_equal(df, again)
    other = generate_executions(executions=20_000, seed=8, end=END)
    assert not set(other["id"]) & set(df["id"])
    assert other["execution_cost"].sum() != df["execution_cost"].sum()
    shifted = generate_executions(executions=20_000, seed=7, end=END + pd.Timedelta(days=1))
    assert shifted["created_at"].max() > df["created_at"].max()


def test_end_defaults_to_now_floored_to_the_second():
    before = pd.Timestamp.now(tz="UTC").floor("s")
    frame = generate_executions(executions=50, seed=1)
    after = pd.Timestamp.now(tz="UTC")
    end = pd.Timestamp(frame.attrs["window"]["end"])
    assert before <= end <= after and end == end.floor("s")
    assert (frame["created_at"] < end).all()


@pytest.mark.parametrize("n", [0, 1, 7, 199, 201])
def test_small_sizes(n):
    frame = generate_executions(executions=n, seed=2, end=END, days=3)
    assert len(frame) == n and tuple(frame.columns) == schema.COLUMNS
    assert frame["id"].is_unique
    assert (frame["created_at"] >= END - pd.Timedelta(days=3)).all()


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"executions": -1}, ValueError, "executions"),
        ({"executions": 2.5}, TypeError, "executions"),
        ({"executions": "10"}, TypeError, "executions"),
        ({"seed": -3}, ValueError, "seed"),
        ({"days": 0}, ValueError, "days"),
        ({"days": "90"}, TypeError, "days"),
        ({"end": "not a date"}, ValueError, "ISO 8601"),
        ({"end": 12}, TypeError, "end"),
    ],
)
def test_bad_arguments_are_refused(kwargs, error, match):
    params = {"executions": 10, "seed": 1, "end": END, **kwargs}
    with pytest.raises(error, match=match):
        generate_executions(**params)
