"""A day that hides an incident in its hours: a run of hours that left the day's own level.

With ``freq="D"``, :func:`~eachlabs_analytics.watch.detect_anomalies` also judges each day's
hours (steps 1 to 4 of :mod:`eachlabs_analytics.watch.anomalies` over hours: the same metric
and groups, the same hour of the week before) and flags a day that stayed inside its band when
a run of its hours moved together: a 4-hour outage is a sixth of a day, too little for the day
and too much to be noise.

1. **Settled hours only.** An hour with more than :data:`SETTLING` of its executions still in
   flight is not judged: their spend, failures and latencies are not known yet (the newest
   hours of a window).
2. **Relative to the day, in the series' own units.** An hour's score is taken minus the
   median score of its day's judged hours. A day busy (or quiet) from morning to night is the
   daily score's to judge; the hours' scale spans only the 56 hours before (two or three days),
   so a day's own level would otherwise make every hour of it look unusual. Then each group's
   relative scores (empty hours left out) are divided by their own spread when it exceeds 1
   (the larger of the MAD and the 90th percentile of their size over 1.645): real hourly
   traffic is burstier than any model of it. On five real series of a year (executions,
   spend and error rate, daily) the daily detector alone flags 69 days; the hours added 295
   before this step and 83 with it, nearly all in bike rentals and footfall (afternoons that
   drop for hours, as under rain): no labels tell those from incidents (docs/watch.md).
3. **A sustained run**: consecutive hours whose relative scores are at least
   :data:`RUN_FLOOR` the same way, at least :data:`MIN_RUN` of them, whose combined score
   (Stouffer's: their sum over the square root of their number) reaches the sensitivity's
   threshold plus :data:`RUN_MARGIN` (5 at ``"normal"``).
4. A day holding hours of a sustained run is flagged with those hours (a run across midnight
   flags both days, each with its own hours), when the day itself is judged: the first five
   weeks only build the baseline, as for the daily score.

On clean generated data (3 seeds of 150,000 executions over 120 days; spend, executions,
failed and error rate, the total and every model) this added no flag to the daily ones; see
``tests/test_watch_anomaly_hours.py``.

>>> score = np.array([[0.1], [-0.3], [3.1], [4.2], [2.6], [0.4], [-2.5], [0.2]])
>>> [(r.first, r.stop, round(r.score, 2)) for r in _runs(score, 5.0)]
[(2, 5, 5.72)]
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eachlabs_analytics.metrics.lazy import Executions
from eachlabs_analytics.watch.anomaly_tables import _Calendar, _calendar, _lazy_tables
from eachlabs_analytics.watch.robust import mad

#: An hour with more than this share of its executions in flight is not judged yet.
SETTLING = 0.05
#: The least relative score of each hour of a run, the fewest hours of one, and what a run's
#: combined score needs beyond the daily threshold.
RUN_FLOOR = 2.0
MIN_RUN = 2
RUN_MARGIN = 1.0
#: Judged hours a group needs before its relative scores are put in its own units.
MIN_SPREAD_HOURS = 168
#: The 90th percentile of the absolute value of standard normal noise.
TAIL_90 = 1.6449

_DAY_US = 86_400_000_000


@dataclass(frozen=True)
class _Run:
    """A sustained run of one hourly group: hours ``[first, stop)`` and their combined score."""

    group: int
    first: int
    stop: int
    score: float


@dataclass(frozen=True)
class _DayHours:
    """A day's hours of sustained runs one way: the hourly group, the hour indices, the hours
    of the day (UTC) and the strongest combined score among them."""

    group: int
    periods: np.ndarray
    hours: list[int]
    score: float


def _hour_calendar(df: Executions, cal: _Calendar) -> _Calendar:
    """The whole hours up to the end of the daily calendar's last whole day."""
    return _calendar(df, "h", cal.end)


def _settled(source: Executions, hours: _Calendar) -> np.ndarray:
    """Per hour: at most :data:`SETTLING` of its executions are still in flight."""
    tables = _lazy_tables(source, hours, "h", "status_group", "executions")
    rows = tables.executions.sum(axis=1)
    if "in_flight" not in tables.labels:
        return np.ones(len(rows), dtype=bool)
    in_flight = tables.executions[:, tables.labels.index("in_flight")]
    return in_flight <= SETTLING * rows


