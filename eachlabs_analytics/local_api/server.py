"""A faithful local each::labs executions API, served from a background thread.

This module holds :class:`Sandbox` (its settings, data, clock and lifecycle) and the contract
below; :mod:`.routes` answers each request and :mod:`.transport` is the HTTP layer.

Semantics follow the sandbox's OpenAPI document (``local_api/openapi.json``: the vendor's
``GET /v1/executions`` contract plus ``GET /v2/executions`` as the changelog of 2026-09-03
describes it):

- ``GET /v2/executions`` (cursor pages, :mod:`.listing`) and ``GET /v1/executions`` (offset
  pages, refused past the first 1,000 rows of a result unless ``v1_row_limit=None``), each
  also with a trailing ``/``; ``api="v1"`` or ``"v2"`` serves only one of them (the other
  answers 404, as an older or newer deployment would). ``GET /openapi.json`` serves the
  document itself, without a key. The account endpoints (``GET /v1/billing/balance``,
  ``GET /v1/models``, ``GET /v1/models/{slug}``, ``GET /v1/workflows``) are
  :mod:`.account_routes`'s. Other paths answer a 404 JSON error, other methods (any
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

import functools
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eachlabs_analytics.local_api.balance import RateWindow, check_balance, default_balance
from eachlabs_analytics.local_api.cursor import CursorCodec
from eachlabs_analytics.local_api.dataset import Clock, Executions
from eachlabs_analytics.local_api.faults import Faults
from eachlabs_analytics.local_api.frame import coerce_frame
from eachlabs_analytics.local_api.generator import generate_executions, parse_end
from eachlabs_analytics.local_api.listing import V1_ROW_LIMIT
from eachlabs_analytics.local_api.prices import price_factors
from eachlabs_analytics.local_api.routes import Routes, check_retention
from eachlabs_analytics.local_api.sample import load_sample, read_executions
from eachlabs_analytics.local_api.transport import Server, check_host
from eachlabs_analytics.local_api.workflows import workflow_list

#: The sandbox's documented demo key (a real key also starts with ``smk_``).
DEFAULT_API_KEY = "smk_sandbox_demo"
#: What ``api=`` may serve: both listings, or only one of them.
API_MODES = ("both", "v1", "v2")
_DATA_ALLOWED = "data must be None, 'sample', a DataFrame or a path to a .parquet file"


@functools.lru_cache(maxsize=8)
def _generated(executions: int, seed: int, end: str, days: float) -> pd.DataFrame:
    return generate_executions(executions, seed, end, days)


class Sandbox(Routes):
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
    ``balance_usd`` is the balance at the starting ``now`` (None: 10 x the mean daily spend
    of the 28 days before it, rounded to cents); :attr:`balance_usd` is the current one.
    ``start()``/``stop()`` or use it as a context manager.

    >>> api = Sandbox(executions=300, seed=1, end="2026-10-31T00:00:00Z")
    >>> api.now, len(api.truth)
    (Timestamp('2026-10-31 00:00:00+0000', tz='UTC'), 300)
    >>> api.balance_usd == Sandbox(data=api.truth, balance_usd=None).balance_usd > 0
    True
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
        balance_usd: float | None = None,
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
        check_retention(retention_days)
        balance = check_balance(balance_usd)
        self.api = api
        self.v1_row_limit = v1_row_limit
        self.retention_days = retention_days
        #: v2 cursors refused as garbage, foreign or sent with other filters (client bugs)
        self.cursor_misuse: list[dict[str, Any]] = []
        self._cursors = CursorCodec(os.urandom(16))
        self.host = check_host(host)
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
        self._balance_start = (
            default_balance(frame, start_now) if balance is None else balance
        )  # fmt: skip
        self._balance_window = RateWindow()
        self._price_factors = price_factors(frame.attrs.get("incidents") or [], start_now)
        self._workflows = workflow_list(frame, start_now)
        self._rng = np.random.default_rng([int(seed), 0xFA17])
        self._seen_ids: set[str] | None = None  # built on the first inserted row
        self._counter = 0
        self._lock = threading.Lock()
        self._insert_lock = threading.Lock()
        self._server: Server | None = None
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
        self._server = Server((self.host, self.port), self)
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


def sandbox(data: None | str | os.PathLike[str] | pd.DataFrame = None, **kwargs: Any) -> Sandbox:
    """Start a :class:`Sandbox` (same arguments) and return it; use it in ``with``.

    The ``with`` block stops it; without one, call ``stop()``.

    >>> with sandbox(executions=300, seed=1, end="2026-10-31T00:00:00Z") as api:
    ...     api.base_url.startswith("http://127.0.0.1:")
    True
    """
    return Sandbox(data, **kwargs).start()
