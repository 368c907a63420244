"""The report's figure sections: spend by model and by workflow, the daily trend, latency,
errors and the most expensive executions.

Each takes the :class:`~eachlabs_analytics.report.model.ReportInputs` (the period's rows and
the figures computed first) and returns its :class:`Section` (tables with raw values,
charts) with the helper results it showed, for ``CostReport.helpers``. Every number is an
analytics helper's (:mod:`eachlabs_analytics.metrics`), every chart a
:mod:`eachlabs_analytics.plots` one.

>>> import eachlabs_analytics as ea
>>> from eachlabs_analytics.report.model import ReportInputs
>>> df = ea.generate_executions(executions=300, seed=3)
>>> section, by_workflow = spend_by_workflow(
...     ReportInputs(df, ea.summary(df), ea.cost_by_model(df)), top=5
... )
>>> section.title, len(section.tables[0].frame) <= 5
('Spend by workflow', True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics._util.formats import fmt_money, fmt_pct
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics.frame_partials import answerer
from eachlabs_analytics.metrics.lazy import Executions, RowSource
from eachlabs_analytics.report.render import Chart, Section, Table

if TYPE_CHECKING:
    from eachlabs_analytics.report.model import ReportInputs


LATENCY_METRICS = {
    "queue_seconds": "queue",
    "execution_seconds": "execution",
    "total_seconds": "end to end",
}


REPORT_PERCENTILES = (50, 90, 95, 99)


ROUTER_MODEL = "eachlabs-llm-router"


def _model_count(frame: Executions) -> int:
    """Distinct models (missing left out), from the partials ``cost_by_model`` computed."""
    parts = answerer(frame, "cost_report").partials(_lazy.GroupCounts(by="model"))
    return len({k for k in _lazy.labels(parts, "key") if k is not None})


def _plot(
    draw: Any, frame: Executions, title: str, alt: str, per_model: bool = False, **kwargs: Any
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


def spend_by_model(inputs: ReportInputs, charts: bool) -> tuple[Section, pd.DataFrame | None]:
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


def _routed(frame: RowSource, by_model: pd.DataFrame) -> RowSource | None:
    """The router's rows when some of them name the model they asked for, else None."""
    if ROUTER_MODEL not in by_model.index:
        return None
    router = frame.narrow(models=[ROUTER_MODEL])
    # the helper's own partials (cached): rows per requested model, missing ones as null
    parts = router.partials(_lazy.GroupCounts(by="requested_model"))
    named = [
        rows
        for key, rows in zip(_lazy.labels(parts, "key"), _lazy.ints(parts, "rows"), strict=True)
        if key is not None
    ]
    return router if sum(named) else None


def spend_by_workflow(inputs: ReportInputs, top: int) -> tuple[Section, pd.DataFrame]:
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


def daily_trend(inputs: ReportInputs, charts: bool) -> tuple[Section, pd.DataFrame, pd.DataFrame]:
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


def latency(inputs: ReportInputs, charts: bool) -> tuple[Section, dict[str, pd.DataFrame]]:
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


def errors(
    inputs: ReportInputs, charts: bool
) -> tuple[Section, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The section, and the figures it shows: ``error_breakdown`` over all and per model,
    and the spend on failures per error class."""
    from eachlabs_analytics import metrics

    frame, by_model, s = inputs.frame, inputs.cost_by_model, inputs.summary
    overall = metrics.error_breakdown(frame, by=None)
    per_model = metrics.error_breakdown(frame, by="model")
    failed_rows = frame.narrow(status_groups=["failed"])  # schema.FAILED_STATUSES
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


def most_expensive(frame: RowSource, top: int, redact: bool) -> Section:
    # cost, then newest first, then the loaded frame's order (by id)
    costly = frame.top_rows("execution_cost", top)
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
