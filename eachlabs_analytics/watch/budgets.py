"""Budgets: how much of each budget this period has used, and when it will run out.

A budget is an amount in USD for one calendar period (UTC day, week from Monday, month) on
``"total"`` (every execution), a model slug, or ``"workflow:<id>"``. Spend counts every row
created in the period up to ``as_of`` (any status; a missing cost counts 0), like
:func:`~eachlabs_analytics.cost_over_time`. The rest of the period is forecast per key as in
:func:`~eachlabs_analytics.watch.forecast_spend` (expected spend, whole days and the rest of
today). Budgets come as a mapping, or as command-line text (``--budget total=500``) that
:func:`parse_budgets` reads into one, with the same keys.

Status, with ``thresholds`` sorted (default 0.5, 0.8, 1.0) and ``top`` the highest:

- ``critical``: ``used >= top`` (with the default, the budget is spent);
- ``warning``: a lower threshold is crossed, or ``projected_used >= top`` (on course to
  overspend before the period ends);
- ``ok``: neither.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=3_000, seed=7, end="2026-10-20T12:00:00Z")
>>> table = check_budgets(df, {"total": 100.0, "veo-3": 5_000.0})
>>> table[["budget", "status"]].to_dict("index")
{'total': {'budget': 100.0, 'status': 'critical'}, 'veo-3': {'budget': 5000.0, 'status': 'ok'}}
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eachlabs_analytics._util import money
from eachlabs_analytics._util.timestamps import DAY
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.frame_partials import answerer
from eachlabs_analytics.metrics.lazy import Executions
from eachlabs_analytics.watch._frame import (
    TOTAL,
    first_full_day,
    lazy_daily_spend,
    resolve_as_of,
    result_attrs,
)
from eachlabs_analytics.watch.forecast import History, forecast_days, history

#: ``period`` values.
PERIODS: tuple[str, ...] = ("day", "week", "month")
#: ``status`` values, from good to bad.
STATUSES: tuple[str, ...] = ("ok", "warning", "critical")
#: Key of the budget on every execution; ``WORKFLOW_PREFIX + id`` names a workflow.
TOTAL_KEY = "total"
WORKFLOW_PREFIX = "workflow:"
COLUMNS: tuple[str, ...] = (
    "spent",
    "budget",
    "used",
    "projected",
    "projected_used",
    "status",
    "crossed",
    "projected_exhaustion",
)
_ALLOWED_KEYS = "'total', a model slug such as 'veo-3', or 'workflow:<id>'"
_BUDGET_FORM = (
    "KEY=AMOUNT, KEY being 'total', a model slug such as 'veo-3' or 'workflow:<id>', AMOUNT a "
    "positive number of USD such as 500, 99.90, $1,500 or 1,500.00"
)
# a plain number, or one with comma thousands separators in groups of three; optional "$"
_AMOUNT = re.compile(r"\$?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(\.[0-9]+)?", re.ASCII)


def _check_budgets(budgets: object) -> dict[str, float]:
    if not isinstance(budgets, Mapping) or not budgets:
        raise InvalidQueryError(
            f"budgets must be a non-empty mapping of {_ALLOWED_KEYS} to an amount in USD, "
            f"e.g. {{'total': 500, 'veo-3': 200}}; got {budgets!r}"
        )
    out: dict[str, float] = {}
    for key, amount in budgets.items():
        if not isinstance(key, str) or not key.strip() or key == WORKFLOW_PREFIX:
            raise InvalidQueryError(f"budget key {key!r} is not allowed; use {_ALLOWED_KEYS}")
        number = amount if isinstance(amount, int | float | np.number) else None
        if isinstance(amount, bool) or number is None or not math.isfinite(float(number)):
            raise InvalidQueryError(
                f"budget {key!r}: {amount!r} is not an amount; use a positive number of USD"
            )
        if float(number) <= 0:
            raise InvalidQueryError(
                f"budget {key!r}: {amount!r} is not allowed; a budget is a positive amount of USD"
            )
        out[key] = float(number)
    return out


def parse_budgets(values: Iterable[str]) -> dict[str, float]:
    """Budgets given on a command line (``--budget total=500``) as a mapping for
    :func:`~eachlabs_analytics.watch.check.run_check`.

    Each value is ``KEY=AMOUNT`` (spaces around either are ignored): ``KEY`` is ``total``
    (every execution), a model slug (``veo-3``) or ``workflow:<id>`` and is kept as written
    (slugs are case-sensitive); ``AMOUNT`` is a positive number of US dollars, written plainly
    (``500``, ``99.90``) or with a leading ``$`` and comma thousands separators in groups of
    three (``$1,500``, ``1,500.00``). Refused, with what is allowed: a value without ``=``, an
    empty key, an amount that is not such a number (``1,5``, ``1e3``, ``inf``, ``500 USD``), a
    negative or zero amount, and a key given twice. No values: an empty mapping.

    Examples
    --------
    >>> parse_budgets(["total=500", "veo-3 = $1,250.50", "workflow:wf_123=50"])
    {'total': 500.0, 'veo-3': 1250.5, 'workflow:wf_123': 50.0}
    >>> parse_budgets(["total=500", "total=600"])
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: budget 'total' is given twice ('total=500' \
and 'total=600'); give each key once
    """
    if isinstance(values, str | bytes):
        raise InvalidQueryError(
            "parse_budgets takes a list of 'KEY=AMOUNT' strings, not one string; "
            f"e.g. parse_budgets([{values!r}])"
        )
    out: dict[str, float] = {}
    given: dict[str, str] = {}
    for value in values:
        if not isinstance(value, str):
            raise InvalidQueryError(f"budget {value!r} is not text; use {_BUDGET_FORM}")
        key, sep, amount_text = value.partition("=")
        key, amount_text = key.strip(), amount_text.strip()
        if not sep:
            raise InvalidQueryError(f"budget {value!r} has no '='; use {_BUDGET_FORM}")
        if not key or key == WORKFLOW_PREFIX or any(c.isspace() for c in key):
            raise InvalidQueryError(
                f"budget {value!r} has no usable key (empty, or with spaces); use {_BUDGET_FORM}"
            )
        amount = _amount(amount_text)
        if amount is None:
            raise InvalidQueryError(
                f"budget {value!r}: {amount_text!r} is not an amount; use {_BUDGET_FORM}"
            )
        if amount <= 0:
            raise InvalidQueryError(
                f"budget {value!r}: a budget must be a positive amount of USD, not {amount_text}"
            )
        if key in out:
            raise InvalidQueryError(
                f"budget {key!r} is given twice ({given[key]!r} and {value!r}); give each key once"
            )
        out[key], given[key] = amount, value
    return out


def _amount(text: str) -> float | None:
    negative = text.startswith("-")
    body = text[1:].lstrip() if negative else text
    match = _AMOUNT.fullmatch(body)
    if match is None or not (match.group(1) or match.group(2)):
        return None
    number = float((match.group(1) or "0").replace(",", "") + (match.group(2) or ""))
    if not math.isfinite(number):  # 400 digits
        return None
    return -number if negative else number


def _check_thresholds(thresholds: object) -> tuple[float, ...]:
    allowed = "a non-empty sequence of positive shares of the budget, e.g. (0.5, 0.8, 1.0)"
    if isinstance(thresholds, str | bytes) or not isinstance(thresholds, Sequence):
        raise InvalidQueryError(f"thresholds={thresholds!r} is not allowed; use {allowed}")
    values = []
    for value in thresholds:
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise InvalidQueryError(f"thresholds={thresholds!r} is not allowed; use {allowed}")
        if not (math.isfinite(float(value)) and float(value) > 0):
            raise InvalidQueryError(f"thresholds={thresholds!r} is not allowed; use {allowed}")
        values.append(float(value))
    if not values:
        raise InvalidQueryError(f"thresholds={thresholds!r} is not allowed; use {allowed}")
    return tuple(sorted(set(values)))


def period_bounds(period: str, as_of: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end)`` of the calendar period (UTC) holding ``as_of``.

    >>> [str(t.date()) for t in period_bounds("week", pd.Timestamp("2026-10-22T08:00Z"))]
    ['2026-10-19', '2026-10-26']
    """
    if period not in PERIODS:
        raise InvalidQueryError(
            f"period={period!r} is not allowed; use one of {', '.join(PERIODS)}"
        )
    day = as_of.floor("D")
    if period == "day":
        return day, day + DAY
    if period == "week":
        start = day - day.weekday() * DAY
        return start, start + 7 * DAY
    month = as_of.tz_localize(None).to_period("M")
    start = month.to_timestamp().tz_localize("UTC").as_unit("us")
    return start, (month + 1).to_timestamp().tz_localize("UTC").as_unit("us")


