"""Cost, latency and error aggregates per group: where the money goes, how fast, why it fails.

Each helper groups the rows once (integer codes) and aggregates with ``np.bincount`` and one
grouped selection for percentiles; see :mod:`eachlabs_analytics.metrics.grouping`. They are pure:
DataFrame in, new DataFrame out, with ``attrs`` saying what they were computed on.

>>> from eachlabs_analytics import schema
>>> cost_by_model(schema.empty_frame()).columns.tolist()
['executions', 'total_cost', 'mean_cost', 'share', 'succeeded', 'failed', 'failed_cost', \
'cost_per_success']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from eachlabs_analytics import schema
from eachlabs_analytics._util import money
from eachlabs_analytics._util.columns import workflow_name
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.frame_partials import answerer, check_by
from eachlabs_analytics.metrics.grouping import (
    Grouping,
    combine,
    group_by,
)
from eachlabs_analytics.metrics.lazy import Executions

#: Columns ``latency_percentiles(metric=...)`` accepts (seconds).
LATENCY_METRICS: tuple[str, ...] = (
    "queue_seconds",
    "execution_seconds",
    "total_seconds",
    "run_time",
)
#: Default percentiles of ``latency_percentiles``.
DEFAULT_PERCENTILES: tuple[float, ...] = (50, 90, 95, 99)
#: Groups with fewer latency samples than this are flagged ``low_count``.
DEFAULT_MIN_COUNT = 20
#: Column of error rows the loader could not classify (``error_classification`` is NA).
UNCLASSIFIED = "unclassified"

COST_BY_MODEL_COLUMNS: tuple[str, ...] = (
    "executions",
    "total_cost",
    "mean_cost",
    "share",
    "succeeded",
    "failed",
    "failed_cost",
    "cost_per_success",
)
COST_BY_WORKFLOW_COLUMNS: tuple[str, ...] = (
    "runs",
    "executions",
    "total_cost",
    "cost_per_run_mean",
    "cost_per_run_p50",
    "cost_per_run_p95",
)


def _frame(index: pd.Index, name: str | None, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    out = pd.DataFrame(columns, index=index)
    out.index.name = name
    return out


def _labels(grouping: Grouping) -> pd.Index:
    return pd.Index(grouping.labels)


# --- cost -----------------------------------------------------------------------------------
def cost_by_model(df: Executions, by: str | None = "model") -> pd.DataFrame:
    """Spend per model, with what failures cost and what one success really costs.

    One row per model present in ``df`` (``by=`` may name another column, e.g.
    ``"requested_model"``, ``"status_group"``, or ``None`` for one row "all"), sorted by
    ``total_cost`` descending, ties by name. Columns:

    - ``executions``: rows of the model, whatever their status (in-flight, cancelled and
      unknown statuses included).
    - ``total_cost``: sum of ``execution_cost`` (USD) over those rows; a missing cost counts 0.
    - ``mean_cost``: mean ``execution_cost`` over the rows whose cost is known (NaN if none).
    - ``share``: ``total_cost`` / the total over every row of ``df`` (NaN when that is 0).
    - ``succeeded`` / ``failed``: rows whose status is in the schema's succeeded group
      (success, completed) / failed group (error, failed).
    - ``failed_cost``: spend on the failed rows (USD), i.e. money that bought nothing.
    - ``cost_per_success``: ``total_cost`` / ``succeeded`` -- it *includes* the spend on
      failures, cancellations and everything else: what one success really costs. NaN when
      there is no success.

    ``attrs`` keep ``df``'s window/query and count the slice's rows, in-flight rows and
    unclassified errors. Empty input gives an empty frame with these columns.

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> table = ea.cost_by_model(df)
    >>> bool(abs(table["total_cost"].sum() - df["execution_cost"].sum()) < 1e-6)
    True
    >>> bool(table["total_cost"].is_monotonic_decreasing)
    True
    """
    source = answerer(df, "cost_by_model", ["status", "execution_cost"])
    check_by(source, by, "cost_by_model")
    table = source.partials(_lazy.GroupCounts(by))
    grouping = _rows.partial_groups(table, by, "cost_by_model")
    keys = combine(grouping.codes, _rows.partial_outcomes(table), len(_rows.OUTCOMES))
    cells = grouping.size * len(_rows.OUTCOMES)
    per_outcome = _rows.per_group_counts(keys, cells, _lazy.ints(table, "rows"))
    spent = money.group_nanos(keys, cells, _lazy.nanos(table, "cost"))
    priced = _rows.per_group_counts(grouping.codes, grouping.size, _lazy.ints(table, "priced"))
    attrs = _rows.lazy_attrs(source.attrs, _rows.outcome_overview(table))
    out = _cost_table(grouping, by, per_outcome, spent, priced)
    out.attrs = attrs
    return out


def _cost_table(
    grouping: Grouping,
    by: str | None,
    per_outcome: np.ndarray,
    spent: np.ndarray,
    priced: np.ndarray,
) -> pd.DataFrame:
    """cost_by_model's columns from rows and spend (exact nano-dollars) per (group, outcome)
    and priced rows."""
    size, n_out = grouping.size, len(_rows.OUTCOMES)
    per_outcome = per_outcome.reshape(size, n_out)
    spent_nanos = spent.reshape(size, n_out)
    total_nanos = spent_nanos.sum(axis=1)
    total = money.to_dollars(total_nanos)
    succeeded = per_outcome[:, _rows.SUCCEEDED]
    out = _frame(
        _labels(grouping),
        by,
        {
            "executions": per_outcome.sum(axis=1),
            "total_cost": total,
            "mean_cost": _rows.rate(total, priced),
            "share": _rows.rate(total_nanos, np.full(size, total_nanos.sum())),
            "succeeded": succeeded,
            "failed": per_outcome[:, _rows.FAILED],
            "failed_cost": money.to_dollars(spent_nanos[:, _rows.FAILED]),
            "cost_per_success": _rows.rate(total, succeeded),
        },
    )
    return _rows.sort_groups(out, ["total_cost"])


def cost_by_workflow(df: Executions, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Spend per workflow, and what one run of it costs.

    Only rows triggered by a workflow (``workflow_id`` present) count; one row per
    ``workflow_id`` (the index, also when names are given), sorted by ``total_cost``
    descending. A *run* is one ``workflow_execution_id`` of that workflow; its cost is the sum
    of ``execution_cost`` over its executions (any status; a missing cost counts 0). Columns:

    - ``name`` (only when ``names`` is given, first): the workflow's name in ``names``
      (``{workflow_id: name}``: ``ea.workflow_names()`` or the names a store cached), on one
      line; NA for an id ``names`` lacks (a deleted workflow). Faces write a workflow as
      :func:`~eachlabs_analytics._util.columns.workflow_label` does: ``"name (wf_...)"``.
    - ``runs``: distinct ``workflow_execution_id`` values of the workflow.
    - ``executions``: rows of the workflow (rows without a run id included).
    - ``total_cost``: sum of ``execution_cost`` over those rows (USD).
    - ``cost_per_run_mean`` / ``_p50`` / ``_p95``: mean, median and 95th percentile (linear
      interpolation, as ``np.percentile``) of run costs; NaN for a workflow with no run id.

    ``attrs["rows_without_workflow"]`` counts the rows left out.

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> table = ea.cost_by_workflow(df)
    >>> int(table["executions"].sum()) == int(df["workflow_id"].notna().sum())
    True
    >>> first = table.index[0]
    >>> ea.cost_by_workflow(df, names={first: "Product shots"})["name"].tolist()[:2]
    ['Product shots', <NA>]
    """
    checked = _check_names(names)
    source = answerer(
        df,
        "cost_by_workflow",
        ["workflow_id", "workflow_execution_id", "execution_cost", "status"],
    )
    table = source.partials(_lazy.Workflows())
    workflows = _rows.partial_groups(table, "workflow_id", "cost_by_workflow")
    size = workflows.size
    codes = workflows.codes
    runs = _rows.per_group_counts(codes, size, _lazy.ints(table, "runs"))
    executions = _rows.per_group_counts(codes, size, _lazy.ints(table, "executions"))
    total = money.to_dollars(money.group_nanos(codes, size, _lazy.nanos(table, "cost")))
    run_cost = money.to_dollars(money.group_nanos(codes, size, _lazy.nanos(table, "run_cost")))
    stats = _rows.per_group_values(
        codes, size, np.column_stack([_lazy.reals(table, "q0"), _lazy.reals(table, "q1")])
    )
    attrs = _rows.lazy_attrs(source.attrs, _lazy.overview(table))
    outside = workflows.labels.isna()
    keep = ~np.asarray(outside, dtype=bool)
    without = int(executions[~keep].sum())
    out = _workflow_table(
        workflows.labels[keep],
        runs[keep],
        executions[keep],
        total[keep],
        run_cost[keep],
        stats[keep],
    )
    if checked is not None:
        known = [workflow_name(w, checked) for w in out.index]
        out.insert(0, "name", pd.array(known, dtype=schema.STRING_DTYPE))
    out.attrs = attrs
    out.attrs["rows_without_workflow"] = without
    return out


