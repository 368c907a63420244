"""What the watch functions share: "now", the rows before it, daily spend, the day's profile.

Every watch function looks at the frame *as of* one instant: rows created at or after it are
ignored, the day (week, month) holding it is in progress, and the window's first day is left
out when the window starts part-way through it (a partial day is not a quiet day).

Each of these also takes a lazy selection (``ExecutionStore.scan(...)``,
``ea.scan_table(...)``; see :mod:`eachlabs_analytics.metrics.lazy`): the same figures then
come from partial aggregates the selection computes in its engine (spend per UTC day, hour
and group, the spend of the day in progress from a span, the first and last ``created_at``),
never from its rows.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=500, seed=1, end="2026-10-31T12:00:00Z", days=10)
>>> resolve_as_of(df, None, "x")
Timestamp('2026-10-31 12:00:00+0000', tz='UTC')
>>> first_full_day(df)
Timestamp('2026-10-22 00:00:00+0000', tz='UTC')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from eachlabs_analytics._util import money
from eachlabs_analytics._util.timestamps import ONE_US, to_utc
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.frame_partials import answerer
from eachlabs_analytics.metrics.lazy import Executions

#: Label of the one group when ``by=None``.
TOTAL = "total"
#: The latency a :class:`~eachlabs_analytics.metrics.lazy.Spans` request carries (unused here).
_SPAN_METRIC = "total_seconds"
_DAY_US = 86_400_000_000
_HOUR_US = 3_600_000_000


def require_statsmodels(helper: str) -> Any:
    """statsmodels' ``ETSModel``, or an ImportError that says how to repair the install.

    >>> require_statsmodels("forecast_spend").__name__
    'ETSModel'
    """
    try:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    except ImportError as exc:
        raise ImportError(
            f"{helper} needs statsmodels, a dependency of eachlabs-analytics that is missing "
            "or broken in this environment: reinstall it (pip install 'statsmodels>=0.15')"
        ) from exc
    return ETSModel


def _timestamp(value: object, name: str, helper: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InvalidQueryError(
            f"{helper}: {name}={value!r} is not a timestamp; use ISO 8601 such as "
            "'2026-10-31T12:00:00Z', a datetime or a pandas Timestamp"
        ) from exc
    if stamp is pd.NaT:
        raise InvalidQueryError(f"{helper}: {name} must be a timestamp, not NaT")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.as_unit("us")


def _window(df: Executions, key: str) -> pd.Timestamp | None:
    window = df.attrs.get("window")
    value = window.get(key) if isinstance(window, dict) else None
    return None if value is None else _timestamp(value, f"attrs['window']['{key}']", "watch")


def created_range(df: Executions) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last ``created_at`` (UTC; None without one) of a frame or a selection.

    >>> created = pd.to_datetime([None, "2026-10-02", "2026-10-01"], utc=True)
    >>> [str(t.date()) for t in created_range(pd.DataFrame({"created_at": created}))]
    ['2026-10-01', '2026-10-02']
    """
    found = answerer(df, "watch", ["created_at"]).partials(_lazy.CreatedRange())
    first, last = found["first"][0].as_py(), found["last"][0].as_py()
    return _utc_or_none(first), _utc_or_none(last)


def _utc_or_none(value: object) -> pd.Timestamp | None:
    return None if value is None else to_utc(value).as_unit("us")


def row_count(df: Executions) -> int:
    """Rows of a frame or a selection (a selection counts them in its engine).

    >>> row_count(pd.DataFrame({"created_at": []}))
    0
    """
    return answerer(df, "watch").count()


def result_attrs(df: Executions) -> dict[str, object]:
    """``attrs`` of a watch result: :func:`~eachlabs_analytics.metrics.rows.result_attrs` of a
    frame, or the same counted by a selection's engine."""
    source = answerer(df, "watch", ["created_at", "status"])
    table = source.partials(_lazy.PeriodCounts("D", "UTC", None))
    return _rows.lazy_attrs(source.attrs, _lazy.overview(table))


def resolve_as_of(df: Executions, as_of: object, helper: str) -> pd.Timestamp:
    """The instant the data is judged at (UTC): ``as_of``, else the window's end, else the
    instant just after the newest ``created_at``.

    An ``as_of`` after the window's end is refused: what was spent in between is unknown.

    >>> resolve_as_of(pd.DataFrame({"created_at": pd.to_datetime(["2026-10-01"], utc=True)}),
    ...               None, "x")
    Timestamp('2026-10-01 00:00:00.000001+0000', tz='UTC')
    """
    answerer(df, helper, ["created_at"])
    end = _window(df, "end")
    if as_of is None:
        if end is not None:
            return end
        _, last = created_range(df)
        if last is None:
            raise InvalidQueryError(
                f"{helper}: the frame has no rows and no attrs['window']; pass as_of= or a "
                "frame from load_executions"
            )
        return last + ONE_US
    stamp = _timestamp(as_of, "as_of", helper)
    if end is not None and stamp > end:
        raise InvalidQueryError(
            f"{helper}: as_of={stamp.isoformat()} is after the data's window end "
            f"{end.isoformat()}; the spend in between is unknown. Use an as_of at or before it"
        )
    return stamp


