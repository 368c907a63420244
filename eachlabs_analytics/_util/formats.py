"""Values for people, the same in every face (report, Explorer, summary, CLI).

Money in US dollars, rates as percentages, changes with their sign, durations in the unit
that reads best; a missing value is ``n/a``.

>>> fmt_money(1234.5), fmt_money(0.0042), fmt_pct(0.1234), fmt_seconds(95)
('$1,234.50', '$0.0042', '12.3%', '1.6 min')
"""

from __future__ import annotations

import math
import re
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
    """US dollars, the one rule of every face: to the cent from $0.01 on (``$1,234.56``);
    below a cent, two significant digits written out (``$0.0044``, ``$0.00075``), never in
    scientific notation; zero is ``$0.00``.

    >>> fmt_money(1234.5), fmt_money(0.0044), fmt_money(0.000089), fmt_money(-0.005)
    ('$1,234.50', '$0.0044', '$0.000089', '-$0.0050')
    >>> fmt_money(0.000999), fmt_money(0.00996)
    ('$0.0010', '$0.01')
    """
    if missing(value):
        return MISSING
    value = float(value)
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size == 0 or size >= 0.01:
        return f"{sign}${size:,.2f}"
    exponent = math.floor(math.log10(size))
    text = f"{size:.{1 - exponent}f}"
    if float(text) >= 10.0 ** (exponent + 1):  # rounded up to the next digit: 0.00100 -> 0.0010
        text = f"{size:.{-exponent}f}"
    return f"{sign}$0.01" if float(text) >= 0.01 else f"{sign}${text}"


def fmt_rate(value: Any) -> str:
    """A price per unit (per execution, per second, per character): three significant digits
    from $0.10 down, so a per-second rate keeps its precision (``$0.0229``), to the cent above
    (``$3.20``), never in scientific notation.

    >>> fmt_rate(0.022857), fmt_rate(3.2), fmt_rate(0.0000018), fmt_rate(0.45), fmt_rate(0)
    ('$0.0229', '$3.20', '$0.0000018', '$0.45', '$0.00')
    """
    if missing(value):
        return MISSING
    value = float(value)
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size == 0 or size >= 0.1:
        return f"{sign}${size:,.2f}"
    exponent = math.floor(math.log10(size))
    text = f"{size:.{2 - exponent}f}"
    if float(text) >= 10.0 ** (exponent + 1):  # rounded up to the next digit
        text = f"{size:.{1 - exponent}f}"
    whole, _, decimals = text.partition(".")
    decimals = decimals.rstrip("0").ljust(2, "0")  # $0.05, not $0.0500
    return f"{sign}${whole}.{decimals}"


def fmt_signed_money(value: Any) -> str:
    """A change in dollars with its sign, written by :func:`fmt_money`'s rule: ``+$12.00``,
    ``-$0.0068``; no change reads ``$0.00``.

    >>> fmt_signed_money(12), fmt_signed_money(-0.0068), fmt_signed_money(0)
    ('+$12.00', '-$0.0068', '$0.00')
    """
    if missing(value):
        return MISSING
    value = float(value)
    if value == 0:
        return "$0.00"
    return fmt_money(value) if value < 0 else "+" + fmt_money(value)


def fmt_int(value: Any) -> str:
    return MISSING if missing(value) else f"{int(value):,}"


def fmt_signed_int(value: Any) -> str:
    return MISSING if missing(value) else f"{int(value):+,}"


def fmt_pct(value: Any) -> str:
    """A ratio as a percentage with one decimal."""
    return MISSING if missing(value) else f"{float(value):.1%}"


def fmt_signed_pct(value: Any) -> str:
    """A relative change with its sign; one that rounds to nothing reads ``0.0%``, unsigned.

    >>> fmt_signed_pct(0.123), fmt_signed_pct(-0.0004)
    ('+12.3%', '0.0%')
    """
    return _signed_percent(value, "%")


def fmt_points(value: Any) -> str:
    """A change of a rate, in percentage points; none reads ``0.0 pp``.

    >>> fmt_points(0.0123), fmt_points(-0.0001)
    ('+1.2 pp', '0.0 pp')
    """
    return _signed_percent(value, " pp")


def _signed_percent(value: Any, unit: str) -> str:
    """``value`` x 100 to one decimal with its sign; a change that rounds to nothing is
    unsigned (never ``-0.0``)."""
    if missing(value):
        return MISSING
    tenths = round(float(value) * 100, 1)
    return f"0.0{unit}" if tenths == 0 else f"{tenths:+.1f}{unit}"


def fmt_seconds(value: Any) -> str:
    """A duration: seconds (one decimal) below a minute, minutes below an hour, else hours.

    >>> fmt_seconds(46), fmt_seconds(45.94), fmt_seconds(222), fmt_seconds(7200)
    ('46.0 s', '45.9 s', '3.7 min', '2.0 h')
    """
    if missing(value):
        return MISSING
    seconds = float(value)
    size = abs(seconds)
    if size < 60:
        return f"{seconds:.1f} s"
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


def plural(count: int, word: str) -> str:
    """``1 model``, ``2 models``, with thousands separators.

    >>> plural(1, "model"), plural(1200, "execution")
    ('1 model', '1,200 executions')
    """
    return f"{count:,} {word}{'' if count == 1 else 's'}"


# --- kinds of column: every face formats a column of one kind the same way ------------------
def fmt_text(value: Any) -> str:
    return "" if missing(value) else cell_text(value)


def fmt_flag(value: Any) -> str:
    """``yes`` for a true flag; blank for false or missing (``pd.NA`` included)."""
    return "yes" if not missing(value) and bool(value) else ""


def fmt_decimal(value: Any) -> str:
    """A plain number to two decimals (a ratio such as a MASE): ``0.80``."""
    return MISSING if missing(value) else f"{float(value):,.2f}"


def fmt_score(value: Any) -> str:
    """A signed score to one decimal (robust deviations): ``+5.8``."""
    return MISSING if missing(value) else f"{float(value):+.1f}"


FORMATS = {
    "money": fmt_money,
    "rate": fmt_rate,
    "signed_money": fmt_signed_money,
    "int": fmt_int,
    "signed_int": fmt_signed_int,
    "pct": fmt_pct,
    "signed_pct": fmt_signed_pct,
    "points": fmt_points,
    "seconds": fmt_seconds,
    "signed_seconds": fmt_signed_seconds,
    "time": fmt_time,
    "date": fmt_date,
    "text": fmt_text,
    "flag": fmt_flag,
    "decimal": fmt_decimal,
    "score": fmt_score,
}
#: Formats whose cells are numbers (right-aligned).
NUMERIC_FORMATS = frozenset(FORMATS) - {"text", "time", "date", "flag"}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def cell_text(value: Any) -> str:
    """A value as one line of plain text (control characters and newlines become spaces)."""
    text = str(value)
    return _CONTROL.sub(" ", text.replace("\r", " ").replace("\n", " ").replace("\t", " "))
