"""The model catalog the sandbox generates executions for: slugs, prices, run times, failures.

Slugs come from the public each::labs catalog (see docs/sandbox.md). Prices and
run times are not published per slug, so these are plausible choices: video costs dollars
and takes minutes, images cost cents and take seconds, text-to-speech costs fractions of a
cent. Failure rates and the mix of error classes depend on the category (video models time
out, image models hit content moderation, LLM calls hit provider rate limits).

>>> MODELS["veo-3"].category, MODELS["veo-3"].price
('video', 3.2)
>>> sorted(CATEGORIES)[:2]
['image_edit', 'image_gen']
"""

from __future__ import annotations

from dataclasses import dataclass

from eachlabs_analytics.schema import ERROR_CLASSES

#: The router slug whose rows carry ``requested_model``.
ROUTER_MODEL = "eachlabs-llm-router"


@dataclass(frozen=True)
class Category:
    """What a family of models costs, how long it runs and how it fails.

    ``price_choices``/``price_weights`` multiply a model's base price per execution (video
    duration, number of images); ``error_weights`` are relative weights over
    :data:`~eachlabs_analytics.schema.ERROR_CLASSES`, in that order.
    """

    share: float  # share of standalone executions
    run_sigma: float  # lognormal sigma of the run time
    queue_median: float  # seconds of queueing at average load
    failure_rate: float
    cancel_rate: float
    timeout: float  # seconds after which execution_timeout fires
    error_weights: tuple[float, ...]
    price_choices: tuple[float, ...] = (1.0,)
    price_weights: tuple[float, ...] = (1.0,)
    output_ext: str = "png"


@dataclass(frozen=True)
class Model:
    """One catalog slug: base price (USD per execution) and median run time (seconds)."""

    slug: str
    category: str
    price: float
    run_median: float
    weight: float  # popularity within its category
    failure_factor: float = 1.0  # multiplies the category's failure rate


# error weights, in ERROR_CLASSES order:
# content_moderation, execution_timeout, invalid_user_input, invalid_model_config,
# provider_auth, provider_error, provider_rate_limit, provider_unavailable, internal_error, unknown
CATEGORIES: dict[str, Category] = {
    "image_gen": Category(
        share=0.38,
        run_sigma=0.45,
        queue_median=0.8,
        failure_rate=0.055,
        cancel_rate=0.006,
        timeout=120.0,
        error_weights=(45, 4, 12, 3, 2, 12, 8, 6, 5, 3),
        price_choices=(1.0, 2.0, 4.0),
        price_weights=(0.8, 0.15, 0.05),
    ),
    "image_edit": Category(
        share=0.19,
        run_sigma=0.5,
        queue_median=0.6,
        failure_rate=0.06,
        cancel_rate=0.005,
        timeout=120.0,
        error_weights=(25, 4, 35, 4, 2, 10, 6, 6, 5, 3),
    ),
    "video": Category(
        share=0.13,
        run_sigma=0.45,
        queue_median=6.0,
        failure_rate=0.11,
        cancel_rate=0.025,
        timeout=900.0,
        error_weights=(10, 45, 8, 3, 2, 12, 6, 7, 4, 3),
        price_choices=(1.0, 1.6, 2.0),
        price_weights=(0.55, 0.3, 0.15),
        output_ext="mp4",
    ),
    "tts": Category(
        share=0.08,
        run_sigma=0.6,
        queue_median=0.3,
        failure_rate=0.025,
        cancel_rate=0.003,
        timeout=60.0,
        error_weights=(2, 3, 35, 5, 5, 20, 10, 10, 6, 4),
        output_ext="mp3",
    ),
    "music": Category(
        share=0.04,
        run_sigma=0.4,
        queue_median=3.0,
        failure_rate=0.06,
        cancel_rate=0.01,
        timeout=300.0,
        error_weights=(8, 15, 15, 4, 3, 25, 8, 10, 7, 5),
        price_choices=(1.0, 1.5, 2.0),
        price_weights=(0.6, 0.25, 0.15),
        output_ext="mp3",
    ),
    "llm": Category(
        share=0.18,
        run_sigma=0.7,
        queue_median=0.2,
        failure_rate=0.05,
        cancel_rate=0.002,
        timeout=120.0,
        error_weights=(5, 10, 8, 6, 6, 15, 25, 18, 4, 3),
        output_ext="txt",
    ),
}
assert all(len(c.error_weights) == len(ERROR_CLASSES) for c in CATEGORIES.values())

