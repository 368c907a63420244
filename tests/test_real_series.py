"""The real series of the forecast benchmark (``benchmarks/real``) and their conversion.

The conversion must keep the real counts (one execution per counted event, in its hour and
day), be deterministic, and price every execution from the sandbox's catalogue; the
committed files must be whole (consecutive periods, a year each). Offline and fast: it reads
the committed CSV files and converts two weeks of each series (and one whole series).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eachlabs_analytics import schema
from eachlabs_analytics.local_api import catalog

REAL = Path(__file__).resolve().parent.parent / "benchmarks" / "real"
_spec = importlib.util.spec_from_file_location("real_convert", REAL / "convert.py")
assert _spec is not None and _spec.loader is not None
convert = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = convert  # its dataclass looks its module up
_spec.loader.exec_module(convert)

NAMES = sorted(convert.SERIES)
TWO_WEEKS = pd.Timedelta(days=14)


def head(counts: pd.Series) -> pd.Series:
    return counts[counts.index < counts.index[0] + TWO_WEEKS]


def per_period(frame: pd.DataFrame, freq: str) -> pd.Series:
    return frame.groupby(frame["created_at"].dt.floor(freq)).size()


def test_five_series_from_different_domains_each_a_whole_year():
    assert len(NAMES) >= 5
    assert len({convert.SERIES[name].domain for name in NAMES}) == len(NAMES)
    for name in NAMES:
        counts = convert.load_counts(name)
        days = counts.groupby(counts.index.floor("D")).sum()
        assert counts.dtype == np.int64 and (counts >= 0).all(), name
        assert 365 <= len(days) <= 366 and (days > 0).mean() > 0.75, (
            name
        )  # the shop shuts on Saturdays
        assert (REAL / "data" / convert.SERIES[name].file).stat().st_size < 300_000, name
    readme = (REAL / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in NAMES)  # each has its source and licence


@pytest.mark.parametrize("name", NAMES)
def test_the_conversion_keeps_the_real_counts_per_period(name):
    counts = head(convert.load_counts(name))
    frame = convert.convert(counts, seed=3)
    freq = convert.SERIES[name].freq
    got = per_period(frame, freq).reindex(counts.index, fill_value=0)
    assert got.tolist() == counts.tolist()
    window = frame.attrs["window"]
    assert pd.Timestamp(window["start"]) == counts.index[0]
    assert pd.Timestamp(window["end"]) == counts.index[-1] + pd.Timedelta(1, freq)


def test_a_whole_series_daily_executions_equal_the_source():
    counts = convert.load_counts("flights")
    frame = convert.convert("flights")
    daily = counts.groupby(counts.index.floor("D")).sum()
    assert per_period(frame, "D").reindex(daily.index, fill_value=0).tolist() == daily.tolist()
    assert frame.attrs["real_series"] == {"series": "flights", "seed": convert.SEED}


def test_the_conversion_is_deterministic_and_the_seed_matters():
    counts = head(convert.load_counts("wikipedia"))  # a daily series: hours are drawn too
    first, again = convert.convert(counts, seed=5), convert.convert(counts, seed=5)
    assert first.equals(again)
    other = convert.convert(counts, seed=6)
    assert len(other) == len(first) and not other["execution_cost"].equals(first["execution_cost"])


def test_executions_have_the_loaders_shape_and_the_catalogues_prices():
    frame = convert.convert(head(convert.load_counts("retail")), seed=1)
    assert tuple(frame.columns) == schema.COLUMNS and frame["id"].is_unique
    assert frame["created_at"].is_monotonic_decreasing
    models = frame["model"].astype(object)
    assert models.isin(list(catalog.MODELS)).all()
    assert models.nunique() >= 20  # the sandbox's mix, not one model
    ok = frame["status"].isin(list(schema.SUCCEEDED_STATUSES)).to_numpy()
    cost = frame["execution_cost"].to_numpy()
    base = models.map({m.slug: m.price for m in catalog.CATALOG}).to_numpy(float)
    choices = models.map(
        {m.slug: catalog.CATEGORIES[m.category].price_choices for m in catalog.CATALOG}
    )
    fixed = ok & (base > 0)
    # a fixed-price model costs its list price times one of its category's multipliers
    assert all(
        any(np.isclose(c, b * k, rtol=0, atol=1e-6) for k in ks)
        for c, b, ks in zip(cost[fixed], base[fixed], choices[fixed], strict=True)
    )
    tts = ok & (models == "elevenlabs-tts").to_numpy()
    # priced per character, rounded to the micro-dollar like every cost
    chars = np.round(cost[tts] / catalog.TTS_PRICE_PER_CHAR)
    near = chars[:, None] + np.array([-1, 0, 1])
    priced = np.round(near * catalog.TTS_PRICE_PER_CHAR, 6) == cost[tts][:, None]
    assert tts.any() and priced.any(axis=1).all()
    assert ((chars >= 9) & (chars <= catalog.TTS_MAX_CHARS + 1)).all()
    router = (models == catalog.ROUTER_MODEL).to_numpy()
    routed = {name for name, _, _ in catalog.ROUTED_MODELS}
    assert frame.loc[router, "requested_model"].isin(routed).all() and (cost[router] >= 0).all()
    failed = frame["status"].isin(list(schema.FAILED_STATUSES)).to_numpy()
    assert 0.03 < failed.mean() < 0.1  # the sandbox's failure rates
    # a failure is free, except a timeout: half the price (the compute was used)
    paid = failed & (base > 0) & (cost > 0)
    assert paid.any() and all(
        any(np.isclose(c, b * k / 2, rtol=0, atol=1e-6) for k in ks)
        for c, b, ks in zip(cost[paid], base[paid], choices[paid], strict=True)
    )