def _rows_of(df: pd.DataFrame, key: str) -> tuple[pd.DataFrame, bool]:
    """The rows a budget covers, and whether the data has ever seen its model or workflow."""
    if key == TOTAL_KEY:
        return df, True
    if key.startswith(WORKFLOW_PREFIX):
        column, value = "workflow_id", key.removeprefix(WORKFLOW_PREFIX)
    else:
        column, value = "model", key
    _rows.check_frame(df, "check_budgets", [column])
    mask = (df[column] == value).to_numpy(dtype=bool, na_value=False)
    return df.loc[mask], bool(mask.any())


def _column_of(key: str) -> tuple[str | None, str | None]:
    """The column a budget key selects on and its value (None, None for the total)."""
    if key == TOTAL_KEY:
        return None, None
    if key.startswith(WORKFLOW_PREFIX):
        return "workflow_id", key.removeprefix(WORKFLOW_PREFIX)
    return "model", key


@dataclass(frozen=True)
class _KeySpend:
    """What a budget needs of its rows: whether the data saw the key, the spend per day of
    the period so far (days with a row), and the key's own :class:`History`."""

    seen: bool
    spent: float
    by_day: pd.Series
    hist: History | None


def _spend(
    selection: _lazy.LazyExecutions, key: str, now: pd.Timestamp, start: pd.Timestamp
) -> _KeySpend:
    """What ``key`` spent in ``[start, now)`` by day, from the spend per (day, model or
    workflow), and its daily history for the projection."""
    column, value = _column_of(key)
    if column is None:
        seen = True
    else:
        groups = selection.partials(_lazy.GroupCounts(column, cost=False))
        values = _lazy.typed_keys(_lazy.labels(groups, "key"), column)
        seen = bool(((values == value).to_numpy(dtype=bool, na_value=False)).any())

    def spend_of(table: pd.DataFrame) -> pd.Series:
        # the key's column of a daily table by ``column`` (zeros when no row in its range)
        if column is None:
            return table[TOTAL]
        found = [i for i, label in enumerate(table.columns) if label == value]
        if not found:
            return pd.Series(0.0, index=table.index)
        return table.iloc[:, found[0]]

    period = spend_of(lazy_daily_spend(selection, column, start, now))
    by_day = period[period != 0.0]
    hist = None
    if seen:
        # the window's first whole day, or the day of the first row: days before the key's
        # first spend are zeros either way, which the forecast skips
        today = now.floor("D")
        first = first_full_day(selection)
        if first is None or first > today:
            first = today
        table = spend_of(lazy_daily_spend(selection, column, first, now)).to_frame(TOTAL)
        hist = History(now, today, math.nan, table.iloc[:-1], table.iloc[-1])
    return _KeySpend(seen, money.total(period.to_numpy()), by_day, hist)