_M = Model
CATALOG: tuple[Model, ...] = (
    # image generation: cents, seconds
    _M("flux-1-1-pro", "image_gen", 0.04, 6.0, 20),
    _M("flux-2-pro", "image_gen", 0.05, 8.0, 16),
    _M("flux-2-max", "image_gen", 0.08, 12.0, 6),
    _M("flux-kontext-pro", "image_gen", 0.04, 7.0, 10),
    _M("gemini-imagen-4", "image_gen", 0.04, 9.0, 9, failure_factor=1.3),
    _M("kling-text-to-image", "image_gen", 0.014, 10.0, 5),
    _M("nano-banana-pro", "image_gen", 0.139, 14.0, 14, failure_factor=1.4),
    _M("seedream-v4-5", "image_gen", 0.03, 8.0, 8),
    # image editing: cents, seconds
    _M("flux-2-edit", "image_edit", 0.05, 9.0, 12),
    _M("flux-fill-pro", "image_edit", 0.05, 8.0, 7),
    _M("kling-face-swap", "image_edit", 0.02, 12.0, 5, failure_factor=1.5),
    _M("topaz-upscale-image", "image_edit", 0.08, 18.0, 8),
    _M("eachlabs-bg-remover-v1", "image_edit", 0.005, 1.5, 16, failure_factor=0.6),
    _M("nano-banana-pro-edit", "image_edit", 0.139, 15.0, 10, failure_factor=1.3),
    # video: dollars, minutes
    _M("kling-2-1-image-to-video", "video", 0.45, 150.0, 14),
    _M("kling-3-0", "video", 0.9, 210.0, 10),
    _M("pixverse-v4-1", "video", 0.4, 75.0, 8),
    _M("sora-2-pro", "video", 2.5, 300.0, 6, failure_factor=1.4),
    _M("veo-3", "video", 3.2, 140.0, 7, failure_factor=1.1),
    _M("veo3-1-fast", "video", 1.2, 70.0, 12),
    _M("wan-v2-6-image-to-video", "video", 0.5, 190.0, 8, failure_factor=1.2),
    _M("wan-v2-6-text-to-video", "video", 0.5, 180.0, 6, failure_factor=1.2),
    # audio: text-to-speech is priced per character (see TTS_PRICE_PER_CHAR)
    _M("elevenlabs-tts", "tts", 0.0, 2.0, 1),
    _M("mureka-generate-music", "music", 0.06, 45.0, 6),
    _M("stable-audio-2-5", "music", 0.2, 25.0, 4),
    # LLM router: priced per request through ROUTED_MODELS
    _M(ROUTER_MODEL, "llm", 0.0, 4.0, 1),
)
MODELS: dict[str, Model] = {m.slug: m for m in CATALOG}

#: elevenlabs-tts: USD per character; characters per request are lognormal (median 400).
TTS_PRICE_PER_CHAR = 1.8e-6
TTS_CHARS_MEDIAN = 400.0
TTS_MAX_CHARS = 5_000

#: LLMs reached through the router: (requested_model, weight, median USD per request).
ROUTED_MODELS: tuple[tuple[str, float, float], ...] = (
    ("openai/gpt-4.1-mini", 30, 0.0006),
    ("google/gemini-2.5-flash", 25, 0.0004),
    ("anthropic/claude-sonnet-4", 20, 0.012),
    ("openai/gpt-4.1", 10, 0.004),
    ("anthropic/claude-3-5-haiku", 10, 0.0012),
    ("meta-llama/llama-4-maverick", 5, 0.0005),
)

#: What a successful router call returns (the output is text, not a URL).
LLM_OUTPUTS: tuple[str, ...] = (
    "Here is a short product description for the spring collection.",
    "Summary: the customer asks for a refund for order 1042.",
    "Sure! Three taglines: Bold. Bright. Yours.",
    '{"sentiment": "positive", "confidence": 0.91}',
    "Translated: Bonjour, comment puis-je vous aider ?",
    "The image shows a red bicycle leaning against a brick wall.",
)

#: Workflows (multi-step pipelines). ``backend="workflow"`` ones report the workflow
#: backend's statuses (completed/failed/running) instead of success/error/created.
WORKFLOWS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("product-shots", ("flux-2-pro", "eachlabs-bg-remover-v1", "topaz-upscale-image"), "model"),
    ("ad-video", ("nano-banana-pro", "kling-2-1-image-to-video"), "model"),
    ("voice-over", (ROUTER_MODEL, "elevenlabs-tts"), "model"),
    (
        "story-reel",
        (ROUTER_MODEL, "flux-1-1-pro", "veo3-1-fast", "mureka-generate-music"),
        "workflow",
    ),
    ("avatar-swap", ("kling-face-swap", "flux-fill-pro"), "model"),
    ("catalog-refresh", ("flux-2-edit", "topaz-upscale-image"), "workflow"),
)

#: Statuses of rows run by the workflow backend: prediction status -> workflow status.
WORKFLOW_BACKEND_STATUS: dict[str, str] = {
    "success": "completed",
    "error": "failed",
    "created": "running",
    "starting": "running",
    "cancelled": "cancelled",
}

OUTPUT_URL = "https://storage.eachlabs.ai/predictions/{id}/output.{ext}"


def typical_price(model: str) -> float:
    """A typical cost of one successful execution of ``model`` (0.01 for unknown slugs).

    >>> typical_price("flux-1-1-pro"), typical_price("elevenlabs-tts"), typical_price("x")
    (0.04, 0.00072, 0.01)
    """
    if model == ROUTER_MODEL:
        return ROUTED_MODELS[0][2]
    if model == "elevenlabs-tts":
        return round(TTS_PRICE_PER_CHAR * TTS_CHARS_MEDIAN, 6)
    found = MODELS.get(model)
    return found.price if found is not None else 0.01


def output_ext(model: str) -> str:
    """File extension of the output of ``model`` (``png`` for unknown slugs).

    >>> output_ext("veo-3"), output_ext("flux-2-pro")
    ('mp4', 'png')
    """
    found = MODELS.get(model)
    return CATEGORIES[found.category].output_ext if found is not None else "png"
