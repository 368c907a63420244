"""Every analytics, chart and accessor module documents itself with runnable examples."""

from __future__ import annotations

import doctest
import importlib

import matplotlib
import pytest

matplotlib.use("Agg")

MODULES = [
    "eachlabs_analytics.metrics.grouping",
    "eachlabs_analytics.metrics.rows",
    "eachlabs_analytics.metrics.aggregates",
    "eachlabs_analytics.metrics.over_time",
    "eachlabs_analytics.metrics.periods",
    "eachlabs_analytics.metrics.headline",
    "eachlabs_analytics.plots.palette",
    "eachlabs_analytics.plots.parts",
    "eachlabs_analytics.metrics",
    "eachlabs_analytics.plots.charts",
    "eachlabs_analytics.notebook.accessor",
]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("name", MODULES)
def test_every_module_has_runnable_examples(name):
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
