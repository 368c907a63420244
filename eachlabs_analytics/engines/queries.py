"""The partial aggregates of :mod:`eachlabs_analytics.metrics.lazy`, as Ibis expressions.

One function per request, each one grouped query. What a row *is* comes from the schema and
is never retyped: status groups (``CASE`` generated from ``schema.STATUS_GROUPS``), the ten
error classes (``schema.ERROR_CLASSES``; any other value counts as unclassified, as in a
loaded frame), rows in flight (left out of latency). A NaN cost or duration counts as missing,
as the numpy helpers skip it.

>>> from eachlabs_analytics import schema
>>> sorted(STATUS_GROUP_OF)[:2] == sorted(schema.KNOWN_STATUSES)[:2]
True
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics import over_time as _over_time
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.lazy import OVERVIEW

#: Status -> status group, from the schema.
STATUS_GROUP_OF: dict[str, str] = {
    status: group for group, statuses in schema.STATUS_GROUPS.items() for status in statuses
}
DAY_US = 86_400_000_000
#: Weekday (Monday 0) of 1970-01-01, day 0 of the epoch.
EPOCH_WEEKDAY = 3
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def _ibis() -> Any:
    import ibis

    return ibis


# --- what a row is -------------------------------------------------------------------------
def outcome(t: Any) -> Any:
    """The status group's name (unknown and missing statuses: ``other``)."""
    ibis = _ibis()
    branches = [(t.status.isin(list(s)), group) for group, s in schema.STATUS_GROUPS.items()]
    return ibis.cases(*branches, else_=schema.UNKNOWN_STATUS_GROUP)


def is_outcome(t: Any, name: str) -> Any:
    """Whether a row's status is in the group ``name`` (never null)."""
    if name == schema.UNKNOWN_STATUS_GROUP:
        return ~t.status.isin(list(schema.KNOWN_STATUSES)).fill_null(False)
    return t.status.isin(list(schema.STATUS_GROUPS[name])).fill_null(False)


def error_class(t: Any) -> Any:
    """The error class when it is one of the schema's ten, else null."""
    ibis = _ibis()
    column = t.error_classification
    return ibis.ifelse(
        column.isin(list(schema.ERROR_CLASSES)).fill_null(False), column, ibis.null("string")
    )


def known(values: Any) -> Any:
    """A float column with NaN as null (the numpy helpers skip both)."""
    ibis = _ibis()
    return ibis.ifelse(values.isnan().fill_null(False), ibis.null("float64"), values)


def latency_rows(t: Any, metric: str, outcome_name: str | None = None) -> Any:
    """The rows a latency statistic uses: not in flight (or of ``outcome_name``), metric
    known -- :func:`eachlabs_analytics.metrics.aggregates.latency_rows` on rows."""
    kept = ~is_outcome(t, "in_flight") if outcome_name is None else is_outcome(t, outcome_name)
    return kept & known(t[metric]).notnull()


def group_key(t: Any, by: str | None) -> dict[str, Any]:
    """The ``key`` column of ``by`` (none for ``None``)."""
    if by is None:
        return {}
    if by == _rows.STATUS_GROUP:
        return {"key": outcome(t)}
    return {"key": t[by]}


def grouped(t: Any, keys: dict[str, Any], **measures: Any) -> Any:
    """``t`` aggregated per ``keys`` (over all rows when there are none: one partial row)."""
    return t.group_by(**keys).aggregate(**measures) if keys else t.aggregate(**measures)


def overview(t: Any) -> dict[str, Any]:
    """The counts behind a result's ``attrs`` (rows, in flight, failed, failed unclassified)."""
    failed = is_outcome(t, "failed")
    return {
        "rows": t.count(),
        "in_flight_rows": t.count(where=is_outcome(t, "in_flight")),
        "error_rows": t.count(where=failed),
        "unclassified_errors": t.count(where=failed & error_class(t).isnull()),
    }


def _quantiles(values: Any, percentiles: tuple[float, ...], where: Any) -> Any:
    return values.quantile([p / 100 for p in percentiles], where=where)


def _unpack(expr: Any, list_column: str, count: int) -> Any:
    """Spread a list of quantiles into ``q0``, ``q1``... columns."""
    if not count:
        return expr.drop(list_column)
    columns = {f"q{i}": expr[list_column][i] for i in range(count)}
    return expr.mutate(**columns).drop(list_column)


# --- periods ---------------------------------------------------------------------------------
def _posmod(a: Any, b: int) -> Any:
    """``a mod b`` in ``[0, b)`` for negative ``a`` too (SQL's ``%`` truncates)."""
    return ((a % b) + b) % b


