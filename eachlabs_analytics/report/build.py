"""The ad hoc cost report: one call from an executions DataFrame to a file you can hand over.

``cost_report(df)`` covers the period, the headline numbers, spend by model and by workflow,
the daily trend, a forecast with alerts (the month-end projection, spend per day forecast to
the month's end, and the anomalies of daily spend in the period), latency percentiles per
model (queue, execution, end to end), the error breakdown and the money spent on failures,
the most expensive executions, and the change against the previous period of the same length
(``previous=``). Every number comes from the analytics helpers in
:mod:`eachlabs_analytics.metrics` and :mod:`eachlabs_analytics.watch`, and every chart from
:mod:`eachlabs_analytics.plots` (the forecast's is drawn in :mod:`.forecast_section`, on the
forecast's numbers); this module only checks the arguments, runs the sections in order
(:mod:`.sections`, :mod:`.forecast_section`, :mod:`.comparison`, then :mod:`.redaction` and
:mod:`.headline`) and writes the result.

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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics._util.files import atomic_write
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics.frame_partials import answerer
from eachlabs_analytics.metrics.lazy import RowSource
from eachlabs_analytics.report.comparison import compare
from eachlabs_analytics.report.forecast_section import (
    ForecastFigures,
    forecast_section,
    learning_source,
)
from eachlabs_analytics.report.headline import headline_cards, meta_lines, note_lines
from eachlabs_analytics.report.model import CostReport, ReportFigures, ReportInputs
from eachlabs_analytics.report.money_sections import (
    name_workflows,
    prices_section,
    runway_card,
    runway_section,
)
from eachlabs_analytics.report.redaction import redact as redact_workflows
from eachlabs_analytics.report.sections import (
    daily_trend,
    errors,
    latency,
    most_expensive,
    spend_by_model,
    spend_by_workflow,
)

__all__ = ["FORMATS", "CostReport", "build_report", "cost_report"]


#: Output formats and the file name used when ``path`` is a directory.
FORMATS: dict[str, str] = {
    "html": "cost-report.html",
    "markdown": "cost-report.md",
    "csv": "cost-report-csv",
}


_REQUIRED = schema.COLUMNS


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
    balance: object = None,
    prices: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
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
        balance: the pre-paid balance in USD (or ``ea.balance()``'s result): adds "Balance
            and runway" (:func:`~eachlabs_analytics.runway` on the forecast's data, as of its
            instant) and a Balance card. None (unknown) leaves them out; never read as 0.
        prices: list prices (``ea.model_prices()``, ``store.prices()``): adds "Charged
            against list prices" (:func:`~eachlabs_analytics.price_check` on the period).
        names: workflow id -> name (``ea.workflow_names()``, ``store.workflow_names()``):
            workflows are shown as ``name (wf_...)``. ``redact=True`` hides names and ids.

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
        balance=balance,
        prices=prices,
        names=names,
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
    balance: object = None,
    prices: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
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

    df, previous = _sources(df, previous)
    if isinstance(history, pd.DataFrame):
        _source(history, "history")
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise InvalidQueryError(f"top must be an integer >= 1, not {top!r}")
    if title is not None and not isinstance(title, str):
        raise InvalidQueryError(f"title must be a string, not {type(title).__name__}")
    if not isinstance(forecast, (bool, np.bool_)):
        raise InvalidQueryError(f"forecast must be True or False, not {forecast!r}")
    top = int(top)
    if balance is not None:
        from eachlabs_analytics.watch.runway import balance_value

        balance_value(balance, "cost_report")
    if prices is not None and not isinstance(prices, pd.DataFrame):
        raise InvalidQueryError(
            f"prices must be a DataFrame as ea.model_prices() returns, not {type(prices).__name__}"
        )
    if names is not None and not isinstance(names, Mapping):
        raise InvalidQueryError(
            f"names must be a mapping of workflow id to name, not {type(names).__name__}"
        )
    frame = df
    s = metrics.summary(frame, top=top)
    inputs = ReportInputs(frame, s, metrics.cost_by_model(frame))

    by_model, routed = spend_by_model(inputs, charts)
    by_workflow, cost_by_workflow = spend_by_workflow(inputs, top)
    daily, cost_over_time, error_rate_over_time = daily_trend(inputs, charts)
    sections = [by_model, by_workflow, daily]
    judged = ForecastFigures()
    if forecast:
        forecasts, judged = forecast_section(inputs, previous, charts, history)
        sections.append(forecasts)
    runway = None
    if balance is not None:
        learned = (
            (judged.learned_from, judged.judged_at)
            if judged.learned_from is not None and judged.judged_at is not None
            else learning_source(inputs, previous, history)
        )
        if learned is not None:
            runway_part, runway = runway_section(learned[0], learned[1], balance)
            sections.append(runway_part)
    price_table = None
    if prices is not None:
        price_part, price_table = prices_section(frame, prices)
        sections.append(price_part)
    latencies, latency_tables = latency(inputs, charts)
    failures, error_breakdown_all, error_breakdown, failed_cost_by_class = errors(inputs, charts)
    sections += [latencies, failures, most_expensive(frame, top, redact)]
    comparison = compare(inputs, previous)
    sections.append(comparison.section)
    if redact:  # hides names with the ids: nothing is named
        redact_workflows(sections, cost_by_workflow, df, previous)
    elif names:
        name_workflows(sections, names)
    headline, headline_table = headline_cards(s, comparison)
    if runway is not None:
        headline.append(runway_card(runway))
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
        runway=runway,
        price_check=price_table,
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


def _sources(df: Any, previous: Any) -> tuple[RowSource, RowSource | None]:
    """What answers the report's questions on ``df`` and ``previous``: a frame's answerer
    (``df``'s models grouped once: the report calls a dozen helpers, and its answerer keeps
    what they share) or the selection itself; the two periods meet in ``combine``, which
    brings a frame and a selection to one kind."""
    current = _source(df, "df", encoded=("model",))
    return current, _source(previous, "previous") if previous is not None else None


def _source(value: Any, name: str, encoded: tuple[str, ...] = ()) -> RowSource:
    if not isinstance(value, pd.DataFrame | _lazy.LazyExecutions):
        raise InvalidQueryError(
            f"{name} must be a pandas DataFrame of executions or a selection "
            f"(ExecutionStore.scan, scan_table), not {type(value).__name__}"
        )
    return answerer(  # type: ignore[return-value]
        value, f"cost_report ({name})", _REQUIRED, encoded=encoded
    )


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
