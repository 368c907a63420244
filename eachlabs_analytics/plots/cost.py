"""Spend charts: per model, over time, and this month so far against last month.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=2_000, seed=7)
>>> ea.plot_cost_over_time(df, freq="W").get_ylabel()
'Spend per week (USD)'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from eachlabs_analytics._util.timestamps import DAY, ONE_US
from eachlabs_analytics._util.windows import data_end, month_to_date
from eachlabs_analytics.metrics.aggregates import cost_by_model
from eachlabs_analytics.metrics.over_time import OTHER, cost_over_time
from eachlabs_analytics.plots import palette as _palette
from eachlabs_analytics.plots import parts as _parts

__all__ = [
    "plot_cost_by_model",
    "plot_cost_over_time",
    "plot_month_to_date",
]


def plot_cost_by_model(
    df: pd.DataFrame, ax: Axes | None = None, *, by: str | None = "model", top: int | None = None
) -> Axes:
    """Horizontal bars of spend per model, the part spent on failed executions marked.

    Bars are :func:`cost_by_model`'s ``total_cost`` (USD), biggest on top; each is split
    into ``failed_cost`` (vermillion, "spent on failures") and the rest (blue). ``top=N``
    keeps the N biggest (the title says how many are left out).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> ax = ea.plot_cost_by_model(df, top=5)
    >>> len(ax.patches), ax.get_legend_handles_labels()[1]
    (10, ['other spend', 'spent on failures'])
    """
    _parts.check_top(top)
    table = cost_by_model(df, by=by)
    shown = table if top is None else table.head(top)
    ax = _parts.axes(ax, len(shown))
    title = "Spend by model" if by == "model" else f"Spend by {by or 'all'}"
    if shown.empty:
        return _parts.empty(ax, title)
    if len(shown) < len(table):
        title += f" (top {len(shown)} of {len(table)})"
    y = _parts.bar_rows(ax, _parts.names(shown.index))
    failed = shown["failed_cost"].to_numpy()
    rest = shown["total_cost"].to_numpy() - failed
    ax.barh(y, rest, color=_palette.SPEND_COLOR, label="other spend", gid="other_spend")
    ax.barh(
        y,
        failed,
        left=rest,
        color=_palette.FAILED_COLOR,
        label="spent on failures",
        gid="failed_spend",
    )
    ax.xaxis.set_major_formatter(_parts.MoneyFormatter())
    ax.set_xlabel("Spend (USD)")
    ax.set_title(title)
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_cost_over_time(
    df: pd.DataFrame,
    ax: Axes | None = None,
    *,
    freq: str = "D",
    by: str | None = "model",
    top: int | None = 7,
    tz: str | None = None,
) -> Axes:
    """Stacked area of spend per period, the ``top`` biggest groups and "other" (grey).

    Areas are :func:`cost_over_time` with the same arguments (USD per period); the top edge
    of the stack is the total spend of each period.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> ax = ea.plot_cost_over_time(df, top=3)
    >>> ax.get_legend_handles_labels()[1][-1], ax.get_ylabel()
    ('other', 'Spend per day (USD)')
    """
    table = cost_over_time(df, freq=freq, by=by, top=top, tz=tz)
    ax = _parts.axes(ax, width=10.0)
    title = "Spend over time" + (f" by {by}" if by else "")
    if table.empty or table.shape[1] == 0:
        return _parts.empty(ax, title)
    colors, hatches = [], []
    for i, name in enumerate(table.columns):
        color, hatch = _palette.series_style(i)
        if isinstance(name, str) and name == OTHER and i == table.shape[1] - 1 and top is not None:
            color, hatch = _palette.OTHER_COLOR, ""
        colors.append(color)
        hatches.append(hatch)
    x = table.index.tz_localize(None) if table.index.tz is not None else table.index
    # step="post" draws each value up to the next start: give the last period an end too
    width = x[-1] - x[-2] if len(x) > 1 else pd.Timedelta(days=1)
    x = x.append(pd.DatetimeIndex([x[-1] + width]))
    values = table.to_numpy()
    values = np.vstack([values, values[-1:]])
    areas = ax.stackplot(
        x, values.T, labels=_parts.names(table.columns), colors=colors, step="post"
    )
    for area, hatch in zip(areas, hatches, strict=True):
        area.set_hatch(hatch)
    ax.yaxis.set_major_formatter(_parts.MoneyFormatter())
    ax.set_ylabel(f"Spend per {_parts.freq_word(freq)} (USD)")
    zone = table.index.tz
    ax.set_xlabel(f"Period start ({zone})" if zone is not None else "Period start")
    ax.set_title(title)
    ax.set_ylim(bottom=0)
    ax.margins(x=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title=by, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    _parts.dates(ax)
    return ax


def month_to_date_spend(df: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Cumulative spend per day of month: this month to ``as_of`` and all of last month.

    Index ``day`` (1..31); columns ``this_month`` (NaN after ``as_of``'s day) and
    ``last_month`` (NaN past that month's last day), in USD, from :func:`cost_over_time`.

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7, end="2026-10-16T00:00:00Z")
    >>> table = month_to_date_spend(df, pd.Timestamp("2026-10-15T23:59:59Z"))
    >>> october = df[df["created_at"] >= "2026-10-01T00:00:00Z"]["execution_cost"].sum()
    >>> bool(abs(table["this_month"].max() - october) < 1e-6), int(table["this_month"].count())
    (True, 15)
    """
    (start, end), (previous_start, _) = month_to_date(as_of)
    days = pd.RangeIndex(1, 32, name="day")
    daily = cost_over_time(df, freq="D", by=None)  # a lazy selection answers this too
    spent = daily["total"] if len(daily.columns) else pd.Series(dtype="float64")
    columns = {}
    for name, first, stop in (
        ("this_month", start, end),
        ("last_month", previous_start, start),
    ):
        length = int((stop - ONE_US - first) / DAY) + 1
        inside = spent[(spent.index >= first) & (spent.index < stop)] if len(spent) else spent
        per_day = np.zeros(length)
        offsets = ((inside.index - first) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)
        per_day[offsets] = inside.to_numpy()
        values = np.full(len(days), np.nan)
        values[:length] = np.cumsum(per_day)
        columns[name] = values
    out = pd.DataFrame(columns, index=days)
    out.attrs = daily.attrs
    return out


