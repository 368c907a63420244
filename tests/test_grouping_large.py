"""The grouped percentiles on the multi-threaded path (large inputs) equal np.percentile."""

from __future__ import annotations

import numpy as np

from eachlabs_analytics.metrics import grouping as _grouping


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