def _check_names(names: object) -> Mapping[str, str] | None:
    """``names`` as given, refused unless None or a mapping of workflow ids to names."""
    if names is None:
        return None
    if not isinstance(names, Mapping) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in names.items()
    ):
        raise InvalidQueryError(
            f"cost_by_workflow: names={names!r} is not allowed; use None or a mapping of "
            "workflow ids to names, e.g. ea.workflow_names() or {'wf_77f9098da0': 'Ad video'}"
        )
    return names


def _workflow_table(
    labels: pd.Index,
    runs: np.ndarray,
    executions: np.ndarray,
    total: np.ndarray,
    run_cost: np.ndarray,
    stats: np.ndarray,
) -> pd.DataFrame:
    """cost_by_workflow's columns from runs, rows, spend, the runs' spend and p50/p95."""
    out = _frame(
        pd.Index(labels),
        "workflow_id",
        {
            "runs": runs,
            "executions": executions,
            "total_cost": total,
            "cost_per_run_mean": _rows.rate(run_cost, runs),
            "cost_per_run_p50": stats[:, 0],
            "cost_per_run_p95": stats[:, 1],
        },
    )
    return _rows.sort_groups(out, ["total_cost"])


# --- latency --------------------------------------------------------------------------------
def percentile_column(p: float) -> str:
    """Column name of a percentile: ``p50``, ``p99.9``.

    >>> percentile_column(50), percentile_column(99.9)
    ('p50', 'p99.9')
    """
    return f"p{p:g}"


