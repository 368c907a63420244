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

import re
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
    latency_rows,
    percentile_column,
)
from eachlabs_analytics.metrics.grouping import (
    Grouping,
    combine,
    counts,
    grouped_percentiles,
    sums,
)

#: Label of the column the groups beyond ``top`` are folded into.
OTHER = "other"
#: Name of the index of every over-time result.
PERIOD_INDEX = "period_start"

_US = {"s": 1_000_000, "min": 60_000_000, "h": 3_600_000_000, "D": 86_400_000_000}
_FIXED_ALIASES = {"s": "s", "S": "s", "min": "min", "T": "min", "h": "h", "H": "h", "D": "D"}
_FIXED_ALIASES["d"] = "D"
_CALENDAR_ALIASES = {
    "W": "W-SUN",  # pandas' weekly period ends on Sunday, so it starts on Monday
    "M": "M",
    "MS": "M",
    "ME": "M",
    "Q": "Q",
    "QS": "Q",
    "QE": "Q",
    "Y": "Y",
    "YS": "Y",
    "YE": "Y",
}
_FREQ = re.compile(r"\s*([0-9]*)\s*([A-Za-z]+(?:-[A-Za-z]{3})?)\s*", re.ASCII)
_ALLOWED_FREQS = (
    "a fixed step 's', 'min', 'h' or 'D' with an optional multiple ('15min', '6h'), or a "
    "calendar period 'W' (weeks from Monday), 'W-SAT' style anchors, 'M', 'Q' or 'Y'"
)


@dataclass(frozen=True)
class Periods:
    """Each row's period code (-1 when ``created_at`` is missing) and every period's start."""

    codes: np.ndarray
    starts: pd.DatetimeIndex

    @property
    def size(self) -> int:
        return len(self.starts)


def _parse_freq(freq: object) -> tuple[str, int | str]:
    """(kind, value): ("fixed", step in microseconds) or ("calendar", pandas period freq)."""
    match = _FREQ.fullmatch(freq) if isinstance(freq, str) else None
    if match:
        multiple = int(match.group(1) or 1)
        unit = match.group(2)
        if unit in _FIXED_ALIASES and multiple >= 1:
            return "fixed", multiple * _US[_FIXED_ALIASES[unit]]
        anchored = unit.upper().startswith("W-") and len(unit) == 5
        if multiple == 1 and (unit in _CALENDAR_ALIASES or anchored):
            return "calendar", unit.upper() if anchored else _CALENDAR_ALIASES[unit]
    raise InvalidQueryError(f"freq={freq!r} is not allowed; use {_ALLOWED_FREQS}")


def parse_freq(freq: object) -> tuple[str, int | str]:
    """What ``freq`` means: ``("fixed", step in microseconds)`` or ``("calendar", period)``.

    Engines bucket rows with it; an unknown ``freq`` is an
    :class:`~eachlabs_analytics.InvalidQueryError` saying what is allowed.

    >>> parse_freq("15min"), parse_freq("W")
    (('fixed', 900000000), ('calendar', 'W-SUN'))
    """
    return _parse_freq(freq)


def check_tz(tz: object) -> str:
    """The IANA zone name ``tz`` stands for (``"UTC"`` for None); refuses unknown zones.

    >>> check_tz(None), check_tz("Europe/Berlin")
    ('UTC', 'Europe/Berlin')
    """
    return _check_tz(tz)


def _check_tz(tz: object) -> str:
    if tz is None:
        return "UTC"
    try:
        pd.Timestamp("2026-01-01", tz=tz)
    except Exception as exc:  # pandas raises several types for a bad zone
        raise InvalidQueryError(
            f"tz={tz!r} is not a time zone; use an IANA name such as 'Europe/Berlin' or None "
            "for UTC"
        ) from exc
    return tz  # type: ignore[return-value]


