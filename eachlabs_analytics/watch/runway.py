"""Runway: the day a pre-paid balance most likely runs out, with its interval, and the top-up.

each::labs is pre-paid: past a zero balance, predictions are throttled or refused. The
runway sets a balance (read at ``as_of``) against the spend forecast's simulated daily paths,
the model and the seed of :func:`~eachlabs_analytics.watch.forecast_spend` (total spend;
:func:`~eachlabs_analytics.watch.forecast.history` and
:func:`~eachlabs_analytics.watch.forecast.forecast_days`), so the same source gives the same
dates every run (for a horizon that reaches past the month's end and 28 days, the very paths
``forecast_spend(horizon=...)`` draws; a shorter one is simulated that far):

- each path spends the rest of the day in progress (its share of a day's spend still to come
  after ``as_of``'s time of day, as ``forecast_spend`` counts it), then whole days;
- a path *runs out* on the first day its cumulative spend reaches the balance; a path that
  does not within the horizon runs out "later";
- ``date`` is the median run-out day over the paths, ``lo_<L>``/``hi_<L>`` the
  ``(100 - L) / 2`` and ``(100 + L) / 2`` percent quantiles (each a day some path ran out
  on: the smallest day by which that share of paths had run out); None for "later than
  the horizon" (``horizon_end``, exclusive);
- ``top_up`` is the least amount (rounded up to the cent) that, added now, keeps the balance
  at or above zero to the end of ``as_of``'s calendar month in 95 % of paths; 0.0 when none
  is needed;
- a balance at or below zero has run out already: every date is ``as_of``'s day.

When the forecast runs out of history (no whole day with spend, "run rate"), its expected
spend stands in as the one path: the dates then have no spread.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=5_000, seed=7, end="2026-10-20T12:00:00Z")
>>> r = runway_from(df, 100.0)
>>> str(r.date.date()), r.lo_95 <= r.lo_80 <= r.date <= r.hi_80 <= r.hi_95, r.top_up
('2026-10-28', True, 79.25)
>>> runway_from(df, -5.0).date == pd.Timestamp("2026-10-20", tz="UTC")
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from eachlabs_analytics._util.formats import fmt_money
from eachlabs_analytics._util.timestamps import DAY
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.frame_partials import answerer
from eachlabs_analytics.metrics.lazy import Executions
from eachlabs_analytics.watch._frame import resolve_as_of
from eachlabs_analytics.watch.forecast import check_levels, forecast_days, history, horizon_end

#: Days behind ``daily_burn``: the forecast's expected spend per day over the next four weeks.
BURN_DAYS = 28
#: The share of paths the top-up covers to the month's end.
TOP_UP_LEVEL = 0.95
#: The levels a :class:`Runway` always has as fields (the check warns at 80 %).
FIELD_LEVELS: tuple[int, ...] = (80, 95)
DEFAULT_HORIZON = "90D"

#: A run-out day (UTC midnight), or None: later than the horizon.
Day: TypeAlias = "pd.Timestamp | None"


@dataclass(frozen=True)
class Runway:
    """When the balance most likely runs out (see :mod:`~eachlabs_analytics.watch.runway`).

    ``balance_usd`` at ``as_of``; ``horizon_end`` the midnight (UTC) the paths run to,
    exclusive; ``daily_burn`` the forecast's expected spend per day over the next 28 days;
    ``date`` the median run-out day (UTC midnight; None: not before ``horizon_end``);
    ``lo_80`` ... ``hi_95`` its 80 % and 95 % intervals (None: later than the horizon);
    ``top_up`` USD that keep it at or above zero to ``month_end`` (the next month's first
    midnight) in 95 % of paths; ``method`` and ``fallback`` the forecast's;
    ``intervals`` the interval of every level asked for (``levels``).
    """

    balance_usd: float
    as_of: pd.Timestamp
    horizon_end: pd.Timestamp
    daily_burn: float
    date: Day
    lo_80: Day
    hi_80: Day
    lo_95: Day
    hi_95: Day
    top_up: float
    method: str
    month_end: pd.Timestamp
    fallback: str | None = None
    levels: tuple[int, ...] = FIELD_LEVELS
    intervals: Mapping[int, tuple[Day, Day]] = field(default_factory=dict, hash=False)

    @property
    def out(self) -> bool:
        """Whether the balance has run out already (at or below zero)."""
        return self.balance_usd <= 0

    def summary(self) -> str:
        """The runway in one sentence or two, as every face says it.

        >>> import eachlabs_analytics as ea
        >>> df = ea.generate_executions(executions=5_000, seed=7, end="2026-10-20T12:00:00Z")
        >>> print(runway_from(df, 100.0, levels=(80,)).summary())
        Balance $100.00 on 2026-10-20 12:00 UTC, spending about $11.05 a day: it most likely \
