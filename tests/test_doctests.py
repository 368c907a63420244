"""Every module documents itself with runnable examples: the analytics, charts and accessor,
the sandbox and the CLI."""

from __future__ import annotations

import doctest
import importlib

import matplotlib
import pytest

matplotlib.use("Agg")

ANALYTICS_MODULES = [
    "eachlabs_analytics.metrics.grouping",
    "eachlabs_analytics.metrics.rows",
    "eachlabs_analytics.metrics.buckets",
    "eachlabs_analytics.metrics.frame_partials",
    "eachlabs_analytics.metrics.aggregates",
    "eachlabs_analytics.metrics.over_time",
    "eachlabs_analytics.metrics.periods",
    "eachlabs_analytics.metrics.headline",
    "eachlabs_analytics.plots.palette",
    "eachlabs_analytics.plots.parts",
    "eachlabs_analytics.metrics",
    "eachlabs_analytics.plots.cost",
    "eachlabs_analytics.plots.latency",
    "eachlabs_analytics.plots.errors",
    "eachlabs_analytics.plots.forecast",
    "eachlabs_analytics.notebook.accessor",
]
SANDBOX_MODULES = [
    "eachlabs_analytics.local_api",
    "eachlabs_analytics.local_api.catalog",
    "eachlabs_analytics.local_api.dataset",
    "eachlabs_analytics.local_api.faults",
    "eachlabs_analytics.local_api.frame",
    "eachlabs_analytics.local_api.generator",
    "eachlabs_analytics.local_api.query",
    "eachlabs_analytics.local_api.sample",
    "eachlabs_analytics.local_api.server",
    "eachlabs_analytics.local_api.routes",
    "eachlabs_analytics.local_api.transport",
    "eachlabs_analytics.cli",
    "eachlabs_analytics.cli.errors",
    "eachlabs_analytics.cli.options",
    "eachlabs_analytics.cli.output",
    "eachlabs_analytics.cli.fetch",
    "eachlabs_analytics.cli.report",
    "eachlabs_analytics.cli.watch",
    "eachlabs_analytics.cli.prices",
    "eachlabs_analytics.cli.serve",
]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("name", ANALYTICS_MODULES)
def test_every_analytics_module_has_runnable_examples(name):
    # pytest --doctest-modules (pyproject addopts) runs them; here: that there are some
    module = importlib.import_module(name)
    examples = sum(len(test.examples) for test in doctest.DocTestFinder().find(module))
    assert examples > 0


def test_every_public_function_has_a_runnable_example():
    import inspect

    from eachlabs_analytics import metrics, plots

    for module in (metrics, plots):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                assert ">>> " in (obj.__doc__ or ""), f"{name} has no runnable example"


@pytest.mark.parametrize("name", SANDBOX_MODULES)
def test_every_sandbox_and_cli_module_has_runnable_examples(name):
    # pytest --doctest-modules (pyproject addopts) runs them; here: that there are some
    module = importlib.import_module(name)
    examples = sum(len(test.examples) for test in doctest.DocTestFinder().find(module))
    assert examples > 0
