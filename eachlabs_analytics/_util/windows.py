"""Windows: RFC 3339 times, plain dates, ``--last 7d``, ``--month``, previous periods, and the
rows of a frame inside a window. The CLI and notebooks use the same functions.

Every window is half-open, ``[start, end)``: ``--month 2026-10`` is ``[Oct 1, Nov 1)`` and
compares with September; ``--last 7d`` is the 7 x 24 h before its end; other previous periods
are the same length immediately before. Timestamps are tz-aware UTC; errors are
:class:`~eachlabs_analytics.InvalidQueryError` saying what is allowed.

>>> now = pd.Timestamp("2026-11-15T12:00:00Z")
>>> resolve_range(last="7d").resolve(now)
(Timestamp('2026-11-08 12:00:00+0000', tz='UTC'), Timestamp('2026-11-15 12:00:00+0000', tz='UTC'))
>>> resolve_range(month="2026-10").previous(*month_range("2026-10"))
(Timestamp('2026-09-01 00:00:00+0000', tz='UTC'), Timestamp('2026-10-01 00:00:00+0000', tz='UTC'))
>>> parse_time("2026-10-05", "start")
Timestamp('2026-10-05 00:00:00+0000', tz='UTC')
"""  # noqa: E501

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eachlabs_analytics._util.timestamps import (
    DATE,
    ONE_US,
    RFC3339,
    format_timestamp,
    parse_rfc3339,
)
from eachlabs_analytics.exceptions import InvalidQueryError

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(m|min|h|d|w)\s*", re.IGNORECASE | re.ASCII)
_UNITS = {"m": "min", "min": "min", "h": "h", "d": "D", "w": "W"}
_TIME_HELP = (
    "an RFC 3339 time with an offset (2026-10-01T00:00:00Z, 2026-10-01T02:00:00+02:00) "
    "or a date (2026-10-01, meaning 00:00 UTC)"
)


def parse_time(value: str, name: str) -> pd.Timestamp:
    """An RFC 3339 time with an offset, or a ``YYYY-MM-DD`` date (its 00:00 UTC).

    >>> parse_time("2026-10-01T02:00:00+02:00", "end")
    Timestamp('2026-10-01 00:00:00+0000', tz='UTC')
    """
    text = value.strip()
    if DATE.fullmatch(text):
        try:
            return pd.Timestamp(text, tz="UTC").as_unit("us")
        except ValueError:
            raise InvalidQueryError(f"--{name} {value!r} is not a date; use {_TIME_HELP}") from None
    match = RFC3339.fullmatch(text)
    if match is not None and match.group(4) is None:
        raise InvalidQueryError(
            f"--{name} {value!r} has no time zone; add one (e.g. {text}Z for UTC) or "
            f"give a date. Allowed: {_TIME_HELP}"
        )
    try:
        return parse_rfc3339(text, f"--{name}")
    except InvalidQueryError:
        raise InvalidQueryError(f"--{name} {value!r} is not a time; use {_TIME_HELP}") from None


def parse_duration(value: str, name: str = "last") -> pd.Timedelta:
    """``30m``/``30min``, ``12h``, ``7d``, ``2w`` as a timedelta.

    >>> parse_duration("36h")
    Timedelta('1 days 12:00:00')
    """
    match = _DURATION.fullmatch(value or "")
    if not match:
        raise InvalidQueryError(
            f"--{name} {value!r} is not a duration; use a number and a unit: 30m, 12h, 7d, 2w"
        )
    amount, unit = float(match.group(1)), _UNITS[match.group(2).lower()]
    delta = pd.Timedelta(amount, unit=unit)
    if delta <= pd.Timedelta(0):
        raise InvalidQueryError(f"--{name} must be longer than zero, not {value!r}")
    return delta


