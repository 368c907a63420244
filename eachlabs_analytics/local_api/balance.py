"""The sandbox's pre-paid balance: its default, and the endpoint's rate limit.

The balance at the sandbox's starting clock is given, or by default
:data:`DEFAULT_RUNWAY_DAYS` times the mean daily spend of the :data:`SPEND_WINDOW_DAYS` days
before the clock (rounded to cents), so a demo's balance runs out within the month. From
there it goes down by what the sandbox charges afterwards (the cost of the rows its live-data
faults insert or complete: ``Executions.charged``).

``GET /v1/billing/balance`` takes :data:`RATE_PER_SECOND` requests a second per process,
with a burst of as many: :class:`RateWindow` accepts a request when fewer than that many were
accepted in the last second.

>>> import numpy as np
>>> frame = pd.DataFrame({
...     "created_at": pd.date_range("2026-10-01", periods=30, freq="D", tz="UTC"),
...     "execution_cost": np.full(30, 2.5),
... })
>>> default_balance(frame, pd.Timestamp("2026-10-31", tz="UTC"))  # 10 days of 2.50
25.0
>>> window = RateWindow(clock=iter([0.0, 0.1, 0.2, 0.3, 1.05]).__next__)
>>> [window.allow() for _ in range(5)]
[True, True, True, False, True]
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np
import pandas as pd

#: The default balance covers this many days of the recent mean daily spend.
DEFAULT_RUNWAY_DAYS = 10
#: The days before the clock whose spend sets the default balance.
SPEND_WINDOW_DAYS = 28
#: ``GET /v1/billing/balance`` requests accepted per second (and the burst).
RATE_PER_SECOND = 3


def default_balance(frame: pd.DataFrame, now: pd.Timestamp) -> float:
    """10 x the mean daily spend (``execution_cost`` by ``created_at``) of the 28 days
    before ``now`` (``[now - 28 days, now)``), rounded to cents; 0.0 without spend.

    >>> default_balance(pd.DataFrame({"created_at": pd.Series([], dtype="datetime64[us, UTC]"),
    ...                               "execution_cost": []}), pd.Timestamp.now(tz="UTC"))
    0.0
    """
    created = frame["created_at"]
    start = now - pd.Timedelta(days=SPEND_WINDOW_DAYS)
    recent = ((created >= start) & (created < now)).to_numpy(bool, na_value=False)
    spend = float(np.nansum(frame["execution_cost"].to_numpy(dtype=float)[recent]))
    return round(DEFAULT_RUNWAY_DAYS * spend / SPEND_WINDOW_DAYS, 2)


def check_balance(value: object) -> float | None:
    """``value`` as a balance (a finite number of USD; zero and negative are valid), or
    None; else a ``ValueError`` saying what is allowed.

    >>> check_balance(-3), check_balance(None)
    (-3.0, None)
    >>> check_balance(float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: balance_usd must be a finite number of USD or None, got nan
    """
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.number)
        or not math.isfinite(float(value))
    ):
        raise ValueError(f"balance_usd must be a finite number of USD or None, got {value!r}")
    return float(value)


class RateWindow:
    """At most ``limit`` accepted requests in any ``seconds``-long window (thread-safe).

    ``clock`` is a monotonic clock in seconds (``time.monotonic``; replaceable in tests).
    """

    def __init__(
        self,
        limit: int = RATE_PER_SECOND,
        seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.seconds = seconds
        self._clock = clock
        self._accepted: deque[float] = deque()
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """Whether a request now is within the limit; an accepted one is counted."""
        with self._lock:
            now = self._clock()
            while self._accepted and now - self._accepted[0] >= self.seconds:
                self._accepted.popleft()
            if len(self._accepted) >= self.limit:
                return False
            self._accepted.append(now)
            return True