def plot_month_to_date(df: pd.DataFrame, ax: Axes | None = None, *, as_of: object = None) -> Axes:
    """Cumulative spend by day of month: this month to ``as_of`` (solid) against last month
    (dashed, the whole month), so "are we ahead of last month?" is one glance. UTC months;
    the values are :func:`month_to_date_spend`. ``as_of`` defaults to the data's last instant
    (the end of ``attrs["window"]``, else the newest row).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7, end="2026-10-16T00:00:00Z")
    >>> ax = plot_month_to_date(df, as_of="2026-10-15T23:59:59Z")
    >>> [line.get_label() for line in ax.get_lines()]
    ['October 2026 (to Oct 15)', 'September 2026']
    """
    if as_of is None:
        end = data_end(df)
        as_of = end - ONE_US if end is not None else pd.Timestamp.now("UTC")
    last = pd.Timestamp(as_of)
    last = last.tz_localize("UTC") if last.tz is None else last.tz_convert("UTC")
    table = month_to_date_spend(df, last)
    ax = _parts.axes(ax, width=10.0)
    (start, _), (previous_start, _) = month_to_date(last)
    title = "Spend so far this month against last month (UTC)"
    if not table.attrs.get("rows"):
        return _parts.empty(ax, title)
    names = {
        "this_month": f"{start:%B %Y} (to {last:%b} {last.day})",
        "last_month": f"{previous_start:%B %Y}",
    }
    for i, (column, style) in enumerate((("this_month", "-"), ("last_month", "--"))):
        color, _ = _palette.line_style(i)
        ax.plot(table.index, table[column].to_numpy(), style, color=color, label=names[column])
    ax.yaxis.set_major_formatter(_parts.MoneyFormatter())
    ax.set_ylabel("Spend since the 1st (USD)")
    ax.set_xlabel("Day of month")
    ax.set_xlim(1, 31)
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return ax
