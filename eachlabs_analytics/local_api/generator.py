"""Generate realistic each::labs execution histories, deterministically from a seed.

What the data looks like (the tests in ``tests/test_sandbox_generator.py`` check it):

- Models from :mod:`~eachlabs_analytics.local_api.catalog` (image generation and editing,
  video, text-to-speech, music, the LLM router with ``requested_model``), with lognormal
  (heavy-tailed) run times and per-execution prices.
- Arrivals follow a daily curve (peaks around 09:00 and 15:00 UTC), a weekly one (quiet
  weekends) and a slow upward trend. Queue delays grow with the arrival rate of the hour.
- About 6 % of rows fail, over all ten error classes, with model-dependent rates (video
  times out, images hit content moderation, LLM calls hit provider rate limits). About 1 %
  are cancelled (40 % of those before they started).
- A share of rows belongs to multi-step workflows (``wf_...``): the steps of one run share a
  ``workflow_execution_id`` and start when the previous step completed; a failed step ends
  the run. Two workflows report the workflow backend's statuses (``completed``, ``failed``,
  ``running``, ``cancelled``).
- The clock stops at ``end``: rows that would start or finish later are still in flight
  (``created``: no ``started_at``; ``starting``: no ``completed_at``), and the newest 0.1 %
  of standalone rows (at least 3) are in flight too.

Money and time rules (what the API reports):

- ``run_time`` is exactly ``completed_at - started_at`` in seconds, 0 when either is null.
- In-flight rows cost 0 and have ``run_time`` 0 (the API's fields are numbers, not null).
- Failed rows cost 0, except ``execution_timeout`` (half the price: the compute was used).
  Rows cancelled while running pay the share of the run they used; before starting, 0.
- ``output`` is a storage URL (text for the LLM router) on successful rows, null otherwise.

>>> df = generate_executions(executions=500, seed=1, end="2026-10-31T00:00:00Z")
>>> len(df), df["created_at"].is_monotonic_decreasing
(500, True)
>>> df.equals(generate_executions(executions=500, seed=1, end="2026-10-31T00:00:00Z"))
True

Regenerate the bundled sample (see ``data/README.md``)::

    python -m eachlabs_analytics.local_api --out data/sample-executions.parquet
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eachlabs_analytics import schema
from eachlabs_analytics.local_api import catalog
from eachlabs_analytics.local_api.frame import build_frame

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
#: Share of executions that belong to workflow runs (when there are at least 200 rows).
WORKFLOW_SHARE = 0.12
#: Share of the newest standalone rows forced in flight (at least IN_FLIGHT_MIN of them).
IN_FLIGHT_SHARE = 0.001
IN_FLIGHT_MIN = 3
MAX_EXECUTIONS = 20_000_000

_CLASS_INDEX = {name: i for i, name in enumerate(schema.ERROR_CLASSES)}
_FAST_CLASSES = [_CLASS_INDEX[c] for c in ("invalid_user_input", "invalid_model_config")]
_FAST_CLASSES.append(_CLASS_INDEX["provider_auth"])
_PROVIDER_CLASSES = [_CLASS_INDEX[c] for c in ("provider_rate_limit", "provider_unavailable")]
_TIMEOUT = _CLASS_INDEX["execution_timeout"]
_MODERATION = _CLASS_INDEX["content_moderation"]

# per-model lookup arrays, indexed like catalog.CATALOG
_CAT_NAMES = tuple(catalog.CATEGORIES)
_M_CAT = np.array([_CAT_NAMES.index(m.category) for m in catalog.CATALOG])
_M_PRICE = np.array([m.price for m in catalog.CATALOG])
_M_RUN = np.array([m.run_median for m in catalog.CATALOG])
_M_SIGMA = np.array([catalog.CATEGORIES[m.category].run_sigma for m in catalog.CATALOG])
_M_QUEUE = np.array([catalog.CATEGORIES[m.category].queue_median for m in catalog.CATALOG])
_M_FAIL = np.array(
    [catalog.CATEGORIES[m.category].failure_rate * m.failure_factor for m in catalog.CATALOG]
)
_M_CANCEL = np.array([catalog.CATEGORIES[m.category].cancel_rate for m in catalog.CATALOG])
_M_TIMEOUT = np.array([catalog.CATEGORIES[m.category].timeout for m in catalog.CATALOG])
_M_EXT = np.array([catalog.CATEGORIES[m.category].output_ext for m in catalog.CATALOG])
_SLUGS = np.array([m.slug for m in catalog.CATALOG], dtype=object)
_MODEL_INDEX = {m.slug: i for i, m in enumerate(catalog.CATALOG)}
_ROUTER = _MODEL_INDEX[catalog.ROUTER_MODEL]
_TTS = _MODEL_INDEX["elevenlabs-tts"]

# outcome codes while drawing rows
_SUCCESS, _ERROR, _CANCELLED, _CREATED, _STARTING = range(5)
_STATUS_NAMES = np.array(["success", "error", "cancelled", "created", "starting"], dtype=object)
_NAT = np.iinfo(np.int64).min


def _standalone_probabilities() -> np.ndarray:
    probs = np.zeros(len(catalog.CATALOG))
    for name, category in catalog.CATEGORIES.items():
        members = [i for i, m in enumerate(catalog.CATALOG) if m.category == name]
        weights = np.array([catalog.CATALOG[i].weight for i in members], dtype=float)
        probs[members] = category.share * weights / weights.sum()
    return probs / probs.sum()


_STANDALONE_P = _standalone_probabilities()


def parse_end(end: str | datetime | pd.Timestamp | None) -> pd.Timestamp:
    """The window end as a UTC timestamp; ``None`` means now, floored to the second.

    Naive values are taken as UTC; strings must be ISO 8601 / RFC 3339.

    >>> parse_end("2026-10-31T02:00:00+02:00")
    Timestamp('2026-10-31 00:00:00+0000', tz='UTC')
    """
    if end is None:
        return pd.Timestamp.now(tz="UTC").floor("s")
    if not isinstance(end, str | datetime | pd.Timestamp):
        raise TypeError(
            f"end must be an ISO 8601 string, a datetime or a pandas Timestamp, not "
            f"{type(end).__name__}"
        )
    try:
        stamp = pd.Timestamp(end)
    except ValueError as exc:
        raise ValueError(
            f"end={end!r} is not a timestamp; use ISO 8601, e.g. '2026-10-31T00:00:00Z'"
        ) from exc
    if stamp is pd.NaT:
        raise ValueError("end must be a timestamp, not NaT")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.floor("us")


def _validate(executions: Any, seed: Any, days: Any) -> None:
    if isinstance(executions, bool) or not isinstance(executions, int | np.integer):
        raise TypeError(f"executions must be an integer, not {type(executions).__name__}")
    if not 0 <= executions <= MAX_EXECUTIONS:
        raise ValueError(f"executions must be between 0 and {MAX_EXECUTIONS:,}, got {executions}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(days, bool) or not isinstance(days, int | float | np.number):
        raise TypeError(f"days must be a number of days, not {type(days).__name__}")
    if not 0 < days <= 3650:
        raise ValueError(f"days must be greater than 0 and at most 3650, got {days}")


class _Clock:
    """The window's hourly arrival intensity (seasonality + trend) and its sampler."""

    def __init__(self, rng: np.random.Generator, start_us: int, end_us: int) -> None:
        self.start_us = start_us
        self.end_us = end_us
        n_buckets = max(1, -(-(end_us - start_us) // HOUR_US))
        starts = start_us + np.arange(n_buckets, dtype=np.int64) * HOUR_US
        self.lengths = np.minimum(starts + HOUR_US, end_us) - starts
        stamps = starts.astype("datetime64[us]")
        hour = (stamps - stamps.astype("datetime64[D]")).astype("timedelta64[h]").astype(int)
        weekday = (stamps.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 0 = Monday
        daily = (
            0.35
            + np.exp(-0.5 * ((hour - 15) / 3.5) ** 2)
            + 0.5 * np.exp(-0.5 * ((hour - 9) / 2.5) ** 2)
        )
        weekly = np.array([1.0, 1.05, 1.05, 1.0, 0.95, 0.55, 0.5])[weekday]
        trend = 1.0 + 0.3 * np.arange(n_buckets) / n_buckets
        day_index = (starts - start_us) // DAY_US
        day_noise = rng.lognormal(0.0, 0.12, int(day_index.max()) + 1)[day_index]
        rate = daily * weekly * trend * day_noise  # arrivals per hour, relative
        self.load = rate / rate.mean()
        weights = rate * self.lengths / HOUR_US
        self.p = weights / weights.sum()
        self.starts = starts

    def sample(self, rng: np.random.Generator, k: int) -> np.ndarray:
        """``k`` creation times (µs since epoch) following the intensity, unsorted."""
        counts = rng.multinomial(k, self.p)
        bucket = np.repeat(np.arange(len(self.p)), counts)
        offset = np.floor(rng.random(k) * self.lengths[bucket]).astype(np.int64)
        return self.starts[bucket] + offset

    def load_at(self, created_us: np.ndarray) -> np.ndarray:
        """The relative load (1 = average) of the hour each time falls in."""
        bucket = np.clip((created_us - self.start_us) // HOUR_US, 0, len(self.load) - 1)
        return self.load[bucket]


def _choose(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    return rng.choice(len(weights), size=k, p=weights / weights.sum())


def _draw_rows(
    rng: np.random.Generator, model: np.ndarray, created: np.ndarray, load: np.ndarray, end: int
) -> dict[str, np.ndarray]:
    """Draw every attribute of executions of ``model`` created at ``created`` (µs)."""
    k = len(model)
    cat = _M_CAT[model]
    # price multiplier (video length, number of images ...) also lengthens the run
    mult = np.ones(k)
    for ci, name in enumerate(_CAT_NAMES):
        spec = catalog.CATEGORIES[name]
        rows = np.flatnonzero(cat == ci)
        if len(spec.price_choices) > 1 and len(rows):
            choices = np.array(spec.price_choices)
            mult[rows] = choices[_choose(rng, np.array(spec.price_weights), len(rows))]
    run = _M_RUN[model] * rng.lognormal(0.0, _M_SIGMA[model]) * mult**0.8
    price = _M_PRICE[model] * mult
    requested = np.full(k, None, dtype=object)
    tts = np.flatnonzero(model == _TTS)
    if len(tts):
        chars = np.clip(
            np.round(rng.lognormal(np.log(catalog.TTS_CHARS_MEDIAN), 0.8, len(tts))),
            10,
            catalog.TTS_MAX_CHARS,
        )
        price[tts] = chars * catalog.TTS_PRICE_PER_CHAR
        run[tts] = 0.3 + chars / 250.0 * rng.lognormal(0.0, 0.3, len(tts))
    router = np.flatnonzero(model == _ROUTER)
    if len(router):
        names = np.array([r[0] for r in catalog.ROUTED_MODELS], dtype=object)
        which = _choose(rng, np.array([r[1] for r in catalog.ROUTED_MODELS], float), len(router))
        medians = np.array([r[2] for r in catalog.ROUTED_MODELS])[which]
        requested[router] = names[which]
        price[router] = medians * rng.lognormal(0.0, 0.8, len(router))
    queue = _M_QUEUE[model] * load**1.5 * rng.lognormal(0.0, 0.6, k)
    cold = rng.random(k) < 0.02  # cold starts
    queue[cold] += rng.uniform(10.0, 60.0, int(cold.sum()))

    u = rng.random(k)
    outcome = np.full(k, _SUCCESS)
    outcome[u < _M_FAIL[model]] = _ERROR
    outcome[(u >= _M_FAIL[model]) & (u < _M_FAIL[model] + _M_CANCEL[model])] = _CANCELLED
    cost = price.copy()
    error_class = np.full(k, -1)
    failed = np.flatnonzero(outcome == _ERROR)
    for ci, name in enumerate(_CAT_NAMES):
        rows = failed[cat[failed] == ci]
        weights = np.array(catalog.CATEGORIES[name].error_weights, dtype=float)
        error_class[rows] = _choose(rng, weights, len(rows))
    fclass = error_class[failed]
    frun = run[failed] * rng.uniform(0.05, 1.0, len(failed))  # provider/internal/unknown
    fast = np.isin(fclass, _FAST_CLASSES)
    frun[fast] = rng.uniform(0.05, 1.5, int(fast.sum()))
    provider = np.isin(fclass, _PROVIDER_CLASSES)
    frun[provider] = rng.uniform(0.2, 5.0, int(provider.sum()))
    timeout = fclass == _TIMEOUT
    frun[timeout] = _M_TIMEOUT[model[failed][timeout]] + rng.uniform(0, 2, int(timeout.sum()))
    input_check = (fclass == _MODERATION) & (rng.random(len(failed)) < 0.5)
    frun[input_check] = rng.uniform(0.2, 2.0, int(input_check.sum()))
    run[failed] = frun
    cost[failed] = np.where(timeout, price[failed] * 0.5, 0.0)

    queue_us = np.round(queue * 1e6).astype(np.int64)
    started = created + queue_us
    cancelled = np.flatnonzero(outcome == _CANCELLED)
    before_start = rng.random(len(cancelled)) < 0.4
    used = rng.uniform(0.05, 0.9, len(cancelled))
    cost[cancelled] = np.where(before_start, 0.0, price[cancelled] * used)
    run[cancelled] = np.where(before_start, 0.0, run[cancelled] * used)
    run_us = np.round(run * 1e6).astype(np.int64)
    completed = started + run_us
    never_started = cancelled[before_start]
    completed[never_started] = created[never_started] + (
        queue_us[never_started] * used[before_start]
    ).astype(np.int64)
    started[never_started] = _NAT
    run_us[never_started] = 0

    # the clock stops at `end`: what has not started / finished by then is in flight
    has_start = started != _NAT
    not_started = (has_start & (started > end)) | (~has_start & (completed > end))
    running = has_start & (started <= end) & (completed > end)
    outcome[not_started] = _CREATED
    outcome[running] = _STARTING
    in_flight = not_started | running
    started[not_started] = _NAT
    completed[in_flight] = _NAT
    run_us[in_flight] = 0
    cost[in_flight] = 0.0
    error_class[in_flight] = -1
    return {
        "model": model,
        "requested": requested,
        "outcome": outcome,
        "error_class": error_class,
        "created": created,
        "started": started,
        "completed": completed,
        "run_us": run_us,
        "cost": np.round(cost, 6),
    }


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    keys = parts[0].keys()
    return {key: np.concatenate([p[key] for p in parts]) for key in keys}


def _hex_id(seed: int, label: str, n_hex: int) -> str:
    digest = hashlib.blake2b(f"{seed}:{label}".encode(), digest_size=16).hexdigest()
    return digest[:n_hex]


def _workflow_rows(
    rng: np.random.Generator, clock: _Clock, target: int, seed: int
) -> dict[str, np.ndarray] | None:
    """Rows of workflow runs: step k+1 is created shortly after step k completed."""
    parts: list[dict[str, np.ndarray]] = []
    weights = np.array([0.28, 0.22, 0.18, 0.12, 0.1, 0.1])
    run_counter = 0
    for w, (name, steps, backend) in enumerate(catalog.WORKFLOWS):
        runs = int(target * weights[w] / len(steps))
        if runs == 0:
            continue
        workflow_id = f"wf_{_hex_id(seed, name, 10)}"
        run_ids = np.array(
            [f"wf_exec_{_hex_id(seed, f'run{run_counter + i}', 12)}" for i in range(runs)],
            dtype=object,
        )
        run_counter += runs
        created = clock.sample(rng, runs)
        alive = np.arange(runs)
        for slug in steps:
            model = np.full(len(alive), _MODEL_INDEX[slug])
            rows = _draw_rows(rng, model, created, clock.load_at(created), clock.end_us)
            rows["workflow_id"] = np.full(len(alive), workflow_id, dtype=object)
            rows["workflow_execution_id"] = run_ids[alive]
            rows["backend"] = np.full(len(alive), backend == "workflow")
            parts.append(rows)
            done = rows["outcome"] == _SUCCESS
            gap = np.round(rng.uniform(0.05, 0.8, int(done.sum())) * 1e6).astype(np.int64)
            created = rows["completed"][done] + gap
            alive = alive[done]
            keep = created < clock.end_us
            created, alive = created[keep], alive[keep]
            if not len(alive):
                break
    return _concat(parts) if parts else None


def _force_in_flight(rng: np.random.Generator, rows: dict[str, np.ndarray], end: int) -> None:
    """Make the newest standalone rows still in flight (a live system always has some)."""
    standalone = np.flatnonzero(rows["workflow_id"] == None)  # noqa: E711 (object array)
    k = min(len(standalone), max(IN_FLIGHT_MIN, int(round(len(rows["id_int"]) * IN_FLIGHT_SHARE))))
    if k == 0:
        return
    newest = standalone[np.argsort(rows["created"][standalone], kind="stable")[-k:]]
    could_start = (rows["created"][newest] + 1 <= end) & (rng.random(k) < 0.6)
    started = rows["started"][newest]
    started = np.where(started == _NAT, rows["created"][newest] + 1, np.minimum(started, end))
    rows["started"][newest] = np.where(could_start, started, _NAT)
    rows["outcome"][newest] = np.where(could_start, _STARTING, _CREATED)
    rows["completed"][newest] = _NAT
    rows["run_us"][newest] = 0
    rows["cost"][newest] = 0.0
    rows["error_class"][newest] = -1


def _mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection on uint64, so distinct inputs give distinct ids."""
    z = values.astype(np.uint64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


_HEX_PAIRS = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")


def _hex16(values: np.ndarray) -> pa.Array:
    """uint64 -> 16 lowercase hex digits each, vectorised (a byte -> two digits table)."""
    as_bytes = values.astype(">u8").view(np.uint8).reshape(-1, 8)
    digits = np.ascontiguousarray(_HEX_PAIRS[as_bytes]).view("S16").ravel()
    return pa.array(digits, pa.binary()).cast(pa.string())


def _to_datetime64(values: np.ndarray) -> np.ndarray:
    out = values.astype("datetime64[us]")
    out[values == _NAT] = np.datetime64("NaT")
    return out


def generate_executions(
    executions: int = 20_000,
    seed: int = 7,
    end: str | datetime | pd.Timestamp | None = None,
    days: float = 90,
) -> pd.DataFrame:
    """Generate ``executions`` rows created in the ``days`` before ``end`` (ground truth).

    Returns a DataFrame with exactly ``schema.COLUMNS`` and ``schema.DTYPES``, sorted by
    ``created_at`` descending then ``id`` descending. ``error_classification`` holds the
    class of failed rows (NA elsewhere); the durations come from the timestamps.
    Deterministic per ``(executions, seed, end, days)``; ``end`` defaults to now (UTC,
    floored to the second). ``df.attrs["window"]`` holds the window, ``df.attrs["generator"]``
    the parameters.

    >>> df = generate_executions(executions=2_000, seed=3, end="2026-10-31T00:00:00Z")
    >>> bool(df["model"].isin(list(catalog.MODELS)).all()), df.attrs["window"]["end"]
    (True, '2026-10-31T00:00:00Z')
    >>> sorted(df.columns) == sorted(schema.COLUMNS)
    True
    """
    _validate(executions, seed, days)
    end_ts = parse_end(end)
    end_us = int(end_ts.value // 1000)
    start_us = end_us - int(round(days * DAY_US))
    rng = np.random.default_rng([int(seed), 0x5A4D])
    clock = _Clock(rng, start_us, end_us)

    parts: list[dict[str, np.ndarray]] = []
    n_workflow = 0
    if executions >= 200:
        workflow = _workflow_rows(rng, clock, int(executions * WORKFLOW_SHARE), int(seed))
        if workflow is not None:
            parts.append(workflow)
            n_workflow = len(workflow["model"])
    k = executions - n_workflow
    model = _choose(rng, _STANDALONE_P, k)
    created = clock.sample(rng, k)
    standalone = _draw_rows(rng, model, created, clock.load_at(created), end_us)
    standalone["workflow_id"] = np.full(k, None, dtype=object)
    standalone["workflow_execution_id"] = np.full(k, None, dtype=object)
    standalone["backend"] = np.zeros(k, dtype=bool)
    parts.append(standalone)
    rows = _concat(parts)
    salt = np.uint64((int(seed) * 0x9E3779B97F4A7C15) % 2**64)
    rows["id_int"] = _mix64(np.arange(executions, dtype=np.uint64) + salt)
    _force_in_flight(rng, rows, end_us)

    order = np.lexsort((rows["id_int"], rows["created"]))[::-1]
    rows = {key: value[order] for key, value in rows.items()}
    return _assemble(rows, end_ts, start_us, executions, int(seed), days)


def _assemble(
    rows: dict[str, np.ndarray],
    end_ts: pd.Timestamp,
    start_us: int,
    executions: int,
    seed: int,
    days: float,
) -> pd.DataFrame:
    hexes = _hex16(rows["id_int"])
    status = _STATUS_NAMES[rows["outcome"]]
    backend = rows["backend"]
    if backend.any():
        status[backend] = [catalog.WORKFLOW_BACKEND_STATUS[s] for s in status[backend]]
    success = rows["outcome"] == _SUCCESS
    url_head, url_tail = catalog.OUTPUT_URL.split("{id}")
    ext = pa.DictionaryArray.from_arrays(
        pa.array(rows["model"], pa.int32()), pa.array(_M_EXT.tolist())
    ).cast(pa.string())
    urls = pc.binary_join_element_wise(url_head, hexes, url_tail.split("{ext}")[0], ext, "")
    texts = pa.array(list(catalog.LLM_OUTPUTS)).take(
        pa.array(rows["id_int"] % np.uint64(len(catalog.LLM_OUTPUTS)))
    )
    router = rows["model"] == _ROUTER
    output = pc.if_else(pa.array(router), texts, urls)
    output = pc.if_else(pa.array(success), output, pa.scalar(None, pa.string()))
    error_class = np.array(list(schema.ERROR_CLASSES) + [None], dtype=object)[rows["error_class"]]
    frame = build_frame(
        {
            "id": pc.binary_join_element_wise("exec_", hexes, ""),
            "model": pa.DictionaryArray.from_arrays(
                pa.array(rows["model"], pa.int32()), pa.array(_SLUGS.tolist())
            ).cast(pa.string()),
            "requested_model": rows["requested"],
            "status": status,
            "workflow_id": rows["workflow_id"],
            "workflow_execution_id": rows["workflow_execution_id"],
            "execution_cost": rows["cost"],
            "run_time": rows["run_us"] / 1e6,
            "created_at": _to_datetime64(rows["created"]),
            "started_at": _to_datetime64(rows["started"]),
            "completed_at": _to_datetime64(rows["completed"]),
            "output": output,
            "error_classification": error_class,
        }
    )
    frame.attrs["window"] = {
        "start": _rfc3339(start_us),
        "end": _rfc3339(int(end_ts.value // 1000)),
    }
    frame.attrs["generator"] = {"executions": executions, "seed": seed, "days": days}
    return frame


def new_executions(rng: np.random.Generator, created_us: list[int]) -> list[dict[str, Any]]:
    """Freshly submitted executions (status ``created``), one per creation time (µs).

    Used by the sandbox's ``new_rows_per_request`` fault; ids are random ``exec_<hex>``.

    >>> rows = new_executions(np.random.default_rng(1), [1_800_000_000_000_000])
    >>> rows[0]["status"], rows[0]["execution_cost"], rows[0]["started_at"] is None
    ('created', 0.0, True)
    """
    models = _choose(rng, _STANDALONE_P, len(created_us))
    routed = _choose(rng, np.array([r[1] for r in catalog.ROUTED_MODELS], float), len(created_us))
    hexes = rng.integers(0, 2**63, len(created_us))
    rows = []
    for model, which, number, created in zip(models, routed, hexes, created_us, strict=True):
        rows.append(
            {
                "id": f"exec_{int(number):016x}",
                "model": str(_SLUGS[model]),
                "requested_model": catalog.ROUTED_MODELS[which][0] if model == _ROUTER else None,
                "status": "created",
                "workflow_id": None,
                "workflow_execution_id": None,
                "execution_cost": 0.0,
                "run_time": 0.0,
                "created_at": int(created),
                "started_at": None,
                "completed_at": None,
                "output": None,
                "error_classification": None,
            }
        )
    return rows


def _rfc3339(us: int) -> str:
    text = str(np.datetime64(us, "us"))
    text = text.removesuffix(".000000")
    return text + "Z"


def main(argv: list[str] | None = None) -> int:
    """Write a generated history to Parquet: ``python -m eachlabs_analytics.local_api``.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "history.parquet"
    >>> main(["--out", str(out), "--executions", "50", "--days", "3"])  # doctest: +ELLIPSIS
    wrote 50 executions to .../history.parquet (0.01 MB)
    0
    """
    import argparse

    from eachlabs_analytics.local_api import sample

    parser = argparse.ArgumentParser(
        prog="python -m eachlabs_analytics.local_api",
        description="Generate a deterministic each::labs execution history as Parquet (zstd).",
    )
    parser.add_argument("--out", default=str(sample.SAMPLE_PATH), help="Parquet file to write")
    parser.add_argument("--executions", type=int, default=sample.SAMPLE_PARAMS["executions"])
    parser.add_argument("--seed", type=int, default=sample.SAMPLE_PARAMS["seed"])
    parser.add_argument("--end", default=sample.SAMPLE_PARAMS["end"], help="RFC 3339 window end")
    parser.add_argument("--days", type=float, default=sample.SAMPLE_PARAMS["days"])
    args = parser.parse_args(argv)
    days = int(args.days) if float(args.days).is_integer() else args.days
    frame = generate_executions(args.executions, args.seed, args.end, days)
    path = sample.write_executions(frame, args.out)
    print(f"wrote {len(frame):,} executions to {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
