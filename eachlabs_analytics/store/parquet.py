"""Parquet export and import that round-trips an executions DataFrame exactly.

``to_parquet(df, path)`` writes one zstd-compressed Parquet file, atomically: the bytes go to a
hidden temporary file beside the target and are renamed over it only once complete, so a crash
never leaves a half-written file where a reader would pick it up. ``read_parquet(path)`` gives
back the same frame: every column's dtype (including the categories of ``status`` when extended
with unknown statuses, and any extra columns) and the non-secret ``df.attrs``, both kept as JSON
in the file's key-value metadata.

Timestamps are stored as microsecond UTC (Spark rejects nanoseconds); the index is not stored.

>>> import tempfile, pathlib
>>> from eachlabs_analytics import schema
>>> df = schema.empty_frame()
>>> df.attrs["window"] = {"start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"}
>>> path = pathlib.Path(tempfile.mkdtemp()) / "executions.parquet"
>>> _ = to_parquet(df, path)
>>> back = read_parquet(path)
>>> back.dtypes.equals(df.dtypes), back.attrs["window"]["start"]
(True, '2026-10-01T00:00:00Z')
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from eachlabs_analytics import schema
from eachlabs_analytics._util.files import atomic_write
from eachlabs_analytics._util.keys import SECRET_NAME, SECRET_VALUE
from eachlabs_analytics.exceptions import StoreError

__all__ = ["read_parquet", "to_parquet"]

#: Key of this package's entry in the Parquet key-value metadata.
METADATA_KEY = b"eachlabs_analytics"
#: Version of that entry's layout, bumped on incompatible changes.
METADATA_VERSION = 1
COMPRESSION = "zstd"

# attrs keys that could hold a credential are dropped however harmless they look

# values that look like a credential: each::labs keys (smk_...), bearer headers

_DROP = object()


# --- attrs <-> JSON ------------------------------------------------------------------------
def _jsonable(value: Any) -> Any:
    """Return ``value`` as JSON-ready data with timestamps tagged, or ``_DROP`` if secret."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if SECRET_NAME.search(str(key)):
                continue
            item = _jsonable(item)
            if item is not _DROP:
                out[str(key)] = item
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [x for x in (_jsonable(i) for i in items) if x is not _DROP]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _DROP if SECRET_VALUE.search(value) else value
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return _DROP if pd.isna(value) else {"__timestamp__": pd.Timestamp(value).isoformat()}
    if isinstance(value, dt.date):
        return {"__date__": value.isoformat()}
    if isinstance(value, (pd.Timedelta, dt.timedelta)):
        return _DROP if pd.isna(value) else {"__timedelta__": pd.Timedelta(value).isoformat()}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    # anything else (objects, arrays, frames) is not metadata we can promise to round-trip
    return _DROP


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, payload),) = value.items()
            if tag == "__timestamp__":
                return pd.Timestamp(payload)
            if tag == "__date__":
                return dt.date.fromisoformat(payload)
            if tag == "__timedelta__":
                return pd.Timedelta(payload)
        return {key: _from_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_json(item) for item in value]
    return value


def safe_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """``attrs`` as JSON-ready data without anything that could be a credential.

    >>> safe_attrs({"query": {"model": "veo-3", "api_key": "smk_live_123456"}, "note": "ok"})
    {'query': {'model': 'veo-3'}, 'note': 'ok'}
    """
    return _jsonable(dict(attrs))


# --- dtypes <-> JSON -----------------------------------------------------------------------
def _describe(dtype: Any) -> dict[str, Any] | None:
    """A JSON description of a pandas dtype, enough to rebuild it (None when not possible)."""
    if isinstance(dtype, pd.CategoricalDtype):
        categories = _jsonable(dtype.categories.tolist())
        if categories is _DROP or len(categories) != len(dtype.categories):
            return None
        return {
            "kind": "category",
            "categories": categories,
            "ordered": bool(dtype.ordered),
            "categories_dtype": _describe(dtype.categories.dtype),
        }
    if isinstance(dtype, pd.StringDtype):
        na_is_nan = isinstance(dtype.na_value, float) and math.isnan(dtype.na_value)
        return {
            "kind": "string",
            "storage": dtype.storage,
            "na_value": "nan" if na_is_nan else "NA",
        }
    return {"kind": "dtype", "name": str(dtype)}