def _relative(score: np.ndarray, starts: pd.DatetimeIndex, settled: np.ndarray) -> np.ndarray:
    """Hourly scores minus the median of their day's (NaN where not judged or not settled)."""
    judged = np.where(settled[:, None], score, np.nan)
    if judged.size == 0:
        return judged
    day = starts.tz_localize(None).as_unit("us").asi8 // _DAY_US
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a day with no judged hour: NaN
        level = pd.DataFrame(judged).groupby(day).transform("median").to_numpy()
    relative = judged - level
    # in the series' own units: real hourly counts are far noisier than the model's noise
    # (an order of invoice lines, a rush hour that moves), so each group's relative scores
    # are divided by their own robust spread when it exceeds 1 (clean generated data: about 1)
    for g in range(relative.shape[1]):
        column = relative[:, g]
        known = column[~np.isnan(column) & (column != 0)]  # an empty night hour says nothing
        if len(known) >= MIN_SPREAD_HOURS:
            # the 90th percentile of |score| is 1.645 for normal noise: heavier tails widen it
            tail = float(np.percentile(np.abs(known - np.median(known)), 90)) / TAIL_90
            relative[:, g] /= max(1.0, mad(known - np.median(known)), tail)
    return relative


def _runs(relative: np.ndarray, needed: float) -> list[_Run]:
    """The sustained runs of each group (column): consecutive hours at least ``RUN_FLOOR`` the
    same way, at least ``MIN_RUN`` of them, combined score at least ``needed``."""
    out = []
    values = np.nan_to_num(relative)
    sign = np.where(values >= RUN_FLOOR, 1, np.where(values <= -RUN_FLOOR, -1, 0))
    pad = np.zeros((1, sign.shape[1]), dtype=sign.dtype)
    edges = np.diff(np.concatenate([pad, sign, pad]), axis=0) != 0
    for g in range(sign.shape[1]):
        bounds = np.flatnonzero(edges[:, g])
        for first, stop in zip(bounds[:-1], bounds[1:], strict=True):
            if sign[first, g] == 0 or stop - first < MIN_RUN:
                continue
            combined = float(values[first:stop, g].sum() / np.sqrt(stop - first))
            if abs(combined) >= needed:
                out.append(_Run(g, int(first), int(stop), combined))
    return out


def _day_runs(
    days: _Calendar,
    day_labels: list[object],
    day_scores: np.ndarray,
    hours: _Calendar,
    hour_labels: list[object],
    relative: np.ndarray,
    threshold: float,
) -> dict[tuple[int, int], _DayHours]:
    """Per judged (day, daily group): its hours of sustained runs, the strongest way."""
    if len(days.starts) == 0 or len(hours.starts) == 0:
        return {}
    bounds = days.starts.tz_localize(None).as_unit("us").asi8
    starts = hours.starts.tz_localize(None).as_unit("us").asi8
    day_of = np.searchsorted(bounds, starts, side="right") - 1
    hour_of_day = ((starts // 3_600_000_000) % 24).astype(int)
    index = {_key(label): g for g, label in enumerate(day_labels)}
    found: dict[tuple[int, int], list[tuple[_Run, np.ndarray]]] = {}
    for run in _runs(relative, threshold + RUN_MARGIN):
        g = index.get(_key(hour_labels[run.group]))
        if g is None:
            continue
        span = np.arange(run.first, run.stop)
        for t in np.unique(day_of[span]):
            if 0 <= t < len(bounds) and not np.isnan(day_scores[t, g]):
                found.setdefault((int(t), g), []).append((run, span[day_of[span] == t]))
    out = {}
    for cell, runs in found.items():
        strongest = max(runs, key=lambda item: abs(item[0].score))[0]
        same = [(r, s) for r, s in runs if (r.score > 0) == (strongest.score > 0)]
        periods = np.sort(np.concatenate([s for _, s in same]))
        out[cell] = _DayHours(
            strongest.group, periods, [int(h) for h in hour_of_day[periods]], strongest.score
        )
    return out


def _key(label: object) -> object:
    """A group label as a dict key (missing labels are all one group)."""
    return None if pd.isna(label) else label  # type: ignore[call-overload]
