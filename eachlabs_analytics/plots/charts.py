"""Charts of the analytics helpers: each ``plot_*(df, ax=None, ...)`` draws one, returns its Axes.

Every chart draws exactly the numbers of the helper it is named after (so a chart and a table
never disagree), puts units on its axes ($ for money, s for time), stays readable with 30+
models (horizontal bars, label sizes and figure height follow the number of groups) and uses
colour-blind-safe colours. None calls ``plt.show()``: in a notebook the figure appears on its
own; in a script, save it with ``ax.figure.savefig(...)``. Pass ``ax=`` to draw into your own
layout. Empty input draws an empty chart that says so.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=2_000, seed=7)
>>> ax = ea.plot_cost_by_model(df)
>>> ax.get_xlabel()
'Spend (USD)'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from eachlabs_analytics._util.timestamps import DAY, ONE_US
from eachlabs_analytics._util.windows import data_end, month_to_date
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.aggregates import (
    cost_by_model,
    error_breakdown,
    latency_percentiles,
)
from eachlabs_analytics.metrics.over_time import (
    OTHER,
    cost_over_time,
    error_rate_over_time,
    latency_over_time,
)
from eachlabs_analytics.plots import palette as _palette
from eachlabs_analytics.plots import parts as _parts

__all__ = [
    "plot_cost_by_model",
    "plot_cost_over_time",
    "plot_error_breakdown",
    "plot_error_rate_over_time",
    "plot_latency",
    "plot_latency_over_time",
    "plot_month_to_date",
    "plot_queue_vs_execution",
    "plot_spend_forecast",
]


# --- cost -----------------------------------------------------------------------------------
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


# --- latency --------------------------------------------------------------------------------
def plot_latency(
    df: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | None = "model",
    metric: str = "total_seconds",
    top: int | None = None,
) -> Axes:
    """Latency distribution per model: boxes on a log axis, slowest median on top.

    Computed by :func:`latency_percentiles` (rows in flight and NaN left out): the box spans
    p25 to p75 with the median (p50) marked, whiskers reach p5 and p95, the dot is the mean.
    Labels carry the row count; groups with too few rows to trust (``low_count``) are marked
    with ``*``. ``top=N`` keeps the N groups with the most rows.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> ax = ea.plot_latency(df)
    >>> ax.get_xscale(), ax.get_xlabel()
    ('log', 'End-to-end time (created to completed) (s, log scale)')
    """
    _parts.check_top(top)
    table = latency_percentiles(df, by=by, metric=metric, percentiles=(5, 25, 50, 75, 95))
    table = table[table["count"] > 0]
    if top is not None:
        table = table.head(top)
    table = table.sort_values("p50", ascending=False, kind="stable")
    ax = _parts.axes(ax, len(table))
    what = _parts.METRIC_LABELS[metric].split(" (")[0]
    title = f"{what} per {by or 'all'} (box p25-p75, whiskers p5-p95)"
    if table.empty:
        return _parts.empty(ax, title)
    labels = [
        f"{name}{' *' if low else ''} (n={count:,})"
        for name, low, count in zip(
            _parts.names(table.index), table["low_count"], table["count"], strict=True
        )
    ]
    stats = [
        {
            "label": label,
            "whislo": row.p5,
            "q1": row.p25,
            "med": row.p50,
            "q3": row.p75,
            "whishi": row.p95,
            "mean": row.mean,
            "fliers": [],
        }
        for label, row in zip(labels, table.itertuples(), strict=True)
    ]
    y = _parts.bar_rows(ax, labels)
    artists = ax.bxp(
        stats,
        positions=y,
        **_parts.HORIZONTAL,
        showmeans=True,
        patch_artist=True,
        boxprops={"facecolor": _palette.OKABE_ITO[1], "edgecolor": "#333333"},
        medianprops={"color": "#000000", "linewidth": 1.5},
        meanprops={
            "marker": "o",
            "color": "#000000",
            "markerfacecolor": "white",
            "markeredgecolor": "#000000",
        },
        widths=0.6,
        manage_ticks=False,
    )
    for kind in ("boxes", "medians", "whiskers", "means"):
        for artist in artists[kind]:
            artist.set_gid(kind)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_parts.seconds))
    ax.set_xlabel(f"{_parts.METRIC_LABELS[metric]} (s, log scale)")
    ax.set_title(title)
    ax.grid(axis="x", which="major", alpha=0.3)
    return ax


def plot_queue_vs_execution(
    df: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | None = "model",
    stat: str = "p50",
    top: int | None = None,
) -> Axes:
    """Where the time goes, per model: queue time and execution time side by side (log axis).

    Each row shows ``stat`` (``p50`` by default; ``p90``, ``p95``, ``p99`` or ``mean``) of
    ``queue_seconds`` (orange circle) and ``execution_seconds`` (blue square) from
    :func:`latency_percentiles`, joined by a line; rows sorted by the sum, largest on top.
    A long orange segment means executions wait rather than run. ``top=N`` keeps the N
    groups with the most rows.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> ax = ea.plot_queue_vs_execution(df)
    >>> ax.get_legend_handles_labels()[1]
    ['queue (created to started)', 'execution (started to completed)']
    """
    _parts.check_top(top)
    if stat not in _parts.STATS:
        raise InvalidQueryError(
            f"stat={stat!r} is not allowed; use one of {', '.join(_parts.STATS)}"
        )
    percentiles = [int(stat[1:])] if stat != "mean" else []
    queue = latency_percentiles(df, by=by, metric="queue_seconds", percentiles=percentiles)
    run = latency_percentiles(df, by=by, metric="execution_seconds", percentiles=percentiles)
    both = pd.DataFrame({"queue": queue[stat], "execution": run[stat].reindex(queue.index)})
    both["rows"] = queue["count"]
    both = both.dropna(how="all", subset=["queue", "execution"])
    if top is not None:
        both = both.sort_values("rows", ascending=False, kind="stable").head(top)
    both = both.loc[
        both[["queue", "execution"]].sum(axis=1).sort_values(ascending=False, kind="stable").index
    ]
    ax = _parts.axes(ax, len(both))
    word = "median" if stat == "p50" else stat
    title = f"Queue vs execution time per {by or 'all'} ({word})"
    if both.empty:
        return _parts.empty(ax, title)
    y = _parts.bar_rows(ax, _parts.names(both.index))
    ax.hlines(y, both["queue"], both["execution"], color="#BBBBBB", linewidth=1.5, zorder=1)
    ax.plot(
        both["queue"],
        y,
        "o",
        color=_palette.QUEUE_COLOR,
        label="queue (created to started)",
        gid="queue",
        zorder=2,
    )
    ax.plot(
        both["execution"],
        y,
        "s",
        color=_palette.EXECUTION_COLOR,
        label="execution (started to completed)",
        gid="execution",
        zorder=2,
    )
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_parts.seconds))
    ax.set_xlabel(f"{word} seconds (log scale)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return ax


# --- errors ---------------------------------------------------------------------------------
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


def plot_latency_over_time(
    df: pd.DataFrame,
    ax: Axes | None = None,
    *,
    freq: str = "D",
    metric: str = "total_seconds",
    tz: str | None = None,
) -> Axes:
    """Lines of the median (p50) and p95 latency per period: is it getting slower?

    The values are :func:`latency_over_time` with the same arguments (rows in flight left
    out, linear-interpolation percentiles, seconds). Periods without a usable row leave a gap.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> ax = ea.plot_latency_over_time(df)
    >>> [line.get_label() for line in ax.get_lines()]
    ['p50', 'p95']
    """
    table = latency_over_time(df, freq=freq, metric=metric, percentiles=(50, 95), tz=tz)
    ax = _parts.axes(ax, width=10.0)
    words = {
        "queue_seconds": "Queue time",
        "execution_seconds": "Execution time",
        "total_seconds": "End-to-end latency",
        "run_time": "Run time (API)",
    }
    title = f"{words.get(metric, metric)} per {_parts.freq_word(freq)}"
    if table.empty:
        return _parts.empty(ax, title)
    x = table.index.tz_localize(None) if table.index.tz is not None else table.index
    for i, name in enumerate(["p50", "p95"]):
        color, style = _palette.line_style(i)
        ax.plot(
            x,
            table[name].to_numpy(),
            style,
            color=color,
            label=name,
            marker="." if len(x) < 60 else None,
        )
    ax.yaxis.set_major_formatter(FuncFormatter(_parts.seconds))
    ax.set_ylabel("Seconds (p50, p95)")
    zone = table.index.tz
    ax.set_xlabel(f"Period start ({zone})" if zone is not None else "Period start")
    ax.set_title(title)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
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


# --- forecast -------------------------------------------------------------------------------
def plot_spend_forecast(
    daily: pd.DataFrame, ax: Axes | None = None, *, as_of: object, days: int = 56
) -> Axes:
    """Spend per day: the last ``days`` whole days' actual spend (blue line), then the
    forecast (orange, dashed) with its 80 % and 95 % intervals (bands), opening from the last
    whole day's actual spend, and a dotted line at ``as_of``. Draws :func:`forecast_spend`'s
    ``freq="D"`` rows as they are; days are placed at their start (UTC).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=3_000, seed=7, end="2026-10-20T12:00:00Z")
    >>> ax = plot_spend_forecast(ea.forecast_spend(df), as_of="2026-10-20T12:00:00Z")
    >>> ax.get_ylabel()
    'Spend per day (USD)'
    """
    ax = _parts.axes(ax)

    title = "Spend per day: actual and forecast"
    color = _palette.OKABE_ITO[0]  # orange: apart from the actual spend's blue
    past = daily.loc[daily["forecast"].isna() & daily["actual"].notna()].tail(days)
    ahead = daily.loc[daily["forecast"].notna()]
    if past.empty and ahead.empty:
        return _parts.empty(ax, title)

    def naive(values: pd.Series) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None)

    x = naive(ahead["period"])
    columns = ["forecast", *(f"{side}_{level}" for level in (80, 95) for side in ("lo", "hi"))]
    fan = {c: ahead[c].to_numpy(dtype=float) for c in columns}
    if len(past) and len(ahead):
        # the fan opens at the last whole day's spend, which is known
        x = naive(past["period"].tail(1)).append(x)
        known = float(past["actual"].iloc[-1])
        fan = {c: np.r_[known, values] for c, values in fan.items()}
    for level, alpha in ((95, 0.15), (80, 0.3)):
        ax.fill_between(
            x,
            fan[f"lo_{level}"],
            fan[f"hi_{level}"],
            color=color,
            alpha=alpha,
            linewidth=0,
            label=f"{level}% interval",
            gid=f"interval_{level}",
        )
    ax.plot(
        naive(past["period"]),
        past["actual"].to_numpy(dtype=float),
        "-",
        color=_palette.SPEND_COLOR,
        marker="." if len(past) < 60 else None,
        label="actual",
        gid="actual",
    )
    ax.plot(
        x,
        fan["forecast"],
        "--",
        color=color,
        marker=".",
        label="forecast",
        gid="forecast",
    )
    ax.axvline(
        pd.Timestamp(as_of).tz_convert("UTC").tz_localize(None),
        color="#555555",
        linestyle=":",
        linewidth=1.2,
        label="period end (as of)",
        gid="as_of",
    )
    ax.yaxis.set_major_formatter(_parts.MoneyFormatter())
    ax.set_ylabel("Spend per day (USD)")
    ax.set_xlabel("Day (UTC)")
    ax.set_title(title)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    _parts.dates(ax)
    return ax