def periods(created: pd.Series, freq: str = "D", tz: str | None = None) -> Periods:
    """Bucket timestamps into periods of ``freq`` in ``tz`` wall-clock time (UTC by default).

    Fixed steps are counted from the Unix epoch in local wall-clock time, so ``"D"`` starts at
    local midnight and ``"6h"`` at 00, 06, 12, 18. Around a DST change an hour of wall-clock
    time can hold two real hours (both land in it) or none (no period is listed for it).

    >>> ts = pd.Series(pd.to_datetime(["2026-03-01 23:30", "2026-03-03 01:00"], utc=True))
    >>> p = periods(ts, "D")
    >>> p.codes.tolist(), [str(s.date()) for s in p.starts]
    ([0, 2], ['2026-03-01', '2026-03-02', '2026-03-03'])
    """
    _parse_freq(freq)
    zone = _check_tz(tz)
    values = pd.Series(created, copy=False)
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        raise InvalidQueryError("created_at must hold tz-aware timestamps (the loader's UTC)")
    local = values.dt.tz_convert(zone).dt.tz_localize(None).astype("datetime64[us]")
    return _bucket(local, freq, zone)


def wall_periods(wall: np.ndarray, missing: np.ndarray, freq: str, tz: str | None) -> Periods:
    """:func:`periods` of wall-clock times already in ``tz`` (microseconds since the epoch),
    as an engine computes them: the same periods, starts and codes.

    >>> wall = np.array([0, 86_400_000_000 + 5])
    >>> p = wall_periods(wall, np.array([False, False]), "D", None)
    >>> p.codes.tolist(), p.size
    ([0, 1], 2)
    """
    naive = pd.Series(wall.astype("datetime64[us]"))
    naive[missing] = pd.NaT
    return _bucket(naive, freq, _check_tz(tz))


def _bucket(local: pd.Series, freq: str, zone: str) -> Periods:
    """Periods of naive wall-clock times (NaT for missing) in ``zone``."""
    kind, step = _parse_freq(freq)
    wall = local.to_numpy().view(np.int64)
    missing = local.isna().to_numpy(dtype=bool)
    if kind == "fixed":
        ordinal = np.floor_divide(wall, step)
    else:
        ordinal = local.dt.to_period(step).array.asi8.copy()
    if missing.all():
        return Periods(np.full(len(wall), -1, dtype=np.intp), _local_index([], zone))
    first, last = ordinal[~missing].min(), ordinal[~missing].max()
    codes = np.where(missing, -1, ordinal - first).astype(np.intp)
    span = np.arange(first, last + 1)
    if kind == "fixed":
        naive = pd.to_datetime(span * step, unit="us")
    else:
        naive = pd.PeriodIndex.from_ordinals(span, freq=step).to_timestamp(how="start")
    return Periods(codes, _local_index(naive, zone))


def _local_index(naive: object, zone: str) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(naive).as_unit("us")
    # a period starting in a DST gap (midnight skipped) starts when the clock resumes: its rows
    # are real, and NaT would drop the whole period
    index = index.tz_localize(
        zone, ambiguous=np.ones(len(index), dtype=bool), nonexistent="shift_forward"
    )
    return index.rename(PERIOD_INDEX)


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


def _grid(
    df: pd.DataFrame, helper: str, freq: str, by: str | None, tz: str | None
) -> tuple[Periods, Grouping, np.ndarray, np.ndarray]:
    """Periods, groups, and one (period, group) cell code per row with a creation time."""
    _rows.check_frame(df, helper, ["created_at", "status"])
    found = periods(df["created_at"], freq, tz)
    grouping = _rows.grouping_for(df, by, helper)
    dated = found.codes >= 0
    cells = combine(found.codes[dated], grouping.codes[dated], grouping.size)
    return found, grouping, cells, dated


def _attrs(df: pd.DataFrame, dated: np.ndarray, freq: str, tz: str | None) -> dict[str, object]:
    attrs = _rows.result_attrs(df)
    attrs.update(freq=freq, tz=tz or "UTC", rows_without_created_at=int((~dated).sum()))
    return attrs


@dataclass(frozen=True)
class _LazyGrid:
    """The partial rows of a selection placed on the (period, group) grid, and the attrs."""

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


