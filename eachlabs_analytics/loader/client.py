"""The HTTP client: each request with its key, its retries and redirects, and the fallback to v1.

Where it connects is checked by :mod:`.settings`, its answers are read by :mod:`.response`
and its waits are :mod:`.retry`'s; this is the only module of the loader that sends requests.

>>> import eachlabs_analytics as ea
>>> with ea.sandbox(executions=500, seed=1, end="2026-10-31T00:00:00Z") as api:
...     with ea.Client(api_key=api.api_key, base_url=api.base_url) as client:
...         first = next(client.iter_pages(start="2026-10-01T00:00:00Z"))
...         df = ea.load_executions(start="2026-10-01T00:00:00Z", client=client, progress=False)
>>> first.version, first.rows, first.request_id is not None, len(df) > first.rows
('v2', 100, True, True)
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import pandas as pd
import requests
from requests.adapters import HTTPAdapter

from eachlabs_analytics._util.keys import redact
from eachlabs_analytics.exceptions import (
    APIError,
    AuthenticationError,
    InvalidQueryError,
    RateLimitError,
)
from eachlabs_analytics.loader.page import FetchStats, Page
from eachlabs_analytics.loader.response import (
    JsonReply,
    describe,
    describe_request,
    json_or_raise,
    page_or_raise,
    server_time,
)
from eachlabs_analytics.loader.retry import MAX_RETRY_AFTER, Retryable, Throttle, backoff_delay
from eachlabs_analytics.loader.settings import (
    API_KEY_ENV,
    API_VERSION_ENV,
    API_VERSIONS,
    AUTH_SCHEMES,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    EXECUTIONS_PATHS,
    ApiKey,
    check_api_version,
    check_base_url,
    check_path,
    origin,
    origin_text,
)

__all__ = [  # the client's settings and answers stay importable from here
    "API_KEY_ENV",
    "API_VERSIONS",
    "API_VERSION_ENV",
    "AUTH_SCHEMES",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "EXECUTIONS_PATHS",
    "Client",
    "JsonReply",
    "check_api_version",
    "server_time",
]

logger = logging.getLogger("eachlabs_analytics")
_T = TypeVar("_T")

_MAX_REDIRECTS = 5
#: Failures with no complete response; ChunkedEncodingError is not a ConnectionError.
_TRANSPORT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class Client:
    """A reusable connection to the each::labs executions API.

    Executions are listed by ``GET /v2/executions`` (cursor pages, since September 2026).
    ``api_version="auto"`` (the default) falls back to the deprecated ``GET /v1/executions``
    only when v2 answers 404 (an older deployment or a proxy), once per client, saying so in
    the log and in :attr:`fallback`; v1 refuses rows past the first 1,000 of a result, so the
    loader then reads it in smaller time slices.

    Args:
        api_key: the key; default ``$EACHLABS_API_KEY``. Never logged or shown.
        base_url: default ``$EACHLABS_BASE_URL``, else ``https://api.eachlabs.ai``. Plain
            ``http://`` is accepted only for loopback hosts (the sandbox).
        api_version: ``"auto"``, ``"v2"`` or ``"v1"``; default ``$EACHLABS_API_VERSION``, else
            ``"auto"``.
        timeout: seconds to connect and per socket read, or a ``(connect, read)`` pair.
        max_retries: retries per request after a 429, a 5xx, a connection error, a timeout,
            or a truncated or non-JSON body. Then a typed error is raised.
        auth_scheme: ``"bearer"`` (``Authorization: Bearer``, current) or ``"x-api-key"``.
        backoff: first backoff in seconds; doubles per retry (with jitter) up to ``max_backoff``.
        session: a ``requests.Session`` to use (e.g. with adapters mounted for tests).
        require_key: False builds a client without a key for the endpoints that need none
            (``get_json(..., auth=False)``, e.g. list prices); a request that needs the key
            then raises :class:`AuthenticationError` before anything is sent.

    >>> client = Client(api_key="smk_example", base_url="http://127.0.0.1:8765")
    >>> client
    Client(base_url='http://127.0.0.1:8765', api_version='auto', auth_scheme='bearer', \
api_key=<hidden>)
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        max_retries: int = 5,
        auth_scheme: str = "bearer",
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_retry_after: float = MAX_RETRY_AFTER,
        session: requests.Session | None = None,
        api_version: str | None = None,
        require_key: bool = True,
    ) -> None:
        self.base_url = check_base_url(base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
        self.api_version = check_api_version(
            api_version if api_version is not None else os.environ.get(API_VERSION_ENV) or "auto"
        )
        #: the listing in use: the one asked for, or (auto) v2 until it answers 404
        self._version: str | None = None if self.api_version == "auto" else self.api_version
        #: why this client reads v1 although v2 was asked for (None: no fallback)
        self.fallback: str | None = None
        self._version_lock = threading.Lock()
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        #: None for a keyless client (``require_key=False`` and no key anywhere)
        self._api_key: ApiKey | None = None
        if key and key.strip():
            key = key.strip()
            if not key.isascii() or not key.isprintable() or any(ch.isspace() for ch in key):
                raise AuthenticationError(
                    "the API key contains spaces, line breaks or non-ASCII characters; copy it "
                    "again (each::labs keys look like smk_...)"
                )
            self._api_key = ApiKey(key)
        elif require_key:
            raise _no_key()
        if auth_scheme not in AUTH_SCHEMES:
            raise InvalidQueryError(
                f"auth_scheme must be one of {', '.join(AUTH_SCHEMES)}, not {auth_scheme!r}"
            )
        if not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidQueryError(f"max_retries must be an integer >= 0, not {max_retries!r}")
        self.auth_scheme = auth_scheme
        self.timeout = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._owns_session = session is None
        self.session = session or _new_session()
        self._sleep: Callable[[float], None] = time.sleep
        self.throttle = Throttle(lambda seconds: self._sleep(seconds))
        self._sequence = 0
        self._sequence_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"Client(base_url={self.base_url!r}, api_version={self.api_version!r}, "
            f"auth_scheme={self.auth_scheme!r}, api_key=<hidden>)"
        )

    @property
    def version(self) -> str:
        """The executions listing this client reads now: ``"v2"`` or ``"v1"``."""
        return self._version or "v2"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_session:
            self.session.close()

    # --- one request ---------------------------------------------------------------------
    def get_page(
        self, params: dict[str, str], stats: FetchStats | None = None, version: str | None = None
    ) -> Page:
        """Fetch one page for these query parameters, retrying what is worth retrying.

        ``version`` is ``"v2"`` (cursor pages) or ``"v1"`` (offset pages); None, for the
        first page of a traversal, reads the client's listing: under ``api_version="auto"``
        v2, or v1 for good once v2 answered 404.

        Raises:
            InvalidQueryError: HTTP 400 (the API's message says what is allowed).
            AuthenticationError: HTTP 401 or 403.
            RateLimitError: HTTP 429 after every retry.
            APIError: 5xx, 404, transport failures or malformed bodies after every retry.
        """
        chosen = version or self.version
        try:
            page = self._get_page(params, stats or FetchStats(), chosen)
        except APIError as exc:
            if exc.status != 404 or chosen != "v2":
                raise
            if version is None and self._fall_back(exc):
                return self._get_page(params, stats or FetchStats(), "v1")
            raise APIError(
                f"{self.base_url} has no {EXECUTIONS_PATHS['v2']} (HTTP 404): it is an older "
                "deployment or a proxy; use api_version='auto' to fall back to v1, or 'v1'",
                status=404,
                request_id=exc.request_id,
                url=exc.url,
            ) from None
        if self._version is None and chosen == "v2":
            with self._version_lock:
                self._version = self._version or "v2"
        return page

    def _fall_back(self, error: APIError) -> bool:
        """Switch an ``auto`` client to v1 after v2 answered 404 (once); False if not allowed."""
        with self._version_lock:
            if self.api_version != "auto" or self._version == "v2":
                return False
            if self._version is None:
                self._version = "v1"
                self.fallback = (
                    f"GET {EXECUTIONS_PATHS['v2']} answered 404 (request id "
                    f"{error.request_id}); read the deprecated GET {EXECUTIONS_PATHS['v1']} "
                    "instead, in time slices of under 1,000 rows"
                )
                logger.warning("%s at %s", self.fallback, self.base_url)
            return True

    def _get_page(self, params: dict[str, str], stats: FetchStats, version: str) -> Page:
        url = self.base_url + EXECUTIONS_PATHS[version]
        where = describe(params, version)
        self._key()  # a keyless client fails here, before anything is sent

        def once() -> Page:
            response, body, rid = self._send(url, params, stats, where, auth=True)
            page = page_or_raise(
                response, body, params, rid, url, version, base_url=self.base_url,
                redact=self._redact, max_retry_after=self.max_retry_after,
            )  # fmt: skip
            with self._sequence_lock:  # pages are numbered in the order they arrive
                self._sequence += 1
                sequence = self._sequence
            return replace(
                page, server_time=server_time(response.headers.get("Date")), sequence=sequence
            )

        return self._retrying(once, where, stats)

    def get_json(
        self, path: str, params: Mapping[str, object] | None = None, *, auth: bool = True
    ) -> JsonReply:
        """``GET path`` (below ``base_url``) decoded as JSON, with the retries, redirect rule
        and error mapping of the executions requests.

        ``auth=False`` sends no key at all (no ``Authorization``, no ``X-API-Key``, no
        session or ``.netrc`` credentials): for the endpoints that need none, such as
        ``/v1/models``. The reply carries ``data`` (the decoded body), ``request_id`` and
        ``server_time`` (the ``Date`` header).

        Raises:
            InvalidQueryError: a path that is not an absolute path of this host, or HTTP 400.
            AuthenticationError: ``auth=True`` on a client without a key (before any
                request), or HTTP 401/403.
            RateLimitError, APIError: 429 or 5xx after every retry; any other status (a 404
                among them: ``error.status``); transport failures; a body that is not JSON.

        >>> import eachlabs_analytics as ea
        >>> with ea.sandbox(executions=50, seed=1, end="2026-10-31T00:00:00Z") as api:
        ...     with ea.Client(api.api_key, base_url=api.base_url) as client:
        ...         reply = client.get_json("/v2/executions", {"limit": 2})
        >>> len(reply.data["executions"]), reply.request_id is not None, str(reply.server_time)
        (2, True, '2026-10-31 00:00:00+00:00')
        """
        check_path(path)
        query = {str(name): str(value) for name, value in (params or {}).items()}
        if auth:
            self._key()
        url = self.base_url + path
        where = describe_request(path, query)
        stats = FetchStats()

        def once() -> JsonReply:
            response, body, rid = self._send(url, query, stats, where, auth=auth)
            return json_or_raise(
                response, body, rid, url, where, base_url=self.base_url, redact=self._redact,
                max_retry_after=self.max_retry_after, keyed=auth,
            )  # fmt: skip

        return self._retrying(once, where, stats)

    def _retrying(self, once: Callable[[], _T], where: str, stats: FetchStats) -> _T:
        """The one retry loop: ``once()`` again after each :class:`Retryable` it raises,
        waiting ``Retry-After`` or the backoff (a 429 pauses every worker), then the error."""
        problem: Retryable | None = None
        for attempt in range(self.max_retries + 1):
            if problem is not None:
                delay = problem.retry_after
                if delay is None:
                    delay = backoff_delay(attempt, self.backoff, self.max_backoff)
                if problem.reason == "rate_limit":
                    self.throttle.pause(delay)  # one 429 slows every worker, not just this one
                logger.info(
                    "retrying %s after %.2fs (retry %d of %d): %s",
                    where,
                    delay,
                    attempt,
                    self.max_retries,
                    problem.error,
                )
                self._sleep(delay)
            self.throttle.wait()
            try:
                return once()
            except Retryable as retryable:
                problem = retryable
                stats.count_retry(retryable.reason)
        assert problem is not None
        last_problem = problem.error
        if isinstance(last_problem, RateLimitError):
            raise RateLimitError(
                f"still rate limited after {self.max_retries} retries for {where}",
                status=last_problem.status,
                request_id=last_problem.request_id,
            )
        raise type(last_problem)(
            f"{last_problem.message} — gave up after {self.max_retries} retries",
            status=last_problem.status,
            request_id=last_problem.request_id,
            url=last_problem.url,
        )

    def _send(
        self, url: str, params: dict[str, str], stats: FetchStats, where: str, *, auth: bool
    ) -> tuple[requests.Response, bytes, str]:
        """One request (following same-host redirects): the response, its body and its
        request id. A failure without a complete response is :class:`Retryable`."""
        request_id = uuid.uuid4().hex
        target = url
        for _ in range(_MAX_REDIRECTS + 1):
            stats.count_request()
            logger.debug("GET %s %s (request id %s)", target, where, request_id)
            try:
                response = self.session.get(
                    target,
                    params=params if target == url else None,
                    headers=self._headers(request_id, auth),
                    timeout=self.timeout,
                    allow_redirects=False,
                    # keyless: no session or .netrc credentials either (requests adds them
                    # when the request names none)
                    auth=None if auth else _no_credentials,
                )
                body = response.content  # a truncated body or a read timeout raises here
            except _TRANSPORT_ERRORS as exc:
                host = origin_text(target)
                if _unresolvable(exc):
                    # a name that does not resolve will not resolve on a retry seconds later
                    raise APIError(
                        f"cannot resolve the API host {urlsplit(target).hostname!r} "
                        f"({host}): check base_url (or EACHLABS_BASE_URL) and the network",
                        request_id=request_id,
                        url=url,
                    ) from None
                # failures while reading the body (truncation, read timeouts) are retried too;
                # urllib3's own Retry never retries them
                raise Retryable(
                    "connection",
                    APIError(
                        f"no complete response from {host} for {where}: {type(exc).__name__}",
                        request_id=request_id,
                        url=url,
                    ),
                ) from None
            rid = response.headers.get("X-Request-Id") or request_id
            if response.is_redirect:
                target = self._redirect_target(target, response, rid)
                continue
            return response, body, rid
        raise APIError(f"more than {_MAX_REDIRECTS} redirects", request_id=request_id, url=url)

    def server_clock(self) -> pd.Timestamp | None:
        """The API's clock (its ``Date`` header, to the second) from one request for one row;
        None when the server sends no date. A sandbox serving history answers with its own
        clock (the bundled sample's: 2026-10-31), so windows counted back from "now" can count
        from the data's now.

        >>> import eachlabs_analytics as ea
        >>> with ea.Sandbox(data="sample") as api:
        ...     with ea.Client(api.api_key, base_url=api.base_url) as client:
        ...         str(client.server_clock())
        '2026-10-31 00:00:00+00:00'
        """
        return self.get_page({"limit": "1"}).server_time

    def _key(self) -> str:
        """The key, or the error a keyless client raises when a request needs one."""
        if self._api_key is None:
            raise _no_key()
        return self._api_key.reveal()

    def _headers(self, request_id: str, auth: bool = True) -> dict[str, str | None]:
        headers: dict[str, str | None] = {"Accept": "application/json", "X-Request-Id": request_id}
        if not auth:
            # None removes a header a session may set by default: a keyless request sends none
            headers["Authorization"] = headers["X-API-Key"] = None
        elif self.auth_scheme == "bearer":
            headers["Authorization"] = f"Bearer {self._key()}"
        else:
            headers["X-API-Key"] = self._key()
        return headers

    def _redirect_target(self, current: str, response: requests.Response, rid: str) -> str:
        location = response.headers.get("Location")
        if not location:
            raise APIError(
                "redirect without a Location header", status=response.status_code, request_id=rid
            )
        target = urljoin(current, location)
        if origin(target) != origin(self.base_url):
            # The key goes to the configured host only; requests would forward X-API-Key.
            raise APIError(
                f"the API redirected to another host ({origin_text(target)}); the API key is "
                f"only sent to {origin_text(self.base_url)}, so the redirect was not followed. "
                "If that host is the API, pass it as base_url",
                status=response.status_code,
                request_id=rid,
            )
        return target

    def _redact(self, text: str) -> str:
        """Server text may echo the key (a proxy, a WAF): never let it into an error or log."""
        return redact(text, self._api_key.reveal() if self._api_key is not None else None)

    # --- many requests ---------------------------------------------------------------------
    def iter_pages(
        self,
        start: Any = None,
        end: Any = None,
        *,
        model: str | None = None,
        status: str | list[str] | None = None,
        workflow_id: str | None = None,
        workflow_execution_id: str | None = None,
        error_classification: str | list[str] | None = None,
        limit: int = 100,
    ) -> Iterator[Page]:
        """Stream the pages of one query, newest first, one request at a time.

        For windows too large to hold in memory. On v2 this is one cursor traversal: each
        :class:`Page` is a v2 page (``has_more``, ``next_cursor``) carrying its request
        context (parameters, request id), and turns into a typed frame with ``to_frame()``.
        After a fallback to v1, the window is read in time slices of under 1,000 rows, and a
        row created exactly where a slice was cut after paging into it can come twice
        (deduplicate by ``id``). The window is pinned like :func:`load_executions` pins it.

        >>> import eachlabs_analytics as ea
        >>> with ea.sandbox(executions=300, seed=1, end="2026-10-31T00:00:00Z") as api:
        ...     with ea.Client(api_key=api.api_key, base_url=api.base_url) as client:
        ...         pages = list(client.iter_pages(start="2026-08-01T00:00:00Z", limit=50))
        >>> sum(page.rows for page in pages), pages[0].has_more, pages[-1].has_more
        (300, True, False)
        """
        from eachlabs_analytics.loader.pagination import Slice, iter_slices
        from eachlabs_analytics.loader.query import Filters, build_query

        filters = Filters.parse(
            model, status, workflow_id, workflow_execution_id, error_classification
        )
        query = build_query(start, end, filters)
        if len(query.models) > 1:
            raise InvalidQueryError("iter_pages takes one model slug; use load_executions for many")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100:
            raise InvalidQueryError(f"limit must be an integer from 1 to 100, not {limit!r}")
        params = query.base_params(query.models[0] if query.models else None)
        yield from iter_slices(self, [Slice(params, query.start, query.last)], limit=limit)


def _no_key() -> AuthenticationError:
    return AuthenticationError(
        f"no API key: pass api_key=... or set the {API_KEY_ENV} environment variable "
        "(the sandbox's demo key is 'smk_sandbox_demo')"
    )


def _no_credentials(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """The ``auth`` of a keyless request: adds nothing, and stops requests from adding the
    session's ``auth`` or ``.netrc`` credentials."""
    return request


def _new_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=64, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _unresolvable(exc: BaseException) -> bool:
    """Whether a transport error says the host name does not resolve (DNS), not a timeout."""
    from urllib3.exceptions import NameResolutionError

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NameResolutionError)
