"""Check: a cron-able verdict on budgets and recent anomalies, and its alerts.

The library behind ``eachlabs-analytics check``. :func:`run_check` judges a frame and returns
a :class:`CheckResult` whose ``status`` follows the monitoring-plugin convention (Nagios,
Icinga, Sensu, cron wrappers): ``0`` OK, ``1`` WARNING, ``2`` CRITICAL, ``3`` UNKNOWN. The
result and its statuses are :mod:`~eachlabs_analytics.watch.check_result`'s, its sentences
:mod:`~eachlabs_analytics.watch.wording`'s and the budgets' text :func:`parse_budgets`'s
(:mod:`~eachlabs_analytics.watch.budgets`); this module judges, and exports them with
:func:`run_check`.

Status rules
------------
- **Budgets** (:func:`~eachlabs_analytics.watch.check_budgets`, current calendar period):
  a ``critical`` budget (spent at least the highest threshold, by default the whole budget)
  makes the check CRITICAL; a ``warning`` one (a lower threshold crossed, or projected to
  reach the highest threshold before the period ends) makes it WARNING.
- **Anomalies** (``anomalies=True``; :func:`~eachlabs_analytics.watch.detect_anomalies` on
  daily periods, by default spend of the total and per model): only *recent* anomalies count,
  those of the last :data:`RECENT_DAYS` (2) complete UTC days before ``as_of``. A day can only
  be judged once it is over, so an anomaly of day D counts from midnight after D until
  midnight two days later: 24 to 48 hours, enough for a daily look, and the alert state
  (:class:`~eachlabs_analytics.app.alerts.AlertState`) keeps a cron every 15 minutes from
  repeating it. A recent anomaly makes the check at least WARNING (never CRITICAL on its own:
  it is unusual, not over budget). Older anomalies are left out of the result
  (``anomalies.attrs["older"]`` counts them).
- **UNKNOWN** when the check cannot judge: the frame has no executions before ``as_of`` (an
  empty load, a window without rows); the data starts after the budget period does, so the
  spend so far is incomplete and could hide an overspend; or anomalies were asked for but the
  last complete days could not be judged (too little history: detection needs about five
  weeks of days before a day). UNKNOWN outranks OK but not WARNING or CRITICAL: a budget
  already over its threshold is CRITICAL even when the anomalies could not be judged.
- A budget for a model or workflow the data never saw is judged (spent 0) and said in a note;
  when its key is close to one the data has (``veo3`` for ``veo-3``), it is taken for a typo:
  the check says **WARNING** and names the close match, as ``--model`` does.

Each problem is an :class:`Alert` whose ``key`` holds the period (``budget:total:0.8:2026-10``,
``budget:total:projected:2026-10``, ``anomaly:spend:veo-3:2026-10-28``), so an
:class:`~eachlabs_analytics.app.alerts.AlertState` file sends it once and a new month alerts
again. :func:`~eachlabs_analytics.app.alerts.notify` posts a short Slack-compatible JSON to a
webhook.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=3_000, seed=7, end="2026-10-31T12:00:00Z")
>>> result = run_check(df, parse_budgets(["total=$1,000", "veo-3=30"]))
>>> result.status, result.status_name
(2, 'CRITICAL')
>>> print(result.text())  # doctest: +NORMALIZE_WHITESPACE
EACHLABS CRITICAL - veo-3 136% of $30.00 used, projected $41.85 (139%) by 2026-10-31
budget total: OK - 21% of $1,000.00 used ($212.20 spent); projected $214.80 (21%) by 2026-10-31
budget veo-3: CRITICAL - 136% of $30.00 used ($40.96 spent), crossed 100%, budget reached on
    2026-10-27; projected $41.85 (139%) by 2026-10-31
data: 2026-08-02T12:00:00Z to 2026-10-31T12:00:00Z, as of 2026-10-31T12:00:00Z; period month
    2026-10
>>> [(alert.key, alert.level) for alert in result.alerts]
[('budget:veo-3:1:2026-10', 'critical')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from eachlabs_analytics._util.formats import missing
from eachlabs_analytics._util.timestamps import DAY, format_timestamp
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.frame_partials import answerer, rows_of, unwrapped
from eachlabs_analytics.metrics.lazy import Executions
from eachlabs_analytics.watch._frame import (
    count_before,
    created_range,
    resolve_as_of,
)
from eachlabs_analytics.watch.anomalies import METRICS, SENSITIVITY, detect_anomalies
from eachlabs_analytics.watch.budgets import (
    PERIODS,
    WORKFLOW_PREFIX,
    _check_budgets,
    _check_thresholds,
    check_budgets,
    parse_budgets,
    period_bounds,
)
from eachlabs_analytics.watch.check_result import (
    _BUDGET_STATUS,
    CRITICAL,
    OK,
    STATUS_NAMES,
    UNKNOWN,
    WARNING,
    Alert,
    CheckResult,
    _empty_anomalies,
    _empty_budgets,
    _unjudged,
    _worst,
)
from eachlabs_analytics.watch.runway_check import judge_runway, parse_runway_days
from eachlabs_analytics.watch.wording import (
    _anomaly_detail,
    _budget_line,
    _group_label,
    _period_label,
    budget_label,
)

__all__ = [
    "CRITICAL",
    "OK",
    "RECENT_DAYS",
    "STATUS_NAMES",
    "UNKNOWN",
    "WARNING",
    "Alert",
    "CheckResult",
    "parse_budgets",
    "run_check",
]

#: Complete UTC days before ``as_of`` whose anomalies count (see the module's docstring).
RECENT_DAYS = 2
#: Anomaly metrics and groupings :func:`run_check` watches by default: spend, total and per model.
DEFAULT_ANOMALY_METRICS: tuple[str, ...] = ("spend",)
DEFAULT_ANOMALY_BY: tuple[str | None, ...] = (None, "model")


def _window_of(df: Executions, as_of: pd.Timestamp | None) -> dict[str, str]:
    window = df.attrs.get("window")
    if isinstance(window, dict) and (window.get("start") or window.get("end")):
        return {k: str(window[k]) for k in ("start", "end") if window.get(k)}
    first, _ = created_range(df)
    out: dict[str, str] = {}
    if first is not None:
        out["start"] = format_timestamp(first)
    if as_of is not None:
        out["end"] = format_timestamp(as_of)
    return out


def _frame_as_of(df: Executions, as_of: pd.Timestamp) -> Any:
    """The rows created before ``as_of``, with a window ending there (what detect_anomalies
    judges as of): a frame's rows, or a narrower selection."""
    attrs = dict(df.attrs)
    window = df.attrs.get("window")
    window = dict(window) if isinstance(window, dict) else {}
    window["end"] = format_timestamp(as_of)
    attrs["window"] = window
    return unwrapped(rows_of(df, "run_check").narrow(end=as_of, attrs=attrs))


