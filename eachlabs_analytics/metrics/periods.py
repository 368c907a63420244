"""Compare two periods per model: spend, executions, error rate and p95 latency, and the change.

>>> from eachlabs_analytics import schema
>>> compare_periods(schema.empty_frame(), current=("2026-10-08", "2026-10-15")).shape
(0, 16)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eachlabs_analytics._util import money
from eachlabs_analytics._util.timestamps import require_ascii, to_utc
from eachlabs_analytics.exceptions import DataQualityWarning, InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.aggregates import LATENCY_METRICS
from eachlabs_analytics.metrics.frame_partials import answerer, check_by
from eachlabs_analytics.metrics.grouping import Grouping
from eachlabs_analytics.metrics.lazy import Executions

#: The compared measures, in column order; each gets ``_previous``, ``_current``, ``_change``
#: and ``_rel_change`` columns.
MEASURES: tuple[str, ...] = ("spend", "executions", "error_rate", "latency_p95")

Span = tuple[pd.Timestamp, pd.Timestamp]
_ALLOWED_PERIOD = (
    "a (start, end) pair of timestamps or RFC 3339 strings (end excluded; naive means UTC), "
    "or a period string such as '2026-10' (a month) or '2026-10-05' (a day)"
)


def _checked_time(value: object, what: str) -> pd.Timestamp:
    if isinstance(value, str):
        require_ascii(value, what, _ALLOWED_PERIOD)
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InvalidQueryError(f"{what}={value!r} is not a time; use {_ALLOWED_PERIOD}") from exc
    if ts is pd.NaT:
        raise InvalidQueryError(f"{what} is missing; use {_ALLOWED_PERIOD}")
    return to_utc(ts)


def _span(value: object, what: str) -> Span:
    """[start, end) in UTC from a pair, a ``pd.Period`` or a period string."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        start, end = _checked_time(value[0], f"{what}[0]"), _checked_time(value[1], f"{what}[1]")
    elif isinstance(value, (str, pd.Period)):
        if isinstance(value, str):
            require_ascii(value, what, _ALLOWED_PERIOD)
        try:
            period = value if isinstance(value, pd.Period) else pd.Period(value)
        except (TypeError, ValueError) as exc:
            raise InvalidQueryError(
                f"{what}={value!r} is not a period; use {_ALLOWED_PERIOD}"
            ) from exc
        start = _checked_time(period.start_time, what)
        end = _checked_time((period + 1).start_time, what)
    else:
        raise InvalidQueryError(f"{what}={value!r} is not a period; use {_ALLOWED_PERIOD}")
    if not start < end:
        raise InvalidQueryError(f"{what} starts at {start} but ends at {end}; it needs start < end")
    return start, end


def window_of(df: Executions) -> tuple[Span | None, str]:
    """The frame's window and where it came from.

    ``attrs["window"]`` when readable (``"query"``: what the loader asked for), else the first
    ``created_at`` to just after the last (``"data"``), else ``(None, "none")``.

    >>> df = pd.DataFrame({"created_at": pd.to_datetime(["2026-10-02", "2026-10-01"], utc=True)})
    >>> (start, end), source = window_of(df)
    >>> str(start), str(end), source
    ('2026-10-01 00:00:00+00:00', '2026-10-02 00:00:00.000001+00:00', 'data')
    """
    window = df.attrs.get("window")
    if isinstance(window, Mapping):
        try:
            return _span((window.get("start"), window.get("end")), "window"), "query"
        except InvalidQueryError:
            pass  # an unreadable window: fall back to the data itself
    if isinstance(df, pd.DataFrame) and "created_at" not in df.columns:
        return None, "none"
    found = answerer(df, "window_of").partials(_lazy.CreatedRange())
    first, last = found["first"][0].as_py(), found["last"][0].as_py()
    if first is None:
        return None, "none"
    start, end = _checked_time(first, "start"), _checked_time(last, "end")
    return (start, end + pd.Timedelta(1, "us")), "data"


def _iso(span: Span) -> dict[str, str]:
    return {"start": span[0].isoformat(), "end": span[1].isoformat()}


