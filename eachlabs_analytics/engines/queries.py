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
from eachlabs_analytics._util.money import NANOS
from eachlabs_analytics.metrics import buckets as _buckets
from eachlabs_analytics.metrics import lazy as _lazy
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
    """Whether a row's status is in the group ``name`` (null, i.e. not counted, for a missing
    status unless ``name`` is ``other``)."""
    if name == schema.UNKNOWN_STATUS_GROUP:
        return t.status.isnull() | ~t.status.isin(list(schema.KNOWN_STATUSES))
    return t.status.isin(list(schema.STATUS_GROUPS[name]))


def finished(t: Any) -> Any:
    """Not in flight (a missing or unknown status is not in flight). Never null."""
    return t.status.isnull() | ~t.status.isin(list(schema.IN_FLIGHT_STATUSES))


def unclassified(t: Any) -> Any:
    """No error class the schema knows (a loaded frame has NA there too). Never null."""
    column = t.error_classification
    return column.isnull() | ~column.isin(list(schema.ERROR_CLASSES))


def is_known(values: Any) -> Any:
    """A float is known: not null and not NaN (NaN compares above infinity in DuckDB and
    Spark, null compares as null: one comparison rules both out)."""
    ibis = _ibis()
    return values <= ibis.literal(float("inf"), "float64")


def known(values: Any) -> Any:
    """A float column with NaN as null (the numpy helpers skip both)."""
    ibis = _ibis()
    return ibis.ifelse(is_known(values), values, ibis.null("float64"))


def nanos(values: Any) -> Any:
    """A money column as int64 nano-dollars, null where unknown (:mod:`_util.money`)."""
    return (known(values) * NANOS).round().cast("int64")


def money_sum(values: Any, where: Any = None) -> Any:
    """The exact sum of a column of nano-dollars as int64 (an integer sum does not depend on
    the order the engine adds in, so every run and every engine gives the same cents)."""
    return values.sum(where=where).cast("int64")


def latency_rows(t: Any, metric: str, outcome_name: str | None = None) -> Any:
    """The rows a latency statistic uses: not in flight (or of ``outcome_name``), metric
    known -- :func:`eachlabs_analytics.metrics.rows.latency_rows` on rows."""
    kept = finished(t) if outcome_name is None else is_outcome(t, outcome_name)
    return kept & is_known(t[metric])


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


def flagged(t: Any, keys: dict[str, Any], **flags: Any) -> tuple[Any, dict[str, Any]]:
    """``t`` with its keys and the row flags the aggregates filter on, computed once per row
    (the status tests of the overview, and any other flag given)."""
    failed = is_outcome(t, "failed")
    columns = {
        **keys,
        "_in_flight": is_outcome(t, "in_flight"),
        "_failed": failed,
        "_unclassified": failed & unclassified(t),
        **flags,
    }
    out = t.mutate(**columns)
    return out, {name: out[name] for name in keys}


def overview(t: Any) -> dict[str, Any]:
    """The counts behind a result's ``attrs``, over a :func:`flagged` table."""
    return {
        "rows": t.count(),
        "in_flight_rows": t.count(where=t._in_flight),
        "error_rows": t.count(where=t._failed),
        "unclassified_errors": t.count(where=t._unclassified),
    }


def _quantiles(values: Any, percentiles: tuple[float, ...], where: Any) -> dict[str, Any]:
    """The ``qs`` measure (a list of quantiles), or none when no percentile is asked (an
    engine refuses an empty list of quantiles)."""
    if not percentiles:
        return {}
    return {"qs": values.quantile([p / 100 for p in percentiles], where=where)}


def _unpack(expr: Any, list_column: str, count: int) -> Any:
    """Spread a list of quantiles into ``q0``, ``q1``... columns."""
    if not count:
        return expr  # no quantile was asked: no list to spread
    columns = {f"q{i}": expr[list_column][i] for i in range(count)}
    return expr.mutate(**columns).drop(list_column)


# --- periods ---------------------------------------------------------------------------------
def _posmod(a: Any, b: int) -> Any:
    """``a mod b`` in ``[0, b)`` for negative ``a`` too (SQL's ``%`` truncates)."""
    return ((a % b) + b) % b


def period_start(t: Any, engine: Any, freq: str, zone: str) -> Any:
    """The wall-clock start of each row's period (microseconds since the epoch, in ``zone``),
    as :func:`eachlabs_analytics.metrics.buckets.periods` buckets rows."""
    kind, step = _buckets.parse_freq(freq)
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
    # plain columns as keys (hashing them is what a hand-written query does); the helpers
    # map statuses and classes with the schema afterwards, on a few hundred partial rows
    by = request.by
    keys = {} if by in (None, _rows.STATUS_GROUP) else {"key": t[by]}
    keys.update(status=t.status, error_classification=t.error_classification)
    measures: dict[str, Any] = {"rows": t.count()}
    if request.cost:
        cost = nanos(t.execution_cost)
        measures.update(cost=money_sum(cost), priced=cost.count())
    return grouped(t, keys, **measures)


