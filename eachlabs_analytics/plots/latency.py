"""Latency charts: the distribution per model, queue against execution time, and over time.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=2_000, seed=7)
>>> ax = ea.plot_latency(df, metric="queue_seconds")
>>> ax.get_xlabel()
'Queue time (created to started) (s, log scale)'
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.aggregates import latency_percentiles
from eachlabs_analytics.metrics.over_time import latency_over_time
from eachlabs_analytics.plots import palette as _palette
from eachlabs_analytics.plots import parts as _parts

__all__ = [
    "plot_latency",
    "plot_latency_over_time",
    "plot_queue_vs_execution",
]


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
