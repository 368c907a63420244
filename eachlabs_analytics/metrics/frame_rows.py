"""The row-level questions a face asks, answered on an in-memory frame.

A face sometimes wants rows, not figures: the rows a filter keeps (:func:`narrow_mask`), two
periods as one (:func:`concat_periods`, a repeated id kept once), the costliest rows
(:func:`top_positions`), a column's values in the order they first appear
(:func:`first_seen`), the rows a search keeps, sorted (:func:`search_rows`). A lazy
selection answers the same questions in its engine
(:mod:`eachlabs_analytics.engines.narrow`, :mod:`eachlabs_analytics.engines.rows`); faces ask
either through :class:`~eachlabs_analytics.metrics.frame_partials.FramePartials` or a
selection's methods of the same names, with one code path.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=400, seed=5)
>>> len(concat_periods(df.iloc[:250], df.iloc[200:]))  # 50 ids in both, kept once
400
>>> int(narrow_mask(df, status_groups=["failed"]).sum()) == int(
...     df["status"].isin(["error", "failed"]).sum())
True
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from eachlabs_analytics import schema
from eachlabs_analytics._util import typed
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.lazy import SEARCHED, SORTABLE
from eachlabs_analytics.metrics.rows import check_status_groups

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


def narrow_mask(
    df: pd.DataFrame,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    models: Iterable[str] = (),
    status_groups: Iterable[str] = (),
    error_classes: Iterable[str] = (),
    workflows: Iterable[str] = (),
    no_workflow: bool = False,
) -> np.ndarray:
    """Which rows of ``df`` were created in ``[start, end)`` and have one of the models,
    status groups, error classes and workflows given (an empty list: any); ``no_workflow``
    also keeps rows outside a workflow. Status groups are the schema's, ``other`` for unknown
    or missing statuses (as :func:`eachlabs_analytics.engines.narrow.narrow` keeps them).

    >>> narrow_mask(schema.empty_frame(), models=["veo-3"]).tolist()
    []
    """
    keep = np.ones(len(df), dtype=bool)
    if start is not None or end is not None:
        created = df["created_at"]
        if start is not None:
            keep &= (created >= start).fillna(False).to_numpy(dtype=bool, copy=True)
        if end is not None:
            keep &= (created < end).fillna(False).to_numpy(dtype=bool, copy=True)
    models = list(models)
    if models:
        keep &= _isin(df["model"], models)
    groups = check_status_groups(status_groups)
    if groups:
        statuses = [s for g in groups for s in schema.STATUS_GROUPS.get(g, ())]
        in_groups = _isin(df["status"], statuses)
        if schema.UNKNOWN_STATUS_GROUP in groups:
            in_groups |= ~_isin(df["status"], schema.KNOWN_STATUSES)
        keep &= in_groups
    classes = list(error_classes)
    if classes:
        keep &= _isin(df["error_classification"], classes)
    named = list(workflows)
    if named or no_workflow:
        in_workflows = _isin(df["workflow_id"], named)
        if no_workflow:
            in_workflows |= df["workflow_id"].isna().to_numpy(dtype=bool, copy=True)
        keep &= in_workflows
    return keep


def _isin(series: pd.Series, values: Iterable[object]) -> np.ndarray:
    return series.isin(list(values)).to_numpy(dtype=bool, na_value=False, copy=True)


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
    """The ``attrs`` :func:`concat_periods` ends with: pandas keeps them only when both frames
    carry the same non-empty ones.

    >>> concat_attrs({"a": 1}, {"a": 1}), concat_attrs({"a": 1}, {})
    ({'a': 1}, {})
    """
    return copy.deepcopy(current) if current and current == previous else {}


def _arrow_strings(values: pd.Series) -> pa.ChunkedArray:
    """A string column as Arrow strings (its own chunks, no copy, when Arrow-backed)."""
    strings = pa.table({"values": values.array})["values"]
    return strings if pa.types.is_string(strings.type) else strings.cast(pa.string())


def top_positions(frame: pd.DataFrame, column: str, top: int) -> np.ndarray:
    """Positions of the ``top`` rows with the largest ``column``: then ``created_at``
    descending (missing times last), ties in frame order; rows where it is missing left out.

    What a stable ``sort_values`` of the whole frame would put first, found by selecting the
    rows at or above the ``top``-th value (``np.partition``) and sorting only those.

    >>> frame = pd.DataFrame({"execution_cost": [1.0, None, 3.0],
    ...                       "created_at": pd.to_datetime(["2026-10-01"] * 3, utc=True)})
    >>> top_positions(frame, "execution_cost", 5).tolist()
    [2, 0]
    """
    values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
    known = np.flatnonzero(~np.isnan(values))
    if len(known) > top:
        threshold = np.partition(values[known], len(known) - top)[len(known) - top]
        known = known[values[known] >= threshold]  # every row tied with the last one too
    created = frame["created_at"].iloc[known]
    missing = created.isna().to_numpy()
    times = created.to_numpy(dtype="datetime64[us]").view(np.int64)
    newest = np.where(missing, 0, -times)  # descending times, as an ascending key
    order = np.lexsort((known, newest, missing, -values[known]))
    return known[order[:top]]


def first_seen(frame: pd.DataFrame, column: str) -> list[Any]:
    """The distinct values of ``column`` (missing left out) in the order they first appear.

    >>> first_seen(pd.DataFrame({"workflow_id": ["b", None, "a", "b"]}), "workflow_id")
    ['b', 'a']
    """
    _, uniques = pd.factorize(frame[column].astype(object))
    return list(uniques)


def search_rows(
    df: pd.DataFrame, text: str = "", sort: str = "created_at", descending: bool = True
) -> pd.DataFrame:
    """Rows whose id, model or workflow contains ``text`` (any case, literally), sorted by
    ``sort`` (a stable sort: ties keep the frame's order). Text sorts ascend unless
    ``descending``; missing values go last either way.

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=300, seed=3, end="2026-10-31T00:00:00Z")
    >>> veo = search_rows(df, "VEO-3", sort="execution_cost")
    >>> bool(veo["model"].str.contains("veo-3").all()), veo["execution_cost"].is_monotonic_decreasing
    (True, True)
    """  # noqa: E501
    if sort not in SORTABLE:
        raise InvalidQueryError(f"sort={sort!r} is not allowed; allowed: {', '.join(SORTABLE)}")
    keep = None
    needle = text.strip()
    if needle:
        keep = np.zeros(len(df), dtype=bool)
        for column in SEARCHED:
            keep |= _contains(df[column], needle)
    rows = df if keep is None else df[keep]
    key = _sort_key(rows[sort])
    if key.is_monotonic_decreasing if descending else key.is_monotonic_increasing:
        # already in order (a loaded frame is newest first): no sort; a shallow copy only, so
        # the caller's changes never reach the frame it came from (copy-on-write)
        return rows.copy(deep=False)
    order = key.sort_values(ascending=not descending, na_position="last", kind="stable").index
    return rows.loc[order]


def page_rows(
    df: pd.DataFrame,
    text: str = "",
    *,
    sort: str = "created_at",
    descending: bool = True,
    number: int = 0,
    size: int | None = 25,
) -> tuple[pd.DataFrame, int]:
    """Page ``number`` (0-based) of :func:`search_rows`, and how many rows match;
    ``size=None``: every matching row (a selection's ``page`` answers the same on an engine).

    >>> frame = pd.DataFrame({c: [] for c in schema.COLUMNS}).astype(schema.DTYPES)
    >>> page_rows(frame, "x")[1]
    0
    """
    rows = search_rows(df, text, sort, descending)
    if size is None:
        return rows, len(rows)
    start = max(0, int(number)) * size
    return rows.iloc[start : start + size], len(rows)


def _contains(values: pd.Series, needle: str) -> np.ndarray:
    """Rows whose value contains ``needle``, any case, literally; missing values never match.

    Typed all the way: a categorical is searched in its categories only, strings with the
    string dtype's own (Arrow) kernels; no value becomes a Python object.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = pd.Series(values.cat.categories.astype("str"))
        hit = categories.str.contains(needle, case=False, regex=False).to_numpy(dtype=bool)
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, hit[np.maximum(codes, 0)] if len(hit) else False, False)
    if not pd.api.types.is_string_dtype(values.dtype):
        values = values.astype("str")
    found = values.str.contains(needle, case=False, regex=False)
    return found.fillna(False).to_numpy(dtype=bool)


def _sort_key(values: pd.Series) -> pd.Series:
    """What a column sorts by: categoricals by their labels (not their category order)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        ranks = np.argsort(np.argsort(values.cat.categories.astype("str").to_numpy()))
        codes = values.cat.codes.to_numpy()
        rank = np.where(codes >= 0, ranks[np.maximum(codes, 0)] if len(ranks) else 0, -1)
        return pd.Series(rank, index=values.index).where(codes >= 0)
    return values
