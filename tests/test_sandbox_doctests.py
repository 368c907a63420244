"""Every sandbox module (and the CLI) documents itself with runnable examples."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "eachlabs_analytics.local_api",
    "eachlabs_analytics.local_api.catalog",
    "eachlabs_analytics.local_api.dataset",
    "eachlabs_analytics.local_api.faults",
    "eachlabs_analytics.local_api.frame",
    "eachlabs_analytics.local_api.generator",
    "eachlabs_analytics.local_api.query",
    "eachlabs_analytics.local_api.sample",
    "eachlabs_analytics.local_api.server",
    "eachlabs_analytics.cli.commands",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_has_runnable_examples(name):
    # pytest --doctest-modules (pyproject addopts) runs them; here: that there are some
    module = importlib.import_module(name)
    examples = sum(len(test.examples) for test in doctest.DocTestFinder().find(module))
    assert examples > 0
