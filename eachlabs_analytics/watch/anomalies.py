"""Anomalies: periods whose spend, traffic, failures or latency break the seasonal pattern.

How a period is judged (robust statistics, causal: only earlier periods are used)
-------------------------------------------------------------------------------------
1. Per period and group the metric is computed with the metrics helpers' definitions and
   engine (spend: ``execution_cost`` of the rows created in the period; executions: those
   rows; failed: the failed status group; error rate: failed / executions; p95s:
   ``np.percentile`` of the latency of the rows not in flight, as
   :func:`~eachlabs_analytics.latency_percentiles`).
2. It is put on a scale where noise is about even: Anscombe's ``sqrt(x + 3/8)`` for counts
   (Poisson noise about 0.5), the same in units of the group's ``E[price^2] / E[price]`` for
   spend (a sum of heavy-tailed prices), ``log1p`` for latencies.
3. **Expected** is the median of the same seasonal slot in the :data:`SEASONS_BACK` seasons
   before (the same weekday for days, the same hour of the week for hours), so the quiet
   weekend or the night is never an anomaly, and one bad day never moves the expectation.
   A p95's expectation is the p95 of those slots' rows pooled; an error rate's is the pooled
   rate of every period of those seasons (a rate of a few dozen executions needs it).
4. The **scale** is the spread of the residuals of the :data:`SCALE_PERIODS` periods before:
   the larger of 1.4826 x their median absolute value (the MAD) and 1.2533 x their mean
   absolute value (spend's heavy tail), never below the noise of step 2. **score** =
   residual / scale, flagged when ``|score|`` reaches the sensitivity's threshold (low 5,
   normal 4, high 3); ``lower``/``upper`` are that threshold in the metric's units. The error
   rate is scored as failures against the pooled rate on Anscombe's scale; a p95 is flagged
   only when the share of executions slower than the expected p95 moved as much too (a p95
   of a few dozen rows jumps when three of them hit a cold start).
5. **Drivers** explain a flagged period: within the flagged group, each sub-group of the
   other dimensions (error classes first for failures, models, workflows) is compared with
   its own seasonal expectation; the ones that moved in the anomaly's direction by more than
   their size explains (their share of the movement exceeds their share of the expectation),
   largest share of that movement first (for a p95: executions slower than the expected p95 beyond
   the 5 % a p95 allows).

A period is judged only when it is whole: the window's partial first period and the period
holding ``as_of`` (in progress) are skipped (``attrs["in_progress"]``), never flagged for being
incomplete. The first ``2 x season + 21`` periods only build the baseline (about 5 weeks of
days, 15 days of hours; 10 weeks or months without a season). Groups with fewer than
:data:`MIN_EXECUTIONS` executions in a period are not judged on their error rate, nor with
fewer than :data:`MIN_LATENCY_ROWS` on a p95. Groups (and a driver's sub-groups) are listed
in label order, so ties come out the same whatever the order of the rows.

Over a lazy selection (``store.scan()``) spend, executions, failures and the error rate per
period and group, the spend noise (``E[price^2]``) and the drivers come from grouped partial
aggregates (:class:`~eachlabs_analytics.metrics.lazy.PeriodCounts`, per sub-group for the
drivers), with the same result. The p95 metrics are refused there: the expectation pools the
rows of four earlier seasons and the guard counts rows above it, which no partial gives.

On clean generated data (6 seeds, 120 days, 40,000 and 60,000 executions, the total and every
model, all six metrics) no period was flagged at ``"normal"``; every injected incident of
``local_api.incidents`` is (see ``tests/test_watch_anomalies.py``).

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=8_000, seed=3, end="2026-10-31T00:00:00Z")
>>> found = detect_anomalies(df, metric="executions")
>>> found.columns.tolist()
['period', 'group', 'metric', 'actual', 'expected', 'lower', 'upper', 'score', 'direction', \
'drivers']
>>> len(found) <= 1, found.attrs["judged_periods"]
(True, 55)
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from eachlabs_analytics import schema
from eachlabs_analytics._util import money
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.aggregates import latency_rows
from eachlabs_analytics.metrics.grouping import (
    Grouping,
    combine,
    counts,
    grouped_percentiles,
    sums,
)
from eachlabs_analytics.watch._frame import (
    TOTAL,
    first_full_day,
    resolve_as_of,
    result_attrs,
    row_count,
)

#: Metrics ``detect_anomalies`` can watch.
METRICS: tuple[str, ...] = (
    "spend",
    "executions",
    "error_rate",
    "failed",
    "p95_total_seconds",
    "p95_queue_seconds",
)
#: ``sensitivity`` -> the ``|score|`` a period needs to be flagged.
SENSITIVITY: dict[str, float] = {"low": 5.0, "normal": 4.0, "high": 3.0}
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
#: ... nor on a p95 with fewer usable rows than this: it would rest on its two slowest.
MIN_LATENCY_ROWS = 40
#: The least scale of a count on Anscombe's square-root scale: Poisson noise (0.5) and the
#: noise of a median of four such counts as the expectation.
COUNT_FLOOR = 0.6
#: Drivers kept per dimension: until they explain this share of the movement, at most 3.
DRIVER_SHARE = 0.8
MAX_DRIVERS = 3

_COLUMNS = (
    "period",
    "group",
    "metric",
    "actual",
    "expected",
    "lower",
    "upper",
    "score",
    "direction",
    "drivers",
)
_FREQ = re.compile(r"([0-9]*)(h|D|W|M)")
_ALLOWED_FREQS = "'h' or a whole number of hours dividing a day ('6h'), 'D', 'W' or 'M'"
_WEEK_HOURS = 168


@dataclass(frozen=True)
class _Calendar:
    """Whole periods from the first to the last one before ``as_of``, and the row codes."""

    starts: pd.DatetimeIndex
    end: pd.Timestamp  # the end of the last whole period (as_of's period start)
    season: int
    in_progress: pd.Timestamp | None


def _parse_freq(freq: object) -> tuple[str, int]:
    match = _FREQ.fullmatch(freq) if isinstance(freq, str) else None
    if match is None:
        raise InvalidQueryError(f"freq={freq!r} is not allowed; use {_ALLOWED_FREQS}")
    multiple = int(match.group(1) or 1)
    unit = match.group(2)
    if unit == "h" and multiple >= 1 and 24 % multiple == 0:
        return unit, multiple
    if unit != "h" and multiple == 1:
        return unit, 1
    raise InvalidQueryError(f"freq={freq!r} is not allowed; use {_ALLOWED_FREQS}")


def _floor(stamp: pd.Timestamp, unit: str, multiple: int) -> pd.Timestamp:
    if unit == "h":
        return stamp.floor(f"{multiple}h")
    if unit == "D":
        return stamp.floor("D")
    naive = stamp.tz_localize(None).to_period("W-SUN" if unit == "W" else "M")
    return naive.to_timestamp(how="start").tz_localize("UTC").as_unit("us")


def _step(unit: str, multiple: int) -> pd.DateOffset | pd.Timedelta:
    if unit == "h":
        return pd.Timedelta(hours=multiple)
    if unit == "D":
        return pd.Timedelta(days=1)
    return pd.DateOffset(weeks=1) if unit == "W" else pd.DateOffset(months=1)


def _calendar(df: pd.DataFrame, freq: str, as_of: pd.Timestamp) -> _Calendar:
    unit, multiple = _parse_freq(freq)
    step = _step(unit, multiple)
    season = {"h": _WEEK_HOURS // multiple, "D": 7}.get(unit, 1)
    first = first_full_day(df)
    start = as_of if first is None else first
    window = df.attrs.get("window")
    if isinstance(window, dict) and window.get("start"):
        start = pd.Timestamp(window["start"]).tz_convert("UTC")
    head = _floor(start, unit, multiple)
    if head < start:
        head = head + step
    current = _floor(as_of, unit, multiple)
    in_progress = current if current < as_of else None
    starts = pd.date_range(head, current, freq=step, inclusive="left") if head < current else []
    index = pd.DatetimeIndex(starts).as_unit("us")
    if index.tz is None:
        index = index.tz_localize("UTC")
    return _Calendar(index, current, season, in_progress)


@dataclass(frozen=True)
class _Cells:
    """The rows of whole periods: each one's period code, outcome, and how to group them."""

    rows: pd.DataFrame
    period: np.ndarray
    n_periods: int
    outcomes: np.ndarray


