"""How one time slice of a query is paged, on v2 (cursor) or v1 (offset), and when it is cut.

A *slice* is a creation-time window ``[lo, hi]`` (both inclusive, microseconds) of one query.
:func:`read_slice` reads it with whichever listing the server speaks, yielding pages, and hands
the parts it cuts off to ``spawn``: the concurrent fetcher submits them to its pool, the
sequential :func:`iter_slices` reads them after the current one (newest first). The stop rules
are written once, here:

- **v2** (:class:`CursorTraversal`): a traversal sends the filters and ``limit``, then each
  ``next_cursor`` back as ``cursor`` while ``has_more`` is true. Cursors are never parsed,
  built, kept across traversals or sent with other filters. A cursor that repeats, ``has_more``
  without a cursor, rows outside the window, rows newer than the previous page's or more than
  ``max_pages`` pages raise :class:`PaginationError`. A 400 on a cursor (expired, rejected)
  restarts the traversal once over what it has not read yet.
- **v1** (:class:`OffsetPaginator`): ``offset`` grows by ``limit`` until a page is short, never
  stopping at ``total_count``, and never past the first :data:`V1_ROW_LIMIT` rows: a slice
  whose first page shows more rows (or that the server refuses as too deep) is cut in time.

While workers are idle, a slice whose pages show many rows left is cut for concurrency
(``split``): on v2 the running traversal keeps the newest part (its cursor stays valid: it just
stops below the part's start) and the older parts become new traversals.

>>> slices = split_window(pd.Timestamp("2026-10-01", tz="UTC"),
...                       pd.Timestamp("2026-10-03", tz="UTC"), 2)
>>> [(s.isoformat(), e.isoformat()) for s, e in slices]  # newest first, disjoint
[('2026-10-02T00:00:00+00:00', '2026-10-03T00:00:00+00:00'), \
('2026-10-01T00:00:00+00:00', '2026-10-01T23:59:59.999999+00:00')]
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from eachlabs_analytics._util.timestamps import format_timestamp
from eachlabs_analytics.exceptions import InvalidQueryError, PaginationError

if TYPE_CHECKING:
    from eachlabs_analytics.loader.client import Client
    from eachlabs_analytics.loader.page import FetchStats, Page

#: Rows per request: the API's maximum.
PAGE_LIMIT = 100
#: Hard cap on pages of one slice (10 million rows): past it the server is not paging.
MAX_PAGES = 100_000
#: v1 refuses rows past the first 1,000 of a result (since 2026-09-03).
V1_ROW_LIMIT = 1000
#: A slice is cut for concurrency only when at least this many pages per part remain: with a
#: worker idle, one more short page costs less than leaving that worker idle.
PAGES_PER_SLICE = 1
#: Rows a too-deep v1 slice is cut down to (well below the limit: density is uneven), in at
#: most ``MAX_CUT`` parts at a time (each part is probed and cut again if still too deep).
V1_SLICE_ROWS = 500
MAX_CUT = 8
#: Query parameters that page or window a query (the rest are its filters).
PAGING_KEYS = frozenset({"from", "to", "limit", "offset", "cursor"})
_VERY_MANY = 1e15
_V1_LIMIT_MESSAGE = re.compile(r"limited to 1[,.]?000 rows", re.IGNORECASE)


class V1RowLimitError(InvalidQueryError):
    """v1 refused a request for rows past its first 1,000 (the slice must be cut)."""


def is_v1_row_limit(message: str) -> bool:
    """Whether an API error message is v1's refusal to page past its row limit.

    >>> is_v1_row_limit("V1 execution pagination is limited to 1000 rows; use v2")
    True
    """
    return bool(_V1_LIMIT_MESSAGE.search(message))


def window_params(start: pd.Timestamp, end: pd.Timestamp) -> dict[str, str]:
    """The API's ``from``/``to`` parameters for a closed creation-time window."""
    return {"from": format_timestamp(start), "to": format_timestamp(end)}


