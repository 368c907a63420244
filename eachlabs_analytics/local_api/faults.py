"""Switchable faults of the sandbox server, for testing clients against a hostile API.

Every switch is off by default but ``balance_rate_limit``, the balance endpoint's own rule
(3 requests/s, 429 ``Retry-After: 1`` past it; not counted as a fault). "Every Nth" counts
requests server-wide (all paths, 1-based, deterministic): with ``rate_limit_every=3`` the
3rd, 6th, 9th ... requests get a 429. ``max_faults`` bounds the total number of faults
injected (over all switches), so every fault ends and a retrying client always gets
through. Counted as one fault each: an error answer (429, 5xx), a truncated body, a dropped
connection, a redirect, a request where ``ignore_offset`` changed the answer, a request
that inserted new rows, one that moved in-flight rows along and a balance answered 503 by
``balance_unavailable``. ``latency`` is not a fault and is never bounded.

The object is live: flip attributes while the server runs (``api.faults.latency = 0``).

>>> f = Faults(rate_limit_every=2, max_faults=1)
>>> [f.take("rate_limit", n) for n in (1, 2, 3, 4)]
[False, True, False, False]
>>> f.injected, f.remaining()
(1, 0)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields


@dataclass
class Faults:
    """Fault switches of a running sandbox (off by default but ``balance_rate_limit``; see the
    module docstring).

    Attributes:
        latency: seconds slept before answering each request (not counted as a fault).
        rate_limit_every: every Nth request is answered 429 (0 = off).
        retry_after: the ``Retry-After`` header on 429 and 503 answers: an int (seconds),
            the string ``"http-date"`` (an HTTP-date ``retry_after_seconds`` ahead), or
            None (no header).
        retry_after_seconds: how far ahead the HTTP-date form points (seconds).
        server_error_every: every Nth request starts a burst of 5xx answers (0 = off).
        server_error_burst: how many consecutive answers a burst has; they cycle through
            503, 500, 502.
        truncate_every: every Nth request gets a 200 whose body is cut in the middle: the
            ``Content-Length`` announces the full body, then the connection is closed.
        drop_every: every Nth request has its connection closed with no response at all.
        redirect_to: when set, executions requests are answered 307 with ``Location`` =
            this base URL + the same path and query (to test that a client does not send
            its key to another host).
        redirect_same_host: when true, executions requests on ``/v1/executions`` are
            answered 307 to the alias ``/v1/executions/`` of the same server, which then
            serves normally.
        new_rows_per_request: each executions request first inserts that many new
            executions (status ``created``) at the head, ``created_at`` = the sandbox clock,
            which advances 1 ms per row.
        mutate_in_flight: each executions request first moves up to that many in-flight
            rows one step along created -> starting -> success (1 in 5 end in error with
            class provider_error), filling timestamps, cost and output; ``created_at``
            never changes. The clock advances 1 ms per step.
        ignore_offset: v1 executions requests are served from offset 0 whatever ``offset``
            says (the body still echoes the requested offset).
        expire_cursor_every: every Nth request (server-wide count) that carries a v2
            ``cursor`` is answered 400 "cursor expired" (0 = off); a client restarts the
            traversal. Not counted as cursor misuse.
        balance_unavailable: ``GET /v1/billing/balance`` answers 503 (the balance is
            unknown; ``Retry-After`` as for other 503s) after the key check.
        balance_rate_limit: ``GET /v1/billing/balance`` accepts 3 requests per second
            (burst 3) and answers 429 with ``Retry-After: 1`` past that, as the real
            endpoint does (on by default; not a fault, so not counted nor bounded).
        max_faults: the most faults injected in total (None = unbounded).
        injected: faults injected so far (read it in tests).
        injected_by_kind: the same, per kind (``rate_limit``, ``server_error``,
            ``truncate``, ``drop``, ``redirect``, ``ignore_offset``, ``new_rows``,
            ``mutate``, ``expire_cursor``, ``balance_unavailable``).
    """

    latency: float = 0.0
    rate_limit_every: int = 0
    retry_after: int | str | None = 1
    retry_after_seconds: float = 1
    server_error_every: int = 0
    server_error_burst: int = 1
    truncate_every: int = 0
    drop_every: int = 0
    redirect_to: str | None = None
    redirect_same_host: bool = False
    new_rows_per_request: int = 0
    mutate_in_flight: int = 0
    ignore_offset: bool = False
    expire_cursor_every: int = 0
    balance_unavailable: bool = False
    balance_rate_limit: bool = True
    max_faults: int | None = None
    injected: int = field(default=0, compare=False)
    injected_by_kind: dict[str, int] = field(default_factory=dict, compare=False)
    _burst_left: int = field(default=0, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first switch whose value is not allowed.

        >>> Faults(latency=-1)
        Traceback (most recent call last):
        ...
        ValueError: Faults.latency must be a number >= 0, got -1
        """
        if not isinstance(self.latency, int | float) or self.latency < 0:
            raise ValueError(f"Faults.latency must be a number >= 0, got {self.latency!r}")
        for name in (
            "rate_limit_every",
            "server_error_every",
            "truncate_every",
            "drop_every",
            "new_rows_per_request",
            "mutate_in_flight",
            "expire_cursor_every",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Faults.{name} must be an integer >= 0 (0 = off), got {value!r}")
        if not isinstance(self.server_error_burst, int) or self.server_error_burst < 1:
            raise ValueError(
                "Faults.server_error_burst must be an integer >= 1, "
                f"got {self.server_error_burst!r}"
            )
        for name in ("balance_unavailable", "balance_rate_limit"):
            flag = getattr(self, name)
            if not isinstance(flag, bool):
                raise ValueError(f"Faults.{name} must be True or False, got {flag!r}")
        ra = self.retry_after
        if not (ra is None or ra == "http-date" or (isinstance(ra, int) and ra >= 0)):
            raise ValueError(
                "Faults.retry_after must be an integer >= 0 (seconds), 'http-date' or None, "
                f"got {ra!r}"
            )
        if self.max_faults is not None and (
            not isinstance(self.max_faults, int) or self.max_faults < 0
        ):
            raise ValueError(
                f"Faults.max_faults must be an integer >= 0 or None, got {self.max_faults!r}"
            )
        if self.redirect_to is not None and not str(self.redirect_to).startswith(
            ("http://", "https://")
        ):
            raise ValueError(
                f"Faults.redirect_to must be an http(s) base URL, got {self.redirect_to!r}"
            )

    def remaining(self) -> int | None:
        """How many more faults may be injected (None = unbounded).

        >>> Faults(max_faults=3).remaining()
        3
        """
        if self.max_faults is None:
            return None
        return max(0, self.max_faults - self.injected)

    def take(self, kind: str, request_number: int) -> bool:
        """Whether request ``request_number`` (1-based) gets fault ``kind``; counts it if so.

        ``kind`` is one of the ``*_every`` switches without the suffix (``rate_limit``,
        ``server_error``, ``truncate``, ``drop``, ``expire_cursor``), or a switch that
        applies to every request when on (``redirect``, ``ignore_offset``, ``new_rows``,
        ``mutate``, ``balance_unavailable``).

        >>> Faults(drop_every=2).take("drop", 4)
        True
        """
        with self._lock:
            if kind == "server_error" and self._burst_left > 0:
                if not self._budget_left():
                    self._burst_left = 0
                    return False
                self._burst_left -= 1
                self._count(kind)
                return True
            if not self._switched_on(kind, request_number) or not self._budget_left():
                return False
            if kind == "server_error":
                self._burst_left = self.server_error_burst - 1
            self._count(kind)
            return True

    def _switched_on(self, kind: str, n: int) -> bool:
        every = {
            "rate_limit": self.rate_limit_every,
            "server_error": self.server_error_every,
            "truncate": self.truncate_every,
            "drop": self.drop_every,
            "expire_cursor": self.expire_cursor_every,
        }.get(kind)
        if every is not None:
            return every > 0 and n % every == 0
        if kind == "redirect":
            return self.redirect_to is not None or self.redirect_same_host
        if kind == "ignore_offset":
            return self.ignore_offset
        if kind == "new_rows":
            return self.new_rows_per_request > 0
        if kind == "mutate":
            return self.mutate_in_flight > 0
        if kind == "balance_unavailable":
            return self.balance_unavailable
        raise ValueError(f"unknown fault kind {kind!r}")

    def _budget_left(self) -> bool:
        return self.max_faults is None or self.injected < self.max_faults

    def _count(self, kind: str) -> None:
        self.injected += 1
        self.injected_by_kind[kind] = self.injected_by_kind.get(kind, 0) + 1

    @classmethod
    def switch_names(cls) -> tuple[str, ...]:
        """The names of the switches (the public fields that are not counters).

        >>> "latency" in Faults.switch_names(), "injected" in Faults.switch_names()
        (True, False)
        """
        skip = {"injected", "injected_by_kind"}
        return tuple(
            f.name for f in fields(cls) if not f.name.startswith("_") and f.name not in skip
        )
