"""When a fixed price changed: a step in a model's daily median cost per successful execution.

A fixed-price model charges the same for every successful execution of the same request, so
the median cost of a day's successful executions is flat (a day of multi-image requests
moves the mean, not the median) until the price changes. Per model:

1. the daily series: per UTC day with a successful execution of known cost, the median
   ``execution_cost`` of those executions (a partial aggregate: a store scan answers it in
   its engine, reading no rows);
2. the most likely step: the day ``k`` that splits the series into two runs, at least
   :data:`MIN_SIDE_DAYS` days each, leaving the fewest days off their run's median (by more
   than :data:`STEP_FLOOR` of it), then the least absolute deviation from them;
3. whether it is a price change, judged with the anomalies' robust statistics
   (:mod:`~eachlabs_analytics.watch.robust`): the noise is the MAD of both runs' residuals
   scaled to a standard deviation, at least :data:`STEP_FLOOR` of the price (a flat price has
   none); a day is *at* a price when within that noise of it. The step counts when

   - its size ``|median after - median before|`` is at least :data:`THRESHOLD` (the
     anomalies' normal threshold, 4) times the noise: 4 % of the price on flat days;
   - the days after sit at the new price far more often than the days before came near it,
     and the days before at the old price far more often than the days after: both binomial
     z-scores reach the threshold (four days at a new price at least);
   - neither price was common on the other side (at most :data:`RARE_SHARE` of its days):
     a video model's daily median that flips between duration tiers has not changed price
     when a run of days sits on the upper tier.

The step's day is the first day at the new price with a successful execution. One step per
model, the clearest. Over generated histories (10 seeds, 3,000 to 100,000 rows) no model
without a change was flagged, and a 25 % change of ``flux-2-pro`` from 10,000 rows on was
found on its day every time; a change of a model whose charge varies per request (video
tiers) is found late, or not at all, when its daily median flips between tiers.

>>> days = pd.date_range("2026-10-01", periods=20, freq="D", tz="UTC")
>>> series = pd.Series([0.05] * 12 + [0.0625] * 8, index=days)
>>> step = find_step(series)
>>> str(step.day.date()), step.before, step.after
('2026-10-13', 0.05, 0.0625)
>>> find_step(pd.Series([0.05] * 20, index=days)) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.watch.anomalies import SENSITIVITY
from eachlabs_analytics.watch.robust import binomial_z, mad

#: Days with a median on each side of a step, at least.
MIN_SIDE_DAYS = 3
#: The least noise, as a share of the price: the median of a flat price has none.
STEP_FLOOR = 0.01
#: The most days of one run a price of the other run may show: a model whose daily median
#: already took the new price often (a video's median flips between its duration tiers) did
#: not change its price when a run of such days comes.
RARE_SHARE = 0.1
#: Score (step over noise) from which a step is a price change: the anomalies' normal one.
THRESHOLD = SENSITIVITY["normal"]


@dataclass(frozen=True)
class Step:
    """A step in one model's daily median cost: the first day at the new price, the median
    costs before and after it, and the step's size in units of noise."""

    day: pd.Timestamp
    before: float
    after: float
    score: float


def daily_medians(source: _lazy.LazyExecutions, models: Iterable[str]) -> pd.DataFrame:
    """Per UTC day (rows) and model (columns, those of ``models`` with one): the median
    ``execution_cost`` of the day's successful executions with a known cost; NaN for a day
    without any.

    >>> import eachlabs_analytics as ea
    >>> from eachlabs_analytics.metrics.frame_partials import answerer
    >>> df = ea.generate_executions(executions=3_000, seed=1, end="2026-10-31T00:00:00Z")
    >>> medians = daily_medians(answerer(df, "x"), ["flux-2-pro"])
    >>> float(medians["flux-2-pro"].median())
    0.05
    """
    request = _lazy.PeriodLatency(
        "D", "UTC", "execution_cost", (50.0,), by="model", outcome="succeeded"
    )
    table = source.partials(request)
    wanted = set(models)
    if table.num_rows == 0 or not wanted:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="day"))
    wall, missing = _lazy.periods_of(table)
    median = _lazy.reals(table, "q0")
    keys = _lazy.labels(table, "key")
    keep = ~missing & (_lazy.ints(table, "count") > 0) & ~np.isnan(median)
    keep &= np.array([k in wanted for k in keys], dtype=bool)
    long = pd.DataFrame(
        {
            "day": pd.to_datetime(wall[keep], unit="us", utc=True),
            "model": [k for k, kept in zip(keys, keep, strict=True) if kept],
            "median": median[keep],
        }
    )
    wide = long.pivot(index="day", columns="model", values="median").sort_index()
    wide.columns.name = None
    return wide


