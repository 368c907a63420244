"""List prices: ``GET /v1/models/{slug}``'s nullable ``cost`` estimate, one row per model.

The models endpoints need no key, and none is sent to them (not even one that is
configured). A cost object is read as published: ``fixed`` with an ``amount``, or
``usage_based`` with ``min``/``max`` rates per ``unit`` (tiers in ``rows``, e.g. by
resolution), and a display ``estimate``. A null number is unknown (NA), never 0; a model whose
``cost`` is null has ``cost_type`` "none" (no list price); free is ``fixed`` with amount 0.
Estimates are guidance: the settled charge is the execution's cost.

>>> cost = {"currency": "USD", "type": "usage_based", "amount": None, "unit": "second",
...         "estimate": "$0.40-$0.75 per second", "min": 0.4, "max": 0.75,
...         "depends_on": "resolution",
...         "rows": [{"label": "720p", "value": "$0.40/s"}, {"label": "1080p", "value": "$0.75/s"}]}
>>> now = pd.Timestamp("2026-10-31", tz="UTC")
>>> row = price_row("veo-3", {"title": "Veo 3", "cost": cost}, now)
>>> row["cost_type"], row["amount"], row["min"], row["tiers"]
('usage_based', None, 0.4, (('720p', '$0.40/s'), ('1080p', '$0.75/s')))
>>> prices_frame([row, price_row("eachlabs-llm-router", {"cost": None}, now)])[
...     ["slug", "cost_type", "min", "max"]]
                  slug    cost_type   min   max
0  eachlabs-llm-router         none  <NA>  <NA>
1                veo-3  usage_based   0.4  0.75
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd

from eachlabs_analytics._util.timestamps import format_timestamp
from eachlabs_analytics.exceptions import APIError, DataQualityWarning, InvalidQueryError
from eachlabs_analytics.loader.connect import using_client
from eachlabs_analytics.schema import PRICE_COLUMNS, empty_prices

if TYPE_CHECKING:
    from eachlabs_analytics.loader.client import Client

__all__ = [
    "PRICE_COLUMNS",
    "check_models",
    "fetch_prices",
    "is_slug",
    "model_prices",
    "price_records",
    "price_row",
    "prices_frame",
]

MODELS_PATH = "/v1/models"
#: Concurrent requests for the models' prices (the endpoints are cheap and keyless).
PRICE_WORKERS = 8
#: What a model slug may look like (checked before any request; it becomes a URL path part).
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}", re.ASCII)
_TEXT_FIELDS = ("currency", "unit", "depends_on", "estimate")
_NUMBER_FIELDS = ("amount", "min", "max")


def is_slug(value: object) -> bool:
    """Whether ``value`` looks like a model slug (``veo3-1-fast``, ``flux-2-pro``).

    >>> is_slug("veo3-1-fast"), is_slug("../billing"), is_slug("")
    (True, False, False)
    """
    return isinstance(value, str) and _SLUG.fullmatch(value) is not None


def model_prices(
    models: str | Iterable[str] | None = None,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    client: Client | None = None,
) -> pd.DataFrame:
    """The list price of each model, one row per model (sorted by slug).

    Args:
        models: one slug or several; None reads every slug of the catalogue (``GET
            /v1/models``) first.
        api_key: accepted like every reader's, and never sent: the models endpoints need no
            key, so this works with no key configured at all (not with ``client``).
        base_url: default ``$EACHLABS_BASE_URL``, else ``https://api.eachlabs.ai`` (not with
            ``client``).
        client: a :class:`~eachlabs_analytics.Client` you keep (keyed or not: no key is sent).

    Returns:
        The columns and dtypes of ``schema.PRICE_COLUMNS``: ``slug``, ``title``,
        ``cost_type`` ("fixed", "usage_based", or "none": no list price), ``currency``,
        ``amount`` (fixed), ``unit``, ``min``/``max`` (usage-based rates per unit),
        ``depends_on``, ``tiers`` (``(label, value)`` pairs), ``estimate`` (the display text),
        ``fetched_at`` (the server's clock, else ours). Unknown values are NA, never 0.
        ``attrs``: ``fetched_at`` (RFC 3339), ``not_found`` (slugs the API does not know:
        left out, with a warning) and ``malformed_values`` (per field, when any).

    Raises:
        InvalidQueryError: a slug that is not one (before any request), or an empty list.
        APIError: a failure other than 404 (after retries), or a catalogue that is not a
            list of models.

    >>> import eachlabs_analytics as ea
    >>> with ea.sandbox(data="sample") as api:
    ...     prices = ea.model_prices(["veo-3", "eachlabs-llm-router"], base_url=api.base_url)
    >>> prices["cost_type"].tolist()
    ['none', 'usage_based']
    """
    slugs = None if models is None else check_models(models)
    with using_client(client, api_key, base_url, require_key=False) as own:
        if slugs is None:
            slugs = catalogue_slugs(own)
        frame = fetch_prices(own, slugs)
    missing = frame.attrs["not_found"]
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        warnings.warn(
            f"each::labs knows no model {shown} (HTTP 404): left out of the prices, not free",
            UserWarning,
            stacklevel=2,
        )
    malformed = frame.attrs.get("malformed_values")
    if malformed:
        fields = ", ".join(f"{name} ({count})" for name, count in sorted(malformed.items()))
        warnings.warn(
            f"list prices held values of the wrong type, read as unknown (NA): {fields}",
            DataQualityWarning,
            stacklevel=2,
        )
    return frame


def catalogue_slugs(client: Client) -> list[str]:
    """Every slug of ``GET /v1/models`` (keyless), sorted."""
    reply = client.get_json(MODELS_PATH, auth=False)
    if not isinstance(reply.data, list):
        raise APIError(
            f"GET {MODELS_PATH} answered {type(reply.data).__name__}, not a list of models",
            status=200,
            request_id=reply.request_id,
        )
    return sorted(
        {row["slug"] for row in reply.data if isinstance(row, dict) and is_slug(row.get("slug"))}
    )


def fetch_prices(client: Client, slugs: Iterable[str]) -> pd.DataFrame:
    """The prices of ``slugs`` (checked slugs), fetched concurrently without a key; slugs
    the API does not know are in ``attrs["not_found"]`` (no warning: callers say it)."""
    wanted = sorted(set(slugs))
    rows: list[dict[str, Any]] = []
    not_found: list[str] = []
    problems: Counter[str] = Counter()
    if wanted:
        with ThreadPoolExecutor(min(PRICE_WORKERS, len(wanted)), "eachlabs-prices") as pool:
            futures = [pool.submit(_one_price, client, slug) for slug in wanted]
            try:
                for slug, future in zip(wanted, futures, strict=True):
                    reply = future.result()
                    if reply is None:
                        not_found.append(slug)
                        continue
                    rows.append(price_row(slug, reply[0], reply[1], problems))
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
    frame = prices_frame(rows)
    fetched = frame["fetched_at"].max() if len(frame) else pd.Timestamp.now(tz="UTC")
    frame.attrs = {
        "source": "api",
        "fetched_at": format_timestamp(pd.Timestamp(fetched)),
        "not_found": not_found,
    }
    if problems:
        frame.attrs["malformed_values"] = dict(sorted(problems.items()))
    return frame


def _one_price(client: Client, slug: str) -> tuple[Any, pd.Timestamp] | None:
    """``GET /v1/models/{slug}`` (keyless): the body and when it was read; None on a 404."""
    try:
        reply = client.get_json(f"{MODELS_PATH}/{quote(slug, safe='')}", auth=False)
    except APIError as exc:
        if exc.status == 404:
            return None
        raise
    return reply.data, reply.server_time or pd.Timestamp.now(tz="UTC").floor("us")


def price_row(
    slug: str, document: Any, fetched_at: pd.Timestamp, problems: Counter[str] | None = None
) -> dict[str, Any]:
    """One model's row from its ``GET /v1/models/{slug}`` body; values of the wrong type are
    None (unknown), counted per field in ``problems``."""
    problems = problems if problems is not None else Counter()
    body = document if isinstance(document, dict) else {}
    if not isinstance(document, dict):
        problems["body"] += 1
    row: dict[str, Any] = {column: None for column in PRICE_COLUMNS}
    row.update(slug=slug, title=_text(body.get("title"), "title", problems), tiers=())
    row["fetched_at"] = fetched_at
    cost = body.get("cost")
    if cost is None:
        row["cost_type"] = "none" if isinstance(document, dict) else None
        return row
    if not isinstance(cost, dict):
        problems["cost"] += 1
        return row
    row["cost_type"] = _text(cost.get("type"), "type", problems)
    for name in _TEXT_FIELDS:
        row[name] = _text(cost.get(name), name, problems)
    for name in _NUMBER_FIELDS:
        row[name] = _number(cost.get(name), name, problems)
    row["tiers"] = _tiers(cost.get("rows"), problems)
    return row


def prices_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows of :func:`price_row` as the typed prices frame (sorted by slug)."""
    if not rows:
        return empty_prices()
    columns = {}
    for name, dtype in PRICE_COLUMNS.items():
        values = [row.get(name) for row in rows]
        if name == "tiers":
            columns[name] = pd.Series([tuple(v or ()) for v in values], dtype=object)
        elif name == "fetched_at":
            columns[name] = pd.to_datetime(pd.Series(values), utc=True).astype(dtype)
        else:
            columns[name] = pd.Series(values, dtype=object).astype(dtype)
    frame = pd.DataFrame(columns)
    return frame.sort_values("slug", kind="stable", ignore_index=True)


def price_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A prices frame as JSON-ready records: NA as None, tiers as ``[label, value]`` lists,
    ``fetched_at`` as RFC 3339 (the inverse of :func:`prices_frame` after ``json``).

    >>> row = price_row("flux-2-pro", {"cost": {"type": "fixed", "amount": 0.05}},
    ...                 pd.Timestamp("2026-10-31", tz="UTC"))
    >>> record = price_records(prices_frame([row]))[0]
    >>> record["amount"], record["unit"], record["tiers"], record["fetched_at"]
    (0.05, None, [], '2026-10-31T00:00:00Z')
    """
    return [
        {name: _plain(name, value) for name, value in row.items()}
        for row in frame[list(PRICE_COLUMNS)].astype(object).to_dict("records")
    ]


def _plain(name: str, value: Any) -> Any:
    if name == "tiers":
        return [list(pair) for pair in value or ()]
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if name == "fetched_at":
        return format_timestamp(pd.Timestamp(value))
    return value


def _text(value: object, name: str, problems: Counter[str]) -> str | None:
    if value is None or isinstance(value, str):
        return value
    problems[name] += 1
    return None


def _number(value: object, name: str, problems: Counter[str]) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    problems[name] += 1
    return None


def _tiers(value: object, problems: Counter[str]) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems["rows"] += 1
        return ()
    tiers = []
    for tier in value:
        label = tier.get("label") if isinstance(tier, dict) else None
        text = tier.get("value") if isinstance(tier, dict) else None
        if isinstance(label, str) and isinstance(text, str):
            tiers.append((label, text))
        else:
            problems["rows"] += 1
    return tuple(tiers)


def check_models(models: str | Iterable[str]) -> list[str]:
    """``models`` as a sorted list of distinct slugs, or :class:`InvalidQueryError` saying why
    not (before any request)."""
    values = [models] if isinstance(models, str) else models
    try:
        slugs = list(values)
    except TypeError:
        raise InvalidQueryError(
            f"models must be a slug, a list of slugs or None, not {type(models).__name__}"
        ) from None
    if not slugs:
        raise InvalidQueryError(
            "models is an empty list; pass None for every model of the catalogue"
        )
    bad = [slug for slug in slugs if not is_slug(slug)]
    if bad:
        raise InvalidQueryError(
            f"not a model slug: {bad[0]!r}; slugs are letters, digits, '.', '_' and '-' "
            "(e.g. veo-3, flux-2-pro)"
        )
    return sorted(set(slugs))
