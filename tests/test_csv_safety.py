"""Every CSV the package writes parses into exactly the intended records, and no cell (nor any
line inside a cell) starts a formula: property-based over arbitrary text (OWASP CSV injection).
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import eachlabs_analytics as ea  # noqa: E402
from eachlabs_analytics import schema  # noqa: E402
from eachlabs_analytics._util.csv_safe import (  # noqa: E402
    FORMULA_START,
    frame_to_csv,
    safe_text,
    write_csv,
)
from eachlabs_analytics.report import build_report  # noqa: E402
from eachlabs_analytics.report.render import render_csv_tables  # noqa: E402

#: Text with what breaks CSV records and starts formulas over-represented.
NASTY = st.sampled_from(
    ["\r", "\n", "\r\n", "\t", '"', "'", ",", ";", "=", "+", "-", "@", "\x00", "\x1b",
     "\u2028", "\u0085", "\ufeff", "\uff1d", "=1+cmd|' /C calc'!A0", "1", "-2.5"]
)  # fmt: skip
TEXT = st.lists(st.one_of(NASTY, st.text(max_size=6)), max_size=6).map("".join)
_GUARD_AT_LINE_START = re.compile(r"(^|\r\n|\r(?!\n)|\n)'(?=[" + re.escape(FORMULA_START) + "])")


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def unguard(cell: str) -> str:
    """Undo the writer's guard: the ``'`` it put before a formula character at a line start."""
    return _GUARD_AT_LINE_START.sub(r"\1", cell)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_safe(records: list[list[str]], rows: int, width: int) -> None:
    assert len(records) == rows + 1  # header + one record per row
    assert {len(record) for record in records} == {width}
    for record in records:
        for cell in record:
            for line in re.split(r"\r\n|\r|\n", cell):
                if line and line[0] in FORMULA_START:
                    assert _is_number(cell), repr(cell)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=8), TEXT)
def test_frame_writer_keeps_records_and_guards_every_line(cells, header):
    header = header if header not in ("", "b", "cat", "cost") else "h"
    frame = pd.DataFrame(
        {
            header: pd.array([a for a, _ in cells], dtype=schema.STRING_DTYPE),
            "b": pd.Series([b for _, b in cells], dtype=object),
            "cat": pd.Categorical([a for a, _ in cells]),
            "cost": np.linspace(-2.5, 3.0, len(cells)),
        }
    )
    records = parse(frame_to_csv(frame))
    assert_safe(records, len(frame), 4)
    assert records[0][0] == safe_text(header) and records[0][1:] == ["b", "cat", "cost"]
    for record, (a, b) in zip(records[1:], cells, strict=True):
        # the text comes back exactly, less the guards (a missing value and "" both read "")
        for got, want in zip(record[:3], [a, b, a], strict=True):
            if _GUARD_AT_LINE_START.search(want):
                assert got == safe_text(want)  # text that looks guarded already: ambiguous
            else:
                assert unguard(got) == want
    assert [float(r[3]) for r in records[1:]] == frame["cost"].tolist()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(TEXT, min_size=1, max_size=5), TEXT)
def test_file_writer_writes_the_same_safe_records(tmp_path, names, output):
    frame = pd.DataFrame({"model": names, "output": [output] * len(names)})
    path = write_csv(frame, tmp_path / "x.csv")
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    assert text == frame_to_csv(frame)
    assert_safe(parse(text), len(frame), 2)


@pytest.fixture(scope="module")
def base_frame() -> pd.DataFrame:
    return ea.generate_executions(executions=300, seed=3, end="2026-10-31T00:00:00Z", days=10)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(TEXT, min_size=1, max_size=4), TEXT, TEXT)
def test_every_report_table_parses_into_its_rows(base_frame, models, workflow, output):
    df = base_frame.copy()
    picks = np.resize(np.array(models, dtype=object), len(df))
    df["model"] = pd.array(picks, dtype=schema.STRING_DTYPE)
    df["workflow_id"] = pd.array([workflow] * len(df), dtype=schema.STRING_DTYPE)
    df["output"] = pd.array([output] * len(df), dtype=schema.STRING_DTYPE)
    df["id"] = pd.array([f"{output}{i}" for i in range(len(df))], dtype=schema.STRING_DTYPE)
    report = build_report(df, charts=False)
    for key, text in render_csv_tables(report).items():
        frame = report.table(key).frame
        assert_safe(parse(text), len(frame), frame.shape[1])


def test_the_reported_repro_no_longer_breaks_a_record():
    df = ea.generate_executions(executions=200, seed=1, end="2026-10-31T00:00:00Z", days=5)
    df["model"] = pd.array(["ok\r=1+cmd|' /C calc'!A0"] * len(df), dtype=schema.STRING_DTYPE)
    tables = ea.cost_report(df, format="csv")
    records = parse(tables["cost_by_model"])
    assert len(records) == 2 and len(records[1]) == len(records[0])
    assert records[1][0] == "ok\r'=1+cmd|' /C calc'!A0"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(TEXT, min_size=1, max_size=4), TEXT)
def test_the_explorer_download_writes_the_same_safe_records(base_frame, models, output):
    from eachlabs_analytics.notebook.drilldown import COLUMNS, selection_csv

    df = base_frame.copy()
    df["model"] = pd.array(
        np.resize(np.array(models, dtype=object), len(df)), dtype=schema.STRING_DTYPE
    )
    df["output"] = pd.array([output] * len(df), dtype=schema.STRING_DTYPE)
    assert_safe(parse(selection_csv(df)), len(df), len(COLUMNS))
