"""Tables for people: any helper's result with the report's headers and number formats.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=500, seed=1)
>>> shown = format_table(ea.cost_by_model(df).head(2))
>>> shown.columns[:3].tolist(), shown.iloc[0]["spend"].startswith("$")
(['executions', 'spend', 'mean cost'], True)
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from eachlabs_analytics._util import columns
from eachlabs_analytics._util.formats import FORMATS, fmt_date, fmt_int, fmt_time, missing
from eachlabs_analytics.exceptions import InvalidQueryError


def format_table(
    table: pd.DataFrame | pd.Series,
    kinds: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``table`` as text, each column formatted like the cost report and the Explorer do.

    Money is to the cent (below a cent, two significant digits), rates are percentages,
    latencies pick their unit per value, counts have thousands separators, flags read
    ``yes`` or blank, and headers are the report's words (``total_cost`` reads ``spend``).
    The index is kept (timestamps as days or instants), so the result displays as is in a
    notebook, or ``.to_markdown()`` / ``.to_html()`` for a page.

    Args:
        table: a helper's result (a Series becomes one column).
        kinds: column -> kind for columns the package does not know, or to override one;
            kinds are ``money``, ``signed_money``, ``int``, ``signed_int``, ``pct``,
            ``signed_pct``, ``points``, ``seconds``, ``signed_seconds``, ``time``,
            ``date``, ``text``, ``flag``, ``decimal``, ``score``.
        labels: column -> header text, over the package's words.

    >>> format_table(pd.DataFrame({"total_cost": [1234.5, 0.00075], "error_rate": [0.1234, 0]}))
           spend error rate
    0  $1,234.50      12.3%
    1   $0.00075       0.0%
    """
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    if not isinstance(frame, pd.DataFrame):
        raise InvalidQueryError(
            f"format_table takes a DataFrame or a Series, not {type(table).__name__}"
        )
    kinds = dict(kinds or {})
    unknown = sorted(set(kinds.values()) - set(FORMATS))
    if unknown:
        raise InvalidQueryError(
            f"format_table: unknown kind {unknown[0]!r}; allowed: {', '.join(FORMATS)}"
        )
    out = pd.DataFrame(index=_index(frame.index))
    for name in frame.columns:
        values = frame[name]
        fallback = "text"
        if pd.api.types.is_bool_dtype(values):
            fallback = "flag"
        elif pd.api.types.is_integer_dtype(values):
            fallback = "int"
        elif pd.api.types.is_float_dtype(values):
            fallback = "decimal"  # a number the package does not know: two decimals
        formatter = FORMATS[kinds.get(str(name), columns.kind(name, fallback))]
        header = (labels or {}).get(str(name), columns.label(name))
        out[header] = [formatter(value) for value in values.tolist()]
    return out


def _index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.DatetimeIndex) or (
        pd.api.types.is_integer_dtype(index) and not isinstance(index, pd.RangeIndex)
    ):
        return pd.Index(index_text(index), name=index.name)
    return index.rename(columns.label(index.name) if index.name is not None else None)


def index_text(index: pd.Index) -> list[str]:
    """An index's values as text, as every face shows them: whole days as days, instants as
    times, counts with separators, a missing value as ``(none)``.

    >>> index_text(pd.DatetimeIndex(["2026-10-01", "2026-10-02"], tz="UTC"))
    ['2026-10-01', '2026-10-02']
    >>> index_text(pd.Index(["veo-3", None]))
    ['veo-3', '(none)']
    """
    if isinstance(index, pd.DatetimeIndex):
        whole_days = bool(len(index)) and bool((index == index.normalize()).all())
        return [fmt_date(t) if whole_days else fmt_time(t) for t in index]
    if pd.api.types.is_integer_dtype(index) and not isinstance(index, pd.RangeIndex):
        return [fmt_int(v) for v in index]
    return ["(none)" if missing(v) else str(v) for v in index]
