"""``df.eachlabs``: the analytics helpers and charts as a pandas accessor.

>>> import eachlabs_analytics  # registers the accessor              # doctest: +SKIP
>>> df.eachlabs.cost_by_model()                                      # doctest: +SKIP
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

import pandas as pd

# accessor method -> module holding the function of the same name (first argument: the frame)
_METHODS: dict[str, str] = {
    "compare_periods": "metrics",
    "cost_by_model": "metrics",
    "cost_by_workflow": "metrics",
    "cost_over_time": "metrics",
    "error_breakdown": "metrics",
    "error_rate_over_time": "metrics",
    "latency_percentiles": "metrics",
    "summary": "metrics",
    "plot_cost_by_model": "plots",
    "plot_cost_over_time": "plots",
    "plot_error_breakdown": "plots",
    "plot_error_rate_over_time": "plots",
    "plot_latency": "plots",
    "plot_queue_vs_execution": "plots",
    "to_parquet": "parquet",
    "cost_report": "report",
    "explore": "widgets",
}


@pd.api.extensions.register_dataframe_accessor("eachlabs")
class EachlabsAccessor:
    """Call any analytics helper on this frame: ``df.eachlabs.cost_by_model()``."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def __getattr__(self, name: str) -> Any:
        module_name = _METHODS.get(name)
        if module_name is None:
            raise AttributeError(
                f"df.eachlabs has no method {name!r}; available: {', '.join(sorted(_METHODS))}"
            )
        function = getattr(importlib.import_module(f"eachlabs_analytics.{module_name}"), name)
        return functools.partial(function, self._frame)

    def __dir__(self) -> list[str]:
        return sorted(_METHODS)
