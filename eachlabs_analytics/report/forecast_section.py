"""The "Forecast and alerts" section: month-end projection, daily forecast and anomalies.

Every number is :func:`~eachlabs_analytics.month_end_projection`'s,
:func:`~eachlabs_analytics.forecast_spend`'s or :func:`~eachlabs_analytics.detect_anomalies`'s,
judged as of the period's end (or the data's, when the data stops before it) on the data
the period was cut from, or the period with the previous one when it reaches this one's
start. With statsmodels broken, or with too little data, the section says why in its intro.

>>> import eachlabs_analytics as ea
>>> from eachlabs_analytics.report.model import ReportInputs
>>> df = ea.generate_executions(executions=300, seed=3)
>>> section, figures = forecast_section(
...     ReportInputs(df, ea.summary(df), ea.cost_by_model(df)), None, charts=False
... )
>>> section.title, figures.judged_at == ea.summary(df).end
('Forecast and alerts', True)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eachlabs_analytics._util.formats import fmt_date, fmt_money, fmt_time
from eachlabs_analytics._util.timestamps import DAY, ONE_US
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics.frame_partials import answerer
from eachlabs_analytics.metrics.headline import Summary
from eachlabs_analytics.metrics.lazy import Executions, RowSource
from eachlabs_analytics.report.model import rfc3339
from eachlabs_analytics.report.render import Chart, Section, Table

if TYPE_CHECKING:
    from eachlabs_analytics.report.model import ReportInputs
    from eachlabs_analytics.watch.forecast import MonthEndProjection


#: Interval levels of the forecast (percent).
FORECAST_LEVELS = (80, 95)


@dataclass(frozen=True)
class ForecastFigures:
    """What the forecast section computed: the instant it judged at (None: no executions),
    the watch helpers' results (None: not computed, the section's intro says why)."""

    judged_at: pd.Timestamp | None = None
    month_end_projection: MonthEndProjection | None = None
    forecast_spend: pd.DataFrame | None = None
    anomalies: pd.DataFrame | None = None
    anomalies_by_model: pd.DataFrame | None = None
    #: The data the section learned from (the runway section judges on the same).
    learned_from: Executions | None = None


def learning_source(
    inputs: ReportInputs, previous: RowSource | None, source: Executions | None = None
) -> tuple[Executions, pd.Timestamp] | None:
    """The data the forecast section learns from and the instant it judges at, as it chooses
    them (None: the period has no executions)."""
    s = inputs.summary
    if s.start is None or s.end is None or not inputs.rows:
        return None
    history = source if source is not None else _history(inputs.frame, previous, s)[0]
    return history, _judged_at(history, s)


def _history(
    frame: RowSource, previous: RowSource | None, s: Summary
) -> tuple[RowSource, pd.Timestamp | None]:
    """The rows the forecast and the detection learn from, and where the previous period's
    part starts (None when only ``frame`` is used).

    ``previous`` extends ``frame`` when its window reaches ``frame``'s start: its rows from
    its own start to ``frame``'s start come first, and ``attrs["window"]`` spans both (so
    "as of" stays ``frame``'s end). A previous period that ends before ``frame`` starts would
    leave days without data that look like days without spend: it is not used.
    """
    from eachlabs_analytics.metrics.periods import window_of

    if previous is None or s.start is None or s.end is None:
        return frame, None
    span, _ = window_of(previous)
    if span is None or span[1] < s.start or span[0] >= s.start:
        return frame, None
    window = {"window": {"start": rfc3339(span[0]), "end": rfc3339(s.end)}}
    earlier = previous.narrow(start=span[0], end=s.start)
    return frame.combine(earlier, attrs=window), span[0]


def _judged_at(source: Executions, s: Summary) -> pd.Timestamp:
    """The instant the forecast section judges at: the period's end, or the source's end when
    the data ends before it."""
    from eachlabs_analytics.watch._frame import resolve_as_of

    clock = resolve_as_of(source, None, "cost_report")
    return min(pd.Timestamp(s.end), clock)


def forecast_section(
    inputs: ReportInputs,
    previous: RowSource | None,
    charts: bool,
    source: Executions | None = None,
) -> tuple[Section, ForecastFigures]:
    """Forecast and alerts: the month-end projection, spend per day forecast to the end of
    the month, and the anomalies of daily spend in the period, as of the period's end (or the
    data's end, when the data stops before it).

    Every number is :func:`month_end_projection`'s, :func:`forecast_spend`'s or
    :func:`detect_anomalies`'s, computed on ``source`` (the data the report's period was cut
    from) when given, so the month-end figure is the one ``check`` and the Explorer give for
    the same data. A month the period completes is stated, not projected: nothing after the
    period is forecast. Without spend to forecast from the forecast is replaced by a sentence
    saying why.
    """
    from eachlabs_analytics import watch

    frame, s = inputs.frame, inputs.summary
    section = Section("forecast", "Forecast and alerts")
    if s.start is None or s.end is None or not inputs.rows:
        section.intro = "No forecast and no anomalies: the period has no executions."
        return section, ForecastFigures()
    if source is not None:
        history, extended_from = source, None
    else:
        history, extended_from = _history(frame, previous, s)
    as_of = _judged_at(history, s)
    figures = ForecastFigures(judged_at=as_of, learned_from=history)
    intro: list[str] = []
    month = (as_of - ONE_US).tz_convert("UTC").tz_localize(None).to_period("M")
    if as_of == month.end_time.ceil("D").tz_localize("UTC"):
        intro.append(_complete_month_note(history, month, as_of))
    else:
        try:
            projection = watch.month_end_projection(history, as_of=as_of)
            daily = watch.forecast_spend(
                history, horizon="month", freq="D", levels=FORECAST_LEVELS, as_of=as_of
            )
        except ImportError as exc:
            intro.append(f"No forecast: {str(exc).rstrip('.')}.")
        except InvalidQueryError as exc:
            intro.append(f"No forecast: {exc.message.rstrip('.')}.")
        else:
            figures = replace(figures, month_end_projection=projection, forecast_spend=daily)
            intro.append(_projection_note(projection, daily))
            section.tables += _forecast_tables(projection, daily)
            if charts:
                section.charts.append(_forecast_chart(daily, projection.as_of))
    if source is not None:
        intro.append(
            "The forecast and the detection learn from all the data the period was taken "
            f"from (history from {fmt_date(_first_created(history))})."
        )
    elif extended_from is not None:
        intro.append(
            f"The forecast and the detection learn from the previous period too (history from "
            f"{fmt_time(extended_from)} UTC)."
        )
    elif previous is not None:
        intro.append(
            "The previous period does not reach this one's start, so the forecast and the "
            "detection learn from this period only."
        )
    table, summary, found = _anomalies(history, s, previous is None and source is None, as_of)
    intro.append(summary)
    if table is not None:
        section.tables.append(table)
    if found is not None:
        figures = replace(figures, anomalies=found[0], anomalies_by_model=found[1])
    section.intro = " ".join(intro)
    return section, figures


def _complete_month_note(history: Executions, month: pd.Period, as_of: pd.Timestamp) -> str:
    """A month the period completes: what it cost (from the data), and that nothing after the
    period is forecast."""
    from eachlabs_analytics import metrics

    first = month.start_time.tz_localize("UTC")
    spent = metrics.cost_over_time(history, freq="M", by=None)
    at = spent.index == first
    total = float(spent.loc[at, "total"].iloc[0]) if at.any() else 0.0
    from eachlabs_analytics.watch._frame import first_full_day

    start = first_full_day(history)
    counted = (
        f" (counted from {fmt_date(start)}, where the data's whole days start)"
        if start is not None and start > first
        else ""
    )
    return (
        f"{month.strftime('%B %Y')} is complete at the period's end ({fmt_time(as_of)} UTC): "
        f"it cost {fmt_money(total)}{counted}. Nothing after the period is forecast."
    )


def _projection_note(projection: Any, daily: pd.DataFrame) -> str:
    """The headline sentence: spent so far, projected month end and its intervals, and the
    method only when it is a fallback (the "How it was forecast" table shows it)."""
    p = projection
    month = f"{p.month:%B %Y}"
    interval = (
        f"80% interval {fmt_money(p.lo_80)} to {fmt_money(p.hi_80)}, "
        f"95% {fmt_money(p.lo_95)} to {fmt_money(p.hi_95)}"
        if not (pd.isna(p.lo_80) or pd.isna(p.hi_95))
        else "no interval"
    )
    text = (
        f"As of {fmt_time(p.as_of)} UTC, {month} has cost {fmt_money(p.spent)} so far and is "
        f"projected to end at {fmt_money(p.projected)} ({interval})."
    )
    first_day = pd.Timestamp(daily["period"].min())
    if first_day > p.month:
        text += (
            f" So far counts the executions from {fmt_date(first_day)} on, where the data's "
            "whole days start, not the whole month."
        )
    if p.fallback:  # the method and its backtest are in the table below; a fallback is news
        text += f" Method: {p.method}, because {p.fallback}."
    return text


def _forecast_tables(projection: Any, daily: pd.DataFrame) -> list[Table]:
    interval_formats = {f"{side}_{level}": "money" for level in (80, 95) for side in ("lo", "hi")}
    interval_labels = {
        f"{side}_{level}": f"{level}% {'low' if side == 'lo' else 'high'}"
        for level in (80, 95)
        for side in ("lo", "hi")
    }
    shown = projection.to_frame()
    month = shown.drop(columns=["method", "fallback"])
    backtest = daily.attrs.get("backtest", {}).get("total") or {}
    method = shown[["method", "fallback"]].assign(
        backtest_days=int(backtest.get("holdout_days") or 0),
        backtest_mase=float(backtest.get("mase", np.nan)),
        baseline_mase=float(backtest.get("baseline_mase", np.nan)),
    )
    ahead = daily.loc[daily["forecast"].notna()].reset_index(drop=True)
    ahead = ahead.drop(columns="group").rename(columns={"period": "day"})
    return [
        Table(
            "month_end_projection",
            "Month-end projection",
            month,
            {
                "month": "date",
                "as_of": "time",
                "spent": "money",
                "projected": "money",
                **interval_formats,
            },
            {
                "month": "month from",
                "as_of": "as of (UTC)",
                "spent": "spent so far",
                "projected": "projected month end",
                **interval_labels,
            },
        ),
        Table(
            "forecast_method",
            "How it was forecast",
            method,
            {
                "method": "text",
                "fallback": "text",
                "backtest_days": "int",
                "backtest_mase": "decimal",
                "baseline_mase": "decimal",
            },
            {
                "fallback": "why this method",
                "backtest_days": "backtest days",
                "backtest_mase": "backtest MASE",
                "baseline_mase": "seasonal naive MASE",
            },
            "Backtest: the last whole days forecast from those before. MASE: its mean absolute "
            "error scaled by that of 'the same weekday a week before'; below 1 beats it.",
            wrap=("method", "fallback"),
        ),
        Table(
            "forecast_daily",
            "Spend per day to the month's end",
            ahead,
            {"day": "date", "actual": "money", "forecast": "money", **interval_formats},
            {"actual": "spent so far", "forecast": "forecast", **interval_labels},
            "The day holding the period's end counts what was spent so far plus the expected "
            "rest of the day; intervals are simulated from the fitted model (never below $0).",
        ),
    ]


def _forecast_chart(daily: pd.DataFrame, as_of: pd.Timestamp) -> Chart:
    from eachlabs_analytics.plots import plot_spend_forecast
    from eachlabs_analytics.plots.parts import png

    return Chart(
        title=(
            "Spend per day (USD) up to the period's end, then the forecast to the month's end "
            "with its 80% and 95% intervals."
        ),
        png=png(lambda ax: plot_spend_forecast(daily, ax, as_of=as_of).set_title(""), (10, 4.2)),
        alt=(
            "Line chart of spend per day: the actual spend, then the forecast to the end of "
            "the month with its 80% and 95% intervals as bands"
        ),
    )


def _anomalies(
    history: Executions, s: Summary, alone: bool, as_of: pd.Timestamp
) -> tuple[Table | None, str, tuple[pd.DataFrame, pd.DataFrame] | None]:
    """The anomalies of daily spend (total and per model) in the period up to ``as_of`` (no
    day after the data's end is judged), a sentence, and what :func:`detect_anomalies`
    returned (total, per model; None when it could not judge)."""
    from eachlabs_analytics import watch

    try:
        total = watch.detect_anomalies(history, metric="spend")
        per_model = watch.detect_anomalies(history, metric="spend", by="model")
    except InvalidQueryError as exc:
        return None, f"No anomalies could be judged: {exc.message.rstrip('.')}.", None
    found = [
        f.loc[(f["period"] >= s.start) & (f["period"] + DAY <= as_of)] for f in (total, per_model)
    ]
    found = [f for f in found if len(f)]
    flagged = pd.concat(found, ignore_index=True) if found else total.iloc[:0]
    flagged = flagged.assign(_abs=flagged["score"].abs()).sort_values(
        ["period", "_abs"], ascending=[True, False], kind="stable"
    )
    flagged = flagged.drop(columns="_abs").reset_index(drop=True)
    first = [d[0] if isinstance(d, list) and d else None for d in flagged["drivers"]]
    rows = flagged[["period", "group", "actual", "expected", "lower", "upper", "direction"]].astype(
        {"group": object, "direction": object}
    )
    rows["driver_by"] = pd.Series([d["by"] if d else None for d in first], dtype=object)
    rows["driver"] = pd.Series([d["group"] if d else None for d in first], dtype=object)
    rows["driver_share"] = np.array([d["share"] if d else np.nan for d in first], dtype=float)
    first_judged = total.attrs.get("first_judged")
    judged, begin = 0, pd.Timestamp(s.start)
    if first_judged is not None:
        begin = max(pd.Timestamp(first_judged), pd.Timestamp(s.start).ceil("D"))
        judged = max(0, (min(pd.Timestamp(s.end), as_of).floor("D") - begin).days)
    threshold = total.attrs.get("threshold", np.nan)
    if judged == 0:
        start = _first_created(history)
        summary = (
            "No day of the period could be judged for anomalies: a day is judged against "
            f"about five weeks of history before it, and the data starts {fmt_date(start)}."
        )
        if alone:
            summary += " Give the previous period (previous=) to judge more."
        note = summary
    else:
        days = f"{judged:,} judged day{'s' * (judged != 1)} from {fmt_date(begin)}"
        if rows.empty:
            summary = f"No anomalies of daily spend in the period ({days})."
            note = f"None: no day's spend, total or of one model, left its usual range ({days})."
        else:
            count = f"{len(rows):,} anomal{'y' if len(rows) == 1 else 'ies'}"
            summary = f"{count} of daily spend in the period ({days}): see the table."
            note = (
                f"{count} ({days}). A day is flagged when its spend, total or of one model, "
                f"is more than {threshold:g} robust deviations from the same weekday of the "
                "weeks before (range: the spend that would not be flagged). The top driver "
                "explains the largest share of the change."
            )
    table = Table(
        "anomalies",
        "Anomalies of daily spend",
        rows,
        {
            "period": "date",
            "group": "text",
            "actual": "money",
            "expected": "money",
            "lower": "money",
            "upper": "money",
            "direction": "text",
            "driver_by": "text",
            "driver": "text",
            "driver_share": "pct",
        },
        {
            "period": "day",
            "group": "spend of",
            "lower": "range low",
            "upper": "range high",
            "driver_by": "driver is a",
            "driver": "top driver",
            "driver_share": "driver's share",
        },
        note,
        wrap=("group", "driver"),
    )
    return table, summary, (total, per_model)


def _first_created(frame: Executions) -> pd.Timestamp:
    """The oldest ``created_at`` (NaT when none)."""
    first = answerer(frame, "cost_report").partials(_lazy.CreatedRange())["first"][0].as_py()
    return pd.Timestamp(first) if first is not None else pd.NaT
