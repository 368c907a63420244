"""The list prices the sandbox's model pages show: one ``cost`` object per catalogue slug.

Every shape the vendor documents for ``GET /v1/models/{slug}`` is present, so a client meets
each of them offline:

- fixed per execution (image generation and editing, music, most video): ``amount`` = the
  catalogue's base price, e.g. ``"$0.04 per execution"``;
- free: :data:`FREE_MODEL`, fixed with ``amount`` 0 (the only free model: free is never
  an unknown number);
- usage-based per second with resolution tiers (:data:`PER_SECOND_MODELS`): ``min``/``max``
  are 0.6x and 1.6x of the base price per second of median run time;
- usage-based per megapixel with tiers (``topaz-upscale-image``);
- usage-based per character, ``min`` = ``max`` (``elevenlabs-tts``);
- usage-based with only an estimate text, no unit and no numbers
  (``mureka-generate-music``);
- no list price at all: ``cost`` null (the LLM router, whose price is the routed model's).

A ``price_change`` incident still in effect at the sandbox's clock moves the list price with
the charge: :func:`price_factors` reads the incidents a frame carries and :func:`list_cost`
multiplies every rate by the factor.

>>> list_cost("flux-1-1-pro")["amount"], list_cost("flux-1-1-pro")["estimate"]
(0.04, '$0.04 per execution')
>>> list_cost("veo-3")["unit"], [row["label"] for row in list_cost("veo-3")["rows"]]
('second', ['720p', '1080p'])
>>> list_cost("eachlabs-llm-router") is None
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from eachlabs_analytics.local_api import catalog
from eachlabs_analytics.local_api.incidents import DEFAULT_MAGNITUDE

#: A catalogue model with no executions in the generated data and a list price of 0.
FREE_MODEL = "eachlabs-face-detect"
#: Video models priced per second of output, by resolution (the others: per execution).
PER_SECOND_MODELS: tuple[str, ...] = ("veo-3", "veo3-1-fast", "sora-2-pro")
#: Per-second rates bracket ``price / run_median``: the cheapest and the dearest tier.
PER_SECOND_BRACKET = (0.6, 1.6)
#: topaz-upscale-image: USD per megapixel of output, by tier (dearest first).
MEGAPIXEL_TIERS: tuple[tuple[str, float], ...] = (("up to 4 MP", 0.02), ("up to 16 MP", 0.012))
#: The model whose price is known only as display text.
ESTIMATE_ONLY_MODEL = "mureka-generate-music"
#: Cost fields, in the order they are served (all present; null when not applicable).
COST_FIELDS = ("currency", "type", "amount", "unit", "estimate", "min", "max", "depends_on", "rows")


def usd(amount: float) -> str:
    """Display text of a price: three significant digits, at least two decimals.

    >>> usd(0.04), usd(0.139), usd(3.2), usd(0.0137142), usd(0)
    ('$0.04', '$0.139', '$3.20', '$0.0137', '$0.00')
    """
    if amount <= 0:
        return "$0.00"
    decimals = max(2, 2 - math.floor(math.log10(amount)))
    text = f"{amount:.{decimals}f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"${whole}.{fraction}"


def _cost(kind: str, unit: str | None, **fields: Any) -> dict[str, Any]:
    cost: dict[str, Any] = dict.fromkeys(COST_FIELDS)
    cost.update(currency="USD", type=kind, unit=unit, **fields)
    return cost


def _rate(value: float) -> float:
    return round(value, 9)  # drops float noise (0.04 * 3), keeps a per-character rate


def _fixed(amount: float) -> dict[str, Any]:
    estimate = "Free" if amount == 0 else f"{usd(amount)} per execution"
    return _cost("fixed", "execution", amount=amount, estimate=estimate)


def _tiered(unit: str, tiers: Iterable[tuple[str, float]], estimate_suffix: str) -> dict[str, Any]:
    tiers = list(tiers)
    rates = [rate for _, rate in tiers]
    low, high = min(rates), max(rates)
    return _cost(
        "usage_based",
        unit,
        estimate=f"{usd(low)} to {usd(high)} per {unit} {estimate_suffix}",
        min=low,
        max=high,
        depends_on="resolution",
        rows=[{"label": label, "value": f"{usd(rate)} per {unit}"} for label, rate in tiers],
    )


def list_cost(slug: str, factor: float = 1.0) -> dict[str, Any] | None:
    """The ``cost`` object of ``slug``'s model page (None: no list price), rates x ``factor``.

    Raises ``KeyError`` for a slug the catalogue does not list.

    >>> cost = list_cost("elevenlabs-tts")
    >>> cost["type"], cost["unit"], cost["min"] == cost["max"] == catalog.TTS_PRICE_PER_CHAR
    ('usage_based', 'character', True)
    >>> list_cost("flux-2-pro", factor=3)["amount"], list_cost(FREE_MODEL)["amount"]
    (0.15, 0.0)
    >>> list_cost("mureka-generate-music")["unit"] is None
    True
    """
    if slug == FREE_MODEL:
        return _fixed(0.0)
    model = catalog.MODELS.get(slug)
    if model is None:
        raise KeyError(f"no catalogue model {slug!r}")
    if slug == catalog.ROUTER_MODEL:
        return None
    if slug == ESTIMATE_ONLY_MODEL:
        return _cost("usage_based", None, estimate="Varies with the song's length")
    if slug == "elevenlabs-tts":
        rate = _rate(catalog.TTS_PRICE_PER_CHAR * factor)
        per_million = usd(rate * 1e6)
        return _cost(
            "usage_based", "character", estimate=f"{per_million} per million characters",
            min=rate, max=rate,
        )  # fmt: skip
    if slug == "topaz-upscale-image":
        tiers = [(label, _rate(rate * factor)) for label, rate in MEGAPIXEL_TIERS]
        return _tiered("megapixel", tiers, "(by output resolution)")
    if slug in PER_SECOND_MODELS:
        per_second = model.price / model.run_median * factor
        low, high = (_rate(per_second * share) for share in PER_SECOND_BRACKET)
        return _tiered("second", [("720p", low), ("1080p", high)], "(by resolution)")
    return _fixed(_rate(model.price * factor))


def _utc(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def price_factors(incidents: Iterable[Mapping[str, Any]], now: pd.Timestamp) -> dict[str, float]:
    """How far each model's list price moved: the product of the magnitudes of the
    ``price_change`` incidents in effect at ``now`` (``start <= now <= end``: a change that
    lasts to the window's end, the default, is still in effect at the window's end).

    ``incidents`` are the records of ``frame.attrs["incidents"]``
    (:func:`~eachlabs_analytics.local_api.incidents.inject_incidents`).

    >>> now = pd.Timestamp("2026-10-31", tz="UTC")
    >>> records = [
    ...     {"kind": "price_change", "group": "veo-3", "magnitude": 3.0,
    ...      "start": "2026-10-20 00:00:00+00:00", "end": "2026-10-31 00:00:00+00:00"},
    ...     {"kind": "price_change", "group": "kling-3-0", "magnitude": 2.0,
    ...      "start": "2026-10-01 00:00:00+00:00", "end": "2026-10-08 00:00:00+00:00"},
    ... ]
    >>> price_factors(records, now)
    {'veo-3': 3.0}
    """
    factors: dict[str, float] = {}
    for record in incidents:
        if record.get("kind") != "price_change" or record.get("group") is None:
            continue
        start, end = _utc(record["start"]), _utc(record["end"])
        if start <= now <= end:
            group = str(record["group"])
            magnitude = record.get("magnitude")
            if magnitude is None or pd.isna(magnitude):
                magnitude = DEFAULT_MAGNITUDE["price_change"]
            factors[group] = factors.get(group, 1.0) * float(magnitude)
    return factors
