"""The one place that says what an execution (and a list price) looks like.

Column names, pandas dtypes, Arrow schemas, status tokens and groups, the ten error
classes and the list-price columns live here and nowhere else: the loader, the store, the
sandbox, the analytics and the tests all import them.

>>> from eachlabs_analytics import schema
>>> schema.COLUMNS[:3]
('id', 'model', 'requested_model')
>>> schema.status_group("completed")
'succeeded'
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa

# --- fields of an ExecutionSummary row, in the API's order --------------------------------
API_FIELDS: tuple[str, ...] = (
    "id",
    "model",
    "requested_model",
    "status",
    "workflow_id",
    "workflow_execution_id",
    "execution_cost",
    "run_time",
    "created_at",
    "started_at",
    "completed_at",
    "output",
)

#: Columns the loader adds: the error class (learned through the filter, not the row) and
#: three durations derived from the timestamps, in seconds.
DERIVED_FIELDS: tuple[str, ...] = (
    "error_classification",
    "queue_seconds",  # started_at - created_at
    "execution_seconds",  # completed_at - started_at
    "total_seconds",  # completed_at - created_at
)

#: Every column of a loaded executions DataFrame, in order.
COLUMNS: tuple[str, ...] = API_FIELDS + DERIVED_FIELDS

TIMESTAMP_FIELDS: tuple[str, ...] = ("created_at", "started_at", "completed_at")
FLOAT_FIELDS: tuple[str, ...] = (
    "execution_cost",
    "run_time",
    "queue_seconds",
    "execution_seconds",
    "total_seconds",
)
STRING_FIELDS: tuple[str, ...] = (
    "id",
    "model",
    "requested_model",
    "workflow_id",
    "workflow_execution_id",
    "output",
)

# --- statuses ------------------------------------------------------------------------------
#: Tokens the API's ``status`` filter accepts (anything else is a 400).
STATUS_FILTER_TOKENS: tuple[str, ...] = ("created", "starting", "success", "error")

SUCCEEDED_STATUSES: tuple[str, ...] = ("success", "completed")
FAILED_STATUSES: tuple[str, ...] = ("error", "failed")
CANCELLED_STATUSES: tuple[str, ...] = ("cancelled",)
IN_FLIGHT_STATUSES: tuple[str, ...] = ("created", "starting", "processing", "running")

#: Status group -> statuses. ``succeeded`` and ``failed`` are terminal outcomes; ``cancelled``
#: is terminal but neither; ``in_flight`` rows have not finished and are excluded from latency.
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "succeeded": SUCCEEDED_STATUSES,
    "failed": FAILED_STATUSES,
    "cancelled": CANCELLED_STATUSES,
    "in_flight": IN_FLIGHT_STATUSES,
}
#: Every status the API is known to return, in a stable order (the categorical's order).
KNOWN_STATUSES: tuple[str, ...] = (
    IN_FLIGHT_STATUSES + SUCCEEDED_STATUSES + FAILED_STATUSES + CANCELLED_STATUSES
)
#: Group given to a status the API has never been seen to return (kept as data, not dropped).
UNKNOWN_STATUS_GROUP = "other"


def status_group(status: str) -> str:
    """Return the group of one status: succeeded, failed, cancelled, in_flight or other.

    >>> status_group("error"), status_group("running"), status_group("paused")
    ('failed', 'in_flight', 'other')
    """
    for group, statuses in STATUS_GROUPS.items():
        if status in statuses:
            return group
    return UNKNOWN_STATUS_GROUP


# --- error classes -------------------------------------------------------------------------
#: The ten canonical error classes of the ``error_classification`` filter.
ERROR_CLASSES: tuple[str, ...] = (
    "content_moderation",
    "execution_timeout",
    "invalid_user_input",
    "invalid_model_config",
    "provider_auth",
    "provider_error",
    "provider_rate_limit",
    "provider_unavailable",
    "internal_error",
    "unknown",
)

# --- pandas dtypes -------------------------------------------------------------------------
STRING_DTYPE = pd.StringDtype("pyarrow")
TIMESTAMP_DTYPE = pd.DatetimeTZDtype(unit="us", tz="UTC")
ERROR_CLASS_DTYPE = pd.CategoricalDtype(list(ERROR_CLASSES))
STATUS_DTYPE = pd.CategoricalDtype(list(KNOWN_STATUSES))


def status_dtype(extra: Iterable[str] = ()) -> pd.CategoricalDtype:
    """The status categorical: the known statuses, then any unknown ones (sorted).

    >>> list(status_dtype(["paused"]).categories)[-1]
    'paused'
    """
    unknown = sorted(set(extra) - set(KNOWN_STATUSES))
    if not unknown:
        return STATUS_DTYPE
    return pd.CategoricalDtype(list(KNOWN_STATUSES) + unknown)


def _dtype_of(column: str) -> object:
    if column in TIMESTAMP_FIELDS:
        return TIMESTAMP_DTYPE
    if column in FLOAT_FIELDS:
        return "float64"
    if column == "status":
        return STATUS_DTYPE
    if column == "error_classification":
        return ERROR_CLASS_DTYPE
    return STRING_DTYPE


#: Column -> pandas dtype of a loaded executions DataFrame.
DTYPES: dict[str, object] = {column: _dtype_of(column) for column in COLUMNS}


def empty_frame() -> pd.DataFrame:
    """An executions DataFrame with no rows and every column typed.

    >>> empty_frame().dtypes["created_at"]
    datetime64[us, UTC]
    """
    return pd.DataFrame({c: pd.Series([], dtype=DTYPES[c]) for c in COLUMNS})


# --- Arrow schemas -------------------------------------------------------------------------
ARROW_TIMESTAMP = pa.timestamp("us", tz="UTC")

#: How one API row is parsed: strings, float64 money/seconds, microsecond UTC timestamps.
ARROW_API_ROW = pa.struct(
    [
        pa.field(
            name,
            ARROW_TIMESTAMP
            if name in TIMESTAMP_FIELDS
            else pa.float64()
            if name in FLOAT_FIELDS
            else pa.string(),
        )
        for name in API_FIELDS
    ]
)

#: One response page as Arrow parses it: ``GET /v2/executions`` (``has_more``, ``next_cursor``)
#: or ``GET /v1/executions`` (``total_count``, ``total_capped``, ``offset``, ``limit``); the
#: other listing's keys are simply null.
ARROW_PAGE_SCHEMA = pa.schema(
    [
        pa.field("executions", pa.list_(ARROW_API_ROW)),
        pa.field("has_more", pa.bool_()),
        pa.field("next_cursor", pa.string()),
        pa.field("total_count", pa.int64()),
        pa.field("total_capped", pa.bool_()),
        pa.field("offset", pa.int64()),
        pa.field("limit", pa.int64()),
    ]
)


def _arrow_type_of(column: str) -> pa.DataType:
    if column in TIMESTAMP_FIELDS:
        return ARROW_TIMESTAMP
    if column in FLOAT_FIELDS:
        return pa.float64()
    if column in ("status", "error_classification"):
        return pa.dictionary(pa.int32(), pa.string())
    return pa.string()


#: The typed table as stored in Parquet (status and error class dictionary-encoded).
ARROW_SCHEMA = pa.schema([pa.field(c, _arrow_type_of(c)) for c in COLUMNS])


# --- list prices (GET /v1/models/{slug}), one row per model --------------------------------
#: Column -> dtype of ``model_prices()`` and ``ExecutionStore.prices()``: text is pandas
#: "string" and numbers nullable Float64, so an unknown value is NA (a null number stays NA,
#: never 0); ``tiers`` holds a tuple of (label, value) text pairs, ``()`` when there are none.
PRICE_COLUMNS: dict[str, str] = {
    "slug": "string",
    "title": "string",
    "cost_type": "string",
    "currency": "string",
    "amount": "Float64",
    "unit": "string",
    "min": "Float64",
    "max": "Float64",
    "depends_on": "string",
    "tiers": "object",
    "estimate": "string",
    "fetched_at": "datetime64[us, UTC]",
}
#: ``cost_type``: the API's ``cost.type``, or "none" for a model without a list price (cost
#: null). Free is "fixed" with amount 0, never "none". A type the API adds later is kept.
COST_TYPES: tuple[str, ...] = ("fixed", "usage_based", "none")
#: The documented ``cost.unit`` values (or null); an unknown one is kept as data.
PRICE_UNITS: tuple[str, ...] = (
    "execution",
    "second",
    "processing_second",
    "minute",
    "hour",
    "image",
    "megapixel",
    "million_tokens",
    "character",
    "step",
    "generation",
)


def empty_prices() -> pd.DataFrame:
    """A list-prices frame with no rows and every column typed.

    >>> empty_prices().dtypes.astype(str).to_dict() == PRICE_COLUMNS
    True
    """
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in PRICE_COLUMNS.items()})
