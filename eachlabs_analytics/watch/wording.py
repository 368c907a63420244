"""Wording: the sentences the check says about a budget, an anomaly and a period.

One line per budget (share used, spent, the threshold crossed, the day it was or will be
reached, the projection to the period's last day), per anomaly (metric, group, day and the
hours of a run that flagged it, direction, actual against expected and the usual range, score,
drivers, or the dimensions it moved across the board), and the label of a
budget period that alert keys carry. Shares read as whole percentages rounded down (82.9 %
is 82 %: under a threshold it has not crossed); money, rates and durations as every face
writes them (:mod:`eachlabs_analytics._util.formats`).

>>> _whole_pct(0.829), _fmt_metric("error_rate", 0.0412)
('82%', '4.1%')
>>> _period_label("week", pd.Timestamp("2026-10-22T08:00Z"))
'2026-W43'
>>> _hours_text([17, 18, 19, 20]), _across_text([{"by": "model", "change": -0.3}])
('17:00-21:00 UTC', 'across the board (all models -30%)')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from eachlabs_analytics._util.columns import workflow_label
from eachlabs_analytics._util.formats import fmt_money, fmt_seconds, missing
from eachlabs_analytics.watch.budgets import period_bounds

#: How the check names a dimension's sub-groups all together.
_PLURALS = {"model": "models", "workflow_id": "workflows", "error_classification": "error classes"}


def _whole_pct(share: float) -> str:
    """A share as a whole percentage, rounded down (82.9 % reads 82 %: under the threshold
    it has not crossed)."""
    if missing(share):
        return "n/a"
    return f"{math.floor(round(float(share) * 100, 6)):,}%"


def _threshold_pct(threshold: float) -> str:
    return f"{float(threshold) * 100:g}%"


def budget_label(key: object, names: Mapping[str, str] | None = None) -> str:
    """A budget's key as people read it: a workflow's as ``workflow:name (wf_...)`` when its
    name is known (the alert's key keeps the id).

    >>> budget_label("workflow:wf_1", {"wf_1": "Ad video"}), budget_label("total")
    ('workflow:Ad video (wf_1)', 'total')
    """
    text = str(key)
    if names and text.startswith("workflow:"):
        return f"workflow:{workflow_label(text.removeprefix('workflow:'), names)}"
    return text


def _budget_figures(row: pd.Series, last_day: str) -> str:
    return (
        f"{_whole_pct(row['used'])} of {fmt_money(row['budget'])} used, projected "
        f"{fmt_money(row['projected'])} ({_whole_pct(row['projected_used'])}) by {last_day}"
    )


def _budget_line(row: pd.Series, last_day: str) -> str:
    used = f"{_whole_pct(row['used'])} of {fmt_money(row['budget'])} used"
    head = f"{used} ({fmt_money(row['spent'])} spent)"
    exhaustion = row["projected_exhaustion"]
    if not missing(row["crossed"]):
        head += f", crossed {_threshold_pct(row['crossed'])}"
    if row["used"] >= 1.0 and not missing(exhaustion):
        head += f", budget reached on {pd.Timestamp(exhaustion):%Y-%m-%d}"
    tail = (
        f"projected {fmt_money(row['projected'])} ({_whole_pct(row['projected_used'])}) "
        f"by {last_day}"
    )
    if row["used"] < 1.0 and not missing(exhaustion):
        tail += f", runs out around {pd.Timestamp(exhaustion):%Y-%m-%d}"
    return f"{head}; {tail}"


def _fmt_metric(metric: str, value: Any) -> str:
    if missing(value):
        return "n/a"
    if metric == "spend":
        return fmt_money(value)
    if metric == "error_rate":
        return f"{float(value):.1%}"
    if metric.startswith("p95_"):
        return fmt_seconds(value)
    return f"{float(value):,.0f}"


def _group_label(row: pd.Series) -> str:
    by, group = row.get("by"), row["group"]
    return str(group) if by in (None, "model") or missing(by) else f"{by}={group}"


def _hours_text(hours: list[int]) -> str:
    """Hours of a UTC day as ranges: ``[3, 17, 18, 19]`` reads ``03:00-04:00, 17:00-20:00 UTC``."""
    spans: list[list[int]] = []
    for hour in sorted(hours):
        if spans and spans[-1][1] == hour:
            spans[-1][1] = hour + 1
        else:
            spans.append([hour, hour + 1])
    return ", ".join(f"{a:02d}:00-{b:02d}:00" for a, b in spans) + " UTC"


def _across_text(across: list[dict[str, Any]]) -> str:
    """``across the board (all models -30%)``: the dimensions a movement was spread evenly over."""
    parts = [
        f"all {_PLURALS.get(str(a['by']), str(a['by']))} {float(a['change']):+.0%}" for a in across
    ]
    return f"across the board ({', '.join(parts)})"


def _listed(row: pd.Series, column: str) -> list[Any]:
    value = row.get(column)
    return value if isinstance(value, list) else []


def _anomaly_line(row: pd.Series) -> str:
    day = pd.Timestamp(row["period"]).strftime("%Y-%m-%d")
    metric = str(row["metric"])
    hours = _listed(row, "hours")
    when = f"{day} hours {_hours_text(hours)}" if hours else day
    return (
        f"{metric} {_group_label(row)} {when} {row['direction']} "
        f"({_fmt_metric(metric, row['actual'])}, expected {_fmt_metric(metric, row['expected'])})"
    )


def _anomaly_detail(row: pd.Series) -> str:
    metric = str(row["metric"])
    text = (
        f"{row['direction']}, {_fmt_metric(metric, row['actual'])} (expected "
        f"{_fmt_metric(metric, row['expected'])}, usual range {_fmt_metric(metric, row['lower'])}"
        f" to {_fmt_metric(metric, row['upper'])}), score {float(row['score']):.1f}"
    )
    hours = _listed(row, "hours")
    if hours:
        text += f"; hours {_hours_text(hours)}, score {float(row['hours_score']):.1f}"
    drivers = _listed(row, "drivers")
    if drivers:
        named = ", ".join(f"{d['by']} {d['group']} {float(d['share']):.0%}" for d in drivers[:3])
        text += f"; drivers: {named}"
    across = _listed(row, "across")
    if across:
        text += f"; {_across_text(across)}"
    return text


def _period_label(period: str, as_of: pd.Timestamp) -> str:
    start, _ = period_bounds(period, as_of)
    if period == "month":
        return start.strftime("%Y-%m")
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.strftime("%Y-%m-%d")
