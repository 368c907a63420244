r"""CSV that every reader parses into the intended records, and no cell runs as a formula.

The one CSV writer of the package: reports, ``fetch -o x.csv`` and every other CSV go
through :func:`frame_to_csv` / :func:`write_csv`. Two rules:

1. **Records stay records.** Lines end with ``\r\n`` (RFC 4180), so the writer quotes every
   cell holding a ``\r``, a ``\n``, the delimiter or a quote; a reader sees the same number
   of records and cells that were written.
2. **No cell starts a formula** (OWASP CSV injection): text that starts with ``= + - @``,
   a tab, a carriage return, a line feed or a NUL (or their full-width forms ``＝ ＋ － ＠``)
   gets a leading ``'``; so does every line *inside* a cell that starts with one, because
   some importers split cells at line breaks. Numbers are written as numbers (``-2.5``
   stays a number).

>>> safe_text("=1+1"), safe_text("ok\r=cmd"), safe_text("plain")
("'=1+1", "ok\r'=cmd", 'plain')
>>> frame_to_csv(pd.DataFrame({"model": ["@SUM(A1)", "veo-3"], "cost": [-2.5, 1.0]}))
"model,cost\r\n'@SUM(A1),-2.5\r\nveo-3,1.0\r\n"
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from eachlabs_analytics._util.files import atomic_write

#: Characters that make a spreadsheet read a cell as a formula when they start it (OWASP),
#: with their full-width forms, which some spreadsheet locales treat the same way.
FORMULA_START = "=+-@\t\r\n\x00\uff1d\uff0b\uff0d\uff20"
#: A line start inside a text (its start, or just after a line break) where a formula
#: character stands; the guard goes in front of that character.
_RISKY = re.compile(r"(?:^|(?<=\n)|(?<=\r)(?!\n))(?=[" + re.escape(FORMULA_START) + "])")
#: Line ending of every CSV written: with it, the writer quotes any cell holding \r or \n.
LINE_TERMINATOR = "\r\n"
#: How timestamps are written: RFC 3339 in UTC with microseconds.
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def safe_text(text: str) -> str:
    """``text`` with a ``'`` before every line start that holds a formula character.

    >>> safe_text("-5"), safe_text("a\\n+b\\r\\n@c") == "a\\n'+b\\r\\n'@c"
    ("'-5", True)
    """
    return _RISKY.sub("'", text)


def _safe_series(series: pd.Series) -> pd.Series:
    """Text cells of one column neutralised; numbers and missing values left as they are."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = series.cat.categories
        if categories.dtype.kind in "OSU" or isinstance(categories.dtype, pd.StringDtype):
            renamed = [safe_text(c) if isinstance(c, str) else c for c in categories]
            if len(set(renamed)) == len(renamed):
                return series.cat.rename_categories(renamed)
            series = series.astype(object)  # two categories become one text: write as text
        else:
            return series
    if not (series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
        return series
    values = series.astype(object)
    is_text = values.map(lambda v: isinstance(v, str)).astype(bool)
    if not is_text.any():
        return series
    risky = pd.Series(False, index=series.index)
    risky[is_text] = values[is_text].map(lambda v: _RISKY.search(v) is not None).astype(bool)
    if not risky.any():
        return series
    out = values.copy()
    out[risky] = values[risky].map(safe_text)
    return out


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are neutralised."""
    out = pd.DataFrame(
        {i: _safe_series(frame.iloc[:, i]) for i in range(frame.shape[1])}, index=frame.index
    )
    out.columns = [safe_text(str(c)) for c in frame.columns]
    return out


def frame_to_csv(frame: pd.DataFrame) -> str:
    """``frame`` (without its index) as safe CSV text: header row, then one record per row."""
    buffer = io.StringIO()
    _to_csv(frame, buffer)
    return buffer.getvalue()


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as safe CSV (UTF-8) to ``path`` atomically; return the path."""

    def write(temp: Path) -> None:
        with open(temp, "w", encoding="utf-8", newline="") as handle:
            _to_csv(frame, handle)

    return atomic_write(Path(path), write)


def _to_csv(frame: pd.DataFrame, handle: Any) -> None:
    safe_frame(frame).to_csv(
        handle, index=False, lineterminator=LINE_TERMINATOR, date_format=DATE_FORMAT
    )
