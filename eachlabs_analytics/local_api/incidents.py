"""Labelled incidents injected into a generated history: detection tests with the truth known.

Five kinds, each on ``[start, end)`` (UTC) of the rows' creation time:

- ``spend_spike``: a runaway client, ``group`` = a model: every execution of the model in the
  interval is repeated ``magnitude`` more times (default 8), each copy within half an hour of
  the original (the day's rhythm is kept), as standalone rows with new ids.
- ``error_outage``: ``group`` = an error class: ``magnitude`` (default 0.5) of the successful
  executions in the interval (of ``model`` only, when given) fail with that class, fast (0.2 to
  5 s after starting), cost 0 (an ``execution_timeout`` costs half, as the generator's), no
  output; workflow-backend rows become ``failed``, others ``error``.
- ``latency_degradation``: ``group`` = a model, or None for all: the queue of each finished
  execution grows by ``magnitude`` seconds (default 60) times a lognormal factor; rows that
  would then finish after the window's end are left as they were.
- ``price_change``: ``group`` = a model: its ``execution_cost`` is multiplied by
  ``magnitude`` (default 3); ``end`` defaults to the window's end.
- ``traffic_drop``: ``group`` = a model, or None for all: ``magnitude`` (default 0.7) of the
  executions disappear (a whole workflow run at a time, so no run loses only some steps).

The frame keeps the schema's columns and dtypes, the derived seconds are recomputed from the
timestamps (:func:`~eachlabs_analytics.local_api.frame.build_frame`), rows stay newest first
and ``attrs`` are kept (plus ``attrs["incidents"]``, the truth as records). The sandbox serves
it like any frame: ``ea.Sandbox(data=frame)``.

>>> from eachlabs_analytics.local_api import generate_executions
>>> df = generate_executions(executions=3_000, seed=2, end="2026-10-31T00:00:00Z")
>>> hit, truth = inject_incidents(df, [Incident("price_change", "2026-10-20", group="veo-3")])
>>> truth[["kind", "group", "by"]].values.tolist()
[['price_change', 'veo-3', 'model']]
>>> after = hit["created_at"] >= pd.Timestamp("2026-10-20", tz="UTC")
>>> veo = after & (hit["model"] == "veo-3")
>>> bool(hit.loc[veo, "execution_cost"].sum() > df.loc[veo, "execution_cost"].sum())
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.local_api.frame import build_frame, sort_newest_first

#: Incident kinds, in the order the default set places them.
KINDS: tuple[str, ...] = (
    "spend_spike",
    "error_outage",
    "latency_degradation",
    "price_change",
    "traffic_drop",
)
#: Default ``magnitude`` of each kind (see the module's docstring for what it means).
DEFAULT_MAGNITUDE: dict[str, float] = {
    "spend_spike": 8.0,
    "error_outage": 0.5,
    "latency_degradation": 60.0,
    "price_change": 3.0,
    "traffic_drop": 0.7,
}
#: The metrics each kind moves (names of ``detect_anomalies``'s metrics).
MOVES: dict[str, tuple[str, ...]] = {
    "spend_spike": ("spend", "executions"),
    "error_outage": ("failed", "error_rate"),
    "latency_degradation": ("p95_total_seconds", "p95_queue_seconds"),
    "price_change": ("spend",),
    "traffic_drop": ("executions", "spend"),
}
#: Columns of the truth labels.
TRUTH_COLUMNS: tuple[str, ...] = ("kind", "start", "end", "group", "by", "magnitude", "metrics")

_US = np.timedelta64(1, "us")


@dataclass(frozen=True)
class Incident:
    """One incident to inject: what, when (``[start, end)``, UTC; ``end=None`` is one day for
    every kind but ``price_change``, which lasts to the window's end), on which group, how
    strong (None: :data:`DEFAULT_MAGNITUDE`); ``model`` narrows an ``error_outage``.

    >>> Incident("traffic_drop", "2026-10-20").kind
    'traffic_drop'
    """

    kind: str
    start: str | pd.Timestamp
    end: str | pd.Timestamp | None = None
    group: str | None = None
    magnitude: float | None = None
    model: str | None = None


def _stamp(value: object, name: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InvalidQueryError(f"incident {name}={value!r} is not a timestamp") from exc
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.as_unit("us")


def _window_end(df: pd.DataFrame) -> pd.Timestamp:
    window = df.attrs.get("window")
    if isinstance(window, dict) and window.get("end"):
        return _stamp(window["end"], "window end")
    return pd.Timestamp(df["created_at"].max()).as_unit("us") + pd.Timedelta(microseconds=1)


def _check(incident: Incident, df: pd.DataFrame, end_of_window: pd.Timestamp) -> Incident:
    if incident.kind not in KINDS:
        raise InvalidQueryError(
            f"incident kind {incident.kind!r} is not allowed; use one of {', '.join(KINDS)}"
        )
    start = _stamp(incident.start, "start")
    if incident.end is None:
        end = end_of_window if incident.kind == "price_change" else start + pd.Timedelta(days=1)
    else:
        end = _stamp(incident.end, "end")
    if not start < end:
        raise InvalidQueryError(f"incident {incident.kind}: start must be before end")
    group = incident.group
    if incident.kind == "error_outage":
        if group not in schema.ERROR_CLASSES:
            raise InvalidQueryError(
                f"error_outage needs group= one of the error classes: "
                f"{', '.join(schema.ERROR_CLASSES)}"
            )
    elif group is None and incident.kind in ("spend_spike", "price_change"):
        raise InvalidQueryError(f"{incident.kind} needs group= a model slug")
    magnitude = incident.magnitude
    magnitude = DEFAULT_MAGNITUDE[incident.kind] if magnitude is None else float(magnitude)
    share = incident.kind in ("error_outage", "traffic_drop")
    if not magnitude > 0 or (share and magnitude > 1):
        raise InvalidQueryError(
            f"{incident.kind}: magnitude={magnitude!r} is not allowed; use "
            + ("a share in (0, 1]" if share else "a positive number")
        )
    return Incident(incident.kind, start, end, group, magnitude, incident.model)


def _in(df: pd.DataFrame, incident: Incident, model: str | None) -> np.ndarray:
    created = df["created_at"]
    rows = ((created >= incident.start) & (created < incident.end)).to_numpy(bool, na_value=False)
    if model is not None:
        rows = rows & (df["model"] == model).to_numpy(bool, na_value=False)
    return rows


def _finished(df: pd.DataFrame) -> np.ndarray:
    return (~df["status"].isin(schema.IN_FLIGHT_STATUSES)).to_numpy(dtype=bool)


def _new_ids(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    ids: list[str] = []
    while len(ids) < n:
        for number in rng.integers(0, 2**63, n - len(ids)):
            text = f"exec_{int(number):016x}"
            if text not in taken:
                taken.add(text)
                ids.append(text)
    return ids


def _spike(
    df: pd.DataFrame, inc: Incident, rng: np.random.Generator, end: pd.Timestamp
) -> pd.DataFrame:
    source = df.loc[_in(df, inc, inc.group) & _finished(df)]
    copies = []
    taken = set(df["id"].astype(str))
    for _ in range(int(round(float(inc.magnitude or 0)))):
        shift = pd.to_timedelta(rng.uniform(-1800, 1800, len(source)), unit="s").as_unit("us")
        copy = source.copy()
        for column in schema.TIMESTAMP_FIELDS:
            copy[column] = copy[column] + shift
        inside = (copy["created_at"] >= inc.start) & (copy["created_at"] < inc.end)
        done = copy["completed_at"].isna() | (copy["completed_at"] <= end)
        copy = copy.loc[(inside & done).to_numpy(bool)]
        copy["id"] = pd.array(_new_ids(rng, len(copy), taken), dtype=schema.STRING_DTYPE)
        copy["workflow_id"] = pd.array([None] * len(copy), dtype=schema.STRING_DTYPE)
        copy["workflow_execution_id"] = pd.array([None] * len(copy), dtype=schema.STRING_DTYPE)
        copies.append(copy)
    return pd.concat([df, *copies], ignore_index=True) if copies else df


def _outage(
    df: pd.DataFrame, inc: Incident, rng: np.random.Generator, end: pd.Timestamp
) -> pd.DataFrame:
    ok = df["status"].isin(schema.SUCCEEDED_STATUSES).to_numpy(dtype=bool)
    candidates = np.flatnonzero(_in(df, inc, inc.model) & ok)
    hit = candidates[rng.random(len(candidates)) < float(inc.magnitude or 0)]
    out = df.copy()
    status = out["status"].to_numpy(dtype=object, copy=True)
    status[hit] = np.where(status[hit] == "completed", "failed", "error")
    out["status"] = status
    classes = out["error_classification"].to_numpy(dtype=object, copy=True)
    classes[hit] = inc.group
    out["error_classification"] = classes
    started = out["started_at"].iloc[hit]
    took = pd.to_timedelta(rng.uniform(0.2, 5.0, len(hit)), unit="s").as_unit("us")
    completed = (started + took).to_numpy("datetime64[us]")
    keep_end = out["completed_at"].iloc[hit].to_numpy("datetime64[us]")
    completed = np.where(completed <= keep_end, completed, keep_end)  # never later than it was
    out.loc[out.index[hit], "completed_at"] = pd.DatetimeIndex(completed).tz_localize("UTC")
    cost = out["execution_cost"].to_numpy(dtype=float).copy()
    cost[hit] = cost[hit] * 0.5 if inc.group == "execution_timeout" else 0.0
    out["execution_cost"] = cost
    output = out["output"].to_numpy(dtype=object, copy=True)
    output[hit] = None
    out["output"] = output
    return out


def _latency(
    df: pd.DataFrame, inc: Incident, rng: np.random.Generator, end: pd.Timestamp
) -> pd.DataFrame:
    rows = np.flatnonzero(
        _in(df, inc, inc.group) & _finished(df) & df["started_at"].notna().to_numpy(bool)
    )
    delay = float(inc.magnitude or 0) * rng.lognormal(0.0, 0.3, len(rows))
    shift = pd.to_timedelta(delay, unit="s").as_unit("us")
    moved = (df["completed_at"].iloc[rows] + shift) <= end
    rows, shift = rows[moved.to_numpy(bool)], shift[moved.to_numpy(bool)]
    out = df.copy()
    for column in ("started_at", "completed_at"):
        out.loc[out.index[rows], column] = out[column].iloc[rows] + shift
    return out


def _price(
    df: pd.DataFrame, inc: Incident, rng: np.random.Generator, end: pd.Timestamp
) -> pd.DataFrame:
    rows = _in(df, inc, inc.group)
    out = df.copy()
    cost = out["execution_cost"].to_numpy(dtype=float).copy()
    cost[rows] = np.round(cost[rows] * float(inc.magnitude or 0), 6)
    out["execution_cost"] = cost
    return out


def _drop(
    df: pd.DataFrame, inc: Incident, rng: np.random.Generator, end: pd.Timestamp
) -> pd.DataFrame:
    unit = df["workflow_execution_id"].fillna(df["id"]).astype(str)
    first = df.groupby(unit.to_numpy(), sort=True)["created_at"].min()
    in_window = (first >= inc.start) & (first < inc.end)
    if inc.group is not None:
        models = df.groupby(unit.to_numpy(), sort=True)["model"].agg(lambda s: set(s))
        in_window &= models.map(lambda names: inc.group in names)
    units = first.index[in_window.to_numpy(bool)]
    gone = set(units[rng.random(len(units)) < float(inc.magnitude or 0)])
    return df.loc[~unit.isin(gone).to_numpy(bool)]


_APPLY = {
    "spend_spike": _spike,
    "error_outage": _outage,
    "latency_degradation": _latency,
    "price_change": _price,
    "traffic_drop": _drop,
}


def default_incidents(df: pd.DataFrame, seed: int = 0) -> list[Incident]:
    """One incident of each kind, a week apart in the last six weeks of the window, on groups
    chosen by ``seed`` where a day's incident shows: the spike on one of the two models that
    spend most (so the total moves too), the price change (a week) and the latency on one of
    the three busiest models (the LLM router's prices vary too much to see a price change),
    the outage of a provider class and the traffic drop on everything, one day each.

    >>> from eachlabs_analytics.local_api import generate_executions
    >>> df = generate_executions(executions=3_000, seed=2, end="2026-10-31T00:00:00Z")
    >>> [i.kind for i in default_incidents(df, seed=1)] == list(KINDS)
    True
    """
    rng = np.random.default_rng([int(seed), 0x1C1D])
    end = _window_end(df).floor("D")
    days = [end - pd.Timedelta(days=d) for d in (38, 31, 24, 17, 10)]
    spend = df.groupby("model", observed=True)["execution_cost"].sum()
    busy = df["model"].value_counts()
    spike = str(rng.choice(sorted(spend.sort_values(ascending=False).index[:2])))
    slow = str(rng.choice(sorted(busy.index[:3])))
    priced = [m for m in busy.index if m != "eachlabs-llm-router"][:3]
    price = str(rng.choice(sorted(priced)))
    outage = str(rng.choice(["provider_unavailable", "provider_rate_limit", "internal_error"]))
    return [
        Incident("spend_spike", days[0], group=spike),
        Incident("error_outage", days[1], group=outage),
        Incident("latency_degradation", days[2], group=slow),
        Incident("price_change", days[3], days[3] + pd.Timedelta(days=7), group=price),
        Incident("traffic_drop", days[4]),
    ]


def inject_incidents(
    df: pd.DataFrame, incidents: Sequence[Incident] | None = None, *, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inject ``incidents`` (default: :func:`default_incidents`) into a generated frame.

    Returns the new frame and the truth: one row per incident with ``kind``, ``start``,
    ``end`` (``[start, end)``, UTC), ``group`` (the model or error class; None for all
    executions), ``by`` (``"model"``, ``"error_classification"`` or None), ``magnitude`` and
    ``metrics`` (the ``detect_anomalies`` metrics it moves). Deterministic for a given frame,
    incidents and ``seed``; incidents apply in order.

    >>> from eachlabs_analytics.local_api import generate_executions
    >>> df = generate_executions(executions=3_000, seed=2, end="2026-10-31T00:00:00Z")
    >>> hit, truth = inject_incidents(df, seed=4)
    >>> truth["kind"].tolist() == list(KINDS), hit.dtypes.equals(df.dtypes)
    (True, True)
    >>> again, _ = inject_incidents(df, seed=4)
    >>> again.equals(hit)
    True
    """
    if not isinstance(df, pd.DataFrame) or "created_at" not in df.columns:
        raise InvalidQueryError("inject_incidents takes an executions DataFrame")
    end = _window_end(df)
    chosen = default_incidents(df, seed) if incidents is None else list(incidents)
    out = df
    records = []
    for i, raw in enumerate(chosen):
        if not isinstance(raw, Incident):
            raise InvalidQueryError(f"incidents must be Incident objects, not {type(raw).__name__}")
        inc = _check(raw, df, end)
        rng = np.random.default_rng([int(seed), i, KINDS.index(inc.kind)])
        out = _APPLY[inc.kind](out, inc, rng, end)
        by = "error_classification" if inc.kind == "error_outage" else "model"
        records.append(
            {
                "kind": inc.kind,
                "start": inc.start,
                "end": inc.end,
                "group": inc.group,
                "by": by if inc.group is not None else None,
                "magnitude": inc.magnitude,
                "metrics": MOVES[inc.kind],
            }
        )
    columns = {c: out[c].to_numpy(dtype=object) for c in schema.API_FIELDS}
    for name in schema.TIMESTAMP_FIELDS:
        columns[name] = out[name].to_numpy("datetime64[us]")
    completed = columns["completed_at"]
    started = columns["started_at"]
    both = ~(np.isnat(completed) | np.isnat(started))
    run = np.zeros(len(out))
    run[both] = (completed[both] - started[both]) / _US / 1e6
    columns["run_time"] = run  # the API's run_time is completed - started, 0 when unknown
    columns["execution_cost"] = out["execution_cost"].to_numpy(dtype=float)
    columns["error_classification"] = out["error_classification"].to_numpy(dtype=object)
    frame = sort_newest_first(build_frame(columns))
    frame.attrs = dict(df.attrs)
    truth = pd.DataFrame(
        {c: pd.Series([r[c] for r in records], dtype=object) for c in TRUTH_COLUMNS}
    )
    truth["start"] = pd.DatetimeIndex([r["start"] for r in records]).as_unit("us")
    truth["end"] = pd.DatetimeIndex([r["end"] for r in records]).as_unit("us")
    truth["magnitude"] = truth["magnitude"].astype(float)
    frame.attrs["incidents"] = truth.astype({"start": str, "end": str}).to_dict("records")
    return frame, truth
