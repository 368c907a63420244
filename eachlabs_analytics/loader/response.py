"""Reading one answer of the API: a 200's JSON body as a :class:`Page` (or, for the other
endpoints, as a :class:`JsonReply`), any other status as the typed error it means
(:class:`Retryable` when a retry may help), and the server's clock.

Works on the status, headers and body bytes only; sending the request is the client's job.

>>> body = b'{"executions": [{"id": "e1", "created_at": "2026-10-01T00:00:00Z"}], '
>>> body += b'"has_more": false}'
>>> page = parse_page(body, {"limit": "100"}, "req-1", "http://127.0.0.1/v2/executions", "v2",
...                   redact=str)
>>> page.rows, page.is_last, str(page.newest_created_at)
(1, True, '2026-10-01 00:00:00+00:00')
>>> error_message(b'{"error": "limit must be at most 100", "status": 400}')
'limit must be at most 100'
>>> describe_request("/v1/workflows", {"limit": "100", "offset": "0"})
'GET /v1/workflows?{limit=100, offset=0}'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, NoReturn, Protocol

import orjson
import pandas as pd

from eachlabs_analytics.exceptions import (
    APIError,
    AuthenticationError,
    InvalidQueryError,
    RateLimitError,
)
from eachlabs_analytics.loader.page import Page
from eachlabs_analytics.loader.pagination import V1RowLimitError, is_v1_row_limit
from eachlabs_analytics.loader.retry import Retryable, parse_retry_after
from eachlabs_analytics.loader.settings import EXECUTIONS_PATHS


class Answer(Protocol):
    """What reading needs of an HTTP response (a ``requests.Response`` is one)."""

    @property
    def status_code(self) -> int: ...

    @property
    def reason(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class JsonReply:
    """A 200's decoded JSON body with the request id and the server's clock (its ``Date``)."""

    data: Any
    request_id: str
    server_time: pd.Timestamp | None = None


def page_or_raise(
    response: Answer,
    body: bytes,
    params: dict[str, str],
    rid: str,
    url: str,
    version: str,
    *,
    base_url: str,
    redact: Callable[[str], str],
    max_retry_after: float,
) -> Page:
    """The page of a 200, else the typed error its status means (raised).

    ``redact`` keeps the client's key out of the server's text; ``base_url`` is named when
    the key is refused; ``Retry-After`` is honoured up to ``max_retry_after`` seconds.
    """
    status = response.status_code
    if status == 200:
        return parse_page(body, params, rid, url, version, redact=redact)
    where = describe(params, version)
    if version == "v1" and 400 <= status < 500:
        message = redact(error_message(body) or response.reason or "error")
        if is_v1_row_limit(message):
            raise V1RowLimitError(
                f"the API refused {where}: {message}", status=status, request_id=rid
            )
    raise_for_status(
        response, body, rid, url, where,
        base_url=base_url, redact=redact, max_retry_after=max_retry_after,
    )  # fmt: skip


def json_or_raise(
    response: Answer,
    body: bytes,
    rid: str,
    url: str,
    where: str,
    *,
    base_url: str,
    redact: Callable[[str], str],
    max_retry_after: float,
    keyed: bool = True,
) -> JsonReply:
    """The decoded body of a 200 (a body that is not JSON is :class:`Retryable`), else the
    typed error its status means, as for pages. ``keyed`` says whether a key was sent."""
    if response.status_code != 200:
        raise_for_status(
            response, body, rid, url, where,
            base_url=base_url, redact=redact, max_retry_after=max_retry_after, keyed=keyed,
        )  # fmt: skip
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Retryable(
            "malformed_body",
            APIError(
                f"malformed response body for {where} ({redact(str(exc)[:120])})",
                status=200,
                request_id=rid,
                url=url,
            ),
        ) from None
    return JsonReply(document, rid, server_time(response.headers.get("Date")))


def raise_for_status(
    response: Answer,
    body: bytes,
    rid: str,
    url: str,
    where: str,
    *,
    base_url: str,
    redact: Callable[[str], str],
    max_retry_after: float,
    keyed: bool = True,
) -> NoReturn:
    """Raise the typed error a status other than 200 means: 400 :class:`InvalidQueryError`,
    401/403 :class:`AuthenticationError`, 429 and 5xx :class:`Retryable`, else
    :class:`APIError` (a 404 among them, with its status)."""
    status = response.status_code
    message = redact(error_message(body) or response.reason or "error")
    if status == 400:
        raise InvalidQueryError(
            f"the API rejected {where}: {message}", status=status, request_id=rid
        )
    if status in (401, 403):
        refused = (
            f"the API refused the key for {base_url}"
            if keyed
            else f"the API asked for a key on {where}, which needs none (no key was sent)"
        )
        raise AuthenticationError(f"{refused}: {message}", status=status, request_id=rid, url=url)
    if status == 429:
        raise Retryable(
            "rate_limit",
            RateLimitError(
                f"rate limited on {where}: {message}", status=status, request_id=rid, url=url
            ),
            retry_after=_retry_after(response, max_retry_after),
        )
    if status >= 500:
        raise Retryable(
            f"http_{status}",
            APIError(f"server error on {where}: {message}", status=status, request_id=rid, url=url),
            retry_after=_retry_after(response, max_retry_after),
        )
    raise APIError(
        f"unexpected answer to {where}: {message}", status=status, request_id=rid, url=url
    )


def parse_page(
    body: bytes,
    params: dict[str, str],
    rid: str,
    url: str,
    version: str,
    *,
    redact: Callable[[str], str],
) -> Page:
    """One page from a 200's body (its ``sequence`` left for the client to number);
    a malformed body is :class:`Retryable`."""
    try:
        document = orjson.loads(body)
        rows = document["executions"]
        if not isinstance(rows, list):
            raise TypeError("executions is not a list")
        ids = [row["id"] for row in rows]
        keys: set[str] = set()
        for row in rows:
            keys.update(row)
        limit = int(params["limit"])
        if version == "v2":
            has_more = document["has_more"]
            cursor = document.get("next_cursor")
            if not isinstance(has_more, bool):
                raise TypeError("has_more is not a boolean")
            if cursor is not None and not isinstance(cursor, str):
                raise TypeError("next_cursor is not a string")
            paging: dict[str, Any] = {"has_more": has_more, "next_cursor": cursor or None}
        else:
            paging = {
                "total_count": int(document["total_count"]),
                "total_capped": bool(document.get("total_capped", False)),
                "offset": int(document.get("offset", params.get("offset", 0))),
            }
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise Retryable(
            "malformed_body",
            APIError(
                f"malformed response body for {describe(params, version)} "
                f"({type(exc).__name__}: {redact(str(exc)[:120])})",
                status=200,
                request_id=rid,
                url=url,
            ),
        ) from None
    if b"\n" in body or b"\r" in body:
        body = orjson.dumps(document)  # the fast parser reads one page per line
    from eachlabs_analytics.schema import API_FIELDS

    oldest, newest = _created_range(rows)
    return Page(
        body=body,
        params=dict(params),
        rows=len(rows),
        ids=ids,
        limit=limit,
        request_id=rid,
        version=version,
        extra_fields=frozenset(keys.difference(API_FIELDS)),
        oldest_created_at=oldest,
        newest_created_at=newest,
        **paging,
    )


def _retry_after(response: Answer, longest: float) -> float | None:
    seconds = parse_retry_after(response.headers.get("Retry-After"))
    if seconds is None:
        return None
    return min(seconds, longest)


def _created_range(rows: list[dict]) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The oldest and newest valid, offset-carrying ``created_at`` of the rows (UTC)."""
    stamps = [stamp for row in rows if (stamp := _utc_instant(row.get("created_at"))) is not None]
    if not stamps:
        return None, None
    return pd.Timestamp(min(stamps)), pd.Timestamp(max(stamps))


