"""The change against the previous period: the "change" section and the figures behind it.

:func:`compare` returns a :class:`Comparison`: the section, the previous period it compared
with, ``compare_periods`` over all models and per model, and the previous period's summary
(the headline cards show their change against it). Without ``previous`` the section says
that none was given.

>>> import eachlabs_analytics as ea
>>> from eachlabs_analytics.report.model import ReportInputs
>>> df = ea.generate_executions(executions=300, seed=3)
>>> inputs = ReportInputs(df, ea.summary(df), ea.cost_by_model(df))
>>> compare(inputs, None).previous_period is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from eachlabs_analytics._util.formats import fmt_time, fmt_window
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.frame_rows import concat_attrs
from eachlabs_analytics.metrics.lazy import RowSource
from eachlabs_analytics.report.render import Section, Table

if TYPE_CHECKING:
    from eachlabs_analytics.metrics.headline import Summary
    from eachlabs_analytics.report.model import ReportInputs


def _span(s: Summary) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """A summary's window, ``[start, end)``."""
    if s.start is None or s.end is None:
        return None
    return s.start, s.end


@dataclass(frozen=True)
class Comparison:
    """The change against the previous period: its section, the previous period it compared
    with (None: no comparison) and the figures behind it (None without one)."""

    section: Section
    previous_period: tuple[pd.Timestamp, pd.Timestamp] | None = None
    compare_periods: pd.DataFrame | None = None
    compare_all: pd.DataFrame | None = None
    summary_previous: Summary | None = None


def compare(inputs: ReportInputs, previous: RowSource | None) -> Comparison:
    """The comparison of the period with ``previous`` (None: the section says none was
    given)."""
    from eachlabs_analytics import metrics

    if previous is None:
        return Comparison(
            Section(
                "change",
                "Change against the previous period",
                "No previous period was given (cost_report(df, previous=...); the CLI's "
                "report command fetches it for you).",
            )
        )
    frame, s = inputs.frame, inputs.summary
    before = previous
    prev_summary = metrics.summary(before)
    current_span, previous_span = _span(s), _span(prev_summary)
    if current_span is None or previous_span is None:
        return Comparison(
            Section(
                "change",
                "Change against the previous period",
                "One of the periods has no executions and no window: nothing to compare.",
            )
        )
    previous_span = (previous_span[0], min(previous_span[1], current_span[0]))
    if previous_span[0] >= previous_span[1]:
        raise InvalidQueryError(
            "previous must cover a period before df's: "
            f"df starts {fmt_time(current_span[0])}, previous starts {fmt_time(previous_span[0])}"
        )
    combined = frame.combine(before, attrs=concat_attrs(frame.attrs, before.attrs))
    per_model = metrics.compare_periods(
        combined, current=current_span, previous=previous_span, by="model"
    )
    overall = metrics.compare_periods(
        combined, current=current_span, previous=previous_span, by=None
    )
    summary_previous = metrics.summary(_rows_between(combined, previous_span))
    table = per_model.reset_index()
    table.columns = ["model", *per_model.columns]
    columns = [
        "model",
        "spend_previous",
        "spend_current",
        "spend_change",
        "spend_rel_change",
        "executions_previous",
        "executions_current",
        "error_rate_previous",
        "error_rate_current",
        "error_rate_change",
        "latency_p95_previous",
        "latency_p95_current",
    ]
    formats = {
        "model": "text",
        "spend_previous": "money",
        "spend_current": "money",
        "spend_change": "signed_money",
        "spend_rel_change": "signed_pct",
        "executions_previous": "int",
        "executions_current": "int",
        "error_rate_previous": "pct",
        "error_rate_current": "pct",
        "error_rate_change": "points",
        "latency_p95_previous": "seconds",
        "latency_p95_current": "seconds",
    }
    labels = {
        "spend_previous": "spend before",
        "spend_current": "spend now",
        "spend_change": "change",
        "spend_rel_change": "change %",
        "executions_previous": "executions before",
        "executions_current": "executions now",
        "error_rate_previous": "error rate before",
        "error_rate_current": "error rate now",
        "error_rate_change": "error rate change",
        "latency_p95_previous": "p95 before",
        "latency_p95_current": "p95 now",
    }
    all_row = overall.reset_index()
    all_row.columns = ["model", *overall.columns]
    section = Section(
        "change",
        "Change against the previous period",
        f"This period, {fmt_window(*current_span)}, against {fmt_window(*previous_span)}.",
        tables=[
            Table("change_total", "All models", all_row[columns], formats, labels),
            Table("change_by_model", "By model", table[columns], formats, labels),
        ],
    )
    return Comparison(section, previous_span, per_model, overall, summary_previous)


def _rows_between(frame: RowSource, span: tuple[pd.Timestamp, pd.Timestamp]) -> RowSource:
    """The rows of ``frame`` created in ``[start, end)`` (a selection stays lazy)."""
    return frame.narrow(start=span[0], end=span[1])
