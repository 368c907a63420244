"""A scripted stand-in for the API, mounted on a requests.Session (no sockets).

Used where the sandbox cannot easily misbehave on cue: malformed rows, extra fields, exact
status codes. Each request is answered by ``handler(request) -> (status, headers, body)``.
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


def page_body(rows: list[dict], *, offset: int = 0, limit: int = 100, **extra: object) -> bytes:
    document = {
        "executions": rows,
        "total_count": len(rows),
        "total_capped": False,
        "offset": offset,
        "limit": limit,
        **extra,
    }
    return orjson.dumps(document)


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
