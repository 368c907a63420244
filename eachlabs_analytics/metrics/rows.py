"""What every analytics helper needs to know about the rows it is given.

Input checks, each row's outcome (its status group), the grouping behind ``by=``, and the
``attrs`` a result carries (the window it was computed on, rows in flight, unclassified errors).

>>> from eachlabs_analytics import schema
>>> OUTCOMES
('succeeded', 'failed', 'cancelled', 'in_flight', 'other')
>>> result_attrs(schema.empty_frame())
{'rows': 0, 'in_flight_rows': 0, 'error_rows': 0, 'unclassified_errors': 0}
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

import numpy as np
import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.grouping import Grouping, category_slots, group_by

#: Outcome codes, in this order: the schema's status groups, then unknown statuses.
OUTCOMES: tuple[str, ...] = (*schema.STATUS_GROUPS, schema.UNKNOWN_STATUS_GROUP)
SUCCEEDED = OUTCOMES.index("succeeded")
FAILED = OUTCOMES.index("failed")
CANCELLED = OUTCOMES.index("cancelled")
IN_FLIGHT = OUTCOMES.index("in_flight")
OTHER = OUTCOMES.index(schema.UNKNOWN_STATUS_GROUP)

#: Virtual ``by=`` value: group rows by their outcome (status group) instead of a column.
STATUS_GROUP = "status_group"
#: Label of the single group when ``by=None``.
ALL = "all"

#: Metadata of the input frame worth keeping on a result (never anything secret).
KEPT_ATTRS: tuple[str, ...] = (
    "source",
    "window",
    "query",
    "fetched_at",
    "filters",
    "classification",
)


def check_frame(df: object, helper: str, columns: Iterable[str]) -> pd.DataFrame:
    """Make sure ``df`` is a DataFrame with the columns ``helper`` reads.

    >>> check_frame(pd.DataFrame({"model": []}), "cost_by_model", ["model", "status"])
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: cost_by_model needs the column(s) ['status'], \
missing from the frame; pass the DataFrame load_executions returns (columns: id, model, \
requested_model, status, workflow_id, workflow_execution_id, execution_cost, run_time, \
created_at, started_at, completed_at, output, error_classification, queue_seconds, \
execution_seconds, total_seconds)
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{helper} takes a pandas DataFrame of executions, not {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InvalidQueryError(
            f"{helper} needs the column(s) {missing}, missing from the frame; pass the "
            f"DataFrame load_executions returns (columns: {', '.join(schema.COLUMNS)})"
        )
    return df


def floats(df: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as float64 with NaN for missing (no copy when it already is).

    >>> floats(pd.DataFrame({"x": pd.array([1.5, None], dtype="Float64")}), "x").tolist()
    [1.5, nan]
    """
    return df[column].to_numpy(dtype=np.float64, na_value=np.nan)


def outcome_codes(df: pd.DataFrame) -> np.ndarray:
    """Each row's outcome as an index into :data:`OUTCOMES` (uint8).

    Unknown statuses and missing ones are ``other``: they count as executions but in no
    outcome.

    >>> s = pd.Series(["success", "error", "paused", "running"], dtype="category")
    >>> outcome_codes(pd.DataFrame({"status": s})).tolist()
    [0, 1, 4, 3]
    """
    status = df["status"]
    if isinstance(status.dtype, pd.CategoricalDtype):
        # straight from the categorical's codes: one lookup per row, no factorizing
        slots, n_slots = category_slots(status)
        labels: list[object] = list(status.array.categories)
    else:
        grouping = group_by(status)
        slots, n_slots, labels = grouping.codes, grouping.size, list(grouping.labels)
    table = np.full(max(n_slots, 1), OTHER, dtype=np.uint8)  # missing status: other
    table[: len(labels)] = [_outcome_of(label) for label in labels]
    return table[slots]


def _outcome_of(status: object) -> int:
    return OUTCOMES.index(schema.status_group(status)) if isinstance(status, str) else OTHER


def grouping_for(df: pd.DataFrame, by: str | None, helper: str) -> Grouping:
    """The groups behind ``by=``: a column, ``"status_group"``, or ``None`` (one group, "all").

    >>> grouping_for(pd.DataFrame({"model": ["a", "b"]}), None, "x").labels.tolist()
    ['all']
    >>> grouping_for(pd.DataFrame({"model": ["a"]}), "modle", "cost_by_model")
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: cost_by_model: by='modle' is not a column; \
allowed: None, 'status_group' or one of model
    """
    if by is None:
        return Grouping(np.zeros(len(df), dtype=np.uint8), pd.Index([ALL]))
    if by == STATUS_GROUP:
        codes = outcome_codes(df)
        present = np.bincount(codes, minlength=len(OUTCOMES)) > 0
        remap = np.cumsum(present) - 1
        return Grouping(
            remap[codes].astype(np.uint8), pd.Index(np.array(OUTCOMES)[present], dtype=object)
        )
    if not isinstance(by, str) or by not in df.columns:
        allowed = [c for c in df.columns if not _is_numeric_or_time(df[c])]
        raise InvalidQueryError(
            f"{helper}: by={by!r} is not a column; allowed: None, 'status_group' or one of "
            f"{', '.join(map(str, allowed))}"
        )
    return group_by(df[by])


def _is_numeric_or_time(column: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(column.dtype) or isinstance(column.dtype, pd.DatetimeTZDtype)


def result_attrs(df: pd.DataFrame, outcomes: np.ndarray | None = None) -> dict[str, object]:
    """``attrs`` for a result computed on ``df``: its kept metadata and what the slice holds.

    ``rows``, ``in_flight_rows``, ``error_rows`` (failed outcome) and ``unclassified_errors``
    (failed rows without an error class) are counted on ``df`` itself, so a filtered slice
    reports its own numbers; ``window``, ``query`` and the like are copied from ``df.attrs``.

    >>> df = pd.DataFrame({"status": pd.Categorical(["error", "created"]),
    ...                    "error_classification": pd.Categorical([None, None])})
    >>> df.attrs["window"] = {"start": "2026-10-01T00:00:00Z", "end": "2026-10-02T00:00:00Z"}
    >>> result_attrs(df)
    {'window': {'start': '2026-10-01T00:00:00Z', 'end': '2026-10-02T00:00:00Z'}, 'rows': 2, \
'in_flight_rows': 1, 'error_rows': 1, 'unclassified_errors': 1}
    """
    attrs: dict[str, object] = {k: copy.deepcopy(df.attrs[k]) for k in KEPT_ATTRS if k in df.attrs}
    if outcomes is None:
        outcomes = outcome_codes(df) if "status" in df.columns else None
    attrs["rows"] = len(df)
    if outcomes is not None:
        failed = outcomes == FAILED
        attrs["in_flight_rows"] = int(np.count_nonzero(outcomes == IN_FLIGHT))
        attrs["error_rows"] = int(np.count_nonzero(failed))
        if "error_classification" in df.columns:
            missing_class = df["error_classification"].isna().to_numpy(dtype=bool)
            attrs["unclassified_errors"] = int(np.count_nonzero(failed & missing_class))
    return attrs


def sort_groups(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sort by ``keys`` (all descending), ties broken by group label (missing label last).

    >>> sort_groups(pd.DataFrame({"n": [1, 2, 2]}, index=["c", "b", "a"]), ["n"]).index.tolist()
    ['a', 'b', 'c']
    """
    by_label = frame.sort_index(na_position="last", kind="stable")
    return by_label.sort_values(keys, ascending=False, kind="stable")


def rate(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` as float, NaN where the denominator is 0 (no warning).

    >>> rate(np.array([1, 0]), np.array([4, 0])).tolist()
    [0.25, nan]
    """
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out