def latency(t: Any, request: _lazy.Latency) -> Any:
    # only the rows used (a WHERE, as a hand-written query): the groups without any, and the
    # overview, come from the GroupCounts query the helper also asks for
    used = t.filter(latency_rows(t, request.metric, request.outcome))
    values = used[request.metric]
    expr = grouped(
        used,
        group_key(used, request.by),
        count=used.count(),
        total=values.sum(),
        **_quantiles(values, request.percentiles, None),
    )
    return _unpack(expr, "qs", len(request.percentiles))


def workflows(t: Any, request: _lazy.Workflows) -> Any:
    f, _ = flagged(t, {})
    runs = f.group_by(key=f.workflow_id, run=f.workflow_execution_id).aggregate(
        executions=f.count(),
        cost=money_sum(nanos(f.execution_cost)),
        **overview(f),
    )
    has_run = runs.run.notnull()
    run_cost = runs.cost.fill_null(0)
    # a run's cost in dollars, as the frame path converts it: quantiles of the same doubles
    run_dollars = run_cost.cast("float64") / NANOS
    expr = runs.group_by("key").aggregate(
        runs=runs.count(where=has_run),
        executions=runs.executions.sum(),
        cost=money_sum(runs.cost),
        run_cost=money_sum(run_cost, where=has_run),
        qs=run_dollars.quantile([0.5, 0.95], where=has_run),
        **{name: runs[name].sum() for name in OVERVIEW},
    )
    return _unpack(expr, "qs", 2)


def period_counts(t: Any, request: _lazy.PeriodCounts, engine: Any) -> Any:
    keys = {"period": period_start(t, engine, request.freq, request.tz)}
    keys.update(group_key(t, request.by))
    if request.sub is not None:
        keys["sub_key"] = group_key(t, request.sub)["key"]
    f, keys = flagged(t, keys)
    measures = {"errors": f.count(where=f._failed)}
    if request.cost:
        measures["cost"] = money_sum(nanos(f.execution_cost))
    if request.squares:
        cost = known(f.execution_cost)
        measures["cost_squares"] = (cost * cost).sum()
    return grouped(f, keys, **measures, **overview(f))


def period_latency(t: Any, request: _lazy.PeriodLatency, engine: Any) -> Any:
    keys = {"period": period_start(t, engine, request.freq, request.tz)}
    keys.update(group_key(t, request.by))
    f, keys = flagged(t, keys, _usable=latency_rows(t, request.metric, request.outcome))
    values = f[request.metric]
    expr = grouped(
        f,
        keys,
        count=f.count(where=f._usable),
        total=values.sum(where=f._usable),
        **_quantiles(values, request.percentiles, f._usable),
        **overview(f),
    )
    return _unpack(expr, "qs", len(request.percentiles))


def spans(t: Any, request: _lazy.Spans) -> Any:
    """Each span aggregated over its own rows (spans may overlap), and the overview over all."""
    ibis = _ibis()
    parts = []
    zero = ibis.literal(0, "int64")
    for i, (start, end) in enumerate(request.spans):
        inside = t.filter(t.created_at >= bound_literal(start), t.created_at < bound_literal(end))
        f, keys = flagged(
            inside,
            group_key(inside, request.by),
            _usable=latency_rows(inside, request.metric),
        )
        part = grouped(
            f,
            keys,
            rows=f.count(),
            cost=money_sum(nanos(f.execution_cost)),
            errors=f.count(where=f._failed),
            q0=f[request.metric].quantile(0.95, where=f._usable),
        )
        part = part.mutate(
            span=ibis.literal(i, "int64"),
            **{name: zero for name in OVERVIEW if name != "rows"},
        )
        parts.append(part)
    f, keys = flagged(t, group_key(t, request.by))
    whole = grouped(f, keys, **overview(f))
    whole = whole.mutate(
        span=ibis.null("int64"),
        cost=ibis.literal(0, "int64"),
        errors=zero,
        q0=ibis.null("float64"),
    )
    names = [*(["key"] if request.by is not None else []), "span", "cost", "errors", "q0"]
    names += list(OVERVIEW)
    return ibis.union(*[part.select(*names) for part in [*parts, whole]])


def created_range(t: Any) -> Any:
    return t.aggregate(first=t.created_at.min(), last=t.created_at.max())


def bound_literal(value: pd.Timestamp) -> Any:
    """A bound of a half-open window as a microsecond literal: on microsecond data,
    ``x >= t`` is ``x >= ceil(t)`` and ``x < t`` is ``x < ceil(t)``, so rounding up is exact."""
    ibis = _ibis()
    bound = pd.Timestamp(value).tz_convert("UTC").ceil("us")
    return ibis.literal(bound.to_pydatetime(), "timestamp('UTC')")
