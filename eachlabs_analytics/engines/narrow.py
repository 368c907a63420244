"""Narrowing a selection as the Explorer does, and fetching one page of its rows.

:func:`narrow` keeps the rows of a :class:`~eachlabs_analytics.engines.Selection` that the
Explorer's filters keep (a half-open window on ``created_at``, models, status groups,
error classes, workflows), as one more ``WHERE`` in the engine; status groups and error
classes come from the schema exactly as the helpers count them. :func:`page` is the
drill-down: the rows whose id, model or workflow contains a text (any case), sorted, one
page at a time, with the number of rows that match; nothing but that page leaves the engine.

>>> import pandas as pd, eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=1_000, seed=2, end="2026-10-31T00:00:00Z")
>>> failed = narrow(ea.scan_table(df), status_groups=["failed"])
>>> failed.count() == int(df["status"].isin(["error", "failed"]).sum())
True
>>> rows, total = page(failed, "veo", sort="execution_cost", size=5)
>>> len(rows) <= 5, bool(rows["execution_cost"].is_monotonic_decreasing)
(True, True)
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics.engines import queries
from eachlabs_analytics.engines.selection import Selection, typed_frame
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.lazy import SEARCHED, SORTABLE
from eachlabs_analytics.metrics.rows import check_status_groups


def narrow(
    selection: Selection,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    models: Iterable[str] = (),
    status_groups: Iterable[str] = (),
    error_classes: Iterable[str] = (),
    workflows: Iterable[str] = (),
    no_workflow: bool = False,
    attrs: Mapping[str, Any] | None = None,
) -> Selection:
    """The rows of ``selection`` created in ``[start, end)`` whose model, status group, error
    class and workflow are among those given (an empty list: any). ``no_workflow`` also keeps
    rows outside a workflow. ``attrs`` replace the selection's (default: kept).

    Status groups are the schema's (``succeeded``, ``failed``, ``cancelled``, ``in_flight``,
    and ``other``: unknown or missing statuses).
    """
    t = selection.to_ibis()
    conditions = []
    if start is not None:
        conditions.append(t.created_at >= queries.bound_literal(start))
    if end is not None:
        conditions.append(t.created_at < queries.bound_literal(end))
    models, classes = list(models), list(error_classes)
    if models:
        conditions.append(t.model.isin(models))
    groups = check_status_groups(status_groups)
    if groups:
        kept = [queries.is_outcome(t, g).fill_null(False) for g in groups]
        either = kept[0]
        for condition in kept[1:]:
            either = either | condition
        conditions.append(either)
    if classes:
        conditions.append(t.error_classification.isin(classes))
    named = list(workflows)
    if named or no_workflow:
        in_workflow = t.workflow_id.isin(named) if named else None
        missing = t.workflow_id.isnull() if no_workflow else None
        if in_workflow is not None and missing is not None:
            conditions.append(in_workflow | missing)
        else:
            conditions.append(in_workflow if in_workflow is not None else missing)
    table = t.filter(*conditions) if conditions else t
    kept_attrs = copy.deepcopy(dict(attrs)) if attrs is not None else selection.attrs
    # the same files: partial aggregates are reused while they are unchanged, and shared
    # with any other selection narrowed the same way
    rows = None
    if selection._rows is not None:
        condition = (start, end, tuple(models), tuple(groups), tuple(classes), tuple(named))
        rows = (*selection._rows, ("narrow", *condition, no_workflow))
    return Selection(table, selection.engine, kept_attrs, files=selection._files, rows=rows)


def page(
    selection: Selection,
    text: str = "",
    *,
    sort: str = "created_at",
    descending: bool = True,
    number: int = 0,
    size: int | None = 25,
) -> tuple[pd.DataFrame, int]:
    """Page ``number`` (0-based) of the rows whose id, model or workflow contains ``text``
    (any case, literally), sorted by ``sort`` (missing values last, ties newest first then
    by id), as the loader's typed frame; and how many rows match. ``size=None``: every
    matching row, in that order (no count query: the total is their number).
    """
    if sort not in SORTABLE:
        raise InvalidQueryError(f"sort={sort!r} is not allowed; allowed: {', '.join(SORTABLE)}")
    t = selection.to_ibis()
    needle = text.strip().lower()
    if needle:
        found = [t[c].lower().contains(needle).fill_null(False) for c in SEARCHED]
        either = found[0]
        for condition in found[1:]:
            either = either | condition
        t = t.filter(either)
    total = int(selection.engine.execute(t.count()).as_py()) if size is not None else -1
    key = t[sort]
    if sort in schema.FLOAT_FIELDS:
        key = queries.known(key)  # NaN sorts as missing, last
    order = [key.desc(nulls_first=False) if descending else key.asc(nulls_first=False)]
    if sort != "created_at":
        order.append(t.created_at.desc(nulls_first=False))
    order.append(t.id.asc())
    ordered = t.order_by(order)
    if size is not None:
        ordered = ordered.limit(size, offset=max(0, int(number)) * size)
    frame = typed_frame(selection.engine.execute(ordered))
    frame.attrs = copy.deepcopy(selection.attrs)
    return frame, total if size is not None else len(frame)
