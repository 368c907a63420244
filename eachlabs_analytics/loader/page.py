"""One response page with the request that produced it, and the counters of one load.

Pages carry their context (parameters, request id, fetch order) so that errors and progress
can say which page, which offset and which request; ``body`` keeps the raw JSON bytes for
the one Arrow parse that builds the frame.

>>> page = Page(body=b"", params={"offset": "0"}, rows=100, ids=[], total_count=250,
...             total_capped=True, offset=0, limit=100, request_id="req-1")
>>> page.is_last
False
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Page:
    """One response page of ``GET /v1/executions`` with the request that produced it.

    ``body`` keeps the raw JSON bytes: the loader parses all pages at once with Arrow, which
    is several times faster than building frames from decoded dicts.
    """

    body: bytes
    params: dict[str, str]
    rows: int
    ids: list[str]
    total_count: int
    total_capped: bool
    offset: int
    limit: int
    request_id: str | None
    #: keys found in rows beyond the documented ExecutionSummary fields
    extra_fields: frozenset[str] = frozenset()
    #: ``created_at`` of the last (oldest) row, as sent
    oldest_created_at: str | None = None
    #: order in which pages arrived across threads (later = fresher data)
    sequence: int = 0

    @property
    def is_last(self) -> bool:
        """True when this page ends its query: it returned fewer rows than asked for."""
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
