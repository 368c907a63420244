"""One response page with the request that produced it, and the counters of one load.

Pages carry their context (parameters, request id, fetch order) so that errors and progress
can say which page, which cursor or offset and which request; ``body`` keeps the raw JSON
bytes for the one Arrow parse that builds the frame.

>>> page = Page(body=b"", params={}, rows=100, ids=[], limit=100, request_id="req-1",
...             version="v2", has_more=True, next_cursor="opaque")
>>> page.is_last
False
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Page:
    """One response page of ``GET /v2/executions`` (or v1's) with the request behind it.

    A v2 page is one step of a cursor traversal: ``has_more`` says whether the traversal goes
    on and ``next_cursor`` is the opaque token of its next page. A v1 page (the deprecated
    listing, used only as a fallback) has ``total_count``/``total_capped``/``offset`` instead.
    ``body`` keeps the raw JSON bytes: the loader parses all pages at once with Arrow, which
    is several times faster than building frames from decoded dicts.
    """

    body: bytes
    params: dict[str, str]
    rows: int
    ids: list[str]
    limit: int
    request_id: str | None
    #: ``"v2"`` (cursor pages) or ``"v1"`` (offset pages)
    version: str = "v1"
    #: v2: whether the traversal has more pages, and the cursor of the next one
    has_more: bool | None = None
    next_cursor: str | None = None
    #: v1: the matching rows (a lower bound when ``total_capped``) and this page's offset
    total_count: int | None = None
    total_capped: bool = False
    offset: int = 0
    #: keys found in rows beyond the documented ExecutionSummary fields
    extra_fields: frozenset[str] = frozenset()
    #: the oldest and newest valid ``created_at`` among the rows (UTC)
    oldest_created_at: pd.Timestamp | None = None
    newest_created_at: pd.Timestamp | None = None
    #: order in which pages arrived across threads (later = fresher data)
    sequence: int = 0
    #: the server's clock when it answered (its ``Date`` header, to the second; None without)
    server_time: pd.Timestamp | None = None

    @property
    def is_last(self) -> bool:
        """True when this page ends its query: v2 says no more; v1 returned a short page."""
        if self.version == "v2":
            return not self.has_more
        return self.rows < self.limit

    def to_frame(self) -> pd.DataFrame:
        """This page's rows as a typed DataFrame (``error_classification`` left NA)."""
        from eachlabs_analytics.loader.frames import pages_to_frame

        return pages_to_frame([self]).frame


@dataclass
class FetchStats:
    """Counters shared by every worker of one load (thread-safe)."""

    requests: int = 0
    retries: int = 0
    retry_reasons: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def count_retry(self, reason: str) -> None:
        with self._lock:
            self.retries += 1
            self.retry_reasons[reason] = self.retry_reasons.get(reason, 0) + 1
