"""cost_by_model, cost_by_workflow, latency_percentiles and error_breakdown.

Every expected value is recomputed here independently: a plain per-group loop with boolean
masks, Python sums and ``np.percentile``, never the helpers' bincount/partition code.
``typed_frame`` (also used by the other analytics tests) builds small frames by hand for the
edge cases: NaT timestamps, zero costs, one row, all or no errors, unknown statuses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import metrics, schema
from eachlabs_analytics.local_api.generator import generate_executions

END = "2026-10-31T00:00:00Z"
FAILED = set(schema.FAILED_STATUSES)
SUCCEEDED = set(schema.SUCCEEDED_STATUSES)
IN_FLIGHT = set(schema.IN_FLIGHT_STATUSES)


# --- frames ----------------------------------------------------------------------------------
def typed_frame(rows: Iterable[Mapping[str, Any]], attrs: dict | None = None) -> pd.DataFrame:
    """A frame typed exactly like the loader's output from a few dicts (missing keys are NA).

    Timestamps are RFC 3339 strings or None; durations are derived here from the timestamps.
    """
    raw = pd.DataFrame.from_records(list(rows), columns=list(schema.COLUMNS))
    out: dict[str, Any] = {}
    for name in schema.STRING_FIELDS:
        values = raw[name].astype(object)
        out[name] = pd.array(values.where(values.notna(), None).tolist(), schema.STRING_DTYPE)
    statuses = set(raw["status"].dropna())
    out["status"] = pd.Categorical(raw["status"], dtype=schema.status_dtype(statuses))
    for name in ("execution_cost", "run_time"):
        out[name] = pd.to_numeric(raw[name]).astype("float64").to_numpy()
    for name in schema.TIMESTAMP_FIELDS:
        out[name] = pd.to_datetime(raw[name], utc=True).astype(schema.TIMESTAMP_DTYPE)
    out["error_classification"] = pd.Categorical(
        raw["error_classification"], dtype=schema.ERROR_CLASS_DTYPE
    )
    out["queue_seconds"] = (out["started_at"] - out["created_at"]).dt.total_seconds()
    out["execution_seconds"] = (out["completed_at"] - out["started_at"]).dt.total_seconds()
    out["total_seconds"] = (out["completed_at"] - out["created_at"]).dt.total_seconds()
    frame = pd.DataFrame({c: pd.Series(out[c]).reset_index(drop=True) for c in schema.COLUMNS})
    frame.attrs = dict(attrs or {})
    return frame


def row(
    model: str = "m",
    status: str = "success",
    cost: float | None = 1.0,
    created: str | None = "2026-10-01T00:00:00Z",
    queue: float | None = 1.0,
    run: float | None = 2.0,
    **extra: Any,
) -> dict[str, Any]:
    """One execution: created at ``created``, started ``queue`` s later, done ``run`` s later."""
    start = (
        None
        if created is None or queue is None
        else pd.Timestamp(created) + pd.Timedelta(seconds=queue)
    )
    done = None if start is None or run is None else start + pd.Timedelta(seconds=run)
    return {
        "id": extra.pop("id", f"exec_{model}_{status}_{created}_{queue}_{run}_{cost}"),
        "model": model,
        "status": status,
        "execution_cost": cost,
        "run_time": run,
        "created_at": created,
        "started_at": None if start is None else start.isoformat(),
        "completed_at": None if done is None else done.isoformat(),
        **extra,
    }


@pytest.fixture(scope="module")
def sandbox_df() -> pd.DataFrame:
    """Realistic executions, plus rows with unknown statuses and missing costs mixed in."""
    df = generate_executions(executions=20_000, seed=5, end=END, days=60)
    extra = typed_frame(
        [
            row("veo-3", "paused", cost=0.5, id="x1"),
            row("veo-3", "archived", cost=None, id="x2"),
            row("flux-2-pro", "success", cost=None, id="x3"),
            row("flux-2-pro", "error", cost=0.2, queue=None, id="x4"),
        ]
    )
    status = schema.status_dtype(["paused", "archived"])
    both = pd.concat(
        [df.astype({"status": status}), extra.astype({"status": status})], ignore_index=True
    )
    both.attrs = dict(df.attrs)
    both.attrs["query"] = {"model": None, "status": None}
    return both


def status_sets(part: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    s = part["status"].astype(object)
    return s.isin(SUCCEEDED), s.isin(FAILED), s.isin(IN_FLIGHT)


def model_slices(df: pd.DataFrame, by: str = "model") -> dict[Any, pd.DataFrame]:
    """Group -> rows, by a plain loop over the distinct values (NA its own group)."""
    out = {}
    values = df[by].astype(object)
    for value in pd.unique(values.dropna()):
        out[value] = df[(values == value).to_numpy()]
    if values.isna().any():
        out[None] = df[values.isna().to_numpy()]
    return out


def label(value: Any) -> Any:
    return None if pd.isna(value) else value


# --- cost_by_model ---------------------------------------------------------------------------
def expected_cost_by_model(df: pd.DataFrame, by: str = "model") -> dict[Any, dict[str, Any]]:
    grand = math.fsum(df["execution_cost"].fillna(0.0))
    records = {}
    for key, part in model_slices(df, by).items():
        succeeded, failed, _ = status_sets(part)
        costs = part["execution_cost"]
        total = math.fsum(costs.fillna(0.0))
        known = costs.dropna()
        records[key] = {
            "executions": len(part),
            "total_cost": total,
            "mean_cost": math.fsum(known) / len(known) if len(known) else np.nan,
            "share": total / grand if grand else np.nan,
            "succeeded": int(succeeded.sum()),
            "failed": int(failed.sum()),
            "failed_cost": math.fsum(costs[failed.to_numpy()].fillna(0.0)),
            "cost_per_success": total / succeeded.sum() if succeeded.sum() else np.nan,
        }
    return records


def assert_table_matches(got: pd.DataFrame, expected: dict[Any, dict[str, Any]]) -> None:
    """Same groups (NA as None), and every expected value, floats to 1e-9 relative."""
    positions = {label(v): i for i, v in enumerate(got.index)}
    assert set(positions) == set(expected)
    for key, want in expected.items():
        have = got.iloc[positions[key]]
        for column, value in want.items():
            if isinstance(value, float) and np.isnan(value):
                assert np.isnan(have[column]), (key, column)
            else:
                assert have[column] == pytest.approx(value, rel=1e-9, abs=1e-12), (key, column)


def test_cost_by_model_matches_an_independent_loop(sandbox_df):
    got = ea.cost_by_model(sandbox_df)
    assert list(got.columns) == [
        "executions",
        "total_cost",
        "mean_cost",
        "share",
        "succeeded",
        "failed",
        "failed_cost",
        "cost_per_success",
    ]
    assert got.index.name == "model"
    assert_table_matches(got, expected_cost_by_model(sandbox_df))
    totals = got["total_cost"].to_numpy()
    assert (np.diff(totals) <= 0).all()  # sorted by spend, biggest first
    assert got["share"].sum() == pytest.approx(1.0)
    assert got["executions"].sum() == len(sandbox_df)


def test_cost_per_success_includes_the_spend_on_failures():
    df = typed_frame(
        [row(status="success", cost=1.0), row(status="error", cost=3.0), row(status="cancelled")]
    )
    got = ea.cost_by_model(df).loc["m"]
    assert got["cost_per_success"] == pytest.approx(5.0)  # (1 + 3 + 1) / 1 success
    assert got["failed_cost"] == pytest.approx(3.0)
    assert got["succeeded"] == 1 and got["failed"] == 1 and got["executions"] == 3


def test_cost_by_model_edge_cases():
    empty = ea.cost_by_model(schema.empty_frame())
    assert empty.empty and list(empty.columns)[:2] == ["executions", "total_cost"]

    one = ea.cost_by_model(typed_frame([row(cost=2.5)]))
    assert one.loc["m", "share"] == 1.0 and one.loc["m", "mean_cost"] == 2.5

    zero = ea.cost_by_model(typed_frame([row(cost=0.0), row(model="n", cost=0.0)]))
    assert zero["total_cost"].tolist() == [0.0, 0.0]
    assert zero["share"].isna().all()  # nothing spent: a share is undefined
    assert zero.index.tolist() == ["m", "n"]  # ties broken by name

    errors = ea.cost_by_model(typed_frame([row(status="error"), row(status="failed")]))
    assert np.isnan(errors.loc["m", "cost_per_success"]) and errors.loc["m", "failed"] == 2

    unknown = ea.cost_by_model(typed_frame([row(status="paused"), row(status="success")]))
    assert unknown.loc["m", "executions"] == 2 and unknown.loc["m", "succeeded"] == 1
    assert unknown.loc["m", "failed"] == 0

    missing_cost = ea.cost_by_model(typed_frame([row(cost=None), row(cost=4.0)]))
    assert missing_cost.loc["m", "total_cost"] == 4.0
    assert missing_cost.loc["m", "mean_cost"] == 4.0  # over the rows whose cost is known


def test_money_stays_float_on_empty_input():
    empty = schema.empty_frame()
    costs = ea.cost_by_model(empty)
    assert costs["total_cost"].dtype == np.float64
    assert costs["failed_cost"].dtype == np.float64


def test_cost_by_model_other_groupings(sandbox_df):
    routed = ea.cost_by_model(sandbox_df, by="requested_model")
    assert_table_matches(routed, expected_cost_by_model(sandbox_df, "requested_model"))
    overall = ea.cost_by_model(sandbox_df, by=None)
    assert overall.index.tolist() == ["all"]
    assert overall.loc["all", "total_cost"] == pytest.approx(sandbox_df["execution_cost"].sum())
    groups = ea.cost_by_model(sandbox_df, by="status_group")
    failed_rows = sandbox_df["status"].astype(object).isin(FAILED)
    assert groups.loc["failed", "executions"] == failed_rows.sum()
    assert groups.loc["other", "executions"] == 2  # the two unknown statuses


def test_cost_by_model_on_a_slice_keeps_window_and_counts_its_own_rows(sandbox_df):
    part = sandbox_df[sandbox_df["model"] == "veo-3"]
    got = ea.cost_by_model(part)
    assert got.index.tolist() == ["veo-3"]
    assert got.attrs["window"] == sandbox_df.attrs["window"]
    assert got.attrs["query"] == sandbox_df.attrs["query"]
    assert got.attrs["rows"] == len(part)
    statuses = part["status"].astype(object)
    assert got.attrs["in_flight_rows"] == statuses.isin(IN_FLIGHT).sum()
    failed = statuses.isin(FAILED)
    assert got.attrs["error_rows"] == failed.sum()
    unclassified = (failed & part["error_classification"].isna()).sum()
    assert got.attrs["unclassified_errors"] == unclassified


def test_bad_input_is_refused_with_what_is_allowed(sandbox_df):
    with pytest.raises(ea.InvalidQueryError, match="by='modle' is not a column; allowed"):
        ea.cost_by_model(sandbox_df, by="modle")
    with pytest.raises(ea.InvalidQueryError, match=r"needs the column\(s\) \['execution_cost'\]"):
        ea.cost_by_model(sandbox_df.drop(columns="execution_cost"))
    with pytest.raises(TypeError, match="takes a pandas DataFrame"):
        ea.cost_by_model([1, 2, 3])
    assert isinstance(ea.InvalidQueryError("x"), ValueError)


def test_extra_columns_from_the_loader_do_not_disturb_the_helpers(sandbox_df):
    wider = sandbox_df.assign(region="eu")
    assert ea.cost_by_model(wider).equals(ea.cost_by_model(sandbox_df))


# --- cost_by_workflow ------------------------------------------------------------------------
def test_cost_by_workflow_matches_an_independent_loop(sandbox_df):
    got = ea.cost_by_workflow(sandbox_df)
    in_workflow = sandbox_df[sandbox_df["workflow_id"].notna().to_numpy()]
    assert in_workflow["workflow_id"].nunique() == len(got) > 1
    assert got.attrs["rows_without_workflow"] == len(sandbox_df) - len(in_workflow)
    for workflow, part in model_slices(in_workflow, "workflow_id").items():
        run_costs = {}
        for run_id, cost in zip(part["workflow_execution_id"], part["execution_cost"], strict=True):
            if not pd.isna(run_id):
                run_costs[run_id] = run_costs.get(run_id, 0.0) + (0.0 if np.isnan(cost) else cost)
        costs = np.array(list(run_costs.values()))
        have = got.loc[workflow]
        assert have["runs"] == len(run_costs)
        assert have["executions"] == len(part)
        assert have["total_cost"] == pytest.approx(part["execution_cost"].sum())
        assert have["cost_per_run_mean"] == pytest.approx(costs.mean())
        assert have["cost_per_run_p50"] == pytest.approx(np.percentile(costs, 50))
        assert have["cost_per_run_p95"] == pytest.approx(np.percentile(costs, 95))


def test_cost_by_workflow_edge_cases():
    assert ea.cost_by_workflow(schema.empty_frame()).empty
    none = ea.cost_by_workflow(typed_frame([row()]))
    assert none.empty and none.attrs["rows_without_workflow"] == 1
    df = typed_frame(
        [
            row(cost=1.0, workflow_id="w", workflow_execution_id="r1"),
            row(cost=2.0, workflow_id="w", workflow_execution_id="r1", status="error"),
            row(cost=5.0, workflow_id="w", workflow_execution_id="r2"),
            row(cost=7.0, workflow_id="w", workflow_execution_id=None),  # no run id
        ]
    )
    got = ea.cost_by_workflow(df).loc["w"]
    assert (got["runs"], got["executions"], got["total_cost"]) == (2, 4, 15.0)
    assert got["cost_per_run_mean"] == 4.0  # runs cost 3 and 5
    assert got["cost_per_run_p95"] == pytest.approx(np.percentile([3.0, 5.0], 95))


# --- latency_percentiles ---------------------------------------------------------------------
@pytest.mark.parametrize("metric", metrics.LATENCY_METRICS)
def test_latency_percentiles_match_numpy_per_group(sandbox_df, metric):
    got = ea.latency_percentiles(sandbox_df, metric=metric)
    assert list(got.columns) == ["count", "mean", "p50", "p90", "p95", "p99", "low_count"]
    for model, part in model_slices(sandbox_df).items():
        _, _, in_flight = status_sets(part)
        values = part.loc[~in_flight.to_numpy(), metric].dropna().to_numpy()
        have = got.loc[model]
        assert have["count"] == len(values)
        if len(values):
            assert have["mean"] == pytest.approx(values.mean(), rel=1e-12)
            expected = np.percentile(values, [50, 90, 95, 99])
            np.testing.assert_array_equal(
                have[["p50", "p90", "p95", "p99"]].to_numpy(float), expected
            )
        assert have["low_count"] == (len(values) < 20)
    assert (np.diff(got["count"].to_numpy()) <= 0).all()


def test_latency_excludes_in_flight_and_nan_and_can_keep_one_outcome():
    df = typed_frame(
        [
            row(status="success", queue=1, run=1),  # total 2
            row(status="error", queue=1, run=9),  # total 10
            row(status="running", queue=1, run=99),  # in flight: never counted
            row(status="success", queue=1, run=None),  # no completed_at: NaN total
            row(status="paused", queue=1, run=3),  # unknown status: counted
        ]
    )
    got = ea.latency_percentiles(df, by=None, percentiles=(0, 50, 100), min_count=2)
    assert got.loc["all", "count"] == 3
    assert got.loc["all", ["p0", "p50", "p100"]].tolist() == [2.0, 4.0, 10.0]
    assert not got.loc["all", "low_count"]
    ok = ea.latency_percentiles(df, by=None, outcome="succeeded", percentiles=(50,))
    assert ok.loc["all", "count"] == 1 and ok.loc["all", "p50"] == 2.0
    queue = ea.latency_percentiles(df, by=None, metric="queue_seconds", percentiles=(50,))
    assert queue.loc["all", "count"] == 4  # the NaN-total row has a queue time


def test_latency_edge_cases():
    empty = ea.latency_percentiles(schema.empty_frame(), percentiles=(50, 99.9))
    assert empty.empty and list(empty.columns) == ["count", "mean", "p50", "p99.9", "low_count"]
    only_in_flight = ea.latency_percentiles(
        typed_frame([row(model="a", status="created", queue=None), row(model="b")])
    )
    assert only_in_flight.loc["a", "count"] == 0 and np.isnan(only_in_flight.loc["a", "p50"])
    assert only_in_flight.loc["a", "low_count"]
    one = ea.latency_percentiles(typed_frame([row(queue=2, run=3)]), percentiles=(1, 99))
    assert one.loc["m", ["p1", "p99"]].tolist() == [5.0, 5.0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "latency"}, "not a latency column; allowed: queue_seconds"),
        ({"percentiles": (50, 101)}, "between 0 and 100"),
        ({"percentiles": ("p50",)}, "between 0 and 100"),
        ({"percentiles": (50, 50.0)}, "distinct"),
        ({"outcome": "in_flight"}, "rows in flight never count"),
        ({"min_count": 2.5}, "min_count must be an integer"),
    ],
)
def test_latency_bad_arguments(kwargs, message):
    with pytest.raises(ea.InvalidQueryError, match=message):
        ea.latency_percentiles(typed_frame([row()]), **kwargs)


# --- error_breakdown -------------------------------------------------------------------------
def test_error_breakdown_matches_an_independent_crosstab(sandbox_df):
    got = ea.error_breakdown(sandbox_df)
    failed_rows = sandbox_df[sandbox_df["status"].astype(object).isin(FAILED).to_numpy()]
    classes_present = [
        c for c in schema.ERROR_CLASSES if (failed_rows["error_classification"] == c).any()
    ]
    has_unclassified = failed_rows["error_classification"].isna().any()
    assert has_unclassified  # the hand-added error row has no class
    assert list(got.columns) == [
        *classes_present,
        "unclassified",
        "errors",
        "executions",
        "error_rate",
    ]
    for model, part in model_slices(sandbox_df).items():
        _, failed, _ = status_sets(part)
        classes = part.loc[failed.to_numpy(), "error_classification"].astype(object)
        have = got.loc[model]
        for name in classes_present:
            assert have[name] == int((classes == name).sum()), (model, name)
        assert have["unclassified"] == int(classes.isna().sum())
        assert have["errors"] == int(failed.sum())
        assert have["executions"] == len(part)
        assert have["error_rate"] == pytest.approx(failed.sum() / len(part))
    assert (got[[*classes_present, "unclassified"]].sum(axis=1) == got["errors"]).all()


def test_error_breakdown_edge_cases():
    none = ea.error_breakdown(typed_frame([row(), row(model="n")]))
    assert list(none.columns) == ["errors", "executions", "error_rate"]
    assert none["errors"].tolist() == [0, 0] and none["error_rate"].tolist() == [0.0, 0.0]

    every = typed_frame(
        [
            row(status="error", error_classification="provider_error"),
            row(status="failed", error_classification="execution_timeout"),
        ]
    )
    got = ea.error_breakdown(every)
    assert list(got.columns) == [
        "execution_timeout",
        "provider_error",
        "errors",
        "executions",
        "error_rate",
    ]  # schema order, not appearance order
    assert got.loc["m", "error_rate"] == 1.0

    wide = ea.error_breakdown(every, all_classes=True)
    assert list(wide.columns)[:10] == list(schema.ERROR_CLASSES)
    assert wide.loc["m", "content_moderation"] == 0

    # a class on a row that did not fail is not an error
    odd = ea.error_breakdown(typed_frame([row(status="success", error_classification="unknown")]))
    assert "unknown" not in odd.columns and odd.loc["m", "errors"] == 0

    empty = ea.error_breakdown(schema.empty_frame())
    assert empty.empty and list(empty.columns) == ["errors", "executions", "error_rate"]


def test_error_breakdown_on_a_slice_without_some_classes(sandbox_df):
    tts = sandbox_df[sandbox_df["model"] == "elevenlabs-tts"]
    got = ea.error_breakdown(tts)
    classes = [c for c in got.columns if c not in ("errors", "executions", "error_rate")]
    assert all(got[c].iloc[0] > 0 for c in classes)  # only the classes present in the slice
    assert got.index.tolist() == ["elevenlabs-tts"]
    by_class = ea.error_breakdown(sandbox_df, by="error_classification")
    failed = sandbox_df["status"].astype(object).isin(FAILED)
    assert by_class["errors"].sum() == failed.sum()
