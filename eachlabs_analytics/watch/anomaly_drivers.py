"""Drivers: the sub-groups that moved with a flagged period, largest share of the movement first.

Step 5 of :mod:`eachlabs_analytics.watch.anomalies`. Within the flagged group, each sub-group
of the other dimensions (error classes first for failures, then models and workflows:
:func:`_dimensions`) is compared with its own seasonal expectation; those that moved in the
anomaly's direction by more than their size explains (their share of the movement exceeds
their share of the expectation) and by more than their noise (beyond the share the other
sub-groups moved by, :data:`DRIVER_Z` times the spread of their residuals in the periods
before) are kept, until they explain :data:`DRIVER_SHARE` of the movement, at most
:data:`MAX_DRIVERS` per dimension. When none is and every sub-group moved by about the same
share (:func:`_across`), the dimension is reported "across the board" with that share
instead of naming its largest sub-group. The sub-tables come from the flagged group's rows
(:func:`_frame_sub_tables`) or a lazy selection's partial aggregates per (period, group,
sub-group) (:func:`_lazy_sub_tables`).

>>> _dimensions("error_rate", "model", ["model", "workflow_id", "error_classification"])
['error_classification', 'workflow_id']
>>> spend = np.tile([[10.0, 10.0]], (21, 1))
>>> spend[-1] = [10.0, 40.0]                      # model b spends four times its usual
>>> _drivers([_SubTable("model", pd.Index(["a", "b"]), spend)], np.full(21, 20.0), "spend",
...          20, 7, 1.0)
([{'by': 'model', 'group': 'b', 'change': 30.0, 'share': 1.0}], [])
>>> spend[-1] = [7.0, 7.0]                        # both spend 30 % less
>>> _drivers([_SubTable("model", pd.Index(["a", "b"]), spend)], np.full(21, 20.0), "spend",
...          20, 7, -1.0)
([], [{'by': 'model', 'change': -0.3}])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from eachlabs_analytics._util import money
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.grouping import combine, counts
from eachlabs_analytics.metrics.rows import latency_rows
from eachlabs_analytics.watch.anomaly_scores import _scale, _seasonal_median
from eachlabs_analytics.watch.anomaly_tables import (
    _Calendar,
    _Cells,
    _lazy_grid,
    _partials,
    _sorted,
)

#: Drivers kept per dimension: until they explain this share of the movement, at most 3.
DRIVER_SHARE = 0.8
MAX_DRIVERS = 3
#: A sub-group is named only when it moved beyond the share the others moved by, by this many
#: times the noise of that difference (its residuals' spread in the periods before).
DRIVER_Z = 3.0
#: "Across the board": the sub-groups that moved the same way, by about the same share, hold
#: at least this share of the expectation (and no sub-group moved beyond it).
ACROSS_SHARE = 0.8


def _dimensions(metric: str, by: str | None, columns: Sequence[str]) -> list[str]:
    base = ["model", "workflow_id"]
    if metric in ("failed", "error_rate"):
        base = ["error_classification", *base]
    return [d for d in base if d != by and d in columns]


@dataclass(frozen=True)
class _SubTable:
    """One dimension of a flagged group: its sub-groups' labels and, per period x sub-group,
    the measure the drivers compare (spend, executions, failures, or slow executions)."""

    dim: str
    labels: pd.Index
    table: np.ndarray


def _frame_sub_tables(
    cells: _Cells, in_group: np.ndarray, metric: str, limit: np.ndarray, dims: list[str]
) -> list[_SubTable]:
    """Per dimension, the measure per period x sub-group from the group's rows (``limit``:
    the expected p95 per period, above which an execution is slow)."""
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
            slow = usable & (values > limit[codes])
            table = counts(key[slow], n_cells) - 0.05 * counts(key[usable], n_cells)
        out.append(_SubTable(dim, grouping.labels, table.reshape(cells.n_periods, size)))
    return out


def _excess(
    change: np.ndarray, expected: np.ndarray, noise: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """How far each sub-group moved beyond the share the others moved by (``change - rate of
    the rest x expected``), and the noise of that (its own, and the rest's rate's)."""
    rest_change = change.sum() - change
    rest_expected = expected.sum() - expected
    some = rest_expected > 0
    rate = np.divide(rest_change, rest_expected, out=np.zeros_like(change), where=some)
    rest_noise = np.sqrt(np.maximum(np.square(noise).sum() - np.square(noise), 0.0))
    rate_noise = np.divide(rest_noise, rest_expected, out=np.zeros_like(change), where=some)
    return change - rate * expected, noise + expected * rate_noise


def _across(
    labels: pd.Index, change: np.ndarray, expected: np.ndarray, noise: np.ndarray, even: np.ndarray
) -> float | None:
    """The share every sub-group moved by, when the movement was spread evenly: named
    sub-groups (at least two) hold :data:`ACROSS_SHARE` of the expectation (not "all
    workflows" when most executions belong to none), so do those that moved the same way by
    about the same share as the rest (``even``), and it is not one sub-group's doing: without
    the largest, the others moved that way too, by more than :data:`DRIVER_Z` times their
    noise."""
    moved, usual = float(change.sum()), float(expected.sum())
    named = np.asarray(~pd.isna(labels), dtype=bool) & (expected > 0)
    if moved <= 0 or usual <= 0 or named.sum() < 2:
        return None
    if min(expected[named].sum(), expected[even & (change > 0)].sum()) < ACROSS_SHARE * usual:
        return None
    largest = int(np.argmax(expected))
    rest_noise = np.sqrt(max(float(np.square(noise).sum() - noise[largest] ** 2), 0.0))
    if moved - change[largest] <= DRIVER_Z * rest_noise:
        return None
    return moved / usual


def _drivers(
    tables: list[_SubTable],
    total: np.ndarray,
    metric: str,
    periods: int | Sequence[int] | np.ndarray,
    season: int,
    direction: float,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Sub-groups of the flagged group that moved with the anomaly, largest share first, and
    the dimensions along which it was spread evenly (``{"by", "change"}``, ``change`` the share
    every sub-group moved by: -0.3 is -30 %). ``total``: the group's executions per period;
    ``periods``: the flagged period, or the hours of a run (their movements add up)."""
    at = np.atleast_1d(np.asarray(periods, dtype=np.intp))
    found: list[tuple[float, int, dict[str, object]]] = []
    across: list[dict[str, object]] = []
    for rank, sub in enumerate(tables):
        table = sub.table
        expected: np.ndarray | None = None
        if metric.startswith("p95_"):
            # no baseline: slow executions beyond the 5 % a p95 allows
            change = np.nansum(table[at], axis=0)
        else:
            if metric == "error_rate":
                # failures per execution of the whole group: usual share x executions
                per_exec = table / np.maximum(total, 1)[:, None]
                usual = _seasonal_median(per_exec, season) * total[:, None]
            else:
                usual = _seasonal_median(table, season)
            residual = table - usual
            change = np.nansum(residual[at], axis=0)
            expected = np.nansum(usual[at], axis=0)
            spread = _scale(residual, 0.0, season)[at]
            noise = np.sqrt(np.nansum(np.square(spread), axis=0))
        change = change * direction
        moved = change > 0
        if not moved.any():
            continue
        share = change / change[moved].sum()
        # a driver moved more than its size explains: its share of the movement exceeds its
        # share of the baseline (a model with 40 % of usual spend and 40 % of the rise is not
        # the cause, it is the rise spread evenly), by more than its noise: beyond the share
        # the other sub-groups moved by, DRIVER_Z times the noise of that difference
        usual_share = np.zeros(len(share))
        beyond = np.ones(len(share), dtype=bool)
        even = np.zeros(len(share), dtype=bool)
        if expected is not None:
            expected = np.maximum(expected, 0.0)
            if expected.sum() > 0:
                usual_share = expected / expected.sum()
            excess, excess_noise = _excess(change, expected, noise)
            beyond = excess > DRIVER_Z * excess_noise
            even = np.abs(excess) <= DRIVER_Z * excess_noise
        kept, named = 0.0, 0
        for i in np.argsort(-share, kind="stable"):
            label = sub.labels[i]
            if share[i] <= usual_share[i] or not beyond[i] or pd.isna(label):
                continue
            if kept >= DRIVER_SHARE:
                break
            kept += share[i]
            named += 1
            entry = {
                "by": sub.dim,
                "group": str(label),
                "change": float(change[i] * direction),
                "share": round(float(share[i]), 4),
            }
            found.append((-float(share[i]), rank, entry))
            if named >= MAX_DRIVERS:
                break
        if named == 0 and expected is not None:
            relative = _across(sub.labels, change, expected, noise, even)
            if relative is not None:
                across.append({"by": sub.dim, "change": round(relative * direction, 4)})
    found.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in found], across


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
