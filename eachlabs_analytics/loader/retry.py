"""Retrying: what is worth a retry, the backoff, ``Retry-After`` and the pause all workers honour.

>>> parse_retry_after("3")
3.0
>>> 0.25 <= backoff_delay(1, first=0.5, longest=30.0) <= 0.5
True
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

from eachlabs_analytics.exceptions import APIError

#: Longest wait a ``Retry-After`` header can impose (urllib3 would accept six hours).
MAX_RETRY_AFTER = 60.0


class Retryable(Exception):
    """A failure worth retrying: why (counted per reason), the error raised once retries run
    out, and the wait the server asked for (``Retry-After``, None without)."""

    def __init__(self, reason: str, error: APIError, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error
        self.retry_after = retry_after


def backoff_delay(attempt: int, first: float, longest: float) -> float:
    """The wait before retry ``attempt`` (1, 2, ...) without ``Retry-After``: ``first`` doubling
    per retry up to ``longest``, with jitter (half of it to all of it)."""
    ceiling = min(longest, first * 2 ** (attempt - 1))
    return ceiling * random.uniform(0.5, 1.0)


class Throttle:
    """A pause every worker honours: one 429 slows all of them, not just the one that saw it."""

    def __init__(self, sleep: Callable[[float], None]) -> None:
        self._not_before = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def wait(self) -> None:
        with self._lock:
            delay = self._not_before - time.monotonic()
        if delay > 0:
            self._sleep(delay)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (whole seconds or an HTTP-date).

    >>> parse_retry_after("3")
    3.0
    >>> parse_retry_after("Wed, 21 Oct 2026 07:28:05 GMT",
    ...                   now=datetime(2026, 10, 21, 7, 28, 0, tzinfo=timezone.utc))
    5.0
    >>> parse_retry_after("soon") is None
    True
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())