def _budget_alerts(
    budgets: pd.DataFrame, label: str, last_day: str, names: Mapping[str, str] | None = None
) -> list[Alert]:
    top = max(budgets.attrs["thresholds"])
    alerts = []
    for key, row in budgets.iterrows():
        status = str(row["status"])
        if status == "ok":
            continue
        line = f"budget {budget_label(key, names)}: {_budget_line(row, last_day)}"
        if not missing(row["crossed"]):
            level = "critical" if status == "critical" else "warning"
            alerts.append(Alert(f"budget:{key}:{float(row['crossed']):g}:{label}", level, line))
        if row["used"] < top and row["projected_used"] >= top:
            alerts.append(Alert(f"budget:{key}:projected:{label}", "warning", line))
    return alerts


def _anomaly_alerts(anomalies: pd.DataFrame) -> list[Alert]:
    alerts = []
    for _, row in anomalies.iterrows():
        day = pd.Timestamp(row["period"]).strftime("%Y-%m-%d")
        key = f"anomaly:{row['metric']}:{_group_label(row)}:{day}"
        text = f"anomaly {row['metric']} {_group_label(row)} {day}: {_anomaly_detail(row)}"
        alerts.append(Alert(key, "warning", text))
    return alerts


def _recent_anomalies(
    df: Executions,
    as_of: pd.Timestamp,
    metrics: Sequence[str],
    by: Sequence[str | None],
    sensitivity: str,
) -> pd.DataFrame:
    frame = _frame_as_of(df, as_of)
    recent_end = as_of.floor("D")
    recent_start = recent_end - RECENT_DAYS * DAY
    records: list[dict[str, Any]] = []
    older, judged = 0, False
    for metric in metrics:
        for group_by in by:
            found = detect_anomalies(frame, metric=metric, by=group_by, sensitivity=sensitivity)
            first = found.attrs.get("first_judged")
            judged |= first is not None and pd.Timestamp(first) < recent_end
            recent = (found["period"] >= recent_start) & (found["period"] < recent_end)
            older += int((~recent).sum())
            for row in found.loc[recent.to_numpy(bool)].to_dict("records"):
                records.append({"by": group_by, **row})
    out = _empty_anomalies()
    if records:
        out = pd.DataFrame.from_records(records, columns=list(out.columns))
        out["period"] = pd.DatetimeIndex(out["period"]).as_unit("us")
        out = out.assign(_abs=out["score"].abs()).sort_values(
            ["period", "_abs"], ascending=[False, False], kind="stable"
        )
        out = out.drop(columns="_abs").reset_index(drop=True)
    out.attrs = {
        "metrics": list(metrics),
        "by": list(by),
        "sensitivity": sensitivity,
        "recent_start": format_timestamp(recent_start),
        "recent_end": format_timestamp(recent_end),
        "older": older,
        "judged": judged,
    }
    return out