def _cells(df: pd.DataFrame, cal: _Calendar) -> _Cells:
    if len(cal.starts) == 0:
        rows = df.iloc[:0]
        return _Cells(rows, np.zeros(0, dtype=np.intp), 0, _rows.outcome_codes(rows))
    created = df["created_at"].to_numpy("datetime64[us]")
    bounds = cal.starts.tz_localize(None).to_numpy("datetime64[us]")
    end = cal.end.tz_localize(None).as_unit("us").to_datetime64()
    keep = ~np.isnat(created) & (created >= bounds[0]) & (created < end)
    rows = df.loc[keep]
    code = np.searchsorted(bounds, created[keep], side="right") - 1
    return _Cells(rows, code.astype(np.intp), len(bounds), _rows.outcome_codes(rows))


def _table(
    cells: _Cells, group: np.ndarray, size: int, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """(metric, executions) per period x group."""
    n_cells = cells.n_periods * size
    key = combine(cells.period, group, size)
    executions = counts(key, n_cells).reshape(cells.n_periods, size).astype(float)
    if metric == "spend":
        cost = _rows.floats(cells.rows, "execution_cost")
        value = money.group_dollars(key, n_cells, cost).reshape(cells.n_periods, size)
    elif metric == "executions":
        value = executions
    elif metric in ("failed", "error_rate"):
        failed = cells.outcomes == _rows.FAILED
        value = counts(key[failed], n_cells).reshape(cells.n_periods, size).astype(float)
        if metric == "error_rate":
            value = _rows.rate(value, executions)
    else:
        column = metric.removeprefix("p95_")
        values = _rows.floats(cells.rows, column)
        usable = latency_rows(cells.outcomes, values)
        value = grouped_percentiles(key[usable], n_cells, values[usable], [95.0])
        value = value[:, 0].reshape(cells.n_periods, size)
        n = counts(key[usable], n_cells).reshape(cells.n_periods, size)
        value = np.where(n >= MIN_LATENCY_ROWS, value, np.nan)
    return value, executions


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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices are masked below
        median = np.nanmedian(stack, axis=0)
    return np.where(known >= MIN_SEASONS, median, np.nan)


def _scale(residuals: np.ndarray, floor: float, season: int) -> np.ndarray:
    """The spread of the residuals of the periods before, at least ``floor``: the larger of
    1.4826 x their median absolute value (the MAD; robust) and 1.2533 x their mean absolute
    value (which sees the heavy tail of spend, where a few videos make a day)."""
    frame = pd.DataFrame(np.abs(residuals))
    least = MIN_RESIDUALS if season > 1 else MIN_COARSE_RESIDUALS
    window = frame.rolling(SCALE_PERIODS, min_periods=least)
    mad = 1.4826 * window.median().shift(1).to_numpy()
    mean = 1.2533 * window.mean().shift(1).to_numpy()
    scale = np.fmax(mad, mean)
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


def _binomial_z(hits: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 0.5 / np.maximum(n, 1), 1 - 0.5 / np.maximum(n, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (hits - n * p) / np.sqrt(n * p * (1 - p))


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
    return _binomial_z(slow, n, np.full(n.shape, 0.05))


def _dimensions(metric: str, by: str | None, columns: Sequence[str]) -> list[str]:
    base = ["model", "workflow_id"]
    if metric in ("failed", "error_rate"):
        base = ["error_classification", *base]
    return [d for d in base if d != by and d in columns]


def _sorted(grouping: Grouping) -> Grouping:
    """The groups in label order (missing last): ties are then listed in the same order
    whatever the order of the rows, on a frame or from a selection's partial rows."""
    labels = list(grouping.labels)
    order = sorted(range(len(labels)), key=lambda i: (bool(pd.isna(labels[i])), str(labels[i])))
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order), dtype=np.intp)
    codes = rank[grouping.codes.astype(np.intp)] if len(order) else grouping.codes
    return Grouping(codes, grouping.labels.take(order))


@dataclass(frozen=True)
class _SubTable:
    """One dimension of a flagged group: its sub-groups' labels and, per period x sub-group,
    the measure the drivers compare (spend, executions, failures, or slow executions)."""

    dim: str
    labels: pd.Index
    table: np.ndarray


def _frame_sub_tables(
    cells: _Cells, in_group: np.ndarray, metric: str, threshold_value: float, dims: list[str]
) -> list[_SubTable]:
    out = []
    rows = cells.rows.loc[in_group]
    codes = cells.period[in_group]
    outcomes = cells.outcomes[in_group]
    for dim in dims:
        grouping = _sorted(_rows.grouping_for(rows, dim, "detect_anomalies"))
        size = grouping.size
        if size == 0:
            continue
        key = combine(codes, grouping.codes, size)
        n_cells = cells.n_periods * size
        if metric == "spend":
            table = money.group_dollars(key, n_cells, _rows.floats(rows, "execution_cost"))
        elif metric == "executions":
            table = counts(key, n_cells).astype(float)
        elif metric in ("failed", "error_rate"):
            failed = outcomes == _rows.FAILED
            table = counts(key[failed], n_cells).astype(float)
        else:
            values = _rows.floats(rows, metric.removeprefix("p95_"))
            usable = latency_rows(outcomes, values)
            slow = usable & (values > threshold_value)
            table = counts(key[slow], n_cells) - 0.05 * counts(key[usable], n_cells)
        out.append(_SubTable(dim, grouping.labels, table.reshape(cells.n_periods, size)))
    return out


def _drivers(
    tables: list[_SubTable],
    total: np.ndarray,
    metric: str,
    period: int,
    season: int,
    direction: float,
) -> list[dict[str, object]]:
    """Sub-groups of the flagged group that moved with the anomaly, largest share first
    (``total``: the group's executions per period)."""
    found: list[tuple[float, int, dict[str, object]]] = []
    for rank, sub in enumerate(tables):
        table = sub.table
        expected: np.ndarray | None
        if metric == "error_rate":
            # failures per execution of the whole group: expected = usual share x executions
            per_exec = table / np.maximum(total, 1)[:, None]
            expected = _seasonal_median(per_exec, season)[period] * total[period]
            change = table[period] - expected
        elif metric.startswith("p95_"):
            expected = None  # no baseline: slow executions beyond the 5 % a p95 allows
            change = table[period]
        else:
            expected = _seasonal_median(table, season)[period]
            change = table[period] - expected
        change = np.nan_to_num(change) * direction
        moved = change > 0
        if not moved.any():
            continue
        share = change / change[moved].sum()
        # a driver moved more than its size explains: its share of the movement exceeds its
        # share of the baseline (a model with 40 % of usual spend and 40 % of the rise is not
        # the cause, it is the rise spread evenly)
        usual = np.zeros(len(share)) if expected is None else np.nan_to_num(expected)
        base_share = usual / usual.sum() if usual.sum() > 0 else np.zeros(len(share))
        kept = 0.0
        for i in np.argsort(-share, kind="stable"):
            label = sub.labels[i]
            if share[i] <= base_share[i] or pd.isna(label) or kept >= DRIVER_SHARE:
                continue
            kept += share[i]
            entry = {
                "by": sub.dim,
                "group": str(label),
                "change": float(change[i] * direction),
                "share": round(float(share[i]), 4),
            }
            found.append((-float(share[i]), rank, entry))
            if sum(1 for f in found if f[2]["by"] == sub.dim) >= MAX_DRIVERS:
                break
    found.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in found]


