"""Redaction only hides text: every number of a redacted report equals the unredacted one.

The frames overlap the way a user's might (the previous period overlaps the current one by 5
days), which once made redaction count the overlapping rows twice.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics.report import build_report
from eachlabs_analytics.report.render import (
    markdown_text,
    render_csv_tables,
    render_html,
    render_markdown,
)

END = pd.Timestamp("2026-10-31T00:00:00Z")
CURRENT = (END - pd.Timedelta(days=20), END)
PREVIOUS = (CURRENT[0] - pd.Timedelta(days=15), CURRENT[0] + pd.Timedelta(days=5))
NUMBER = re.compile(r"[-+]?\$?[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?")


def window(df: pd.DataFrame, span: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame:
    out = df[(df.created_at >= span[0]) & (df.created_at < span[1])].reset_index(drop=True)
    out.attrs = {"window": {"start": span[0].isoformat(), "end": span[1].isoformat()}}
    return out


@pytest.fixture(scope="module")
def frames():
    df = ea.generate_executions(executions=4_000, seed=3, end=END, days=40)
    return df, window(df, CURRENT), window(df, PREVIOUS)


@pytest.fixture(scope="module")
def reports(frames):
    _, current, previous = frames
    plain = build_report(current, previous=previous, charts=False)
    redacted = build_report(current, previous=previous, charts=False, redact=True)
    redacted.generated_at = plain.generated_at
    return plain, redacted


def test_previous_period_counts_each_execution_once(frames, reports):
    df, _, _ = frames
    # the report compares with the previous period up to the current one's start
    before = df[(df.created_at >= PREVIOUS[0]) & (df.created_at < CURRENT[0])]
    now = df[(df.created_at >= CURRENT[0]) & (df.created_at < CURRENT[1])]
    for report in reports:
        total = report.table("change_total").frame.iloc[0]
        assert total["executions_previous"] == len(before)
        assert np.isclose(total["spend_previous"], before.execution_cost.sum())
        assert total["executions_current"] == len(now)
        assert np.isclose(total["spend_current"], now.execution_cost.sum())


def test_every_table_has_the_same_numbers(reports):
    plain, redacted = reports
    assert plain.headline == redacted.headline
    keys = [t.key for s in plain.sections for t in s.tables]
    assert keys == [t.key for s in redacted.sections for t in s.tables]
    for key in keys:
        a, b = plain.table(key).frame, redacted.table(key).frame
        numbers = a.select_dtypes("number").columns
        assert list(numbers) == list(b.select_dtypes("number").columns), key
        pd.testing.assert_frame_equal(a[numbers], b[numbers], obj=key)
    pd.testing.assert_frame_equal(plain.headline_table.frame, redacted.headline_table.frame)


def test_redacted_tables_hide_ids_outputs_and_workflows(frames, reports):
    _, current, _ = frames
    _, redacted = reports
    assert {"id", "output"}.isdisjoint(redacted.table("most_expensive").frame.columns)
    shown = set(redacted.table("cost_by_workflow").frame["workflow_id"])
    assert shown and all(re.fullmatch(r"workflow [0-9]+", w) for w in shown)
    assert shown.isdisjoint(set(current.workflow_id.dropna()))


def _secrets(frame: pd.DataFrame) -> list[str]:
    columns = ["id", "output", "workflow_id", "workflow_execution_id"]
    values = {str(v) for c in columns for v in frame[c].dropna()}
    return sorted(values, key=len, reverse=True)  # longest first: no partial replacement


@pytest.mark.parametrize("render", [render_html, render_markdown, render_csv_tables])
def test_every_format_shows_the_same_numbers(frames, reports, render):
    df, _, _ = frames
    plain, redacted = (render(r) for r in reports)
    if isinstance(plain, dict):
        plain, redacted = "\n".join(plain.values()), "\n".join(redacted.values())
    for value in _secrets(df):
        for shown in {value, markdown_text(value), html.escape(value)}:  # as each format writes it
            plain = plain.replace(shown, "")
            assert shown not in redacted
    redacted = re.sub(r"\b(workflow|run) [0-9]+", "", redacted)
    assert NUMBER.findall(plain) == NUMBER.findall(redacted)
