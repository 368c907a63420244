"""Validate an executions listing query string the way the API does (400s name the rule).

``GET /v1/executions`` pages by ``offset``; ``GET /v2/executions`` by an opaque ``cursor``
(and refuses ``offset``). Both take the same filters and ``limit``.

>>> q = parse_query("limit=5&status=success,error&from=2026-01-01T00:00:00Z", now_us=0)
>>> q.limit, q.offset, q.filter.statuses
(5, 0, ('success', 'error'))
>>> parse_query("limit=5&cursor=abc", now_us=0, version="v2").cursor
'abc'
>>> parse_query("limit=0", now_us=0)
Traceback (most recent call last):
...
eachlabs_analytics.local_api.query.BadRequest: limit must be an integer between 1 and 100, got '0'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

from eachlabs_analytics import schema
from eachlabs_analytics.local_api.dataset import Filter

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
#: When ``from`` is omitted the window is the 90 days ending at ``to`` (or now).
DEFAULT_WINDOW_US = 90 * 24 * 3_600_000_000
_INTEGER = re.compile(r"[0-9]{1,30}", re.ASCII)
#: RFC 3339 date-time (section 5.6): ASCII digits only, any number of fraction digits.
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class BadRequest(ValueError):
    """A query parameter is not allowed; ``details`` says which and what is."""

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


@dataclass(frozen=True)
class Query:
    """A validated listing query (``offset`` is 0 and ``cursor`` may be set on v2)."""

    filter: Filter
    offset: int
    limit: int
    cursor: str | None = None
    #: ``from`` and ``to`` as sent (µs; None when absent, before any default)
    sent_window: tuple[int | None, int | None] = (None, None)

    def binding(self) -> str:
        """What a v2 cursor is bound to: every filter as parsed (the window as sent) and
        the limit, so equal values spelled differently (``Z`` or ``+00:00``) still match."""
        f = self.filter
        return "&".join(
            f"{name}={value}"
            for name, value in (
                ("status", ",".join(f.statuses)),
                ("error_classification", ",".join(f.error_classes)),
                ("model", f.model),
                ("workflow_id", f.workflow_id),
                ("workflow_execution_id", f.workflow_execution_id),
                ("from", self.sent_window[0]),
                ("to", self.sent_window[1]),
                ("limit", self.limit),
            )
        )


def _show(value: str) -> str:
    """Quote a client value in an error message, never echoing something key-like."""
    return "'<redacted>'" if "smk_" in value else repr(value[:100])


def _integer(params: dict[str, str], name: str, default: int, low: int, high: int | None) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    allowed = f"an integer between {low} and {high}" if high is not None else f"an integer >= {low}"
    if not _INTEGER.fullmatch(raw) or int(raw) < low or (high is not None and int(raw) > high):
        raise BadRequest(
            f"{name} must be {allowed}, got {_show(raw)}",
            {"parameter": name, "value": raw if "smk_" not in raw else None, "allowed": allowed},
        )
    return int(raw)


def _tokens(params: dict[str, str], name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    raw = params.get(name, "")
    tokens = tuple(t.strip() for t in raw.split(",") if t.strip())
    bad = [t for t in tokens if t not in allowed]
    if bad:
        shown = ", ".join(_show(t) for t in bad)
        raise BadRequest(
            f"invalid {name} value(s) {shown}; allowed: {', '.join(allowed)}",
            {
                "parameter": name,
                "invalid": [t for t in bad if "smk_" not in t],
                "allowed": list(allowed),
            },
        )
    return tuple(dict.fromkeys(tokens))


def parse_rfc3339(text: str) -> int:
    """Microseconds since the epoch of an RFC 3339 date-time (the UTC offset is required).

    >>> parse_rfc3339("2026-01-01T02:00:00.5+02:00")
    1767225600500000
    """
    match = _RFC3339.fullmatch(text)
    if not match:
        raise ValueError(text)
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = (match.group(7) or ".0")[1:]
    micro = int(fraction[:6].ljust(6, "0"))
    zone = match.group(8)
    if zone in ("Z", "z"):
        tz = timezone.utc
    else:
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(text)
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    if second > 60:
        raise ValueError(text)
    leap = second == 60  # RFC 3339 allows a leap second; count it as the next second
    stamp = datetime(year, month, day, hour, minute, min(second, 59), micro, tzinfo=tz)
    stamp += timedelta(seconds=1 if leap else 0)
    delta = stamp - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _timestamp(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name, "")
    if raw == "":
        return None
    try:
        return parse_rfc3339(raw)
    except (ValueError, OverflowError):
        raise BadRequest(
            f"{name} must be an RFC 3339 date-time with a UTC offset, e.g. "
            f"2026-01-01T00:00:00Z or 2026-01-01T02:00:00+02:00 (a '+' must be sent as %2B), "
            f"got {_show(raw)}",
            {"parameter": name, "value": raw if "smk_" not in raw else None, "allowed": "RFC 3339"},
        ) from None


def first_values(query_string: str) -> dict[str, str]:
    """The query string as a dict (first value of each parameter; blanks kept).

    >>> first_values("a=1&a=2&b=")
    {'a': '1', 'b': ''}
    """
    return {k: v[0] for k, v in parse_qs(query_string, keep_blank_values=True).items()}


def parse_query(query_string: str, now_us: int, version: str = "v1") -> Query:
    """Validate a listing query; raise :class:`BadRequest` naming what is wrong and allowed.

    Blank parameters count as absent. ``from`` defaults to ``to`` (or ``now_us``) minus
    90 days; both bounds are inclusive and apply to ``created_at``. ``version="v2"`` reads
    ``cursor`` and refuses ``offset``.

    >>> try:
    ...     parse_query("status=done", now_us=0)
    ... except BadRequest as exc:
    ...     print(exc.details["allowed"])
    ['created', 'starting', 'success', 'error']
    """
    params = first_values(query_string)
    limit = _integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    cursor = None
    if version == "v2":
        if params.get("offset", ""):
            raise BadRequest(
                "offset is not a parameter of GET /v2/executions: it pages by cursor (send "
                "next_cursor back as cursor with the same filters and limit)",
                {"parameter": "offset", "allowed": "cursor"},
            )
        offset = 0
        cursor = params.get("cursor") or None
    else:
        offset = _integer(params, "offset", 0, 0, None)
    statuses = _tokens(params, "status", schema.STATUS_FILTER_TOKENS)
    classes = _tokens(params, "error_classification", schema.ERROR_CLASSES)
    created_to = _timestamp(params, "to")
    created_from = sent_from = _timestamp(params, "from")
    if created_from is None:
        created_from = (now_us if created_to is None else created_to) - DEFAULT_WINDOW_US
    if created_to is not None and created_from > created_to:
        raise BadRequest(
            f"from ({params['from']}) is after to ({params['to']}); from must be <= to",
            {"parameter": "from", "allowed": "from <= to"},
        )
    return Query(
        filter=Filter(
            statuses=statuses,
            error_classes=classes,
            model=params.get("model") or None,
            workflow_id=params.get("workflow_id") or None,
            workflow_execution_id=params.get("workflow_execution_id") or None,
            created_from=created_from,
            created_to=created_to,
        ),
        offset=offset,
        limit=limit,
        cursor=cursor,
        sent_window=(sent_from, created_to),
    )
