"""A sync's fetch: the planned creation windows loaded through the loader, as one frame, and
the reference data kept beside them (the workflows' names, the models' list prices).

The store talks to the API only here, through :func:`~eachlabs_analytics.loader.load.load_query`
(and the loader's ``workflow_names`` and ``fetch_prices``) with a client it was given or one it
opens (and closes) for the call.

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

import logging
import warnings
from typing import TYPE_CHECKING, Any

import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import APIError, InvalidQueryError
from eachlabs_analytics.loader.account import workflow_names
from eachlabs_analytics.loader.connect import using_client
from eachlabs_analytics.loader.load import load_query
from eachlabs_analytics.loader.prices import fetch_prices, is_slug
from eachlabs_analytics.loader.query import Filters, build_query
from eachlabs_analytics.store.convert import alike, normalize

if TYPE_CHECKING:
    from eachlabs_analytics.loader.client import Client

logger = logging.getLogger("eachlabs_analytics")


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


def fetch_reference(
    client: Client | None,
    opens: tuple[str | None, str | None, str | None],
    *,
    names: bool,
    price_models: list[str] | None,
) -> tuple[dict[str, str] | None, pd.DataFrame | None]:
    """The workflows' names (None when not asked, or when the API could not say: logged,
    the names kept stay) and the list prices of ``price_models`` (None when not asked; fetched
    without the key; a failure raises), with ``client`` or one opened from ``opens``."""
    if client is not None:
        return _reference(client, names, price_models)
    from eachlabs_analytics.loader.client import Client

    api_key, base_url, api_version = opens
    with Client(api_key=api_key, base_url=base_url, api_version=api_version) as own:
        return _reference(own, names, price_models)


def _reference(
    client: Client, names: bool, price_models: list[str] | None
) -> tuple[dict[str, str] | None, pd.DataFrame | None]:
    found = None
    if names:
        try:
            found = workflow_names(client=client)
        except (APIError, InvalidQueryError) as exc:
            # names only label reports: a sync does not fail for them
            absent = isinstance(exc, APIError) and exc.status == 404
            logger.log(
                logging.INFO if absent else logging.WARNING,
                "workflow names not refreshed (the store keeps the last ones it had): %s",
                exc,
            )
    return found, None if price_models is None else _prices(client, price_models)


def prices_with(client: Client | None, base_url: str | None, models: list[str]) -> pd.DataFrame:
    """The list prices of ``models`` with ``client`` or a keyless one opened for ``base_url``."""
    with using_client(client, None, base_url, require_key=False) as own:
        return _prices(own, models)


def _prices(client: Client, models: list[str]) -> pd.DataFrame:
    """Prices of the models that are slugs (the others logged), fetched without the key."""
    odd = sorted(m for m in models if not is_slug(m))
    if odd:
        logger.warning("no list price asked for %s: not a model slug", ", ".join(odd[:5]))
    prices = fetch_prices(client, [m for m in models if is_slug(m)])
    if prices.attrs["not_found"]:
        logger.warning(
            "each::labs knows no model %s (HTTP 404): no list price kept for it",
            ", ".join(prices.attrs["not_found"]),
        )
    return prices
