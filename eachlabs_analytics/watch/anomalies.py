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
3. **Expected** is the median of the same seasonal slot in the
   :data:`~eachlabs_analytics.watch.anomaly_scores.SEASONS_BACK` seasons before (the same
   weekday for days, the same hour of the week for hours), so the quiet weekend or the night
   is never an anomaly, and one bad day never moves the expectation.
   A p95's expectation is the p95 of those slots' rows pooled; an error rate's is the pooled
   rate of every period of those seasons (a rate of a few dozen executions needs it).
4. The **scale** is the spread of the residuals of the
   :data:`~eachlabs_analytics.watch.anomaly_scores.SCALE_PERIODS` periods before: the larger
   of 1.4826 x their median absolute value (the MAD) and 1.2533 x their mean absolute value
   (spend's heavy tail), never below the noise of step 2. **score** = residual / scale,
   flagged when ``|score|`` reaches the sensitivity's threshold (low 5, normal 4, high 3);
   ``lower``/``upper`` are that threshold in the metric's units. The error rate is scored as
   failures against the pooled rate on Anscombe's scale; a p95 is flagged only when the share
   of executions slower than the expected p95 moved as much too (a p95 of a few dozen rows
   jumps when three of them hit a cold start).
5. **Drivers** explain a flagged period: within the flagged group, each sub-group of the
   other dimensions (error classes first for failures, models, workflows) is compared with
   its own seasonal expectation; the ones that moved in the anomaly's direction by more than
   their size explains (their share of the movement exceeds their share of the expectation,
   beyond their noise), largest share of that movement first (for a p95: executions slower
   than the expected p95 beyond the 5 % a p95 allows). When every sub-group moved by about
   the same share, none is named: ``across`` says so (``{"by": "model", "change": -0.3}``,
   "all models -30%").
6. **Hours** (``freq="D"`` only): a day is also flagged when a run of its hours left the day's
   own level together (steps 1 to 4 over hours, then
   :mod:`~eachlabs_analytics.watch.anomaly_hours`), its drivers then from those hours: a
   4-hour outage hides in a day's total, but not in its hours.

A period is judged only when it is whole: the window's partial first period and the period
holding ``as_of`` (in progress) are skipped (``attrs["in_progress"]``), never flagged for being
incomplete. The first ``2 x season + 21`` periods only build the baseline (about 5 weeks of
days, 15 days of hours; 10 weeks or months without a season). Groups with fewer than
:data:`~eachlabs_analytics.watch.anomaly_scores.MIN_EXECUTIONS` executions in a period are
not judged on their error rate, nor with fewer than
:data:`~eachlabs_analytics.watch.anomaly_tables.MIN_LATENCY_ROWS` on a p95. Groups (and a
driver's sub-groups) are listed in label order, so ties come out the same whatever the order
of the rows.

Step 1 is :mod:`~eachlabs_analytics.watch.anomaly_tables`, steps 2 to 4
:mod:`~eachlabs_analytics.watch.anomaly_scores`, step 5
:mod:`~eachlabs_analytics.watch.anomaly_drivers`, step 6
:mod:`~eachlabs_analytics.watch.anomaly_hours`; :func:`detect_anomalies` checks its
arguments, runs them and assembles the result.

Over a lazy selection (``store.scan()``) spend, executions, failures and the error rate per
period and group, the spend noise (``E[price^2]``) and the drivers come from grouped partial
aggregates (:class:`~eachlabs_analytics.metrics.lazy.PeriodCounts`, per sub-group for the
drivers), with the same result. The p95 metrics are refused there: the expectation pools the
rows of four earlier seasons and the guard counts rows above it, which no partial gives.

On clean generated data (6 seeds, 120 days, 40,000 and 60,000 executions, the total and every
model, all six metrics) no period was flagged at ``"normal"``, the hours' rule on; every
injected incident of ``local_api.incidents`` is (see ``tests/test_watch_anomalies.py``), and
a 4-hour traffic drop or error outage inside a day is (``tests/test_watch_anomaly_hours.py``).

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=8_000, seed=3, end="2026-10-31T00:00:00Z")
>>> found = detect_anomalies(df, metric="executions")
>>> found.columns.tolist()
['period', 'group', 'metric', 'actual', 'expected', 'lower', 'upper', 'score', 'direction', \
'drivers', 'across', 'hours', 'hours_score']
>>> len(found) <= 1, found.attrs["judged_periods"]
(True, 55)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.frame_partials import answerer, check_by
from eachlabs_analytics.metrics.lazy import Executions
from eachlabs_analytics.watch._frame import (
    TOTAL,
    resolve_as_of,
    result_attrs,
    row_count,
)
from eachlabs_analytics.watch.anomaly_drivers import (
    _dimensions,
    _drivers,
    _frame_sub_tables,
    _lazy_sub_tables,
    _SubTable,
)
from eachlabs_analytics.watch.anomaly_hours import (
    _day_runs,
    _DayHours,
    _hour_calendar,
    _relative,
    _settled,
)
from eachlabs_analytics.watch.anomaly_scores import (
    _exceedance_z,
    _judge,
    _judge_rate,
    _Judgement,
    _pooled_p95,
    _scale,
)
from eachlabs_analytics.watch.anomaly_tables import (
    _Calendar,
    _calendar,
    _Cells,
    _cells,
    _lazy_tables,
    _sorted,
    _table,
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
    "across",
    "hours",
    "hours_score",
)


@dataclass(frozen=True)
class _Periods:
    """One calendar judged: per period x group the metric, the executions and the judgement,
    the flagged cells, and (for a p95, judged from rows) the rows the drivers count."""

    cal: _Calendar
    freq: str
    labels: list[object]
    value: np.ndarray
    executions: np.ndarray
    judged: _Judgement
    strength: np.ndarray  # the score; for a p95 the weaker of it and the slow share's, or 0
    hits: np.ndarray
    cells: _Cells | None = None
    group_codes: np.ndarray | None = None


def _judge_periods(
    df: Executions,
    source: Executions,
    cal: _Calendar,
    freq: str,
    by: str | None,
    metric: str,
    threshold: float,
) -> _Periods:
    """Steps 1 to 4 over the whole periods of ``cal``: flagged where ``|score|`` reaches
    ``threshold`` (a p95 only when the share of slow executions moved as much too)."""
    if not metric.startswith("p95_"):
        tables = _lazy_tables(source, cal, freq, by, metric)
        if metric == "error_rate":
            judged = _judge_rate(tables.failed, tables.executions, threshold, cal.season)
        else:
            judged = _judge(tables.value, metric, threshold, cal.season, tables.unit)
        strength = judged.score
        hits = np.abs(np.nan_to_num(strength)) >= threshold
        return _Periods(
            cal, freq, tables.labels, tables.value, tables.executions, judged, strength, hits
        )
    column = metric.removeprefix("p95_")
    cells = _cells(df, cal)
    grouping = _sorted(_rows.grouping_for(cells.rows, by, "detect_anomalies"))
    labels: list[object] = [TOTAL] if by is None else list(grouping.labels)
    codes = grouping.codes.astype(np.intp)
    value, executions = _table(cells, codes, grouping.size, metric)
    if np.isnan(value).all():  # no period holds the rows a p95 needs (a small group's hours)
        none = np.full(value.shape, np.nan)
        judged = _Judgement(none, none, none, none)
        hits = np.zeros(value.shape, dtype=bool)
        return _Periods(cal, freq, labels, value, executions, judged, none, hits, cells, codes)
    pooled = _pooled_p95(cells, codes, grouping.size, column, cal.season)
    judged = _judge(value, metric, threshold, cal.season, np.ones(grouping.size), pooled)
    guard = _exceedance_z(cells, codes, grouping.size, column, judged.expected)
    # busy days shift every row: the z wanders too
    guard = guard / _scale(guard, 1.0, cal.season)
    agree = np.sign(guard) == np.sign(judged.score)
    strength = np.where(
        agree, np.sign(judged.score) * np.fmin(np.abs(judged.score), np.abs(guard)), 0.0
    )
    strength = np.where(np.isnan(judged.score), np.nan, strength)
    hits = np.abs(np.nan_to_num(strength)) >= threshold
    return _Periods(cal, freq, labels, value, executions, judged, strength, hits, cells, codes)


def _sub_tables(
    periods: _Periods, source: Executions, by: str | None, g: int, metric: str, dims: list[str]
) -> list[_SubTable]:
    """The drivers' sub-tables of group ``g`` over ``periods``' calendar."""
    if periods.cells is None or periods.group_codes is None:
        label = periods.labels[g]
        return _lazy_sub_tables(source, periods.cal, periods.freq, by, label, metric, dims)
    in_group = periods.group_codes == g
    return _frame_sub_tables(periods.cells, in_group, metric, periods.judged.expected[:, g], dims)


def detect_anomalies(
    df: Executions,
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
        5 % a p95 allows) that moved the same way beyond their share and their noise, largest
        share of the movement first; ``across``: a list of ``{"by", "change"}``, the
        dimensions along which every sub-group moved by about the same share (``change``:
        -0.3 is -30 %), none named; with ``freq="D"``, ``hours`` (the hours of the UTC day, 0
        to 23, of a sustained run that left the day's own level; ``[]`` when none) and
        ``hours_score`` (that run's combined score, NaN when none): a day may be flagged for
        its hours alone, ``score`` then inside the threshold, ``direction`` the run's and the
        drivers those of its hours.
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
    source = answerer(df, "detect_anomalies", ["created_at", "status"])
    if metric not in METRICS:
        raise InvalidQueryError(
            f"metric={metric!r} is not allowed; use one of {', '.join(METRICS)}"
        )
    if sensitivity not in SENSITIVITY:
        raise InvalidQueryError(
            f"sensitivity={sensitivity!r} is not allowed; use one of {', '.join(SENSITIVITY)}"
        )
    check_by(source, by, "detect_anomalies")
    # a p95's expectation pools the latencies of earlier seasons: only rows give it; every
    # other metric is judged from partial aggregates, whatever holds the rows
    from_rows = metric.startswith("p95_")
    if from_rows:
        if not isinstance(df, pd.DataFrame):
            raise InvalidQueryError(
                f"detect_anomalies(metric={metric!r}) needs the rows: a p95's expectation pools "
                "the latencies of the same slot in four earlier seasons, which no partial "
                "aggregate gives; pass selection.to_pandas() (a window that fits in memory), or "
                "watch spend, executions, failed or error_rate over the selection"
            )
        _rows.check_frame(df, "detect_anomalies", [metric.removeprefix("p95_")])
    if metric == "spend":
        answerer(df, "detect_anomalies", ["execution_cost"])
    threshold = SENSITIVITY[sensitivity]
    as_of = resolve_as_of(df, None, "detect_anomalies") if df.attrs or row_count(df) else None
    if as_of is None:
        raise InvalidQueryError("detect_anomalies needs rows or a frame with attrs['window']")
    cal = _calendar(df, freq, as_of)
    days = _judge_periods(df, source, cal, freq, by, metric, threshold)
    judged = days.judged
    runs: dict[tuple[int, int], _DayHours] = {}
    if freq == "D" and len(cal.starts):
        hours = _judge_periods(df, source, _hour_calendar(df, cal), "h", by, metric, threshold)
        relative = _relative(hours.strength, hours.cal.starts, _settled(source, hours.cal))
        runs = _day_runs(
            cal, days.labels, judged.score, hours.cal, hours.labels, relative, threshold
        )
    dims = _dimensions(
        metric, by, list(df.columns) if isinstance(df, pd.DataFrame) else schema.COLUMNS
    )
    records = []
    for t, g in sorted({(int(t), int(g)) for t, g in np.argwhere(days.hits)} | set(runs)):
        run = runs.get((t, g))
        if days.hits[t, g]:
            up = bool(judged.score[t, g] > 0)
            run = run if run is not None and (run.score > 0) == up else None
            subs = _sub_tables(days, source, by, g, metric, dims)
            drivers, across = _drivers(
                subs, days.executions[:, g], metric, t, cal.season, 1.0 if up else -1.0
            )
        else:  # flagged for its hours: explained by them
            assert run is not None
            up = run.score > 0
            subs = _sub_tables(hours, source, by, run.group, metric, dims)
            total = hours.executions[:, run.group]
            drivers, across = _drivers(
                subs, total, metric, run.periods, hours.cal.season, 1.0 if up else -1.0
            )
        label = days.labels[g]
        records.append(
            {
                "period": cal.starts[t],
                "group": label if not pd.isna(label) else None,
                "metric": metric,
                "actual": float(days.value[t, g]),
                "expected": float(judged.expected[t, g]),
                "lower": float(judged.lower[t, g]),
                "upper": float(judged.upper[t, g]),
                "score": float(judged.score[t, g]),
                "direction": "up" if up else "down",
                "drivers": drivers,
                "across": across,
                "hours": [] if run is None else list(run.hours),
                "hours_score": np.nan if run is None else round(run.score, 4),
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
        series=len(days.labels),
        judged_periods=int(scored.sum()),
        first_judged=cal.starts[int(np.argmax(scored))].isoformat() if scored.any() else None,
        in_progress=None if cal.in_progress is None else cal.in_progress.isoformat(),
    )
    return out