def check_percentiles(percentiles: Sequence[float] | float) -> tuple[float, ...]:
    """The percentiles asked for, as floats; refuses values outside 0-100 and duplicates."""
    if isinstance(percentiles, (int, float)):
        percentiles = (percentiles,)
    try:
        values = tuple(float(p) for p in percentiles)
    except (TypeError, ValueError):
        values = ()
        bad = True
    else:
        bad = not all(0 <= p <= 100 for p in values)
    if bad or len({percentile_column(p) for p in values}) != len(values):
        raise InvalidQueryError(
            f"percentiles={percentiles!r} is not allowed; give distinct numbers between 0 and "
            "100, e.g. (50, 90, 95, 99)"
        )
    return values


def latency_percentiles(
    df: Executions,
    by: str | None = "model",
    metric: str = "total_seconds",
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    *,
    min_count: int = DEFAULT_MIN_COUNT,
    outcome: str | None = None,
) -> pd.DataFrame:
    """How long executions take, per group: count, mean and percentiles of ``metric``.

    ``metric`` is one of ``queue_seconds`` (created -> started), ``execution_seconds``
    (started -> completed), ``total_seconds`` (created -> completed, end to end) or
    ``run_time`` (the API's own figure). Rows in flight (created, starting, processing,
    running) and rows where the metric is NaN are left out; succeeded, failed, cancelled and
    unknown statuses all count unless ``outcome`` names one status group (``"succeeded"``,
    ``"failed"``, ``"cancelled"``, ``"other"``). One row per group present in ``df`` (a group
    with no usable row has ``count`` 0 and NaN statistics), sorted by ``count`` descending.
    Columns:

    - ``count``: rows used; ``mean``: their mean, in seconds.
    - ``p50``, ``p90``, ... one per percentile: linear interpolation between the closest
      ranks, exactly ``np.percentile``'s default; seconds.
    - ``low_count``: True when ``count`` < ``min_count`` (too few rows to trust the tail).

    >>> import numpy as np, eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> table = ea.latency_percentiles(df, by=None)
    >>> done = df.loc[~df["status"].isin(["created", "starting", "processing", "running"])]
    >>> expected = np.percentile(done["total_seconds"].dropna(), 95)
    >>> bool(table.loc["all", "p95"] == expected)
    True
    """
    source = answerer(df, "latency_percentiles", ["status"])
    if metric not in LATENCY_METRICS:
        raise InvalidQueryError(
            f"metric={metric!r} is not a latency column; allowed: {', '.join(LATENCY_METRICS)}"
        )
    source = answerer(df, "latency_percentiles", [metric])
    allowed_outcomes = [o for o in _rows.OUTCOMES if o != "in_flight"]
    if outcome is not None and outcome not in allowed_outcomes:
        raise InvalidQueryError(
            f"outcome={outcome!r} is not allowed; use None or one of {', '.join(allowed_outcomes)} "
            "(rows in flight never count)"
        )
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)):
        raise InvalidQueryError(f"min_count must be an integer >= 0, not {min_count!r}")
    qs = check_percentiles(percentiles)
    check_by(source, by, "latency_percentiles")
    groups = source.partials(_lazy.GroupCounts(by, cost=False))
    table = source.partials(_lazy.Latency(by, metric, qs, outcome))
    # the groups of every row (some have no latency row), then the latency rows' ones
    both = pa.concat_tables([_keys_of(groups, by), _keys_of(table, by)])
    grouping = _rows.partial_groups(both, by, "latency_percentiles")
    size = grouping.size
    codes = grouping.codes[groups.num_rows :]
    n = _rows.per_group_counts(codes, size, _lazy.ints(table, "count"))
    total = _rows.per_group(codes, size, _lazy.sums(table, "total"))
    stats = _rows.per_group_values(codes, size, _quantile_columns(table, qs))
    attrs = _rows.lazy_attrs(source.attrs, _rows.outcome_overview(groups))
    columns: dict[str, np.ndarray] = {"count": n, "mean": _rows.rate(total, n)}
    for i, p in enumerate(qs):
        columns[percentile_column(p)] = stats[:, i]
    columns["low_count"] = n < min_count
    out = _rows.sort_groups(_frame(_labels(grouping), by, columns), ["count"])
    out.attrs = attrs
    out.attrs.update(metric=metric, percentiles=list(qs), min_count=int(min_count))
    return out