runs out on 2026-10-28 (80%: 2026-10-27 to 2026-10-30). A top-up of $79.25 keeps it above \
zero to 2026-10-31 in 95% of simulated paths.
        """
        when = self.as_of.strftime("%Y-%m-%d %H:%M UTC")
        head = f"Balance {fmt_money(self.balance_usd)} on {when}"
        month_last = _day(self.month_end - DAY)
        if self.out:
            text = f"{head}: already out."
        else:
            last = _day(self.horizon_end - DAY)
            burn = f"{head}, spending about {fmt_money(self.daily_burn)} a day"
            if self.date is None:
                text = f"{burn}: it most likely lasts past {last}"
            else:
                text = f"{burn}: it most likely runs out on {_day(self.date)}"
            ranges = [f"{level}%: {_range(*self.intervals[level], last)}" for level in self.levels]
            text += f" ({'; '.join(ranges)})." if ranges else "."
        if self.top_up > 0:
            return (
                f"{text} A top-up of {fmt_money(self.top_up)} keeps it above zero to "
                f"{month_last} in {TOP_UP_LEVEL:.0%} of simulated paths."
            )
        return f"{text} No top-up is needed to reach {month_last} in {TOP_UP_LEVEL:.0%} of paths."

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON values (timestamps in ISO 8601, None kept).

        >>> import eachlabs_analytics as ea
        >>> df = ea.generate_executions(executions=3_000, seed=7, end="2026-10-20T12:00:00Z")
        >>> runway_from(df, 0.0).to_dict()["date"]
        '2026-10-20T00:00:00+00:00'
        """
        out: dict[str, Any] = {}
        for name in (
            "balance_usd", "as_of", "horizon_end", "daily_burn", "date", "lo_80", "hi_80",
            "lo_95", "hi_95", "top_up", "method", "month_end", "fallback",
        ):  # fmt: skip
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, pd.Timestamp) else value
        out["intervals"] = {
            str(level): [None if d is None else d.isoformat() for d in pair]
            for level, pair in self.intervals.items()
        }
        return out


def _day(stamp: pd.Timestamp) -> str:
    return stamp.strftime("%Y-%m-%d")


def _range(low: Day, high: Day, last: str) -> str:
    if low is None:
        return f"after {last}"
    return f"{_day(low)} to {_day(high) if high is not None else f'after {last}'}"


def balance_value(balance: object, helper: str = "runway") -> float:
    """The balance in USD from a number or a ``Balance`` (anything with ``balance_usd``).

    >>> balance_value(12), balance_value(type("B", (), {"balance_usd": -1.5})())
    (12.0, -1.5)
    """
    value = getattr(balance, "balance_usd", balance)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not math.isfinite(float(value))
    ):
        raise InvalidQueryError(
            f"{helper}: balance={balance!r} is not allowed; use a finite number of USD (zero "
            "and negative are valid), an ea.balance() result, or None to read it from the API"
        )
    return float(value)


@dataclass(frozen=True)
class RunwayArgs:
    """A runway's arguments, checked: levels, "now" and the horizon's end."""

    levels: tuple[int, ...]
    as_of: pd.Timestamp
    horizon_end: pd.Timestamp


def check_args(
    source: Executions, levels: Sequence[int], as_of: object, horizon: object
) -> RunwayArgs:
    """Refuse a bad source, level, ``as_of`` or horizon before anything is read (the
    application layer checks before it asks the API for the balance)."""
    answerer(source, "runway", ["created_at", "execution_cost", "status"])
    levels_ = check_levels(levels)
    now = resolve_as_of(source, as_of, "runway")
    return RunwayArgs(levels_, now, horizon_end(horizon, now))