def _utc_instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:  # Python 3.10 reads only 3 or 6 fraction digits; pandas reads the rest
            stamp = pd.Timestamp(value).to_pydatetime()
        except ValueError:
            return None
    if stamp.tzinfo is None:
        return None
    return stamp.astimezone(timezone.utc)


def error_message(body: bytes) -> str | None:
    """The API's ``error`` text of an error body (or the start of a non-JSON one)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        text = body[:200].decode("utf-8", "replace").strip()
        return text or None
    if isinstance(document, dict) and document.get("error"):
        return str(document["error"])[:500]
    return None


def describe(params: dict[str, str], version: str) -> str:
    """A request of the executions listing as errors and logs name it."""
    return describe_request(EXECUTIONS_PATHS[version], params, always=True)


def describe_request(path: str, params: Mapping[str, str], *, always: bool = False) -> str:
    """A request as errors and logs name it (a cursor is never shown; no ``?`` without
    parameters unless ``always``)."""
    if not params and not always:
        return f"GET {path}"
    shown = ", ".join(f"{k}={v if k != 'cursor' else '<cursor>'}" for k, v in params.items())
    return f"GET {path}?{{{shown}}}"


def server_time(header: str | None) -> pd.Timestamp | None:
    """An HTTP ``Date`` header as a UTC timestamp (None when missing or unreadable).

    >>> server_time("Sat, 31 Oct 2026 00:00:00 GMT")
    Timestamp('2026-10-31 00:00:00+0000', tz='UTC')
    """
    if not header:
        return None
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
