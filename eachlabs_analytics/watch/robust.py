"""Robust statistics the watch shares: how much noise a set of residuals holds.

The anomaly detector (:mod:`.anomaly_scores`, residuals from a seasonal median) and the price
check's step finder (:mod:`.price_steps`, residuals from the median price on each side of a
step) judge a deviation in units of noise measured the same way, defined here once: the MAD
scaled to a standard deviation (:func:`mad`), and for spend, whose tail is heavy, the larger
of that and the scaled mean absolute residual (:func:`spread`); and a count of hits against
the share expected (:func:`binomial_z`: slow executions against 5 %, days at a new price
against how often the old days came near it).

>>> residuals = np.array([0.0, 1.0, -1.0, 2.0, -2.0])
>>> mad(residuals), round(float(spread(1.0, np.mean(np.abs(residuals)))), 4)
(1.4826, 1.504)
"""

from __future__ import annotations

import numpy as np

#: 1.4826 x the median absolute value of normal residuals is their standard deviation.
MAD_TO_SD = 1.4826
#: 1.2533 (sqrt(pi / 2)) x their mean absolute value is too.
MEAN_ABS_TO_SD = 1.2533


def spread(median_abs: np.ndarray | float, mean_abs: np.ndarray | float) -> np.ndarray:
    """The noise (a standard deviation) of residuals whose absolute values have median
    ``median_abs`` and mean ``mean_abs``: the larger of 1.4826 x the median (the MAD; robust
    to a few outliers) and 1.2533 x the mean (which sees the heavy tail of spend, where a few
    videos make a day). Element-wise; NaN only where both are NaN.

    >>> spread(np.array([0.0, np.nan]), np.array([1.0, np.nan])).tolist()
    [1.2533, nan]
    """
    return np.fmax(MAD_TO_SD * np.asarray(median_abs), MEAN_ABS_TO_SD * np.asarray(mean_abs))


def mad(residuals: np.ndarray) -> float:
    """1.4826 x the median absolute residual: the standard deviation of normal residuals,
    unmoved by a few outliers (NaN for none).

    >>> mad(np.array([0.0, 0.0, 0.0, 5.0]))
    0.0
    """
    values = np.abs(np.asarray(residuals, dtype=float))
    return MAD_TO_SD * float(np.median(values)) if len(values) else float("nan")


def binomial_z(hits: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """How many standard deviations ``hits`` out of ``n`` lie above ``n p`` (the normal
    approximation of the binomial), with ``p`` kept at least half a hit from 0 and 1: no
    share observed is never taken as impossible. Element-wise; NaN where ``n`` is 0.

    >>> binomial_z(np.array([10.0]), np.array([10.0]), np.array([0.0])).round(2).tolist()
    [13.78]
    """
    n = np.asarray(n, dtype=float)
    p = np.clip(p, 0.5 / np.maximum(n, 1), 1 - 0.5 / np.maximum(n, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (hits - n * p) / np.sqrt(n * p * (1 - p))
