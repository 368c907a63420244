"""Charts of the analytics helpers: each ``plot_*(df, ax=None, ...)`` draws one, returns its Axes.

Every chart draws exactly the numbers of the :mod:`eachlabs_analytics.metrics` helper it is
named after (so a chart and a table never disagree), puts units on its axes ($ for money, s for
time), stays readable with 30+ models (horizontal bars, label sizes and figure height follow
the number of groups) and uses colour-blind-safe colours. None calls ``plt.show()``: in a
notebook the figure appears on its own; in a script, save it with ``ax.figure.savefig(...)``.
Pass ``ax=`` to draw into your own layout. Empty input draws an empty chart that says so.

Owns, one module each:

- :mod:`.cost`: spend per model, over time, and this month against last month;
- :mod:`.latency`: latency per model, queue against execution time, latency over time;
- :mod:`.errors`: failures by error class, and the error rate over time;
- :mod:`.forecast`: actual spend and the forecast's fan (``forecast_spend``'s table);
- :mod:`.parts`: what every chart shares (axes sizing, tick formats, data labels, PNGs);
- :mod:`.palette`: the colour-blind-safe palette.

Must never import: the loader (no chart reaches the network), store, report, notebook, app,
cli or the sandbox (``local_api``).

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=2_000, seed=7)
>>> ax = ea.plot_cost_by_model(df)
>>> ax.get_xlabel()
'Spend (USD)'
"""

from __future__ import annotations

from eachlabs_analytics.plots.cost import (
    plot_cost_by_model,
    plot_cost_over_time,
    plot_month_to_date,
)
from eachlabs_analytics.plots.errors import plot_error_breakdown, plot_error_rate_over_time
from eachlabs_analytics.plots.forecast import plot_spend_forecast
from eachlabs_analytics.plots.latency import (
    plot_latency,
    plot_latency_over_time,
    plot_queue_vs_execution,
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