def _rebuild(description: Mapping[str, Any] | None) -> Any | None:
    """The pandas dtype ``_describe`` described, or None if this pandas cannot build it."""
    if not description:
        return None
    kind = description.get("kind")
    try:
        if kind == "category":
            values = _from_json(description["categories"])
            categories_dtype = _rebuild(description.get("categories_dtype"))
            index = (
                pd.Index(values, dtype=categories_dtype) if categories_dtype else pd.Index(values)
            )
            return pd.CategoricalDtype(index, ordered=description.get("ordered", False))
        if kind == "string":
            if description.get("na_value") == "nan":
                return pd.StringDtype(description["storage"], na_value=np.nan)
            return pd.StringDtype(description["storage"])
        if kind == "dtype":
            return pd.api.types.pandas_dtype(description["name"])
    except (TypeError, ValueError, KeyError):  # e.g. na_value= on pandas 2.2
        return None
    return None


def _schema_dtype(column: str, values: pd.Series) -> Any | None:
    """The schema's dtype for a known column (status extended with what it holds)."""
    if column == "status":
        present = values.dropna().astype(str).unique()
        return schema.status_dtype(present)
    return schema.DTYPES.get(column)


def _cast(series: pd.Series, dtype: Any) -> pd.Series:
    if dtype is None or series.dtype == dtype:
        return series
    if isinstance(dtype, pd.CategoricalDtype) and not isinstance(series.dtype, pd.CategoricalDtype):
        # values outside the categories would turn into NaN silently: go through strings
        return pd.Series(
            pd.Categorical(series.astype(object), dtype=dtype), index=series.index, name=series.name
        )
    return series.astype(dtype)


# --- frame <-> table -----------------------------------------------------------------------
def _narrow(table: pa.Table) -> pa.Table:
    """Use ``string`` rather than ``large_string`` (and int32 dictionary indices) throughout."""
    fields = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_large_string(kind):
            kind = pa.string()
        elif pa.types.is_dictionary(kind) and pa.types.is_large_string(kind.value_type):
            kind = pa.dictionary(pa.int32(), pa.string(), kind.ordered)
        elif pa.types.is_timestamp(kind) and kind.unit == "ns":
            kind = pa.timestamp("us", tz=kind.tz)
        fields.append(field.with_type(kind))
    target = pa.schema(fields, metadata=table.schema.metadata)
    return table if target.equals(table.schema) else table.cast(target, safe=False)


