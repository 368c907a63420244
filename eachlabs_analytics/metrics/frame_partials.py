"""An in-memory frame that answers the selections' protocol: the partial aggregates in numpy.

Every helper asks a selection for partial aggregates (:mod:`eachlabs_analytics.metrics.lazy`)
and finishes them in pandas. A lazy selection (``ExecutionStore.scan``) computes them in its
engine; a DataFrame is wrapped in a :class:`FramePartials`, which computes the same partial
rows with the numpy grouping engine (:mod:`eachlabs_analytics.metrics.grouping`). So each
figure has one definition and one code path, whatever holds the rows: :func:`answerer` is the
only place that asks which.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=500, seed=1)
>>> table = answerer(df, "example", ["status"]).partials(_lazy.GroupCounts(by="model"))
>>> sum(table["rows"].to_pylist()) == len(df)
True
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from eachlabs_analytics import schema
from eachlabs_analytics._util import money
from eachlabs_analytics.metrics import frame_rows
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.buckets import periods
from eachlabs_analytics.metrics.grouping import (
    Grouping,
    category_slots,
    combine,
    counts,
    encode,
    group_by,
    grouped_percentiles,
    sums,
)

#: Columns a request reads beyond the ones its helper checks (``status`` always).
_READS: dict[type, tuple[str, ...]] = {
    _lazy.GroupCounts: ("status",),
    _lazy.Latency: ("status",),
    _lazy.Workflows: ("status", "workflow_id", "workflow_execution_id", "execution_cost"),
    _lazy.PeriodCounts: ("status", "created_at"),
    _lazy.PeriodLatency: ("status", "created_at"),
    _lazy.Spans: ("status", "created_at", "execution_cost"),
    _lazy.CreatedRange: ("created_at",),
}


def answerer(
    source: pd.DataFrame | _lazy.LazyExecutions,
    helper: str,
    columns: Iterable[str] = (),
    *,
    encoded: Iterable[str] = (),
) -> _lazy.LazyExecutions:
    """What answers ``helper``'s partial requests on ``source``: a lazy selection answers them
    itself; a DataFrame, checked to hold ``columns``, is wrapped in a :class:`FramePartials`
    (with the ``encoded`` columns made categoricals first: a face that narrows the frame
    again and again groups on their codes).

    >>> answerer(pd.DataFrame({"model": []}), "cost_by_model", ["status"])
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: cost_by_model needs the column(s) \
['status'], so the frame is missing the column(s) it needs; pass the DataFrame load_executions \
returns (columns: id, model, requested_model, status, workflow_id, workflow_execution_id, \
execution_cost, run_time, created_at, started_at, completed_at, output, error_classification, \
queue_seconds, execution_seconds, total_seconds)
    """
    if _lazy.is_lazy(source):
        return source  # type: ignore[return-value]
    frame = _rows.check_frame(source, helper, columns)
    encoded = tuple(encoded)
    return FramePartials(encode(frame, encoded) if encoded else frame, helper)


def unwrapped(source: _lazy.LazyExecutions) -> Any:
    """What a user is handed back for a source: a frame's answerer gives its frame, a
    selection stays itself (its rows stay in the engine).

    >>> frame = pd.DataFrame({"id": ["a"]})
    >>> unwrapped(answerer(frame, "x")) is frame
    True
    """
    return source.frame if isinstance(source, FramePartials) else source


def rows_of(source: pd.DataFrame | _lazy.RowSource, helper: str) -> _lazy.RowSource:
    """What answers a face's row-level questions on ``source`` (``narrow``, ``combine``,
    ``top_rows``, ``first_seen``): a frame's answerer, or the selection itself.

    >>> rows_of(pd.DataFrame({"workflow_id": ["b", "a", "b"]}), "x").first_seen("workflow_id")
    ['b', 'a']
    """
    return answerer(source, helper)  # type: ignore[return-value]


def check_by(source: _lazy.LazyExecutions, by: str | None, helper: str) -> None:
    """Refuse a ``by=`` that names no column of ``source`` (a frame's own columns, or the
    schema's for a selection), before any request is computed.

    >>> check_by(FramePartials(pd.DataFrame({"team": ["a"]})), "team", "cost_by_model")
    >>> check_by(FramePartials(pd.DataFrame({"team": ["a"]})), "modle", "cost_by_model")
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: cost_by_model: by='modle' is not a column; \
allowed: None, 'status_group' or one of team
    """
    frame = source.frame if isinstance(source, FramePartials) else schema.empty_frame()
    _rows.check_by_column(frame, by, helper)


class FramePartials:
    """The partial aggregates of a DataFrame's rows, computed with numpy as an engine would.

    The partial rows are those :mod:`eachlabs_analytics.metrics.lazy` defines, with one
    difference that no helper can see: groups come in the frame's order, not sorted. What is
    computed once per frame (each row's outcome, the status and error-class codes, the costs
    in nano-dollars, each request's answer) is kept for the next request: the frame must not
    change while its answerer lives (a report holds one for its dozen helpers).

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=300, seed=3)
    >>> range_ = FramePartials(df).partials(_lazy.CreatedRange())
    >>> range_["first"][0].as_py() == df["created_at"].min()
    True
    """

    def __init__(self, frame: pd.DataFrame, helper: str = "partials") -> None:
        self.frame = frame
        self.helper = helper
        self.attrs: dict[str, Any] = frame.attrs
        self._grouped: dict[str | None, Grouping] = {}
        self._answers: dict[_lazy.Request, pa.Table] = {}

    def __repr__(self) -> str:
        return f"FramePartials({len(self.frame)} rows)"

    def count(self) -> int:
        """The frame's rows."""
        return len(self.frame)

    def to_pandas(self) -> pd.DataFrame:
        """The frame itself."""
        return self.frame

    # --- rows, as a selection's methods of the same names give them ---------------------------
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
    ) -> FramePartials:
        """The rows created in ``[start, end)`` with one of the models, status groups, error
        classes and workflows given (:func:`~eachlabs_analytics.metrics.frame_rows.narrow_mask`),
        in their order; ``attrs`` replace the frame's (default: kept)."""
        models, status_groups = tuple(models), tuple(status_groups)
        error_classes, workflows = tuple(error_classes), tuple(workflows)
        kept = (models, status_groups, error_classes, workflows)
        if start is None and end is None and not no_workflow and not any(kept):
            out = self.frame.copy(deep=False)  # no condition: the rows, not copied
            if attrs is not None:
                out.attrs = copy.deepcopy(dict(attrs))
            return FramePartials(out, self.helper)
        mask = frame_rows.narrow_mask(
            self.frame,
            start=start,
            end=end,
            models=models,
            status_groups=status_groups,
            error_classes=error_classes,
            workflows=workflows,
            no_workflow=no_workflow,
        )
        out = self.frame.loc[mask]
        if attrs is not None:
            out.attrs = copy.deepcopy(dict(attrs))
        return FramePartials(out, self.helper)

    def combine(self, previous: Any, attrs: Mapping[str, Any] | None = None) -> FramePartials:
        """These rows then ``previous``'s, a repeated id kept once (these win), in the columns
        the helpers read (:func:`~eachlabs_analytics.metrics.frame_rows.concat_periods`), the
        model column encoded once; ``attrs`` are the result's (default: none). A selection's
        rows are loaded (the report's previous period, or the days before it)."""
        other = unwrapped(answerer(previous, "combine"))
        if not isinstance(other, pd.DataFrame):
            other = other.to_pandas()
        both = encode(frame_rows.concat_periods(self.frame, other))
        both.attrs = copy.deepcopy(dict(attrs or {}))
        return FramePartials(both, self.helper)

    def top_rows(self, column: str, n: int) -> pd.DataFrame:
        """The ``n`` rows with the largest ``column`` (missing left out), largest first, ties
        newest first, then in frame order
        (:func:`~eachlabs_analytics.metrics.frame_rows.top_positions`)."""
        return self.frame.iloc[frame_rows.top_positions(self.frame, column, n)]

    def first_seen(self, column: str) -> list[Any]:
        """The distinct values of ``column`` in the order they first appear."""
        return frame_rows.first_seen(self.frame, column)

    def page(
        self,
        text: str = "",
        *,
        sort: str = "created_at",
        descending: bool = True,
        number: int = 0,
        size: int | None = 25,
    ) -> tuple[pd.DataFrame, int]:
        """One page of the rows a search keeps, and how many match
        (:func:`~eachlabs_analytics.metrics.frame_rows.page_rows`)."""
        return frame_rows.page_rows(
            self.frame, text, sort=sort, descending=descending, number=number, size=size
        )

    def partials(self, request: _lazy.Request) -> pa.Table:
        """The partial rows of ``request`` (see :mod:`eachlabs_analytics.metrics.lazy`)."""
        needed = list(_READS[type(request)])
        metric = getattr(request, "metric", None)
        if metric is not None:
            needed.append(metric)
        _rows.check_frame(self.frame, self.helper, needed)
        if request not in self._answers:
            self._answers[request] = self._answer(request)
        return self._answers[request]

    def _answer(self, request: _lazy.Request) -> pa.Table:
        if isinstance(request, _lazy.GroupCounts):
            return self._group_counts(request)
        if isinstance(request, _lazy.Latency):
            return self._latency(request)
        if isinstance(request, _lazy.Workflows):
            return self._workflows()
        if isinstance(request, _lazy.PeriodCounts):
            return self._period_counts(request)
        if isinstance(request, _lazy.PeriodLatency):
            return self._period_latency(request)
        if isinstance(request, _lazy.Spans):
            return self._spans(request)
        if isinstance(request, _lazy.CreatedRange):
            return self._created_range()
        raise TypeError(f"no answer for {type(request).__name__}")  # pragma: no cover

    # --- what every request reads, computed once ----------------------------------------------
    @cached_property
    def outcomes(self) -> np.ndarray:
        """Each row's outcome code (:data:`~eachlabs_analytics.metrics.rows.OUTCOMES`)."""
        return _rows.outcome_codes(self.frame)

    @cached_property
    def statuses(self) -> Grouping:
        return _raw_codes(self.frame["status"])

    @cached_property
    def classes(self) -> Grouping:
        if "error_classification" not in self.frame.columns:
            return Grouping(np.zeros(len(self.frame), dtype=np.uint8), pd.Index([pd.NA]))
        return _raw_codes(self.frame["error_classification"])

    @cached_property
    def costs(self) -> np.ndarray:
        """``execution_cost`` as float64 (NaN for missing)."""
        if "execution_cost" not in self.frame.columns:
            return np.full(len(self.frame), np.nan)
        return _rows.floats(self.frame, "execution_cost")

    @cached_property
    def cost_nanos(self) -> np.ndarray:
        return money.to_nanos(self.costs)

    @cached_property
    def flags(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows in flight, failed rows, failed rows without a known error class."""
        failed = self.outcomes == _rows.FAILED
        missing = self._class_missing()
        return self.outcomes == _rows.IN_FLIGHT, failed, failed & missing

    def _class_missing(self) -> np.ndarray:
        labels = self.classes.labels
        unknown = np.array([not isinstance(v, str) for v in labels] or [True], dtype=bool)
        return unknown[self.classes.codes]

    def _groups(self, by: str | None) -> Grouping:
        """The rows' groups of ``by`` (``status_group``: the outcomes present), grouped once
        per frame: a helper asking two requests by the same column factorizes it once."""
        if by not in self._grouped:
            if by == _rows.STATUS_GROUP:
                self._grouped[by] = _rows.outcome_grouping(self.outcomes)
            else:
                self._grouped[by] = _rows.grouping_for(self.frame, by, self.helper)
        return self._grouped[by]

    def _metric(self, metric: str) -> np.ndarray:
        return _rows.floats(self.frame, metric)

    # --- the requests --------------------------------------------------------------------------
    def _group_counts(self, request: _lazy.GroupCounts) -> pa.Table:
        by = request.by
        keyed = by not in (None, _rows.STATUS_GROUP)
        groups = self._groups(by if keyed else None)
        status, classes = self.statuses, self.classes
        pair = combine(status.codes, classes.codes, classes.size)
        cells = combine(groups.codes, pair, status.size * classes.size)
        size = groups.size * status.size * classes.size
        rows = counts(cells, size)
        present = np.flatnonzero(rows)
        key, rest = np.divmod(present, status.size * classes.size)
        status_code, class_code = np.divmod(rest, classes.size)
        columns: dict[str, pa.Array] = {}
        if keyed:
            columns["key"] = _arrow(groups.labels, key)
        columns["status"] = _arrow(status.labels, status_code)
        columns["error_classification"] = _arrow(classes.labels, class_code)
        columns["rows"] = pa.array(rows[present], pa.int64())
        if request.cost:
            cost = money.group_nanos(cells, size, self.cost_nanos)
            priced = counts(cells[~np.isnan(self.costs)], size)
            columns["cost"] = pa.array(cost[present], pa.int64())
            columns["priced"] = pa.array(priced[present], pa.int64())
        return pa.table(columns)

    def _latency(self, request: _lazy.Latency) -> pa.Table:
        groups = self._groups(request.by)
        values = self._metric(request.metric)
        usable = _rows.latency_rows(self.outcomes, values, request.outcome)
        codes, kept = groups.codes[usable], values[usable]
        n = counts(codes, groups.size)
        total = sums(codes, groups.size, kept, skipna=False)
        stats = grouped_percentiles(codes, groups.size, kept, request.percentiles)
        present = np.flatnonzero(n) if request.by is not None else np.arange(groups.size)
        columns = _keys(groups, present, request.by)
        columns["count"] = pa.array(n[present], pa.int64())
        columns["total"] = pa.array(total[present], pa.float64())
        columns.update(_quantiles(stats[present]))
        return pa.table(columns)

    def _workflows(self) -> pa.Table:
        frame = self.frame
        workflows = group_by(frame["workflow_id"])
        size = workflows.size
        run_ids = group_by(frame["workflow_execution_id"])
        has_run = frame["workflow_execution_id"].notna().to_numpy(dtype=bool)
        # a run is a (workflow, run id) pair; its workflow is the one of its rows
        pair = combine(workflows.codes[has_run], run_ids.codes[has_run], run_ids.size)
        run_codes, run_keys = pd.factorize(pair)
        n_runs = len(run_keys)
        run_nanos = money.group_nanos(run_codes, n_runs, self.cost_nanos[has_run])
        run_workflow = np.zeros(n_runs, dtype=np.intp)
        run_workflow[run_codes] = workflows.codes[has_run]
        codes = workflows.codes
        columns = {"key": _arrow(workflows.labels, np.arange(size))}
        columns["runs"] = pa.array(counts(run_workflow, size), pa.int64())
        columns["executions"] = pa.array(counts(codes, size), pa.int64())
        columns["cost"] = pa.array(money.group_nanos(codes, size, self.cost_nanos), pa.int64())
        run_cost = money.group_nanos(run_workflow, size, run_nanos)
        columns["run_cost"] = pa.array(run_cost, pa.int64())
        stats = grouped_percentiles(run_workflow, size, money.to_dollars(run_nanos), (50, 95))
        columns.update(_quantiles(stats))
        columns.update(self._overview(codes, size, np.arange(size)))
        return pa.table(columns)

    def _period_counts(self, request: _lazy.PeriodCounts) -> pa.Table:
        found = periods(self.frame["created_at"], request.freq, request.tz)
        groups = self._groups(request.by)
        sub = self._groups(request.sub) if request.sub is not None else None
        cells, size, decode = _cells(found.codes, groups, sub)
        present = np.flatnonzero(counts(cells, size))
        columns = decode(present, found.walls, request.by, request.sub)
        failed = self.flags[1]
        columns["errors"] = pa.array(counts(cells[failed], size)[present], pa.int64())
        if request.cost:
            cost = money.group_nanos(cells, size, self.cost_nanos)
            columns["cost"] = pa.array(cost[present], pa.int64())
        if request.squares:
            squares = sums(cells, size, self.costs * self.costs)
            columns["cost_squares"] = pa.array(squares[present], pa.float64())
        columns.update(self._overview(cells, size, present))
        return pa.table(columns)

    def _period_latency(self, request: _lazy.PeriodLatency) -> pa.Table:
        found = periods(self.frame["created_at"], request.freq, request.tz)
        groups = self._groups(request.by) if request.by is not None else None
        cells, size, decode = _cells(found.codes, groups, None)
        present = np.flatnonzero(counts(cells, size))
        values = self._metric(request.metric)
        usable = _rows.latency_rows(self.outcomes, values, request.outcome)
        codes, kept = cells[usable], values[usable]
        columns = decode(present, found.walls, request.by, None)
        columns["count"] = pa.array(counts(codes, size)[present], pa.int64())
        columns["total"] = pa.array(sums(codes, size, kept, skipna=False)[present], pa.float64())
        stats = grouped_percentiles(codes, size, kept, request.percentiles)
        columns.update(_quantiles(stats[present]))
        columns.update(self._overview(cells, size, present))
        return pa.table(columns)

    def _spans(self, request: _lazy.Spans) -> pa.Table:
        groups = self._groups(request.by)
        size = groups.size
        created = self.frame["created_at"]
        values = self._metric(request.metric)
        usable = _rows.latency_rows(self.outcomes, values)
        failed = self.flags[1]
        parts = []
        for i, (start, end) in enumerate(request.spans):
            inside = ((created >= start) & (created < end)).to_numpy(dtype=bool, na_value=False)
            codes = groups.codes[inside]
            n = counts(codes, size)
            present = np.flatnonzero(n)
            latency = inside & usable
            p95 = grouped_percentiles(groups.codes[latency], size, values[latency], (95,))
            part = _keys(groups, present, request.by)
            part["span"] = pa.array(np.full(len(present), i), pa.int64())
            part["cost"] = pa.array(
                money.group_nanos(codes, size, self.cost_nanos[inside])[present], pa.int64()
            )
            part["errors"] = pa.array(counts(groups.codes[inside & failed], size)[present])
            part["q0"] = pa.array(p95[present, 0], pa.float64(), from_pandas=True)
            part["rows"] = pa.array(n[present], pa.int64())
            for name in _lazy.OVERVIEW[1:]:
                part[name] = pa.array(np.zeros(len(present), dtype=np.int64))
            parts.append(pa.table(part))
        present = np.flatnonzero(counts(groups.codes, size))
        whole = _keys(groups, present, request.by)
        whole["span"] = pa.nulls(len(present), pa.int64())
        whole["cost"] = pa.array(np.zeros(len(present), dtype=np.int64))
        whole["errors"] = pa.array(np.zeros(len(present), dtype=np.int64))
        whole["q0"] = pa.nulls(len(present), pa.float64())
        whole.update(self._overview(groups.codes, size, present))
        parts.append(pa.table(whole))
        return pa.concat_tables(parts, promote_options="default")

    def _created_range(self) -> pa.Table:
        created = self.frame["created_at"].dropna()
        first, last = (None, None) if created.empty else (created.min(), created.max())
        kind = schema.ARROW_TIMESTAMP
        return pa.table({"first": pa.array([first], kind), "last": pa.array([last], kind)})

    @cached_property
    def flag_codes(self) -> np.ndarray:
        """Each row's overview flag: 0 none, 1 in flight, 2 failed with a class, 3 failed
        without one (in flight and failed never meet), so one count gives all four."""
        in_flight, failed, unclassified = self.flags
        code = in_flight.astype(np.uint8)
        code += failed.astype(np.uint8) * 2
        code += unclassified.astype(np.uint8)
        return code

    def _overview(self, codes: np.ndarray, size: int, present: np.ndarray) -> dict[str, pa.Array]:
        """The :data:`~eachlabs_analytics.metrics.lazy.OVERVIEW` counts per group code."""
        by_flag = counts(combine(codes, self.flag_codes, 4), size * 4).reshape(size, 4)[present]
        counted = {
            "rows": by_flag.sum(axis=1),
            "in_flight_rows": by_flag[:, 1],
            "error_rows": by_flag[:, 2] + by_flag[:, 3],
            "unclassified_errors": by_flag[:, 3],
        }
        return {name: pa.array(values, pa.int64()) for name, values in counted.items()}


def _raw_codes(values: pd.Series) -> Grouping:
    """Codes of a column whose values are only passed on (status, error class): a categorical's
    own codes, one lookup per row, every category a label whether it occurs or not (only the
    cells holding rows become partial rows), missing values the last label.

    >>> g = _raw_codes(pd.Series(pd.Categorical(["b", None], categories=["a", "b"])))
    >>> g.codes.tolist(), g.labels.tolist()
    ([1, 2], ['a', 'b', <NA>])
    """
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return group_by(values)
    categories = values.array.categories
    slots, n_slots = category_slots(values)
    ncat = len(categories)
    lookup = np.minimum(np.arange(n_slots), ncat).astype(np.uint8 if ncat < 255 else np.intp)
    labels = pd.Index(list(categories) + [pd.NA], dtype=object)
    return Grouping(lookup[slots], labels)


def _arrow(labels: pd.Index, positions: np.ndarray) -> pa.Array:
    """Group labels at ``positions`` as an Arrow column (null for a missing label)."""
    values = labels.to_numpy(dtype=object)
    known = [v for v in values if not _missing(v)]
    # typed by the labels, not by the rows picked: an empty key column is still a string one
    kind = pa.array(known[:1]).type if known else pa.string()
    return pa.array([None if _missing(v) else v for v in values[positions]], type=kind)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _keys(groups: Grouping, present: np.ndarray, by: str | None) -> dict[str, pa.Array]:
    """The ``key`` column of the groups at ``present`` (none for ``by=None``)."""
    return {} if by is None else {"key": _arrow(groups.labels, present)}


def _quantiles(stats: np.ndarray) -> dict[str, pa.Array]:
    """``q0, q1, ...`` columns from a (groups, percentiles) array (NaN becomes null)."""
    return {
        f"q{i}": pa.array(stats[:, i], pa.float64(), from_pandas=True)
        for i in range(stats.shape[1])
    }


def _cells(
    period_codes: np.ndarray, groups: Grouping | None, sub: Grouping | None
) -> tuple[np.ndarray, int, Any]:
    """One cell code per row for (period, group, sub-group), the number of cells, and how to
    turn present cells back into ``period``, ``key`` and ``sub_key`` columns. Rows without
    ``created_at`` get period slot 0 and a null ``period``."""
    n_groups = groups.size if groups is not None else 1
    n_sub = sub.size if sub is not None else 1
    slot = period_codes + 1  # -1 (no created_at) -> 0
    n_periods = int(slot.max()) + 1 if len(slot) else 1
    cells = combine(slot, groups.codes if groups is not None else np.zeros_like(slot), n_groups)
    if sub is not None:
        cells = combine(cells, sub.codes, n_sub)
    size = n_periods * n_groups * n_sub

    def decode(
        present: np.ndarray, walls: np.ndarray, by: str | None, sub_by: str | None
    ) -> dict[str, pa.Array]:
        rest, sub_code = np.divmod(present, n_sub)
        period_slot, group_code = np.divmod(rest, n_groups)
        dated = period_slot > 0
        wall = np.where(dated, walls[np.maximum(period_slot - 1, 0)] if len(walls) else 0, 0)
        columns = {"period": pa.array(wall, pa.int64(), mask=~dated)}
        if by is not None and groups is not None:
            columns["key"] = _arrow(groups.labels, group_code)
        if sub_by is not None and sub is not None:
            columns["sub_key"] = _arrow(sub.labels, sub_code)
        return columns

    return cells, size, decode