# --- the same from a lazy selection's partial aggregates --------------------------------------
@dataclass(frozen=True)
class _Partials:
    """A selection's partial rows of the whole periods: each one's period code and group."""

    table: pa.Table
    period: np.ndarray
    grouping: Grouping


def _over_time_freq(freq: str) -> str:
    """``freq`` as the metrics helpers (and engines) bucket it: the same period starts."""
    unit, multiple = _parse_freq(freq)
    return f"{multiple}h" if unit == "h" else unit


def _partials(
    selection: _lazy.LazyExecutions,
    cal: _Calendar,
    freq: str,
    by: str | None,
    sub: str | None = None,
    squares: bool = False,
) -> _Partials:
    request = _lazy.PeriodCounts(_over_time_freq(freq), "UTC", by, sub=sub, squares=squares)
    table = selection.partials(request)
    wall, missing = _lazy.periods_of(table)
    bounds = cal.starts.tz_localize(None).as_unit("us").asi8
    keep = (~missing) & (_lazy.ints(table, "rows") > 0)
    if len(bounds):
        end = int(cal.end.value) // 1_000
        keep &= (wall >= bounds[0]) & (wall < end)
    else:
        keep[:] = False
    table = table.filter(pa.array(keep))
    code = np.searchsorted(bounds, wall[keep], side="right") - 1
    keys = _lazy.labels(table, "key") if by is not None else None
    grouping = _rows.key_grouping(keys, table.num_rows, by, "detect_anomalies")
    return _Partials(table, code.astype(np.intp), grouping)


