"""Watch: spend forecasts, anomaly detection with causes, and budgets.

Owns the forward-looking analytics on an executions DataFrame (or lazy selection): what
spend will be, which periods broke their pattern and why, how budgets stand, and the cron
verdict on them. One job per module.

Forecasts:

- :mod:`.forecast`: :func:`forecast_spend` (spend per period to a horizon, per group, with
  prediction intervals), :func:`month_end_projection` (the headline) and one group's daily
  forecast (``forecast_days``);
- :mod:`.spend_model`: the daily model fitted to one series (ETS(A,N,A) with simulated
  paths, or the mean when it cannot fit);
- :mod:`.backtest`: that model against the weekly seasonal-naive baseline (MASE).

Anomalies:

- :mod:`.anomalies`: :func:`detect_anomalies` (periods that break the seasonal pattern, with
  the groups that drove them): its arguments, the steps below, the result;
- :mod:`.anomaly_tables`: the calendar of whole periods and the metric per period x group,
  from a frame's rows or a selection's partial aggregates;
- :mod:`.anomaly_scores`: each period's seasonal expectation, scale, band and score;
- :mod:`.anomaly_drivers`: the sub-groups that moved with a flagged period, or "across the
  board" when all moved alike;
- :mod:`.anomaly_hours`: a day flagged for a sustained run of its hours.

Budgets and the check:

- :mod:`.budgets`: :func:`check_budgets` (spent, projected and when a budget runs out) and
  ``parse_budgets`` (budgets from command-line text);
- :mod:`.check`: ``run_check``, the cron verdict on budgets and recent anomalies (sending
  its alerts to a webhook and remembering them is the application layer's,
  :mod:`eachlabs_analytics.app.alerts`: no network or disk here);
- :mod:`.check_result`: what the check returns (statuses, ``Alert``, ``CheckResult``, its
  text and JSON);
- :mod:`.wording`: the check's sentences about a budget, an anomaly and a period.

Balance and prices:

- :mod:`.runway`: :class:`Runway` and ``runway_from`` (the day a balance most likely runs out,
  from the forecast's paths; reading the balance from the API is the application layer's,
  ``ea.runway``);
- :mod:`.reconcile`: :func:`price_check` (what was charged against the list price, per
  model, with flags), on :mod:`.charges` (each model's charges), :mod:`.list_prices` (what a
  list price compares with) and :mod:`.price_steps` (the day a fixed price changed);
- :mod:`.reprice`: :func:`what_if` (the history re-priced with other models at list price).

Shared: :mod:`._frame` ("now", the rows before it, daily spend, a day's profile) and
:mod:`.robust` (the noise measures of the anomalies and the price steps).

Like :mod:`eachlabs_analytics.metrics` these are pure functions, DataFrame in and DataFrame
(or dataclass) out, aggregated by the metrics helpers. Like them they also take a lazy
selection (``ExecutionStore.scan(...)``) and return the same result: their series then come
from partial aggregates the selection computes (:mod:`eachlabs_analytics.metrics.lazy`),
never from its rows. Must never import the loader, the store, the engines, the sandbox
(``local_api``), the report, the notebook, the cli or the application layer (``app``):
watching works on frames and selections, offline (no network, no disk), and the faces (CLI
``check``, report, Explorer) import it, not the reverse.
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
from eachlabs_analytics.watch.reconcile import price_check
from eachlabs_analytics.watch.reprice import what_if
from eachlabs_analytics.watch.runway import Runway, runway_from

__all__ = [
    "METRICS",
    "MonthEndProjection",
    "Runway",
    "check_budgets",
    "detect_anomalies",
    "forecast_spend",
    "month_end_projection",
    "price_check",
    "runway_from",
    "what_if",
]