def frame_to_table(df: pd.DataFrame) -> pa.Table:
    """An Arrow table for ``df`` carrying its dtypes and safe attrs in the schema metadata.

    >>> frame_to_table(schema.empty_frame()).schema.field("created_at").type
    TimestampType(timestamp[us, tz=UTC])
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        duplicated = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"column names must be unique; duplicated: {', '.join(duplicated)}")
    frame = df.copy(deep=False)
    frame.columns = names
    frame.attrs = {}  # stored below, filtered; pyarrow would otherwise store them raw
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ValueError(f"cannot store this DataFrame as Parquet: {exc}") from exc
    table = _narrow(table.replace_schema_metadata(None))
    meta = {
        "version": METADATA_VERSION,
        "dtypes": {name: _describe(frame[name].dtype) for name in names},
        "attrs": safe_attrs(df.attrs),
    }
    return table.replace_schema_metadata({METADATA_KEY: json.dumps(meta).encode()})


def _types_mapper(kind: pa.DataType) -> Any | None:
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return schema.STRING_DTYPE
    return None


def table_to_frame(table: pa.Table) -> pd.DataFrame:
    """The DataFrame ``frame_to_table`` stored: dtypes and attrs restored.

    Without this package's metadata (a file written elsewhere), known columns get the
    schema's dtypes and other columns keep what Arrow gives.

    >>> table_to_frame(frame_to_table(schema.empty_frame())).dtypes.equals(
    ...     schema.empty_frame().dtypes)
    True
    """
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    meta: dict[str, Any] = {}
    if raw:
        try:
            meta = json.loads(raw)
        except ValueError:
            meta = {}
    frame = table.to_pandas(types_mapper=_types_mapper)
    described = meta.get("dtypes") or {}
    for column in frame.columns:
        target = _rebuild(described.get(column)) if column in described else None
        if target is None:
            target = _schema_dtype(column, frame[column])
        frame[column] = _cast(frame[column], target)
    attrs = meta.get("attrs")
    if isinstance(attrs, dict):
        frame.attrs.update(_from_json(attrs))
    return frame


def write_table(table: pa.Table, path: str | os.PathLike[str]) -> None:
    """Write ``table`` as zstd Parquet with microsecond timestamps (not atomic on its own)."""
    pq.write_table(
        table,
        path,
        compression=COMPRESSION,
        coerce_timestamps="us",
        allow_truncated_timestamps=True,
        store_schema=True,
    )


# --- public API ----------------------------------------------------------------------------
def to_parquet(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``df`` to one Parquet file at ``path``, atomically; return the path.

    Keeps every column's dtype and the non-secret ``df.attrs`` (anything that looks like a
    credential is dropped). The index is not stored. An existing file is replaced only once
    the new one is complete.

    >>> import tempfile, pathlib
    >>> from eachlabs_analytics import schema
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.parquet"
    >>> to_parquet(schema.empty_frame(), path).name
    'out.parquet'
    """
    table = frame_to_table(df)
    return atomic_write(path, lambda temp: write_table(table, temp))


def check_parquet_file(path: str | os.PathLike[str]) -> Path:
    """``path`` if it is a readable Parquet file (its footer and schema read), else a clear error.

    Raises ``FileNotFoundError`` or ``IsADirectoryError``, or :class:`StoreError` naming the
    file when it is not Parquet (a CSV, a truncated or damaged file).

    >>> import tempfile, pathlib
    >>> junk = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = junk.write_text("id,model\\n")
    >>> check_parquet_file(junk)
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.StoreError: ... is not a readable Parquet file (...); \
write one with ea.to_parquet(df, path) or `eachlabs-analytics fetch -o FILE.parquet`
    """
    source = Path(path)
    if not source.exists():
        raise FileNotFoundError(f"no such Parquet file: {source}")
    if source.is_dir():
        raise IsADirectoryError(
            f"{source} is a directory; read_parquet reads one file "
            "(use ExecutionStore(path).load() for a store)"
        )
    try:
        pq.read_schema(source)
    except (pa.ArrowInvalid, OSError) as exc:
        raise _unreadable(source, exc) from None
    return source


def _unreadable(source: Path, exc: BaseException) -> StoreError:
    reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
    return StoreError(
        f"{source} is not a readable Parquet file ({reason}); write one with "
        "ea.to_parquet(df, path) or `eachlabs-analytics fetch -o FILE.parquet`",
        path=source,
    )


def read_parquet(path: str | os.PathLike[str], columns: list[str] | None = None) -> pd.DataFrame:
    """Read a file written by ``to_parquet`` back into the same DataFrame (dtypes and attrs).

    ``columns`` reads only those columns. A Parquet file written by another tool is read too:
    known execution columns get the schema's dtypes. A file that is not Parquet raises
    :class:`~eachlabs_analytics.StoreError` naming it.

    >>> import tempfile, pathlib
    >>> from eachlabs_analytics import schema
    >>> path = to_parquet(schema.empty_frame(), pathlib.Path(tempfile.mkdtemp()) / "x.parquet")
    >>> list(read_parquet(path, columns=["id", "status"]).columns)
    ['id', 'status']
    """
    source = check_parquet_file(path)
    try:
        table = pq.read_table(source, columns=columns)
    except (pa.ArrowInvalid, OSError) as exc:
        raise _unreadable(source, exc) from None
    except KeyError as exc:  # pragma: no cover - pyarrow raises ArrowInvalid in practice
        raise StoreError(f"{source} has no column {exc}", path=source) from None
    return table_to_frame(table)
