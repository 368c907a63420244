"""Timestamps are read the way the contract says: RFC 3339 with ASCII digits only (any number
of fraction digits), alike in the sandbox, the loader, the store and the CLI."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics._util import windows as _dates
from eachlabs_analytics._util.timestamps import parse_timestamp
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.local_api.query import parse_rfc3339

FULLWIDTH_YEAR = "\uff12\uff10\uff12\uff16-10-01T00:00:00Z"  # "２０２６-10-01T00:00:00Z"
ARABIC_INDIC_DAY = "2026-10-\u0660\u0661T00:00:00Z"  # day "٠١"


def _module_patterns():
    package = importlib.import_module("eachlabs_analytics")
    for info in pkgutil.walk_packages(package.__path__, "eachlabs_analytics."):
        if info.name.endswith(("dashboard", "__main__")):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                yield f"{info.name}.{name}", value


def test_no_pattern_of_the_package_reads_a_unicode_digit():
    checked = 0
    for where, pattern in _module_patterns():
        checked += 1
        if pattern.flags & re.ASCII:
            continue
        assert "\\d" not in pattern.pattern, f"{where} reads Unicode digits: use [0-9] or re.ASCII"
    assert checked >= 8


@pytest.mark.parametrize("text", [FULLWIDTH_YEAR, ARABIC_INDIC_DAY])
def test_non_ascii_digits_are_refused_everywhere(text):
    with pytest.raises(ValueError):
        parse_rfc3339(text)  # the sandbox
    with pytest.raises(InvalidQueryError):
        parse_timestamp(text, "start")  # the loader and the store
    with pytest.raises(InvalidQueryError):
        _dates.parse_time(text, "start")  # the CLI
    with pytest.raises(InvalidQueryError):
        _dates.month_range("\uff12\uff10\uff12\uff16-10")
    with pytest.raises(InvalidQueryError):
        _dates.parse_duration("\uff17d")


@pytest.mark.parametrize("digits", [1, 6, 9, 10, 15, 30])
def test_any_number_of_fraction_digits_is_rfc3339(digits):
    text = "2026-10-01T00:00:00." + "123456789012345678901234567890"[:digits] + "Z"
    micros = int(("123456789012345678901234567890"[:digits])[:6].ljust(6, "0"))
    want = pd.Timestamp("2026-10-01T00:00:00Z") + pd.Timedelta(microseconds=micros)
    assert parse_rfc3339(text) == want.value // 1_000
    assert parse_timestamp(text, "start") == want
    assert _dates.parse_time(text, "start") == want


def test_periods_and_explorer_days_refuse_non_ascii_digits():
    frame = ea.generate_executions(executions=50, seed=1, end="2026-10-31T00:00:00Z")
    with pytest.raises(InvalidQueryError, match="non-ASCII"):
        ea.compare_periods(frame, current="\uff12\uff10\uff12\uff16-10")  # a full-width year
    with pytest.raises(InvalidQueryError, match="non-ASCII"):
        ea.compare_periods(frame, current=("\uff12\uff10\uff12\uff16-10-01", "2026-11-01"))
    with pytest.raises(InvalidQueryError, match="non-ASCII"):
        ea.explore(frame, charts=False).filters = {"start": "\uff12\uff10\uff12\uff16-10-01"}
