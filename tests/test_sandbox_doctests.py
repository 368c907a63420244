"""The runnable examples in the sandbox's docstrings (and the CLI's) stay true."""

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
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0  # every module has at least one runnable example
