"""The ad hoc cost report: one call from an executions DataFrame to a file you can hand over.

``cost_report(df)`` covers the period, the headline numbers, spend by model and by workflow,
the daily trend, latency percentiles per model (queue, execution, end to end), the error
breakdown and the money spent on failures, the most expensive executions, and the change
against the previous period of the same length (``previous=``). Every number comes from the
analytics helpers in :mod:`eachlabs_analytics.metrics` and every chart from
:mod:`eachlabs_analytics.plots`; this module only arranges them.

Formats: ``"html"`` (one self-contained file: charts embedded, opens offline), ``"markdown"``
and ``"csv"`` (one file per table, in a directory). ``redact=True`` drops execution ids,
workflow execution ids and output URLs, and replaces workflow ids by aliases, for sharing.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=2_000, seed=7)
>>> text = ea.cost_report(df, format="markdown", charts=False)
>>> text.splitlines()[0]
'# each::labs cost report'
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eachlabs_analytics import __version__, schema
from eachlabs_analytics._util.files import atomic_write
from eachlabs_analytics._util.formats import (
    fmt_money,
    fmt_pct,
    fmt_seconds,
    fmt_signed_money,
    fmt_signed_pct,
    fmt_time,
    fmt_window,
    plural,
)
from eachlabs_analytics._util.timestamps import format_timestamp
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.grouping import encode
from eachlabs_analytics.report.render import (
    Chart,
    Section,
    Table,
    render_csv_tables,
    render_html,
    render_markdown,
)

__all__ = ["FORMATS", "CostReport", "build_report", "cost_report"]

#: Output formats and the file name used when ``path`` is a directory.
FORMATS: dict[str, str] = {
    "html": "cost-report.html",
    "markdown": "cost-report.md",
    "csv": "cost-report-csv",
}
LATENCY_METRICS = {
    "queue_seconds": "queue",
    "execution_seconds": "execution",
    "total_seconds": "end to end",
}
REPORT_PERCENTILES = (50, 90, 95, 99)
ROUTER_MODEL = "eachlabs-llm-router"
_REQUIRED = schema.COLUMNS


@dataclass
class CostReport:
    """Everything a cost report shows, before it is rendered to a format.

    ``headline`` holds (label, value, detail) texts; ``headline_table`` the same numbers raw;
    ``sections`` the tables (raw values in ``table.frame``) and charts.
    """

    title: str
    meta: list[str]
    headline: list[tuple[str, str, str]]
    headline_table: Table
    notes: list[str]
    sections: list[Section]
    generated_at: str
    version: str = __version__
    period: tuple[pd.Timestamp | None, pd.Timestamp | None] = (None, None)
    previous_period: tuple[pd.Timestamp, pd.Timestamp] | None = None
    helpers: dict[str, Any] = field(default_factory=dict, repr=False)

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
            [(name, _rfc3339(start), _rfc3339(end)) for name, start, end in periods],
            columns=["period", "start", "end"],
        )
        return Table("window", "Window", frame, dict.fromkeys(frame.columns, "text"))

    def to_html(self) -> str:
        return render_html(self)

    def to_markdown(self) -> str:
        return render_markdown(self)

    def to_csv(self) -> dict[str, str]:
        return render_csv_tables(self)


# --- public API ----------------------------------------------------------------------------
def cost_report(
    df: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    format: str = "html",  # noqa: A002 - the documented argument name
    *,
    redact: bool = False,
    previous: pd.DataFrame | None = None,
    top: int = 10,
    title: str | None = None,
    charts: bool = True,
) -> str | dict[str, str] | Path:
    """Build the cost report of ``df`` and return it, or write it to ``path``.

    Args:
        df: executions as the loader returns them (or a slice); its period is
            ``df.attrs["window"]`` when present, else first to last ``created_at``.
        path: where to write. A directory gets the default name (``cost-report.html``,
            ``cost-report.md`` or the ``cost-report-csv/`` directory). The file is written
            atomically. None returns the report instead.
        format: ``"html"`` (self-contained, charts embedded), ``"markdown"`` or ``"csv"``
            (one CSV per table).
        redact: drop execution ids, workflow execution ids and output URLs, and alias
            workflow ids (``workflow 1``, ...), for sharing.
        previous: the executions of the period to compare with (e.g. the same length just
            before); None leaves the comparison out.
        top: rows in the "most expensive" and workflow tables.
        title: the report's title.
        charts: embed charts in the HTML (off: tables only, faster).

    Returns:
        None ``path``: the HTML or Markdown text, or for CSV a dict of file stem -> CSV text.
        Otherwise the path written.

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> html = ea.cost_report(df, charts=False)
    >>> "<script" in html, html.startswith("<!DOCTYPE html>")
    (False, True)
    """
    if format not in FORMATS:
        raise InvalidQueryError(
            f"format={format!r} is not supported; allowed: {', '.join(FORMATS)}"
        )
    report = build_report(
        df,
        previous=previous,
        redact=redact,
        top=top,
        title=title,
        charts=charts and format == "html",
    )
    if format == "html":
        rendered: str | dict[str, str] = report.to_html()
    elif format == "markdown":
        rendered = report.to_markdown()
    else:
        rendered = report.to_csv()
    if path is None:
        return rendered
    return _write(rendered, Path(path), format)


def build_report(
    df: pd.DataFrame,
    *,
    previous: pd.DataFrame | None = None,
    redact: bool = False,
    top: int = 10,
    title: str | None = None,
    charts: bool = True,
) -> CostReport:
    """The report's content (tables with raw numbers, charts), ready to render.

    Same arguments as :func:`cost_report`. Tests and custom layouts use this directly.

    >>> import eachlabs_analytics as ea
    >>> report = build_report(ea.generate_executions(executions=500, seed=1), charts=False)
    >>> [s.key for s in report.sections][:3]
    ['spend_by_model', 'spend_by_workflow', 'daily_trend']
    """
    from eachlabs_analytics import metrics

    _check_frame(df, "df")
    if previous is not None:
        _check_frame(previous, "previous")
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise InvalidQueryError(f"top must be an integer >= 1, not {top!r}")
    if title is not None and not isinstance(title, str):
        raise InvalidQueryError(f"title must be a string, not {type(title).__name__}")
    top = int(top)
    frame = encode(df)  # the report calls a dozen helpers: group the models once
    s = metrics.summary(frame, top=top)
    helpers: dict[str, Any] = {"summary": s}
    by_model = metrics.cost_by_model(frame)
    helpers["cost_by_model"] = by_model

    sections = [
        _spend_by_model(frame, by_model, helpers, charts),
        _spend_by_workflow(frame, top, helpers),
        _daily_trend(frame, helpers, charts),
        _latency(frame, helpers, charts),
        _errors(frame, by_model, helpers, charts),
        _most_expensive(frame, top, redact),
    ]
    previous_period = None
    comparison = None
    if previous is not None:
        comparison, previous_period = _comparison(frame, previous, s, helpers)
        sections.append(comparison)
    else:
        sections.append(
            Section(
                "change",
                "Change against the previous period",
                "No previous period was given (cost_report(df, previous=...); the CLI's "
                "report command fetches it for you).",
            )
        )
    if redact:
        _redact(sections, helpers, df)
    headline, headline_table = _headline(s, helpers.get("compare_all"))
    return CostReport(
        title=title or "each::labs cost report",
        meta=_meta(s, frame, previous_period, redact),
        headline=headline,
        headline_table=headline_table,
        notes=_notes(s, frame),
        sections=sections,
        generated_at=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        period=(s.start, s.end),
        previous_period=previous_period,
        helpers=helpers,
    )


# --- checks --------------------------------------------------------------------------------
def _check_frame(df: Any, name: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InvalidQueryError(
            f"{name} must be a pandas DataFrame of executions, not {type(df).__name__}"
        )
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise InvalidQueryError(
            f"{name} is missing the column(s) {', '.join(missing)}; a cost report needs the "
            "loader's columns (eachlabs_analytics.schema.COLUMNS)"
        )


def _redact(sections: list[Section], helpers: dict[str, Any], df: pd.DataFrame) -> None:
    """Alias workflow ids in what the report shows, after every number is computed.

    Redaction only relabels or leaves out text (ids and outputs are left out by the sections
    themselves), so no number can depend on it. Aliases follow the order in which workflows
    first appear in ``df``: ``workflow 1``, ``workflow 2``, ...
    """
    _, uniques = pd.factorize(df["workflow_id"])
    aliases = {value: f"workflow {i + 1}" for i, value in enumerate(uniques)}
    by_workflow = helpers.get("cost_by_workflow")
    if by_workflow is not None:
        by_workflow.index = pd.Index(
            [aliases.get(v, "workflow ?") for v in by_workflow.index], name=by_workflow.index.name
        )
    for section in sections:
        for table in section.tables:
            if "workflow_id" in table.frame.columns:
                table.frame = table.frame.assign(
                    workflow_id=[aliases.get(v, "workflow ?") for v in table.frame["workflow_id"]]
                )


# --- sections ------------------------------------------------------------------------------
def _plot(
    draw: Any, frame: pd.DataFrame, title: str, alt: str, per_model: bool = False, **kwargs: Any
) -> Chart:
    """Run one ``plots.plot_*`` on a fresh Agg figure and keep the PNG bytes.

    ``per_model`` charts (one bar or box per model) grow with the number of models.
    """
    from eachlabs_analytics.plots.parts import png

    height = 4.2
    if per_model:
        height = min(14.0, max(3.5, 0.26 * frame["model"].nunique() + 1.4))
    return Chart(
        title=title, png=png(lambda ax: draw(frame, ax=ax, **kwargs), (10, height)), alt=alt
    )


def _spend_by_model(
    frame: pd.DataFrame, by_model: pd.DataFrame, helpers: dict[str, Any], charts: bool
) -> Section:
    from eachlabs_analytics import metrics

    table = by_model.reset_index()
    table.columns = ["model", *by_model.columns]
    section = Section(
        "spend_by_model",
        "Spend by model",
        "Cost per success includes the spend on failures: what one success really costs.",
    )
    if charts and len(frame):
        from eachlabs_analytics import plots

        section.charts.append(
            _plot(
                plots.plot_cost_by_model,
                frame,
                "Spend by model (USD)",
                "Bar chart of spend per model",
                per_model=True,
            )
        )
    section.tables.append(
        Table(
            "cost_by_model",
            "Spend by model",
            table[
                [
                    "model",
                    "executions",
                    "total_cost",
                    "share",
                    "mean_cost",
                    "succeeded",
                    "failed",
                    "failed_cost",
                    "cost_per_success",
                ]
            ],
            {
                "model": "text",
                "executions": "int",
                "total_cost": "money",
                "share": "pct",
                "mean_cost": "money",
                "succeeded": "int",
                "failed": "int",
                "failed_cost": "money",
                "cost_per_success": "money",
            },
            {
                "total_cost": "spend",
                "share": "share of spend",
                "mean_cost": "mean cost",
                "failed_cost": "spent on failures",
                "cost_per_success": "cost per success",
            },
        )
    )
    router = frame[frame["model"] == ROUTER_MODEL]
    if len(router) and router["requested_model"].notna().any():
        routed = metrics.cost_by_model(router, by="requested_model")
        helpers["cost_by_requested_model"] = routed
        routed_table = routed.reset_index()
        routed_table.columns = ["requested_model", *routed.columns]
        section.tables.append(
            Table(
                "cost_by_requested_model",
                f"{ROUTER_MODEL}: spend by requested model",
                routed_table[["requested_model", "executions", "total_cost", "share", "failed"]],
                {
                    "requested_model": "text",
                    "executions": "int",
                    "total_cost": "money",
                    "share": "pct",
                    "failed": "int",
                },
                {"requested_model": "requested model", "total_cost": "spend", "share": "share"},
            )
        )
    return section


def _spend_by_workflow(frame: pd.DataFrame, top: int, helpers: dict[str, Any]) -> Section:
    from eachlabs_analytics import metrics

    by_workflow = metrics.cost_by_workflow(frame)
    helpers["cost_by_workflow"] = by_workflow
    table = by_workflow.reset_index()
    table.columns = ["workflow_id", *by_workflow.columns]
    shown = table.head(top)
    outside = by_workflow.attrs.get("rows_without_workflow", 0)
    note = f"Top {len(shown)} of {len(table)} workflows by spend. " if len(table) > top else ""
    note += f"{outside:,} executions were not triggered by a workflow."
    return Section(
        "spend_by_workflow",
        "Spend by workflow",
        "A run is one workflow execution; its cost is the sum over its executions.",
        tables=[
            Table(
                "cost_by_workflow",
                "Spend by workflow",
                shown,
                {
                    "workflow_id": "text",
                    "runs": "int",
                    "executions": "int",
                    "total_cost": "money",
                    "cost_per_run_mean": "money",
                    "cost_per_run_p50": "money",
                    "cost_per_run_p95": "money",
                },
                {
                    "workflow_id": "workflow",
                    "total_cost": "spend",
                    "cost_per_run_mean": "mean per run",
                    "cost_per_run_p50": "p50 per run",
                    "cost_per_run_p95": "p95 per run",
                },
                note,
            )
        ],
    )


def _daily_trend(frame: pd.DataFrame, helpers: dict[str, Any], charts: bool) -> Section:
    from eachlabs_analytics import metrics

    spend = metrics.cost_over_time(frame, freq="D", by=None)
    errors = metrics.error_rate_over_time(frame, freq="D")
    helpers["cost_over_time"] = spend
    helpers["error_rate_over_time"] = errors
    daily = pd.DataFrame(
        {
            "day": spend.index,
            "spend": spend["total"].to_numpy() if "total" in spend else np.zeros(len(spend)),
            "executions": errors["executions"].reindex(spend.index).to_numpy(),
            "errors": errors["errors"].reindex(spend.index).to_numpy(),
            "error_rate": errors["error_rate"].reindex(spend.index).to_numpy(),
        }
    )
    section = Section("daily_trend", "Daily trend", "Spend and errors per UTC day of creation.")
    if charts and len(frame):
        from eachlabs_analytics import plots

        section.charts.append(
            _plot(
                plots.plot_cost_over_time,
                frame,
                "Daily spend, top models (USD)",
                "Stacked area chart of daily spend per model",
                top=8,
            )
        )
        section.charts.append(
            _plot(
                plots.plot_error_rate_over_time,
                frame,
                "Daily error rate",
                "Line chart of the share of executions that failed per day",
            )
        )
    section.tables.append(
        Table(
            "daily",
            "Per day",
            daily,
            {
                "day": "date",
                "spend": "money",
                "executions": "int",
                "errors": "int",
                "error_rate": "pct",
            },
            {"error_rate": "error rate"},
        )
    )
    return section


def _latency(frame: pd.DataFrame, helpers: dict[str, Any], charts: bool) -> Section:
    from eachlabs_analytics import metrics

    section = Section(
        "latency",
        "Latency by model",
        "Seconds; queue = created to started, execution = started to completed, end to end = "
        "created to completed. Rows in flight are left out; 'few rows' marks percentiles "
        "computed on too few executions to trust the tail.",
    )
    if charts and len(frame):
        from eachlabs_analytics import plots

        section.charts.append(
            _plot(
                plots.plot_latency,
                frame,
                "End-to-end time per model",
                "Latency per model",
                per_model=True,
            )
        )
        section.charts.append(
            _plot(
                plots.plot_queue_vs_execution,
                frame,
                "Queue against execution time",
                "Queue time against execution time per model",
                per_model=True,
            )
        )
    for metric, label in LATENCY_METRICS.items():
        table = metrics.latency_percentiles(
            frame, by="model", metric=metric, percentiles=REPORT_PERCENTILES
        )
        helpers[f"latency_{metric}"] = table
        shown = table.reset_index()
        shown.columns = ["model", *table.columns]
        formats = {"model": "text", "count": "int", "mean": "seconds", "low_count": "flag"}
        formats.update({f"p{p}": "seconds" for p in REPORT_PERCENTILES})
        section.tables.append(
            Table(
                f"latency_{metric.removesuffix('_seconds')}",
                f"{label.capitalize()} time",
                shown,
                formats,
                {"count": "executions", "low_count": "few rows"},
            )
        )
    return section


def _errors(
    frame: pd.DataFrame, by_model: pd.DataFrame, helpers: dict[str, Any], charts: bool
) -> Section:
    from eachlabs_analytics import metrics

    s = helpers["summary"]
    overall = metrics.error_breakdown(frame, by=None)
    per_model = metrics.error_breakdown(frame, by="model")
    failed_rows = frame[frame["status"].isin(schema.FAILED_STATUSES)]
    wasted = metrics.cost_by_model(failed_rows, by="error_classification")
    helpers.update(
        error_breakdown_all=overall, error_breakdown=per_model, failed_cost_by_class=wasted
    )
    class_columns = [c for c in overall.columns if c not in ("errors", "executions", "error_rate")]
    counts = overall.iloc[0][class_columns] if len(overall) else pd.Series(dtype=float)
    by_class = pd.DataFrame(
        {
            "error_classification": class_columns,
            "failed": counts.to_numpy(dtype=np.int64) if len(overall) else [],
            "share_of_failures": (counts / s.failed).to_numpy(dtype=float)
            if s.failed and len(overall)
            else np.full(len(class_columns), np.nan),
            "failed_cost": [
                float(wasted["total_cost"].get(c, 0.0)) if c != "unclassified" else np.nan
                for c in class_columns
            ],
        }
    )
    by_class = by_class[by_class["failed"] > 0].sort_values(
        "failed", ascending=False, kind="stable"
    )
    model_table = per_model.reset_index()
    model_table.columns = ["model", *per_model.columns]
    model_table = model_table[model_table["errors"] > 0]
    model_table.insert(
        len(model_table.columns),
        "failed_cost",
        by_model["failed_cost"].reindex(model_table["model"]).to_numpy(),
    )
    formats = {c: "int" for c in model_table.columns}
    formats.update(model="text", error_rate="pct", failed_cost="money")
    section = Section(
        "errors",
        "Errors and the cost of failures",
        f"{s.failed:,} executions failed ({fmt_pct(s.error_rate)}); "
        f"{fmt_money(s.failed_cost)} was spent on them.",
    )
    if charts and s.failed:
        from eachlabs_analytics import plots

        section.charts.append(
            _plot(
                plots.plot_error_breakdown,
                frame,
                "Failures by model and error class",
                "Stacked bars of failed executions per model by error class",
                per_model=True,
            )
        )
    section.tables.append(
        Table(
            "errors_by_class",
            "By error class",
            by_class,
            {
                "error_classification": "text",
                "failed": "int",
                "share_of_failures": "pct",
                "failed_cost": "money",
            },
            {
                "error_classification": "error class",
                "share_of_failures": "share of failures",
                "failed_cost": "spent on failures",
            },
        )
    )
    section.tables.append(
        Table(
            "errors_by_model",
            "By model",
            model_table,
            formats,
            {"error_rate": "error rate", "failed_cost": "spent on failures"},
        )
    )
    return section


def _most_expensive(frame: pd.DataFrame, top: int, redact: bool) -> Section:
    costly = frame[frame["execution_cost"].notna()].sort_values(
        ["execution_cost", "created_at"], ascending=[False, False], kind="stable"
    )
    costly = costly.head(top)
    columns = ["id", "model", "status", "created_at", "execution_cost", "total_seconds", "output"]
    if redact:
        columns = [c for c in columns if c not in ("id", "output")]
    shown = costly[columns].reset_index(drop=True)
    shown.insert(0, "rank", np.arange(1, len(shown) + 1))
    shown["status"] = shown["status"].astype(object)
    formats = {
        "rank": "int",
        "id": "text",
        "model": "text",
        "status": "text",
        "created_at": "time",
        "execution_cost": "money",
        "total_seconds": "seconds",
        "output": "text",
    }
    return Section(
        "most_expensive",
        "Most expensive executions",
        "Ids and outputs are left out (redacted report)." if redact else "",
        tables=[
            Table(
                "most_expensive",
                f"Top {len(shown)} by cost",
                shown,
                {c: formats[c] for c in shown.columns},
                {
                    "created_at": "created (UTC)",
                    "execution_cost": "cost",
                    "total_seconds": "end to end",
                },
            )
        ],
    )


def _span(s: Any) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """A summary's window, ``[start, end)``."""
    if s.start is None or s.end is None:
        return None
    return s.start, s.end


