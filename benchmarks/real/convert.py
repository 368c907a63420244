"""Real public count series, turned into each::labs executions the way a user's history looks.

    from convert import SERIES, convert, load_counts      # with benchmarks/real on sys.path
    df = convert("flights")            # 336,776 executions over 2013, one per departure

Each series in ``data/`` is a real count per hour (per day for page views): Wikipedia page
views, bike rentals, online-shop invoice lines, flight departures, pedestrians past a sensor
(sources and licences: ``README.md`` beside this file; ``extract.py`` rebuilt the files from
the packages that ship them). :func:`convert` makes **one execution per counted event**, so
the executions per day (and per hour) of the frame are the real counts, and gives them what
a user's executions have, with the sandbox's own rules
(:mod:`eachlabs_analytics.local_api.generator`):

- a model from the sandbox's mix of standalone executions (image generation and editing,
  video, text-to-speech, music, the LLM router; the shares of ``catalog.CATEGORIES``), each
  at its catalogue price (``catalog.CATALOG``: video lengths and image counts multiply it,
  text-to-speech is priced per character, the router per routed model), so a day's spend is
  the real count times a heavy-tailed price;
- the sandbox's outcomes: about 6 % fail (free, except timeouts at half price), about 1 %
  are cancelled, queueing grows with the hour's load;
- a creation time inside its hour, uniform; for a daily series, the hour follows the
  sandbox's daily curve (peaks at 09:00 and 15:00).

The source's local clock is read as UTC, so the frame's UTC days are the source's days.
Deterministic: the same series and ``seed`` give the same frame. A user's history is what
:func:`~eachlabs_analytics.watch.forecast_spend` and the other helpers take, so the
benchmark (``benchmarks/bench_forecast.py --real``) goes through the package as a user does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from eachlabs_analytics.local_api import generator as gen

DATA = Path(__file__).resolve().parent / "data"
#: The seed :func:`convert` uses unless told otherwise.
SEED = 21


@dataclass(frozen=True)
class Series:
    """One real series: its file in ``data/``, its period and what it counts."""

    file: str
    freq: str  # "h" or "D"
    domain: str
    counts: str


#: The series, by name (sources and licences: README.md).
SERIES: dict[str, Series] = {
    "wikipedia": Series(
        "wikipedia.csv", "D", "web", "views of the Wikipedia page of Peyton Manning per day"
    ),
    "bikeshare": Series(
        "bikeshare.csv", "h", "mobility", "Capital Bikeshare rentals per hour (Washington DC)"
    ),
    "retail": Series("retail.csv", "h", "e-commerce", "invoice lines per hour (UK online shop)"),
    "flights": Series(
        "flights.csv", "h", "aviation", "scheduled departures per hour from New York airports"
    ),
    "pedestrians": Series(
        "pedestrians.csv", "h", "footfall", "pedestrians per hour, 205 Queen St (Auckland)"
    ),
}

_HOURS_OF_DAY = np.arange(24)
#: The sandbox's daily curve (generator._Clock): how a daily count is spread over its hours.
_DAY_CURVE = (
    0.35
    + np.exp(-0.5 * ((_HOURS_OF_DAY - 15) / 3.5) ** 2)
    + 0.5 * np.exp(-0.5 * ((_HOURS_OF_DAY - 9) / 2.5) ** 2)
)


def load_counts(name: str) -> pd.Series:
    """The real counts of series ``name``: int64, indexed by period start (UTC, hourly or
    daily, every period present)."""
    if name not in SERIES:
        raise KeyError(f"no real series {name!r}; the series are {sorted(SERIES)}")
    spec = SERIES[name]
    raw = pd.read_csv(DATA / spec.file, dtype={"time": str, "count": "int64"})
    index = pd.DatetimeIndex(pd.to_datetime(raw["time"]), name="time").tz_localize("UTC")
    counts = pd.Series(raw["count"].to_numpy(), index=index.as_unit("us"), name=name)
    expected = pd.date_range(index[0], index[-1], freq=spec.freq)
    if not index.equals(expected) or (counts < 0).any():
        raise ValueError(f"{spec.file}: periods must be consecutive and counts non-negative")
    return counts


def convert(name: str | pd.Series, seed: int = SEED) -> pd.DataFrame:
    """Executions, one per event counted by a real series, priced from the sandbox's catalogue.

    Parameters
    ----------
    name : str or Series
        A key of :data:`SERIES`, or counts indexed by hourly or daily period starts (UTC),
        as :func:`load_counts` returns them.
    seed : int
        The same counts and seed give the same frame.

    Returns
    -------
    DataFrame
        The loader's columns and dtypes (``schema.COLUMNS``), newest first, one row per
        counted event, created inside its period; ``attrs["window"]`` covers the periods
        (a user's history as loaded), ``attrs["real_series"]`` names the source and seed.

    >>> import pandas as pd
    >>> counts = pd.Series([3, 0, 5], index=pd.date_range("2026-01-01", periods=3, freq="h",
    ...                                                    tz="UTC"))
    >>> df = convert(counts, seed=1)
    >>> df.groupby(df["created_at"].dt.floor("h")).size().tolist(), df.attrs["window"]["end"]
    ([3, 5], '2026-01-01T03:00:00Z')
    """
    counts = load_counts(name) if isinstance(name, str) else name
    label = name if isinstance(name, str) else str(counts.name)
    step = counts.index[1] - counts.index[0]
    if step not in (pd.Timedelta(hours=1), pd.Timedelta(days=1)):
        raise ValueError(f"counts must be hourly or daily, not every {step}")
    starts = counts.index.as_unit("us").asi8
    values = counts.to_numpy(dtype=np.int64)
    rng = np.random.default_rng([int(seed), 0x21])
    total = int(values.sum())
    period = np.repeat(np.arange(len(values)), values)
    step_us = int(step / pd.Timedelta(microseconds=1))
    relative = values / max(float(values.mean()), 1e-9)  # the period's load, 1 = average
    row_load = relative[period]
    if step == pd.Timedelta(days=1):
        hour = rng.choice(24, size=total, p=_DAY_CURVE / _DAY_CURVE.sum())
        offset = hour * gen.HOUR_US + (rng.random(total) * gen.HOUR_US).astype(np.int64)
        row_load = row_load * (_DAY_CURVE / _DAY_CURVE.mean())[hour]
    else:
        offset = (rng.random(total) * step_us).astype(np.int64)
    created = starts[period] + offset
    model = gen._choose(rng, gen._STANDALONE_P, total)
    start_us, end_us = int(starts[0]), int(starts[-1]) + step_us
    # the sandbox's rules: outcomes, prices, queueing growing with the load (floored so
    # that a quiet hour does not make queueing vanish)
    rows = gen._draw_rows(rng, model, created, np.maximum(row_load, 0.05), end_us)
    rows["workflow_id"] = np.full(total, None, dtype=object)
    rows["workflow_execution_id"] = np.full(total, None, dtype=object)
    rows["backend"] = np.zeros(total, dtype=bool)
    salt = np.uint64((int(seed) * 0x9E3779B97F4A7C15 + 0x21) % 2**64)
    rows["id_int"] = gen._mix64(np.arange(total, dtype=np.uint64) + salt)
    order = np.lexsort((rows["id_int"], rows["created"]))[::-1]
    rows = {key: value[order] for key, value in rows.items()}
    days = (end_us - start_us) / gen.DAY_US
    end = pd.Timestamp(end_us, unit="us", tz="UTC")
    frame = gen._assemble(rows, end, start_us, total, int(seed), days)
    del frame.attrs["generator"]
    frame.attrs["real_series"] = {"series": label, "seed": int(seed)}
    return frame
