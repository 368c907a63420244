"""The grouping under the analytics helpers: group codes (missing last, cached per Arrow array)
and grouped percentiles equal to ``np.percentile``, on the small and the multi-threaded path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_metrics import label

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.metrics import grouping as _grouping


@pytest.mark.parametrize("partition_max", [_grouping.PARTITION_MAX_GROUPS, 0])
def test_grouped_percentiles_equal_numpy_bit_for_bit(monkeypatch, partition_max):
    monkeypatch.setattr(_grouping, "PARTITION_MAX_GROUPS", partition_max)
    rng = np.random.default_rng(42)
    for _ in range(150):
        size = int(rng.integers(1, 9))
        n = int(rng.integers(0, 80))
        codes = rng.integers(0, size, n).astype(np.uint8)
        values = np.round(rng.lognormal(1, 2, n), int(rng.integers(0, 3)))  # with ties
        ps = sorted(set(rng.choice([0, 1, 5, 25, 49.5, 50, 75, 90, 95, 99, 99.9, 100], 5)))
        got = _grouping.grouped_percentiles(codes, size, values, ps)
        for g in range(size):
            mine = values[codes == g]
            expected = np.percentile(mine, ps) if len(mine) else np.full(len(ps), np.nan)
            np.testing.assert_array_equal(got[g], expected)


def test_group_by_puts_missing_last_and_keeps_only_observed_categories():
    strings = pd.Series(["b", None, "a", "b"], dtype=schema.STRING_DTYPE)
    g = _grouping.group_by(strings)
    assert [label(v) for v in g.labels] == ["b", "a", None]
    assert g.codes.tolist() == [0, 2, 1, 0]
    cat = pd.Series(pd.Categorical(["z", None, "x"], categories=["x", "y", "z"]))
    g = _grouping.group_by(cat)
    assert [label(v) for v in g.labels] == ["x", "z", None]
    assert g.codes.tolist() == [1, 2, 0]


def test_encoding_once_changes_no_helper_result():
    # encode() is how the report reuses group codes across a dozen helpers: every helper
    # must return exactly what it returns on the frame as loaded (labels, order, numbers)
    df = ea.generate_executions(executions=3_000, seed=4, end="2026-10-31T00:00:00Z", days=20)
    df.loc[df.index[:5], "model"] = pd.NA  # missing models form their own group, last
    encoded = _grouping.encode(df, ["model", "workflow_id"])
    assert isinstance(encoded["model"].dtype, pd.CategoricalDtype)
    assert df["model"].dtype == schema.STRING_DTYPE  # the input is left alone
    assert encoded["model"].astype(object).equals(df["model"].astype(object))
    for helper, kwargs in [
        (ea.cost_by_model, {}),
        (ea.cost_by_workflow, {}),
        (ea.latency_percentiles, {"metric": "queue_seconds"}),
        (ea.error_breakdown, {}),
        (ea.cost_over_time, {"freq": "W"}),
        (ea.error_rate_over_time, {"by": "model"}),
    ]:
        pd.testing.assert_frame_equal(helper(encoded, **kwargs), helper(df, **kwargs))


def test_parallel_selection_matches_numpy_exactly():
    rng = np.random.default_rng(5)
    size = 7
    rows = _grouping._PARALLEL_MIN_ROWS + 12_345
    codes = rng.integers(0, size - 1, rows).astype(np.uint8)  # the last group stays empty
    values = rng.lognormal(2.0, 1.5, rows)
    percentiles = (0, 50, 90, 95, 99, 100)
    got = _grouping.grouped_percentiles(codes, size, values.copy(), percentiles)
    for group in range(size - 1):
        expected = np.percentile(values[codes == group], percentiles)
        assert np.array_equal(got[group], expected), group
    assert np.isnan(got[size - 1]).all()