def _lazy_sub_tables(
    selection: _lazy.LazyExecutions,
    cal: _Calendar,
    freq: str,
    by: str | None,
    label: object,
    metric: str,
    dims: list[str],
) -> list[_SubTable]:
    """:func:`_frame_sub_tables` from the selection's partials per (period, group, sub-group)."""
    out = []
    n_periods = len(cal.starts)
    for dim in dims:
        found = _partials(selection, cal, freq, by, sub=dim)
        row_labels = found.grouping.labels[found.grouping.codes.astype(np.intp)]
        if by is None:
            mine = np.ones(len(row_labels), dtype=bool)
        elif pd.isna(label):
            mine = np.asarray(pd.isna(row_labels), dtype=bool)
        else:
            mine = np.asarray(row_labels == label, dtype=bool)
        part = found.table.filter(pa.array(mine))
        keys = _lazy.labels(part, "sub_key")
        grouping = _sorted(_rows.key_grouping(keys, part.num_rows, dim, "detect_anomalies"))
        size = grouping.size
        if size == 0:
            continue
        key = combine(found.period[mine], grouping.codes, size)
        column = {"spend": "cost", "executions": "rows"}.get(metric, "errors")
        table = _lazy_grid(part, column, key, n_periods * size).reshape(n_periods, size)
        out.append(_SubTable(dim, grouping.labels, table))
    return out