def count_before(df: Executions, as_of: pd.Timestamp, start: pd.Timestamp | None) -> int:
    """How many rows were created in ``[start, as_of)`` (``start=None``: no lower bound), in a
    frame or a selection (counted by its engine)."""
    if start is None:
        start, _ = created_range(df)
        if start is None or start >= as_of:
            return 0
    span = (start, as_of)
    table = answerer(df, "watch").partials(_lazy.Spans((span, span), None, _SPAN_METRIC))
    first = np.asarray(table["span"].fill_null(-1).to_numpy(zero_copy_only=False)) == 0
    return int(_lazy.ints(table, "rows")[first].sum())


def first_full_day(df: Executions) -> pd.Timestamp | None:
    """The first whole UTC day of the data: the window's start rounded up to a midnight,
    else the day of the oldest row (None for an empty frame without a window)."""
    start = _window(df, "start")
    if start is not None:
        return start.ceil("D")
    first, _ = created_range(df)
    return None if first is None else first.floor("D")


def rows_before(df: pd.DataFrame, as_of: pd.Timestamp, start: pd.Timestamp | None) -> pd.DataFrame:
    """The rows created in ``[start, as_of)`` (``start=None``: no lower bound)."""
    created = df["created_at"]
    keep = (created < as_of).to_numpy(dtype=bool, na_value=False)
    if start is not None:
        keep = keep & (created >= start).to_numpy(dtype=bool, na_value=False)
    return df.loc[keep]


# --- daily spend and the day's profile, from partial aggregates (a frame's or a selection's) --
def _micros(stamp: pd.Timestamp) -> int:
    return int(stamp.value) // 1_000  # .value is in nanoseconds whatever the unit


def lazy_daily_spend(
    selection: _lazy.LazyExecutions, by: str | None, first: pd.Timestamp, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Spend per UTC day from ``first`` to the day of ``as_of`` (both midnights, inclusive),
    one column per group (``"total"`` when ``by=None``), of the rows created in ``[first,
    as_of)``: from the spend per (UTC day, group) and, for the day in progress, per group over
    ``[today, as_of)``. Groups are those with a row in the range, ordered by spend then label;
    days without a row are 0."""
    today = as_of.floor("D")
    days = pd.date_range(first, today, freq="D", tz="UTC", unit="us", name="period_start")
    daily = selection.partials(_lazy.PeriodCounts("D", "UTC", by))
    wall, missing = _lazy.periods_of(daily)
    whole = (~missing) & (wall >= _micros(first)) & (wall < _micros(today))
    whole &= _lazy.ints(daily, "rows") > 0
    spans = ((today, as_of), (first, as_of))
    now = selection.partials(_lazy.Spans(spans, by, _SPAN_METRIC))
    span = np.asarray(now["span"].fill_null(-1).to_numpy(zero_copy_only=False))
    current = (span == 0) & (_lazy.ints(now, "rows") > 0)
    day = np.concatenate(
        [(wall[whole] - _micros(first)) // _DAY_US, np.full(int(current.sum()), len(days) - 1)]
    ).astype(np.intp)
    cost = np.concatenate([_lazy.nanos(daily, "cost")[whole], _lazy.nanos(now, "cost")[current]])
    keys = None
    if by is not None:
        keys = [k for k, w in zip(_lazy.labels(daily, "key"), whole, strict=True) if w]
        keys += [k for k, c in zip(_lazy.labels(now, "key"), current, strict=True) if c]
    grouping = _rows.key_grouping(keys, len(day), by, "forecast_spend")
    size = grouping.size
    cells = day * size + grouping.codes.astype(np.intp)
    grid = money.group_nanos(cells, len(days) * size, cost).reshape(len(days), size)
    labels = [TOTAL] if by is None else list(grouping.labels)
    weight = grid.sum(axis=0)
    order = sorted(range(size), key=lambda i: (-weight[i], str(labels[i])))
    columns = pd.Index([labels[i] for i in order], name=by if by is not None else None)
    return pd.DataFrame(money.to_dollars(grid[:, order]), index=days, columns=columns)


def lazy_day_profile(
    selection: _lazy.LazyExecutions, start: pd.Timestamp, end: pd.Timestamp
) -> Callable[[pd.Timestamp], float]:
    """A function giving the share of a day's spend made before a time of day, learned from
    the spend per UTC hour of the rows created in ``[start, end)`` (both midnights; linear
    within an hour; pro rata by time when there is no spend)."""
    hourly = selection.partials(_lazy.PeriodCounts("h", "UTC", None))
    wall, missing = _lazy.periods_of(hourly)
    inside = (~missing) & (wall >= _micros(start)) & (wall < _micros(end))
    hours = (wall[inside] // _HOUR_US) % 24
    return _profile(np.bincount(hours, weights=_lazy.sums(hourly, "cost")[inside], minlength=24))


def _profile(by_hour: np.ndarray) -> Callable[[pd.Timestamp], float]:
    by_hour = by_hour[:24].astype(float)
    if not by_hour.sum() > 0:
        by_hour = np.ones(24)
    cumulative = np.concatenate([[0.0], np.cumsum(by_hour) / by_hour.sum()])

    def share(at: pd.Timestamp) -> float:
        into = (at - at.floor("D")) / pd.Timedelta(hours=1)
        return float(np.interp(into, np.arange(25), cumulative))

    return share