def run_check(
    df: Executions,
    budgets: Mapping[str, float],
    *,
    period: str = "month",
    thresholds: Sequence[float] = (0.5, 0.8, 1.0),
    anomalies: bool = False,
    as_of: object = None,
    anomaly_metrics: Sequence[str] = DEFAULT_ANOMALY_METRICS,
    anomaly_by: Sequence[str | None] = DEFAULT_ANOMALY_BY,
    sensitivity: str = "normal",
    runway_days: str | tuple[int, int | None] | None = None,
    balance: object = None,
    balance_unknown: str | None = None,
    names: Mapping[str, str] | None = None,
) -> CheckResult:
    """Judge budgets and recent anomalies of an executions frame, as a monitor would.

    Parameters
    ----------
    df : DataFrame or lazy selection
        Executions as :func:`~eachlabs_analytics.load_executions` returns them (or a store's
        frame), or a lazy selection (``store.scan(...)``: the same verdict, computed in its
        engine; ``check --store`` uses one); its ``attrs["window"]`` says what was loaded.
    budgets : mapping
        ``"total"``, a model slug or ``"workflow:<id>"`` -> USD (:func:`parse_budgets` reads
        them from command-line text); may be empty when ``anomalies=True``.
    period, thresholds
        As :func:`~eachlabs_analytics.watch.check_budgets`: the calendar period (``day``,
        ``week`` from Monday, ``month``; UTC) and the shares of a budget that alert.
    anomalies : bool
        Also look for anomalies of the last :data:`RECENT_DAYS` complete days.
    as_of : timestamp-like, optional
        "Now"; default the window's end, else just after the newest row. Rows created at or
        after it are ignored.
    anomaly_metrics, anomaly_by, sensitivity
        What :func:`~eachlabs_analytics.watch.detect_anomalies` watches (default spend of the
        total and per model, daily, ``"normal"``).
    runway_days : "WARN[,CRIT]" or (WARN, CRIT), optional
        Also judge the pre-paid balance's runway
        (:mod:`~eachlabs_analytics.watch.runway_check`): WARNING when it may run out within
        WARN days at the 80 % level, CRITICAL within CRIT.
    balance : float or Balance, optional
        The balance in USD for the runway; None is unknown (``balance_unknown`` says why):
        the runway is then UNKNOWN, never judged as zero.
    names : mapping, optional
        Workflow id -> name: workflow budgets read ``workflow:name (wf_...)`` in the text
        and the alerts (their keys keep the id).

    Returns
    -------
    CheckResult
        ``status`` by the rules of the module's docstring, with the budgets frame, the
        recent anomalies, one :class:`Alert` per problem and notes.

    Raises
    ------
    InvalidQueryError
        Nothing to check (no budgets and ``anomalies=False``), a bad budget, threshold,
        period, metric, grouping, sensitivity or ``as_of``, a frame without the columns.

    Examples
    --------
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=3_000, seed=7, end="2026-10-20T12:00:00Z")
    >>> october = df.loc[df["created_at"] >= "2026-10-01", "execution_cost"].sum()
    >>> result = run_check(df, {"total": october / 0.85})   # 85 % used on the 20th
    >>> result.status_name, [(a.key, a.level) for a in result.alerts]
    ('WARNING', [('budget:total:0.8:2026-10', 'warning'), ('budget:total:projected:2026-10', \
'warning')])
    >>> run_check(df.iloc[:0], {"total": 100.0}).summary()
    'EACHLABS UNKNOWN - no executions in the data before 2026-10-20T12:00:00Z (window \
2026-07-22T12:00:00Z to 2026-10-20T12:00:00Z): nothing to judge'
    >>> run_check(df, {})
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: run_check has nothing to check: give \
budgets (e.g. {'total': 500}, CLI --budget total=500), anomalies=True (CLI --anomalies) or \
runway_days (CLI --runway-days)
    """
    answerer(df, "run_check", ["created_at", "execution_cost"])
    amounts = _check_budgets(budgets) if budgets else {}
    runway = parse_runway_days(runway_days) if runway_days is not None else None
    if not amounts and not anomalies and runway is None:
        raise InvalidQueryError(
            "run_check has nothing to check: give budgets (e.g. {'total': 500}, CLI --budget "
            "total=500), anomalies=True (CLI --anomalies) or runway_days (CLI --runway-days)"
        )
    _check_thresholds(thresholds)
    if period not in PERIODS:
        raise InvalidQueryError(
            f"period={period!r} is not allowed; use one of {', '.join(PERIODS)}"
        )
    metrics, groupings = _check_anomaly_options(anomaly_metrics, anomaly_by, sensitivity)

    window = df.attrs.get("window")
    has_window = isinstance(window, dict) and bool(window.get("end"))
    if as_of is None and not has_window and created_range(df)[0] is None:
        return CheckResult(
            UNKNOWN,
            anomalies=_unjudged() if anomalies else None,
            window=_window_of(df, None),
            period=period,
            notes=["the frame has no executions and no window: nothing to judge"],
        )
    now = resolve_as_of(df, as_of, "run_check")
    data_window = _window_of(df, now)
    start = (
        pd.Timestamp(window["start"]) if isinstance(window, dict) and window.get("start") else None
    )
    if count_before(df, now, start) == 0:
        where = f" (window {data_window.get('start', '?')} to {data_window.get('end', '?')})"
        return CheckResult(
            UNKNOWN,
            anomalies=_unjudged() if anomalies else None,
            window=data_window,
            as_of=now,
            period=period,
            notes=[
                f"no executions in the data before {format_timestamp(now)}"
                f"{where if data_window else ''}: nothing to judge"
            ],
        )

    statuses: list[int] = []
    reasons: list[str] = []  # why it could not judge: first, the summary names the first
    notes: list[str] = []
    alerts: list[Alert] = []
    table = _empty_budgets()
    label = _period_label(period, now)
    last_day = (period_bounds(period, now)[1] - DAY).strftime("%Y-%m-%d")
    if amounts:
        table = check_budgets(df, amounts, period=period, thresholds=thresholds, as_of=now)
        budget_status = _worst(_BUDGET_STATUS[str(s)] for s in table["status"])
        if table.attrs.get("partial_period"):
            start = table.attrs["period_start"][:10]
            first = data_window.get("start", "?")
            reasons.append(
                f"the data starts at {first}, after the {period}'s start {start}: the spend so "
                f"far is incomplete; load the data from {start} to judge the budgets"
            )
            if budget_status == OK:
                budget_status = UNKNOWN
        statuses.append(budget_status)
        for key, close in _unseen_budget_keys(df, table.attrs.get("unseen", [])):
            what = "workflow" if key.startswith(WORKFLOW_PREFIX) else "model"
            if close:  # a near miss is a typo until shown otherwise: its budget judges nothing
                statuses.append(WARNING)
                notes.append(
                    f"budget {key!r}: no executions of this {what} in the data; did you mean "
                    f"{', '.join(repr(c) for c in close)}?"
                )
            else:
                notes.append(f"budget {key!r}: no executions of this {what} in the data")
        alerts.extend(_budget_alerts(table, label, last_day, names))

    found = None
    if anomalies:
        found = _recent_anomalies(df, now, metrics, groupings, sensitivity)
        if not found.attrs["judged"]:
            days = [
                (now.floor("D") - k * DAY).strftime("%Y-%m-%d") for k in range(RECENT_DAYS, 0, -1)
            ]
            reasons.append(
                f"anomalies could not be judged for {' and '.join(days)}: detection needs about "
                "five weeks of daily history before a day"
            )
            statuses.append(UNKNOWN)
        elif len(found):
            statuses.append(WARNING)
        alerts.extend(_anomaly_alerts(found))

    verdict = None
    if runway is not None:
        verdict = judge_runway(df, runway, balance, now, balance_unknown)
        statuses.append(verdict.status)
        if verdict.status == UNKNOWN:
            reasons.append(f"runway: {verdict.reason}")
        if verdict.alert is not None:
            alerts.append(verdict.alert)

    return CheckResult(
        _worst(statuses),
        runway=verdict,
        names=names,
        budgets=table,
        anomalies=found,
        alerts=alerts,
        window=data_window,
        as_of=now,
        period=period,
        notes=reasons + notes,
    )