def _status(used: float, projected_used: float, thresholds: tuple[float, ...]) -> tuple[str, float]:
    crossed = [t for t in thresholds if used >= t]
    top = thresholds[-1]
    if used >= top:
        return "critical", top
    if crossed or projected_used >= top:
        return "warning", crossed[-1] if crossed else math.nan
    return "ok", math.nan


def check_budgets(
    df: Executions,
    budgets: Mapping[str, float],
    period: str = "month",
    thresholds: Sequence[float] = (0.5, 0.8, 1.0),
    as_of: object = None,
) -> pd.DataFrame:
    """Spend against budgets for the current period, projected to its end.

    Parameters
    ----------
    df : DataFrame or lazy selection
        Executions as :func:`~eachlabs_analytics.load_executions` returns them, or a lazy
        selection of them (``ExecutionStore.scan(...)``, ``ea.scan_table(...)``): the same
        result, from its spend per day and key computed in its engine.
    budgets : mapping
        ``"total"``, a model slug or ``"workflow:<id>"`` -> a positive amount in USD. A key
        the data never saw is allowed (spent 0) and listed in ``attrs["unseen"]``.
    period : {"day", "week", "month"}
        The calendar period (UTC) holding ``as_of``; weeks start on Monday.
    thresholds : sequence of float
        Shares of the budget that raise an alert (see the module's docstring for ``status``).
    as_of : timestamp-like, optional
        "Now"; default the window's end, else just after the newest row.

    Returns
    -------
    DataFrame
        Indexed by budget key, in the order given: ``spent`` (USD so far this period),
        ``budget``, ``used`` (``spent / budget``), ``projected`` (expected spend of the whole
        period), ``projected_used``, ``status``, ``crossed`` (the highest threshold crossed,
        NaN if none), ``projected_exhaustion`` (the UTC day the budget was or is expected to
        be reached within the period; NaT if not). ``attrs``: ``period``, ``period_start``,
        ``period_end``, ``as_of``, ``thresholds``, ``unseen``, ``method`` and ``fallback``
        per key, and ``partial_period`` (the data starts after the period does, so ``spent``
        misses the start).

    Raises
    ------
    InvalidQueryError
        A bad budget (not positive, not a number, a bad key), threshold, period or as_of.

    Examples
    --------
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=3_000, seed=7, end="2026-10-20T12:00:00Z")
    >>> table = check_budgets(df, {"total": 250.0}, thresholds=(0.5, 1.0))
    >>> october = df[df["created_at"] >= "2026-10-01"]
    >>> row = table.loc["total"]
    >>> bool(row["spent"] == october["execution_cost"].sum()), float(row["crossed"]), row["status"]
    (True, 0.5, 'warning')
    >>> check_budgets(df, {"total": -5})
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: budget 'total': -5 is not allowed; a \
budget is a positive amount of USD
    """
    source = answerer(df, "check_budgets", ["created_at", "execution_cost"])
    amounts = _check_budgets(budgets)
    levels = _check_thresholds(thresholds)
    now = resolve_as_of(df, as_of, "check_budgets")
    start, end = period_bounds(period, now)
    today = now.floor("D")
    horizon = (end - DAY - today).days + 1
    elapsed = history(df, None, now).elapsed
    records, unseen, method, fallback = [], [], {}, {}
    for key, budget in amounts.items():
        found = _spend(source, key, now, start)
        if not found.seen:
            unseen.append(key)
        # daily spend of this period so far: when the budget was reached, if it was
        by_day, spent = found.by_day, found.spent
        projected, exhaustion = spent, pd.NaT
        if spent >= budget and len(by_day):
            crossed_on = by_day.index[int(np.argmax(by_day.cumsum() >= budget))]
            exhaustion = pd.Timestamp(crossed_on)
            if exhaustion.tzinfo is None:
                exhaustion = exhaustion.tz_localize("UTC")
        hist = found.hist
        if hist is not None:
            fc = forecast_days(
                hist.whole.iloc[:, 0],
                float(hist.today_spent.iloc[0]),
                elapsed,
                horizon,
                backtest=False,
            )
            method[key], fallback[key] = fc.method, fc.fallback
            rest = fc.point[:horizon].copy()
            rest[0] *= 1.0 - elapsed  # today: only what is left of it
            path = spent + np.cumsum(rest)
            projected = float(path[-1])
            if pd.isna(exhaustion) and (path >= budget).any():
                exhaustion = today + int(np.argmax(path >= budget)) * DAY
        used, projected_used = spent / budget, projected / budget
        status, crossed = _status(used, projected_used, levels)
        records.append(
            {
                "spent": spent,
                "budget": budget,
                "used": used,
                "projected": projected,
                "projected_used": projected_used,
                "status": status,
                "crossed": crossed,
                "projected_exhaustion": exhaustion,
            }
        )
    out = pd.DataFrame.from_records(records, columns=list(COLUMNS), index=list(amounts))
    out.index.name = "key"
    out["projected_exhaustion"] = pd.to_datetime(out["projected_exhaustion"], utc=True).dt.as_unit(
        "us"
    )
    first_seen = first_full_day(df)
    out.attrs = result_attrs(df)
    out.attrs.update(
        period=period,
        period_start=start.isoformat(),
        period_end=end.isoformat(),
        as_of=now.isoformat(),
        thresholds=list(levels),
        unseen=unseen,
        method=method,
        fallback=fallback,
        partial_period=bool(first_seen is not None and first_seen > start),
    )
    return out
