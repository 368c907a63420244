"""The metric per whole period x group, the matrices anomaly detection judges.

The calendar first: the whole periods from the window's start to the one holding ``as_of``
(both left out when partial), and the season (7 days, 168 hours, none for weeks and
months). Then per period and group: spend, executions, failures, the error rate or a p95
(NaN below :data:`MIN_LATENCY_ROWS` usable rows), from a frame's rows (:func:`_table`) or,
over a lazy selection, from grouped partial aggregates (:func:`_lazy_tables`, from
:class:`~eachlabs_analytics.metrics.lazy.PeriodCounts`). Groups come in label order, missing
last (:func:`_sorted`), so ties read the same whatever the order of the rows.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=2_000, seed=3, end="2026-10-31T00:00:00Z")
>>> cal = _calendar(df, "D", pd.Timestamp("2026-10-30T12:00Z"))
>>> len(cal.starts), cal.season, str(cal.starts[-1].date()), str(cal.in_progress.date())
(89, 7, '2026-10-29', '2026-10-30')
>>> cells = _cells(df, cal)
>>> spend, executions = _table(cells, np.zeros(len(cells.rows), np.intp), 1, "spend")
>>> spend.shape, int(executions.sum()) == len(cells.rows)
((89, 1), True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from eachlabs_analytics._util import money
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.grouping import (
    Grouping,
    combine,
    counts,
    grouped_percentiles,
)
from eachlabs_analytics.metrics.rows import latency_rows
from eachlabs_analytics.watch._frame import TOTAL, first_full_day

#: A period and group with fewer usable rows than this has no p95 (NaN, not judged): it
#: would rest on its two slowest.
MIN_LATENCY_ROWS = 40

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


def _sorted(grouping: Grouping) -> Grouping:
    """The groups in label order (missing last): ties are then listed in the same order
    whatever the order of the rows, on a frame or from a selection's partial rows."""
    labels = list(grouping.labels)
    order = sorted(range(len(labels)), key=lambda i: (bool(pd.isna(labels[i])), str(labels[i])))
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order), dtype=np.intp)
    codes = rank[grouping.codes.astype(np.intp)] if len(order) else grouping.codes
    return Grouping(codes, grouping.labels.take(order))


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
