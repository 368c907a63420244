"""The analytics helpers are pure: no output, no files, no network, the input left as it was."""

from __future__ import annotations

import builtins
import copy
import socket

import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics.local_api import generate_executions

HELPERS = [
    ("cost_by_model", {}),
    ("cost_by_workflow", {}),
    ("cost_over_time", {"freq": "W", "top": 3}),
    ("latency_percentiles", {"metric": "queue_seconds"}),
    ("error_breakdown", {}),
    ("error_rate_over_time", {}),
    ("compare_periods", {}),
    ("summary", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), HELPERS, ids=[name for name, _ in HELPERS])
def test_helper_is_pure(name, kwargs, monkeypatch, capsys):
    df = generate_executions(executions=3_000, seed=8, end="2026-10-31T00:00:00Z")
    before = df.copy(deep=True)
    attrs_before = copy.deepcopy(df.attrs)

    def refuse(*args, **kw):
        raise AssertionError(f"{name} did I/O")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(socket, "socket", refuse)
    result = getattr(ea, name)(df, **kwargs)
    monkeypatch.undo()
    assert result is not None
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    pd.testing.assert_frame_equal(df, before)
    assert df.attrs == attrs_before
