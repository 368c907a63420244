"""Both periods in one frame: what the comparison compares and the forecast learns from.

:func:`concat_periods` keeps the columns the helpers read from both periods at once
(:data:`BOTH_PERIODS_COLUMNS`), typed, without repeated ids (the current period's row
wins). A selection's periods are combined in its engine instead
(:func:`eachlabs_analytics.engines.rows.combine`, the same rows).

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=400, seed=5)
>>> len(concat_periods(df.iloc[:250], df.iloc[200:]))  # 50 ids in both, kept once
400
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pyarrow as pa

from eachlabs_analytics import schema
from eachlabs_analytics._util import typed

#: The columns the helpers read from both periods at once (compare_periods, the forecast
#: and anomaly helpers); the other columns of the two periods are not copied.
BOTH_PERIODS_COLUMNS = (
    "model",
    "status",
    "workflow_id",
    "execution_cost",
    "created_at",
    "total_seconds",
    "error_classification",
)


def concat_periods(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Both periods in one frame of :data:`BOTH_PERIODS_COLUMNS` (categoricals unified, rows
    of ``current`` first; a row whose id was seen before is dropped, so ``current`` wins).

    Typed throughout: status and error class stay categoricals (recoded on their codes) and
    ids are compared through 64-bit hashes, never as Python objects.
    """
    ids = [current["id"], previous["id"]]
    repeated = None
    if not any(i.isna().any() for i in ids):
        # the chunks themselves, typed: an empty period's column must not decide the type
        chunks = [chunk for i in ids for chunk in _arrow_strings(i).chunks]
        repeated = typed.duplicated(pa.chunked_array(chunks, type=pa.string()))
    columns = list(BOTH_PERIODS_COLUMNS)
    classes = schema.ERROR_CLASS_DTYPE
    statuses = schema.status_dtype(
        sorted({s for f in (current, previous) for s in typed.present(f["status"])})
    )
    both = pd.concat(
        [
            f[columns].assign(
                status=typed.as_categorical(f["status"], statuses),
                error_classification=typed.as_categorical(f["error_classification"], classes),
            )
            for f in (current, previous)
        ],
        ignore_index=True,
    )
    if repeated is not None and repeated.any():
        both = both[~repeated]
    return both.astype({"status": schema.status_dtype(typed.present(both["status"]))})


def concat_attrs(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """The ``attrs`` :func:`concat_periods` ends with: pandas keeps them only when both frames carry
    the same non-empty ones."""
    return copy.deepcopy(current) if current and current == previous else {}


def _arrow_strings(values: pd.Series) -> pa.ChunkedArray:
    """A string column as Arrow strings (its own chunks, no copy, when Arrow-backed)."""
    strings = pa.table({"values": values.array})["values"]
    return strings if pa.types.is_string(strings.type) else strings.cast(pa.string())