def _keys_of(table: pa.Table, by: str | None) -> pa.Table:
    """The group keys of partial rows as one ``key`` column (the status group's name for
    ``by="status_group"``), so two partial tables can be grouped together."""
    if by is None:
        return pa.table({"key": pa.array([None] * table.num_rows, pa.string())})
    if "key" in table.column_names:
        return pa.table({"key": table["key"]})
    names = [_rows.OUTCOMES[code] for code in _rows.partial_outcomes(table)]
    return pa.table({"key": pa.array(names, pa.string())})


def _quantile_columns(table: pa.Table, qs: Sequence[float]) -> np.ndarray:
    """The ``q0, q1, ...`` columns of a partial table as one (rows, len(qs)) array."""
    columns = [_lazy.reals(table, f"q{i}") for i in range(len(qs))]
    rows = table.num_rows
    return np.column_stack(columns) if columns else np.empty((rows, 0))


# --- errors ---------------------------------------------------------------------------------
def _class_order(labels: Sequence[object]) -> list[int]:
    """Positions of class labels: the schema's order first, unknown classes after, sorted."""
    known: dict[object, int] = {c: i for i, c in enumerate(schema.ERROR_CLASSES)}
    return sorted(
        range(len(labels)),
        key=lambda i: (known.get(labels[i], len(known)), str(labels[i])),
    )


