"""What a cost report holds: :class:`CostReport`, ready to render, and the figures behind it.

:class:`ReportInputs` is what every section reads (the period's rows and the two figures
computed first); :class:`ReportFigures` is every helper result the report shows, raw and
named after its helper (``CostReport.helpers``). The window's instants are written as
RFC 3339 text:

>>> import pandas as pd
>>> rfc3339(pd.Timestamp("2026-10-01", tz="UTC")), rfc3339(None)
('2026-10-01T00:00:00Z', '')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import pandas as pd

from eachlabs_analytics import __version__
from eachlabs_analytics._util.timestamps import format_timestamp
from eachlabs_analytics.metrics.lazy import RowSource
from eachlabs_analytics.report.render import (
    Card,
    Section,
    Table,
    render_csv_tables,
    render_html,
    render_markdown,
)

if TYPE_CHECKING:
    from eachlabs_analytics.metrics.headline import Summary
    from eachlabs_analytics.watch.forecast import MonthEndProjection
    from eachlabs_analytics.watch.runway import Runway


@dataclass
class CostReport:
    """Everything a cost report shows, before it is rendered to a format.

    ``headline`` holds the KPI cards (label, value, detail and the change against the
    previous period, as text); ``headline_table`` the same numbers raw (``value`` and
    ``previous``); ``sections`` the tables (raw values in ``table.frame``) and charts.
    """

    title: str
    meta: list[str]
    headline: list[Card]
    headline_table: Table
    notes: list[str]
    sections: list[Section]
    generated_at: str
    version: str = __version__
    period: tuple[pd.Timestamp | None, pd.Timestamp | None] = (None, None)
    previous_period: tuple[pd.Timestamp, pd.Timestamp] | None = None
    #: Every helper result the report shows, raw (:class:`ReportFigures`; by name too).
    helpers: ReportFigures | None = field(default=None, repr=False)
    #: Shown above everything when the numbers need a warning first (an empty period).
    banner: str = ""

    def section(self, key: str) -> Section:
        """The section with this key (``spend_by_model``, ``errors``, ...)."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(f"no section {key!r}; sections: {', '.join(s.key for s in self.sections)}")

    def table(self, key: str) -> Table:
        """The table with this key (the CSV file stem)."""
        for section in self.sections:
            for table in section.tables:
                if table.key == key:
                    return table
        if key == "headline":
            return self.headline_table
        if key == "window":
            return self.window_table
        raise KeyError(f"no table {key!r}")

    @property
    def window_table(self) -> Table:
        """The periods the numbers cover: ``start`` included, ``end`` excluded, RFC 3339."""
        periods = [("current", *self.period)]
        if self.previous_period is not None:
            periods.append(("previous", *self.previous_period))
        frame = pd.DataFrame(
            [(name, rfc3339(start), rfc3339(end)) for name, start, end in periods],
            columns=["period", "start", "end"],
        )
        return Table("window", "Window", frame, dict.fromkeys(frame.columns, "text"))

    def to_html(self) -> str:
        return render_html(self)

    def to_markdown(self) -> str:
        return render_markdown(self)

    def to_csv(self) -> dict[str, str]:
        return render_csv_tables(self)


@dataclass(frozen=True)
class ReportInputs:
    """What every section reads: the period's rows and the two figures computed first.

    ``frame`` is the period's rows with the models grouped once (:func:`encode`), or a
    selection (it groups in its engine); ``summary`` is ``metrics.summary(frame, top=top)``
    and ``cost_by_model`` is ``metrics.cost_by_model(frame)``.
    """

    frame: RowSource
    summary: Summary
    cost_by_model: pd.DataFrame

    @property
    def rows(self) -> int:
        """Rows in the period (the summary counted them: no ``len`` of a selection)."""
        return int(self.summary.executions)


@dataclass(frozen=True, kw_only=True, eq=False)
class ReportFigures(Mapping[str, Any]):
    """Every helper result a report shows, raw, named after the helper that computed it.

    A figure the report did not compute is None (no router rows, ``forecast=False``, no
    forecast or anomalies to judge, no ``previous``, no balance or prices), and readable by
    name too, as a mapping of the figures it has (``report.helpers["anomalies"]``).
    """

    summary: Summary
    cost_by_model: pd.DataFrame
    cost_by_requested_model: pd.DataFrame | None = None
    cost_by_workflow: pd.DataFrame
    cost_over_time: pd.DataFrame
    error_rate_over_time: pd.DataFrame
    judged_at: pd.Timestamp | None = None
    month_end_projection: MonthEndProjection | None = None
    forecast_spend: pd.DataFrame | None = None
    anomalies: pd.DataFrame | None = None
    anomalies_by_model: pd.DataFrame | None = None
    latency_queue_seconds: pd.DataFrame
    latency_execution_seconds: pd.DataFrame
    latency_total_seconds: pd.DataFrame
    error_breakdown_all: pd.DataFrame
    error_breakdown: pd.DataFrame
    failed_cost_by_class: pd.DataFrame
    compare_periods: pd.DataFrame | None = None
    compare_all: pd.DataFrame | None = None
    summary_previous: Summary | None = None
    runway: Runway | None = None
    price_check: pd.DataFrame | None = None

    def __getitem__(self, key: str) -> Any:
        value = getattr(self, key) if key in self._names() else None
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._names() if getattr(self, name) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def _names(self) -> list[str]:
        return [f.name for f in fields(self)]


def rfc3339(value: Any) -> str:
    return "" if value is None or pd.isna(value) else format_timestamp(pd.Timestamp(value))
