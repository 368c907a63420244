"""What a lazy selection of executions must answer, so every helper accepts one.

A helper is split in two: the *partial aggregates* of its groups (counts, sums, exact
percentiles) and a *finish* step in pandas that turns them into the published columns. On a
DataFrame the partials come from the numpy grouping engine; on a lazy selection (a
:class:`LazyExecutions`, e.g. ``ExecutionStore.scan(...)``) the selection computes them in its
engine from one of the requests below, and the helper finishes them with the same code. The
definitions of the figures therefore live once, here in :mod:`eachlabs_analytics.metrics`.

A request names its groups (``by``), and the engine returns an Arrow table of *partial rows*,
one per combination of the keys the request lists, with these columns:

- ``key``: the value of ``by`` (a column's value, or the status group's name for
  ``by="status_group"``; missing values are null); absent when ``by`` is None.
- :class:`GroupCounts` only: ``status`` and ``error_classification``, the raw values (null
  when missing): the helpers map them to status groups and error classes with the schema, so
  the engine groups plain columns, and no ``key`` for ``by="status_group"`` (the status says it).
- ``period``: the wall-clock start (microseconds since the epoch, in ``tz``) of the row's
  period, null without ``created_at``; ``span``: 0 (previous) or 1 (current) or null.
- counts (int64) and sums (float64; NaN and null values skipped; a null sum means 0), except
  money: ``cost`` and ``run_cost`` are exact int64 sums of nano-dollars (:mod:`_util.money`),
  so the same selection gives the same cents whatever order its engine adds in;
  percentiles ``q0``, ``q1``... (linear interpolation, as ``np.percentile``; null for a group
  without a value).
- :data:`OVERVIEW` counts on the other requests (not :class:`Latency`), so a
  result's ``attrs`` are counted in the same query (for :class:`Spans`, on the rows whose
  ``span`` is null, which then stand for every row).

>>> GroupCounts(by="model").by
'model'
>>> OVERVIEW
('rows', 'in_flight_rows', 'error_rows', 'unclassified_errors')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, runtime_checkable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eachlabs_analytics import schema
from eachlabs_analytics._util import money

#: The partial columns that are exact sums of nano-dollars (int64).
MONEY: tuple[str, ...] = ("cost", "run_cost")
#: Counts every partial table carries (except :class:`GroupCounts`, which has the outcome).
OVERVIEW: tuple[str, ...] = ("rows", "in_flight_rows", "error_rows", "unclassified_errors")


@dataclass(frozen=True)
class GroupCounts:
    """Rows per (``key``, ``status``, ``error_classification``): ``rows``; with ``cost``,
    also ``cost`` (sum of ``execution_cost``) and ``priced`` (rows whose cost is known)."""

    by: str | None
    cost: bool = True


@dataclass(frozen=True)
class Latency:
    """Per ``key`` with at least one such row: ``count``, ``total`` and ``q0..`` of ``metric``
    over the rows a latency statistic uses (not in flight, or of ``outcome``; metric known).
    No overview: the helper takes the groups and the overview from a :class:`GroupCounts`."""

    by: str | None
    metric: str
    percentiles: tuple[float, ...]
    outcome: str | None = None


@dataclass(frozen=True)
class Workflows:
    """Per ``key`` (``workflow_id``, null for rows outside a workflow): ``runs`` (distinct
    ``workflow_execution_id``), ``executions``, ``cost``, and over the runs' costs (the sum of
    ``execution_cost`` of their rows): ``run_cost`` (their sum), ``q0`` (p50), ``q1`` (p95)."""

    by: str = "workflow_id"


@dataclass(frozen=True)
class PeriodCounts:
    """Per (``period``, ``key``): ``rows``, ``errors`` (failed rows), ``cost`` (unless
    ``cost=False``: a question about counts only leaves the money out).

    With ``sub`` (a column), also per ``sub_key`` (its value) within each key; with
    ``squares``, also ``cost_squares`` (sum of the squared costs). The anomaly detector needs
    both: the sub-groups that drove a flagged group's period, and the noise of spend (its
    variance is executions x E[price^2]).
    """

    freq: str
    tz: str
    by: str | None
    sub: str | None = None
    squares: bool = False
    cost: bool = True


@dataclass(frozen=True)
class PeriodLatency:
    """Per ``period`` (and ``key`` when ``by`` is given): ``count``, ``total``, ``q0..`` of
    ``metric`` over the rows a latency statistic uses (not in flight, or of ``outcome``;
    metric known). ``metric`` may be any float column: the price check asks for the daily
    median ``execution_cost`` of successful executions per model."""

    freq: str
    tz: str
    metric: str
    percentiles: tuple[float, ...]
    by: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class Spans:
    """Per (``span``, ``key``): ``rows``, ``cost``, ``errors`` and ``q0`` (p95 of ``metric``
    over latency rows) of the rows with ``spans[i][0] <= created_at < spans[i][1]`` (the spans
    may overlap); partial rows with a null ``span`` carry the overview of all rows."""

    spans: tuple[tuple[pd.Timestamp, pd.Timestamp], tuple[pd.Timestamp, pd.Timestamp]]
    by: str | None
    metric: str


@dataclass(frozen=True)
class CreatedRange:
    """One row: ``first`` and ``last`` ``created_at`` (null when no row has one)."""


Request = GroupCounts | Latency | Workflows | PeriodCounts | PeriodLatency | Spans | CreatedRange


@runtime_checkable
class LazyExecutions(Protocol):
    """A selection of executions that holds no rows and computes partials in its engine.

    ``attrs`` are what ``ExecutionStore.load`` would put on the frame of the same rows.
    """

    attrs: dict[str, Any]

    def partials(self, request: Request) -> pa.Table:
        """The partial rows of ``request`` (see the module's docstring)."""
        ...

    def count(self) -> int:
        """How many rows the selection holds."""
        ...


#: Columns a drill-down searches (literal text, any case): ``RowSource.page``.
SEARCHED = ("id", "model", "workflow_id", "workflow_execution_id")
#: Columns a drill-down can sort by.
SORTABLE = ("created_at", "execution_cost", "total_seconds", "queue_seconds", "model", "status")


class RowSource(LazyExecutions, Protocol):
    """What a face asks of the rows beyond partial aggregates: a frame's answerer
    (:class:`~eachlabs_analytics.metrics.frame_partials.FramePartials`) and a lazy selection
    (``engines.Selection``) both give it, so a face has one code path."""

    def narrow(
        self,
        *,
        start: pd.Timestamp | None = None,
        end: pd.Timestamp | None = None,
        models: Iterable[str] = (),
        status_groups: Iterable[str] = (),
        error_classes: Iterable[str] = (),
        workflows: Iterable[str] = (),
        no_workflow: bool = False,
        attrs: Mapping[str, Any] | None = None,
    ) -> RowSource:
        """The rows created in ``[start, end)`` with the models, status groups, error classes
        and workflows given."""
        ...

    def combine(self, previous: Any, attrs: Mapping[str, Any] | None = None) -> RowSource:
        """These rows then ``previous``'s, a repeated id kept once."""
        ...

    def top_rows(self, column: str, n: int) -> pd.DataFrame:
        """The ``n`` rows with the largest ``column``."""
        ...

    def first_seen(self, column: str) -> list[Any]:
        """A column's distinct values in the order they first appear."""
        ...

    def page(
        self,
        text: str = "",
        *,
        sort: str = "created_at",
        descending: bool = True,
        number: int = 0,
        size: int | None = 25,
    ) -> tuple[pd.DataFrame, int]:
        """Page ``number`` of the rows whose :data:`SEARCHED` columns contain ``text`` (any
        case, literally), sorted by ``sort`` (one of :data:`SORTABLE`, missing values last),
        and how many rows match; ``size=None``: every matching row."""
        ...

    def to_pandas(self) -> pd.DataFrame:
        """The rows."""
        ...


#: What every helper takes: a loaded DataFrame, or a lazy selection (``store.scan(...)``).
Executions: TypeAlias = "pd.DataFrame | LazyExecutions"


def is_lazy(df: object) -> bool:
    """Whether a helper was given a lazy selection rather than a DataFrame.

    >>> is_lazy(pd.DataFrame())
    False
    """
    return not isinstance(df, pd.DataFrame) and isinstance(df, LazyExecutions)


# --- reading partial tables ------------------------------------------------------------------
def ints(table: pa.Table, name: str) -> np.ndarray:
    """A count column as int64 (null counts as 0).

    >>> ints(pa.table({"n": [1, None]}), "n").tolist()
    [1, 0]
    """
    return np.asarray(pc.fill_null(table[name], 0).to_numpy(), dtype=np.int64)


def reals(table: pa.Table, name: str) -> np.ndarray:
    """A float column as float64 with NaN for null.

    >>> reals(pa.table({"x": [1.5, None]}), "x").tolist()
    [1.5, nan]
    """
    column = table[name].cast(pa.float64())
    return np.asarray(pc.fill_null(column, np.nan).to_numpy(), dtype=np.float64)


def sums(table: pa.Table, name: str) -> np.ndarray:
    """A sum column as float64 (a null sum, of nothing, is 0 as in ``np.bincount``); a money
    column (:data:`MONEY`) in dollars. To add money up across partial rows exactly, use
    :func:`nanos` and :func:`eachlabs_analytics._util.money.group_nanos`.

    >>> sums(pa.table({"x": [1.5, None]}), "x").tolist()
    [1.5, 0.0]
    """
    if name in MONEY:
        return dollars(table, name)
    column = table[name].cast(pa.float64())
    return np.asarray(pc.fill_null(column, 0.0).to_numpy(), dtype=np.float64)


def nanos(table: pa.Table, name: str) -> np.ndarray:
    """A money column as int64 nano-dollars (null counts 0); a float column of dollars (a
    table from elsewhere) is converted.

    >>> nanos(pa.table({"cost": [1_500_000_000, None]}), "cost").tolist()
    [1500000000, 0]
    """
    column = table[name]
    if pa.types.is_floating(column.type):
        return money.to_nanos(reals(table, name))
    return np.asarray(pc.fill_null(column.cast(pa.int64()), 0).to_numpy(), dtype=np.int64)


def dollars(table: pa.Table, name: str) -> np.ndarray:
    """A money column as float dollars, one value per partial row.

    >>> dollars(pa.table({"cost": [1_500_000_000, None]}), "cost").tolist()
    [1.5, 0.0]
    """
    return money.to_dollars(nanos(table, name))


def labels(table: pa.Table, name: str) -> list[Any]:
    """A key column as Python values (None for null).

    >>> labels(pa.table({"key": ["a", None]}), "key")
    ['a', None]
    """
    return table[name].to_pylist()


def typed_keys(values: list[object], column: str) -> pd.Series:
    """Key values typed as the column of a loaded frame, so groups get the same labels.

    >>> typed_keys(["success", "paused", None], "status").cat.categories[-1]
    'paused'
    """
    if column == "status":
        present = [v for v in values if isinstance(v, str)]
        dtype: Any = schema.status_dtype(present)
    elif column in schema.DTYPES:
        dtype = schema.DTYPES[column]
    else:  # a column of the user's own: its values as they are
        return pd.Series(values, dtype=object)
    if isinstance(dtype, pd.CategoricalDtype):
        # a value outside the categories is missing, as the loader makes it
        allowed = set(dtype.categories)
        kept = [v if v in allowed else None for v in values]
        return pd.Series(pd.Categorical(pd.array(kept, dtype=object), dtype=dtype))
    return pd.Series(pd.array(values, dtype=dtype))


def overview(table: pa.Table) -> dict[str, int]:
    """The :data:`OVERVIEW` counts summed over a partial table.

    >>> overview(pa.table({n: [1, 2] for n in OVERVIEW}))["rows"]
    3
    """
    return {name: int(ints(table, name).sum()) for name in OVERVIEW}


def periods_of(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """The ``period`` column as wall-clock microseconds (int64) and a mask of missing ones.

    >>> periods_of(pa.table({"period": pa.array([5, None], pa.int64())}))[1].tolist()
    [False, True]
    """
    column = table["period"]
    missing = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    wall = np.asarray(pc.fill_null(column, 0).to_numpy(), dtype=np.int64)
    return wall, missing
