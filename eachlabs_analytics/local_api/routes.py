"""How the sandbox answers one request, in order: log it, apply the request faults (drop, 429,
5xx), route it (``/openapi.json``, the account endpoints of :mod:`.account_routes`, the two
listings, 404 and 405 for the rest), the redirect faults, the key, then the query, the data
faults and the v1 or v2 body (:mod:`.listing`).

The contract is :mod:`.server`'s module doc; :class:`Routes` holds the answering half of
:class:`~eachlabs_analytics.local_api.server.Sandbox` (its state is declared below and set
by the sandbox).

>>> import requests
>>> from eachlabs_analytics.local_api.server import Sandbox
>>> with Sandbox(executions=10, seed=1, end="2026-10-31T00:00:00Z") as api:
...     wrong = requests.post(api.base_url + EXECUTIONS_V2_PATH, timeout=5)
...     unknown = requests.get(api.base_url + "/v3/executions", timeout=5)
>>> wrong.status_code, wrong.headers["Allow"], unknown.status_code
(405, 'GET', 404)
"""

from __future__ import annotations

import dataclasses
import functools
import hmac
import threading
import time
import uuid
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from eachlabs_analytics.local_api.account_routes import (
    ACCOUNT_ROUTES,
    UNAUTHORIZED,
    AccountRoutes,
    key_sent,
)
from eachlabs_analytics.local_api.cursor import CursorCodec, CursorRejected
from eachlabs_analytics.local_api.dataset import Clock, Executions
from eachlabs_analytics.local_api.faults import Faults
from eachlabs_analytics.local_api.generator import new_executions
from eachlabs_analytics.local_api.listing import v1_body, v2_body
from eachlabs_analytics.local_api.query import BadRequest, Query, first_values, parse_query
from eachlabs_analytics.local_api.transport import Handler, Responder

EXECUTIONS_PATH = "/v1/executions"
EXECUTIONS_V2_PATH = "/v2/executions"
OPENAPI_PATH = "/openapi.json"
_PATHS = {
    path: version
    for version, base in (("v1", EXECUTIONS_PATH), ("v2", EXECUTIONS_V2_PATH))
    for path in (base, base + "/")
}
_DAY_US = 86_400_000_000
_SERVER_ERRORS = (503, 500, 502)
_REASONS = {
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway: upstream error",
    503: "Service temporarily unavailable",
}
_REQUEST_ID_CHARS = frozenset(map(chr, range(0x21, 0x7F)))


