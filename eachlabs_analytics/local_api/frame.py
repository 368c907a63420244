"""Turn raw columns into a typed executions DataFrame (``schema.COLUMNS``/``schema.DTYPES``).

The generator, the sample loader and the server's ``truth`` all go through here, so the
ground truth always has the loader's exact shape: pyarrow strings, categorical status and
error class, microsecond UTC timestamps, float64 money and durations derived from the
timestamps.

>>> import numpy as np
>>> df = build_frame({"id": ["exec_1"], "model": ["veo-3"], "status": ["success"],
...                   "created_at": np.array(["2026-01-01T00:00:00"], "datetime64[us]"),
...                   "started_at": np.array(["2026-01-01T00:00:02"], "datetime64[us]"),
...                   "completed_at": np.array(["2026-01-01T00:02:02"], "datetime64[us]"),
...                   "execution_cost": [3.2], "run_time": [120.0]})
>>> df.loc[0, ["queue_seconds", "execution_seconds", "total_seconds"]].astype(float).tolist()
[2.0, 120.0, 122.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from eachlabs_analytics import schema

_REQUIRED = ("id", "model", "status", "created_at")


def _timestamps(values: Any, n: int) -> pd.Series:
    """Microsecond UTC timestamps from datetime64 arrays, strings or tz-aware values."""
    if values is None:
        return pd.Series(pd.NaT, index=range(n), dtype=schema.TIMESTAMP_DTYPE)
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        series = pd.Series(values.astype("datetime64[us]"), copy=False)
        return series.dt.tz_localize("UTC")
    series = pd.Series(values).reset_index(drop=True)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").astype(schema.TIMESTAMP_DTYPE)
    converted = pd.to_datetime(series, utc=True, format="ISO8601")
    return converted.astype(schema.TIMESTAMP_DTYPE)


def _seconds(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    late = later.to_numpy("datetime64[us]")
    early = earlier.to_numpy("datetime64[us]")
    seconds = (late - early).astype("timedelta64[us]").astype("int64") / 1e6
    seconds[np.isnat(late) | np.isnat(early)] = np.nan
    return seconds


def build_frame(columns: Mapping[str, Any]) -> pd.DataFrame:
    """Build the typed executions frame from column values (missing optional ones are NA).

    ``columns`` maps column names to array-likes of one length; ``id``, ``model``,
    ``status`` and ``created_at`` are required. Timestamps may be ``datetime64`` arrays
    (taken as UTC), strings with an offset, or tz-aware values. The derived durations are
    recomputed from the timestamps; the row order is kept.

    >>> build_frame({"id": [], "model": [], "status": [], "created_at": []}).shape
    (0, 16)
    """
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise ValueError(
            f"executions data lacks the column(s) {missing}; required: {list(_REQUIRED)}, "
            f"allowed: {list(schema.COLUMNS)}"
        )
    n = len(columns["id"])
    out: dict[str, Any] = {}
    for name in schema.STRING_FIELDS:
        values = columns.get(name)
        if values is None:
            out[name] = pd.array([None] * n, dtype=schema.STRING_DTYPE)
        elif isinstance(values, pa.Array | pa.ChunkedArray):
            out[name] = pd.array(values.cast(pa.string()), dtype=schema.STRING_DTYPE)
        else:
            as_object = pd.Series(values, dtype=object).reset_index(drop=True)
            out[name] = pd.array(as_object.where(as_object.notna(), None), schema.STRING_DTYPE)
    status = pd.Series(columns["status"], dtype=object).reset_index(drop=True)
    if status.isna().any():
        raise ValueError("executions data has rows without a status; every row needs one")
    out["status"] = pd.Categorical(status, dtype=schema.status_dtype(set(status)))
    for name in ("execution_cost", "run_time"):
        values = columns.get(name)
        floats = np.zeros(n) if values is None else np.asarray(values, dtype="float64")
        out[name] = floats
    stamps = {name: _timestamps(columns.get(name), n) for name in schema.TIMESTAMP_FIELDS}
    out.update(stamps)
    classes = columns.get("error_classification")
    if classes is None:
        out["error_classification"] = pd.Categorical([None] * n, dtype=schema.ERROR_CLASS_DTYPE)
    else:
        as_object = pd.Series(classes, dtype=object).reset_index(drop=True)
        unknown = set(as_object.dropna()) - set(schema.ERROR_CLASSES)
        if unknown:
            raise ValueError(
                f"unknown error_classification value(s) {sorted(unknown)}; "
                f"allowed: {list(schema.ERROR_CLASSES)}"
            )
        out["error_classification"] = pd.Categorical(as_object, dtype=schema.ERROR_CLASS_DTYPE)
    out["queue_seconds"] = _seconds(stamps["started_at"], stamps["created_at"])
    out["execution_seconds"] = _seconds(stamps["completed_at"], stamps["started_at"])
    out["total_seconds"] = _seconds(stamps["completed_at"], stamps["created_at"])
    frame = pd.DataFrame(out, columns=list(schema.COLUMNS))
    if frame["id"].isna().any() or frame["created_at"].isna().any():
        raise ValueError("executions data has rows without an id or created_at")
    return frame


def coerce_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Re-type any executions-like frame (e.g. read from Parquet) and sort it newest first.

    Keeps ``frame.attrs``. Order: ``created_at`` descending, then ``id`` descending.

    >>> df = coerce_frame(pd.DataFrame({"id": ["a", "b"], "model": ["m", "m"],
    ...     "status": ["success", "error"],
    ...     "created_at": ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"]}))
    >>> df["id"].tolist(), str(df["created_at"].dtype)
    (['b', 'a'], 'datetime64[us, UTC]')
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame of executions, got {type(frame).__name__}")
    if (
        tuple(frame.columns) == schema.COLUMNS
        and all(frame[c].dtype == schema.DTYPES[c] for c in schema.COLUMNS if c != "status")
        and isinstance(frame["status"].dtype, pd.CategoricalDtype)
    ):
        typed = frame.reset_index(drop=True)  # already typed (e.g. generated or loaded)
    else:
        columns: dict[str, Any] = {}
        for name in frame.columns:
            if name in schema.TIMESTAMP_FIELDS:
                columns[name] = frame[name]
            elif name in schema.COLUMNS:
                columns[name] = frame[name].to_numpy(dtype=object)
        typed = build_frame(columns)
    if not is_newest_first(typed):
        typed = sort_newest_first(typed)
    typed.attrs = dict(frame.attrs)
    return typed


def is_newest_first(frame: pd.DataFrame) -> bool:
    """Whether rows are already ``created_at`` descending, then ``id`` descending.

    >>> is_newest_first(build_frame({"id": ["a", "b"], "model": ["m"] * 2,
    ...     "status": ["success"] * 2, "created_at": ["2026-01-01T00:00:00Z"] * 2}))
    False
    """
    created = frame["created_at"].to_numpy("datetime64[us]").astype("int64")
    if len(created) < 2 or not (created[:-1] >= created[1:]).all():
        return len(created) < 2
    ties = np.flatnonzero(created[:-1] == created[1:])
    if not len(ties):
        return True
    ids = frame["id"].to_numpy(dtype=object)
    return bool(all(ids[i] > ids[i + 1] for i in ties.tolist()))


def sort_newest_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort by ``created_at`` descending, then ``id`` descending (the API's order).

    >>> sort_newest_first(build_frame({"id": ["a", "b"], "model": ["m"] * 2,
    ...     "status": ["success"] * 2, "created_at": ["2026-01-01T00:00:00Z"] * 2}))["id"].tolist()
    ['b', 'a']
    """
    order = np.lexsort(
        (
            frame["id"].to_numpy(dtype=object).astype(str),
            frame["created_at"].to_numpy("datetime64[us]").astype("int64"),
        )
    )[::-1]
    return frame.iloc[order].reset_index(drop=True)
