"""Slice planning and the stop rule, without a server."""

from __future__ import annotations

import pandas as pd
import pytest

from eachlabs_analytics.exceptions import PaginationError
from eachlabs_analytics.loader.page import Page
from eachlabs_analytics.loader.pagination import OffsetPaginator, plan_slices, split_window

START = pd.Timestamp("2026-10-01", tz="UTC")
END = pd.Timestamp("2026-10-31", tz="UTC")


def page(
    rows: int,
    total: int,
    capped: bool = False,
    oldest: str | None = None,
    ids: list[str] | None = None,
) -> Page:
    return Page(
        body=b"",
        params={},
        rows=rows,
        ids=ids or [f"e{i}" for i in range(rows)],
        total_count=total,
        total_capped=capped,
        offset=0,
        limit=100,
        request_id="r",
        oldest_created_at=oldest,
    )


def test_split_window_covers_the_window_newest_first_with_shared_edges():
    slices = split_window(START, END, 7)
    assert len(slices) == 7
    assert slices[0][1] == END and slices[-1][0] == START
    for newer, older in zip(slices, slices[1:], strict=False):
        assert older[1] == newer[0]  # shared boundary instant: fetched twice, never lost
    assert all(s < e for s, e in slices)


def test_exact_total_gives_about_four_pages_per_slice():
    assert len(plan_slices(page(100, 4_000), START, END, max_workers=8)) == 10
    assert len(plan_slices(page(100, 300), START, END, max_workers=8)) == 1


def test_never_more_than_four_slices_per_worker():
    assert len(plan_slices(page(100, 10_000_000), START, END, max_workers=3)) == 12


def test_capped_total_is_estimated_from_the_first_pages_density():
    # 100 rows in the last 3 days of a 30-day window: ~1,000 rows, not the capped 200
    oldest = (END - pd.Timedelta(days=3)).isoformat()
    slices = plan_slices(page(100, 200, capped=True, oldest=oldest), START, END, max_workers=8)
    assert len(slices) == 1_000 // 100 // 4
    # without a usable timestamp the capped count is the estimate
    assert len(plan_slices(page(100, 800, capped=True), START, END, max_workers=8)) == 2


def test_paginator_stops_on_a_short_page_only():
    paginator = OffsetPaginator(limit=100)
    assert paginator.update(page(100, 100)) is True  # total reached, but the page was full
    assert paginator.params() == {"limit": "100", "offset": "100"}
    assert paginator.update(page(99, 100, ids=[f"x{i}" for i in range(99)])) is False


def test_paginator_refuses_the_same_rows_twice():
    paginator = OffsetPaginator(limit=100)
    paginator.update(page(100, 1000))
    with pytest.raises(PaginationError, match="ignores offset"):
        paginator.update(page(100, 1000))
