"""Timestamps in and out: one strict RFC 3339 reader and one writer for the whole package.

Input is read with ASCII-only patterns (a full-width ``２０２６`` is not a year) and every
result is a tz-aware UTC timestamp in microseconds (extra fraction digits are cut, never
rounded up into the next microsecond).

>>> parse_timestamp("2026-10-01T02:00:00.1234567891+02:00", "start")
Timestamp('2026-10-01 00:00:00.123456+0000', tz='UTC')
>>> format_timestamp(parse_timestamp("2026-10-01T00:00:00Z", "end"))
'2026-10-01T00:00:00Z'
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pandas as pd

from eachlabs_analytics.exceptions import InvalidQueryError

#: RFC 3339 date-time (section 5.6; a space may stand for the ``T``), ASCII digits only.
RFC3339 = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ]([0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]+))?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?",
    re.ASCII,
)
#: A calendar date, ``YYYY-MM-DD``, ASCII digits only.
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
EXAMPLE = "'2026-10-01T00:00:00Z'"
#: The resolution of every timestamp: a half-open window's last instant is its end minus this.
ONE_US = pd.Timedelta(microseconds=1)
#: A UTC day.
DAY = pd.Timedelta(days=1)


def to_utc(value: Any) -> pd.Timestamp:
    """A timestamp-like value as a UTC timestamp: naive means UTC, an offset is converted.

    >>> to_utc("2026-10-01 02:00+02:00")
    Timestamp('2026-10-01 00:00:00+0000', tz='UTC')
    >>> to_utc(pd.Timestamp("2026-10-01"))
    Timestamp('2026-10-01 00:00:00+0000', tz='UTC')
    """
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def parse_rfc3339(text: str, name: str, *, naive_is_utc: bool = False) -> pd.Timestamp:
    """An RFC 3339 date-time string as a UTC timestamp; ``InvalidQueryError`` otherwise.

    Without an offset the text is refused (``naive_is_utc=False``) or read as UTC.

    >>> parse_rfc3339("2026-10-01 00:00:00", "start", naive_is_utc=True)
    Timestamp('2026-10-01 00:00:00+0000', tz='UTC')
    """
    match = RFC3339.fullmatch(text.strip())
    if match is None and DATE.fullmatch(text.strip()):
        raise InvalidQueryError(
            f"{name} has no time zone: {text!r}. Pass a tz-aware datetime or an RFC 3339 string "
            f"with an offset, e.g. '{text.strip()}T00:00:00Z'"
        )
    if match is None:
        raise InvalidQueryError(
            f"{name} is not an RFC 3339 timestamp: {text!r}. Example: {EXAMPLE}"
        )
    day, clock, fraction, zone = match.groups()
    if zone is None and not naive_is_utc:
        raise InvalidQueryError(
            f"{name} has no time zone: {text!r}. Pass a tz-aware datetime or an RFC 3339 string "
            f"with an offset, e.g. {EXAMPLE}"
        )
    fraction = f".{fraction[:9]}" if fraction else ""
    zone = "Z" if zone is None or zone in "Zz" else zone
    try:
        ts = pd.Timestamp(f"{day}T{clock}{fraction}{zone}")
    except (ValueError, OverflowError):
        raise InvalidQueryError(
            f"{name} is not a valid date-time: {text!r}. Example: {EXAMPLE}"
        ) from None
    return ts.tz_convert("UTC").floor("us").as_unit("us")


def parse_timestamp(value: Any, name: str) -> pd.Timestamp:
    """A tz-aware UTC timestamp (microseconds) from an RFC 3339 string, datetime or Timestamp.

    >>> parse_timestamp("2026-10-01T02:00:00+02:00", "start")
    Timestamp('2026-10-01 00:00:00+0000', tz='UTC')
    """
    if isinstance(value, str):
        return parse_rfc3339(value, name)
    if not isinstance(value, (datetime, pd.Timestamp)):
        raise InvalidQueryError(
            f"{name} must be an RFC 3339 string, a datetime or a pandas Timestamp, "
            f"not {type(value).__name__}"
        )
    ts = pd.Timestamp(value)
    if ts is pd.NaT or pd.isna(ts):
        raise InvalidQueryError(f"{name} is not a timestamp: {value!r}")
    if ts.tzinfo is None:
        raise InvalidQueryError(
            f"{name} has no time zone: {value!r}. Pass a tz-aware datetime or an RFC 3339 string "
            f"with an offset, e.g. {EXAMPLE}"
        )
    return ts.tz_convert("UTC").floor("us").as_unit("us")


def format_timestamp(ts: pd.Timestamp) -> str:
    """RFC 3339 in UTC with microseconds when needed: ``2026-10-01T00:00:00Z``.

    >>> format_timestamp(pd.Timestamp("2026-10-01 00:00:00.5", tz="UTC"))
    '2026-10-01T00:00:00.500000Z'
    """
    ts = ts.tz_convert("UTC")
    text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    if ts.microsecond or ts.nanosecond:
        text += f".{ts.microsecond:06d}"
    return text + "Z"


def require_ascii(text: str, name: str, allowed: str) -> str:
    """``text`` itself, if it is ASCII (so ``２０２６`` cannot pass for a year)."""
    if not text.isascii():
        raise InvalidQueryError(f"{name} {text!r} holds non-ASCII characters; use {allowed}")
    return text
