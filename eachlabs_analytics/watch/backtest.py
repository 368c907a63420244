"""Backtest: how well the daily model forecasts a series' last week or two, against a baseline.

The last 7 whole days (14 with eight weeks or more) are forecast from the days before by the
model of :mod:`eachlabs_analytics.watch.spend_model`; the mean absolute error of that forecast
and of the weekly seasonal-naive baseline (the same weekday a week before) are scaled by the
baseline's in-sample error (Hyndman's MASE): below 1, the model beats the baseline.
:func:`~eachlabs_analytics.watch.forecast_spend` gives it per group in ``attrs["backtest"]``.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> days = np.tile([10.0, 12, 11, 13, 9, 4, 3], 6) * rng.uniform(0.8, 1.2, 42)  # six weeks
>>> out = _backtest(days)
>>> out["holdout_days"], out["method"], out["mase"] < out["baseline_mase"]
(7, 'ETS(A,N,A) weekly, statsmodels', True)
"""

from __future__ import annotations

import math

import numpy as np

from eachlabs_analytics.watch.spend_model import SEASON, _fit

#: The baseline's name in ``attrs["backtest"]``.
BASELINE = "seasonal naive (the same weekday a week before)"


def _backtest(y: np.ndarray) -> dict[str, object]:
    """Forecast the last 7 (14 with 8+ weeks) whole days from those before; MASE of that
    forecast and of the weekly seasonal-naive baseline, scaled by the baseline's in-sample
    error (Hyndman's MASE)."""
    hold = 14 if len(y) >= 8 * SEASON else SEASON
    out: dict[str, object] = {"holdout_days": 0, "baseline": BASELINE}
    train, test = y[:-hold], y[-hold:]
    if len(train) < 2 * SEASON:
        out.update(mae=math.nan, mase=math.nan, baseline_mase=math.nan)
        return out
    method, point, _, _ = _fit(train, hold)
    naive = np.resize(train[-SEASON:], hold)
    scale = float(np.mean(np.abs(train[SEASON:] - train[:-SEASON])))
    mae = float(np.mean(np.abs(test - point)))
    naive_mae = float(np.mean(np.abs(test - naive)))
    out.update(
        holdout_days=hold,
        method=method,
        mae=mae,
        mase=mae / scale if scale > 0 else math.nan,
        baseline_mase=naive_mae / scale if scale > 0 else math.nan,
    )
    return out
