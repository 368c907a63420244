"""The few row-level questions a face asks of a selection, answered in its engine.

The helpers need partial aggregates only (:mod:`eachlabs_analytics.metrics.lazy`); a report
also wants a handful of rows and an order: :func:`top_rows` (the costliest executions, in
the order a sorted loaded frame gives them), :func:`first_seen` (a column's values in the
order they first appear in the loaded frame: the report aliases workflows in that order) and
:func:`combine` (two periods as one selection, a row whose id was seen before dropped, as
the report's ``_concat`` does in memory). Each is one query or a lazy expression; only the
rows asked for (or one row per value) leave the engine.

A loaded frame is ordered newest first, rows created at the same instant by ``id``, rows
without a creation time last (``ExecutionStore.load``, ``Selection.to_pandas``): "first" here
means first in that order.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=1_000, seed=2, end="2026-10-31T00:00:00Z")
>>> costly = top_rows(ea.scan_table(df), "execution_cost", 3)
>>> costly["execution_cost"].tolist() == df["execution_cost"].nlargest(3).tolist()
True
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics.engines import queries
from eachlabs_analytics.engines.backends import require_ibis
from eachlabs_analytics.engines.selection import Selection, scan_table, typed_frame
from eachlabs_analytics.metrics.frame_partials import answerer, unwrapped


def top_rows(selection: Selection, column: str, n: int) -> pd.DataFrame:
    """The ``n`` rows with the largest ``column`` (a float column; rows where it is missing
    or NaN left out), largest first, ties newest first (missing times last), then by ``id``:
    the first ``n`` rows of a stable sort of the loaded frame by ``column``, descending.
    The loader's typed frame, with the selection's ``attrs``.
    """
    if column not in schema.FLOAT_FIELDS:
        raise ValueError(f"top_rows sorts a float column ({', '.join(schema.FLOAT_FIELDS)})")
    t = selection.to_ibis()
    t = t.filter(queries.known(t[column]).notnull())
    order = [
        t[column].desc(),
        t.created_at.desc(nulls_first=False),
        t.id.asc(nulls_first=False),
    ]
    frame = typed_frame(selection.engine.execute(t.order_by(order).limit(max(0, int(n)))))
    frame.attrs = copy.deepcopy(selection.attrs)
    return frame


def first_seen(selection: Selection, column: str) -> list[Any]:
    """The distinct values of ``column`` (missing left out) in the order they first appear in
    the loaded frame (``pd.factorize(frame[column])[1]``), from one grouped query: a value's
    first row is its newest, ties by the smallest id, a value with no creation time last.
    """
    t = selection.to_ibis()
    t = t.filter(t[column].notnull())
    newest = t.created_at.max().over(group_by=t[column])
    m = t.mutate(_newest=newest)
    m = m.filter(m._newest.isnull() | (m.created_at == m._newest))
    firsts = m.group_by(column).agg(_newest=m._newest.max(), _id=m.id.min())
    found = selection.engine.execute(firsts).to_pandas()
    found["_missing"] = found["_newest"].isna()
    found = found.sort_values(
        ["_missing", "_newest", "_id"], ascending=[True, False, True], kind="stable"
    )
    return found[column].tolist()


def combine(current: Selection, previous: Any, attrs: Mapping[str, Any] | None = None) -> Selection:
    """The rows of ``current`` then ``previous`` as one selection, a row whose id was seen
    before (in either, in the loaded frames' order) dropped, so ``current`` wins; when an id
    is missing anywhere, nothing is dropped. What the report's ``_concat`` keeps, lazily.

    ``previous`` in another engine, or a frame, is copied into ``current``'s (Arrow, the schema's
    columns): give both the same engine (``store.scan(..., engine=engine)``) to avoid that.
    ``attrs`` are the result's (default: none).
    """
    ibis = require_ibis()
    engine = current.engine
    a = current.to_ibis()
    if not isinstance(previous, Selection):  # a frame (or its answerer): scanned here
        previous = scan_table(unwrapped(answerer(previous, "combine")), engine=engine)
    if previous.engine is engine:
        b = previous.to_ibis()
    else:
        b = engine.from_arrow(previous.engine.execute(previous.to_ibis()))
    b = b.select(*schema.COLUMNS)
    both = a.mutate(_part=ibis.literal(0)).union(b.mutate(_part=ibis.literal(1)), distinct=False)
    # one pass over the ids decides: nothing to drop (the usual case) keeps a plain UNION
    # ALL, so the queries that follow do not hash every id again
    found = engine.execute(
        both.aggregate(rows=both.count(), ids=both.id.count(), distinct=both.id.nunique())
    ).to_pylist()[0]
    if found["ids"] < found["rows"] or found["distinct"] == found["rows"]:
        table = both.select(*schema.COLUMNS)  # a missing id: _concat drops nothing either
    else:
        # only the rows of an id seen twice are ranked (a window over every row sorts them all)
        counted = both.group_by("id").agg(_n=both.count())
        repeated_ids = counted.filter(counted._n > 1).select("id")
        once = both.anti_join(repeated_ids, "id")
        repeated = both.semi_join(repeated_ids, "id")
        window = ibis.window(
            group_by=repeated.id,
            order_by=[repeated._part, repeated.created_at.desc(nulls_first=False)],
        )
        ranked = repeated.mutate(_rank=ibis.row_number().over(window))
        first = ranked.filter(ranked._rank == 0).select(*schema.COLUMNS)
        table = once.select(*schema.COLUMNS).union(first, distinct=False)
    files = None
    if current._files is not None and previous._files is not None:
        files = [*current._files, *previous._files]
    return Selection(table, engine, attrs, files=files)