def _comparison(
    frame: pd.DataFrame,
    previous: pd.DataFrame,
    s: Any,
    helpers: dict[str, Any],
) -> tuple[Section, tuple[pd.Timestamp, pd.Timestamp] | None]:
    from eachlabs_analytics import metrics

    before = previous
    prev_summary = metrics.summary(before)
    current_span, previous_span = _span(s), _span(prev_summary)
    if current_span is None or previous_span is None:
        return (
            Section(
                "change",
                "Change against the previous period",
                "One of the periods has no executions and no window: nothing to compare.",
            ),
            None,
        )
    previous_span = (previous_span[0], min(previous_span[1], current_span[0]))
    if previous_span[0] >= previous_span[1]:
        raise InvalidQueryError(
            "previous must cover a period before df's: "
            f"df starts {fmt_time(current_span[0])}, previous starts {fmt_time(previous_span[0])}"
        )
    combined = encode(_concat(frame, before))
    per_model = metrics.compare_periods(
        combined, current=current_span, previous=previous_span, by="model"
    )
    overall = metrics.compare_periods(
        combined, current=current_span, previous=previous_span, by=None
    )
    helpers["compare_periods"] = per_model
    helpers["compare_all"] = overall
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
    return section, previous_span


def _concat(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Both periods in one frame (categoricals unified, rows of ``current`` win on an id)."""
    columns = list(schema.COLUMNS)
    loose = [
        f[columns].astype({"status": object, "error_classification": object})
        for f in (current, previous)
    ]
    both = pd.concat(loose, ignore_index=True)
    if both["id"].notna().all():
        both = both.drop_duplicates("id", keep="first")
    statuses = both["status"].dropna().astype(str).unique()
    return both.astype(
        {"status": schema.status_dtype(statuses), "error_classification": schema.ERROR_CLASS_DTYPE}
    )


# --- headline, meta, notes -----------------------------------------------------------------
def _headline(s: Any, compare_all: pd.DataFrame | None) -> tuple[list[tuple[str, str, str]], Table]:
    wasted_share = s.failed_cost / s.spend if s.spend else np.nan
    rows: list[tuple[str, Any, str, str, str]] = [
        ("spend", s.spend, "money", "Spend", plural(s.models, "model")),
        ("executions", s.executions, "int", "Executions", f"{s.in_flight:,} still in flight"),
        (
            "success_rate",
            s.success_rate,
            "pct",
            "Success rate",
            f"{s.succeeded:,} of {s.finished:,} finished; {s.cancelled:,} cancelled",
        ),
        ("error_rate", s.error_rate, "pct", "Error rate", f"{s.failed:,} failed"),
        (
            "failed_cost",
            s.failed_cost,
            "money",
            "Spent on failures",
            f"{fmt_pct(wasted_share)} of spend",
        ),
        ("cost_per_success", s.cost_per_success, "money", "Cost per success", "incl. failures"),
        ("p50_seconds", s.p50_seconds, "seconds", "End to end p50", "created to completed"),
        ("p95_seconds", s.p95_seconds, "seconds", "End to end p95", "created to completed"),
    ]
    if compare_all is not None and len(compare_all):
        row = compare_all.iloc[0]
        rows.append(
            (
                "spend_change",
                row["spend_change"],
                "signed_money",
                "Spend vs previous period",
                f"{fmt_signed_pct(row['spend_rel_change'])}; "
                f"before {fmt_money(row['spend_previous'])}",
            )
        )
    formatters = {
        "money": fmt_money,
        "int": lambda v: f"{int(v):,}",
        "pct": fmt_pct,
        "seconds": fmt_seconds,
        "signed_money": fmt_signed_money,
    }
    headline = [(label, formatters[kind](value), detail) for _, value, kind, label, detail in rows]
    table = Table(
        "headline",
        "Headline",
        pd.DataFrame(
            {
                "measure": [r[0] for r in rows],
                # counts stay whole numbers (``executions,3187``, not ``3187.0``)
                "value": pd.array(
                    [int(r[1]) if r[2] == "int" else float(r[1]) for r in rows], dtype=object
                ),
            }
        ),
        {"measure": "text", "value": "text"},
    )
    return headline, table


def _meta(
    s: Any,
    frame: pd.DataFrame,
    previous_period: tuple[pd.Timestamp, pd.Timestamp] | None,
    redact: bool,
) -> list[str]:
    if s.start is None:
        period = "Period: no executions"
    else:
        period = f"Period: {fmt_window(s.start, s.end)}"
    meta = [period]
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


def _notes(s: Any, frame: pd.DataFrame) -> list[str]:
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


# --- writing -------------------------------------------------------------------------------
def _write(rendered: str | dict[str, str], path: Path, format: str) -> Path:  # noqa: A002
    if path.is_dir() and format != "csv":
        path = path / FORMATS[format]
    if format != "csv":
        text = rendered if isinstance(rendered, str) else ""
        return atomic_write(path, _text_writer(text))
    assert isinstance(rendered, dict)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{path} is a file; CSV reports are a directory of tables")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"directory {path.parent} does not exist; create it first")
    path.mkdir(exist_ok=True)
    for stem, text in rendered.items():
        atomic_write(path / f"{stem}.csv", _text_writer(text))
    return path


def _text_writer(text: str) -> Callable[[Path], int]:
    """A ``write`` for :func:`atomic_write` that writes ``text`` as UTF-8."""
    return lambda temp: temp.write_text(text, encoding="utf-8")


def _rfc3339(value: Any) -> str:
    return "" if value is None or pd.isna(value) else format_timestamp(pd.Timestamp(value))
