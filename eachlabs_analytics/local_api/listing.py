"""The two listings the sandbox serves, as response bodies: v1 by offset, v2 by cursor.

``GET /v1/executions`` (deprecated since 2026-09-03) answers ``offset``/``limit`` pages with
``total_count``/``total_capped``, and refuses any request for rows past the first
``row_limit`` of a result. ``GET /v2/executions`` answers keyset pages with ``has_more`` and
an opaque ``next_cursor`` bound to the filters and limit (see :mod:`.cursor`), and no total.

>>> from eachlabs_analytics.local_api.generator import generate_executions
>>> from eachlabs_analytics.local_api.dataset import Executions
>>> from eachlabs_analytics.local_api.query import parse_query
>>> data = Executions(generate_executions(250, seed=1, end="2026-10-31T00:00:00Z"))
>>> codec = CursorCodec(b"k")
>>> first = orjson.loads(v2_body(data, parse_query("limit=100", 0, "v2"), codec))
>>> len(first["executions"]), first["has_more"], "total_count" in first
(100, True, False)
>>> v1_body(data, parse_query("limit=100&offset=1000", 0), total_cap=None, row_limit=1000)
Traceback (most recent call last):
...
eachlabs_analytics.local_api.query.BadRequest: V1 execution pagination is limited to 1000 rows \
(offset + limit must not exceed 1000, got offset 1000 and limit 100); use GET /v2/executions, \
which pages by cursor
"""

from __future__ import annotations

import orjson

from eachlabs_analytics.local_api.cursor import CursorCodec
from eachlabs_analytics.local_api.dataset import Executions
from eachlabs_analytics.local_api.query import BadRequest, Query

#: The vendor's depth limit of v1 offset pagination (rows of one result).
V1_ROW_LIMIT = 1000


def v1_body(
    data: Executions,
    query: Query,
    *,
    total_cap: int | None,
    row_limit: int | None,
    offset: int | None = None,
) -> bytes:
    """One v1 page; ``offset`` overrides the query's (the ``ignore_offset`` fault).

    ``total_count`` is min(true total, ``total_cap``) with ``total_capped: true`` when the
    true total exceeds the cap, except on the last page that returns rows (exact there).
    """
    if row_limit is not None and query.offset + query.limit > row_limit:
        raise BadRequest(
            f"V1 execution pagination is limited to {row_limit} rows (offset + limit must not "
            f"exceed {row_limit}, got offset {query.offset} and limit {query.limit}); use "
            "GET /v2/executions, which pages by cursor",
            {"parameter": "offset", "allowed": f"offset + limit <= {row_limit}"},
        )
    served_offset = query.offset if offset is None else offset
    rows, total, returned = data.page(query.filter, served_offset, query.limit)
    count, capped = total, False
    last_page = returned > 0 and served_offset + returned >= total
    if total_cap is not None and total > total_cap and not last_page:
        count, capped = total_cap, True
    return b"".join(
        (
            b'{"executions":',
            rows,
            b',"total_count":%d,"total_capped":%s,"offset":%d,"limit":%d}'
            % (count, b"true" if capped else b"false", query.offset, query.limit),
        )
    )


def v2_body(data: Executions, query: Query, codec: CursorCodec) -> bytes:
    """One v2 page; raises :class:`~.cursor.CursorRejected` for a cursor it will not follow."""
    binding = query.binding()
    after = codec.read(query.cursor, binding) if query.cursor is not None else None
    rows, _, last_key, has_more = data.page_after(query.filter, after, query.limit)
    cursor = codec.issue(last_key, binding) if has_more and last_key is not None else None
    return b"".join(
        (
            b'{"executions":',
            rows,
            b',"has_more":',
            b"true" if has_more else b"false",
            b',"next_cursor":',
            orjson.dumps(cursor),
            b"}",
        )
    )
