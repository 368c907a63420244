"""List-price frames built by hand, in the exact shape ``ea.model_prices()`` returns.

Columns and dtypes are ``schema.PRICE_COLUMNS`` (what the client returns): strings as
pandas ``string``, numbers ``Float64`` (NA unknown, never 0), ``tiers`` tuples of
``(label, value)``, ``fetched_at`` UTC microseconds; ``attrs["fetched_at"]`` an ISO string.
``SANDBOX_LIKE`` holds one row per cost shape the sandbox serves.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from eachlabs_analytics.schema import PRICE_COLUMNS

FETCHED_AT = "2026-10-31T08:00:00+00:00"
#: veo-3's per-second range around its price over its median run (as the sandbox makes it)
VEO_RATE = 3.2 / 140.0
SORA_RATE = 2.5 / 300.0


def price(
    slug: str,
    cost_type: str | None,
    amount: float | None = None,
    unit: str | None = None,
    low: float | None = None,
    high: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "slug": slug,
        "title": extra.get("title", slug),
        "cost_type": "none" if cost_type is None else cost_type,
        "currency": None if cost_type is None else "USD",
        "amount": amount,
        "unit": unit,
        "min": low,
        "max": high,
        "depends_on": extra.get("depends_on"),
        "tiers": tuple(extra.get("tiers", ())),
        "estimate": extra.get("estimate"),
        "fetched_at": FETCHED_AT,
    }


def prices_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    raw = pd.DataFrame.from_records(rows, columns=list(PRICE_COLUMNS))
    out = pd.DataFrame(
        {
            name: (
                pd.Series(raw[name].tolist(), dtype=object)
                if dtype is object
                else pd.to_datetime(raw[name], utc=True).astype(dtype)
                if name == "fetched_at"
                else pd.Series(
                    raw[name].astype(object).where(raw[name].notna(), None).tolist()
                ).astype(dtype)
            )
            for name, dtype in PRICE_COLUMNS.items()
        }
    )
    out.attrs["fetched_at"] = FETCHED_AT
    return out


SANDBOX_LIKE: list[dict[str, Any]] = [
    price("flux-2-pro", "fixed", 0.0625, "execution", estimate="$0.0625 per execution"),
    price("flux-1-1-pro", "fixed", 0.03, "execution"),  # charged 0.04: above the list
    price("nano-banana-pro", "fixed", 0.139, "execution"),
    price("stable-audio-2-5", "fixed", 0.0, "execution"),  # free on the list, charged
    price("veo3-1-fast", "fixed", 1.2, "execution"),
    price(
        "veo-3",
        "usage_based",
        None,
        "second",
        0.6 * VEO_RATE,
        1.6 * VEO_RATE,
        depends_on="resolution",
        tiers=[("720p", "$0.0137/s"), ("1080p", "$0.0366/s")],
    ),
    price("sora-2-pro", "usage_based", None, "minute", 60 * 0.6 * SORA_RATE, 60 * 1.6 * SORA_RATE),
    price(
        "topaz-upscale-image",
        "usage_based",
        None,
        "megapixel",
        0.01,
        0.02,
        depends_on="resolution",
        tiers=[("up to 4 MP", "$0.02"), ("up to 16 MP", "$0.08")],
    ),
    price("elevenlabs-tts", "usage_based", None, "character", 1.8e-6, 1.8e-6),
    price("eachlabs-llm-router", None),
    price("mureka-generate-music", "usage_based", estimate="about $0.06 per song"),
    price("eachlabs-face-detect", "fixed", 0.0, "execution"),  # free, never run
]
