"""Vectorised grouping: rows -> small integer codes -> sums, counts and percentiles.

The analytics helpers group rows once into integer codes and aggregate with ``np.bincount``
(counts and sums in one pass) and one grouped selection for all percentiles. This is what keeps
them near DuckDB on millions of rows, where ``groupby().quantile()`` is several times slower.

>>> import numpy as np, pandas as pd
>>> g = group_by(pd.Series(["b", "a", "b", None], dtype="string[pyarrow]"))
>>> list(g.labels), g.codes.tolist()
(['b', 'a', <NA>], [0, 1, 0, 2])
>>> grouped_percentiles(np.array([0, 0, 0, 1]), 2, np.array([1.0, 3.0, 2.0, 5.0]), [50.0])
array([[2.],
       [5.]])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Up to this many groups, percentiles use one ``np.partition`` per group (O(n) selection,
#: each call vectorised over that group's rows); beyond it, one global sort (no per-group calls).
PARTITION_MAX_GROUPS = 2_000


@dataclass(frozen=True)
class Grouping:
    """Every row's group code (``0 .. size-1``) and the label of each code.

    Missing values form their own group, labelled ``<NA>`` and placed last, so no row is
    silently dropped. Codes use the smallest unsigned dtype that fits (radix sorts are fast on
    them); cast with ``.astype(np.intp)`` before doing arithmetic on them.
    """

    codes: np.ndarray
    labels: pd.Index

    @property
    def size(self) -> int:
        """Number of groups."""
        return len(self.labels)


def _compact_dtype(size: int) -> np.dtype:
    if size <= np.iinfo(np.uint8).max + 1:
        return np.dtype(np.uint8)
    if size <= np.iinfo(np.uint16).max + 1:
        return np.dtype(np.uint16)
    return np.dtype(np.intp)


def _finish(codes: np.ndarray, uniques: pd.Index) -> Grouping:
    """Turn factorize-style codes (-1 = missing) into a Grouping with NA as the last group."""
    codes = np.asarray(codes)
    size = len(uniques)
    if len(codes) and codes.min() < 0:
        codes = np.where(codes < 0, size, codes)
        uniques = uniques.append(pd.Index([pd.NA], dtype=uniques.dtype))
        size += 1
    out = codes.astype(_compact_dtype(size), copy=False)
    return Grouping(out, uniques)


def category_slots(values: pd.Series) -> tuple[np.ndarray, int]:
    """A categorical's codes as non-negative slots (no copy for int8/int16 codes).

    Category ``i`` is slot ``i``; a missing value (code -1) is the last slot, ``slots - 1``.
    int8/int16 codes are reinterpreted as unsigned, where -1 is the all-ones value.

    >>> slots, n = category_slots(pd.Series(pd.Categorical(["b", None], categories=["a", "b"])))
    >>> slots.tolist(), n
    ([1, 255], 256)
    """
    raw = np.asarray(values.array.codes)
    if raw.dtype == np.int8:
        return raw.view(np.uint8), 256
    if raw.dtype == np.int16:
        return raw.view(np.uint16), 65536
    ncat = len(values.array.categories)
    return np.where(raw < 0, ncat, raw), ncat + 1


def _group_categorical(values: pd.Series) -> Grouping:
    categories = values.array.categories
    ncat = len(categories)
    slots, n_slots = category_slots(values)
    # keep only the categories that occur (like groupby(observed=True)), in category order
    seen = np.bincount(slots, minlength=n_slots) > 0
    present = seen[:ncat]
    labels = categories[present]
    if seen[n_slots - 1]:
        labels = labels.append(pd.Index([pd.NA], dtype=labels.dtype))
    remap = np.zeros(n_slots, dtype=_compact_dtype(len(labels)))
    remap[:ncat][present] = np.arange(int(present.sum()))
    remap[n_slots - 1] = max(len(labels) - 1, 0)  # missing values: the last group (if any)
    codes = remap[slots]
    return Grouping(codes, pd.Index(labels))


def group_by(values: pd.Series) -> Grouping:
    """Group codes for one column (strings, categoricals or anything ``pd.factorize`` takes).

    Categoricals keep only the categories that occur, in category order; other dtypes keep
    first-appearance order. Missing values are one extra group, last.

    >>> g = group_by(pd.Series(pd.Categorical(["y", "x", "y"], categories=["x", "y", "z"])))
    >>> list(g.labels), g.codes.tolist()
    (['x', 'y'], [1, 0, 1])
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return _group_categorical(values)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return _finish(codes, pd.Index(uniques))


def encode(df: pd.DataFrame, columns: Sequence[str] = ("model",)) -> pd.DataFrame:
    """``df`` with ``columns`` turned into categoricals, so helpers reuse their codes.

    Grouping a column of strings costs one factorization per helper call (~0.2 s on 10M
    rows); a categorical carries its codes, so every helper after this one reads them in
    a single pass. Categories keep first-appearance order and the values are unchanged,
    so every helper returns exactly what it returns on ``df``. Code that calls several
    helpers on one large frame (the report) encodes it once.

    >>> df = pd.DataFrame({"model": ["b", "a", "b"]})
    >>> encode(df)["model"].cat.categories.tolist(), df["model"].tolist()
    (['b', 'a'], ['b', 'a', 'b'])
    """
    out = df.copy(deep=False)
    for column in columns:
        values = out[column]
        if not isinstance(values.dtype, pd.CategoricalDtype):
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            out[column] = pd.Categorical.from_codes(codes, categories=pd.Index(uniques))
    return out