def _lazy_grid(table: pa.Table, column: str, key: np.ndarray, size: int) -> np.ndarray:
    """A partial column added up per cell: money exactly (nano-dollars), counts as floats."""
    if column in _lazy.MONEY:
        return money.to_dollars(money.group_nanos(key, size, _lazy.nanos(table, column)))
    return _rows.per_group(key, size, _lazy.sums(table, column))


@dataclass(frozen=True)
class _LazyTables:
    labels: list[object]
    value: np.ndarray
    executions: np.ndarray
    failed: np.ndarray
    unit: np.ndarray


def _lazy_tables(
    selection: _lazy.LazyExecutions, cal: _Calendar, freq: str, by: str | None, metric: str
) -> _LazyTables:
    """Spend, executions and failures per whole period x group, from one grouped query."""
    squares = metric == "spend"
    found = _partials(selection, cal, freq, by, squares=squares)
    grouping = _sorted(found.grouping)
    size, n_periods = grouping.size, len(cal.starts)
    key = combine(found.period, grouping.codes, size)

    def grid(column: str) -> np.ndarray:
        return _lazy_grid(found.table, column, key, n_periods * size).reshape(n_periods, size)

    executions, failed = grid("rows"), grid("errors")
    value = {"executions": executions, "failed": failed}.get(metric)
    unit = np.ones(size)
    if metric == "error_rate":
        value = _rows.rate(failed, executions)
    elif squares:
        value = grid("cost")
        codes = grouping.codes.astype(np.intp)
        unit = np.nan_to_num(
            _rows.rate(
                _rows.per_group(codes, size, _lazy.sums(found.table, "cost_squares")),
                _rows.per_group(codes, size, _lazy.sums(found.table, "cost")),
            )
        )
    assert value is not None
    labels: list[object] = [TOTAL] if by is None else list(grouping.labels)
    return _LazyTables(labels, value, executions, failed, unit)


