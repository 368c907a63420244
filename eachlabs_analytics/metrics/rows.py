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
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy
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
so the frame is missing the column(s) it needs; pass the DataFrame load_executions returns \
(columns: id, model, requested_model, status, workflow_id, workflow_execution_id, \
execution_cost, run_time, created_at, started_at, completed_at, output, error_classification, \
queue_seconds, execution_seconds, total_seconds)
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{helper} takes a pandas DataFrame of executions, not {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InvalidQueryError(
            f"{helper} needs the column(s) {missing}, so the frame is missing the column(s) it "
            "needs; pass the DataFrame load_executions returns (columns: "
            f"{', '.join(schema.COLUMNS)})"
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
    check_by_column(df, by, helper)
    if by is None:
        return Grouping(np.zeros(len(df), dtype=np.uint8), pd.Index([ALL]))
    if by == STATUS_GROUP:
        return outcome_grouping(outcome_codes(df))
    return group_by(df[by])


def check_by_column(df: pd.DataFrame, by: object, helper: str) -> None:
    """Refuse a ``by=`` that is not None, ``"status_group"`` or a column of ``df``.

    >>> check_by_column(pd.DataFrame({"model": []}), "status_group", "x")
    """
    if by is None or by == STATUS_GROUP:
        return
    if not isinstance(by, str) or by not in df.columns:
        allowed = [c for c in df.columns if not _is_numeric_or_time(df[c])]
        raise InvalidQueryError(
            f"{helper}: by={by!r} is not a column; allowed: None, 'status_group' or one of "
            f"{', '.join(map(str, allowed))}"
        )


def outcome_grouping(codes: np.ndarray) -> Grouping:
    """Groups by outcome: the outcomes present, in :data:`OUTCOMES` order.

    >>> outcome_grouping(np.array([3, 0, 3], dtype=np.uint8)).labels.tolist()
    ['succeeded', 'in_flight']
    """
    present = np.bincount(codes, minlength=len(OUTCOMES)) > 0
    remap = np.cumsum(present) - 1
    return Grouping(
        remap[codes].astype(np.uint8), pd.Index(np.array(OUTCOMES)[present], dtype=object)
    )


def latency_rows(
    outcomes: np.ndarray, values: np.ndarray, outcome: str | None = None
) -> np.ndarray:
    """Which rows a latency statistic uses: not in flight (or of ``outcome``), metric known.

    >>> latency_rows(np.array([0, 3, 1]), np.array([1.0, 2.0, np.nan])).tolist()
    [True, False, False]
    """
    usable = ~np.isnan(values)
    if outcome is None:
        usable &= outcomes != IN_FLIGHT
    else:
        usable &= outcomes == OUTCOMES.index(outcome)
    return usable


def check_status_groups(groups: Iterable[str]) -> list[str]:
    """The status groups a filter keeps, refused when one is not the schema's (or ``other``).

    >>> check_status_groups(["failed", "done"])
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: unknown status group(s) done; allowed: \
succeeded, failed, cancelled, in_flight, other
    """
    groups = list(groups)
    unknown = [g for g in groups if g not in schema.STATUS_GROUPS and g != "other"]
    if unknown:
        raise InvalidQueryError(
            f"unknown status group(s) {', '.join(unknown)}; allowed: "
            f"{', '.join([*schema.STATUS_GROUPS, schema.UNKNOWN_STATUS_GROUP])}"
        )
    return groups


def check_by(by: str | None, helper: str) -> None:
    """Refuse a ``by=`` that a loaded frame would refuse (for selections, which hold no rows).

    >>> check_by("modle", "cost_by_model")
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: cost_by_model: by='modle' is not a \
column; allowed: None, 'status_group' or one of id, model, requested_model, status, workflow_id, \
workflow_execution_id, output, error_classification
    """
    check_by_column(schema.empty_frame(), by, helper)


def key_grouping(keys: list[Any] | None, size: int, by: str | None, helper: str) -> Grouping:
    """The groups of ``size`` partial rows an engine computed, labelled as :func:`grouping_for`
    labels rows: ``keys`` are the values of ``by`` (outcome names for ``"status_group"``).

    >>> key_grouping(["b", None, "a"], 3, "model", "x").labels.tolist()
    ['b', 'a', <NA>]
    >>> key_grouping(["other", "succeeded"], 2, "status_group", "x").labels.tolist()
    ['succeeded', 'other']
    """
    if by is None:
        return Grouping(np.zeros(size, dtype=np.uint8), pd.Index([ALL]))
    values = list(keys or [])
    if by == STATUS_GROUP:
        index = {name: i for i, name in enumerate(OUTCOMES)}
        codes = np.array([index.get(str(v), OTHER) for v in values], dtype=np.uint8)
        return outcome_grouping(codes)
    return group_by(_lazy.typed_keys(values, by))


def lazy_attrs(kept: dict[str, object], counts: dict[str, int]) -> dict[str, object]:
    """``attrs`` of a result computed on a lazy selection: what :func:`result_attrs` gives on
    the frame of the same rows (``kept`` is the selection's ``attrs``, ``counts`` the
    overview counted by its engine).

    >>> lazy_attrs({"window": {}, "store": "x"}, {"rows": 2, "in_flight_rows": 0,
    ...            "error_rows": 1, "unclassified_errors": 0})["rows"]
    2
    """
    attrs: dict[str, object] = {k: copy.deepcopy(kept[k]) for k in KEPT_ATTRS if k in kept}
    attrs.update(counts)
    return attrs


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


# --- partial tables from a lazy selection -----------------------------------------------------
def partial_outcomes(table: pa.Table) -> np.ndarray:
    """Each partial row's outcome code, from its raw ``status`` (as :func:`outcome_codes`).

    >>> import pyarrow as pa
    >>> partial_outcomes(pa.table({"status": ["failed", "paused", None, "running"]})).tolist()
    [1, 4, 4, 3]
    """
    statuses = _lazy.labels(table, "status")
    return np.array([_outcome_of(s) for s in statuses], dtype=np.uint8)


def partial_classes(table: pa.Table) -> pd.Series:
    """Each partial row's error class, typed as a loaded frame types it (an unknown class is
    missing there, so it is unclassified here too).

    >>> import pyarrow as pa
    >>> classes = pa.table({"error_classification": ["unknown", "odd", None]})
    >>> partial_classes(classes).isna().tolist()
    [False, True, True]
    """
    return _lazy.typed_keys(_lazy.labels(table, "error_classification"), "error_classification")


def partial_groups(table: pa.Table, by: str | None, helper: str) -> Grouping:
    """The groups of an engine's partial rows (the ``key`` column, or the status group of a
    :class:`~eachlabs_analytics.metrics.lazy.GroupCounts` row), as :func:`grouping_for`
    would label the rows themselves."""
    if by == STATUS_GROUP and "key" not in table.column_names:
        keys: list[Any] | None = [OUTCOMES[code] for code in partial_outcomes(table)]
    else:
        keys = _lazy.labels(table, "key") if by is not None else None
    return key_grouping(keys, table.num_rows, by, helper)


def outcome_overview(table: pa.Table) -> dict[str, int]:
    """The overview counts of a :class:`~eachlabs_analytics.metrics.lazy.GroupCounts` table:
    the same numbers :func:`result_attrs` counts on rows.

    >>> import pyarrow as pa
    >>> t = pa.table({"status": ["error", "failed", "running"],
    ...               "error_classification": [None, "unknown", None], "rows": [2, 3, 4]})
    >>> outcome_overview(t)
    {'rows': 9, 'in_flight_rows': 4, 'error_rows': 5, 'unclassified_errors': 2}
    """
    n = _lazy.ints(table, "rows")
    outcome = partial_outcomes(table)
    unclassified = partial_classes(table).isna().to_numpy(dtype=bool)
    failed = outcome == FAILED
    return {
        "rows": int(n.sum()),
        "in_flight_rows": int(n[outcome == IN_FLIGHT].sum()),
        "error_rows": int(n[failed].sum()),
        "unclassified_errors": int(n[failed & unclassified].sum()),
    }


def per_group(codes: np.ndarray, size: int, values: np.ndarray) -> np.ndarray:
    """Partial counts or sums added up per group (``np.bincount`` with weights), as float.

    >>> per_group(np.array([1, 1, 0]), 2, np.array([1.0, 2.0, 4.0])).tolist()
    [4.0, 3.0]
    """
    return np.bincount(codes, weights=values, minlength=size).astype(np.float64, copy=False)


def per_group_counts(codes: np.ndarray, size: int, values: np.ndarray) -> np.ndarray:
    """Partial counts added up per group, as int64 (exact below 2**53 rows).

    >>> per_group_counts(np.array([1, 1]), 2, np.array([2, 3])).tolist()
    [0, 5]
    """
    return np.rint(per_group(codes, size, values)).astype(np.int64)


def per_group_values(codes: np.ndarray, size: int, values: np.ndarray) -> np.ndarray:
    """One value per group from partial rows that are one per group (percentiles); NaN for a
    group without a row.

    >>> per_group_values(np.array([1]), 2, np.array([3.5])).tolist()
    [nan, 3.5]
    """
    out = np.full((size, *values.shape[1:]), np.nan)
    out[codes] = values
    return out
