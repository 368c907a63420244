"""A selection of executions that holds no rows: a table expression, its window and filters.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=1_000, seed=2, end="2026-10-31T00:00:00Z")
>>> october = ea.scan_table(df, start="2026-10-15T00:00:00Z")
>>> october
Selection(duckdb, window 2026-10-15T00:00:00Z..2026-10-31T00:00:00Z, no filters)
>>> len(october.to_pandas()) == int((df["created_at"] >= "2026-10-15T00:00:00Z").sum())
True
"""

from __future__ import annotations

import copy
import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from eachlabs_analytics import schema
from eachlabs_analytics._util.timestamps import format_timestamp, parse_timestamp
from eachlabs_analytics.engines import queries
from eachlabs_analytics.engines.backends import (
    ARROW_COLUMNS,
    DuckDBEngine,
    Engine,
    SparkEngine,
    require_ibis,
)
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy

#: Partial tables up to this many rows are kept for reuse (groups, not rows).
_CACHE_MAX_ROWS = 100_000


class Selection:
    """Executions selected lazily: computed by an engine, never held in memory.

    Every analytics helper (``ea.cost_by_model(selection)``, ...) takes a selection and
    returns what it returns on ``selection.to_pandas()``, computed in the engine (one
    grouped query per helper) instead. Build one with ``ExecutionStore.scan(...)`` or
    :func:`scan_table`.

    ``attrs`` hold what a loaded frame's ``attrs`` hold (window, query, source), so results
    carry the same ``attrs`` on both paths.

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=500, seed=1, end="2026-10-31T00:00:00Z")
    >>> selection = ea.scan_table(df, model="veo-3")
    >>> int(ea.cost_by_model(selection)["executions"].sum()) == int((df["model"] == "veo-3").sum())
    True
    """

    def __init__(
        self,
        table: Any,
        engine: Engine,
        attrs: Mapping[str, Any] | None = None,
        *,
        files: Sequence[str] | None = None,
        rows: tuple[object, ...] | None = None,
    ) -> None:
        self._table = table
        self.engine = engine
        self.attrs: dict[str, Any] = copy.deepcopy(dict(attrs or {}))
        # partial aggregates already computed, while the files they came from are unchanged
        self._files = list(files) if files is not None else None
        # which rows of the files (the window and filters that narrowed them), so selections
        # of the same rows share what any of them computed; None: this selection's own
        self._rows = rows
        self._cache: dict[_lazy.Request, pa.Table] = {}
        self._signature: tuple[tuple[str, int, int], ...] | None = None

    def __repr__(self) -> str:
        window = self.attrs.get("window") or {}
        span = f"{window.get('start') or '...'}..{window.get('end') or '...'}"
        query = {k: v for k, v in (self.attrs.get("query") or {}).items() if v}
        shown = ", ".join(f"{k}={v}" for k, v in query.items()) or "no filters"
        return f"Selection({self.engine.name}, window {span}, {shown})"

    # --- what the helpers ask ----------------------------------------------------------------
    def partials(self, request: _lazy.Request) -> pa.Table:
        """The partial aggregates of one request (see :mod:`eachlabs_analytics.metrics.lazy`),
        computed by the engine in one query.

        A selection of Parquet files (``store.scan``) keeps small partial tables while its
        files are unchanged (same size and modification time), so helpers that need the same
        partials (``error_breakdown`` and ``latency_percentiles`` need the rows per group and
        status that ``cost_by_model`` computes) share one query. So do other selections of the
        same rows of the same files (another ``store.scan()`` with the same window and filters,
        or narrowed the same way): each request is asked of the engine once per set of rows.
        A sync that rewrites a file changes its signature and empties the cache.
        """
        signature = self._files_signature()
        if signature is None or signature != self._signature:
            self._signature = signature
            self._cache = _shared(self.engine.name, signature, self._rows)
        found = self._cached(request) if signature is not None else None
        if found is not None:
            return found
        result = self._compute(request)
        if signature is not None and result.num_rows <= _CACHE_MAX_ROWS:
            self._cache[request] = result
        return result

    def _cached(self, request: _lazy.Request) -> pa.Table | None:
        if request in self._cache:
            return self._cache[request]
        if isinstance(request, _lazy.GroupCounts) and not request.cost:
            wider = self._cache.get(_lazy.GroupCounts(request.by, cost=True))
            if wider is not None:
                return wider.drop_columns(["cost", "priced"])
        if isinstance(request, _lazy.GroupCounts) and request.by is None:
            # the totals are the sum over any grouping's rows: no second pass over the files
            for known, table in self._cache.items():
                if isinstance(known, _lazy.GroupCounts) and (known.cost or not request.cost):
                    return _ungrouped(table, cost=request.cost)
        return None

    def _files_signature(self) -> tuple[tuple[str, int, int], ...] | None:
        if self._files is None:
            return None
        try:
            stats = [(f, os.stat(f)) for f in self._files]
        except OSError:
            return None
        return tuple((f, st.st_mtime_ns, st.st_size) for f, st in stats)

    def _compute(self, request: _lazy.Request) -> pa.Table:
        t = self._table
        if isinstance(request, _lazy.GroupCounts):
            expr = queries.group_counts(t, request)
        elif isinstance(request, _lazy.Latency):
            expr = queries.latency(t, request)
        elif isinstance(request, _lazy.Workflows):
            expr = queries.workflows(t, request)
        elif isinstance(request, _lazy.PeriodCounts):
            expr = queries.period_counts(t, request, self.engine)
        elif isinstance(request, _lazy.PeriodLatency):
            expr = queries.period_latency(t, request, self.engine)
        elif isinstance(request, _lazy.Spans):
            expr = queries.spans(t, request)
        elif isinstance(request, _lazy.CreatedRange):
            expr = queries.created_range(t)
        else:  # pragma: no cover - a new request type without a query
            raise TypeError(f"no query for {type(request).__name__}")
        return self.engine.execute(expr)

    # --- rows, as a frame's answerer gives them (metrics.frame_partials.FramePartials) --------
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
    ) -> Selection:
        """The rows a filter keeps, in the engine
        (:func:`~eachlabs_analytics.engines.narrow.narrow`)."""
        from eachlabs_analytics.engines.narrow import narrow

        return narrow(
            self,
            start=start,
            end=end,
            models=models,
            status_groups=status_groups,
            error_classes=error_classes,
            workflows=workflows,
            no_workflow=no_workflow,
            attrs=attrs,
        )

    def combine(self, previous: Any, attrs: Mapping[str, Any] | None = None) -> Selection:
        """These rows then ``previous``'s, a repeated id kept once
        (:func:`eachlabs_analytics.engines.rows.combine`)."""
        from eachlabs_analytics.engines.rows import combine

        return combine(self, previous, attrs=attrs)

    def top_rows(self, column: str, n: int) -> pd.DataFrame:
        """The costliest rows (:func:`eachlabs_analytics.engines.rows.top_rows`)."""
        from eachlabs_analytics.engines.rows import top_rows

        return top_rows(self, column, n)

    def first_seen(self, column: str) -> list[Any]:
        """A column's values in first-seen order
        (:func:`eachlabs_analytics.engines.rows.first_seen`)."""
        from eachlabs_analytics.engines.rows import first_seen

        return first_seen(self, column)

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
        (:func:`eachlabs_analytics.engines.narrow.page`: only that page leaves the engine)."""
        from eachlabs_analytics.engines.narrow import page

        return page(self, text, sort=sort, descending=descending, number=number, size=size)

    # --- rows, when they are wanted -----------------------------------------------------------
    def to_ibis(self) -> Any:
        """The selection as an Ibis table expression (the schema's columns, filters applied)."""
        return self._table

    def count(self) -> int:
        """Rows in the selection (one ``COUNT(*)``).

        >>> import eachlabs_analytics as ea
        >>> ea.scan_table(ea.generate_executions(executions=50, seed=1)).count()
        50
        """
        return int(self.engine.execute(self._table.count()).as_py())

    def to_pandas(self) -> pd.DataFrame:
        """The rows as the loader's typed DataFrame, newest first (as ``ExecutionStore.load``).

        >>> import eachlabs_analytics as ea
        >>> df = ea.generate_executions(executions=50, seed=1, end="2026-10-31T00:00:00Z")
        >>> ea.scan_table(df).to_pandas().dtypes.equals(df.dtypes)
        True
        """
        table = self.engine.execute(self._table)
        frame = typed_frame(table)
        frame = frame.sort_values(
            ["created_at", "id"], ascending=[False, True], na_position="last", kind="stable"
        ).reset_index(drop=True)
        if not frame["id"].is_unique:
            frame = frame.drop_duplicates("id", keep="first").reset_index(drop=True)
        frame.attrs = copy.deepcopy(self.attrs)
        return frame

    # --- building ---------------------------------------------------------------------------
    @classmethod
    def from_parquet(
        cls,
        files: Sequence[str | os.PathLike[str]],
        *,
        engine: Engine | None = None,
        start: pd.Timestamp | None = None,
        end: pd.Timestamp | None = None,
        where: Mapping[str, Iterable[str]] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> Selection:
        """The executions in Parquet ``files`` with the schema's columns, created in ``[start,
        end)`` and whose columns hold one of the values in ``where`` (already checked)."""
        engine = engine or DuckDBEngine()
        paths = [os.fspath(f) for f in files]
        table = engine.read_parquet(paths)
        rows = ("files", start, end, tuple(sorted((k, tuple(v)) for k, v in (where or {}).items())))
        restricted = _restrict(table, start, end, where, engine.name)
        return cls(restricted, engine, attrs, files=paths, rows=rows)


#: Partial tables shared by the selections of the same rows of unchanged files: two
#: ``store.scan()`` of one store (a helper each, or a report after the Explorer) ask the
#: engine once per request. The last few row sets are kept (small tables: groups, not rows).
_SHARED: OrderedDict[tuple[object, ...], dict[_lazy.Request, pa.Table]] = OrderedDict()
_SHARED_MAX = 32


def forget_shared_partials() -> None:
    """Empty the partial tables that selections of the same rows share (a cold start: what a
    benchmark times on every run).

    >>> forget_shared_partials()
    >>> len(_SHARED)
    0
    """
    _SHARED.clear()


def _shared(
    engine: str, signature: tuple[object, ...] | None, rows: tuple[object, ...] | None
) -> dict[_lazy.Request, pa.Table]:
    """The partial tables already computed for these rows of these files (a new, empty dict
    for a selection whose rows have no name, or whose files cannot be read)."""
    if signature is None or rows is None:
        return {}
    key = (engine, signature, rows)
    found = _SHARED.pop(key, None)
    if found is None:
        found = {}
    _SHARED[key] = found
    while len(_SHARED) > _SHARED_MAX:
        _SHARED.popitem(last=False)
    return found


def _ungrouped(table: pa.Table, *, cost: bool) -> pa.Table:
    """A :class:`GroupCounts` partial table summed over its ``key``: the ``by=None`` one.

    >>> t = pa.table({"key": ["a", "b"], "status": ["success"] * 2,
    ...               "error_classification": [None, None], "rows": [2, 3]})
    >>> _ungrouped(t, cost=False).to_pylist()
    [{'status': 'success', 'error_classification': None, 'rows': 5}]
    """
    sums = ["rows", *(("cost", "priced") if cost else ())]
    keys = ["status", "error_classification"]
    out = table.group_by(keys, use_threads=False).aggregate([(c, "sum") for c in sums])
    out = out.select([*keys, *(f"{c}_sum" for c in sums)])
    return out.rename_columns([*keys, *sums])


def typed_frame(table: pa.Table) -> pd.DataFrame:
    """Arrow rows of a selection as the loader's typed frame (the schema's dtypes).

    >>> typed_frame(ARROW_COLUMNS.empty_table()).dtypes.equals(schema.empty_frame().dtypes)
    True
    """
    columns: dict[str, Any] = {}
    for name in schema.COLUMNS:
        column = table[name]
        if name in schema.TIMESTAMP_FIELDS:
            column = column.cast(pa.timestamp("us", tz="UTC"))
            columns[name] = pd.Series(column.to_pandas(), dtype=schema.TIMESTAMP_DTYPE)
        elif name in schema.FLOAT_FIELDS:
            values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
            columns[name] = pd.Series(np.asarray(values, dtype=np.float64))
        else:
            values = column.cast(pa.string()).to_pylist()
            if name == "status":
                dtype: Any = schema.status_dtype(v for v in values if v is not None)
            else:
                dtype = schema.DTYPES[name]
            if isinstance(dtype, pd.CategoricalDtype):
                allowed = set(dtype.categories)
                kept = [v if v in allowed else None for v in values]
                columns[name] = pd.Series(pd.Categorical(kept, dtype=dtype))
            else:
                columns[name] = pd.Series(pd.array(values, dtype=dtype))
    return pd.DataFrame(columns)


def _restrict(
    table: Any,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    where: Mapping[str, Iterable[str]] | None,
    engine_name: str,
) -> Any:
    missing = [c for c in schema.COLUMNS if c not in table.columns]
    if missing:
        raise InvalidQueryError(
            f"a selection needs the executions' columns; missing: {', '.join(missing)} "
            f"(columns: {', '.join(schema.COLUMNS)})"
        )
    table = table.select(*schema.COLUMNS)
    created = table.schema()["created_at"]
    if not created.is_timestamp() or (engine_name == "duckdb" and created.timezone is None):
        # a naive time could mean any zone on DuckDB (Spark's are UTC: Ibis sets the session)
        raise InvalidQueryError(
            f"created_at must be a UTC timestamp with a time zone (TIMESTAMPTZ), not {created}; "
            "cast it first: table.mutate(created_at=table.created_at.cast(\"timestamp('UTC')\"))"
        )
    conditions = []
    if start is not None:
        conditions.append(table.created_at >= queries.bound_literal(start))
    if end is not None:
        conditions.append(table.created_at < queries.bound_literal(end))
    for column, values in (where or {}).items():
        conditions.append(table[column].isin(list(values)))
    return table.filter(*conditions) if conditions else table


def scan_table(
    source: Any,
    *,
    start: Any = None,
    end: Any = None,
    model: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
    engine: Engine | None = None,
) -> Selection:
    """A lazy selection of any table with the executions' columns.

    ``source`` is an Ibis table (its own engine is used), a PySpark DataFrame (with a
    :class:`SparkEngine`), a Parquet file, folder or glob (read by ``engine``, DuckDB by
    default), a pandas DataFrame or an Arrow table (registered in ``engine``, without a copy
    for DuckDB). ``start``/``end`` select ``[start, end)`` of ``created_at`` (RFC 3339 strings or
    tz-aware datetimes); ``model``/``status`` keep rows with one of the values given.

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7, end="2026-10-31T00:00:00Z")
    >>> lazy, eager = ea.latency_percentiles(ea.scan_table(df)), ea.latency_percentiles(df)
    >>> pd.testing.assert_frame_equal(lazy, eager, rtol=1e-9)  # no output: equal
    """
    start_ts = None if start is None else parse_timestamp(start, "start")
    end_ts = None if end is None else parse_timestamp(end, "end")
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        raise InvalidQueryError(
            f"start ({format_timestamp(start_ts)}) must not be after end "
            f"({format_timestamp(end_ts)})"
        )
    where = {
        name: values
        for name, values in (
            ("model", _values(model, "model")),
            ("status", _values(status, "status")),
        )
        if values
    }
    attrs: dict[str, Any] = {}
    if isinstance(source, pd.DataFrame):
        attrs = copy.deepcopy(dict(source.attrs))
    engine, table = _table_of(source, engine)
    if start_ts is not None or end_ts is not None:
        window = dict(attrs.get("window") or {})
        if start_ts is not None:
            window["start"] = format_timestamp(start_ts)
        if end_ts is not None:
            window["end"] = format_timestamp(end_ts)
        attrs["window"] = window
    if where:
        attrs["query"] = {**(attrs.get("query") or {}), **{k: list(v) for k, v in where.items()}}
    return Selection(_restrict(table, start_ts, end_ts, where, engine.name), engine, attrs)


def _values(value: str | Iterable[str] | None, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    if not all(isinstance(v, str) and v for v in items):
        raise InvalidQueryError(f"{name} must be a string or a list of strings, not {value!r}")
    return tuple(sorted(set(items)))


def _table_of(source: Any, engine: Engine | None) -> tuple[Engine, Any]:
    if isinstance(source, (str, os.PathLike)):
        engine = engine or DuckDBEngine()
        path = Path(source)
        if path.is_dir():
            files = sorted(str(p) for p in path.rglob("*.parquet"))
        elif path.exists():
            files = [str(path)]
        else:
            files = sorted(str(p) for p in Path().glob(str(source)))
        return engine, engine.read_parquet(files)
    if isinstance(source, (pd.DataFrame, pa.Table)):
        engine = engine or DuckDBEngine()
        arrow = source if isinstance(source, pa.Table) else _arrow_of(source)
        return engine, engine.from_arrow(arrow)
    if type(source).__module__.startswith("pyspark"):
        engine = engine if isinstance(engine, SparkEngine) else SparkEngine(source.sparkSession)
        return engine, engine.from_spark(source)
    ibis = require_ibis()
    if isinstance(source, ibis.Table):
        backend = source._find_backend()
        if engine is None:
            engine = SparkEngine() if backend.name == "pyspark" else DuckDBEngine()
            engine._backend = backend  # the table's own connection, settings untouched
        return engine, source
    raise TypeError(
        "scan_table takes an Ibis table, a PySpark DataFrame, a Parquet path, a pandas "
        f"DataFrame or an Arrow table, not {type(source).__name__}"
    )


def _arrow_of(frame: pd.DataFrame) -> pa.Table:
    """A frame of executions as Arrow (status and class as strings, timestamps in UTC)."""
    missing = [c for c in schema.COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidQueryError(
            f"a selection needs the executions' columns; missing: {', '.join(missing)}"
        )
    plain = (
        frame[list(schema.COLUMNS)]
        .astype({"status": object, "error_classification": object})
        .reset_index(drop=True)
    )
    table = pa.Table.from_pandas(plain, schema=ARROW_COLUMNS, preserve_index=False)
    return table.replace_schema_metadata(None)
