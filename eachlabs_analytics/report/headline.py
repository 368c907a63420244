"""What a report says above its sections: the KPI cards, the meta lines and the notes.

The cards carry their change against the previous period, so :func:`headline_cards` takes
the period comparison's result (:class:`~eachlabs_analytics.report.comparison.Comparison`):
it can only run after the comparison.

>>> import eachlabs_analytics as ea
>>> from eachlabs_analytics.report.comparison import Comparison
>>> from eachlabs_analytics.report.render import Section
>>> s = ea.summary(ea.generate_executions(executions=300, seed=3))
>>> cards, table = headline_cards(s, Comparison(Section("change", "Change")))
>>> cards[0].label, cards[0].change is None
('Spend', True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from eachlabs_analytics._util.changes import KPIS, change_of
from eachlabs_analytics._util.formats import FORMATS as VALUE_FORMATS
from eachlabs_analytics._util.formats import fmt_pct, fmt_time, fmt_window, plural
from eachlabs_analytics.metrics.headline import Summary
from eachlabs_analytics.metrics.lazy import RowSource
from eachlabs_analytics.report.comparison import Comparison
from eachlabs_analytics.report.render import Card, Table


def headline_cards(s: Summary, comparison: Comparison) -> tuple[list[Card], Table]:
    """The KPI cards of summary ``s``, each with its change against the previous period's
    summary (``comparison.summary_previous``; None: no change shown), and the same numbers
    raw. It takes the comparison's result, so it runs after the comparison."""
    before = comparison.summary_previous
    wasted_share = s.failed_cost / s.spend if s.spend else np.nan
    details = {
        "spend": plural(s.models, "model"),
        "executions": f"{s.in_flight:,} still in flight",
        "success_rate": (f"{s.succeeded:,} of {s.finished:,} finished; {s.cancelled:,} cancelled"),
        "error_rate": f"{s.failed:,} failed",
        "failed_cost": f"{fmt_pct(wasted_share)} of spend",
        "cost_per_success": "incl. failures",
        "p50_seconds": "created to completed",
        "p95_seconds": "created to completed",
    }
    cards = [
        Card(
            key,
            label,
            VALUE_FORMATS[kind](getattr(s, key)),
            details[key],
            None
            if before is None
            else change_of(getattr(s, key), getattr(before, key), kind, better),
        )
        for key, label, kind, better in KPIS
    ]

    def raw(value: Any, kind: str) -> Any:
        # counts stay whole numbers (``executions,3187``, not ``3187.0``)
        return int(value) if kind == "int" else float(value)

    table = Table(
        "headline",
        "Headline",
        pd.DataFrame(
            {
                "measure": [key for key, *_ in KPIS],
                "value": pd.array(
                    [raw(getattr(s, k), kind) for k, _, kind, _ in KPIS], dtype=object
                ),
                "previous": pd.array(
                    [
                        None if before is None else raw(getattr(before, k), kind)
                        for k, _, kind, _ in KPIS
                    ],
                    dtype=object,
                ),
            }
        ),
        {"measure": "text", "value": "text", "previous": "text"},
    )
    return cards, table


def meta_lines(
    s: Summary,
    frame: RowSource,
    previous_period: tuple[pd.Timestamp, pd.Timestamp] | None,
    redact: bool,
    judged_at: pd.Timestamp | None = None,
) -> list[str]:
    if s.start is None:
        period = "Period: no executions"
    else:
        period = f"Period: {fmt_window(s.start, s.end)}"
    meta = [period]
    if judged_at is not None and s.end is not None and judged_at < pd.Timestamp(s.end):
        meta.append(
            f"Data ends {fmt_time(judged_at)} UTC, before the period's end: nothing after it "
            "is forecast from, judged or flagged"
        )
    query = frame.attrs.get("query")
    if isinstance(query, dict) and not redact:
        shown = {k: v for k, v in query.items() if v not in (None, [], "")}
        if shown:
            meta.append(
                "Filters: "
                + "; ".join(
                    f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
                    for k, v in sorted(shown.items())
                )
            )
    if previous_period is not None:
        meta.append(f"Compared with {fmt_window(*previous_period)}")
    if redact:
        meta.append("Redacted: no execution ids, run ids or output URLs; workflows aliased")
    return meta


def note_lines(s: Summary, frame: RowSource) -> list[str]:
    notes = []
    if s.in_flight:
        notes.append(
            f"{s.in_flight:,} executions were still in flight when fetched: their cost and "
            "latency may still change."
        )
    if s.unclassified_errors:
        notes.append(
            f"{s.unclassified_errors:,} failed executions have no error class (shown as "
            "'unclassified')."
        )
    if s.other:
        notes.append(f"{s.other:,} executions have a status this version does not know.")
    if s.window_source == "data":
        notes.append("The period is first to last execution (the frame carries no window).")
    return notes
