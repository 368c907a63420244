"""What the watch functions share: "now", the rows before it, daily spend, the day's profile.

Every watch function looks at the frame *as of* one instant: rows created at or after it are
ignored, the day (week, month) holding it is in progress, and the window's first day is left
out when the window starts part-way through it (a partial day is not a quiet day).

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

from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.over_time import cost_over_time

DAY = pd.Timedelta(days=1)
#: Label of the one group when ``by=None``.
TOTAL = "total"


def require_statsmodels(helper: str) -> Any:
    """statsmodels' ``ETSModel``, or an ImportError that says which extra to install.

    >>> require_statsmodels("forecast_spend").__name__
    'ETSModel'
    """
    try:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    except ImportError as exc:
        raise ImportError(
            f"{helper} needs statsmodels, an optional dependency: install "
            "eachlabs-analytics[watch] (pip install 'eachlabs-analytics[watch]')"
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


def _window(df: pd.DataFrame, key: str) -> pd.Timestamp | None:
    window = df.attrs.get("window")
    value = window.get(key) if isinstance(window, dict) else None
    return None if value is None else _timestamp(value, f"attrs['window']['{key}']", "watch")


def resolve_as_of(df: pd.DataFrame, as_of: object, helper: str) -> pd.Timestamp:
    """The instant the data is judged at (UTC): ``as_of``, else the window's end, else the
    instant just after the newest ``created_at``.

    An ``as_of`` after the window's end is refused: what was spent in between is unknown.

    >>> resolve_as_of(pd.DataFrame({"created_at": pd.to_datetime(["2026-10-01"], utc=True)}),
    ...               None, "x")
    Timestamp('2026-10-01 00:00:00.000001+0000', tz='UTC')
    """
    _rows.check_frame(df, helper, ["created_at"])
    end = _window(df, "end")
    if as_of is None:
        if end is not None:
            return end
        created = df["created_at"].dropna()
        if created.empty:
            raise InvalidQueryError(
                f"{helper}: the frame has no rows and no attrs['window']; pass as_of= or a "
                "frame from load_executions"
            )
        return pd.Timestamp(created.max()).tz_convert("UTC").as_unit("us") + pd.Timedelta(
            microseconds=1
        )
    stamp = _timestamp(as_of, "as_of", helper)
    if end is not None and stamp > end:
        raise InvalidQueryError(
            f"{helper}: as_of={stamp.isoformat()} is after the data's window end "
            f"{end.isoformat()}; the spend in between is unknown. Use an as_of at or before it"
        )
    return stamp


def first_full_day(df: pd.DataFrame) -> pd.Timestamp | None:
    """The first whole UTC day of the data: the window's start rounded up to a midnight,
    else the day of the oldest row (None for an empty frame without a window)."""
    start = _window(df, "start")
    if start is not None:
        return start.ceil("D")
    created = df["created_at"].dropna()
    return None if created.empty else pd.Timestamp(created.min()).tz_convert("UTC").floor("D")


def rows_before(df: pd.DataFrame, as_of: pd.Timestamp, start: pd.Timestamp | None) -> pd.DataFrame:
    """The rows created in ``[start, as_of)`` (``start=None``: no lower bound)."""
    created = df["created_at"]
    keep = (created < as_of).to_numpy(dtype=bool, na_value=False)
    if start is not None:
        keep = keep & (created >= start).to_numpy(dtype=bool, na_value=False)
    return df.loc[keep]


def daily_spend(
    df: pd.DataFrame, by: str | None, first: pd.Timestamp, last: pd.Timestamp
) -> pd.DataFrame:
    """Spend per UTC day from ``first`` to ``last`` (both midnights, inclusive), one column per
    group (``"total"`` when ``by=None``), computed by :func:`cost_over_time`; days without a
    row are 0."""
    days = pd.date_range(first, last, freq="D", tz="UTC", unit="us", name="period_start")
    if df.empty:
        return pd.DataFrame(0.0, index=days, columns=pd.Index([TOTAL] if by is None else []))
    table = cost_over_time(df, freq="D", by=by)
    if by is None:
        table.columns = pd.Index([TOTAL])
    table = table.reindex(days, fill_value=0.0)
    return table.astype("float64")


def day_profile(df: pd.DataFrame) -> Callable[[pd.Timestamp], float]:
    """A function giving the share of a day's spend made before a time of day.

    Learned from the spend per hour of day of ``df`` (linear within an hour); uniform (pro
    rata by time) when ``df`` has no spend.

    >>> profile = day_profile(pd.DataFrame({"created_at": pd.to_datetime([], utc=True),
    ...                                     "execution_cost": []}))
    >>> profile(pd.Timestamp("2026-10-31T06:00:00Z"))
    0.25
    """
    hours = df["created_at"].dt.hour.to_numpy(dtype=np.int64, na_value=0)
    cost = np.nan_to_num(_rows.floats(df, "execution_cost"))
    by_hour: np.ndarray = np.bincount(hours, weights=cost, minlength=24)[:24].astype(float)
    if not by_hour.sum() > 0:
        by_hour = np.ones(24)
    cumulative = np.concatenate([[0.0], np.cumsum(by_hour) / by_hour.sum()])

    def share(at: pd.Timestamp) -> float:
        into = (at - at.floor("D")) / pd.Timedelta(hours=1)
        return float(np.interp(into, np.arange(25), cumulative))

    return share
