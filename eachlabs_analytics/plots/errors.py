"""Error charts: failures per model by error class, and the error rate over time.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=2_000, seed=7)
>>> ax = ea.plot_error_breakdown(df)
>>> ax.get_xlabel()
'Failed executions'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from eachlabs_analytics.metrics.aggregates import error_breakdown
from eachlabs_analytics.metrics.over_time import OTHER, error_rate_over_time
from eachlabs_analytics.plots import palette as _palette
from eachlabs_analytics.plots import parts as _parts

__all__ = [
    "plot_error_breakdown",
    "plot_error_rate_over_time",
]


def plot_error_breakdown(
    df: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | None = "model",
    top: int | None = None,
    normalize: bool = False,
) -> Axes:
    """Stacked horizontal bars of failed executions per model, one colour per error class.

    Segments are :func:`error_breakdown`'s class columns (and ``unclassified``, hatched);
    a bar's length is the group's ``errors``. With ``normalize=True`` each segment is
    divided by the group's ``executions``, so bar length is the ``error_rate`` (in %).
    Groups without failures are left out; ``top=N`` keeps the N with the most.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> ax = ea.plot_error_breakdown(df, normalize=True)
    >>> ax.get_xlabel()
    'Error rate (% of executions)'
    """
    _parts.check_top(top)
    table = error_breakdown(df, by=by)
    table = table[table["errors"] > 0]
    if top is not None:
        table = table.head(top)
    ax = _parts.axes(ax, len(table))
    title = f"Failed executions by error class and {by or 'all'}"
    if table.empty:
        return _parts.empty(ax, title)
    classes = [c for c in table.columns if c not in ("errors", "executions", "error_rate")]
    y = _parts.bar_rows(ax, _parts.names(table.index))
    left = np.zeros(len(table))
    scale = table["executions"].to_numpy(dtype=float) if normalize else np.ones(len(table))
    for name in classes:
        widths = table[name].to_numpy(dtype=float) / scale
        style: dict[str, Any]
        if name == "unclassified":
            style = dict(_palette.UNCLASSIFIED_STYLE)
        else:
            style = {"color": _palette.error_class_color(name)}
        ax.barh(y, widths, left=left, label=name, gid=name, **style)
        left += widths
    if normalize:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("Error rate (% of executions)")
    else:
        ax.set_xlabel("Failed executions")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="error class", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_error_rate_over_time(
    df: pd.DataFrame,
    ax: Axes | None = None,
    *,
    freq: str = "D",
    by: str | None = None,
    top: int | None = 5,
    tz: str | None = None,
) -> Axes:
    """Lines of the error rate per period (% of executions created in it that failed).

    The values are :func:`error_rate_over_time` with the same arguments: one line overall
    (``by=None``), or one per group, the ``top`` with most errors and "other" (grey). Periods
    without executions leave a gap.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> ax = ea.plot_error_rate_over_time(df)
    >>> ax.get_ylabel()
    'Error rate (% of executions)'
    """
    table = error_rate_over_time(df, freq=freq, by=by, top=top, tz=tz)
    ax = _parts.axes(ax, width=10.0)
    title = f"Error rate per {_parts.freq_word(freq)}" + (f" by {by}" if by else "")
    if table.empty:
        return _parts.empty(ax, title)
    rates = table[["error_rate"]].rename(columns={"error_rate": "all"}) if by is None else table
    x = table.index.tz_localize(None) if table.index.tz is not None else table.index
    for i, name in enumerate(rates.columns):
        color, style = _palette.line_style(i)
        if by is not None and name == OTHER and i == rates.shape[1] - 1 and top is not None:
            color = _palette.OTHER_COLOR
        ax.plot(
            x,
            rates[name].to_numpy(),
            style,
            color=color,
            label=_parts.names(pd.Index([name]))[0],
            marker="." if len(x) < 60 else None,
        )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("Error rate (% of executions)")
    zone = table.index.tz
    ax.set_xlabel(f"Period start ({zone})" if zone is not None else "Period start")
    ax.set_title(title)
    ax.set_ylim(bottom=0)
    if by is not None:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title=by, fontsize=8)
    ax.grid(alpha=0.3)
    _parts.dates(ax)
    return ax