def find_step(series: pd.Series) -> Step | None:
    """The price change in one model's daily medians (a Series by day; NaN days skipped), or
    None when there is none (see the module's docstring)."""
    known = series.dropna()
    y = known.to_numpy(dtype=float)
    n = len(y)
    if n < 2 * MIN_SIDE_DAYS:
        return None
    k = _split(y)
    before, after = y[:k], y[k:]
    low, high = float(np.median(before)), float(np.median(after))
    noise = max(mad(np.concatenate([before - low, after - high])), _floor(low, high))
    if not noise > 0:
        return None
    at_new = np.abs(y - high) <= noise
    at_old = np.abs(y - low) <= noise
    # the new price on the days after, against how often days before came that near it;
    # and the old price on the days before, against the days after
    if max(at_new[:k].mean(), at_old[k:].mean()) > RARE_SHARE:
        return None
    distinct = binomial_z(
        np.array([at_new[k:].sum(), at_old[:k].sum()], dtype=float),
        np.array([n - k, k], dtype=float),
        np.array([at_new[:k].mean(), at_old[k:].mean()]),
    )
    score = float(min(abs(high - low) / noise, *distinct))
    if not score >= THRESHOLD:
        return None
    return Step(pd.Timestamp(known.index[k]), low, high, score)


def _floor(low: float, high: float) -> float:
    return STEP_FLOOR * max(abs(low), abs(high))


def _split(y: np.ndarray) -> int:
    """The first day of the second run: the split leaving the fewest days off their run's
    median (by more than :data:`STEP_FLOOR` of it), then the least absolute deviation."""
    best, best_key = MIN_SIDE_DAYS, (len(y) + 1, np.inf)
    for k in range(MIN_SIDE_DAYS, len(y) - MIN_SIDE_DAYS + 1):
        before, after = y[:k], y[k:]
        low, high = float(np.median(before)), float(np.median(after))
        residuals = np.abs(np.concatenate([before - low, after - high]))
        off = int((residuals > _floor(low, high)).sum())
        key = (off, float(residuals.sum()))
        if key < best_key:
            best, best_key = k, key
    return best


def price_steps(source: _lazy.LazyExecutions, models: Iterable[str]) -> dict[str, Step]:
    """The price change of each of ``models`` that had one, by model.

    >>> import eachlabs_analytics as ea
    >>> from eachlabs_analytics.local_api import Incident, inject_incidents
    >>> from eachlabs_analytics.metrics.frame_partials import answerer
    >>> df = ea.generate_executions(executions=6_000, seed=3, end="2026-10-31T00:00:00Z")
    >>> hit, _ = inject_incidents(df, [Incident("price_change", "2026-10-20",
    ...                                         group="flux-2-pro", magnitude=1.25)])
    >>> steps = price_steps(answerer(hit, "x"), ["flux-2-pro", "flux-1-1-pro"])
    >>> {model: str(step.day.date()) for model, step in steps.items()}
    {'flux-2-pro': '2026-10-20'}
    """
    medians = daily_medians(source, models)
    found = {}
    for model in medians.columns:
        step = find_step(medians[model])
        if step is not None:
            found[str(model)] = step
    return found
