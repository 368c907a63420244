"""A sync's fetch: the planned creation windows loaded through the loader, as one frame.

The store talks to the API only here, through :func:`~eachlabs_analytics.loader.load.load_query`
with a client it was given or one it opens (and closes) for the call.

>>> import eachlabs_analytics as ea
>>> import pandas as pd
>>> with ea.sandbox(executions=500, seed=2, end="2026-10-31T00:00:00Z") as api:
...     frame, dropped, used = fetch_with(
...         None, (api.api_key, api.base_url, None),
...         [(pd.Timestamp("2026-10-29T00:00:00Z"), pd.Timestamp("2026-10-31T00:00:00Z"))],
...         {}, progress=False)
>>> frame["created_at"].min() >= pd.Timestamp("2026-10-29T00:00:00Z"), dropped, used["requests"] > 0
(True, [], True)
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.loader.load import load_query
from eachlabs_analytics.loader.query import Filters, build_query
from eachlabs_analytics.store.convert import alike, normalize

if TYPE_CHECKING:
    from eachlabs_analytics.loader.client import Client


def fetch_with(
    client: Client | None,
    opens: tuple[str | None, str | None, str | None],
    windows: list[tuple[pd.Timestamp, pd.Timestamp]],
    filters: dict[str, Any],
    **options: Any,
) -> tuple[pd.DataFrame, list[str], dict[str, Any] | None]:
    """Load ``windows`` with ``client``, or with one opened (and closed) for the call from
    ``opens`` = (api_key, base_url, api_version)."""
    if client is not None:
        return _fetch(client, windows, filters, **options)
    from eachlabs_analytics.loader.client import Client

    api_key, base_url, api_version = opens
    with Client(api_key=api_key, base_url=base_url, api_version=api_version) as own:
        return _fetch(own, windows, filters, **options)


def _fetch(
    client: Client,
    windows: list[tuple[pd.Timestamp, pd.Timestamp]],
    filters: dict[str, Any],
    **options: Any,
) -> tuple[pd.DataFrame, list[str], dict[str, Any] | None]:
    """Load every window with the loader; the rows of later loads win. Also returns how the
    API was read, summed over the windows (None when there was no window)."""
    frames = []
    dropped: set[str] = set()
    used: dict[str, Any] | None = None
    checked = Filters.parse(**filters)
    for first, last in windows:
        frame = load_query(build_query(first, last, checked), client, **options)
        dropped |= {str(c) for c in frame.columns} - set(schema.COLUMNS)
        frames.append(frame.reindex(columns=list(schema.COLUMNS)))
        used = _add_api_use(used, frame.attrs.get("api"))
    if not frames:
        return schema.empty_frame(), [], None
    if dropped:
        warnings.warn(
            f"the store keeps only the schema's columns; not stored: {', '.join(sorted(dropped))}",
            stacklevel=3,
        )
    combined = frames[0] if len(frames) == 1 else pd.concat(alike(frames), ignore_index=True)
    combined = combined.drop_duplicates("id", keep="last")
    return normalize(combined), sorted(dropped), used


def _add_api_use(total: dict[str, Any] | None, one: Any) -> dict[str, Any] | None:
    if not isinstance(one, dict):
        return total
    if total is None:
        return dict(one)
    return {
        "version": one.get("version"),
        "requests": total.get("requests", 0) + one.get("requests", 0),
        "slices": total.get("slices", 0) + one.get("slices", 0),
        "fallback": total.get("fallback") or one.get("fallback"),
    }


def check_client_options(
    client: Client | None, api_key: str | None, base_url: str | None, api_version: str | None
) -> None:
    """Refuse contradictory connection options before anything is read or fetched."""
    from eachlabs_analytics.loader.client import check_api_version

    if api_version is not None:
        check_api_version(api_version)
    if client is not None and (api_key is not None or base_url is not None or api_version):
        raise InvalidQueryError(
            "give client= or api_key=/base_url=/api_version=, not both: the client has its own "
            "key, host and API version"
        )