def error_breakdown(
    df: Executions, by: str | None = "model", *, all_classes: bool = False
) -> pd.DataFrame:
    """Why executions fail, per group: failed rows by error class, and the error rate.

    One row per group present in ``df``, sorted by ``errors`` then ``executions`` descending.
    Columns:

    - one per error class present among the failed rows of ``df`` (all ten with
      ``all_classes=True``), in the schema's order: failed rows of that class. Classes count
      only on failed rows (status error/failed).
    - ``unclassified`` (only when some exist): failed rows whose class is unknown (NA); the
      class columns plus this one add up to ``errors``.
    - ``errors``: failed rows (status in the schema's failed group: error, failed).
    - ``executions``: every row of the group, whatever its status (in flight included).
    - ``error_rate``: ``errors / executions`` (NaN for a group without rows).

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> table = ea.error_breakdown(df)
    >>> int(table["errors"].sum()) == int(df["status"].isin(["error", "failed"]).sum())
    True
    """
    source = answerer(df, "error_breakdown", ["status", "error_classification"])
    check_by(source, by, "error_breakdown")
    table = source.partials(_lazy.GroupCounts(by, cost=False))
    grouping = _rows.partial_groups(table, by, "error_breakdown")
    classes = group_by(_rows.partial_classes(table))
    failed = _rows.partial_outcomes(table) == _rows.FAILED
    n = _lazy.ints(table, "rows")
    cells = combine(grouping.codes[failed], classes.codes[failed], classes.size)
    by_class = _rows.per_group_counts(cells, grouping.size * classes.size, n[failed])
    executions = _rows.per_group_counts(grouping.codes, grouping.size, n)
    attrs = _rows.lazy_attrs(source.attrs, _rows.outcome_overview(table))
    out = _error_table(grouping, classes, by_class, executions, by, all_classes)
    out.attrs = attrs
    return out


def _error_table(
    grouping: Grouping,
    classes: Grouping,
    by_class: np.ndarray,
    executions: np.ndarray,
    by: str | None,
    all_classes: bool,
) -> pd.DataFrame:
    """error_breakdown's columns from failed rows per (group, class) and rows per group."""
    size = grouping.size
    by_class = by_class.reshape(size, classes.size)
    errors = by_class.sum(axis=1)
    labels = list(classes.labels)
    columns: dict[str, np.ndarray] = {}
    totals = by_class.sum(axis=0)
    named = {labels[i]: by_class[:, i] for i in _class_order(labels) if isinstance(labels[i], str)}
    if all_classes:
        for name in schema.ERROR_CLASSES:
            columns[name] = named.pop(name, np.zeros(size, dtype=np.int64))
    for name, column in named.items():
        if all_classes or column.sum() > 0:
            columns[name] = column
    missing = [i for i, label in enumerate(labels) if not isinstance(label, str)]
    if missing and totals[missing].sum() > 0:
        columns[UNCLASSIFIED] = by_class[:, missing].sum(axis=1)
    columns.update(errors=errors, executions=executions, error_rate=_rows.rate(errors, executions))
    out = _rows.sort_groups(_frame(_labels(grouping), by, columns), ["errors", "executions"])
    out.columns.name = "error_classification"
    return out
