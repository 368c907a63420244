"""Spend, latency and error rate per period: the helpers behind the trend charts.

Rows are bucketed by ``created_at`` into periods of ``freq`` (fixed steps such as ``"15min"``,
``"h"``, ``"D"``, or calendar ``"W"`` (weeks starting Monday), ``"M"``, ``"Q"``, ``"Y"``),
in UTC or in the wall-clock time of ``tz``. The result has one row per period from the first
to the last one with data, empty periods included (zero spend), indexed by period start.

>>> from eachlabs_analytics import schema
>>> cost_over_time(schema.empty_frame()).shape
(0, 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from eachlabs_analytics._util import money
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.aggregates import (
    LATENCY_METRICS,
    check_percentiles,
    percentile_column,
)
from eachlabs_analytics.metrics.buckets import (
    Periods,
    _check_tz,
    _parse_freq,
    wall_periods,
)
from eachlabs_analytics.metrics.frame_partials import answerer, check_by
from eachlabs_analytics.metrics.grouping import (
    Grouping,
    combine,
)
from eachlabs_analytics.metrics.lazy import Executions

#: Label of the column the groups beyond ``top`` are folded into.
OTHER = "other"


@dataclass(frozen=True)
class _Columns:
    """Which groups become columns, in which order, and whether the rest fold into one."""

    kept: list[int]
    names: list[object]
    folded: list[int]

    def apply(self, table: np.ndarray) -> np.ndarray:
        out = table[:, self.kept]
        if self.folded:
            out = np.hstack([out, table[:, self.folded].sum(axis=1, keepdims=True)])
        return out


def _columns(labels: list[object], weight: np.ndarray, top: int | None) -> _Columns:
    """Groups ordered by ``weight`` (descending, then label); those beyond ``top`` folded."""
    order = sorted(range(len(labels)), key=lambda i: (-weight[i], str(labels[i])))
    if top is None or len(order) <= top:
        return _Columns(order, [labels[i] for i in order], [])
    names = [labels[i] for i in order[:top]]
    return _Columns(
        order[:top], [*names, OTHER if OTHER not in names else f"({OTHER})"], order[top:]
    )


def _check_top(top: object) -> int | None:
    if top is None:
        return None
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise InvalidQueryError(f"top must be None or an integer >= 1, not {top!r}")
    return int(top)


@dataclass(frozen=True)
class _Grid:
    """The partial rows of a frame or a selection on the (period, group) grid, and the attrs."""

    found: Periods
    grouping: Grouping
    table: pa.Table
    cells: np.ndarray
    dated: np.ndarray
    attrs: dict[str, object]

    def add(self, column: str) -> np.ndarray:
        """A partial sum added up per (period, group) cell, shape (periods, groups)."""
        values = _lazy.sums(self.table, column)[self.dated]
        size = self.found.size * self.grouping.size
        return _rows.per_group(self.cells, size, values).reshape(
            self.found.size, self.grouping.size
        )

    def add_money(self, column: str) -> np.ndarray:
        """A money column added up exactly per (period, group) cell, as int64 nano-dollars."""
        size = self.found.size * self.grouping.size
        values = _lazy.nanos(self.table, column)[self.dated]
        return money.group_nanos(self.cells, size, values).reshape(
            self.found.size, self.grouping.size
        )

    def count(self, column: str) -> np.ndarray:
        """A partial count added up per (period, group) cell, as int64."""
        values = _lazy.ints(self.table, column)[self.dated]
        size = self.found.size * self.grouping.size
        return _rows.per_group_counts(self.cells, size, values).reshape(
            self.found.size, self.grouping.size
        )


def _grid(
    selection: _lazy.LazyExecutions,
    request: _lazy.PeriodCounts | _lazy.PeriodLatency,
    by: str | None,
    helper: str,
) -> _Grid:
    table = selection.partials(request)
    wall, missing = _lazy.periods_of(table)
    found = wall_periods(wall, missing, request.freq, request.tz)
    grouping = _rows.partial_groups(table, by, helper)
    dated = found.codes >= 0
    cells = combine(found.codes[dated], grouping.codes[dated], grouping.size)
    attrs = _rows.lazy_attrs(selection.attrs, _lazy.overview(table))
    undated = int(_lazy.ints(table, "rows")[~dated].sum())
    attrs.update(freq=request.freq, tz=request.tz, rows_without_created_at=undated)
    return _Grid(found, grouping, table, cells, dated, attrs)


def _request(
    helper: str,
    source: _lazy.LazyExecutions,
    freq: str,
    tz: str | None,
    by: str | None = None,
    *,
    cost: bool = True,
) -> _lazy.PeriodCounts:
    _parse_freq(freq)
    zone = _check_tz(tz)
    check_by(source, by, helper)
    return _lazy.PeriodCounts(freq, zone, by, cost=cost)


def cost_over_time(
    df: Executions,
    freq: str = "D",
    by: str | None = "model",
    top: int | None = None,
    *,
    tz: str | None = None,
) -> pd.DataFrame:
    """Spend per period (USD), one column per group.

    Index: the start of each period (``period_start``, tz-aware in ``tz``, UTC by default),
    every period from the first to the last row's, empty ones 0. Columns: one per value of
    ``by`` (``"model"`` by default; ``None`` gives one column ``"total"``), ordered by spend
    over the whole frame, largest first; with ``top=N`` the rest are summed into one column
    ``"other"``. A value is the sum of ``execution_cost`` of the rows *created* in that
    period (any status; a missing cost counts 0). Rows without ``created_at`` are left out and
    counted in ``attrs["rows_without_created_at"]``.

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> daily = ea.cost_over_time(df, freq="D", top=3)
    >>> spent = daily.to_numpy().sum()
    >>> list(daily.columns)[-1], bool(abs(spent - df["execution_cost"].sum()) < 1e-6)
    ('other', True)
    """
    source = answerer(df, "cost_over_time", ["execution_cost", "created_at", "status"])
    top = _check_top(top)
    grid = _grid(source, _request("cost_over_time", source, freq, tz, by), by, "cost_over_time")
    found, grouping, nanos = grid.found, grid.grouping, grid.add_money("cost")
    attrs = grid.attrs
    labels = ["total"] if by is None else list(grouping.labels)
    # ranked and folded ("other") in exact nano-dollars, converted once
    plan = _columns(labels, nanos.sum(axis=0), top)
    out = pd.DataFrame(
        money.to_dollars(plan.apply(nanos)),
        index=found.starts,
        columns=pd.Index(plan.names, name=by),
    )
    out = out.loc[out.index.notna()]
    out.attrs = attrs
    return out


def error_rate_over_time(
    df: Executions,
    freq: str = "D",
    by: str | None = None,
    top: int | None = None,
    *,
    tz: str | None = None,
) -> pd.DataFrame:
    """Share of executions that failed, per period.

    Index as in :func:`cost_over_time` (``period_start``; every period from first to last).
    With ``by=None`` (default) the columns are ``executions`` (rows created in the period,
    any status), ``errors`` (those in the failed group: error, failed) and ``error_rate``
    (``errors / executions``; NaN for a period without executions). With ``by="model"`` (or
    another column) there is one column per group holding that group's ``error_rate``, ordered
    by errors over the whole frame, largest first; ``top=N`` folds the rest into ``"other"``
    (its rate is their errors over their executions).

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> daily = ea.error_rate_over_time(df)
    >>> list(daily.columns), int(daily["executions"].sum()) == len(df)
    (['executions', 'errors', 'error_rate'], True)
    """
    top = _check_top(top)
    source = answerer(df, "error_rate_over_time", ["created_at", "status"])
    request = _request("error_rate_over_time", source, freq, tz, by, cost=False)
    grid = _grid(source, request, by, "error_rate_over_time")
    found, grouping, attrs = grid.found, grid.grouping, grid.attrs
    executions, errors = grid.count("rows"), grid.count("errors")
    if by is None:
        out = pd.DataFrame(
            {
                "executions": executions[:, 0],
                "errors": errors[:, 0],
                "error_rate": _rows.rate(errors[:, 0], executions[:, 0]),
            },
            index=found.starts,
        )
    else:
        plan = _columns(list(grouping.labels), errors.sum(axis=0), top)
        out = pd.DataFrame(
            _rows.rate(plan.apply(errors), plan.apply(executions)),
            index=found.starts,
            columns=pd.Index(plan.names, name=by),
        )
    out = out.loc[out.index.notna()]
    out.attrs = attrs
    return out


def latency_over_time(
    df: Executions,
    freq: str = "D",
    metric: str = "total_seconds",
    percentiles: Sequence[float] = (50, 95),
    *,
    tz: str | None = None,
) -> pd.DataFrame:
    """Latency percentiles per period: is the service getting slower?

    Index as in :func:`cost_over_time` (``period_start``; every period from the first to the
    last row's). A row counts in the period it was *created* in, under the rules of
    :func:`~eachlabs_analytics.latency_percentiles`: rows in flight (created, starting,
    processing, running) and rows whose ``metric`` is NaN are left out. Columns:

    - ``count``: rows used in the period; ``mean``: their mean ``metric`` in seconds.
    - ``p50``, ``p95``, ... one per percentile: linear interpolation, exactly
      ``np.percentile``'s default; seconds; NaN for a period without a usable row.

    >>> import numpy as np, eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> daily = ea.latency_over_time(df, freq="D")
    >>> list(daily.columns)
    ['count', 'mean', 'p50', 'p95']
    >>> first = daily.index[0]
    >>> day = df[(df["created_at"] >= first) & (df["created_at"] < first + pd.Timedelta("1D"))]
    >>> done = day[~day["status"].isin(["created", "starting", "processing", "running"])]
    >>> bool(daily["p95"].iloc[0] == np.percentile(done["total_seconds"].dropna(), 95))
    True
    """
    if metric not in LATENCY_METRICS:
        raise InvalidQueryError(
            f"metric={metric!r} is not a latency column; allowed: {', '.join(LATENCY_METRICS)}"
        )
    qs = check_percentiles(percentiles)
    source = answerer(df, "latency_over_time", [metric, "created_at", "status"])
    _parse_freq(freq)
    request = _lazy.PeriodLatency(freq, _check_tz(tz), metric, qs)
    grid = _grid(source, request, None, "latency_over_time")
    found, attrs = grid.found, grid.attrs
    n, total = grid.count("count")[:, 0], grid.add("total")[:, 0]
    dated = grid.dated
    stats = [_lazy.reals(grid.table, f"q{i}")[dated] for i in range(len(qs))]
    periods_of_rows = grid.found.codes[dated]
    table = _rows.per_group_values(
        periods_of_rows,
        found.size,
        np.column_stack(stats) if stats else np.empty((len(periods_of_rows), 0)),
    )
    columns: dict[str, np.ndarray] = {"count": n, "mean": _rows.rate(total, n)}
    for i, p in enumerate(qs):
        columns[percentile_column(p)] = table[:, i]
    out = pd.DataFrame(columns, index=found.starts)
    out = out.loc[out.index.notna()]
    out.attrs = attrs
    out.attrs.update(metric=metric, percentiles=list(qs))
    return out