def _lazy_grid(
    selection: _lazy.LazyExecutions,
    request: _lazy.PeriodCounts | _lazy.PeriodLatency,
    by: str | None,
    helper: str,
) -> _LazyGrid:
    table = selection.partials(request)
    wall, missing = _lazy.periods_of(table)
    found = wall_periods(wall, missing, request.freq, request.tz)
    grouping = _rows.partial_groups(table, by, helper)
    dated = found.codes >= 0
    cells = combine(found.codes[dated], grouping.codes[dated], grouping.size)
    attrs = _rows.lazy_attrs(selection.attrs, _lazy.overview(table))
    undated = int(_lazy.ints(table, "rows")[~dated].sum())
    attrs.update(freq=request.freq, tz=request.tz, rows_without_created_at=undated)
    return _LazyGrid(found, grouping, table, cells, dated, attrs)


def _lazy_request(
    helper: str, freq: str, tz: str | None, by: str | None = None
) -> _lazy.PeriodCounts:
    _parse_freq(freq)
    zone = _check_tz(tz)
    _rows.check_by(by, helper)
    return _lazy.PeriodCounts(freq, zone, by)


def cost_over_time(
    df: pd.DataFrame,
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
    if _lazy.is_lazy(df):
        top = _check_top(top)
        grid = _lazy_grid(df, _lazy_request("cost_over_time", freq, tz, by), by, "cost_over_time")
        found, grouping, nanos = grid.found, grid.grouping, grid.add_money("cost")
        attrs = grid.attrs
    else:
        _rows.check_frame(df, "cost_over_time", ["execution_cost"])
        top = _check_top(top)
        found, grouping, cells, dated = _grid(df, "cost_over_time", freq, by, tz)
        cost = money.to_nanos(_rows.floats(df, "execution_cost")[dated])
        nanos = money.group_nanos(cells, found.size * grouping.size, cost)
        nanos = nanos.reshape(found.size, grouping.size)
        attrs = _attrs(df, dated, freq, tz)
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
    df: pd.DataFrame,
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
    if _lazy.is_lazy(df):
        request = _lazy_request("error_rate_over_time", freq, tz, by)
        grid = _lazy_grid(df, request, by, "error_rate_over_time")
        found, grouping, attrs = grid.found, grid.grouping, grid.attrs
        executions, errors = grid.count("rows"), grid.count("errors")
    else:
        found, grouping, cells, dated = _grid(df, "error_rate_over_time", freq, by, tz)
        failed = (_rows.outcome_codes(df) == _rows.FAILED)[dated]
        size = found.size * grouping.size
        executions = counts(cells, size).reshape(found.size, grouping.size)
        errors = counts(cells[failed], size).reshape(found.size, grouping.size)
        attrs = _attrs(df, dated, freq, tz)
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
    df: pd.DataFrame,
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
    if _lazy.is_lazy(df):
        _parse_freq(freq)
        request = _lazy.PeriodLatency(freq, _check_tz(tz), metric, qs)
        grid = _lazy_grid(df, request, None, "latency_over_time")
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
    else:
        _rows.check_frame(df, "latency_over_time", [metric])
        found, _, _, dated = _grid(df, "latency_over_time", freq, None, tz)
        values = _rows.floats(df, metric)
        usable = latency_rows(_rows.outcome_codes(df), values) & dated
        codes, kept = found.codes[usable], values[usable]
        n = counts(codes, found.size)
        total = sums(codes, found.size, kept, skipna=False)
        table = grouped_percentiles(codes, found.size, kept, qs)
        attrs = _attrs(df, dated, freq, tz)
    columns: dict[str, np.ndarray] = {"count": n, "mean": _rows.rate(total, n)}
    for i, p in enumerate(qs):
        columns[percentile_column(p)] = table[:, i]
    out = pd.DataFrame(columns, index=found.starts)
    out = out.loc[out.index.notna()]
    out.attrs = attrs
    out.attrs.update(metric=metric, percentiles=list(qs))
    return out
