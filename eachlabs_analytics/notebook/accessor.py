"""``df.eachlabs``: the analytics helpers, charts and exports as methods of a DataFrame.

Registered when ``eachlabs_analytics`` is imported. Each method calls the function of the same
name with this frame as its first argument, so ``df.eachlabs.cost_by_model()`` is
``ea.cost_by_model(df)``; arguments and results are the function's. The modules behind them
are imported on first use (charts pull in matplotlib), so registering stays cheap.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=2_000, seed=7)
>>> df.eachlabs.cost_by_model().equals(ea.cost_by_model(df))
True
>>> df.eachlabs.summary().executions
2000
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from pathlib import Path

    from matplotlib.axes import Axes

    from eachlabs_analytics.metrics import Summary
    from eachlabs_analytics.notebook.explorer import Explorer


def _function(module: str, name: str) -> Any:
    return getattr(importlib.import_module(f"eachlabs_analytics.{module}"), name)


@pd.api.extensions.register_dataframe_accessor("eachlabs")
class EachlabsAccessor:
    """Analytics on this frame: ``df.eachlabs.cost_by_model()``, ``df.eachlabs.plot_latency()``.

    Every method is the function of the same name in ``eachlabs_analytics`` with this frame
    passed first; see that function for what each argument and result column means.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    # --- where the money goes ---------------------------------------------------------------
    def cost_by_model(self, by: str | None = "model") -> pd.DataFrame:
        """Spend per model: :func:`eachlabs_analytics.cost_by_model`."""
        return _function("metrics", "cost_by_model")(self._frame, by=by)

    def cost_by_workflow(self, names: Mapping[str, str] | None = None) -> pd.DataFrame:
        """Spend per workflow and per run: :func:`eachlabs_analytics.cost_by_workflow`."""
        return _function("metrics", "cost_by_workflow")(self._frame, names)

    def cost_over_time(
        self,
        freq: str = "D",
        by: str | None = "model",
        top: int | None = None,
        *,
        tz: str | None = None,
    ) -> pd.DataFrame:
        """Spend per period: :func:`eachlabs_analytics.cost_over_time`."""
        return _function("metrics", "cost_over_time")(self._frame, freq, by, top, tz=tz)

    # --- how fast ---------------------------------------------------------------------------
    def latency_percentiles(
        self,
        by: str | None = "model",
        metric: str = "total_seconds",
        percentiles: Sequence[float] = (50, 90, 95, 99),
        *,
        min_count: int = 20,
        outcome: str | None = None,
    ) -> pd.DataFrame:
        """Duration percentiles per model: :func:`eachlabs_analytics.latency_percentiles`."""
        return _function("metrics", "latency_percentiles")(
            self._frame, by, metric, percentiles, min_count=min_count, outcome=outcome
        )

    def latency_over_time(
        self,
        freq: str = "D",
        metric: str = "total_seconds",
        percentiles: Sequence[float] = (50, 95),
        *,
        tz: str | None = None,
    ) -> pd.DataFrame:
        """Latency percentiles per period: :func:`eachlabs_analytics.latency_over_time`."""
        return _function("metrics", "latency_over_time")(
            self._frame, freq, metric, percentiles, tz=tz
        )

    # --- why it fails -----------------------------------------------------------------------
    def error_breakdown(
        self, by: str | None = "model", *, all_classes: bool = False
    ) -> pd.DataFrame:
        """Failed rows per error class: :func:`eachlabs_analytics.error_breakdown`."""
        return _function("metrics", "error_breakdown")(self._frame, by, all_classes=all_classes)

    def error_rate_over_time(
        self,
        freq: str = "D",
        by: str | None = None,
        top: int | None = None,
        *,
        tz: str | None = None,
    ) -> pd.DataFrame:
        """Error rate per period: :func:`eachlabs_analytics.error_rate_over_time`."""
        return _function("metrics", "error_rate_over_time")(self._frame, freq, by, top, tz=tz)

    # --- what changed, the headline ---------------------------------------------------------
    def compare_periods(
        self,
        current: object = None,
        previous: object = None,
        *,
        by: str | None = "model",
        metric: str = "total_seconds",
    ) -> pd.DataFrame:
        """This period against the one before: :func:`eachlabs_analytics.compare_periods`."""
        return _function("metrics", "compare_periods")(
            self._frame, current, previous, by=by, metric=metric
        )

    def summary(self, *, top: int = 5) -> Summary:
        """The headline numbers: :func:`eachlabs_analytics.summary`."""
        return _function("metrics", "summary")(self._frame, top=top)

    # --- charts -----------------------------------------------------------------------------
    def plot_cost_by_model(
        self, ax: Axes | None = None, *, by: str | None = "model", top: int | None = None
    ) -> Axes:
        """Bars of spend per model: :func:`eachlabs_analytics.plot_cost_by_model`."""
        return _function("plots", "plot_cost_by_model")(self._frame, ax, by=by, top=top)

    def plot_cost_over_time(
        self,
        ax: Axes | None = None,
        *,
        freq: str = "D",
        by: str | None = "model",
        top: int | None = 7,
        tz: str | None = None,
    ) -> Axes:
        """Stacked area of spend per period: :func:`eachlabs_analytics.plot_cost_over_time`."""
        return _function("plots", "plot_cost_over_time")(
            self._frame, ax, freq=freq, by=by, top=top, tz=tz
        )

    def plot_latency(
        self,
        ax: Axes | None = None,
        *,
        by: str | None = "model",
        metric: str = "total_seconds",
        top: int | None = None,
    ) -> Axes:
        """Latency boxes per model, log axis: :func:`eachlabs_analytics.plot_latency`."""
        return _function("plots", "plot_latency")(self._frame, ax, by=by, metric=metric, top=top)

    def plot_queue_vs_execution(
        self,
        ax: Axes | None = None,
        *,
        by: str | None = "model",
        stat: str = "p50",
        top: int | None = None,
    ) -> Axes:
        """Queue vs execution time: :func:`eachlabs_analytics.plot_queue_vs_execution`."""
        return _function("plots", "plot_queue_vs_execution")(
            self._frame, ax, by=by, stat=stat, top=top
        )

    def plot_error_breakdown(
        self,
        ax: Axes | None = None,
        *,
        by: str | None = "model",
        top: int | None = None,
        normalize: bool = False,
    ) -> Axes:
        """Failed rows by class per model: :func:`eachlabs_analytics.plot_error_breakdown`."""
        return _function("plots", "plot_error_breakdown")(
            self._frame, ax, by=by, top=top, normalize=normalize
        )

    def plot_error_rate_over_time(
        self,
        ax: Axes | None = None,
        *,
        freq: str = "D",
        by: str | None = None,
        top: int | None = 5,
        tz: str | None = None,
    ) -> Axes:
        """Error rate per period: :func:`eachlabs_analytics.plot_error_rate_over_time`."""
        return _function("plots", "plot_error_rate_over_time")(
            self._frame, ax, freq=freq, by=by, top=top, tz=tz
        )

    def plot_latency_over_time(
        self,
        ax: Axes | None = None,
        *,
        freq: str = "D",
        metric: str = "total_seconds",
        tz: str | None = None,
    ) -> Axes:
        """p50 and p95 per period: :func:`eachlabs_analytics.plot_latency_over_time`."""
        return _function("plots", "plot_latency_over_time")(
            self._frame, ax, freq=freq, metric=metric, tz=tz
        )

    def plot_month_to_date(self, ax: Axes | None = None, *, as_of: object = None) -> Axes:
        """This month's spend so far against last month's: :func:`eachlabs_analytics.plot_month_to_date`."""  # noqa: E501
        return _function("plots", "plot_month_to_date")(self._frame, ax, as_of=as_of)

    # --- files and notebooks (other modules' functions; options passed through) --------------
    def to_parquet(self, path: str | os.PathLike[str]) -> Path:
        """Write this frame to Parquet: :func:`eachlabs_analytics.to_parquet`."""
        return _function("store", "to_parquet")(self._frame, path)

    def cost_report(self, *args: Any, **options: Any) -> Any:
        """The ad hoc cost report of this frame: :func:`eachlabs_analytics.cost_report`."""
        return _function("report", "cost_report")(self._frame, *args, **options)

    def explore(self, **options: Any) -> Explorer:
        """An interactive explorer over this frame: :func:`eachlabs_analytics.explore`."""
        return _function("notebook.explorer", "explore")(self._frame, **options)

    def __getattr__(self, name: str) -> Any:
        # only reached for names that are not methods: say what exists instead
        public = sorted(n for n in dir(type(self)) if not n.startswith("_"))
        raise AttributeError(f"df.eachlabs has no method {name!r}; available: {', '.join(public)}")
