"""The check's runway rule: say when a pre-paid balance may run out within so many days.

``check --runway-days WARN[,CRIT]`` judges the balance's runway
(:func:`~eachlabs_analytics.watch.runway.runway_from`) at the 80 % level: the early end of
the 80 % interval of the run-out day (``lo_80``, the day by which one simulated path in ten
has run out) is compared with today (``as_of``'s UTC day, day 0):

- **CRITICAL** when it falls within ``CRIT`` days (a balance at or below zero is out today);
- **WARNING** when it falls within ``WARN`` days;
- **OK** otherwise, also when no path runs out within the forecast's horizon;
- **UNKNOWN** when the balance is unknown (the API's 503, no key, no ``--balance``): never
  read as zero, so never CRITICAL; the budgets are judged all the same.

The alert's key holds the day (``runway:warning:2026-10-31``), so a cron every 15 minutes
sends it once a day; its text carries the most likely day and the intervals.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=5_000, seed=7, end="2026-10-20T12:00:00Z")
>>> verdict = judge_runway(df, (10, 3), 100.0, pd.Timestamp("2026-10-20T12:00:00Z"))
>>> verdict.status_name, verdict.alert.key
('WARNING', 'runway:warning:2026-10-20')
>>> judge_runway(df, (10, 3), None, pd.Timestamp("2026-10-20T12:00:00Z")).status_name
'UNKNOWN'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from eachlabs_analytics._util.timestamps import DAY
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.lazy import Executions
from eachlabs_analytics.watch.check_result import (
    CRITICAL,
    OK,
    STATUS_NAMES,
    UNKNOWN,
    WARNING,
    Alert,
)
from eachlabs_analytics.watch.runway import DEFAULT_HORIZON, Runway, runway_from

#: The interval level the rule reads (its early end).
RUNWAY_LEVEL = 80
#: The most days ``WARN`` may be (the forecast looks this far ahead at most).
MAX_RUNWAY_DAYS = 365

#: What :func:`judge_runway` says when no balance was given and none could be read.
NO_BALANCE = "the balance is unknown (give --balance USD, or an API key to read it)"


@dataclass(frozen=True)
class RunwayVerdict:
    """The runway rule's verdict: ``status`` (an exit status), ``days`` (WARN, CRIT or None),
    ``runway`` (None when the balance is unknown) and ``reason`` (why, in words)."""

    status: int
    days: tuple[int, int | None]
    runway: Runway | None
    reason: str

    @property
    def status_name(self) -> str:
        """``"OK"``, ``"WARNING"``, ``"CRITICAL"`` or ``"UNKNOWN"``."""
        return STATUS_NAMES[self.status]

    @property
    def alert(self) -> Alert | None:
        """The alert to send (None when OK or UNKNOWN)."""
        if self.status not in (WARNING, CRITICAL) or self.runway is None:
            return None
        level = "critical" if self.status == CRITICAL else "warning"
        day = self.runway.as_of.strftime("%Y-%m-%d")
        return Alert(f"runway:{level}:{day}", level, self.line())

    def line(self) -> str:
        """``runway: <STATUS> - <reason>[: <the runway's summary>]``, one line."""
        text = f"runway: {self.status_name} - {self.reason}"
        if self.runway is not None:
            text += f": {self.runway.summary()}"
        return text

    def as_json(self) -> dict[str, Any]:
        """JSON-ready: ``status``, ``warn_days``, ``critical_days``, ``reason`` and the
        runway's fields (:meth:`~eachlabs_analytics.watch.runway.Runway.to_dict`, None when
        the balance is unknown)."""
        return {
            "status": self.status_name,
            "warn_days": self.days[0],
            "critical_days": self.days[1],
            "reason": self.reason,
            "runway": None if self.runway is None else self.runway.to_dict(),
        }


def parse_runway_days(text: object) -> tuple[int, int | None]:
    """``"WARN"`` or ``"WARN,CRIT"`` (whole days, ``CRIT <= WARN``), or such a pair.

    >>> parse_runway_days("7,3"), parse_runway_days("14"), parse_runway_days((5, None))
    ((7, 3), (14, None), (5, None))
    >>> parse_runway_days("3,7")
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: runway days '3,7' are not allowed: give \
WARN or WARN,CRIT in whole days from 0 to 365 with CRIT <= WARN, e.g. 14,7
    """
    allowed = (
        f"runway days {text!r} are not allowed: give WARN or WARN,CRIT in whole days from 0 to "
        f"{MAX_RUNWAY_DAYS} with CRIT <= WARN, e.g. 14,7"
    )
    parts: list[object]
    if isinstance(text, str):
        parts = [p.strip() for p in text.split(",")]
    elif isinstance(text, tuple | list):
        parts = list(text)
    else:
        raise InvalidQueryError(allowed)
    if len(parts) == 2 and parts[1] is None:
        parts = parts[:1]
    if not 1 <= len(parts) <= 2:
        raise InvalidQueryError(allowed)
    days: list[int] = []
    for part in parts:
        if isinstance(part, str) and part.isdigit() and part.isascii():
            part = int(part)
        if isinstance(part, bool) or not isinstance(part, int):
            raise InvalidQueryError(allowed)
        if not 0 <= part <= MAX_RUNWAY_DAYS:
            raise InvalidQueryError(allowed)
        days.append(part)
    if len(days) == 2 and days[1] > days[0]:
        raise InvalidQueryError(allowed)
    return days[0], days[1] if len(days) == 2 else None


def judge_runway(
    df: Executions,
    days: tuple[int, int | None],
    balance: object,
    as_of: pd.Timestamp,
    unknown: str | None = None,
) -> RunwayVerdict:
    """The runway rule (see the module's docstring) for ``balance`` (USD, a ``Balance``, or
    None: unknown, ``unknown`` saying why) against the spend of ``df`` as of ``as_of``."""
    warn, crit = parse_runway_days(days)
    if balance is None:
        return RunwayVerdict(UNKNOWN, (warn, crit), None, unknown or NO_BALANCE)
    # the default horizon when it covers WARN: the check's dates are ea.runway's
    horizon = pd.Timedelta(DEFAULT_HORIZON)
    horizon = max(horizon, pd.Timedelta(days=warn + 2))
    runway = runway_from(df, balance, as_of=as_of, horizon=horizon)
    early = runway.lo_80
    if early is None:
        return RunwayVerdict(
            OK, (warn, crit), runway, f"no run-out within {warn} days at the 80 % level"
        )
    left = (early - as_of.floor("D")) // DAY
    when = "already out" if runway.out else f"may run out by {early.strftime('%Y-%m-%d')}"
    if crit is not None and left <= crit:
        return RunwayVerdict(
            CRITICAL, (warn, crit), runway, f"{when}, within {crit} days at the 80 % level"
        )
    if left <= warn:
        return RunwayVerdict(
            WARNING, (warn, crit), runway, f"{when}, within {warn} days at the 80 % level"
        )
    return RunwayVerdict(
        OK, (warn, crit), runway, f"no run-out within {warn} days at the 80 % level"
    )
