"""Column operations on millions of rows that never turn a value into a Python object.

- :func:`duplicated`: ``Series.duplicated(keep="first")`` for string columns, through 64-bit
  hashes of the strings (numpy, vectorised) and a sort of the hashes; only strings whose
  hashes collide are compared as strings. A hash table of 10M strings (pandas or
  ``pyarrow.compute.unique``) costs several times longer than reading them from Parquet.
- :func:`present` and :func:`as_categorical`: the values a column holds and a cast to a
  categorical, on a categorical's codes when it is one.

>>> import pyarrow as pa
>>> duplicated(pa.chunked_array([["a", "b"], ["a", None, None]])).tolist()
[False, False, True, False, True]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["as_categorical", "duplicated", "present", "string_hashes"]

#: Strings longer than this (bytes) are compared by pandas instead of hashed here.
HASHED_BYTES = 256
#: Strings hashed at a time (temporaries of a few MB: fresh memory costs page faults).
_BLOCK = 1 << 16
_MIX = np.uint64(0x9E3779B97F4A7C15)
_LOW_BYTES = np.array(
    [(1 << (8 * n)) - 1 for n in range(8)] + [0xFFFF_FFFF_FFFF_FFFF], dtype=np.uint64
)


def _strings(values: pa.ChunkedArray | pa.Array | pd.Series) -> pa.ChunkedArray:
    if isinstance(values, pd.Series):
        values = pa.table({"values": values.array})["values"]  # Arrow-backed: chunks, no copy
    elif isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    if pa.types.is_large_string(values.type):
        values = values.cast(pa.string())
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    return values


def _offsets(chunk: pa.Array) -> np.ndarray:
    return np.frombuffer(
        chunk.buffers()[1], dtype=np.int32, count=len(chunk) + 1, offset=chunk.offset * 4
    )


def _hash_chunk(chunk: pa.Array, out: np.ndarray) -> None:
    """A 64-bit hash of each string of ``chunk`` (its length and its bytes, 8 at a time),
    into ``out``; in blocks of :data:`_BLOCK` strings, so the temporaries stay small."""
    offsets = _offsets(chunk)
    buffer = chunk.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)
    for first in range(0, len(chunk), _BLOCK):
        last = min(first + _BLOCK, len(chunk))
        low, high = int(offsets[first]), int(offsets[last])
        padded = np.zeros(high - low + 8, dtype=np.uint8)  # 8 readable bytes past the end
        padded[: high - low] = data[low:high]
        # every 8-byte window of the block's bytes, unaligned: window i holds bytes i .. i + 7
        windows = np.ndarray((high - low + 1,), dtype="<u8", buffer=padded, strides=(1,))
        starts = (offsets[first:last] - low).astype(np.intp)
        lengths = np.diff(offsets[first : last + 1]).astype(np.intp)
        hashes = lengths.astype(np.uint64) * _MIX
        for at in range(0, int(lengths.max(initial=0)), 8):
            left = np.minimum(np.maximum(lengths - at, 0), 8)
            mixed = windows[np.minimum(starts + at, high - low)] & _LOW_BYTES[left]
            mixed ^= hashes
            mixed *= _MIX
            mixed ^= mixed >> np.uint64(29)
            # a string already hashed whole keeps its hash (not dependent on its neighbours)
            np.copyto(hashes, mixed, where=left > 0)
        out[first:last] = hashes


def string_hashes(values: pa.ChunkedArray) -> np.ndarray | None:
    """A uint64 hash per string (equal strings, equal hashes; a null's is meaningless), or
    None when a string is longer than :data:`HASHED_BYTES`."""
    chunks = [chunk for chunk in values.chunks if len(chunk)]
    if not chunks:
        return np.empty(0, dtype=np.uint64)
    if max(int(np.diff(_offsets(chunk)).max()) for chunk in chunks) > HASHED_BYTES:
        return None
    out = np.empty(len(values), dtype=np.uint64)
    at = 0
    for chunk in chunks:
        _hash_chunk(chunk, out[at : at + len(chunk)])
        at += len(chunk)
    return out


def duplicated(values: pa.ChunkedArray | pa.Array | pd.Series) -> np.ndarray:
    """``Series.duplicated(keep="first")`` of a string column, exactly (missing values are
    equal to each other, as in pandas), as a bool array."""
    strings = _strings(values)
    count = len(strings)
    hashes = string_hashes(strings)
    if hashes is None:
        return pd.Series(strings.to_pandas()).duplicated(keep="first").to_numpy()
    out = np.zeros(count, dtype=bool)
    valid = None
    if strings.null_count:
        valid = strings.is_valid().to_numpy(zero_copy_only=False)
        out[np.flatnonzero(~valid)[1:]] = True  # every missing value after the first
    ordered = hashes if valid is None else hashes[valid]
    ordered.sort()  # in place: no second array of 8 bytes a row
    collided = ordered[1:][ordered[1:] == ordered[:-1]]
    if len(collided):
        hashes = string_hashes(strings)  # rare (a repeat): hash again rather than keep a copy
        assert hashes is not None
        suspects = np.isin(hashes, collided)
        if valid is not None:
            suspects &= valid
        rows = np.flatnonzero(suspects)  # ascending: the original order
        picked = pd.Series(strings.take(pa.array(rows)).to_pandas())
        out[rows] = picked.duplicated(keep="first").to_numpy()
    return out


def present(values: pd.Series) -> list[str]:
    """The distinct non-missing values of a column as strings (a categorical's from its
    codes, in category order).

    >>> present(pd.Series(pd.Categorical(["b", None], categories=["a", "b"])))
    ['b']
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = np.asarray(values.array.codes)
        used = np.bincount(codes[codes >= 0], minlength=len(values.cat.categories)) > 0
        return [str(value) for value in values.cat.categories[used]]
    return [str(value) for value in values.dropna().astype(str).unique()]


def as_categorical(values: pd.Series, dtype: pd.CategoricalDtype) -> pd.Series:
    """``values`` as ``dtype``; values outside its categories become NA. A categorical is
    recoded on its codes.

    >>> as_categorical(pd.Series(["y", None]), pd.CategoricalDtype(["x", "y"])).cat.codes.tolist()
    [1, -1]
    """
    if values.dtype == dtype:
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype(dtype)
    return pd.Series(
        pd.Categorical(values.astype(object), dtype=dtype), index=values.index, name=values.name
    )
