"""The model catalogue the sandbox serves: ``GET /v1/models`` and ``GET /v1/models/{slug}``.

The catalogue is every slug the generator knows (:data:`~.catalog.CATALOG`) plus
:data:`~.prices.FREE_MODEL`, which never appears in the generated executions. A page holds
the title, slug, version, output type, a request schema (a JSON Schema of the inputs) and the
list price (:func:`~.prices.list_cost`); the listing holds the title, slug and output type
only, no cost, as the vendor's does.

>>> [m["slug"] for m in catalogue()][:2]
['flux-1-1-pro', 'flux-2-pro']
>>> page = model_page("veo-3")
>>> page["title"], page["output_type"], page["cost"]["unit"]
('Veo 3', 'video', 'second')
>>> model_page("no-such-model") is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eachlabs_analytics.local_api import catalog
from eachlabs_analytics.local_api.prices import FREE_MODEL, list_cost

#: The version every catalogue page reports.
MODEL_VERSION = "1.0.0"
#: What each category's models return.
OUTPUT_TYPES: dict[str, str] = {
    "image_gen": "image",
    "image_edit": "image",
    "video": "video",
    "tts": "audio",
    "music": "audio",
    "llm": "text",
}
TITLES: dict[str, str] = {
    "flux-1-1-pro": "FLUX 1.1 Pro",
    "flux-2-pro": "FLUX.2 Pro",
    "flux-2-max": "FLUX.2 Max",
    "flux-kontext-pro": "FLUX Kontext Pro",
    "gemini-imagen-4": "Imagen 4",
    "kling-text-to-image": "Kling Text to Image",
    "nano-banana-pro": "Nano Banana Pro",
    "seedream-v4-5": "Seedream 4.5",
    "flux-2-edit": "FLUX.2 Edit",
    "flux-fill-pro": "FLUX Fill Pro",
    "kling-face-swap": "Kling Face Swap",
    "topaz-upscale-image": "Topaz Upscale Image",
    "eachlabs-bg-remover-v1": "Background Remover",
    "nano-banana-pro-edit": "Nano Banana Pro Edit",
    "kling-2-1-image-to-video": "Kling 2.1 Image to Video",
    "kling-3-0": "Kling 3.0",
    "pixverse-v4-1": "PixVerse 4.1",
    "sora-2-pro": "Sora 2 Pro",
    "veo-3": "Veo 3",
    "veo3-1-fast": "Veo 3.1 Fast",
    "wan-v2-6-image-to-video": "Wan 2.6 Image to Video",
    "wan-v2-6-text-to-video": "Wan 2.6 Text to Video",
    "elevenlabs-tts": "ElevenLabs Text to Speech",
    "mureka-generate-music": "Mureka Generate Music",
    "stable-audio-2-5": "Stable Audio 2.5",
    catalog.ROUTER_MODEL: "LLM Router",
    FREE_MODEL: "Face Detect",
}
assert set(TITLES) == {*catalog.MODELS, FREE_MODEL}, "every catalogue slug needs a title"
_TEXT = {"type": "string"}
_URL = {"type": "string", "format": "uri"}
#: The inputs each kind of model takes (required first), as a JSON Schema.
REQUEST_SCHEMAS: dict[str, dict[str, Any]] = {
    "image_gen": {
        "prompt": _TEXT,
        "aspect_ratio": {"type": "string", "enum": ["1:1", "16:9", "9:16"], "default": "1:1"},
    },
    "image_edit": {"image_url": _URL, "prompt": _TEXT},
    "video": {
        "prompt": _TEXT,
        "image_url": _URL,
        "duration": {"type": "integer", "minimum": 4, "maximum": 10, "default": 5},
        "resolution": {"type": "string", "enum": ["720p", "1080p"], "default": "720p"},
    },
    "tts": {"text": {"type": "string", "maxLength": catalog.TTS_MAX_CHARS}, "voice": _TEXT},
    "music": {"prompt": _TEXT, "duration": {"type": "integer", "minimum": 10, "maximum": 240}},
    "llm": {
        "messages": {"type": "array", "items": {"type": "object"}},
        "model": {"type": "string", "examples": [m for m, _, _ in catalog.ROUTED_MODELS]},
    },
    "face_detect": {"image_url": _URL},
}


def _kind(slug: str) -> str:
    return "face_detect" if slug == FREE_MODEL else catalog.MODELS[slug].category


def _output_type(slug: str) -> str:
    return "json" if slug == FREE_MODEL else OUTPUT_TYPES[catalog.MODELS[slug].category]


def _request_schema(slug: str) -> dict[str, Any]:
    properties = REQUEST_SCHEMAS[_kind(slug)]
    first = next(iter(properties))
    return {"type": "object", "required": [first], "properties": properties}


def slugs() -> tuple[str, ...]:
    """Every catalogue slug, in the listing's order (the free model last).

    >>> slugs()[-1] == FREE_MODEL, len(slugs()) == len(catalog.CATALOG) + 1
    (True, True)
    """
    return (*(m.slug for m in catalog.CATALOG), FREE_MODEL)


def catalogue() -> list[dict[str, Any]]:
    """The ``GET /v1/models`` body: ``title``, ``slug`` and ``output_type`` of every model.

    >>> catalogue()[-1]
    {'title': 'Face Detect', 'slug': 'eachlabs-face-detect', 'output_type': 'json'}
    """
    return [{"title": TITLES[s], "slug": s, "output_type": _output_type(s)} for s in slugs()]


def model_page(slug: str, factors: Mapping[str, float] | None = None) -> dict[str, Any] | None:
    """The ``GET /v1/models/{slug}`` body (None for a slug the catalogue lacks); ``factors``
    move list prices (:func:`~.prices.price_factors`).

    >>> model_page("flux-2-pro", {"flux-2-pro": 3.0})["cost"]["amount"]
    0.15
    >>> model_page("eachlabs-llm-router")["cost"] is None
    True
    """
    if slug not in TITLES:
        return None
    factor = (factors or {}).get(slug, 1.0)
    return {
        "title": TITLES[slug],
        "slug": slug,
        "version": MODEL_VERSION,
        "output_type": _output_type(slug),
        "request_schema": _request_schema(slug),
        "cost": list_cost(slug, factor),
    }
