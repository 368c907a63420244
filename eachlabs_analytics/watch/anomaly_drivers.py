"""Drivers: the sub-groups that moved with a flagged period, largest share of the movement first.

Step 5 of :mod:`eachlabs_analytics.watch.anomalies`. Within the flagged group, each sub-group
of the other dimensions (error classes first for failures, then models and workflows:
:func:`_dimensions`) is compared with its own seasonal expectation; those that moved in the
anomaly's direction by more than their size explains (their share of the movement exceeds
their share of the expectation) are kept, until they explain :data:`DRIVER_SHARE` of the
movement, at most :data:`MAX_DRIVERS` per dimension. The sub-tables come from the flagged
group's rows (:func:`_frame_sub_tables`) or a lazy selection's partial aggregates per
(period, group, sub-group) (:func:`_lazy_sub_tables`).

>>> _dimensions("error_rate", "model", ["model", "workflow_id", "error_classification"])
['error_classification', 'workflow_id']
>>> spend = np.tile([[10.0, 10.0]], (21, 1))
>>> spend[-1] = [10.0, 40.0]                      # model b spends four times its usual
>>> _drivers([_SubTable("model", pd.Index(["a", "b"]), spend)], np.full(21, 20.0), "spend",
...          20, 7, 1.0)
[{'by': 'model', 'group': 'b', 'change': 30.0, 'share': 1.0}]
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
from eachlabs_analytics.watch.anomaly_scores import _seasonal_median
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
