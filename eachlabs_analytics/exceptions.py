"""Every error this package raises on purpose.

The tree::

    EachlabsError                     base of everything below
    ├── InvalidQueryError (ValueError) bad arguments, raised before any request; also HTTP 400
    ├── APIError                      the API failed us: 5xx, malformed bodies, transport errors
    │   ├── AuthenticationError       HTTP 401/403, or no API key configured
    │   ├── RateLimitError            HTTP 429 still returned after every retry
    │   ├── PaginationError           the server does not page as documented (e.g. ignores offset)
    │   └── BalanceUnavailable        the balance endpoint answered 503: unknown, never zero
    └── StoreError                    a Parquet file or a store's file cannot be read (not
                                      Parquet, truncated, wrong schema) or a directory is not a
                                      store; names the file and how to repair it

    DataQualityWarning (UserWarning)  malformed values in rows became NA (counted in df.attrs)

Messages say what happened and what is allowed, and carry the HTTP status and the
``X-Request-Id`` when there was a response. They never contain the API key.

>>> try:
...     raise RateLimitError("too many requests", status=429, request_id="req-1")
... except APIError as exc:
...     print(exc)
too many requests (HTTP 429, request id req-1)
"""

from __future__ import annotations


class EachlabsError(Exception):
    """Base class of every error raised by eachlabs-analytics."""


class InvalidQueryError(EachlabsError, ValueError):
    """A query argument is not allowed (raised before any request), or the API answered 400."""

    def __init__(
        self, message: str, *, status: int | None = None, request_id: str | None = None
    ) -> None:
        self.message = message
        self.status = status
        self.request_id = request_id
        super().__init__(_with_context(message, status, request_id))


class APIError(EachlabsError):
    """The API answered with an error, a malformed body, or not at all (after retries)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        url: str | None = None,
    ) -> None:
        self.message = message  # without the status and request id that str() adds
        self.status = status
        self.request_id = request_id
        self.url = url
        super().__init__(_with_context(message, status, request_id))


class AuthenticationError(APIError):
    """No API key, or the API refused it (HTTP 401 or 403)."""


class RateLimitError(APIError):
    """The API kept answering 429 after every retry allowed."""


class PaginationError(APIError):
    """The API does not page as documented (it ignores ``offset``, or never ends)."""


class BalanceUnavailable(APIError):
    """The balance is unknown: ``GET /v1/billing/balance`` kept answering 503 (never read as 0)."""


class StoreError(EachlabsError):
    """A Parquet file or a store's file cannot be read, or a directory is not (or not only) a
    store.

    ``path`` is the file (or directory) at fault and ``day`` the UTC creation day of a data
    file (None for the manifest or the directory). The message says how to repair it: a
    damaged day file is moved aside and fetched again by ``ExecutionStore.repair()`` (CLI:
    ``eachlabs-analytics repair STORE``).
    """

    def __init__(self, message: str, *, path: object = None, day: object = None) -> None:
        self.path = path
        self.day = day
        super().__init__(message)


def _with_context(message: str, status: int | None, request_id: str | None) -> str:
    parts = []
    if status is not None:
        parts.append(f"HTTP {status}")
    if request_id:
        parts.append(f"request id {request_id}")
    return f"{message} ({', '.join(parts)})" if parts else message


class DataQualityWarning(UserWarning):
    """Rows held values that do not fit the schema (they became NA and were counted)."""
