"""The pieces every chart shares: axes sized for the rows, tick formats, labels from data.

>>> money(1234.5), seconds(0.5)
('$1,234', '0.5 s')
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.ticker import Formatter

from eachlabs_analytics._util.formats import fmt_money
from eachlabs_analytics.exceptions import InvalidQueryError

#: What each latency metric measures, for axis labels.
METRIC_LABELS: dict[str, str] = {
    "queue_seconds": "Queue time (created to started)",
    "execution_seconds": "Execution time (started to completed)",
    "total_seconds": "End-to-end time (created to completed)",
    "run_time": "Run time (as reported by the API)",
}
FREQ_WORDS = {"min": "minute", "h": "hour", "D": "day", "W": "week", "M": "month", "Q": "quarter"}
FREQ_WORDS["Y"] = "year"
STATS = ("p50", "p90", "p95", "p99", "mean")
# matplotlib >= 3.10 says orientation=; older releases only know vert= (now deprecated)
HORIZONTAL = (
    {"orientation": "horizontal"}
    if "orientation" in inspect.signature(Axes.bxp).parameters
    else {"vert": False}
)


def axes(ax: Axes | None, rows: int = 0, width: float = 9.0) -> Axes:
    """``ax``, or a new figure tall enough for ``rows`` horizontal bars."""
    if ax is not None:
        return ax
    height = 4.5 if rows == 0 else min(max(3.0, 0.3 * rows + 1.5), 40.0)
    _, new = plt.subplots(figsize=(width, height), layout="constrained")
    return new


def label_size(rows: int) -> float:
    """Tick label size that keeps ``rows`` labels apart."""
    return 9.0 if rows <= 25 else max(5.5, 9.0 - (rows - 25) * 0.08)


def empty(ax: Axes, title: str) -> Axes:
    ax.set_title(title)
    ax.text(0.5, 0.5, "no executions to show", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def money(value: float, _pos: object = None) -> str:
    """Dollar tick labels: ``$1,234``, ``$12.50``; below a cent as every face writes it.

    >>> money(1234.5), money(12.5), money(0.004), money(0)
    ('$1,234', '$12.50', '$0.0040', '$0')
    """
    if value == 0:
        return "$0"
    if abs(value) >= 1000:
        return f"${value:,.0f}"
    return fmt_money(value)


class MoneyFormatter(Formatter):
    """Dollar ticks with one number of decimals per axis: ``$0, $200, ... $1,600`` (whole
    dollars when every tick is whole), else cents on every tick, ``$0.00, $0.50, $1.00``.

    >>> MoneyFormatter().format_ticks([0, 200, 1000, 1600])
    ['$0', '$200', '$1,000', '$1,600']
    >>> MoneyFormatter().format_ticks([0, 0.5, 1.0])
    ['$0.00', '$0.50', '$1.00']
    """

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        finite = [float(v) for v in values if np.isfinite(v)]
        if all(v == round(v) for v in finite):
            return [f"-${-v:,.0f}" if v < 0 else f"${v:,.0f}" for v in values]
        if all(abs(v) >= 0.01 or v == 0 for v in finite):
            return [f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}" for v in values]
        return [money(v) for v in values]

    def __call__(self, x: float, pos: int | None = None) -> str:
        return money(x)


def seconds(value: float, _pos: object = None) -> str:
    """Time tick labels in seconds: ``0.5 s``, ``30 s``, ``1,200 s``.

    >>> seconds(0.5), seconds(30), seconds(1200)
    ('0.5 s', '30 s', '1,200 s')
    """
    return f"{value:,.0f} s" if abs(value) >= 10 else f"{value:.2g} s"


def freq_word(freq: str) -> str:
    unit = freq.lstrip("0123456789 ")
    unit = {"ME": "M", "MS": "M", "QE": "Q", "QS": "Q", "YE": "Y", "YS": "Y", "d": "D"}.get(
        unit, unit
    )
    word = FREQ_WORDS.get(unit.split("-")[0], freq)
    multiple = freq[: len(freq) - len(freq.lstrip("0123456789"))]
    return f"{multiple} {word}s" if multiple not in ("", "1") else word


def names(index: pd.Index) -> list[str]:
    """Labels from data, shown literally: ``$`` would otherwise start matplotlib mathtext."""
    return ["(none)" if pd.isna(v) else str(v).replace("$", r"\$") for v in index]


def bar_rows(ax: Axes, labels: list[str]) -> np.ndarray:
    """Y positions for horizontal bars, first label on top, with readable tick labels."""
    y = np.arange(len(labels))[::-1].astype(float)
    ax.set_yticks(y, labels, fontsize=label_size(len(labels)))
    ax.set_ylim(-0.6, len(labels) - 0.4)
    return y


def dates(ax: Axes) -> None:
    """Compact date ticks that never overlap (and leave other subplots alone)."""
    locator = AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def check_top(top: int | None) -> None:
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise InvalidQueryError(f"top must be None or an integer >= 1, not {top!r}")


def png(
    draw: Callable[[Axes], object],
    size: tuple[float, float],
    dpi: int = 100,
    *,
    then: Callable[[Axes], object] | None = None,
) -> bytes:
    """Draw on a fresh Agg figure (never pyplot: no global state, no leaked figures) and
    return the PNG bytes, without a timestamp or software tag, so equal charts are equal bytes.
    ``then`` draws a second chart below the first (the figure grows to twice the height).

    >>> png(lambda ax: ax.plot([0, 1]), (2, 1))[1:4]
    b'PNG'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = 1 if then is None else 2
    figure = Figure(figsize=(size[0], size[1] * rows), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    draw(figure.add_subplot(rows, 1, 1))
    if then is not None:
        then(figure.add_subplot(rows, 1, 2))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
