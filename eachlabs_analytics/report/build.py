"""The ad hoc cost report: one call from an executions DataFrame to a file you can hand over.

``cost_report(df)`` covers the period, the headline numbers, spend by model and by workflow,
the daily trend, a forecast with alerts (the month-end projection, spend per day forecast to
the month's end, and the anomalies of daily spend in the period), latency percentiles per
model (queue, execution, end to end), the error breakdown and the money spent on failures,
the most expensive executions, and the change against the previous period of the same length
(``previous=``). Every number comes from the analytics helpers in
:mod:`eachlabs_analytics.metrics` and :mod:`eachlabs_analytics.watch`, and every chart from
:mod:`eachlabs_analytics.plots` (the forecast's is drawn here, on the forecast's numbers);
this module only arranges them.

The forecast uses statsmodels (a core dependency): should it be broken, or with data too short
to judge, the "Forecast and alerts" section says so and the rest of the report is unchanged.
``forecast=False`` leaves the section out.

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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics._util.files import atomic_write
from eachlabs_analytics._util.formats import (
    fmt_date,
    fmt_money,
    fmt_pct,
    fmt_time,
)
from eachlabs_analytics._util.timestamps import DAY, ONE_US
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics.grouping import encode
from eachlabs_analytics.report.both_periods import concat_periods
from eachlabs_analytics.report.comparison import compare
from eachlabs_analytics.report.headline import headline_cards, meta_lines, note_lines
from eachlabs_analytics.report.model import CostReport, ReportFigures, ReportInputs, rfc3339
from eachlabs_analytics.report.redaction import redact as redact_workflows
from eachlabs_analytics.report.render import (
    Chart,
    Section,
    Table,
)

if TYPE_CHECKING:
    from eachlabs_analytics.watch.forecast import MonthEndProjection

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


# --- public API ----------------------------------------------------------------------------
def cost_report(
    df: pd.DataFrame | _lazy.LazyExecutions,
    path: str | os.PathLike[str] | None = None,
    format: str = "html",  # noqa: A002 - the documented argument name
    *,
    redact: bool = False,
    previous: pd.DataFrame | _lazy.LazyExecutions | None = None,
    top: int = 10,
    title: str | None = None,
    charts: bool = True,
    forecast: bool = True,
    history: pd.DataFrame | _lazy.LazyExecutions | None = None,
) -> str | dict[str, str] | Path:
    """Build the cost report of ``df`` and return it, or write it to ``path``.

    Args:
        df: executions as the loader returns them (or a slice), or a lazy selection of
            them (``ExecutionStore.scan(...)``, ``ea.scan_table(...)``): the report is then
            computed in the selection's engine, the same figures without loading its rows
            (see :func:`build_report`). Its period is ``df.attrs["window"]`` when present,
            else first to last ``created_at``.
        path: where to write. A directory gets the default name (``cost-report.html``,
            ``cost-report.md`` or the ``cost-report-csv/`` directory). The file is written
            atomically. None returns the report instead.
        format: ``"html"`` (self-contained, charts embedded), ``"markdown"`` or ``"csv"``
            (one CSV per table).
        redact: drop execution ids, workflow execution ids and output URLs, and alias
            workflow ids (``workflow 1``, ...), for sharing.
        previous: the executions of the period to compare with (e.g. the same length just
            before), a frame or a selection; None leaves the comparison out.
        top: rows in the "most expensive" and workflow tables.
        title: the report's title.
        charts: embed charts in the HTML (off: tables only, faster).
        forecast: add the "Forecast and alerts" section (after the daily trend), judged as
            of the period's end (``df.attrs["window"]["end"]``, else just after the newest
            row): the projected spend of the month holding that instant
            (:func:`~eachlabs_analytics.month_end_projection`), spend per day forecast to
            the month's end with 80 % and 95 % intervals
            (:func:`~eachlabs_analytics.forecast_spend`), and the anomalies of daily spend,
            total and per model, in the period (:func:`~eachlabs_analytics.detect_anomalies`).
            A ``previous`` period that ends where ``df`` starts extends the history they
            learn from. With statsmodels broken, or with too little data, the section says
            why in its note instead of failing the report.
            False leaves the section out (faster).
        history: the data ``df`` was cut from (the whole file, store selection or load, a
            frame or a selection): the forecast section learns from it and judges at its
            clock, so the month-end figure is the one ``check``, the Explorer and
            :func:`~eachlabs_analytics.month_end_projection` give on the same data, whatever
            window the report shows. None: ``df`` (with ``previous`` when it ends where
            ``df`` starts). The section judges as of the period's end, or of the data's end
            when the data stops before it (the report's header says so); a month the period
            completes is stated, never projected, and no day after the data's end is flagged.

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
        forecast=forecast,
        history=history,
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
    df: pd.DataFrame | _lazy.LazyExecutions,
    *,
    previous: pd.DataFrame | _lazy.LazyExecutions | None = None,
    redact: bool = False,
    top: int = 10,
    title: str | None = None,
    charts: bool = True,
    forecast: bool = True,
    history: pd.DataFrame | _lazy.LazyExecutions | None = None,
) -> CostReport:
    """The report's content (tables with raw numbers, charts), ready to render.

    Same arguments as :func:`cost_report` (``forecast=False`` leaves out the "Forecast and
    alerts" section, key ``forecast``). Tests and custom layouts use this directly.

    With a selection for ``df`` or ``previous`` (a frame given with a selection is scanned
    in the selection's engine), no row is loaded: every table comes from the helpers, which
    accept selections, and the few rows shown (the most expensive executions), the order of
    first appearance of workflows (their aliases) and the two periods without repeated ids
    (the comparison) from small queries (:mod:`eachlabs_analytics.engines.rows`). The report
    equals the one built from the loaded frames (``tests/test_report_lazy.py``). Give both
    selections the same engine (``store.scan(..., engine=engine)``), else ``previous`` is
    copied into ``df``'s engine for the comparison.

    >>> import eachlabs_analytics as ea
    >>> report = build_report(ea.generate_executions(executions=500, seed=1), charts=False)
    >>> [s.key for s in report.sections][:3]
    ['spend_by_model', 'spend_by_workflow', 'daily_trend']
    """
    from eachlabs_analytics import metrics

    lazy = _lazy.is_lazy(df) or (previous is not None and _lazy.is_lazy(previous))
    if lazy:
        df, previous = _selections(df, previous)
    else:
        _check_frame(df, "df")
        if previous is not None:
            _check_frame(previous, "previous")
    if history is not None and not _lazy.is_lazy(history):
        _check_frame(history, "history")
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise InvalidQueryError(f"top must be an integer >= 1, not {top!r}")
    if title is not None and not isinstance(title, str):
        raise InvalidQueryError(f"title must be a string, not {type(title).__name__}")
    if not isinstance(forecast, (bool, np.bool_)):
        raise InvalidQueryError(f"forecast must be True or False, not {forecast!r}")
    top = int(top)
    # the report calls a dozen helpers: group the models once (a selection groups in its engine)
    frame: Any = df if lazy else encode(df)
    s = metrics.summary(frame, top=top)
    inputs = ReportInputs(frame, s, metrics.cost_by_model(frame))

    by_model, routed = _spend_by_model(inputs, charts)
    by_workflow, cost_by_workflow = _spend_by_workflow(inputs, top)
    daily, cost_over_time, error_rate_over_time = _daily_trend(inputs, charts)
    sections = [by_model, by_workflow, daily]
    judged = ForecastFigures()
    if forecast:
        forecast_section, judged = _forecast(inputs, previous, charts, history)
        sections.append(forecast_section)
    latency, latency_tables = _latency(inputs, charts)
    errors, error_breakdown_all, error_breakdown, failed_cost_by_class = _errors(inputs, charts)
    sections += [latency, errors, _most_expensive(frame, top, redact)]
    comparison = compare(inputs, previous)
    sections.append(comparison.section)
    if redact:
        redact_workflows(sections, cost_by_workflow, df, previous)
    headline, headline_table = headline_cards(s, comparison)
    figures = ReportFigures(
        summary=s,
        cost_by_model=inputs.cost_by_model,
        cost_by_requested_model=routed,
        cost_by_workflow=cost_by_workflow,
        cost_over_time=cost_over_time,
        error_rate_over_time=error_rate_over_time,
        judged_at=judged.judged_at,
        month_end_projection=judged.month_end_projection,
        forecast_spend=judged.forecast_spend,
        anomalies=judged.anomalies,
        anomalies_by_model=judged.anomalies_by_model,
        latency_queue_seconds=latency_tables["queue_seconds"],
        latency_execution_seconds=latency_tables["execution_seconds"],
        latency_total_seconds=latency_tables["total_seconds"],
        error_breakdown_all=error_breakdown_all,
        error_breakdown=error_breakdown,
        failed_cost_by_class=failed_cost_by_class,
        compare_periods=comparison.compare_periods,
        compare_all=comparison.compare_all,
        summary_previous=comparison.summary_previous,
    )
    banner = (
        "No executions were created in this period: every table below is empty. Check the "
        "window and the filters (slugs and ids must match exactly)."
        if s.executions == 0
        else ""
    )
    return CostReport(
        banner=banner,
        title=title or "each::labs cost report",
        meta=meta_lines(s, frame, comparison.previous_period, redact, judged.judged_at),
        headline=headline,
        headline_table=headline_table,
        notes=note_lines(s, frame),
        sections=sections,
        generated_at=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        period=(s.start, s.end),
        previous_period=comparison.previous_period,
        helpers=figures,
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


def _selections(df: Any, previous: Any) -> tuple[Any, Any]:
    """``df`` and ``previous`` as selections of one engine (a frame is scanned in the
    selection's engine: no copy of its rows on DuckDB)."""
    from eachlabs_analytics.engines import Selection, scan_table

    engine = (df if isinstance(df, Selection) else previous).engine
    out = []
    for value, name in ((df, "df"), (previous, "previous")):
        if value is None or isinstance(value, Selection):
            out.append(value)
        elif isinstance(value, pd.DataFrame):
            _check_frame(value, name)
            out.append(scan_table(value, engine=engine))
        else:
            raise InvalidQueryError(
                f"{name} must be a pandas DataFrame of executions or a selection "
                f"(ExecutionStore.scan, scan_table), not {type(value).__name__}"
            )
    return out[0], out[1]


# --- sections ------------------------------------------------------------------------------
def _model_count(frame: Any) -> int:
    """Distinct models (missing left out), from the partials ``cost_by_model`` computed."""
    if not _lazy.is_lazy(frame):
        return int(frame["model"].nunique())
    parts = frame.partials(_lazy.GroupCounts(by="model"))
    return len({k for k in _lazy.labels(parts, "key") if k is not None})


def _plot(
    draw: Any, frame: Any, title: str, alt: str, per_model: bool = False, **kwargs: Any
) -> Chart:
    """Run one ``plots.plot_*`` on a fresh Agg figure and keep the PNG bytes.

    The image carries no title of its own: the section's heading names the chart and
    ``title`` (its caption) says what the marks mean, so no title shows twice.
    ``per_model`` charts (one bar or box per model) grow with the number of models.
    """
    from eachlabs_analytics.plots.parts import png

    height = 4.2
    if per_model:
        height = min(14.0, max(3.5, 0.26 * _model_count(frame) + 1.4))
    return Chart(
        title=title,
        png=png(lambda ax: draw(frame, ax=ax, **kwargs).set_title(""), (10, height)),
        alt=alt,
    )


def _spend_by_model(inputs: ReportInputs, charts: bool) -> tuple[Section, pd.DataFrame | None]:
    """The section, and the router's spend by requested model (None: no router rows name
    the model they asked for)."""
    from eachlabs_analytics import metrics

    frame, by_model = inputs.frame, inputs.cost_by_model

    table = by_model.reset_index()
    table.columns = ["model", *by_model.columns]
    section = Section(
        "spend_by_model",
        "Spend by model",
        "Cost per success includes the spend on failures: what one success really costs.",
    )
    if charts and inputs.rows:
        from eachlabs_analytics import plots

        section.charts.append(
            _plot(
                plots.plot_cost_by_model,
                frame,
                "Each model's spend (USD), split into what its failures cost and the rest.",
                "Bar chart of spend per model, the part spent on failures marked",
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
            {},  # every header and format is the package's (_util.columns)
        )
    )
    router = _routed(frame, by_model)
    routed = None
    if router is not None:
        routed = metrics.cost_by_model(router, by="requested_model")
        routed_table = routed.reset_index()
        routed_table.columns = ["requested_model", *routed.columns]
        section.tables.append(
            Table(
                "cost_by_requested_model",
                f"{ROUTER_MODEL}: spend by requested model",
                routed_table[["requested_model", "executions", "total_cost", "share", "failed"]],
                {},
                {"share": "share"},  # of the router's spend, not of all
            )
        )
    return section, routed


def _routed(frame: Any, by_model: pd.DataFrame) -> Any:
    """The router's rows when some of them name the model they asked for, else None."""
    if not _lazy.is_lazy(frame):
        router = frame[frame["model"] == ROUTER_MODEL]
        found = len(router) and router["requested_model"].notna().any()
        return router if found else None
    if ROUTER_MODEL not in by_model.index:
        return None
    from eachlabs_analytics.engines.narrow import narrow

    router = narrow(frame, models=[ROUTER_MODEL])
    # the helper's own partials (cached): rows per requested model, missing ones as null
    parts = router.partials(_lazy.GroupCounts(by="requested_model"))
    named = [
        rows
        for key, rows in zip(_lazy.labels(parts, "key"), _lazy.ints(parts, "rows"), strict=True)
        if key is not None
    ]
    return router if sum(named) else None


def _spend_by_workflow(inputs: ReportInputs, top: int) -> tuple[Section, pd.DataFrame]:
    """The section, and ``cost_by_workflow``'s figure (every workflow, not only the top)."""
    from eachlabs_analytics import metrics

    by_workflow = metrics.cost_by_workflow(inputs.frame)
    table = by_workflow.reset_index()
    table.columns = ["workflow_id", *by_workflow.columns]
    shown = table.head(top)
    outside = by_workflow.attrs.get("rows_without_workflow", 0)
    note = f"Top {len(shown)} of {len(table)} workflows by spend. " if len(table) > top else ""
    note += f"{outside:,} executions were not triggered by a workflow."
    section = Section(
        "spend_by_workflow",
        "Spend by workflow",
        "A run is one workflow execution; its cost is the sum over its executions.",
        tables=[
            Table(
                "cost_by_workflow",
                "Spend by workflow",
                shown,
                dict.fromkeys(
                    ["cost_per_run_mean", "cost_per_run_p50", "cost_per_run_p95"], "money"
                ),
                {
                    "cost_per_run_mean": "mean per run",
                    "cost_per_run_p50": "p50 per run",
                    "cost_per_run_p95": "p95 per run",
                },
                note,
            )
        ],
    )
    return section, by_workflow


def _daily_trend(inputs: ReportInputs, charts: bool) -> tuple[Section, pd.DataFrame, pd.DataFrame]:
    """The section, and the spend and error rate per day it shows."""
    from eachlabs_analytics import metrics

    frame = inputs.frame
    spend = metrics.cost_over_time(frame, freq="D", by=None)
    errors = metrics.error_rate_over_time(frame, freq="D")
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
    if charts and inputs.rows:
        from eachlabs_analytics import plots

        section.charts.append(
            _plot(
                plots.plot_cost_over_time,
                frame,
                "Spend per UTC day (USD), stacked by model: the 8 biggest, the rest as other.",
                "Stacked bar chart of daily spend per model",
                top=8,
            )
        )
        section.charts.append(
            _plot(
                plots.plot_error_rate_over_time,
                frame,
                "Share of executions that failed, per UTC day.",
                "Line chart of the share of executions that failed per day",
            )
        )
    section.tables.append(
        Table(
            "daily",
            "Per day",
            daily,
            {},
        )
    )
    return section, spend, errors


# --- forecast and alerts -------------------------------------------------------------------
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


def _history(frame: Any, previous: Any, s: Any) -> tuple[Any, pd.Timestamp | None]:
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
    if _lazy.is_lazy(frame):
        from eachlabs_analytics.engines.narrow import narrow
        from eachlabs_analytics.engines.rows import combine

        earlier = narrow(previous, start=span[0], end=s.start)
        return combine(frame, earlier, attrs=window), span[0]
    created = previous["created_at"]
    keep = ((created >= span[0]) & (created < s.start)).to_numpy(dtype=bool, na_value=False)
    both = encode(concat_periods(frame, previous.loc[keep]))
    both.attrs = window
    return both, span[0]


def _judged_at(source: Any, s: Any) -> pd.Timestamp:
    """The instant the forecast section judges at: the period's end, or the source's end when
    the data ends before it."""
    from eachlabs_analytics.watch._frame import resolve_as_of

    clock = resolve_as_of(source, None, "cost_report")
    return min(pd.Timestamp(s.end), clock)


def _forecast(
    inputs: ReportInputs,
    previous: Any,
    charts: bool,
    source: Any = None,
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
    figures = ForecastFigures(judged_at=as_of)
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


def _complete_month_note(history: Any, month: pd.Period, as_of: pd.Timestamp) -> str:
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
    history: Any, s: Any, alone: bool, as_of: pd.Timestamp
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


def _first_created(frame: Any) -> pd.Timestamp:
    """The oldest ``created_at`` (NaT when none)."""
    if not _lazy.is_lazy(frame):
        return pd.Timestamp(frame["created_at"].min())
    first = frame.partials(_lazy.CreatedRange())["first"][0].as_py()
    return pd.Timestamp(first) if first is not None else pd.NaT


def _latency(inputs: ReportInputs, charts: bool) -> tuple[Section, dict[str, pd.DataFrame]]:
    """The section, and ``latency_percentiles``' figure per metric (``queue_seconds``, ...)."""
    from eachlabs_analytics import metrics

    frame = inputs.frame

    section = Section(
        "latency",
        "Latency by model",
        "Queue = created to started, execution = started to completed, end to end = created "
        "to completed. Rows in flight are left out.",
    )
    if charts and inputs.rows:
        from eachlabs_analytics import plots

        section.charts.append(
            _plot(
                plots.plot_latency,
                frame,
                "End-to-end time per model, log scale: the box spans p25 to p75 with the "
                "median marked, whiskers reach p5 and p95, the dot is the mean; n executions.",
                "Box plot of end-to-end time per model",
                per_model=True,
            )
        )
        section.charts.append(
            _plot(
                plots.plot_queue_vs_execution,
                frame,
                "Median queue time (created to started) against median execution time "
                "(started to completed) per model, log scale.",
                "Dot plot of median queue time against median execution time per model",
                per_model=True,
            )
        )
    tables: dict[str, pd.DataFrame] = {}
    for metric, label in LATENCY_METRICS.items():
        table = metrics.latency_percentiles(
            frame, by="model", metric=metric, percentiles=REPORT_PERCENTILES
        )
        tables[metric] = table
        shown = table.reset_index()
        shown.columns = ["model", *table.columns]
        section.tables.append(
            Table(f"latency_{metric.removesuffix('_seconds')}", f"{label.capitalize()} time", shown)
        )
    if any(t.frame["low_count"].any() for t in section.tables):
        section.intro += (
            " 'Few rows' marks percentiles computed on too few executions to trust the tail."
        )
    return section, tables


def _errors(
    inputs: ReportInputs, charts: bool
) -> tuple[Section, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The section, and the figures it shows: ``error_breakdown`` over all and per model,
    and the spend on failures per error class."""
    from eachlabs_analytics import metrics

    frame, by_model, s = inputs.frame, inputs.cost_by_model, inputs.summary
    overall = metrics.error_breakdown(frame, by=None)
    per_model = metrics.error_breakdown(frame, by="model")
    if _lazy.is_lazy(frame):
        from eachlabs_analytics.engines.narrow import narrow

        failed_rows = narrow(frame, status_groups=["failed"])  # schema.FAILED_STATUSES
    else:
        failed_rows = frame[frame["status"].isin(schema.FAILED_STATUSES)]
    wasted = metrics.cost_by_model(failed_rows, by="error_classification")
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
                "Failed executions per model, stacked by error class.",
                "Stacked bars of failed executions per model by error class",
                per_model=True,
            )
        )
    section.tables.append(
        Table(
            "errors_by_class",
            "By error class",
            by_class,
            {},
        )
    )
    section.tables.append(
        Table(
            "errors_by_model",
            "By model",
            model_table,
            formats,
        )
    )
    return section, overall, per_model, wasted


def _top_by_cost(frame: pd.DataFrame, top: int) -> np.ndarray:
    """Positions of the ``top`` costliest rows: cost then ``created_at`` descending (missing
    times last), ties in frame order; rows without a cost left out.

    What a stable ``sort_values`` of the whole frame would put first, found by selecting the
    rows at or above the ``top``-th cost (``np.partition``) and sorting only those.
    """
    cost = frame["execution_cost"].to_numpy(dtype=np.float64, na_value=np.nan)
    priced = np.flatnonzero(~np.isnan(cost))
    if len(priced) > top:
        threshold = np.partition(cost[priced], len(priced) - top)[len(priced) - top]
        priced = priced[cost[priced] >= threshold]  # every row tied with the last one too
    created = frame["created_at"].iloc[priced]
    missing = created.isna().to_numpy()
    times = created.to_numpy(dtype="datetime64[us]").view(np.int64)
    newest = np.where(missing, 0, -times)  # descending times, as an ascending key
    order = np.lexsort((priced, newest, missing, -cost[priced]))
    return priced[order[:top]]


def _most_expensive(frame: Any, top: int, redact: bool) -> Section:
    if _lazy.is_lazy(frame):
        from eachlabs_analytics.engines.rows import top_rows

        # the same order: cost, then newest first, then the loaded frame's order (by id)
        costly = top_rows(frame, "execution_cost", top)
    else:
        costly = frame.iloc[_top_by_cost(frame, top)]
    columns = ["id", "model", "status", "created_at", "execution_cost", "total_seconds", "output"]
    if redact:
        columns = [c for c in columns if c not in ("id", "output")]
    shown = costly[columns].reset_index(drop=True)
    shown.insert(0, "rank", np.arange(1, len(shown) + 1))
    shown["status"] = shown["status"].astype(object)
    # the loader's dtype, not the categorical the report groups with (see encode)
    shown["model"] = shown["model"].astype(schema.DTYPES["model"])
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


# --- headline, meta, notes -----------------------------------------------------------------


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
