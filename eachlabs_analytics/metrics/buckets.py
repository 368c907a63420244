"""Periods of time: which period of ``freq`` (in a time zone's wall clock) each row falls in.

Fixed steps (``"15min"``, ``"h"``, ``"D"``) are counted from the Unix epoch in local wall-clock
time; calendar periods (``"W"``, ``"M"``, ``"Q"``, ``"Y"``) follow pandas' periods. A frame's
rows and an engine's partial rows are bucketed by the same code, so both give the same periods.

>>> p = periods(pd.Series(pd.to_datetime(["2026-10-01 23:00", "2026-10-03 00:00"], utc=True)), "D")
>>> p.codes.tolist(), p.size
([0, 2], 3)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eachlabs_analytics.exceptions import InvalidQueryError

#: Name of the index of every over-time result.
PERIOD_INDEX = "period_start"

_US = {"s": 1_000_000, "min": 60_000_000, "h": 3_600_000_000, "D": 86_400_000_000}
_FIXED_ALIASES = {"s": "s", "S": "s", "min": "min", "T": "min", "h": "h", "H": "h", "D": "D"}
_FIXED_ALIASES["d"] = "D"
_CALENDAR_ALIASES = {
    "W": "W-SUN",  # pandas' weekly period ends on Sunday, so it starts on Monday
    "M": "M",
    "MS": "M",
    "ME": "M",
    "Q": "Q",
    "QS": "Q",
    "QE": "Q",
    "Y": "Y",
    "YS": "Y",
    "YE": "Y",
}
_FREQ = re.compile(r"\s*([0-9]*)\s*([A-Za-z]+(?:-[A-Za-z]{3})?)\s*", re.ASCII)
_ALLOWED_FREQS = (
    "a fixed step 's', 'min', 'h' or 'D' with an optional multiple ('15min', '6h'), or a "
    "calendar period 'W' (weeks from Monday), 'W-SAT' style anchors, 'M', 'Q' or 'Y'"
)


@dataclass(frozen=True)
class Periods:
    """Each row's period code (-1 when ``created_at`` is missing) and every period's start:
    ``starts`` tz-aware, ``walls`` the same starts on the wall clock (microseconds since the
    epoch, what an engine's partial rows hold)."""

    codes: np.ndarray
    starts: pd.DatetimeIndex
    walls: np.ndarray

    @property
    def size(self) -> int:
        return len(self.starts)


def _parse_freq(freq: object) -> tuple[str, int | str]:
    """(kind, value): ("fixed", step in microseconds) or ("calendar", pandas period freq)."""
    match = _FREQ.fullmatch(freq) if isinstance(freq, str) else None
    if match:
        multiple = int(match.group(1) or 1)
        unit = match.group(2)
        if unit in _FIXED_ALIASES and multiple >= 1:
            return "fixed", multiple * _US[_FIXED_ALIASES[unit]]
        anchored = unit.upper().startswith("W-") and len(unit) == 5
        if multiple == 1 and (unit in _CALENDAR_ALIASES or anchored):
            return "calendar", unit.upper() if anchored else _CALENDAR_ALIASES[unit]
    raise InvalidQueryError(f"freq={freq!r} is not allowed; use {_ALLOWED_FREQS}")


def parse_freq(freq: object) -> tuple[str, int | str]:
    """What ``freq`` means: ``("fixed", step in microseconds)`` or ``("calendar", period)``.

    Engines bucket rows with it; an unknown ``freq`` is an
    :class:`~eachlabs_analytics.InvalidQueryError` saying what is allowed.

    >>> parse_freq("15min"), parse_freq("W")
    (('fixed', 900000000), ('calendar', 'W-SUN'))
    """
    return _parse_freq(freq)


def check_tz(tz: object) -> str:
    """The IANA zone name ``tz`` stands for (``"UTC"`` for None); refuses unknown zones.

    >>> check_tz(None), check_tz("Europe/Berlin")
    ('UTC', 'Europe/Berlin')
    """
    return _check_tz(tz)


def _check_tz(tz: object) -> str:
    if tz is None:
        return "UTC"
    try:
        pd.Timestamp("2026-01-01", tz=tz)
    except Exception as exc:  # pandas raises several types for a bad zone
        raise InvalidQueryError(
            f"tz={tz!r} is not a time zone; use an IANA name such as 'Europe/Berlin' or None "
            "for UTC"
        ) from exc
    return tz  # type: ignore[return-value]


def periods(created: pd.Series, freq: str = "D", tz: str | None = None) -> Periods:
    """Bucket timestamps into periods of ``freq`` in ``tz`` wall-clock time (UTC by default).

    Fixed steps are counted from the Unix epoch in local wall-clock time, so ``"D"`` starts at
    local midnight and ``"6h"`` at 00, 06, 12, 18. Around a DST change an hour of wall-clock
    time can hold two real hours (both land in it) or none (no period is listed for it).

    >>> ts = pd.Series(pd.to_datetime(["2026-03-01 23:30", "2026-03-03 01:00"], utc=True))
    >>> p = periods(ts, "D")
    >>> p.codes.tolist(), [str(s.date()) for s in p.starts]
    ([0, 2], ['2026-03-01', '2026-03-02', '2026-03-03'])
    """
    _parse_freq(freq)
    zone = _check_tz(tz)
    values = pd.Series(created, copy=False)
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        raise InvalidQueryError("created_at must hold tz-aware timestamps (the loader's UTC)")
    local = values.dt.tz_convert(zone).dt.tz_localize(None).astype("datetime64[us]")
    return _bucket(local, freq, zone)


def wall_periods(wall: np.ndarray, missing: np.ndarray, freq: str, tz: str | None) -> Periods:
    """:func:`periods` of wall-clock times already in ``tz`` (microseconds since the epoch),
    as an engine computes them: the same periods, starts and codes.

    >>> wall = np.array([0, 86_400_000_000 + 5])
    >>> p = wall_periods(wall, np.array([False, False]), "D", None)
    >>> p.codes.tolist(), p.size
    ([0, 1], 2)
    """
    naive = pd.Series(wall.astype("datetime64[us]"))
    naive[missing] = pd.NaT
    return _bucket(naive, freq, _check_tz(tz))


def _bucket(local: pd.Series, freq: str, zone: str) -> Periods:
    """Periods of naive wall-clock times (NaT for missing) in ``zone``."""
    kind, step = _parse_freq(freq)
    wall = local.to_numpy().view(np.int64)
    missing = local.isna().to_numpy(dtype=bool)
    if kind == "fixed":
        ordinal = np.floor_divide(wall, step)
    else:
        ordinal = local.dt.to_period(step).array.asi8.copy()
    if missing.all():
        empty = np.empty(0, dtype=np.int64)
        return Periods(np.full(len(wall), -1, dtype=np.intp), _local_index([], zone), empty)
    first, last = ordinal[~missing].min(), ordinal[~missing].max()
    codes = np.where(missing, -1, ordinal - first).astype(np.intp)
    span = np.arange(first, last + 1)
    if kind == "fixed":
        naive = pd.to_datetime(span * step, unit="us")
    else:
        naive = pd.PeriodIndex.from_ordinals(span, freq=step).to_timestamp(how="start")
    walls = pd.DatetimeIndex(naive).as_unit("us").asi8
    return Periods(codes, _local_index(naive, zone), walls)


def _local_index(naive: object, zone: str) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(naive).as_unit("us")
    # a period starting in a DST gap (midnight skipped) starts when the clock resumes: its rows
    # are real, and NaT would drop the whole period
    index = index.tz_localize(
        zone, ambiguous=np.ones(len(index), dtype=bool), nonexistent="shift_forward"
    )
    return index.rename(PERIOD_INDEX)
