"""Values for people, the same in every face (report, Explorer, summary, CLI).

Money in US dollars, rates as percentages, changes with their sign, durations in the unit
that reads best; a missing value is ``n/a``.

>>> fmt_money(1234.5), fmt_money(0.0042), fmt_pct(0.1234), fmt_seconds(95)
('$1,234.50', '$0.0042', '12.3%', '1.6 min')
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

MISSING = "n/a"


def missing(value: Any) -> bool:
    """None, NA, NaT or NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:  # pragma: no cover
        return False


def fmt_money(value: Any) -> str:
    """US dollars: ``$1,234.56``; below a cent, four significant digits."""
    if missing(value):
        return MISSING
    value = float(value)
    if value == 0 or abs(value) >= 0.01:
        return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"
    return f"-${-value:.2g}" if value < 0 else f"${value:.2g}"


def fmt_signed_money(value: Any) -> str:
    """A change in dollars, with its sign: ``+$12.00``."""
    text = fmt_money(value)
    return text if text == MISSING or text.startswith("-") else f"+{text}"


def fmt_int(value: Any) -> str:
    return MISSING if missing(value) else f"{int(value):,}"


def fmt_signed_int(value: Any) -> str:
    return MISSING if missing(value) else f"{int(value):+,}"


def fmt_pct(value: Any) -> str:
    """A ratio as a percentage with one decimal."""
    return MISSING if missing(value) else f"{float(value):.1%}"


def fmt_signed_pct(value: Any) -> str:
    return MISSING if missing(value) else f"{float(value):+.1%}"


def fmt_points(value: Any) -> str:
    """A change of a rate, in percentage points."""
    return MISSING if missing(value) else f"{float(value) * 100:+.1f} pp"


def fmt_seconds(value: Any) -> str:
    """A duration: seconds below a minute, minutes below an hour, else hours."""
    if missing(value):
        return MISSING
    seconds = float(value)
    size = abs(seconds)
    if size < 60:
        return f"{seconds:.3g} s"
    if size < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def fmt_signed_seconds(value: Any) -> str:
    text = fmt_seconds(value)
    return text if text == MISSING or text.startswith("-") else f"+{text}"


def fmt_time(value: Any) -> str:
    if missing(value):
        return MISSING
    return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S")


def fmt_date(value: Any) -> str:
    if missing(value):
        return MISSING
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def fmt_window(start: Any, end: Any) -> str:
    """A half-open window ``[start, end)`` said the same way in every face.

    Whole days read as days, the last one included; other windows name the excluded end.

    >>> fmt_window(pd.Timestamp("2026-10-01", tz="UTC"), pd.Timestamp("2026-11-01", tz="UTC"))
    '2026-10-01 to 2026-10-31 (31 days, UTC)'
    >>> fmt_window(pd.Timestamp("2026-10-01 06:00", tz="UTC"), pd.Timestamp("2026-10-02", tz="UTC"))
    '2026-10-01 06:00:00 to 2026-10-02 00:00:00 UTC (18 hours, end excluded)'
    """
    if missing(start) or missing(end):
        return MISSING
    first, after = pd.Timestamp(start).tz_convert("UTC"), pd.Timestamp(end).tz_convert("UTC")
    length = after - first
    if first == first.normalize() and after == after.normalize() and length.days >= 1:
        last, days = after - pd.Timedelta(days=1), length.days
        return f"{first:%Y-%m-%d} to {last:%Y-%m-%d} ({days:,} day{'s' * (days != 1)}, UTC)"
    hours = length / pd.Timedelta(hours=1)
    size = f"{hours:.3g} hours" if hours < 48 else f"{hours / 24:.3g} days"
    return f"{fmt_time(first)} to {fmt_time(after)} UTC ({size}, end excluded)"