def period_start(t: Any, engine: Any, freq: str, zone: str) -> Any:
    """The wall-clock start of each row's period (microseconds since the epoch, in ``zone``),
    as :func:`eachlabs_analytics.metrics.over_time.periods` buckets rows."""
    kind, step = _over_time.parse_freq(freq)
    if kind == "fixed":
        wall = engine.wall_micros(t.created_at, zone)
        return wall - _posmod(wall, int(step))
    if isinstance(step, str) and step.startswith("W-"):
        wall = engine.wall_micros(t.created_at, zone)
        day = (wall - _posmod(wall, DAY_US)) // DAY_US
        # a week ending on weekday e starts on e + 1
        first = (_WEEKDAYS.index(step[2:]) + 1) % 7
        start = day - _posmod(day + EPOCH_WEEKDAY - first, 7)
        return start * DAY_US
    unit = {"M": "M", "Q": "Q", "Y": "Y"}[str(step)]
    return engine.epoch_micros(engine.local_time(t.created_at, zone).truncate(unit))


# --- the requests ----------------------------------------------------------------------------
def group_counts(t: Any, request: _lazy.GroupCounts) -> Any:
    keys = {**group_key(t, request.by), "outcome": outcome(t), "error_class": error_class(t)}
    measures: dict[str, Any] = {"rows": t.count()}
    if request.cost:
        cost = known(t.execution_cost)
        measures.update(cost=cost.sum(), priced=cost.count())
    return grouped(t, keys, **measures)


def latency(t: Any, request: _lazy.Latency) -> Any:
    usable = latency_rows(t, request.metric, request.outcome)
    values = t[request.metric]
    expr = grouped(
        t,
        group_key(t, request.by),
        count=t.count(where=usable),
        total=values.sum(where=usable),
        qs=_quantiles(values, request.percentiles, usable),
        **overview(t),
    )
    return _unpack(expr, "qs", len(request.percentiles))


def workflows(t: Any, request: _lazy.Workflows) -> Any:
    runs = t.group_by(key=t.workflow_id, run=t.workflow_execution_id).aggregate(
        executions=t.count(),
        cost=known(t.execution_cost).sum(),
        **overview(t),
    )
    has_run = runs.run.notnull()
    run_cost = runs.cost.fill_null(0.0)
    expr = runs.group_by("key").aggregate(
        runs=runs.count(where=has_run),
        executions=runs.executions.sum(),
        cost=runs.cost.sum(),
        run_cost=run_cost.sum(where=has_run),
        qs=run_cost.quantile([0.5, 0.95], where=has_run),
        **{name: runs[name].sum() for name in OVERVIEW},
    )
    return _unpack(expr, "qs", 2)


def period_counts(t: Any, request: _lazy.PeriodCounts, engine: Any) -> Any:
    keys = {"period": period_start(t, engine, request.freq, request.tz)}
    keys.update(group_key(t, request.by))
    return grouped(
        t,
        keys,
        errors=t.count(where=is_outcome(t, "failed")),
        cost=known(t.execution_cost).sum(),
        **overview(t),
    )


def period_latency(t: Any, request: _lazy.PeriodLatency, engine: Any) -> Any:
    usable = latency_rows(t, request.metric)
    values = t[request.metric]
    expr = t.group_by(period=period_start(t, engine, request.freq, request.tz)).aggregate(
        count=t.count(where=usable),
        total=values.sum(where=usable),
        qs=_quantiles(values, request.percentiles, usable),
        **overview(t),
    )
    return _unpack(expr, "qs", len(request.percentiles))


def spans(t: Any, request: _lazy.Spans) -> Any:
    """Each span aggregated over its own rows (spans may overlap), and the overview over all."""
    ibis = _ibis()
    parts = []
    zero = ibis.literal(0, "int64")
    for i, (start, end) in enumerate(request.spans):
        inside = t.filter(t.created_at >= _utc(start), t.created_at < _utc(end))
        usable = latency_rows(inside, request.metric)
        part = grouped(
            inside,
            group_key(inside, request.by),
            rows=inside.count(),
            cost=known(inside.execution_cost).sum(),
            errors=inside.count(where=is_outcome(inside, "failed")),
            q0=inside[request.metric].quantile(0.95, where=usable),
        )
        part = part.mutate(
            span=ibis.literal(i, "int64"),
            **{name: zero for name in OVERVIEW if name != "rows"},
        )
        parts.append(part)
    whole = grouped(t, group_key(t, request.by), **overview(t))
    whole = whole.mutate(
        span=ibis.null("int64"),
        cost=ibis.literal(0.0, "float64"),
        errors=zero,
        q0=ibis.null("float64"),
    )
    names = [*(["key"] if request.by is not None else []), "span", "cost", "errors", "q0"]
    names += list(OVERVIEW)
    return ibis.union(*[part.select(*names) for part in [*parts, whole]])


def created_range(t: Any) -> Any:
    return t.aggregate(first=t.created_at.min(), last=t.created_at.max())


def _utc(value: pd.Timestamp) -> Any:
    """A bound of a half-open window as a microsecond literal: on microsecond data,
    ``x >= t`` is ``x >= ceil(t)`` and ``x < t`` is ``x < ceil(t)``, so rounding up is exact."""
    ibis = _ibis()
    bound = pd.Timestamp(value).tz_convert("UTC").ceil("us")
    return ibis.literal(bound.to_pydatetime(), "timestamp('UTC')")
