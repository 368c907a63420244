"""Charts of the analytics helpers: ``plot_*(df, ax=None, ...) -> Axes``.

Owns the charts (:mod:`.charts`), their shared pieces (:mod:`.parts`: axes sizing, tick
formats, data labels) and the colour-blind-safe palette (:mod:`.palette`). Every chart draws
exactly the numbers of the :mod:`eachlabs_analytics.metrics` helper it is named after.

Must never import: the loader (no chart reaches the network), store, report, notebook, cli.
"""

from __future__ import annotations

from eachlabs_analytics.plots.charts import (
    plot_cost_by_model,
    plot_cost_over_time,
    plot_error_breakdown,
    plot_error_rate_over_time,
    plot_latency,
    plot_latency_over_time,
    plot_month_to_date,
    plot_queue_vs_execution,
    plot_spend_forecast,
)

__all__ = [
    "plot_cost_by_model",
    "plot_cost_over_time",
    "plot_error_breakdown",
    "plot_error_rate_over_time",
    "plot_latency",
    "plot_latency_over_time",
    "plot_month_to_date",
    "plot_queue_vs_execution",
    "plot_spend_forecast",
]
