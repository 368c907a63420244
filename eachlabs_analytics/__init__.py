"""eachlabs-analytics: what did we spend on each::labs, on which models, how fast, why it failed.

>>> import eachlabs_analytics as ea
>>> with ea.sandbox(executions=2_000, seed=7, end="2026-10-31T00:00:00Z") as api:
...     df = ea.load_executions(start="2026-10-01T00:00:00Z", end="2026-10-31T00:00:00Z",
...                             base_url=api.base_url, api_key=api.api_key, progress=False)
>>> by_model = ea.cost_by_model(df)                 # where the money goes
>>> int(by_model["executions"].sum()) == len(df), round(float(by_model["share"].sum()), 9)
(True, 1.0)

Names are imported lazily (charts, widgets and the store pull in heavy libraries), so
``import eachlabs_analytics`` stays fast for the CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from eachlabs_analytics.exceptions import (
    APIError,
    AuthenticationError,
    BalanceUnavailable,
    DataQualityWarning,
    EachlabsError,
    InvalidQueryError,
    PaginationError,
    RateLimitError,
    StoreError,
)

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    # loader
    "Balance": "loader",
    "Client": "loader",
    "balance": "loader",
    "load_executions": "loader",
    "model_prices": "loader",
    "workflow_names": "loader",
    # the sandbox (a local each::labs API)
    "Faults": "local_api",
    "Incident": "local_api",
    "Sandbox": "local_api",
    "sandbox": "local_api",
    "generate_executions": "local_api",
    "load_sample": "local_api",
    "inject_incidents": "local_api",
    # analytics
    "Summary": "metrics",
    "compare_periods": "metrics",
    "cost_by_model": "metrics",
    "cost_by_workflow": "metrics",
    "cost_over_time": "metrics",
    "error_breakdown": "metrics",
    "error_rate_over_time": "metrics",
    "latency_over_time": "metrics",
    "latency_percentiles": "metrics",
    "summary": "metrics",
    # watch: forecasts, anomalies, budgets
    "check_budgets": "watch",
    "detect_anomalies": "watch",
    "forecast_spend": "watch",
    "month_end_projection": "watch",
    "run_check": "watch.check",
    # balance runway, list prices, what-if
    "Runway": "watch",
    "price_check": "watch",
    "runway": "app.runway",
    "what_if": "watch",
    # charts
    "plot_cost_by_model": "plots",
    "plot_cost_over_time": "plots",
    "plot_error_breakdown": "plots",
    "plot_error_rate_over_time": "plots",
    "plot_latency": "plots",
    "plot_latency_over_time": "plots",
    "plot_month_to_date": "plots",
    "plot_queue_vs_execution": "plots",
    "plot_spend_forecast": "plots",
    # lazy selections (DuckDB, Spark)
    "DuckDBEngine": "engines",
    "Selection": "engines",
    "SparkEngine": "engines",
    "scan_table": "engines",
    # files
    "ExecutionStore": "store",
    "read_parquet": "store",
    "to_parquet": "store",
    "cost_report": "report",
    # notebooks
    "Explorer": "notebook.explorer",
    "explore": "notebook.explorer",
    "format_table": "notebook.tables",
}

__all__ = [
    "APIError",
    "AuthenticationError",
    "Balance",
    "BalanceUnavailable",
    "Client",
    "DataQualityWarning",
    "DuckDBEngine",
    "EachlabsError",
    "ExecutionStore",
    "Explorer",
    "Faults",
    "Incident",
    "InvalidQueryError",
    "PaginationError",
    "RateLimitError",
    "Runway",
    "Sandbox",
    "Selection",
    "SparkEngine",
    "StoreError",
    "Summary",
    "__version__",
    "balance",
    "check_budgets",
    "compare_periods",
    "cost_by_model",
    "cost_by_workflow",
    "cost_over_time",
    "cost_report",
    "detect_anomalies",
    "error_breakdown",
    "error_rate_over_time",
    "explore",
    "forecast_spend",
    "format_table",
    "generate_executions",
    "inject_incidents",
    "latency_over_time",
    "latency_percentiles",
    "load_executions",
    "load_sample",
    "model_prices",
    "month_end_projection",
    "plot_cost_by_model",
    "plot_cost_over_time",
    "plot_error_breakdown",
    "plot_error_rate_over_time",
    "plot_latency",
    "plot_latency_over_time",
    "plot_month_to_date",
    "plot_queue_vs_execution",
    "plot_spend_forecast",
    "price_check",
    "read_parquet",
    "run_check",
    "runway",
    "sandbox",
    "scan_table",
    "summary",
    "to_parquet",
    "what_if",
    "workflow_names",
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'eachlabs_analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"eachlabs_analytics.{module_name}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)


# registers df.eachlabs; cheap (it imports the analytics only when used)
from eachlabs_analytics.notebook import accessor as _accessor  # noqa: E402,F401

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from eachlabs_analytics.app.runway import runway
    from eachlabs_analytics.engines import DuckDBEngine, Selection, SparkEngine, scan_table
    from eachlabs_analytics.loader import (
        Balance,
        Client,
        balance,
        load_executions,
        model_prices,
        workflow_names,
    )
    from eachlabs_analytics.local_api import (
        Faults,
        Incident,
        Sandbox,
        generate_executions,
        inject_incidents,
        load_sample,
        sandbox,
    )
    from eachlabs_analytics.metrics import (
        Summary,
        compare_periods,
        cost_by_model,
        cost_by_workflow,
        cost_over_time,
        error_breakdown,
        error_rate_over_time,
        latency_over_time,
        latency_percentiles,
        summary,
    )
    from eachlabs_analytics.notebook.explorer import Explorer, explore
    from eachlabs_analytics.notebook.tables import format_table
    from eachlabs_analytics.plots import (
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
    from eachlabs_analytics.report import cost_report
    from eachlabs_analytics.store import ExecutionStore, read_parquet, to_parquet
    from eachlabs_analytics.watch import (
        Runway,
        check_budgets,
        detect_anomalies,
        forecast_spend,
        month_end_projection,
        price_check,
        what_if,
    )
    from eachlabs_analytics.watch.check import run_check
