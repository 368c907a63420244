"""How far each period is from its seasonal expectation: expected value, band and score.

Steps 2 to 4 of :mod:`eachlabs_analytics.watch.anomalies`, on the matrices of
:mod:`eachlabs_analytics.watch.anomaly_tables` (periods x groups): the metric on a scale where
noise is about even (:func:`_judge`; failures against a pooled rate, :func:`_judge_rate`),
the expectation from the same slot of the :data:`SEASONS_BACK` seasons before, the scale
from the spread of the :data:`SCALE_PERIODS` residuals before, and the score (robust z) with
the band outside which a period is flagged. Only earlier periods are used (causal).

>>> days = np.tile([100.0, 110, 105, 120, 115, 60, 50], 10)[:, None]  # ten weeks, one group
>>> days[-1, 0] = 400.0                                                 # a quiet day spikes
>>> judged = _judge(days, "executions", 4.0, 7, np.ones(1))
>>> float(judged.expected[-1, 0]), bool(judged.score[-1, 0] > 4), bool(judged.score[-2, 0] < 4)
(50.0, True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.grouping import combine, counts, grouped_percentiles
from eachlabs_analytics.metrics.rows import latency_rows
from eachlabs_analytics.watch.anomaly_tables import MIN_LATENCY_ROWS, _Cells
from eachlabs_analytics.watch.robust import binomial_z, spread

#: Seasons whose same slot make the expectation (their median; at least 2 needed).
SEASONS_BACK = 4
MIN_SEASONS = 2
#: Residuals (periods) behind the scale, and the fewest that give one.
SCALE_PERIODS = 56
MIN_RESIDUALS = 21
#: ... for weeks and months (no season): two months of weeks, eight months.
MIN_COARSE_RESIDUALS = 8
#: Periods of a group with fewer executions than this are not judged on the error rate.
MIN_EXECUTIONS = 20
#: The least scale of a count on Anscombe's square-root scale: Poisson noise (0.5) and the
#: noise of a median of four such counts as the expectation.
COUNT_FLOOR = 0.6


def _seasonal_median(values: np.ndarray, season: int) -> np.ndarray:
    """Per period: the median of the same slot in the SEASONS_BACK seasons before (NaN when
    fewer than MIN_SEASONS of them are known)."""
    t = len(values)
    stack = np.full((SEASONS_BACK, *values.shape), np.nan)
    for k in range(1, SEASONS_BACK + 1):
        lag = k * season
        if lag < t:
            stack[k - 1, lag:] = values[: t - lag]
    known = (~np.isnan(stack)).sum(axis=0)
    # np.nanmedian's result, a few times faster (the hours' matrices are large): the known
    # values sort first, the median is the mean of the middle one or two
    ordered = np.sort(stack, axis=0)
    low = np.take_along_axis(ordered, np.maximum((known - 1) // 2, 0)[None], axis=0)[0]
    high = np.take_along_axis(ordered, (known // 2)[None], axis=0)[0]
    return np.where(known >= MIN_SEASONS, (low + high) / 2, np.nan)


def _scale(residuals: np.ndarray, floor: float, season: int) -> np.ndarray:
    """The spread of the residuals of the periods before, at least ``floor``: the larger of
    1.4826 x their median absolute value (the MAD; robust) and 1.2533 x their mean absolute
    value (which sees the heavy tail of spend, where a few videos make a day):
    :func:`~eachlabs_analytics.watch.robust.spread`."""
    frame = pd.DataFrame(np.abs(residuals))
    least = MIN_RESIDUALS if season > 1 else MIN_COARSE_RESIDUALS
    window = frame.rolling(SCALE_PERIODS, min_periods=least)
    scale = spread(window.median().shift(1).to_numpy(), window.mean().shift(1).to_numpy())
    return np.where(np.isnan(scale), np.nan, np.maximum(scale, floor))


@dataclass(frozen=True)
class _Judgement:
    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    score: np.ndarray


def _pooled_rate(
    failed: np.ndarray, executions: np.ndarray, season: int
) -> tuple[np.ndarray, np.ndarray]:
    """Failed / executions over every period of the SEASONS_BACK seasons before, pooled, and
    the executions behind it: a rate rarely follows the clock, and a rate of a few dozen
    executions needs the pooling (the median of small ratios is often 0)."""
    span = SEASONS_BACK * season if season > 1 else SEASONS_BACK
    num = pd.DataFrame(failed).rolling(span, min_periods=MIN_SEASONS * max(season, 1)).sum()
    den = pd.DataFrame(executions).rolling(span, min_periods=MIN_SEASONS * max(season, 1)).sum()
    num_, den_ = num.shift(1).to_numpy(), den.shift(1).to_numpy()
    rate = np.where(den_ >= MIN_EXECUTIONS, _rows.rate(num_, den_), np.nan)
    return rate, den_


def _pooled_p95(
    cells: _Cells, group: np.ndarray, size: int, column: str, season: int
) -> np.ndarray:
    """The p95 of the rows of the same slot in the SEASONS_BACK seasons before, pooled (a p95
    of a few dozen rows jumps when three of them hit a cold start; of a few hundred, less)."""
    values = _rows.floats(cells.rows, column)
    usable = latency_rows(cells.outcomes, values)
    period, grp, vals = cells.period[usable], group[usable], values[usable]
    keys, pooled, seen = [], [], np.zeros((cells.n_periods, size), dtype=int)
    for k in range(1, SEASONS_BACK + 1):
        target = period + k * season
        inside = target < cells.n_periods
        keys.append(combine(target[inside], grp[inside], size))
        pooled.append(vals[inside])
        if k * season < cells.n_periods:
            seen[k * season :] += 1
    n_cells = cells.n_periods * size
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.intp)
    flat = np.concatenate(pooled) if pooled else np.zeros(0)
    p95 = grouped_percentiles(key, n_cells, flat, [95.0])[:, 0].reshape(cells.n_periods, size)
    n = counts(key, n_cells).reshape(cells.n_periods, size)
    return np.where((seen >= MIN_SEASONS) & (n >= MIN_LATENCY_ROWS), p95, np.nan)


def _judge_rate(
    failed: np.ndarray, executions: np.ndarray, threshold: float, season: int
) -> _Judgement:
    """Failures against the pooled rate, on Anscombe's scale: ``2 (sqrt(f + 3/8) -
    sqrt(n p + 3/8))`` is about N(0, 1) even for a handful of expected failures (a normal
    approximation of the binomial is not, and would flag 7 failures where 2 were expected),
    widened by the baseline's own noise (``1 + n / N``)."""
    expected, behind = _pooled_rate(failed, executions, season)
    judged = executions >= MIN_EXECUTIONS
    n = np.maximum(executions, 1)
    widen = np.sqrt(1 + n / np.maximum(np.nan_to_num(behind), 1))
    centre = np.sqrt(n * expected + 0.375)
    z = np.where(judged, 2 * (np.sqrt(failed + 0.375) - centre) / widen, np.nan)
    scale = _scale(z, 1.0, season)  # at least that noise; more when the rate wanders

    def rate_at(level: np.ndarray) -> np.ndarray:
        return np.clip((np.square(np.maximum(level, 0.0)) - 0.375) / n, 0.0, 1.0)

    step = threshold * scale * widen / 2
    return _Judgement(expected, rate_at(centre - step), rate_at(centre + step), z / scale)


