"""A scripted stand-in for the account and catalogue endpoints (issue 20), in the shapes the
contract documents: ``GET /v1/billing/balance`` (key), ``GET /v1/models`` and
``GET /v1/models/{slug}`` (no key), ``GET /v1/workflows`` (key, offset pages); and, for
syncs, the executions listings over a fixed list of rows (tests/fake_api.py's ``serve``).

One :class:`ReferenceAPI` answers ``handle(path, query, headers) -> (status, headers, body)``;
two transports serve it: :func:`mounted_session` (a ``requests.Session`` with an adapter, no
sockets) and :func:`serve_http` (a tiny ``http.server`` on loopback, for the CLI). Every request
is recorded with its headers (lower-cased names), so tests can prove keyless requests carried
no key. ``script(path, answer, ...)`` queues answers that go first (429, 503, ...).

Named defaults: :data:`KEY`, :data:`MODELS` (every documented cost shape), :func:`workflows`.
Tests compare with these values, computed by hand: a sandbox-based test can do the same with
the sandbox's ground truth.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import orjson
import requests

from tests.fake_api import serve, session_with

KEY = "smk_reference_test_secret_42"
#: the server's clock: every answer's ``Date``
NOW = datetime(2026, 10, 31, 12, 0, 0, tzinfo=timezone.utc)


def _usage(unit: str | None, low: float | None, high: float | None, **extra: Any) -> dict:
    return {"currency": "USD", "type": "usage_based", "amount": None, "unit": unit,
            "min": low, "max": high, "depends_on": None, "rows": None, "estimate": None,
            **extra}  # fmt: skip


def _fixed(amount: float | None, estimate: str | None) -> dict:
    return {"currency": "USD", "type": "fixed", "amount": amount, "unit": "execution",
            "estimate": estimate, "min": None, "max": None, "depends_on": None,
            "rows": None}  # fmt: skip


#: slug -> the ``cost`` object ``GET /v1/models/{slug}`` serves: every documented shape
MODELS: dict[str, dict | None] = {
    "flux-2-pro": _fixed(0.05, "$0.05 per execution"),
    "eachlabs-face-detect": _fixed(0, "Free"),  # free: fixed, amount 0
    "pixverse-v4-1": _fixed(None, "about $0.30 per video"),  # a fixed price of unknown amount
    "veo-3": _usage(
        "second",
        0.4,
        0.75,
        depends_on="resolution",
        estimate="$0.40-$0.75 per second",
        rows=[
            {"label": "720p", "value": "$0.40 per second"},
            {"label": "1080p", "value": "$0.75 per second"},
        ],
    ),  # fmt: skip
    "topaz-upscale-image": _usage(
        "megapixel",
        0.01,
        0.05,
        depends_on="resolution",
        estimate="from $0.01 per MP",
        rows=[{"label": "up to 4 MP", "value": "$0.05"}, {"label": "up to 16 MP", "value": "$0.2"}],
    ),  # fmt: skip
    "elevenlabs-tts": _usage("character", 0.0003, 0.0003, estimate="$0.30 per 1K characters"),
    "mureka-generate-music": _usage(None, None, None, estimate="varies with length"),
    "eachlabs-llm-router": None,  # no list price
}


def model_body(slug: str, cost: dict | None) -> dict:
    title = " ".join(part.capitalize() for part in slug.split("-"))
    return {"title": title, "slug": slug, "version": "1.0", "output_type": "image",
            "request_schema": {"type": "object"}, "cost": cost}  # fmt: skip


def workflows(n: int) -> list[dict]:
    """``n`` workflows, newest first; every 7th has no name (null), the rest "Flow i"."""
    return [
        {"workflow_id": f"wf_{i:04x}", "slug": f"flow-{i}",
         "name": None if i % 7 == 3 else f"Flow {i}", "categories": [], "tags": [],
         "status": "active", "trigger_count": i}
        for i in range(n)
    ]  # fmt: skip


Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names


@dataclass
class ReferenceAPI:
    key: str = KEY
    balance: Any = 123.45
    models: dict[str, Any] = field(default_factory=lambda: dict(MODELS))
    #: slug -> a whole body to serve instead of ``model_body(slug, cost)`` (malformed ones)
    bodies: dict[str, Any] = field(default_factory=dict)
    #: slugs ``GET /v1/models`` lists (default: every model); may list unknown ones
    catalogue: list[str] | None = None
    listed_workflows: list[dict] = field(default_factory=lambda: workflows(12))
    #: how the next offset of a full workflows page is given: "next" (documented), "same"
    #: (repeats the offset), "skip" (jumps past rows), "half" (overlaps), "absent"
    next_offset: str = "next"
    #: rows the executions listings serve (tests/fake_api.py's ``serve``), for syncs
    executions: list[dict] = field(default_factory=list, repr=False)
    requests: list[Seen] = field(default_factory=list, repr=False)
    _scripted: dict[str, deque[Answer]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def script(self, path: str, *answers: Answer) -> None:
        """Answer the next requests for ``path`` with these, before the normal answer."""
        self._scripted.setdefault(path, deque()).extend(answers)

    def seen(self, prefix: str) -> list[Seen]:
        return [r for r in self.requests if r.path.startswith(prefix)]

    def handle(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        with self._lock:
            self.requests.append(Seen(path, query, headers))
            scripted = self._scripted.get(path)
            if scripted:
                status, extra, body = scripted.popleft()
                return status, {**self._headers(), **extra}, body
        if path == "/v1/models":
            slugs = self.catalogue if self.catalogue is not None else list(self.models)
            listed = [{"title": model_body(s, None)["title"], "slug": s, "output_type": "image"}
                      for s in slugs]  # fmt: skip
            return self._json(200, listed)
        if path.startswith("/v1/models/"):
            slug = unquote(path.removeprefix("/v1/models/"))
            if slug in self.bodies:
                return self._json(200, self.bodies[slug])
            if slug not in self.models:
                return self._json(404, {"error": "model not found"})
            return self._json(200, model_body(slug, self.models[slug]))
        if not self._authorized(headers):
            return self._json(401, {"error": "Invalid or missing API key"})
        if path == "/v1/billing/balance":
            return self._json(200, {"balance_usd": self.balance})
        if path == "/v1/workflows":
            return self._workflows(query)
        if path in ("/v2/executions", "/v1/executions"):
            request = SimpleNamespace(url=f"https://fake{path}?{urlencode(query)}")
            return serve(self.executions)(request)  # type: ignore[arg-type]
        return self._json(404, {"error": "not found"})

    def _authorized(self, headers: dict[str, str]) -> bool:
        return headers.get("authorization") == f"Bearer {self.key}" or (
            headers.get("x-api-key") == self.key
        )

    def _workflows(self, query: dict[str, str]) -> Answer:
        try:
            limit = min(int(query.get("limit", "50")), 100)
            offset = int(query.get("offset", "0"))
        except ValueError:
            return self._json(400, {"error": "limit and offset must be integers"})
        if limit < 1 or offset < 0:
            return self._json(400, {"error": "limit must be 1..100, offset >= 0"})
        page = self.listed_workflows[offset : offset + limit]
        body: dict[str, Any] = {"workflows": page, "total_count": len(self.listed_workflows)}
        if len(page) == limit:
            body["offset"] = {
                "next": offset + limit,
                "same": offset,
                "skip": offset + limit + 5,
                "half": offset + limit // 2,
                "absent": None,
            }[self.next_offset]
            if body["offset"] is None:
                del body["offset"]
        return self._json(200, body)

    def _headers(self) -> dict[str, str]:
        with_number = len(self.requests)
        return {
            "Content-Type": "application/json",
            "X-Request-Id": f"req-{with_number}",
            "Date": format_datetime(NOW, usegmt=True),
        }

    def _json(self, status: int, document: Any) -> Answer:
        return status, self._headers(), orjson.dumps(document)


def _lower(headers: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in headers.items()}


def mounted_session(api: ReferenceAPI) -> requests.Session:
    """A session whose every request ``api`` answers (no sockets)."""

    def handler(request: requests.PreparedRequest) -> Answer:
        parts = urlsplit(request.url)
        return api.handle(parts.path, dict(parse_qsl(parts.query)), _lower(request.headers))

    session, _ = session_with(handler)
    return session


@contextlib.contextmanager
def serve_http(api: ReferenceAPI) -> Iterator[str]:
    """Serve ``api`` on a free loopback port; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = urlsplit(self.path)
            status, headers, body = api.handle(
                parts.path, dict(parse_qsl(parts.query)), _lower(self.headers)
            )
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() != "date":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def date_time_string(self, timestamp: float | None = None) -> str:
            return format_datetime(NOW, usegmt=True)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