def _unseen_budget_keys(df: Executions, unseen: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Each budget key the data never saw, with the model slugs or workflow keys it is close
    to (``difflib``, as the CLI's ``--model`` hints)."""
    if not unseen:
        return []
    import difflib

    from eachlabs_analytics.metrics import cost_by_model, cost_by_workflow

    models = [str(m) for m in cost_by_model(df).index]
    workflows = [f"{WORKFLOW_PREFIX}{w}" for w in cost_by_workflow(df).index]
    return [
        (
            key,
            difflib.get_close_matches(
                key, workflows if key.startswith(WORKFLOW_PREFIX) else models, n=3
            ),
        )
        for key in unseen
    ]


def _check_anomaly_options(
    metrics: Sequence[str], by: Sequence[str | None], sensitivity: str
) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    if isinstance(metrics, str) or not all(m in METRICS for m in metrics) or not metrics:
        raise InvalidQueryError(
            f"anomaly_metrics={metrics!r} is not allowed; use a non-empty list of "
            f"{', '.join(METRICS)}"
        )
    if isinstance(by, str) or not by or not all(b is None or isinstance(b, str) for b in by):
        raise InvalidQueryError(
            f"anomaly_by={by!r} is not allowed; use a non-empty list of None (the total) and "
            "column names such as 'model'"
        )
    if sensitivity not in SENSITIVITY:
        raise InvalidQueryError(
            f"sensitivity={sensitivity!r} is not allowed; use one of {', '.join(SENSITIVITY)}"
        )
    return tuple(metrics), tuple(by)
