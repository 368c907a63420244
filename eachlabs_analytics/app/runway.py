"""``ea.runway``: the balance's runway, reading the balance from the API when none is given.

The computation is the watch's (:func:`eachlabs_analytics.watch.runway.runway_from`, pure);
this layer only joins it with the loader's balance reader, which the watch may not import.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=5_000, seed=7, end="2026-10-20T12:00:00Z")
>>> str(runway(df, 100.0).date.date())
'2026-10-28'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from eachlabs_analytics.metrics.lazy import Executions
from eachlabs_analytics.watch.runway import (
    DEFAULT_HORIZON,
    FIELD_LEVELS,
    Runway,
    balance_value,
    check_args,
    runway_from,
)
from eachlabs_analytics.watch.runway_check import NO_BALANCE

if TYPE_CHECKING:
    from eachlabs_analytics.loader.account import Balance
    from eachlabs_analytics.loader.client import Client


def runway(
    source: Executions,
    balance: object = None,
    levels: Sequence[int] = FIELD_LEVELS,
    as_of: object = None,
    *,
    horizon: str | pd.Timedelta = DEFAULT_HORIZON,
    api_key: str | None = None,
    base_url: str | None = None,
    client: Client | None = None,
) -> Runway:
    """When the pre-paid balance most likely runs out, with intervals and the top-up that
    keeps it above zero to the month's end.

    Parameters
    ----------
    source : DataFrame or lazy selection
        Executions (``load_executions``, ``ExecutionStore.scan()``...) whose spend is
        forecast: the same result from either. Pass data that reaches "now" (the balance is
        taken to be the one at ``as_of``).
    balance : float, Balance or None
        The balance in USD (zero and negative are valid: already out), or what
        ``ea.balance()`` returns; None reads it from the API (``GET /v1/billing/balance``)
        with ``api_key``, ``base_url`` or ``client`` as :func:`~eachlabs_analytics.load_executions`
        takes them. An unknown balance (the API's 503) raises, never reads as zero.
    levels : sequence of int
        Interval levels in percent; 80 and 95 are the fields, any level is in ``intervals``.
    as_of : timestamp-like, optional
        "Now"; default: the data's window end.
    horizon : str or Timedelta
        How far ahead a run-out day is looked for: ``"month"`` or a duration up to 400 days
        (default ``"90D"``).

    Returns
    -------
    Runway
        ``balance_usd``, ``as_of``, ``horizon_end``, ``daily_burn``, ``date`` (None: not
        within the horizon), ``lo_80`` ... ``hi_95`` (None: later than the horizon),
        ``top_up``, ``method``; ``summary()`` says it in words. How the dates are made:
        :mod:`eachlabs_analytics.watch.runway`.

    Raises
    ------
    InvalidQueryError
        A bad argument, before any request.

    Examples
    --------
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=5_000, seed=7, end="2026-10-20T12:00:00Z")
    >>> r = runway(df, 100.0)
    >>> r.lo_80 <= r.date <= r.hi_80, r.top_up > 0
    (True, True)
    """
    check_args(source, levels, as_of, horizon)  # a bad argument fails before any request
    if balance is None:
        from eachlabs_analytics.loader import balance as read_balance

        balance = read_balance(api_key=api_key, base_url=base_url, client=client)
    else:
        balance_value(balance)
    return runway_from(source, balance, levels, as_of, horizon=horizon)


def balance_or_unknown(
    *, api_key: str | None = None, base_url: str | None = None, client: Client | None = None
) -> tuple[Balance | None, str | None]:
    """The balance from the API, or None and why it is unknown: a 503 (unknown, never zero),
    no key, or any other failure after the client's retries. What a check judges the runway
    on: an unknown balance makes the runway UNKNOWN, never CRITICAL.

    >>> import eachlabs_analytics as ea
    >>> with ea.Sandbox(data="sample", balance_usd=80.0) as api:
    ...     found, why = balance_or_unknown(api_key=api.api_key, base_url=api.base_url)
    ...     api.faults.balance_unavailable = True
    ...     with ea.Client(api.api_key, base_url=api.base_url, max_retries=0) as client:
    ...         gone, reason = balance_or_unknown(client=client)
    >>> found.balance_usd, why, gone, reason.split(":")[0]
    (80.0, None, None, 'the balance is unknown')
    """
    from eachlabs_analytics.exceptions import APIError, AuthenticationError, BalanceUnavailable
    from eachlabs_analytics.loader import balance as read_balance

    try:
        return read_balance(api_key=api_key, base_url=base_url, client=client), None
    except BalanceUnavailable as exc:
        return None, f"the balance is unknown: {exc.message}"
    except AuthenticationError:
        return None, NO_BALANCE
    except APIError as exc:
        return None, f"the balance is unknown: the API could not tell it ({exc.message})"
