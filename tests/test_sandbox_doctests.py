"""Every sandbox module (and the CLI) documents itself with runnable examples."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "eachlabs_analytics.sandbox",
    "eachlabs_analytics.sandbox.catalog",
    "eachlabs_analytics.sandbox.dataset",
    "eachlabs_analytics.sandbox.faults",
    "eachlabs_analytics.sandbox.frame",
    "eachlabs_analytics.sandbox.generator",
    "eachlabs_analytics.sandbox.query",
    "eachlabs_analytics.sandbox.sample",
    "eachlabs_analytics.sandbox.server",
    "eachlabs_analytics.cli",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_has_runnable_examples(name):
    # pytest --doctest-modules (pyproject addopts) runs them; here: that there are some
    module = importlib.import_module(name)
    examples = sum(len(test.examples) for test in doctest.DocTestFinder().find(module))
    assert examples > 0
