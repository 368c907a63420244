"""The account's own facts: the pre-paid balance (``GET /v1/billing/balance``) and the names
of its workflows (``GET /v1/workflows``), for the opaque ``workflow_id`` of execution rows.

Both need the key. The balance endpoint allows 3 requests a second: a 429 past it is retried
after its ``Retry-After`` like any other; a 503 means the balance is *unknown*
(:class:`~eachlabs_analytics.BalanceUnavailable`), never zero. Zero and negative balances
are values.

>>> Balance(12.5, pd.Timestamp("2026-10-31", tz="UTC"), "req-1")
Balance(balance_usd=12.5, read_at=Timestamp('2026-10-31 00:00:00+0000', tz='UTC'), \
request_id='req-1')
>>> names_of([{"workflow_id": "wf_1", "name": "Ad video"}, {"workflow_id": "wf_2", "name": ""}])
{'wf_1': 'Ad video'}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from eachlabs_analytics.exceptions import APIError, BalanceUnavailable, PaginationError
from eachlabs_analytics.loader.connect import using_client

if TYPE_CHECKING:
    from eachlabs_analytics.loader.client import Client

BALANCE_PATH = "/v1/billing/balance"
WORKFLOWS_PATH = "/v1/workflows"
#: Workflows per page: the endpoint's maximum.
WORKFLOWS_LIMIT = 100
#: More pages than this (100,000 workflows) means a server that never ends its listing.
MAX_WORKFLOW_PAGES = 1_000


@dataclass(frozen=True)
class Balance:
    """The account's pre-paid balance in USD when it was read.

    ``read_at`` is the server's clock (its ``Date`` header) or, without one, ours (UTC);
    ``request_id`` names the request for support. Zero and negative balances are values;
    an unknown balance is never a ``Balance`` (:class:`BalanceUnavailable` is raised).
    """

    balance_usd: float
    read_at: pd.Timestamp
    request_id: str | None = None


def balance(
    api_key: str | None = None, base_url: str | None = None, client: Client | None = None
) -> Balance:
    """The account's pre-paid balance, ``GET /v1/billing/balance``.

    Args:
        api_key: default ``$EACHLABS_API_KEY`` (not with ``client``).
        base_url: default ``$EACHLABS_BASE_URL``, else ``https://api.eachlabs.ai`` (not with
            ``client``).
        client: a :class:`~eachlabs_analytics.Client` you keep; None opens one for the call.

    Raises:
        BalanceUnavailable: the endpoint kept answering 503: the balance is unknown (not 0).
        AuthenticationError: no key, or HTTP 401.
        RateLimitError: still 429 after every retry (the endpoint allows 3 requests/s).
        APIError: other failures, or a body without a numeric ``balance_usd``.

    >>> import eachlabs_analytics as ea
    >>> with ea.Sandbox(data="sample", balance_usd=250.0) as api:
    ...     ea.balance(api_key=api.api_key, base_url=api.base_url).balance_usd
    250.0
    """
    with using_client(client, api_key, base_url) as own:
        try:
            reply = own.get_json(BALANCE_PATH)
        except APIError as exc:
            if exc.status != 503:
                raise
            raise BalanceUnavailable(
                f"the balance is unknown, not zero: {exc.message}",
                status=exc.status,
                request_id=exc.request_id,
                url=exc.url,
            ) from None
    document = reply.data
    value = document.get("balance_usd") if isinstance(document, dict) else None
    if not isinstance(value, (int, float)) or not _is_number(value):
        raise APIError(
            f"GET {BALANCE_PATH} answered without a numeric balance_usd "
            f"(got {type(value).__name__}); the balance is unknown",
            status=200,
            request_id=reply.request_id,
        )
    read_at = reply.server_time or pd.Timestamp.now(tz="UTC").floor("us")
    return Balance(float(value), read_at, reply.request_id)


def workflow_names(
    *, api_key: str | None = None, base_url: str | None = None, client: Client | None = None
) -> dict[str, str]:
    """``{workflow_id: name}`` for every workflow of the account, ``GET /v1/workflows``.

    Pages with ``limit=100``: the next page starts at the ``offset`` the response gives, and
    a page shorter than the limit ends the listing. Workflows without a name are left out
    (so are deleted ones, which the API no longer lists): callers show the id for those.

    Raises:
        PaginationError: the server repeated an offset, went back, skipped rows or never
            ended (more than 1,000 pages): the names would be incomplete.
        AuthenticationError, RateLimitError, APIError: as for every request.

    >>> import eachlabs_analytics as ea
    >>> with ea.sandbox(data="sample") as api:
    ...     names = ea.workflow_names(api_key=api.api_key, base_url=api.base_url)
    >>> sorted(names.values())[:2]
    ['Ad video', 'Catalog refresh']
    """
    names: dict[str, str] = {}
    with using_client(client, api_key, base_url) as own:
        offset = 0
        for _ in range(MAX_WORKFLOW_PAGES):
            params = {"limit": WORKFLOWS_LIMIT, "offset": offset}
            reply = own.get_json(WORKFLOWS_PATH, params)
            rows = reply.data.get("workflows") if isinstance(reply.data, dict) else None
            if not isinstance(rows, list):
                raise APIError(
                    f"GET {WORKFLOWS_PATH} (offset {offset}) answered without a list of workflows",
                    status=200,
                    request_id=reply.request_id,
                )
            for workflow_id, name in names_of(rows).items():
                names.setdefault(workflow_id, name)  # newest first: the first one wins
            if len(rows) < WORKFLOWS_LIMIT:
                return names
            offset = _next_offset(reply.data.get("offset"), offset, len(rows), reply.request_id)
    raise PaginationError(
        f"GET {WORKFLOWS_PATH} listed more than {MAX_WORKFLOW_PAGES} full pages without a "
        "short one; the server does not end its listing"
    )


def names_of(rows: list[Any]) -> dict[str, str]:
    """The ``workflow_id -> name`` pairs of one page (rows without both are skipped)."""
    found: dict[str, str] = {}
    for row in rows:
        if not isinstance(row, dict):
            continue
        workflow_id, name = row.get("workflow_id"), row.get("name")
        if isinstance(workflow_id, str) and workflow_id and isinstance(name, str) and name:
            found.setdefault(workflow_id, name)
    return found


def _next_offset(given: object, offset: int, rows: int, request_id: str) -> int:
    """The next page's start: the response's ``offset`` (documented as the next start; the
    page's end when a full page leaves it out), checked to move forward without a gap."""
    if given is None:
        return offset + rows
    if not isinstance(given, int) or isinstance(given, bool):
        raise PaginationError(
            f"GET {WORKFLOWS_PATH} gave a next offset that is not a number ({given!r})",
            request_id=request_id,
        )
    if given <= offset:
        raise PaginationError(
            f"GET {WORKFLOWS_PATH} answered the page at offset {offset} with next offset "
            f"{given}: it repeats or goes back, so the listing would never end",
            request_id=request_id,
        )
    if given > offset + rows:
        raise PaginationError(
            f"GET {WORKFLOWS_PATH} answered {rows} workflows at offset {offset} with next "
            f"offset {given}: the workflows between would be skipped",
            request_id=request_id,
        )
    return given


def _is_number(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
