"""A scripted stand-in for the API, mounted on a requests.Session (no sockets).

Used where the sandbox cannot easily misbehave on cue: malformed rows, extra fields, exact
status codes, cursors that repeat. Each request is answered by
``handler(request) -> (status, headers, body)``. ``page_body`` bodies carry the keys of both
listings (v1's totals and v2's ``has_more``/``next_cursor``), so a one-page answer suits
either; ``serve(rows)`` pages a fixed list the way each listing does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import orjson
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

Handler = Callable[[requests.PreparedRequest], tuple[int, dict[str, str], bytes]]

ROW = {
    "id": "exec_0001",
    "model": "flux-2-pro",
    "requested_model": None,
    "status": "success",
    "workflow_id": None,
    "workflow_execution_id": None,
    "execution_cost": 0.05,
    "run_time": 9.5,
    "created_at": "2026-10-01T12:00:00Z",
    "started_at": "2026-10-01T12:00:02Z",
    "completed_at": "2026-10-01T12:00:11.500000Z",
    "output": "https://storage.example.com/x.png",
}


def page_body(
    rows: list[dict],
    *,
    offset: int = 0,
    limit: int = 100,
    has_more: bool = False,
    next_cursor: str | None = None,
    **extra: object,
) -> bytes:
    document = {
        "executions": rows,
        "total_count": len(rows),
        "total_capped": False,
        "offset": offset,
        "limit": limit,
        "has_more": has_more,
        "next_cursor": next_cursor,
        **extra,
    }
    return orjson.dumps(document)


def _created(row: dict) -> datetime | None:
    value = row.get("created_at")
    if not isinstance(value, str) or not value.endswith("Z"):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def serve(data: list[dict], **v1_extra: object) -> Handler:
    """Page a fixed list of rows (newest first) as the API would, on either listing.

    Honours ``from``/``to`` (rows whose ``created_at`` cannot be read are in every window),
    ``limit``, v1's ``offset`` and v2's ``cursor`` (this fake's cursors are ``after-N``).
    ``v1_extra`` overrides keys of v1 bodies (e.g. a capped ``total_count``).
    """

    def handler(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        q = query_of(request)
        low = datetime.fromisoformat(q["from"].replace("Z", "+00:00")) if "from" in q else None
        high = datetime.fromisoformat(q["to"].replace("Z", "+00:00")) if "to" in q else None
        inside = [
            row
            for row in data
            if (stamp := _created(row)) is None
            or ((low is None or stamp >= low) and (high is None or stamp <= high))
        ]
        limit = int(q.get("limit", 20))
        if urlsplit(request.url).path.startswith("/v2/"):
            start = int(q["cursor"].removeprefix("after-")) if "cursor" in q else 0
            chunk = inside[start : start + limit]
            more = start + limit < len(inside)
            cursor = f"after-{start + limit}" if more else None
            return (
                200,
                {"X-Request-Id": "rid"},
                page_body(chunk, limit=limit, has_more=more, next_cursor=cursor),
            )
        offset = int(q.get("offset", 0))
        body = page_body(
            inside[offset : offset + limit],
            offset=offset,
            limit=limit,
            **{"total_count": len(inside), **v1_extra},
        )
        return 200, {"X-Request-Id": "rid"}, body

    return handler


def rows(n: int, **overrides: object) -> list[dict]:
    """``n`` distinct valid rows, newest first, one second apart."""
    newest = datetime(2026, 10, 1, 12, 0, 0, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        created = (newest - timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append({**ROW, "id": f"exec_{i:04d}", "created_at": created, **overrides})
    return out


def query_of(request: requests.PreparedRequest) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(request.url).query))


class FakeAdapter(BaseAdapter):
    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self.handler = handler
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):  # noqa: ANN001 - requests' signature
        self.requests.append(request)
        status, headers, body = self.handler(request)
        if isinstance(status, Exception):
            raise status
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response._content = body
        response.url = request.url
        response.request = request
        response.reason = {200: "OK", 429: "Too Many Requests"}.get(status, "")
        return response

    def close(self) -> None:
        pass


def session_with(handler: Handler) -> tuple[requests.Session, FakeAdapter]:
    session = requests.Session()
    adapter = FakeAdapter(handler)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session, adapter
