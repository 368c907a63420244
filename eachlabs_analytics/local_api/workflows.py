"""The organisation's workflows the sandbox lists at ``GET /v1/workflows``, and their pages.

Names are known for the generator's workflows (:data:`~.catalog.WORKFLOWS`): a workflow id in
the data is matched to its workflow by the id the generator gives it (from the frame's
``attrs["generator"]["seed"]``), else by the models its rows ran (a unique workflow whose
steps include all of them); ids matched by neither are listed as "Untitled workflow N". So
that a client meets "names where known", the list also holds :data:`UNUSED_WORKFLOWS`
(workflows never run) and leaves out one workflow that has executions
(:data:`DELETED_WORKFLOW`, else the one with the fewest runs): it was deleted, so the API no
longer lists it.

Pages follow the vendor's contract: newest first (``created_at``, then ``workflow_id``,
descending); ``limit`` default 50, above 100 capped to 100, below 1 or not an integer a 400;
``offset`` >= 0; the response's ``offset`` is the next page's start, present only when the
page came back full; ``total_count`` is the whole list's size.

>>> from eachlabs_analytics.local_api.generator import generate_executions
>>> df = generate_executions(2_000, seed=3, end="2026-10-31T00:00:00Z")
>>> listed = workflow_list(df, pd.Timestamp("2026-10-31", tz="UTC"))
>>> names = {w["name"] for w in listed}
>>> "Product shots" in names, "Avatar swap" in names, "Logo generator" in names
(True, False, True)
>>> import orjson
>>> page = orjson.loads(workflows_page(listed, "limit=3&offset=3"))
>>> len(page["workflows"]), page["offset"], page["total_count"] == len(listed)
(3, 6, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pandas as pd

from eachlabs_analytics.local_api import catalog
from eachlabs_analytics.local_api.generator import _hex_id
from eachlabs_analytics.local_api.query import _integer, first_values

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
#: Human names of the generator's workflows, by their key in ``catalog.WORKFLOWS``.
NAMES: dict[str, str] = {
    "product-shots": "Product shots",
    "ad-video": "Ad video",
    "voice-over": "Voice-over",
    "story-reel": "Story reel",
    "avatar-swap": "Avatar swap",
    "catalog-refresh": "Catalog refresh",
}
TAGS: dict[str, tuple[str, ...]] = {
    "product-shots": ("ecommerce",),
    "ad-video": ("marketing",),
    "voice-over": ("audio", "marketing"),
    "story-reel": ("social",),
    "catalog-refresh": ("ecommerce", "batch"),
}
#: The workflow that has executions in the generated data but is no longer listed.
DELETED_WORKFLOW = "avatar-swap"
#: Listed workflows never run: (slug, name, status, days before the clock it was created,
#: categories, tags).
UNUSED_WORKFLOWS: tuple[tuple[str, str, str, int, tuple[str, ...], tuple[str, ...]], ...] = (
    ("logo-generator", "Logo generator", "active", 2, ("image-generation",), ("branding",)),
    ("podcast-intro", "Podcast intro", "active", 9, ("text-to-speech", "music-generation"), ()),
    ("thumbnail-batch", "Thumbnail batch", "active", 30, ("image-editing",), ("youtube",)),
    ("holiday-campaign", "Holiday campaign", "archived", 300, ("video-generation",), ()),
)
#: The category slug of each catalogue category.
CATEGORY_SLUGS: dict[str, str] = {
    "image_gen": "image-generation",
    "image_edit": "image-editing",
    "video": "video-generation",
    "tts": "text-to-speech",
    "music": "music-generation",
    "llm": "text-generation",
}
_STEPS = {name: steps for name, steps, _ in catalog.WORKFLOWS}
_BACKENDS = {name: backend for name, _, backend in catalog.WORKFLOWS}


def _rfc3339(stamp: pd.Timestamp) -> str:
    return stamp.tz_convert("UTC").floor("s").strftime("%Y-%m-%dT%H:%M:%SZ")


def _workflow_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """``workflow_id``, ``run``, ``model`` and ``created_at`` of the rows of workflow runs
    (ids as plain strings; a row without a run id is a run of its own)."""
    mask = frame["workflow_id"].notna().to_numpy(bool)
    wids = frame["workflow_id"].to_numpy(dtype=object)[mask].astype(str)
    runs = frame["workflow_execution_id"].to_numpy(dtype=object)[mask]
    runs = np.where(pd.isna(runs), wids, runs).astype(str)
    return pd.DataFrame(
        {
            "workflow_id": wids,
            "run": runs,
            "model": frame["model"].to_numpy(dtype=object)[mask].astype(str),
            "created_at": frame["created_at"].to_numpy("datetime64[us]")[mask],  # UTC
        }
    )


def _models_by_workflow(rows: pd.DataFrame) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    pairs = rows[["workflow_id", "model"]].drop_duplicates()
    for wid, model in zip(pairs["workflow_id"], pairs["model"], strict=True):
        seen.setdefault(wid, set()).add(model)
    return seen


def identify(frame: pd.DataFrame) -> dict[str, str]:
    """Which generator workflow (its key in ``catalog.WORKFLOWS``) each workflow id of
    ``frame`` is, where that can be told (see the module docstring).

    >>> from eachlabs_analytics.local_api.generator import generate_executions
    >>> df = generate_executions(2_000, seed=3, end="2026-10-31T00:00:00Z")
    >>> found = identify(df)
    >>> sorted(found.values()) == sorted(NAMES), identify(df.assign(workflow_id=None))
    (True, {})
    """
    return _identify(_models_by_workflow(_workflow_rows(frame)), frame.attrs.get("generator"))


def _identify(seen: dict[str, set[str]], generator: object) -> dict[str, str]:
    found: dict[str, str] = {}
    seed = generator.get("seed") if isinstance(generator, dict) else None
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        for name in _STEPS:
            wid = f"wf_{_hex_id(int(seed), name, 10)}"
            if wid in seen:
                found[wid] = name
    for wid, models in sorted(seen.items()):
        if wid in found:
            continue
        taken = set(found.values())
        fits = [n for n, steps in _STEPS.items() if n not in taken and models <= set(steps)]
        if len(fits) == 1:
            found[wid] = fits[0]
    return found


def _categories(models: set[str]) -> list[str]:
    cats = {catalog.MODELS[m].category for m in models if m in catalog.MODELS}
    return sorted(CATEGORY_SLUGS[c] for c in cats)


def _summary(
    wid: str, slug: str, name: str, created: pd.Timestamp, **fields: Any
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "workflow_id": wid,
        "slug": slug,
        "name": name,
        "categories": [],
        "tags": [],
        "status": "active",
        "trigger_count": 0,
        "clone_count": 0,
        "is_public": False,
        "production": False,
        "node_based": False,
        "created_at": _rfc3339(created),
        "updated_at": _rfc3339(created),
    }
    summary.update(fields)
    return summary


def workflow_list(frame: pd.DataFrame, now: pd.Timestamp) -> list[dict[str, Any]]:
    """Every listed workflow's summary, newest first (see the module docstring).

    ``trigger_count`` is the number of runs (distinct ``workflow_execution_id``) in
    ``frame``; a workflow that ran was created a day before its first run; the unused ones
    some days before ``now``.

    >>> from eachlabs_analytics.local_api.generator import generate_executions
    >>> df = generate_executions(2_000, seed=3, end="2026-10-31T00:00:00Z")
    >>> first = workflow_list(df, pd.Timestamp("2026-10-31", tz="UTC"))[0]
    >>> first["name"], first["trigger_count"], first["created_at"]
    ('Logo generator', 0, '2026-10-29T00:00:00Z')
    """
    rows = _workflow_rows(frame)
    by_workflow = rows.groupby("workflow_id", sort=True)
    stats = pd.DataFrame(
        {
            "runs": by_workflow["run"].nunique(),
            "first": by_workflow["created_at"].min(),
            "last": by_workflow["created_at"].max(),
        }
    )
    models = _models_by_workflow(rows)
    known = _identify(models, frame.attrs.get("generator"))
    gone = [w for w, key in known.items() if key == DELETED_WORKFLOW]
    if not gone and len(stats):
        gone = [stats.sort_values("runs", kind="stable").index[0]]
    listed: list[dict[str, Any]] = []
    untitled = 0
    for wid, stat in stats.sort_values("first", kind="stable").iterrows():
        if wid in gone:
            continue
        key = known.get(str(wid))
        if key is None:
            untitled += 1
        created = pd.Timestamp(stat["first"], tz="UTC") - pd.Timedelta(days=1)
        listed.append(
            _summary(
                str(wid),
                key or str(wid),
                NAMES[key] if key else f"Untitled workflow {untitled}",
                created,
                categories=_categories(models[str(wid)]),
                tags=list(TAGS.get(key or "", ())),
                trigger_count=int(stat["runs"]),
                production=True,
                node_based=_BACKENDS.get(key or "") == "workflow",
                updated_at=_rfc3339(pd.Timestamp(stat["last"], tz="UTC")),
            )
        )
    generator = frame.attrs.get("generator")
    seed = generator.get("seed", 0) if isinstance(generator, dict) else 0
    for slug, name, status, days, cats, tags in UNUSED_WORKFLOWS:
        created = now.floor("D") - pd.Timedelta(days=days)
        wid = f"wf_{_hex_id(int(seed), 'listed:' + slug, 10)}"
        fields = {"categories": list(cats), "tags": list(tags), "status": status}
        listed.append(_summary(wid, slug, name, created, **fields))
    listed.sort(key=lambda w: (w["created_at"], w["workflow_id"]), reverse=True)
    return listed


def workflows_page(listed: list[dict[str, Any]], query_string: str) -> bytes:
    """The JSON body of one page of ``listed`` for a ``GET /v1/workflows`` query string;
    raises :class:`~.query.BadRequest` for a ``limit`` or ``offset`` not allowed.

    >>> listed = [{"workflow_id": f"wf_{i}"} for i in range(3)]
    >>> orjson.loads(workflows_page(listed, "limit=500"))["workflows"] == listed
    True
    >>> workflows_page(listed, "limit=0")
    Traceback (most recent call last):
    ...
    eachlabs_analytics.local_api.query.BadRequest: limit must be an integer >= 1, got '0'
    """
    params = first_values(query_string)
    limit = min(_integer(params, "limit", DEFAULT_LIMIT, 1, None), MAX_LIMIT)
    offset = _integer(params, "offset", 0, 0, None)
    page = listed[offset : offset + limit]
    body: dict[str, Any] = {"workflows": page}
    if len(page) == limit:
        body["offset"] = offset + limit
    body["total_count"] = len(listed)
    return orjson.dumps(body)
