"""How one query is paged, and how a window is cut into slices to page concurrently.

The stop rule, written once: keep increasing ``offset`` by ``limit`` until a page returns
fewer than ``limit`` rows. ``total_count`` is never a stop condition (it may be a capped lower
bound). A server that ignores ``offset`` (the same page twice) or never ends (more than
``MAX_PAGES``) raises :class:`PaginationError` instead of looping.

>>> slices = split_window(pd.Timestamp("2026-10-01", tz="UTC"),
...                       pd.Timestamp("2026-10-03", tz="UTC"), 2)
>>> [(s.isoformat(), e.isoformat()) for s, e in slices]
[('2026-10-02T00:00:00+00:00', '2026-10-03T00:00:00+00:00'), \
('2026-10-01T00:00:00+00:00', '2026-10-02T00:00:00+00:00')]
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pandas as pd

from eachlabs_analytics._util.timestamps import format_timestamp
from eachlabs_analytics.exceptions import PaginationError

if TYPE_CHECKING:
    from eachlabs_analytics.loader.client import Client
    from eachlabs_analytics.loader.page import FetchStats, Page

#: Rows per request: the API's maximum.
PAGE_LIMIT = 100
#: Hard cap on pages for one query slice (10 million rows): past it the server is not paging.
MAX_PAGES = 100_000


class OffsetPaginator:
    """The offset/limit strategy of ``GET /v1/executions`` with its stop rule and loop guard."""

    def __init__(self, limit: int = PAGE_LIMIT, max_pages: int | None = None) -> None:
        self.limit = limit
        self.max_pages = max_pages or MAX_PAGES
        self.offset = 0
        self.pages = 0
        self._previous: frozenset[str] | None = None

    def params(self) -> dict[str, str]:
        """Paging parameters of the next request."""
        return {"limit": str(self.limit), "offset": str(self.offset)}

    def update(self, page: Page) -> bool:
        """Take in a page; return True when another page must be fetched."""
        self.pages += 1
        if page.rows > self.limit:
            raise PaginationError(
                f"the API returned {page.rows} rows for limit={self.limit}",
                request_id=page.request_id,
            )
        if self.offset > 0 and self._previous is not None and page.ids:
            # A correct server moves on: at most a few rows created at the head while paging
            # can reappear. Half a page seen again means offset is being ignored.
            repeated = sum(1 for row_id in page.ids if row_id in self._previous)
            if repeated * 2 > len(page.ids):
                raise PaginationError(
                    f"the API returned mostly the same rows for offset {self.offset - self.limit} "
                    f"and {self.offset}: it ignores offset, so paging cannot finish",
                    request_id=page.request_id,
                )
        self._previous = frozenset(page.ids)
        if page.is_last:
            return False
        if self.pages >= self.max_pages:
            raise PaginationError(
                f"more than {self.max_pages} pages for one query; stopping rather than looping. "
                "Narrow the window or raise max_pages",
                request_id=page.request_id,
            )
        self.offset += self.limit
        return True


def window_params(start: pd.Timestamp, end: pd.Timestamp) -> dict[str, str]:
    """The API's ``from``/``to`` parameters for a closed creation-time window."""
    return {"from": format_timestamp(start), "to": format_timestamp(end)}


def iter_query_pages(
    client: Client,
    params: dict[str, str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    limit: int = PAGE_LIMIT,
    stats: FetchStats | None = None,
    max_pages: int | None = None,
) -> Iterator[Page]:
    """Every page of one query over one window, sequentially, newest first."""
    paginator = OffsetPaginator(limit=limit, max_pages=max_pages)
    base = {**params, **window_params(start, end)}
    while True:
        page = client.get_page({**base, **paginator.params()}, stats)
        more = paginator.update(page)
        yield page
        if not more:
            return


def split_window(
    start: pd.Timestamp, end: pd.Timestamp, parts: int
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Cut ``[start, end]`` into ``parts`` equal slices, newest first.

    Neighbouring slices share their boundary instant (the API's window is inclusive at both
    ends), so a row created exactly there is fetched twice and deduplicated, never lost.
    """
    parts = max(1, parts)
    step = (end - start) / parts
    edges = [start + step * i for i in range(parts)] + [end]
    edges = [edge.floor("us") for edge in edges]
    slices = [(edges[i], edges[i + 1]) for i in range(parts) if edges[i] < edges[i + 1]]
    return slices[::-1] or [(start, end)]


def plan_slices(
    probe: Page, start: pd.Timestamp, end: pd.Timestamp, max_workers: int
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Choose time slices for a query from its first page.

    The number of rows is estimated from ``total_count`` when exact, else from the density
    of the first page (rows per second between its oldest row and ``end``), never below the
    capped count. About four pages per slice, at most four slices per worker: enough slices
    to keep every worker busy when the load is uneven, few enough that each slice's final
    short page stays a small overhead.
    """
    estimate = float(probe.total_count)
    if probe.total_capped and probe.oldest_created_at:
        oldest = pd.Timestamp(probe.oldest_created_at)
        covered = (end - oldest).total_seconds()
        if covered > 0:
            estimate = max(estimate, probe.rows / covered * (end - start).total_seconds())
    pages = math.ceil(estimate / probe.limit)
    parts = min(max(1, pages // 4), 4 * max_workers)
    return split_window(start, end, parts)