def compare_periods(
    df: Executions,
    current: object = None,
    previous: object = None,
    *,
    by: str | None = "model",
    metric: str = "total_seconds",
) -> pd.DataFrame:
    """This period against the one before, per model: spend, volume, errors, p95 latency.

    ``current`` and ``previous`` are ``(start, end)`` pairs (end excluded; naive times are
    UTC) or period strings such as ``"2026-10"``. By default ``current`` is the second half of
    the frame's window (``attrs["window"]``, else first..last ``created_at``) and ``previous``
    the period of the same length just before ``current``. A row belongs to the period its
    ``created_at`` falls in. One row per group (``by``; ``None`` for one row "all") seen in
    either period, sorted by current then previous spend. For each measure ``m``:

    - ``spend``: sum of ``execution_cost`` (USD); ``executions``: rows, any status;
      ``error_rate``: failed rows / executions; ``latency_p95``: 95th percentile of ``metric``
      (seconds, rows in flight excluded), as :func:`latency_percentiles` computes them.
    - ``m_previous``, ``m_current``: the values (spend and executions 0 for a group absent
      from a period; rate and latency NaN).
    - ``m_change``: current - previous; ``m_rel_change``: change / previous (NaN when
      previous is 0 or NaN).

    ``attrs["current"]`` and ``attrs["previous"]`` record the two spans used;
    ``attrs["empty_periods"]`` names a period that holds no executions (a
    :class:`~eachlabs_analytics.DataQualityWarning` says so too: every change against an
    empty period is meaningless).

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7, end="2026-10-31T00:00:00Z")
    >>> table = ea.compare_periods(df, current="2026-10", previous="2026-09")
    >>> october = df[df["created_at"] >= "2026-10-01T00:00:00Z"]
    >>> bool(abs(table["spend_current"].sum() - october["execution_cost"].sum()) < 1e-6)
    True
    """
    source = answerer(df, "compare_periods", ["created_at", "status", "execution_cost"])
    if metric not in LATENCY_METRICS:
        raise InvalidQueryError(
            f"metric={metric!r} is not a latency column; allowed: {', '.join(LATENCY_METRICS)}"
        )
    source = answerer(df, "compare_periods", ["created_at", "status", "execution_cost", metric])
    if current is None:
        window, _ = window_of(df)
        if window is None:
            window = (pd.Timestamp(0, tz="UTC"), pd.Timestamp(1, tz="UTC"))
        middle = window[0] + (window[1] - window[0]) / 2
        now, before = (middle, window[1]), (window[0], middle)
    else:
        now = _span(current, "current")
        before = None
    if previous is not None:
        before = _span(previous, "previous")
    elif before is None:
        before = (now[0] - (now[1] - now[0]), now[0])
    names = ("previous", "current")
    check_by(source, by, "compare_periods")
    table = source.partials(_lazy.Spans((before, now), by, metric))
    grouping = _rows.partial_groups(table, by, "compare_periods")
    parts, in_span = _measures(table, grouping)
    whole = table.filter(pc.is_null(table["span"]))
    attrs = _rows.lazy_attrs(source.attrs, _lazy.overview(whole))
    any_rows = attrs["rows"] != 0
    empty = []
    for name, (start, end) in zip(names, (before, now), strict=True):
        if any_rows and not in_span[name]:  # (an empty frame gives an empty table: nothing to say)
            empty.append(name)
            consequence = "-100 %" if name == "current" else "NaN (nothing to compare with)"
            span = _iso((start, end))
            warnings.warn(
                f"compare_periods: the {name} period [{span['start']}, {span['end']}) holds "
                f"no executions, so every relative change is {consequence}",
                DataQualityWarning,
                stacklevel=2,
            )
    seen = (parts["previous"]["executions"] + parts["current"]["executions"]) > 0
    groups = pd.Index(grouping.labels[seen])
    columns: dict[str, np.ndarray] = {}
    for measure in MEASURES:
        old, new = parts["previous"][measure][seen], parts["current"][measure][seen]
        change = new - old
        columns[f"{measure}_previous"] = old
        columns[f"{measure}_current"] = new
        columns[f"{measure}_change"] = change
        columns[f"{measure}_rel_change"] = _rows.rate(change, np.where(np.isnan(old), 0, old))
    out = pd.DataFrame(columns, index=groups)
    out.index.name = by
    out = _rows.sort_groups(out, ["spend_current", "spend_previous"])
    out.attrs = attrs
    out.attrs.update(current=_iso(now), previous=_iso(before), metric=metric, empty_periods=empty)
    return out


def _measures(
    table: pa.Table, grouping: Grouping
) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, bool]]:
    """Spend, executions, error rate and p95 latency per group in both spans, from the
    partial rows (span, group): the definitions of cost_by_model, error_breakdown and
    latency_percentiles."""
    size = grouping.size
    spans = _lazy.reals(table, "span")
    rows = _lazy.ints(table, "rows")
    parts, in_span = {}, {}
    for i, name in enumerate(("previous", "current")):
        mine = spans == i
        codes = grouping.codes[mine]
        executions = _rows.per_group_counts(codes, size, rows[mine])
        errors = _rows.per_group_counts(codes, size, _lazy.ints(table, "errors")[mine])
        parts[name] = {
            "spend": money.to_dollars(
                money.group_nanos(codes, size, _lazy.nanos(table, "cost")[mine])
            ),
            "executions": executions,
            "error_rate": _rows.rate(errors, executions),
            "latency_p95": _rows.per_group_values(codes, size, _lazy.reals(table, "q0")[mine]),
        }
        in_span[name] = bool(rows[mine].sum() > 0)
    return parts, in_span
