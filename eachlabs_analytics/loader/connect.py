"""One call's client: the :class:`Client` given with ``client=``, or one opened (and closed)
for the call from ``api_key=``/``base_url=`` — the rule every function that reads the API
follows, written once.

>>> with using_client(None, None, "http://127.0.0.1:8765", require_key=False) as client:
...     client.base_url
'http://127.0.0.1:8765'
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.loader.client import Client


@contextlib.contextmanager
def using_client(
    client: Client | None,
    api_key: str | None,
    base_url: str | None,
    *,
    require_key: bool = True,
) -> Iterator[Client]:
    """``client`` itself (kept open), or a client opened from ``api_key``/``base_url`` (default
    ``$EACHLABS_API_KEY``/``$EACHLABS_BASE_URL``) and closed after the call. ``require_key=False``
    opens a keyless client when no key is configured (for endpoints that need none).

    Raises:
        InvalidQueryError: ``client`` together with ``api_key`` or ``base_url``.
        AuthenticationError: no key configured and ``require_key``.
    """
    if client is not None:
        if api_key is not None or base_url is not None:
            raise InvalidQueryError(
                "give client= or api_key=/base_url=, not both: the client has its own key and host"
            )
        if not isinstance(client, Client):
            raise InvalidQueryError(
                f"client must be an eachlabs_analytics.Client, not {type(client).__name__}"
            )
        yield client
        return
    with Client(api_key=api_key, base_url=base_url, require_key=require_key) as own:
        yield own
