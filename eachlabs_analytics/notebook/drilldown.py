"""The executions behind a number: the Explorer's drill-down, as plain pandas.

:func:`search_executions` narrows a selection by a search text (an id, a model or a workflow,
case-insensitive, literal) and sorts it; :func:`page_of` cuts one page; :func:`page_html`
shows it for people (times, money and durations formatted like every face, the output as a
link only when it is an ``http(s)`` URL, every value escaped); :func:`selection_csv` is the
whole selection as CSV through the package's one CSV writer (records intact, no cell starts a
formula).

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=500, seed=3, end="2026-10-31T00:00:00Z")
>>> veo = search_executions(df, "VEO-3", sort="execution_cost")
>>> bool((veo["model"].str.contains("veo-3")).all()), veo["execution_cost"].is_monotonic_decreasing
(True, True)
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np
import pandas as pd

from eachlabs_analytics._util.columns import workflow_label
from eachlabs_analytics._util.csv_safe import frame_to_csv
from eachlabs_analytics._util.formats import fmt_money, fmt_seconds, fmt_time
from eachlabs_analytics.metrics.frame_rows import search_rows

#: Columns a user can sort by (newest, costliest and slowest first by default).
SORTS: dict[str, str] = {
    "created_at": "created",
    "execution_cost": "cost",
    "total_seconds": "end to end",
    "queue_seconds": "queue",
    "model": "model",
    "status": "status",
}
#: What the table and the CSV show, in order: column -> header.
COLUMNS: dict[str, str] = {
    "created_at": "created (UTC)",
    "id": "id",
    "model": "model",
    "status": "status",
    "error_classification": "error class",
    "execution_cost": "cost",
    "queue_seconds": "queue",
    "total_seconds": "end to end",
    "workflow_id": "workflow",
    "output": "output",
}
#: Columns shown as numbers (right-aligned, like every table of the report).
_NUMBERS = ("execution_cost", "queue_seconds", "total_seconds")
PAGE_SIZE = 25


def search_executions(
    df: pd.DataFrame, text: str = "", sort: str = "created_at", descending: bool = True
) -> pd.DataFrame:
    """Rows whose id, model or workflow contains ``text`` (any case), sorted by ``sort``
    (:func:`~eachlabs_analytics.metrics.frame_rows.search_rows`, where the search lives)."""
    return search_rows(df, text, sort, descending)


def page_of(rows: pd.DataFrame, page: int, size: int = PAGE_SIZE) -> tuple[pd.DataFrame, int]:
    """Page ``page`` (0-based, clipped to the last one) of ``rows``, and the number of pages.

    >>> page_of(pd.DataFrame({"a": range(60)}), 5)[0]["a"].tolist()[:2], page_of(pd.DataFrame({"a": range(60)}), 5)[1]
    ([50, 51], 3)
    """  # noqa: E501
    pages = max(1, -(-len(rows) // size))
    page = min(max(0, int(page)), pages - 1)
    return rows.iloc[page * size : (page + 1) * size], pages


def page_html(rows: pd.DataFrame, names: Mapping[str, str] | None = None) -> str:
    """One page of executions as an HTML table for people (every value escaped; a workflow
    as ``name (wf_...)`` when ``names`` has it); "" for no rows (the Explorer says why: no
    execution in the selection, or none matching a search)."""
    if rows.empty:
        return ""
    align = [" class='num'" if column in _NUMBERS else "" for column in COLUMNS]
    head = "".join(
        f"<th{css}>{html.escape(title)}</th>"
        for title, css in zip(COLUMNS.values(), align, strict=True)
    )
    body = []
    for record in rows[list(COLUMNS)].itertuples(index=False, name=None):
        cells = [_cell(column, value, names) for column, value in zip(COLUMNS, record, strict=True)]
        body.append(
            "<tr>"
            + "".join(f"<td{css}>{cell}</td>" for cell, css in zip(cells, align, strict=True))
            + "</tr>"
        )
    return (
        f"<table class='ea-table ea-executions'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _cell(column: str, value: object, names: Mapping[str, str] | None = None) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if column == "workflow_id":
        return html.escape(workflow_label(value, names))
    if column == "created_at":
        return html.escape(fmt_time(value))
    if column == "execution_cost":
        return html.escape(fmt_money(value))
    if column in ("queue_seconds", "total_seconds"):
        return html.escape(fmt_seconds(value))
    text = str(value)
    if column == "output" and text.startswith(("https://", "http://")):
        return (
            f"<a href='{html.escape(text, quote=True)}' target='_blank' "
            f"rel='noopener noreferrer'>open</a>"
        )
    return html.escape(text)


def selection_csv(rows: pd.DataFrame) -> str:
    """The selection's executions as CSV text (all rows, the table's columns, raw values)."""
    return frame_to_csv(rows[list(COLUMNS)].reset_index(drop=True))