def filters_of(params: dict[str, str]) -> dict[str, str]:
    """The filter part of a request's parameters (no window, no paging)."""
    return {key: value for key, value in params.items() if key not in PAGING_KEYS}


@dataclass(frozen=True)
class Slice:
    """One creation-time window ``[lo, hi]`` (inclusive) of one query's filters.

    ``first`` is a page already read and delivered whose rows all lie in the slice (a v1
    first page carried into the newest part of a cut): paging continues after it.
    """

    params: dict[str, str]
    lo: pd.Timestamp
    hi: pd.Timestamp
    first: Page | None = None


def split_window(
    start: pd.Timestamp, end: pd.Timestamp, parts: int
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Cut the inclusive window ``[start, end]`` into about equal, disjoint slices, newest first.

    Slices meet without overlap at microsecond resolution (the API's), so together they hold
    every row of the window exactly once; never more slices than microseconds.
    """
    first_us, last_us = _micros(start), _micros(end)
    count = last_us - first_us + 1
    parts = max(1, min(parts, count))
    edges = [first_us + count * i // parts for i in range(parts + 1)]
    slices = [(_stamp(edges[i]), _stamp(edges[i + 1] - 1)) for i in range(parts)]
    return slices[::-1]


def rows_per_second(page: Page) -> float:
    """Density of the rows of one page (infinite when they share one instant)."""
    if page.oldest_created_at is None or page.newest_created_at is None or page.rows < 2:
        return 0.0
    span = (page.newest_created_at - page.oldest_created_at).total_seconds()
    return math.inf if span <= 0 else page.rows / span


def estimated_rows(page: Page, lo: pd.Timestamp, hi: pd.Timestamp) -> float:
    """Rows in ``[lo, hi]`` judged from its first page: v1's exact total when it has one,
    else the page's density over the window (never below a capped v1 count)."""
    if page.total_count is not None and not page.total_capped:
        return float(page.total_count)
    density = rows_per_second(page) * ((hi - lo).total_seconds() + 1e-6)
    # rows sharing one instant make the density infinite: any finite "very many" will do
    return min(max(float(page.total_count or 0), float(page.rows), density), _VERY_MANY)


def check_window(page: Page, lo: pd.Timestamp | None, hi: pd.Timestamp | None, where: str) -> None:
    """Raise :class:`PaginationError` when a page holds rows created outside ``[lo, hi]``: a
    server that does not honour ``from``/``to`` cannot be paged to a complete history."""
    if lo is None or hi is None:
        return
    if (page.oldest_created_at is not None and page.oldest_created_at < lo) or (
        page.newest_created_at is not None and page.newest_created_at > hi
    ):
        raise PaginationError(
            f"the API returned rows created outside the requested window in {where} "
            f"(from {format_timestamp(page.oldest_created_at or lo)} to "
            f"{format_timestamp(page.newest_created_at or hi)}): it does not honour from/to, "
            "so the history cannot be trusted to be complete",
            request_id=page.request_id,
        )


class OffsetPaginator:
    """v1's offset/limit strategy: the stop rule, the loop guard and the depth limit.

    With ``lo``/``hi`` given, rows created outside that window raise :class:`PaginationError`.
    """

    def __init__(
        self,
        limit: int = PAGE_LIMIT,
        max_pages: int | None = None,
        row_limit: int | None = V1_ROW_LIMIT,
        lo: pd.Timestamp | None = None,
        hi: pd.Timestamp | None = None,
    ) -> None:
        self.limit = limit
        self.lo, self.hi = lo, hi
        self.max_pages = max_pages or MAX_PAGES
        self.row_limit = row_limit
        self.offset = 0
        self.pages = 0
        #: oldest ``created_at`` read so far (where a cut remainder ends)
        self.oldest: pd.Timestamp | None = None
        self._previous: frozenset[str] | None = None
        self._repeats = 0

    def params(self) -> dict[str, str]:
        """Paging parameters of the next request."""
        return {"limit": str(self.limit), "offset": str(self.offset)}

    @property
    def too_deep(self) -> bool:
        """Whether the next page lies past v1's row limit (the slice must be cut instead)."""
        return self.row_limit is not None and self.offset + self.limit > self.row_limit

    def update(self, page: Page) -> bool:
        """Take in a page; return True when another page must be fetched."""
        self.pages += 1
        if page.rows > self.limit:
            raise PaginationError(
                f"the API returned {page.rows} rows for limit={self.limit}",
                request_id=page.request_id,
            )
        check_window(page, self.lo, self.hi, f"offset {self.offset}")
        if self.offset > 0 and self._previous is not None and page.ids:
            # A correct server moves on: rows created at the head while paging push the rest
            # down, so a page can repeat much of the one before once (a burst of a page's
            # worth of new rows). Two such pages in a row mean offset is being ignored.
            repeated = sum(1 for row_id in page.ids if row_id in self._previous)
            self._repeats = self._repeats + 1 if repeated * 2 > len(page.ids) else 0
            if self._repeats >= 2:
                raise PaginationError(
                    f"the API returned mostly the same rows for offset {self.offset - self.limit} "
                    f"and {self.offset}: it ignores offset, so paging cannot finish",
                    request_id=page.request_id,
                )
        self._previous = frozenset(page.ids)
        self.oldest = _older(self.oldest, page.oldest_created_at)
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


class CursorTraversal:
    """One v2 traversal of ``[lo, hi]``: the cursors the server gave it, and its checks.

    ``floor`` (``lo`` at first) is the oldest creation time this traversal is responsible
    for: when the slice is cut, the traversal keeps the newest part by raising its floor,
    and stops once a page reaches below it.
    """

    def __init__(
        self,
        params: dict[str, str],
        lo: pd.Timestamp,
        hi: pd.Timestamp,
        limit: int = PAGE_LIMIT,
        max_pages: int | None = None,
    ) -> None:
        self.filters = filters_of(params)
        self.lo, self.hi, self.floor = lo, hi, lo
        self.limit = limit
        self.max_pages = max_pages or MAX_PAGES
        self.cursor: str | None = None
        self.pages = 0
        self.restarted = False
        #: oldest ``created_at`` read so far
        self.oldest: pd.Timestamp | None = None
        self._cursors: set[str] = set()
        self._previous: frozenset[str] = frozenset()

    def params(self) -> dict[str, str]:
        """Parameters of the next request: the same filters, window and limit on every page."""
        params = {**self.filters, **window_params(self.lo, self.hi), "limit": str(self.limit)}
        if self.cursor is not None:
            params["cursor"] = self.cursor
        return params

    def describe(self) -> str:
        return f"[{format_timestamp(self.lo)}, {format_timestamp(self.hi)}]"

    def update(self, page: Page) -> bool:
        """Check a page and take it in; return True when another page must be fetched."""
        self.pages += 1
        where = f"the traversal of {self.describe()}"
        if page.rows > self.limit:
            raise PaginationError(
                f"the API returned {page.rows} rows for limit={self.limit} in {where}",
                request_id=page.request_id,
            )
        check_window(page, self.lo, self.hi, where)
        if (
            self.oldest is not None
            and page.newest_created_at is not None
            and page.newest_created_at > self.oldest
        ) or (page.ids and sum(i in self._previous for i in page.ids) * 2 > len(page.ids)):
            raise PaginationError(
                f"the cursor did not move on in {where}: the page repeats or goes back "
                "before rows already read",
                request_id=page.request_id,
            )
        if page.has_more and not page.next_cursor:
            raise PaginationError(
                f"the API said has_more without a next_cursor in {where}; paging cannot go on "
                "and stopping would return a partial history",
                request_id=page.request_id,
            )
        self._previous = frozenset(page.ids)
        self.oldest = _older(self.oldest, page.oldest_created_at)
        if not page.has_more:
            return False
        if self.oldest is not None and self.oldest < self.floor:
            return False  # the rest of the window belongs to other slices
        if page.next_cursor in self._cursors:
            raise PaginationError(
                f"the API returned a cursor it had already given in {where}; following it "
                "would loop",
                request_id=page.request_id,
            )
        if self.pages >= self.max_pages:
            raise PaginationError(
                f"more than {self.max_pages} pages in {where}; stopping rather than looping. "
                "Narrow the window or raise max_pages",
                request_id=page.request_id,
            )
        assert page.next_cursor is not None
        self._cursors.add(page.next_cursor)
        self.cursor = page.next_cursor
        return True

    def remaining(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """The part of the window not read yet, ``[floor, oldest]`` (None when unknown)."""
        if self.oldest is None or self.oldest <= self.floor:
            return None
        return self.floor, self.oldest

    def restart(self, error: InvalidQueryError) -> None:
        """After a 400 on a cursor: start again without one over what is not read yet.

        Rows at the restart's edge are read twice (the loader keeps one per id). Raises
        ``error`` itself when no cursor was sent (the query is bad), and a
        :class:`PaginationError` with the server's message on a second rejection.
        """
        if self.cursor is None:
            raise error
        if self.restarted:
            raise PaginationError(
                f"the API rejected the cursor of the traversal of {self.describe()} again after "
                f"one restart: {error.message}",
                status=error.status,
                request_id=error.request_id,
            ) from None
        self.restarted = True
        if self.oldest is not None:
            self.hi = self.oldest
        self.cursor = None
        self._cursors.clear()
        self._previous = frozenset()


def first_page_params(job: Slice, limit: int = PAGE_LIMIT) -> dict[str, str]:
    """The first request of a slice: the same on v1 (offset 0 is the default) and v2."""
    return {**job.params, **window_params(job.lo, job.hi), "limit": str(limit)}


def read_slice(
    client: Client,
    job: Slice,
    *,
    spawn: Callable[[Slice], None],
    split: Callable[[float], int] = lambda pages: 1,
    stats: FetchStats | None = None,
    limit: int = PAGE_LIMIT,
    max_pages: int | None = None,
    stopped: Callable[[], bool] = lambda: False,
) -> Iterator[Page]:
    """Every page of one slice, newest first; parts cut off go to ``spawn``, unread.

    ``split(pages_left)`` says into how many parts the rest may be cut for concurrency (1:
    never). The first request goes to the client's listing (v2, or v1 once the client fell
    back); the rest follow the version of that first page.
    """
    reader = _SliceReader(client, spawn, split, stats, limit, max_pages, stopped)
    first = job.first
    if first is None:
        first = client.get_page(first_page_params(job, limit), stats)
    if first.version == "v2":
        yield from reader.cursor_pages(job, first)
    else:
        yield from reader.offset_pages(job, first)


def iter_slices(
    client: Client,
    jobs: list[Slice],
    *,
    stats: FetchStats | None = None,
    limit: int = PAGE_LIMIT,
    max_pages: int | None = None,
) -> Iterator[Page]:
    """Read slices one at a time, newest first (a slice's cut parts right after it)."""
    stack = list(reversed(jobs))
    while stack:
        spawned: list[Slice] = []
        yield from read_slice(
            client, stack.pop(), spawn=spawned.append, stats=stats, limit=limit,
            max_pages=max_pages,
        )  # fmt: skip
        stack.extend(reversed(spawned))


@dataclass(frozen=True)
class _SliceReader:
    """What :func:`read_slice` reads with: the client and the driver's callbacks."""

    client: Client
    spawn: Callable[[Slice], None]
    split: Callable[[float], int]
    stats: FetchStats | None
    limit: int
    max_pages: int | None
    stopped: Callable[[], bool]

    def cursor_pages(self, job: Slice, first: Page) -> Iterator[Page]:
        """v2: one traversal; while workers are idle it keeps the newest part of what is left."""
        traversal = CursorTraversal(job.params, job.lo, job.hi, self.limit, self.max_pages)
        page = first
        while True:
            more = traversal.update(page)
            yield page
            if not more or self.stopped():
                return
            rest = traversal.remaining()
            if rest is not None:
                density = rows_per_second(page) * (rest[1] - rest[0]).total_seconds()
                parts = self.split(min(density, _VERY_MANY) / self.limit)
                if parts >= 2:
                    newest, *older = split_window(rest[0], rest[1], parts)
                    traversal.floor = newest[0]
                    for lo, hi in older:
                        self.spawn(Slice(job.params, lo, hi))
            while True:
                try:
                    page = self.client.get_page(traversal.params(), self.stats, version="v2")
                    break
                except InvalidQueryError as exc:
                    traversal.restart(exc)

    def offset_pages(self, job: Slice, first: Page) -> Iterator[Page]:
        """v1: offset pages within its row limit; a slice too deep for it is cut in time."""
        carried = job.first is not None
        # a carried page was read for a wider window; its rows were checked to lie in this one
        paginator = OffsetPaginator(self.limit, self.max_pages, lo=job.lo, hi=job.hi)
        more = paginator.update(first)
        if not carried:
            yield first
            if not more:
                return
            rows = estimated_rows(first, job.lo, job.hi)
            parts = self.split(rows / self.limit - 1)
            if rows >= V1_ROW_LIMIT:
                parts = max(parts, min(math.ceil(rows / V1_SLICE_ROWS), MAX_CUT))
            if parts >= 2:
                _cut(job, parts, self.spawn, carry=first)
                return
        elif not more:
            return
        base = {**job.params, **window_params(job.lo, job.hi)}
        while not self.stopped():
            if paginator.too_deep:
                _cut_remainder(job, paginator.oldest, self.spawn)
                return
            try:
                page = self.client.get_page(
                    {**base, **paginator.params()}, self.stats, version="v1"
                )
            except V1RowLimitError:
                _cut_remainder(job, paginator.oldest, self.spawn)
                return
            more = paginator.update(page)
            yield page
            if not more:
                return


def _cut(job: Slice, parts: int, spawn: Callable[[Slice], None], carry: Page | None) -> None:
    """Cut a v1 slice in time; its newest part continues after ``carry`` when it can."""
    if job.lo >= job.hi:
        raise PaginationError(
            f"more than {V1_ROW_LIMIT} rows were created at {format_timestamp(job.lo)}: v1 cannot "
            "page past its first 1,000 rows and a microsecond cannot be cut. Load over v2 "
            "(api_version='v2')",
            request_id=carry.request_id if carry is not None else None,
        )
    for index, (lo, hi) in enumerate(split_window(job.lo, job.hi, parts)):
        keeps_carry = (
            index == 0
            and carry is not None
            and carry.oldest_created_at is not None
            and carry.oldest_created_at >= lo
        )
        spawn(Slice(job.params, lo, hi, first=carry if keeps_carry else None))


def _cut_remainder(job: Slice, oldest: pd.Timestamp | None, spawn: Callable[[Slice], None]) -> None:
    """A v1 slice turned out deeper than its limit: read what is left, ``[lo, oldest]``."""
    if oldest is not None and oldest < job.hi:
        spawn(Slice(job.params, job.lo, max(job.lo, oldest)))
    else:
        _cut(job, 2, spawn, carry=None)


def _older(current: pd.Timestamp | None, candidate: pd.Timestamp | None) -> pd.Timestamp | None:
    if candidate is None:
        return current
    return candidate if current is None or candidate < current else current


def _micros(stamp: pd.Timestamp) -> int:
    return int(stamp.value // 1000)


def _stamp(micros: int) -> pd.Timestamp:
    return pd.Timestamp(micros * 1000, tz="UTC")
