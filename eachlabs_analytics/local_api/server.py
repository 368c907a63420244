"""A faithful local each::labs executions API, served from a background thread.

Semantics follow the sandbox's OpenAPI document (``local_api/openapi.json``: the vendor's
``GET /v1/executions`` contract plus ``GET /v2/executions`` as the changelog of 2026-09-03
describes it):

- ``GET /v2/executions`` (cursor pages, :mod:`.listing`) and ``GET /v1/executions`` (offset
  pages, refused past the first 1,000 rows of a result unless ``v1_row_limit=None``), each
  also with a trailing ``/``; ``api="v1"`` or ``"v2"`` serves only one of them (the other
  answers 404, as an older or newer deployment would). ``GET /openapi.json`` serves the
  document itself, without a key. Other paths answer a 404 JSON error, other methods (any
  method, TRACE included) a 405. Requests the HTTP layer cannot parse answer a JSON 400 too:
  every response is JSON.
- Auth: ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; otherwise 401
  ``{"error": "Invalid or missing API key", "status": 401}``.
- ``limit`` 1..100 (default 20), ``offset`` >= 0 (v1) or ``cursor`` (v2), ``status``
  tokens, ``error_classification`` classes, ``model``/``workflow_id``/
  ``workflow_execution_id`` (exact), ``from``/``to`` (RFC 3339 with an offset, inclusive,
  on ``created_at``; ``from`` defaults to ``to`` or the sandbox clock minus 90 days). Bad
  values answer 400 naming what is allowed; blank values count as absent; a repeated
  parameter uses its first value.
- Newest first: ``created_at`` descending, then ``id`` descending.
- v1: ``total_count`` = min(true total, ``total_cap``) with ``total_capped: true`` when the
  true total exceeds the cap, except on the last page that returns rows, which reports the
  exact total and ``total_capped: false``.
- v2: ``has_more`` and ``next_cursor`` (a signed keyset position bound to the filters and
  limit); a cursor that is garbage, tampered, foreign or sent with other filters answers a
  400 naming what is wrong and is counted in ``cursor_misuse`` (tests end with it empty).
- ``retention_days``: rows created more than that many days before the sandbox clock are no
  longer listed (the vendor's execution retention, 2026-09-09); ``truth`` keeps them.
- Every response carries ``X-Request-Id`` (the client's, else a generated UUID). Faults
  are described in :mod:`~eachlabs_analytics.local_api.faults`.

>>> import requests
>>> with Sandbox(executions=500, seed=1, end="2026-10-31T00:00:00Z", total_cap=None) as api:
...     auth = {"Authorization": f"Bearer {api.api_key}"}
...     v1 = requests.get(api.base_url + "/v1/executions", timeout=5, headers=auth).json()
...     v2 = requests.get(api.base_url + "/v2/executions", timeout=5, headers=auth).json()
>>> v1["total_count"], v2["has_more"], len(v2["executions"])
(500, True, 20)
"""

from __future__ import annotations

import dataclasses
import functools
import hmac
import ipaddress
import os
import socket
import threading
import time
import uuid
from datetime import datetime
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import orjson
import pandas as pd

from eachlabs_analytics.local_api.cursor import CursorCodec, CursorRejected
from eachlabs_analytics.local_api.dataset import Clock, Executions
from eachlabs_analytics.local_api.faults import Faults
from eachlabs_analytics.local_api.frame import coerce_frame
from eachlabs_analytics.local_api.generator import generate_executions, new_executions, parse_end
from eachlabs_analytics.local_api.listing import V1_ROW_LIMIT, v1_body, v2_body
from eachlabs_analytics.local_api.query import BadRequest, Query, first_values, parse_query
from eachlabs_analytics.local_api.sample import load_sample, read_executions