def combine(a: np.ndarray, b: np.ndarray, b_size: int) -> np.ndarray:
    """One code per (a, b) pair: ``a * b_size + b`` as ``intp`` (for 2-D bincounts).

    >>> combine(np.array([0, 1], dtype=np.uint8), np.array([2, 0], dtype=np.uint8), 3).tolist()
    [2, 3]
    """
    out = a.astype(np.intp)
    out *= b_size
    out += b
    return out


def counts(codes: np.ndarray, size: int) -> np.ndarray:
    """Rows per group, as int64.

    >>> counts(np.array([0, 2, 2]), 3).tolist()
    [1, 0, 2]
    """
    return np.bincount(codes, minlength=size).astype(np.int64, copy=False)


def sums(codes: np.ndarray, size: int, values: np.ndarray, *, skipna: bool = True) -> np.ndarray:
    """Sum of ``values`` per group, NaN values skipped (an all-NaN group sums to 0).

    ``skipna=False`` saves a pass when the caller already dropped the NaN.

    >>> sums(np.array([0, 0, 1]), 2, np.array([1.5, np.nan, 2.0])).tolist()
    [1.5, 2.0]
    """
    clean = np.where(np.isnan(values), 0.0, values) if skipna else values
    # float even when empty (bincount of nothing is int64): these are money and seconds
    return np.bincount(codes, weights=clean, minlength=size).astype(np.float64, copy=False)


def _positions(n: np.ndarray, percentiles: Sequence[float]) -> tuple[np.ndarray, ...]:
    """numpy's "linear" method, exactly: virtual index, its neighbours and the weight."""
    q = np.true_divide(np.asarray(percentiles, dtype=np.float64), 100)[None, :]
    nf = n.astype(np.float64)[:, None]
    virtual = (nf - 1) * q  # numpy's virtual index for method='linear'
    previous = np.floor(virtual)
    gamma = virtual - previous
    last = np.maximum(n.astype(np.intp) - 1, 0)[:, None]
    lo = np.clip(previous.astype(np.intp), 0, last)
    hi = np.clip(previous.astype(np.intp) + 1, 0, last)
    return lo, hi, gamma


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's ``_lerp``, so results match ``np.percentile`` bit for bit."""
    diff = b - a
    out = a + diff * t
    return np.where(t >= 0.5, b - diff * (1 - t), out)


def _select(segment: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order statistics ``lo`` and ``hi`` (``hi`` is ``lo`` or ``lo + 1``) of ``segment``.

    Partitions in place at the ``lo`` ranks only: rank ``k + 1`` is then the smallest value
    right of ``k``, up to and including the next partition point, which costs one ``min``
    instead of another selection pass.
    """
    ks = np.unique(lo)
    segment.partition(ks)
    following = {}
    for k, end in zip(ks, [*ks[1:] + 1, len(segment)], strict=True):
        following[k] = segment[k + 1 : end].min() if k + 1 < len(segment) else segment[k]
    below = segment[lo]
    above = np.array([following[k] if h > k else segment[k] for k, h in zip(lo, hi, strict=True)])
    return below, above


_PARALLEL_MIN_ROWS = 1_000_000


def grouped_percentiles(
    codes: np.ndarray, size: int, values: np.ndarray, percentiles: Sequence[float]
) -> np.ndarray:
    """Percentiles of ``values`` per group, shape ``(size, len(percentiles))``.

    Linear interpolation, identical to ``np.percentile``'s default; NaN for an empty group.
    ``values`` must contain no NaN (filter first). Rows are put in group order by one stable
    radix sort on the small codes; each group is then selected with ``np.partition`` (few
    groups) or the whole array sorted once by (group, value) (many groups).

    >>> grouped_percentiles(np.array([1, 1, 1]), 2, np.array([3.0, 1.0, 2.0]), [0, 50, 100])
    array([[nan, nan, nan],
           [ 1.,  2.,  3.]])
    """
    n = np.bincount(codes, minlength=size)
    out = np.full((size, len(percentiles)), np.nan)
    if not len(values) or not len(percentiles):
        return out
    lo, hi, gamma = _positions(n, percentiles)
    starts = np.concatenate(([0], np.cumsum(n)[:-1]))
    if size <= PARTITION_MAX_GROUPS:
        # counting order: a stable argsort of uint8/uint16 codes is a radix sort (~0.1 s / 10M)
        grouped = values[np.argsort(codes, kind="stable")]
        below = np.empty_like(out)
        above = np.empty_like(out)

        def select(g: int) -> None:
            segment = grouped[starts[g] : starts[g] + n[g]]  # a view: partitioned in place
            below[g], above[g] = _select(segment, lo[g], hi[g])

        groups = np.flatnonzero(n).tolist()
        if len(values) >= _PARALLEL_MIN_ROWS:
            # np.partition releases the GIL and the segments are disjoint: use every core
            with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
                list(pool.map(select, groups))
        else:
            for g in groups:
                select(g)
    else:
        by_value = np.argsort(values, kind="stable")
        order = by_value[np.argsort(codes[by_value], kind="stable")]
        ordered = values[order]
        base = starts[:, None]
        below = ordered[np.minimum(base + lo, len(values) - 1)]
        above = ordered[np.minimum(base + hi, len(values) - 1)]
    result = _lerp(below, above, gamma)
    filled = n > 0
    out[filled] = result[filled]
    return out
