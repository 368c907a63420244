"""Watch: spend forecasts, anomaly detection with causes, and budgets.

Owns the forward-looking analytics on an executions DataFrame:

- :mod:`.forecast`: :func:`forecast_spend` (spend per period to a horizon, per group, with
  prediction intervals) and :func:`month_end_projection` (the headline);
- :mod:`.anomalies`: :func:`detect_anomalies` (periods that break the seasonal pattern, with
  the groups that drove them);
- :mod:`.budgets`: :func:`check_budgets` (spent, projected and when a budget runs out);
- :mod:`.check`: ``run_check``, the cron verdict on budgets and recent anomalies, and its
  wording (sending its alerts to a webhook and remembering them is the application layer's,
  :mod:`eachlabs_analytics.app.alerts`: no network or disk here);
- :mod:`._frame`: what they share ("now", the rows before it, daily spend, a day's profile).

Like :mod:`eachlabs_analytics.metrics` these are pure functions, DataFrame in and DataFrame
(or dataclass) out, aggregated by the metrics helpers. Like them they also take a lazy
selection (``ExecutionStore.scan(...)``) and return the same result: their series then come
from partial aggregates the selection computes (:mod:`eachlabs_analytics.metrics.lazy`),
never from its rows. Must never import the loader, the store, the engines, the sandbox
(``local_api``), the report, the notebook or the cli: watching works on frames and
selections, offline, and the faces (CLI ``check``, report, Explorer) import it, not the reverse.
The forecasts use statsmodels (a core dependency), imported on the first forecast so that
importing this package stays cheap.

>>> import eachlabs_analytics as ea
>>> from eachlabs_analytics.watch import check_budgets
>>> df = ea.generate_executions(executions=3_000, seed=7, end="2026-10-20T12:00:00Z")
>>> check_budgets(df, {"total": 1_000.0}).columns.tolist()[:4]
['spent', 'budget', 'used', 'projected']
"""

from __future__ import annotations

from eachlabs_analytics.watch.anomalies import METRICS, detect_anomalies
from eachlabs_analytics.watch.budgets import check_budgets
from eachlabs_analytics.watch.forecast import (
    MonthEndProjection,
    forecast_spend,
    month_end_projection,
)

__all__ = [
    "METRICS",
    "MonthEndProjection",
    "check_budgets",
    "detect_anomalies",
    "forecast_spend",
    "month_end_projection",
]
