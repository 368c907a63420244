"""The store's typing: the loader's frame of executions to the day files' Arrow table and back.

A frame keeps the schema's columns and dtypes (``status`` extended with the statuses it holds);
a table has the data files' schema (:data:`.layout.FILE_SCHEMA`).

>>> from eachlabs_analytics import schema
>>> table = to_table(schema.empty_frame())
>>> table.schema.equals(schema.ARROW_SCHEMA), to_frame(table).dtypes.equals(
...     schema.empty_frame().dtypes)
(True, True)
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from eachlabs_analytics import schema
from eachlabs_analytics._util import typed
from eachlabs_analytics.store.layout import FILE_SCHEMA


def alike(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """``frames`` with one ``status`` and one ``error_classification`` categorical, so they
    concatenate as categoricals (different categories would make them strings)."""
    statuses = schema.status_dtype(sorted({s for f in frames for s in typed.present(f["status"])}))
    dtypes = {"status": statuses, "error_classification": schema.ERROR_CLASS_DTYPE}
    return [
        f.assign(
            **{column: typed.as_categorical(f[column], dtype) for column, dtype in dtypes.items()}
        )
        for f in frames
    ]


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """The schema's columns and dtypes (``status`` extended with what it holds)."""
    frame = frame.reindex(columns=list(schema.COLUMNS))
    dtypes = dict(schema.DTYPES, status=schema.status_dtype(typed.present(frame["status"])))
    out = {}
    for column in schema.COLUMNS:
        series = frame[column]
        target = dtypes[column]
        if series.dtype != target:
            if isinstance(target, pd.CategoricalDtype):
                series = typed.as_categorical(series, target)
            else:
                series = series.astype(target)
        out[column] = series
    return pd.DataFrame(out, index=frame.index)


def to_frame(table: pa.Table) -> pd.DataFrame:
    """The data files' rows as the loader's frame: schema dtypes, ``status`` extended with
    the unknown statuses present, error classes outside the ten as NA, a RangeIndex.

    Strings stay in their Arrow buffers and categoricals are recoded on their codes: no
    value is converted to a Python object. Consumes ``table``.
    """
    # one block per column, each Arrow column freed once converted: no 2-D block is built and
    # copied, and the table and the frame are never both whole in memory
    frame = table.to_pandas(types_mapper=_string_dtype, split_blocks=True, self_destruct=True)
    for column in schema.COLUMNS:
        series = frame[column]
        target = schema.DTYPES[column]
        if column == "status":
            target = schema.status_dtype(typed.present(series))
        if series.dtype != target:
            if isinstance(series.dtype, pd.CategoricalDtype) or not isinstance(
                target, pd.CategoricalDtype
            ):
                frame[column] = series.astype(target)
            else:
                frame[column] = pd.Categorical(series.astype(object), dtype=target)
    return frame


def _string_dtype(kind: pa.DataType) -> Any | None:
    return (
        schema.STRING_DTYPE if pa.types.is_string(kind) or pa.types.is_large_string(kind) else None
    )


def to_table(frame: pd.DataFrame) -> pa.Table:
    """The data files' Arrow table for a frame of executions (schema columns only)."""
    frame = normalize(frame).reset_index(drop=True)
    table = pa.Table.from_pandas(frame, schema=FILE_SCHEMA, preserve_index=False)
    return table.replace_schema_metadata(None)
