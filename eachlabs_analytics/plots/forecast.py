"""The forecast chart: actual spend per day, then the forecast's fan (watch's ``forecast_spend``).

It draws a table it is given (no metrics, no model fitting here), so the report, the Explorer
and a notebook show the same forecast.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=3_000, seed=7, end="2026-10-20T12:00:00Z")
>>> ax = ea.plot_spend_forecast(ea.forecast_spend(df), as_of="2026-10-20T12:00:00Z")
>>> [line.get_label() for line in ax.get_lines()][:2]
['actual', 'forecast']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from eachlabs_analytics.plots import palette as _palette
from eachlabs_analytics.plots import parts as _parts

__all__ = [
    "plot_spend_forecast",
]


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
