"""Money that adds up the same in any order: sums of integer nano-dollars.

Float sums depend on the order of their terms: the same spend summed by pandas, by DuckDB in
parallel, or over a shuffled frame can land on either side of a half cent, and one report
would then say $15.93 in one table and $15.92 in the next. Every sum of ``execution_cost``
therefore rounds each cost to the nano-dollar (1e-9 USD, far below any price; a 1e-9
change in a cost changes no cent), adds integers (exact, so order-independent), and converts
to dollars once. int64 nano-dollars hold $9.2 billion.

>>> cost = np.array([0.1, 0.2, np.nan, 0.3])
>>> float(total(cost)), float(total(cost[::-1])), 0.1 + 0.2 + 0.3
(0.6, 0.6, 0.6000000000000001)
>>> group_dollars(np.array([0, 1, 0, 1]), 2, cost).tolist()
[0.1, 0.5]
"""

from __future__ import annotations

import numpy as np

#: nano-dollars per dollar
NANOS = 1_000_000_000


def to_nanos(dollars: np.ndarray) -> np.ndarray:
    """Each amount as int64 nano-dollars (NaN, a missing cost, counts 0).

    >>> to_nanos(np.array([0.00075, np.nan, 1.2])).tolist()
    [750000, 0, 1200000000]
    """
    scaled = np.multiply(np.asarray(dollars, dtype=np.float64), NANOS)
    np.rint(scaled, out=scaled)
    scaled[np.isnan(scaled)] = 0.0
    return scaled.astype(np.int64)


def to_dollars(nanos: np.ndarray | int) -> np.ndarray:
    """Nano-dollars back to float dollars: the one conversion, a pure function of the exact
    integer (the nearest double below $9 million).

    >>> to_dollars(np.array([750000, 15925000000])).tolist()
    [0.00075, 15.925]
    """
    return np.asarray(nanos, dtype=np.int64) / NANOS


def group_nanos(codes: np.ndarray, size: int, nanos: np.ndarray) -> np.ndarray:
    """Exact int64 sums of ``nanos`` per group code (``0..size-1``), in any order.

    >>> group_nanos(np.array([1, 0, 1]), 3, np.array([5, 7, 9])).tolist()
    [7, 14, 0]
    """
    codes = np.asarray(codes, dtype=np.intp)
    if codes.size and (codes.min() < 0 or codes.max() >= size):
        raise ValueError(f"group codes must lie in 0..{size - 1}")  # add.at would wrap a -1
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, codes, np.asarray(nanos, dtype=np.int64))
    return out


def group_dollars(codes: np.ndarray, size: int, dollars: np.ndarray) -> np.ndarray:
    """Sum of the amounts per group code, exactly (NaN counts 0), as float dollars."""
    return to_dollars(group_nanos(codes, size, to_nanos(dollars)))


def total(dollars: np.ndarray) -> float:
    """The exact sum of the amounts (NaN counts 0), as float dollars.

    >>> total(np.array([0.1] * 10)) == 1.0
    True
    """
    return float(to_nanos(dollars).sum(dtype=np.int64)) / NANOS