class Routes(AccountRoutes):
    """Answers the requests of a sandbox; ``Sandbox`` sets the state declared here (and in
    :class:`~.account_routes.AccountRoutes`)."""

    api: str
    api_key: str
    total_cap: int | None
    v1_row_limit: int | None
    retention_days: float | None
    faults: Faults
    request_log: list[dict[str, Any]]
    cursor_misuse: list[dict[str, Any]]
    _cursors: CursorCodec
    _clock: Clock
    _data: Executions
    _rng: np.random.Generator
    _seen_ids: set[str] | None
    _counter: int
    _lock: threading.Lock
    _insert_lock: threading.Lock

    @property
    def base_url(self) -> str:
        raise NotImplementedError  # the running server's (Sandbox.base_url)

    def _handle(self, handler: Handler) -> None:
        with self._lock:
            self._counter += 1
            number = self._counter
        incoming = handler.headers.get("X-Request-Id", "")
        valid = 0 < len(incoming) <= 200 and set(incoming) <= _REQUEST_ID_CHARS
        request_id = incoming if valid else str(uuid.uuid4())
        parts = urlsplit(handler.path)
        entry: dict[str, Any] = {
            "path": parts.path,
            "query": self._redacted(first_values(parts.query)),
            "status": 0,
            "request_id": request_id,
            "method": handler.command,
            "headers": sorted({name.lower() for name in handler.headers}),
            "fault": None,
            "key_sent": False,
        }
        with self._lock:
            self.request_log.append(entry)
        length = handler.headers.get("Content-Length", "")
        body = b""
        if length.isdigit() and int(length) > 0:
            body = handler.rfile.read(min(int(length), 1 << 20))
        entry["key_sent"] = key_sent(handler.headers, handler.path, body, self.api_key)
        faults = self.faults
        if faults.latency:
            time.sleep(faults.latency)
        responder = Responder(handler, entry, request_id)
        if faults.take("drop", number):
            entry["fault"] = "drop"
            handler.close_connection = True
            return
        if faults.take("rate_limit", number):
            entry["fault"] = "rate_limit"
            responder.error(429, _REASONS[429], retry_after=self._retry_after())
            return
        if faults.take("server_error", number):
            entry["fault"] = "server_error"
            code = _SERVER_ERRORS[(faults.injected_by_kind["server_error"] - 1) % 3]
            retry = self._retry_after() if code == 503 else None
            responder.error(code, _REASONS[code], retry_after=retry)
            return
        if parts.path == OPENAPI_PATH:
            if handler.command == "GET":
                responder.json(200, openapi_document())
            else:
                responder.error(
                    405, f"Method {handler.command} not allowed; use GET", headers={"Allow": "GET"}
                )
            return
        if self._account(parts.path, parts.query, handler, responder, number):
            return
        version = _PATHS.get(parts.path)
        if version is None or self.api not in ("both", version):
            served = [p for v, p in (("v2", EXECUTIONS_V2_PATH), ("v1", EXECUTIONS_PATH))
                      if self.api in ("both", v)] + list(ACCOUNT_ROUTES)  # fmt: skip
            responder.error(
                404, f"Not found: {parts.path}; this API serves GET {', GET '.join(served)}"
            )
            return
        if handler.command != "GET":
            responder.error(
                405, f"Method {handler.command} not allowed; use GET", headers={"Allow": "GET"}
            )
            return
        if faults.redirect_to is not None and faults.take("redirect", number):
            entry["fault"] = "redirect"
            responder.redirect(faults.redirect_to.rstrip("/") + handler.path)
            return
        if (
            faults.redirect_same_host
            and not parts.path.endswith("/")
            and faults.take("redirect", number)
        ):
            entry["fault"] = "redirect"
            suffix = f"?{parts.query}" if parts.query else ""
            responder.redirect(f"{self.base_url}{parts.path}/{suffix}")
            return
        if not self._authorized(handler):
            responder.json(401, UNAUTHORIZED)
            return
        try:
            query = self._retained(parse_query(parts.query, self._clock.now_us, version))
            self._apply_data_faults(number)
            if version == "v2":
                body = self._v2(query, number, entry)
            else:
                offset = query.offset
                if faults.ignore_offset and offset > 0 and faults.take("ignore_offset", number):
                    entry["fault"] = "ignore_offset"
                    offset = 0
                body = v1_body(
                    self._data,
                    query,
                    total_cap=self.total_cap,
                    row_limit=self.v1_row_limit,
                    offset=offset,
                )
        except BadRequest as exc:
            responder.error(400, exc.message, details=exc.details)
            return
        except CursorRejected as exc:
            responder.error(400, exc.message, details={"parameter": "cursor", "reason": exc.reason})
            return
        if faults.take("truncate", number):
            entry["fault"] = "truncate"
            responder.truncated(body)
            return
        responder.json(200, body)

    def _retained(self, query: Query) -> Query:
        """The query with its window cut at the retention horizon (rows older are expired)."""
        if self.retention_days is None:
            return query
        check_retention(self.retention_days)
        horizon = self._clock.now_us - int(self.retention_days * _DAY_US)
        flt = query.filter
        if flt.created_from is not None and flt.created_from >= horizon:
            return query
        return dataclasses.replace(query, filter=dataclasses.replace(flt, created_from=horizon))

    def _v2(self, query: Query, number: int, entry: dict[str, Any]) -> bytes:
        if query.cursor is not None and self.faults.take("expire_cursor", number):
            entry["fault"] = "expire_cursor"
            raise CursorRejected(
                "cursor expired; start the traversal again without a cursor", "expired"
            )
        try:
            return v2_body(self._data, query, self._cursors)
        except CursorRejected as exc:
            with self._lock:
                self.cursor_misuse.append(
                    {"reason": exc.reason, "request_id": entry["request_id"],
                     "query": entry["query"]}
                )  # fmt: skip
            raise

    def _apply_data_faults(self, number: int) -> None:
        faults = self.faults
        if faults.new_rows_per_request > 0 and faults.take("new_rows", number):
            # one insertion at a time, so concurrent requests keep the rows sorted
            with self._insert_lock:
                newest = self._data.newest_created()
                stamps = []
                for _ in range(faults.new_rows_per_request):
                    tick = self._clock.tick()
                    stamps.append(max(tick, (newest if newest is not None else tick) + 1))
                    newest = stamps[-1]
                    self._clock.advance_to(newest)
                rows = new_executions(self._rng, stamps)
                if self._seen_ids is None:
                    self._seen_ids = set(self._data.ids())
                for row in rows:
                    while row["id"] in self._seen_ids:
                        row["id"] = f"exec_{int(self._rng.integers(0, 2**63)):016x}"
                    self._seen_ids.add(row["id"])
                self._data.append(rows)
        if faults.mutate_in_flight > 0 and faults.take("mutate", number):
            self._data.advance_in_flight(faults.mutate_in_flight, self._clock)

    def _authorized(self, handler: Handler) -> bool:
        expected = self.api_key.encode()
        bearer = handler.headers.get("Authorization", "")
        scheme, _, token = bearer.strip().partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected):
            return True
        header = handler.headers.get("X-API-Key", "")
        return bool(header) and hmac.compare_digest(header.strip().encode(), expected)

    def _retry_after(self) -> str | None:
        value = self.faults.retry_after
        if value is None:
            return None
        if value == "http-date":
            return formatdate(time.time() + float(self.faults.retry_after_seconds), usegmt=True)
        return str(int(value))

    def _redacted(self, query: dict[str, str]) -> dict[str, str]:
        return {
            k: ("<redacted>" if self.api_key in v or "smk_" in v else v) for k, v in query.items()
        }


def check_retention(days: object) -> None:
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int | float) or not days > 0
    ):
        raise ValueError(f"retention_days must be a number of days > 0 or None, got {days!r}")


@functools.lru_cache(maxsize=1)
def openapi_document() -> bytes:
    return (Path(__file__).parent / "openapi.json").read_bytes()
