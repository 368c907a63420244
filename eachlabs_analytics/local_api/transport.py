"""The sandbox's HTTP layer: a threaded loopback server, its request handler and the responder.

The handler routes every method (TRACE included) to the sandbox and answers what the stdlib
would answer itself (a malformed request line, a sandbox bug) in JSON with an
``X-Request-Id``, like every other response; :class:`Responder` writes one response and
records its status. What each request gets is :mod:`.routes`'s job.

>>> check_host("localhost")
'127.0.0.1'
>>> check_host("10.0.0.1")
Traceback (most recent call last):
...
ValueError: the sandbox binds loopback addresses only (127.0.0.1, ::1), got '10.0.0.1'
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from eachlabs_analytics.local_api.server import Sandbox


def check_host(host: str) -> str:
    """The address to bind: a loopback one (``localhost`` is 127.0.0.1), else why not."""
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


class Server(ThreadingHTTPServer):
    """Serves one sandbox, a thread per connection, and knows its open connections so that
    stopping closes the idle keep-alive ones too."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.sandbox = sandbox
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, Handler)

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


class Handler(BaseHTTPRequestHandler):
    """One connection's requests, each handed to the sandbox (``Sandbox._handle``)."""

    protocol_version = "HTTP/1.1"
    # a request line that cannot be parsed is answered with headers (X-Request-Id) too
    default_request_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else every keep-alive request costs ~44 ms
    server_version = "eachlabs-sandbox/1"
    sys_version = ""
    timeout = 120  # idle keep-alive connections end after this many seconds
    server: Server

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


class Responder:
    """Writes one response and records its status in the request log entry."""

    def __init__(self, handler: Handler, entry: dict[str, Any], request_id: str) -> None:
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
