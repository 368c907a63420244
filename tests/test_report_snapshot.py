"""Snapshots of a small report in HTML and Markdown: a change in what the report says or how
it is laid out shows here as a diff, so it is made on purpose (issue 19, item 6).

``EACHLABS_UPDATE_SNAPSHOTS=1 pytest tests/test_report_snapshot.py`` rewrites the files
under ``tests/snapshots/``; read the diff before committing it. Charts are left out (their
PNG bytes depend on the matplotlib build), and so is the forecast section (its figures follow
statsmodels' numerics; ``test_one_projection.py`` and ``test_report_forecast.py`` pin them to
the watch functions); the "generated on" time is masked.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics._util.windows import select_window

SNAPSHOTS = Path(__file__).parent / "snapshots"
GENERATED = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\.")


@pytest.fixture(scope="module")
def periods() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    data = ea.generate_executions(executions=1_500, seed=19, end="2026-10-31T00:00:00Z", days=70)
    cut = pd.Timestamp("2026-10-17T00:00:00Z")
    end = pd.Timestamp("2026-10-31T00:00:00Z")
    current = select_window(data, cut, end)
    previous = select_window(data, cut - pd.Timedelta(days=14), cut)
    return data, current, previous


def masked(text: str) -> str:
    return GENERATED.sub("<generated>.", text)


@pytest.mark.parametrize(
    ("fmt", "name"), [("html", "small-report.html"), ("markdown", "small-report.md")]
)
def test_the_report_reads_as_its_snapshot(periods, fmt, name):
    _, current, previous = periods
    text = masked(
        ea.cost_report(current, format=fmt, previous=previous, charts=False, forecast=False)
    )
    path = SNAPSHOTS / name
    if os.environ.get("EACHLABS_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no snapshot {path}: run with EACHLABS_UPDATE_SNAPSHOTS=1"
    want = path.read_text(encoding="utf-8")
    assert text == want, f"{name} changed: rerun with EACHLABS_UPDATE_SNAPSHOTS=1 and read the diff"