def detect_anomalies(
    df: pd.DataFrame,
    metric: str = "spend",
    by: str | None = None,
    freq: str = "D",
    sensitivity: str = "normal",
) -> pd.DataFrame:
    """Flag the whole periods where ``metric`` left its seasonal pattern, and say why.

    Parameters
    ----------
    df : DataFrame or lazy selection
        Executions as :func:`~eachlabs_analytics.load_executions` returns them, or a lazy
        selection of them (``ExecutionStore.scan(...)``, ``ea.scan_table(...)``: the same
        result, from grouped partial aggregates, rows never loaded; the p95 metrics need rows
        and are refused there); judged as of the window's end (``df.attrs["window"]``), else
        just after the newest row.
    metric : str
        One of :data:`METRICS`: ``spend`` (USD), ``executions``, ``failed``, ``error_rate``,
        ``p95_total_seconds``, ``p95_queue_seconds``.
    by : str, optional
        A column to judge per group (``"model"``, ``"workflow_id"``,
        ``"error_classification"``, ``"status"``...); None: the total, group ``"total"``.
    freq : str
        Period: ``"D"`` (default; weekly seasonality), ``"h"`` or ``"6h"`` style (seasonality
        by hour of the week), ``"W"`` or ``"M"`` (no seasonality).
    sensitivity : {"low", "normal", "high"}
        ``|score|`` needed: 5, 4 or 3.

    Returns
    -------
    DataFrame
        One row per flagged (period, group), by period then ``|score|``: ``period`` (start,
        UTC), ``group``, ``metric``, ``actual``, ``expected``, ``lower``/``upper`` (the band
        outside which a period is flagged), ``score`` (robust z), ``direction`` (``"up"`` or
        ``"down"``) and ``drivers``: a list of ``{"by", "group", "change", "share"}``, the
        sub-groups (models, workflows, error classes; for latency, slow executions beyond the
        5 % a p95 allows) that moved the same way, largest share of the movement first.
        ``attrs``: ``metric``, ``by``, ``freq``, ``threshold``, ``judged_periods``,
        ``series``, ``first_judged`` and ``in_progress`` (the skipped period, or None).

    Examples
    --------
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=8_000, seed=3, end="2026-10-31T00:00:00Z")
    >>> day = df["created_at"].dt.floor("D") == pd.Timestamp("2026-10-20", tz="UTC")
    >>> spiked = df.copy()
    >>> spiked.loc[day, "execution_cost"] *= 4          # one day costs four times as much
    >>> found = detect_anomalies(spiked, metric="spend")
    >>> [(str(p.date()), d) for p, d in zip(found["period"], found["direction"])]
    [('2026-10-20', 'up')]
    """
    lazy = _lazy.is_lazy(df)
    if not lazy:
        _rows.check_frame(df, "detect_anomalies", ["created_at", "status"])
    if metric not in METRICS:
        raise InvalidQueryError(
            f"metric={metric!r} is not allowed; use one of {', '.join(METRICS)}"
        )
    if sensitivity not in SENSITIVITY:
        raise InvalidQueryError(
            f"sensitivity={sensitivity!r} is not allowed; use one of {', '.join(SENSITIVITY)}"
        )
    if lazy:
        _rows.check_by(by, "detect_anomalies")
        if metric.startswith("p95_"):
            raise InvalidQueryError(
                f"detect_anomalies(metric={metric!r}) needs the rows: a p95's expectation pools "
                "the latencies of the same slot in four earlier seasons, which no partial "
                "aggregate gives; pass selection.to_pandas() (a window that fits in memory), or "
                "watch spend, executions, failed or error_rate over the selection"
            )
    needed = {"spend": ["execution_cost"], "p95_total_seconds": ["total_seconds"]}
    needed["p95_queue_seconds"] = ["queue_seconds"]
    if not lazy:
        _rows.check_frame(df, "detect_anomalies", needed.get(metric, []))
    threshold = SENSITIVITY[sensitivity]
    as_of = resolve_as_of(df, None, "detect_anomalies") if df.attrs or row_count(df) else None
    if as_of is None:
        raise InvalidQueryError("detect_anomalies needs rows or a frame with attrs['window']")
    cal = _calendar(df, freq, as_of)
    if lazy:
        tables = _lazy_tables(df, cal, freq, by, metric)
        labels, value, executions = tables.labels, tables.value, tables.executions
        if metric == "error_rate":
            judged = _judge_rate(tables.failed, executions, threshold, cal.season)
        else:
            judged = _judge(value, metric, threshold, cal.season, tables.unit)
    else:
        cells = _cells(df, cal)
        grouping = _sorted(_rows.grouping_for(cells.rows, by, "detect_anomalies"))
        labels = [TOTAL] if by is None else list(grouping.labels)
        group_codes = grouping.codes.astype(np.intp)
        value, executions = _table(cells, group_codes, grouping.size, metric)
        if metric == "error_rate":
            failed, _ = _table(cells, group_codes, grouping.size, "failed")
            judged = _judge_rate(failed, executions, threshold, cal.season)
        else:
            unit = np.ones(grouping.size)
            if metric == "spend":
                # spend is a sum of prices: its variance is executions x E[price^2], so on the
                # square-root scale its noise is 0.5 x sqrt(E[price^2] / E[price])
                cost = np.nan_to_num(_rows.floats(cells.rows, "execution_cost"))
                unit = np.nan_to_num(
                    _rows.rate(
                        sums(group_codes, grouping.size, cost**2),
                        sums(group_codes, grouping.size, cost),
                    )
                )
            pooled = None
            if metric.startswith("p95_"):
                column = metric.removeprefix("p95_")
                pooled = _pooled_p95(cells, group_codes, grouping.size, column, cal.season)
            judged = _judge(value, metric, threshold, cal.season, unit, pooled)
    hits = np.abs(np.nan_to_num(judged.score)) >= threshold
    if metric.startswith("p95_"):
        guard = _exceedance_z(cells, group_codes, grouping.size, column, judged.expected)
        # busy days shift every row: the z wanders too
        guard = guard / _scale(guard, 1.0, cal.season)
        hits &= np.sign(np.nan_to_num(guard)) == np.sign(np.nan_to_num(judged.score))
        hits &= np.abs(np.nan_to_num(guard)) >= threshold
    flagged = np.argwhere(hits)
    dims = _dimensions(metric, by, schema.COLUMNS if lazy else list(df.columns))
    records = []
    for t, g in flagged:
        up = judged.score[t, g] > 0
        if lazy:
            subs = _lazy_sub_tables(df, cal, freq, by, labels[g], metric, dims)
        else:
            in_group = group_codes == g
            subs = _frame_sub_tables(cells, in_group, metric, float(judged.expected[t, g]), dims)
        records.append(
            {
                "period": cal.starts[t],
                "group": labels[g] if not pd.isna(labels[g]) else None,
                "metric": metric,
                "actual": float(value[t, g]),
                "expected": float(judged.expected[t, g]),
                "lower": float(judged.lower[t, g]),
                "upper": float(judged.upper[t, g]),
                "score": float(judged.score[t, g]),
                "direction": "up" if up else "down",
                "drivers": _drivers(
                    subs, executions[:, g], metric, int(t), cal.season, 1.0 if up else -1.0
                ),
            }
        )
    out = pd.DataFrame.from_records(records, columns=list(_COLUMNS))
    out["period"] = (
        pd.DatetimeIndex(out["period"]).as_unit("us")
        if len(out)
        else pd.Series([], dtype=schema.TIMESTAMP_DTYPE)
    )
    out = out.assign(_abs=out["score"].abs()).sort_values(
        ["period", "_abs"], ascending=[True, False], kind="stable"
    )
    out = out.drop(columns="_abs").reset_index(drop=True)
    scored = ~np.isnan(judged.score).all(axis=1) if len(judged.score) else np.zeros(0, bool)
    out.attrs = result_attrs(df)
    out.attrs.update(
        metric=metric,
        by=by,
        freq=freq,
        sensitivity=sensitivity,
        threshold=threshold,
        series=len(labels),
        judged_periods=int(scored.sum()),
        first_judged=cal.starts[int(np.argmax(scored))].isoformat() if scored.any() else None,
        in_progress=None if cal.in_progress is None else cal.in_progress.isoformat(),
    )
    return out