def month_range(value: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """A ``YYYY-MM`` month in UTC as ``[first day, first day of the next month)``.

    >>> month_range("2026-02")
    (Timestamp('2026-02-01 00:00:00+0000', tz='UTC'), Timestamp('2026-03-01 00:00:00+0000', tz='UTC'))
    """  # noqa: E501
    match = _MONTH.fullmatch(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidQueryError(f"--month {value!r} is not a month; use YYYY-MM, e.g. 2026-10")
    start = pd.Timestamp(f"{match.group(1)}-{match.group(2)}-01T00:00:00Z").as_unit("us")
    return start, (start + pd.offsets.MonthBegin(1)).as_unit("us")


@dataclass(frozen=True)
class Window:
    """The window a command asked for, before it knows the clock of its data.

    ``[start, end)``: ``start`` included, ``end`` excluded; None leaves an end to the source
    (the loader's default, the whole store or file). A ``--last`` window is ``last`` long and
    ends at ``end`` or, without one, at the clock of the data it reads: now for the API, the
    end of a store's or a file's data — so ``--last 7d`` on an old sample still means its
    last 7 days (``anchored`` says so). A ``--month`` window compares with the month before.
    """

    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    last: pd.Timedelta | None = None
    month: bool = False

    def resolve(self, clock: pd.Timestamp) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """``(start, end)`` with a ``--last`` window counted back from ``end`` or ``clock``.

        >>> Window(last=pd.Timedelta(days=7)).resolve(pd.Timestamp("2026-10-31", tz="UTC"))[0]
        Timestamp('2026-10-24 00:00:00+0000', tz='UTC')
        """
        if self.last is None:
            return self.start, self.end
        end = self.end if self.end is not None else clock.as_unit("us")
        return end - self.last, end

    @property
    def anchored(self) -> bool:
        """Whether the window counts back from the data's clock (``--last`` without ``--end``)."""
        return self.last is not None and self.end is None

    def previous(self, start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The period to compare ``[start, end)`` with: the month before for ``--month``,
        else the same length immediately before.

        >>> october = Window(*month_range("2026-10"), month=True)
        >>> october.previous(october.start, october.end)[0]
        Timestamp('2026-09-01 00:00:00+0000', tz='UTC')
        """
        if self.month:
            first = (start - pd.offsets.MonthBegin(1)).as_unit("us")
            return first, start
        return previous_period(start, end)


def resolve_range(
    start: str | None = None,
    end: str | None = None,
    last: str | None = None,
    month: str | None = None,
) -> Window:
    """The window a command's ``--start/--end/--last/--month`` options ask for.

    ``--last`` counts back from ``--end`` (or the data's clock); ``--month`` stands alone.

    >>> resolve_range(start="2026-10-01", end="2026-10-08").end
    Timestamp('2026-10-08 00:00:00+0000', tz='UTC')
    >>> resolve_range(month="2026-10").end
    Timestamp('2026-11-01 00:00:00+0000', tz='UTC')
    >>> resolve_range(month="2026-10", last="7d")
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: --month cannot be combined with --last; give a month, or --last/--start/--end
    """  # noqa: E501
    if month is not None:
        others = [n for n, v in (("start", start), ("end", end), ("last", last)) if v is not None]
        if others:
            raise InvalidQueryError(
                f"--month cannot be combined with --{', --'.join(others)}; give a month, "
                "or --last/--start/--end"
            )
        first, after = month_range(month)
        return Window(first, after, month=True)
    if last is not None and start is not None:
        raise InvalidQueryError(
            "--last cannot be combined with --start; --last counts back from --end (or the "
            "end of the data)"
        )
    end_ts = parse_time(end, "end") if end is not None else None
    if last is not None:
        return Window(end=end_ts, last=parse_duration(last))
    start_ts = parse_time(start, "start") if start is not None else None
    if start_ts is not None and end_ts is not None and start_ts >= end_ts:
        raise InvalidQueryError(f"--start ({start}) must be before --end ({end})")
    return Window(start_ts, end_ts)


def previous_period(start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period of the same length immediately before ``[start, end)``.

    >>> previous_period(pd.Timestamp("2026-10-08T00:00:00Z"), pd.Timestamp("2026-10-15T00:00:00Z"))
    (Timestamp('2026-10-01 00:00:00+0000', tz='UTC'), Timestamp('2026-10-08 00:00:00+0000', tz='UTC'))
    """  # noqa: E501
    return start - (end - start), start


def month_to_date(
    last: pd.Timestamp,
) -> tuple[tuple[pd.Timestamp, pd.Timestamp], tuple[pd.Timestamp, pd.Timestamp]]:
    """This month so far and the same point of last month, both ``[start, end)`` in UTC.

    ``last`` is the last instant of the data (e.g. a window's end minus a microsecond): the
    current span runs from the first of its month to just after it; the previous span starts
    on the first of the month before and lasts as long, cut at that month's end (March 31
    compares with all of February).

    >>> (now, then) = month_to_date(pd.Timestamp("2026-11-15T11:59:59.999999Z"))
    >>> [str(t) for t in (*now, *then)]
    ['2026-11-01 00:00:00+00:00', '2026-11-15 12:00:00+00:00', '2026-10-01 00:00:00+00:00', '2026-10-15 12:00:00+00:00']
    >>> month_to_date(pd.Timestamp("2026-03-31T12:00:00Z"))[1][1]
    Timestamp('2026-03-01 00:00:00+0000', tz='UTC')
    """  # noqa: E501
    last = pd.Timestamp(last)
    last = (last.tz_localize("UTC") if last.tz is None else last.tz_convert("UTC")).as_unit("us")
    start = last.normalize().replace(day=1)
    end = last + ONE_US
    previous_start = (start - pd.Timedelta(days=1)).replace(day=1)
    return (start, end), (previous_start, min(previous_start + (end - start), start))


def select_window(
    df: pd.DataFrame, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Rows of ``df`` created in ``[start, end)``, with ``attrs["window"]`` narrowed to match
    (never wider than ``df``'s own window).

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=300, seed=1, end="2026-10-31T00:00:00Z", days=10)
    >>> week = select_window(df, start=pd.Timestamp("2026-10-24T00:00:00Z"))
    >>> bool((week.created_at >= "2026-10-24").all()), week.attrs["window"]["start"]
    (True, '2026-10-24T00:00:00Z')
    """
    if start is None and end is None:
        return df
    keep = np.ones(len(df), dtype=bool)
    created = df["created_at"]
    if start is not None:
        keep &= (created >= start).to_numpy(dtype=bool, na_value=False)
    if end is not None:
        keep &= (created < end).to_numpy(dtype=bool, na_value=False)
    out = df[keep].reset_index(drop=True)
    window = dict(df.attrs.get("window") or {})
    # a cut covers no more than its source (a month asked of data that ends on the 30th
    # covers to the 30th); one wholly outside it keeps the window asked, with no rows
    first = start if start is not None else _stamp(window.get("start"))
    last = end if end is not None else _stamp(window.get("end"))
    known_first, known_last = _stamp(window.get("start")), _stamp(window.get("end"))
    if first is not None and known_first is not None:
        first = max(first, known_first)
    if last is not None and known_last is not None:
        last = min(last, known_last)
    if first is not None and last is not None and first >= last:
        first, last = start, end  # nothing of it is covered: say what was asked
    if start is not None and first is not None:
        window["start"] = format_timestamp(first)
    if end is not None and last is not None:
        window["end"] = format_timestamp(last)
    out.attrs = {**df.attrs, "window": window}
    return out


def _stamp(value: object) -> pd.Timestamp | None:
    return pd.Timestamp(value) if value else None  # type: ignore[arg-type]


def data_end(df: pd.DataFrame) -> pd.Timestamp | None:
    """Where a frame's data ends: its window's end, else just after its newest row.

    >>> import eachlabs_analytics as ea
    >>> data_end(ea.generate_executions(executions=50, seed=1, end="2026-10-31T00:00:00Z"))
    Timestamp('2026-10-31 00:00:00+0000', tz='UTC')
    """
    window = df.attrs.get("window") or {}
    if window.get("end"):
        return pd.Timestamp(window["end"])
    newest = df["created_at"].max() if len(df) else pd.NaT
    return None if pd.isna(newest) else pd.Timestamp(newest) + ONE_US