#: The sandbox's documented demo key (a real key also starts with ``smk_``).
DEFAULT_API_KEY = "smk_sandbox_demo"
EXECUTIONS_PATH = "/v1/executions"
EXECUTIONS_V2_PATH = "/v2/executions"
OPENAPI_PATH = "/openapi.json"
#: What ``api=`` may serve: both listings, or only one of them.
API_MODES = ("both", "v1", "v2")
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
_DATA_ALLOWED = "data must be None, 'sample', a DataFrame or a path to a .parquet file"
_REQUEST_ID_CHARS = frozenset(map(chr, range(0x21, 0x7F)))


@functools.lru_cache(maxsize=8)
def _generated(executions: int, seed: int, end: str, days: float) -> pd.DataFrame:
    return generate_executions(executions, seed, end, days)


def _check_host(host: str) -> str:
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"host must be a loopback address such as 127.0.0.1, got {host!r}"
        ) from None
    if not address.is_loopback:
        raise ValueError(
            f"the sandbox binds loopback addresses only (127.0.0.1, ::1), got {host!r}"
        )
    return host


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.sandbox = sandbox
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        with self.connections_lock:
            self.connections.add(conn)
        return conn, addr

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        with self.connections_lock:
            open_connections = list(self.connections)
        for conn in open_connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # a request line that cannot be parsed is answered with headers (X-Request-Id) too
    default_request_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else every keep-alive request costs ~44 ms
    server_version = "eachlabs-sandbox/1"
    sys_version = ""
    timeout = 120  # idle keep-alive connections end after this many seconds
    server: _Server

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header from the sandbox's clock, as a server living at ``now`` would
        send it (the sample's sandbox lives on 2026-10-31), not this machine's."""
        if timestamp is None:
            timestamp = self.server.sandbox.now.timestamp()
        return super().date_time_string(timestamp)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the stdlib's per-request stderr line."""

    def _dispatch(self) -> None:
        try:
            self.server.sandbox._handle(self)
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away; nothing to answer
        except Exception as exc:  # a sandbox bug must still answer JSON, not hang
            self.close_connection = True
            body = orjson.dumps(
                {"error": f"sandbox error: {type(exc).__name__}", "status": 500, "details": None}
            )
            try:
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass

    def __getattr__(self, name: str) -> Any:
        # the stdlib looks up ``do_<METHOD>`` and answers an HTML 501 without it: route every
        # method (TRACE, PROPFIND, ...) through the API's own handling (404/405 in JSON)
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors the stdlib answers itself (a malformed request line, headers too long) in
        JSON with an ``X-Request-Id``, like every other response."""
        phrase = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error"
        text = message if message and "smk_" not in message else phrase
        body = orjson.dumps({"error": text, "status": code, "details": None})
        self.close_connection = True
        try:
            self.send_response(code, phrase)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Request-Id", str(uuid.uuid4()))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)
        except OSError:
            pass


class Sandbox:
    """A local each::labs executions API over a ground-truth dataset (see the module doc).

    ``data`` is None (generate ``executions`` rows with ``seed`` over the ``days`` before
    ``end``), ``"sample"`` (the bundled sample), a DataFrame of executions, or a path to a
    Parquet file of them. ``now`` (the sandbox clock: the 90-day default window and the
    creation time of new rows) defaults to the data's window end, else its newest
    timestamp. ``total_cap=None`` never caps. The ``error_classification`` filter matches
    failed rows whose class the data knows (a frame without that column matches none).
    ``api`` is ``"both"``, ``"v1"`` or ``"v2"``; ``v1_row_limit`` is v1's depth limit (None:
    the unlimited v1 of before September 2026); ``retention_days`` hides rows older than that
    many days before ``now`` (None: keep all; a live attribute, like ``faults``).
    ``start()``/``stop()`` or use it as a context manager.

    >>> api = Sandbox(executions=300, seed=1, end="2026-10-31T00:00:00Z")
    >>> api.now, len(api.truth)
    (Timestamp('2026-10-31 00:00:00+0000', tz='UTC'), 300)
    """

    def __init__(
        self,
        data: None | str | os.PathLike[str] | pd.DataFrame = None,
        executions: int = 20_000,
        seed: int = 7,
        end: str | datetime | pd.Timestamp | None = None,
        days: float = 90,
        api_key: str = DEFAULT_API_KEY,
        total_cap: int | None = 1000,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        now: str | datetime | pd.Timestamp | None = None,
        api: str = "both",
        v1_row_limit: int | None = V1_ROW_LIMIT,
        retention_days: float | None = None,
    ) -> None:
        if not isinstance(api_key, str) or not api_key or any(ch.isspace() for ch in api_key):
            raise ValueError("api_key must be a non-empty string without whitespace")
        if total_cap is not None and (
            isinstance(total_cap, bool) or not isinstance(total_cap, int) or total_cap < 1
        ):
            raise ValueError(f"total_cap must be an integer >= 1 or None, got {total_cap!r}")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be an integer between 0 and 65535, got {port!r}")
        if faults is not None and not isinstance(faults, Faults):
            raise TypeError(f"faults must be a Faults object, got {type(faults).__name__}")
        if api not in API_MODES:
            raise ValueError(f"api must be one of {', '.join(API_MODES)}, got {api!r}")
        if v1_row_limit is not None and (
            isinstance(v1_row_limit, bool) or not isinstance(v1_row_limit, int) or v1_row_limit < 1
        ):
            raise ValueError(f"v1_row_limit must be an integer >= 1 or None, got {v1_row_limit!r}")
        _check_retention(retention_days)
        self.api = api
        self.v1_row_limit = v1_row_limit
        self.retention_days = retention_days
        #: v2 cursors refused as garbage, foreign or sent with other filters (client bugs)
        self.cursor_misuse: list[dict[str, Any]] = []
        self._cursors = CursorCodec(os.urandom(16))
        self.host = _check_host(host)
        self.port = port
        self.api_key = api_key
        self.total_cap = total_cap
        self.faults = faults if faults is not None else Faults()
        self.request_log: list[dict[str, Any]] = []
        frame = self._load(data, executions, seed, end, days)
        self._attrs = {k: v for k, v in frame.attrs.items() if k in ("window", "generator")}
        start_now = parse_end(now) if now is not None else self._default_now(frame)
        self._clock = Clock(int(start_now.value // 1000))
        self._data = Executions(frame)
        self._rng = np.random.default_rng([int(seed), 0xFA17])
        self._seen_ids: set[str] | None = None  # built on the first inserted row
        self._counter = 0
        self._lock = threading.Lock()
        self._insert_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- data ----------------------------------------------------------------------------
    @staticmethod
    def _load(data: Any, executions: int, seed: int, end: Any, days: float) -> pd.DataFrame:
        if data is None:
            if end is None:
                return generate_executions(executions, seed, end, days)
            end_text = parse_end(end).isoformat()
            return _generated(executions, seed, end_text, days)
        if isinstance(data, pd.DataFrame):
            return coerce_frame(data)
        if isinstance(data, str) and data == "sample":
            return load_sample()
        if isinstance(data, str | os.PathLike):
            path = Path(data)
            if path.suffix != ".parquet":
                raise ValueError(f"{_DATA_ALLOWED}, got {str(data)!r}")
            return read_executions(path)
        raise TypeError(f"{_DATA_ALLOWED}, not {type(data).__name__}")

    @staticmethod
    def _default_now(frame: pd.DataFrame) -> pd.Timestamp:
        window = frame.attrs.get("window")
        window_end = window.get("end") if isinstance(window, dict) else None
        if window_end is not None:
            return parse_end(window_end)
        stamps = pd.concat([frame[c] for c in ("created_at", "started_at", "completed_at")])
        newest = stamps.max()
        if pd.isna(newest):
            return parse_end(None)
        return pd.Timestamp(newest).ceil("s")

    @property
    def now(self) -> pd.Timestamp:
        """The sandbox clock (UTC); it advances only when faults add or change rows."""
        return pd.Timestamp(self._clock.now_us * 1000, tz="UTC")

    @property
    def truth(self) -> pd.DataFrame:
        """The current ground truth (``schema.COLUMNS``), newest first, incl. fault changes."""
        frame = self._data.truth()
        frame.attrs.update(self._attrs)
        return frame

    # --- lifecycle -----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running server."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() or use `with`")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Sandbox:
        """Start serving in a background thread (no-op when already running)."""
        if self._server is not None:
            return self
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"eachlabs-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close open connections (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_all_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self._server is not None else "stopped"
        return (
            f"Sandbox({where}, api={self.api}, executions={len(self._data)}, "
            f"now={self.now.isoformat()}, api_key=<redacted>, total_cap={self.total_cap})"
        )

    # --- request handling ----------------------------------------------------------------
    def _handle(self, handler: _Handler) -> None:
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
        }
        with self._lock:
            self.request_log.append(entry)
        length = handler.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > 0:
            handler.rfile.read(min(int(length), 1 << 20))
        faults = self.faults
        if faults.latency:
            time.sleep(faults.latency)
        responder = _Responder(handler, entry, request_id)
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
                responder.json(200, _openapi_document())
            else:
                responder.error(
                    405, f"Method {handler.command} not allowed; use GET", headers={"Allow": "GET"}
                )
            return
        version = _PATHS.get(parts.path)
        if version is None or self.api not in ("both", version):
            served = [p for v, p in (("v2", EXECUTIONS_V2_PATH), ("v1", EXECUTIONS_PATH))
                      if self.api in ("both", v)]  # fmt: skip
            responder.error(
                404, f"Not found: {parts.path}; this API serves GET {' and GET '.join(served)}"
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
            responder.json(
                401, orjson.dumps({"error": "Invalid or missing API key", "status": 401})
            )
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
        _check_retention(self.retention_days)
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

    def _authorized(self, handler: _Handler) -> bool:
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


class _Responder:
    """Writes one response and records its status in the request log entry."""

    def __init__(self, handler: _Handler, entry: dict[str, Any], request_id: str) -> None:
        self.handler = handler
        self.entry = entry
        self.request_id = request_id

    def _head(self, status: int, length: int, headers: dict[str, str] | None = None) -> None:
        self.entry["status"] = status
        h = self.handler
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(length))
        h.send_header("X-Request-Id", self.request_id)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()

    def json(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self._head(status, len(body), headers)
        if self.handler.command != "HEAD":
            self.handler.wfile.write(body)

    def error(
        self,
        status: int,
        message: str,
        details: Any = None,
        retry_after: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        extra = dict(headers or {})
        if retry_after is not None:
            extra["Retry-After"] = retry_after
        body = orjson.dumps({"error": message, "status": status, "details": details})
        self.json(status, body, extra)

    def redirect(self, location: str) -> None:
        body = orjson.dumps({"error": "Temporary redirect", "status": 307, "details": None})
        self.json(307, body, {"Location": location})

    def truncated(self, body: bytes) -> None:
        self._head(200, len(body))
        self.handler.wfile.write(body[: len(body) // 2])
        self.handler.wfile.flush()
        self.handler.close_connection = True
        try:
            self.handler.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _check_retention(days: object) -> None:
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int | float) or not days > 0
    ):
        raise ValueError(f"retention_days must be a number of days > 0 or None, got {days!r}")


@functools.lru_cache(maxsize=1)
def _openapi_document() -> bytes:
    return (Path(__file__).parent / "openapi.json").read_bytes()


def sandbox(data: None | str | os.PathLike[str] | pd.DataFrame = None, **kwargs: Any) -> Sandbox:
    """Start a :class:`Sandbox` (same arguments) and return it; use it in ``with``.

    The ``with`` block stops it; without one, call ``stop()``.

    >>> with sandbox(executions=300, seed=1, end="2026-10-31T00:00:00Z") as api:
    ...     api.base_url.startswith("http://127.0.0.1:")
    True
    """
    return Sandbox(data, **kwargs).start()
