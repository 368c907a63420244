"""What each tab of the Explorer shows, as HTML for people (and the one table it builds).

Every figure comes from a helper the Explorer called; these functions only write it down, in
the report's look (:mod:`eachlabs_analytics.notebook.style`), every value from the data
escaped.

>>> first_sentence("forecast_spend: 3 whole days of spend; pass as_of= or more data")
'3 whole days of spend.'
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from eachlabs_analytics._util.formats import (
    fmt_int,
    fmt_money,
    fmt_pct,
    fmt_points,
    fmt_seconds,
    fmt_signed_int,
    fmt_signed_money,
    fmt_signed_pct,
    fmt_signed_seconds,
    fmt_time,
    fmt_window,
)
from eachlabs_analytics.notebook import style


def trends(data: pd.DataFrame) -> pd.DataFrame:
    """Per UTC day: latency p50/p95 (end to end) and the error rate, side by side."""
    from eachlabs_analytics import metrics

    latency = metrics.latency_over_time(data, freq="D")
    errors = metrics.error_rate_over_time(data, freq="D")
    out = pd.concat([latency[["p50", "p95"]], errors], axis=1)
    out.attrs = errors.attrs
    return out


def table_html(name: str, table: pd.DataFrame) -> str:
    """A pane's table for people, as the report shows tables (``style.table_html``)."""
    if table.empty:
        return ""
    kinds: dict[str, str] = {}
    if name in ("cost_over_time", "trends"):  # newest day first; a month fits on a screen
        table = table.iloc[::-1].head(31)
    if name == "cost_over_time":  # one column per model: every one is money
        kinds = dict.fromkeys((str(c) for c in table.columns), "money")
    return style.table_html(table, kinds=kinds, css_class=f"ea-{name.replace('_', '-')}")


def month_to_date_html(
    overall: pd.DataFrame,
    per_model: pd.DataFrame,
    now: tuple[pd.Timestamp, pd.Timestamp],
    then: tuple[pd.Timestamp, pd.Timestamp],
    *,
    say_empty: bool = True,
) -> str:
    """This month so far against the same point of last month: totals, then spend per model."""
    heading = (
        f"<p class='ea-note'><b>Month to date</b>: {html.escape(fmt_window(*now))} against the "
        f"same point of last month, {html.escape(fmt_window(*then))}. Every filter but the day "
        "range applies.</p>"
    )
    if overall.empty:
        if not say_empty:
            return ""
        return heading + "<p class='ea-note'>No executions in either month so far.</p>"
    row = overall.iloc[0]
    measures = (
        ("spend", fmt_money, fmt_signed_money),
        ("executions", fmt_int, fmt_signed_int),
        ("error_rate", fmt_pct, fmt_points),
        ("latency_p95", fmt_seconds, fmt_signed_seconds),
    )
    labels = {"error_rate": "error rate", "latency_p95": "p95 end to end"}
    body = "".join(
        "<tr>"
        f"<td class='text'>{labels.get(m, m)}</td>"
        f"<td class='num'>{html.escape(show(row[f'{m}_previous']))}</td>"
        f"<td class='num'>{html.escape(show(row[f'{m}_current']))}</td>"
        f"<td class='num'>{html.escape(signed(row[f'{m}_change']))}</td>"
        f"<td class='num'>{html.escape(fmt_signed_pct(row[f'{m}_rel_change']))}</td></tr>"
        for m, show, signed in measures
    )
    head = "".join(
        f"<th class='{css}' scope='col'>{text}</th>"
        for css, text in (
            ("text", ""),
            ("num", "last month, same point"),
            ("num", "this month"),
            ("num", "change"),
            ("num", "relative"),
        )
    )
    totals = (
        f"<table class='ea-table ea-month-to-date'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )
    spend = per_model[["spend_previous", "spend_current", "spend_change"]].head(15)
    models = style.table_html(
        spend,
        kinds={"spend_previous": "money", "spend_current": "money", "spend_change": "signed_money"},
        labels={
            "spend_previous": "last month, same point",
            "spend_current": "this month",
            "spend_change": "change",
        },
    )
    return heading + totals + "<h4>Spend by model</h4>" + models


def month_end_html(projection: Any) -> str:
    """Spent so far and the projected month end with its 80 % interval, as cards."""
    month = pd.Timestamp(projection.month).strftime("%B %Y")
    interval = f"{fmt_money(projection.lo_80)} to {fmt_money(projection.hi_80)}"
    how = projection.method + (f" ({projection.fallback})" if projection.fallback else "")
    return (
        "<div class='ea-cards'>"
        + style.card_html(
            f"Spent in {month} so far", fmt_money(projection.spent), css_class="ea-month-spent"
        )
        + style.card_html(
            "Projected month end",
            fmt_money(projection.projected),
            f"<div class='ea-change ea-interval'>80% interval: {html.escape(interval)}</div>",
            css_class="ea-month-end-projected",
        )
        + "</div>"
        + f"<p class='ea-note'>Projected as of {html.escape(fmt_time(projection.as_of))} UTC, "
        f"from the days so far; forecast: {html.escape(how)}.</p>"
    )


def first_sentence(text: str) -> str:
    """The reason an error gives, without the advice meant for code (``pass as_of=``)."""
    reason = text.split(": ", 1)[-1] if text.startswith(("forecast_", "month_")) else text
    return reason.split("; ")[0].rstrip(".") + "."


def anomalies_html(anomalies: pd.DataFrame) -> str:
    """The flagged days for people: day, group, actual against its expected range, why."""
    if anomalies.empty:
        return "<p>No unusual daily spend in this selection.</p>"
    rows = []
    for _, row in anomalies.sort_values("period", ascending=False).head(20).iterrows():
        drivers = row.get("drivers") or []
        why = ", ".join(
            f"{d.get('group')} ({fmt_pct(d.get('share'))})" for d in drivers[:2] if d.get("group")
        )
        cells = [
            str(pd.Timestamp(row["period"]).date()),
            str(row["group"]),
            fmt_money(row["actual"]),
            f"{fmt_money(row['lower'])} to {fmt_money(row['upper'])}",
            str(row["direction"]),
            why,
        ]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{t}</th>" for t in ("day", "group", "spend", "expected", "direction", "drivers")
    )
    return (
        "<h4>Unusual daily spend</h4><table class='ea-table ea-anomalies'>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