def _judge(
    value: np.ndarray,
    metric: str,
    threshold: float,
    season: int,
    unit: np.ndarray,
    pooled: np.ndarray | None = None,
) -> _Judgement:
    """Expected, bounds and score on a variance-stabilising scale.

    Counts: Anscombe's ``sqrt(x + 3/8)`` (Poisson noise is then about 0.5 whatever the
    volume, the scale's floor); spend: the same in units of the group's mean price (``unit``),
    so a cheap model's noise floor is its executions' noise; latency: ``log1p``, floor 5 %.
    """
    shift = 0.375 * unit[None, :]
    if metric.startswith("p95_"):
        y = np.log1p(value)
        floor: np.ndarray | float = 0.05
    else:
        y = np.sqrt(value + shift)
        floor = COUNT_FLOOR * np.sqrt(unit)[None, :]
    center = _seasonal_median(y, season) if pooled is None else np.log1p(pooled)
    residual = y - center
    scale = _scale(residual, 0.0, season)
    scale = np.where(np.isnan(scale), np.nan, np.maximum(scale, floor))
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(scale > 0, residual / scale, np.nan)
    if metric.startswith("p95_"):
        return _Judgement(
            np.expm1(center),
            np.expm1(np.maximum(center - threshold * scale, 0.0)),
            np.expm1(center + threshold * scale),
            score,
        )

    def back(level: np.ndarray) -> np.ndarray:
        return np.maximum(np.square(np.maximum(level, 0.0)) - shift, 0.0)

    return _Judgement(
        back(center), back(center - threshold * scale), back(center + threshold * scale), score
    )


def _exceedance_z(
    cells: _Cells, group: np.ndarray, size: int, column: str, expected: np.ndarray
) -> np.ndarray:
    """Binomial z of the share of executions slower than the expected p95 (5 % by definition):
    a p95 of few executions jumps, this says whether the jump is more than that."""
    values = _rows.floats(cells.rows, column)
    usable = latency_rows(cells.outcomes, values)
    period, grp, vals = cells.period[usable], group[usable], values[usable]
    limit = expected[period, grp]
    n_cells = cells.n_periods * size
    key = combine(period, grp, size)
    n = counts(key, n_cells).reshape(cells.n_periods, size).astype(float)
    slow = counts(key[vals > limit], n_cells).reshape(cells.n_periods, size).astype(float)
    return binomial_z(slow, n, np.full(n.shape, 0.05))
