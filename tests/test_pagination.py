"""Slicing, the stop rules and the traversal checks, without a server."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eachlabs_analytics.exceptions import InvalidQueryError, PaginationError
from eachlabs_analytics.loader.page import Page
from eachlabs_analytics.loader.pagination import (
    CursorTraversal,
    OffsetPaginator,
    estimated_rows,
    is_v1_row_limit,
    split_window,
)

START = pd.Timestamp("2026-10-01", tz="UTC")
END = pd.Timestamp("2026-10-31", tz="UTC")
US = pd.Timedelta(microseconds=1)


def page(
    rows: int,
    *,
    version: str = "v2",
    has_more: bool | None = None,
    cursor: str | None = None,
    total: int | None = None,
    capped: bool = False,
    oldest: str | None = None,
    newest: str | None = None,
    ids: list[str] | None = None,
) -> Page:
    return Page(
        body=b"",
        params={},
        rows=rows,
        ids=ids if ids is not None else [f"e{i}" for i in range(rows)],
        limit=100,
        request_id="r",
        version=version,
        has_more=has_more,
        next_cursor=cursor,
        total_count=total,
        total_capped=capped,
        oldest_created_at=pd.Timestamp(oldest) if oldest else None,
        newest_created_at=pd.Timestamp(newest) if newest else None,
    )


def test_split_window_covers_the_window_newest_first_without_overlap():
    slices = split_window(START, END, 7)
    assert len(slices) == 7
    assert slices[0][1] == END and slices[-1][0] == START
    for newer, older in zip(slices, slices[1:], strict=False):
        assert older[1] + US == newer[0]  # adjacent microseconds: nothing lost, nothing twice
    assert all(s <= e for s, e in slices)


@given(
    start_us=st.integers(0, 10**15),
    span_us=st.integers(0, 10**12),
    parts=st.integers(1, 64),
)
def test_split_window_partitions_every_microsecond_exactly_once(start_us, span_us, parts):
    start = pd.Timestamp(start_us * 1000, tz="UTC")
    end = start + span_us * US
    slices = split_window(start, end, parts)
    assert len(slices) == min(parts, span_us + 1)
    ordered = slices[::-1]
    assert ordered[0][0] == start and ordered[-1][1] == end
    for (lo, hi), (next_lo, _) in zip(ordered, ordered[1:], strict=False):
        assert lo <= hi and hi + US == next_lo
    assert sum(((hi - lo) // US) + 1 for lo, hi in slices) == span_us + 1


def test_a_single_microsecond_cannot_be_cut():
    assert split_window(START, START, 5) == [(START, START)]


def test_estimated_rows_trust_an_exact_total_and_extrapolate_a_density():
    assert estimated_rows(page(100, version="v1", total=420), START, END) == 420
    # 100 rows over 1,000 s at the top of a 30-day window: about 260,000 rows
    dense = page(
        100,
        total=1000,
        capped=True,
        version="v1",
        oldest="2026-10-30T23:43:20Z",
        newest="2026-10-31T00:00:00Z",
    )
    assert estimated_rows(dense, START, END) == pytest.approx(100 / 1000 * 30 * 86400, rel=1e-3)
    # never below the capped count
    sparse = page(100, total=5000, capped=True, version="v1", oldest="2026-10-01T00:00:00Z",
                  newest="2026-10-31T00:00:00Z")  # fmt: skip
    assert estimated_rows(sparse, START, END) == 5000


def test_v1_paginator_stops_on_a_short_page_only():
    paginator = OffsetPaginator(limit=100)
    assert paginator.update(page(100, version="v1", total=100)) is True  # total reached, full
    assert paginator.params() == {"limit": "100", "offset": "100"}
    assert paginator.update(page(99, version="v1", total=100, ids=[f"x{i}" for i in range(99)]))\
        is False  # fmt: skip


def test_v1_paginator_refuses_the_same_rows_three_times():
    paginator = OffsetPaginator(limit=100)
    paginator.update(page(100, version="v1", total=1000))
    # once: a page's worth of rows created at the head pushed the same rows down
    assert paginator.update(page(100, version="v1", total=1000)) is True
    with pytest.raises(PaginationError, match="ignores offset"):
        paginator.update(page(100, version="v1", total=1000))


def test_v1_paginator_forgives_one_repeat_when_paging_moves_on():
    paginator = OffsetPaginator(limit=100)
    first = [f"a{i}" for i in range(100)]
    paginator.update(page(100, version="v1", total=1000, ids=first))
    paginator.update(page(100, version="v1", total=1000, ids=first))  # a burst at the head
    moved = [f"b{i}" for i in range(100)]
    assert paginator.update(page(100, version="v1", total=1000, ids=moved)) is True
    # and the count starts again: one more repeat alone is forgiven too
    assert paginator.update(page(100, version="v1", total=1000, ids=moved)) is True


def test_v1_paginator_knows_when_the_next_page_passes_the_row_limit():
    paginator = OffsetPaginator(limit=100, row_limit=1000)
    for n in range(10):
        assert not paginator.too_deep
        paginator.update(page(100, version="v1", total=5000, ids=[f"{n}-{i}" for i in range(100)]))
    assert paginator.offset == 1000 and paginator.too_deep  # offset 1000 would be refused


def test_v1_refusal_message_is_recognised():
    assert is_v1_row_limit("V1 execution pagination is limited to 1000 rows")
    assert is_v1_row_limit("pagination is LIMITED TO 1,000 ROWS; use cursor pagination")
    assert not is_v1_row_limit("limit must be an integer between 1 and 100")


def traversal() -> CursorTraversal:
    return CursorTraversal({"model": "veo-3"}, START, END)


def test_traversal_follows_cursors_with_the_same_filters_window_and_limit():
    t = traversal()
    first = t.params()
    assert "cursor" not in first and first["model"] == "veo-3" and first["limit"] == "100"
    assert t.update(page(100, has_more=True, cursor="c1", oldest="2026-10-30T00:00:00Z",
                         newest="2026-10-30T23:00:00Z"))  # fmt: skip
    second = t.params()
    assert second == {**first, "cursor": "c1"}
    assert not t.update(page(3, has_more=False, oldest="2026-10-29T00:00:00Z",
                             newest="2026-10-29T12:00:00Z", ids=["x", "y", "z"]))  # fmt: skip


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (dict(has_more=True, cursor="c1"), "already given"),
        (dict(has_more=True, cursor=None), "has_more without a next_cursor"),
        (
            dict(
                has_more=True,
                cursor="",
            ),
            "has_more without a next_cursor",
        ),
        (dict(has_more=False, oldest="2026-09-01T00:00:00Z"), "outside the requested window"),
        (dict(has_more=False, newest="2026-11-02T00:00:00Z"), "outside the requested window"),
        (dict(has_more=True, cursor="c2", newest="2026-10-30T23:30:00Z"), "did not move on"),
        (dict(has_more=True, cursor="c2", ids=[f"e{i}" for i in range(100)]), "did not move on"),
    ],
    ids=["repeat", "no-cursor", "empty-cursor", "older", "newer", "backwards", "same-rows"],
)
def test_misbehaving_traversals_raise_pagination_error_naming_the_request(second, message):
    t = traversal()
    t.update(page(100, has_more=True, cursor="c1", oldest="2026-10-30T00:00:00Z",
                  newest="2026-10-30T23:59:00Z"))  # fmt: skip
    fields = {"oldest": "2026-10-29T00:00:00Z", "newest": "2026-10-29T23:00:00Z",
              "ids": [f"n{i}" for i in range(100)]}  # fmt: skip
    with pytest.raises(PaginationError, match=message) as info:
        t.update(page(100, **{**fields, **second}))
    assert info.value.request_id == "r"


def test_traversal_hits_the_page_cap():
    t = CursorTraversal({}, START, END, max_pages=3)
    for n in range(2):
        assert t.update(
            page(100, has_more=True, cursor=f"c{n}", ids=[f"{n}-{i}" for i in range(100)])
        )
    with pytest.raises(PaginationError, match="more than 3 pages"):
        t.update(page(100, has_more=True, cursor="c9", ids=[f"9-{i}" for i in range(100)]))


def test_a_raised_floor_ends_the_traversal_below_it():
    t = traversal()
    t.floor = pd.Timestamp("2026-10-20", tz="UTC")
    assert t.update(page(100, has_more=True, cursor="c1", oldest="2026-10-25T00:00:00Z"))
    assert not t.update(page(100, has_more=True, cursor="c2", oldest="2026-10-19T00:00:00Z",
                             ids=[f"x{i}" for i in range(100)]))  # fmt: skip


def test_a_rejected_cursor_restarts_once_over_what_is_not_read():
    t = traversal()
    t.update(page(100, has_more=True, cursor="c1", oldest="2026-10-25T00:00:00Z"))
    rejected = InvalidQueryError("cursor expired", status=400, request_id="r2")
    t.restart(rejected)
    assert "cursor" not in t.params()
    assert t.params()["to"] == "2026-10-25T00:00:00Z"  # the rest: [start, oldest read]
    assert t.params()["from"] == "2026-10-01T00:00:00Z"
    t.update(page(100, has_more=True, cursor="c1", oldest="2026-10-20T00:00:00Z",
                  newest="2026-10-25T00:00:00Z", ids=[f"y{i}" for i in range(100)]))  # fmt: skip
    with pytest.raises(PaginationError, match="again after one restart: cursor expired") as info:
        t.restart(InvalidQueryError("cursor expired", status=400, request_id="r3"))
    assert info.value.request_id == "r3"


def test_a_400_without_a_cursor_is_the_query_s_fault_and_not_restarted():
    t = traversal()
    bad = InvalidQueryError("invalid model", status=400)
    with pytest.raises(InvalidQueryError, match="invalid model"):
        t.restart(bad)