def runway_from(
    source: Executions,
    balance: object,
    levels: Sequence[int] = FIELD_LEVELS,
    as_of: object = None,
    *,
    horizon: str | pd.Timedelta = DEFAULT_HORIZON,
) -> Runway:
    """The runway of ``balance`` (USD, or a ``Balance``) against the spend of ``source``.

    ``source`` is a frame of executions or a lazy selection (``store.scan()``), with the
    same result; ``levels`` the interval levels in percent (80 and 95 are always computed
    for the fields); ``as_of`` "now" (default: the data's window end; the balance is taken to
    be the one at that instant: pass data that reaches it); ``horizon`` how far the paths
    run: ``"month"`` or a duration up to 400 days (default ``"90D"``), rounded up to a
    midnight. Raises :class:`~eachlabs_analytics.InvalidQueryError` for a bad argument.
    """
    amount = balance_value(balance)
    args = check_args(source, levels, as_of, horizon)
    hist = history(source, None, args.as_of)
    today = hist.today
    month_end = horizon_end("month", args.as_of)
    horizon_days = (args.horizon_end - today).days
    n_days = max(horizon_days, (month_end - today).days, BURN_DAYS)
    series = hist.whole.iloc[:, 0] if len(hist.whole.columns) else pd.Series(dtype=float)
    spent = float(hist.today_spent.iloc[0]) if len(hist.today_spent) else 0.0
    fc = forecast_days(series, spent, hist.elapsed, n_days, backtest=False)
    paths = fc.paths if fc.paths is not None else fc.point[:, None]
    spend = np.array(paths, dtype=float)
    spend[0] *= 1.0 - hist.elapsed  # the rest of the day in progress
    cumulative = np.cumsum(spend, axis=0)
    days = run_out_days(cumulative[:horizon_days], amount)
    wanted = sorted(set(args.levels) | set(FIELD_LEVELS))
    intervals = {level: _interval(days, level, today) for level in wanted}
    to_month_end = cumulative[(month_end - today).days - 1]
    need = float(np.sort(to_month_end)[_rank(len(to_month_end), TOP_UP_LEVEL)]) - amount
    return Runway(
        balance_usd=amount,
        as_of=args.as_of,
        horizon_end=args.horizon_end,
        daily_burn=float(np.mean(fc.point[:BURN_DAYS])),
        date=_on(days, 0.5, today),
        lo_80=intervals[80][0],
        hi_80=intervals[80][1],
        lo_95=intervals[95][0],
        hi_95=intervals[95][1],
        top_up=max(0.0, math.ceil(round(need * 100, 6)) / 100),
        method=fc.method,
        month_end=month_end,
        fallback=fc.fallback,
        levels=args.levels,
        intervals={level: intervals[level] for level in args.levels},
    )


def run_out_days(cumulative: np.ndarray, balance: float) -> np.ndarray:
    """Per path (columns of ``cumulative``, spend summed day by day from today): the first day
    (0 = today) on which it reaches ``balance``; ``inf`` when it does not. Already out
    (``balance <= 0``): day 0.

    >>> run_out_days(np.array([[1.0, 1.0], [3.0, 1.5]]), 2.0).tolist()
    [1.0, inf]
    """
    n_paths = cumulative.shape[1] if cumulative.ndim == 2 else 1
    if balance <= 0:
        return np.zeros(n_paths)
    reached = cumulative >= balance
    first = np.argmax(reached, axis=0).astype(float)
    first[~reached.any(axis=0)] = np.inf
    return first


def _rank(n: int, share: float) -> int:
    """Position in ``n`` sorted values of the ``share`` quantile: the smallest value with at
    least that share of values at or below it."""
    return min(max(math.ceil(round(share * n, 9)) - 1, 0), n - 1)


def _on(days: np.ndarray, share: float, today: pd.Timestamp) -> Day:
    day = float(np.sort(days)[_rank(len(days), share)])
    return None if math.isinf(day) else today + int(day) * DAY


def _interval(days: np.ndarray, level: int, today: pd.Timestamp) -> tuple[Day, Day]:
    tail = (100 - level) / 200
    return _on(days, tail, today), _on(days, 1 - tail, today)
