"""Runway: its dates equal a direct simulation on the forecast's own seeded paths, a balance
at or below zero is out today, a balance past the horizon has no date, a store scan gives what
the loaded frame gives, bad input is refused before the API is asked, and the summary says
what the fields hold."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import eachlabs_analytics as ea
from eachlabs_analytics._util.formats import fmt_money
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.watch.forecast import forecast_days
from eachlabs_analytics.watch.runway import Runway, runway_from

MIDDAY = "2026-10-20T12:00:00Z"
UTC = "UTC"
DAY = pd.Timedelta(days=1)
#: a balance the simulated paths run out of within the month (about nine days of spend)
BALANCE = 100.0


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return ea.generate_executions(executions=12_000, seed=11, end=MIDDAY, days=90)


def simulate(frame: pd.DataFrame, balance: float, horizon_days: int) -> dict[str, object]:
    """The runway by hand: plain pandas for the daily spend and the day's profile, the
    forecast's own paths (``forecast_days``, same seed), numpy for the run-out days."""
    as_of = pd.Timestamp(MIDDAY)
    today = as_of.floor("D")
    first = pd.Timestamp(frame.attrs["window"]["start"]).ceil("D")
    created, cost = frame["created_at"], frame["execution_cost"].fillna(0.0)
    before = (created >= first) & (created < today)
    daily = cost[before].groupby(created[before].dt.floor("D")).sum()
    daily = daily.reindex(pd.date_range(first, today - DAY, freq="D", tz=UTC), fill_value=0.0)
    spent_today = float(cost[(created >= today) & (created < as_of)].sum())
    recent = before & (created >= today - 28 * DAY)
    by_hour = cost[recent].groupby(created[recent].dt.hour).sum()
    elapsed = float(by_hour[by_hour.index < 12].sum() / by_hour.sum())  # as_of is 12:00
    month_days = (pd.Timestamp("2026-11-01", tz=UTC) - today).days
    n_days = max(horizon_days, month_days, 28)
    fc = forecast_days(daily, spent_today, elapsed, n_days, backtest=False)
    paths = fc.paths.copy()
    paths[0] *= 1 - elapsed
    cumulative = np.cumsum(paths, axis=0)
    out_days = []
    for path in cumulative.T:
        day = int(np.searchsorted(path, balance, side="left"))
        out_days.append(day if day < horizon_days else math.inf)
    days = np.array(out_days, dtype=float)

    def on(share: float) -> pd.Timestamp | None:
        day = float(np.quantile(days, share, method="inverted_cdf"))
        return None if math.isinf(day) else today + int(day) * DAY

    month_spend = np.quantile(cumulative[month_days - 1], 0.95, method="inverted_cdf")
    return {
        "date": on(0.5),
        "lo_80": on(0.1),
        "hi_80": on(0.9),
        "lo_95": on(0.025),
        "hi_95": on(0.975),
        "top_up": max(0.0, math.ceil(round((month_spend - balance) * 100, 6)) / 100),
        "daily_burn": float(fc.point[:28].mean()),
        "method": fc.method,
    }


def test_the_dates_equal_a_direct_simulation_on_the_forecasts_paths(frame):
    got = runway_from(frame, BALANCE)
    want = simulate(frame, BALANCE, horizon_days=91)  # 90 days from noon, to a midnight
    assert got.horizon_end == pd.Timestamp("2027-01-19", tz=UTC)
    for name, value in want.items():
        if isinstance(value, float):
            # the package adds exact nano-dollars, pandas floats: the fit moves by ~1e-9
            assert getattr(got, name) == pytest.approx(value, rel=1e-6), name
        else:
            assert getattr(got, name) == value, name
    # something to get right: the balance runs out this month, with a spread
    assert got.date is not None and got.date < pd.Timestamp("2026-11-01", tz=UTC)
    assert got.lo_95 < got.hi_95 and got.top_up > 0
    assert got.as_of == pd.Timestamp(MIDDAY) and got.balance_usd == BALANCE


def test_a_shorter_horizon_cuts_the_dates_not_the_top_up(frame):
    long = runway_from(frame, 300.0)
    short = runway_from(frame, 300.0, horizon="7D")
    want = simulate(frame, 300.0, horizon_days=8)
    assert short.date is None and want["date"] is None  # ~27 days of spend: not within 7
    assert long.date is not None and long.date > short.horizon_end
    assert short.top_up == pytest.approx(want["top_up"])
    # the paths run further for the long horizon (other random draws, the same model)
    assert short.top_up == pytest.approx(long.top_up, rel=0.02)


@pytest.mark.parametrize("balance", [0.0, -25.5])
def test_a_balance_at_or_below_zero_is_out_on_the_day_of_as_of(frame, balance):
    got = runway_from(frame, balance)
    today = pd.Timestamp("2026-10-20", tz=UTC)
    assert got.out
    assert got.date == got.lo_80 == got.hi_80 == got.lo_95 == got.hi_95 == today
    want = simulate(frame, balance, horizon_days=91)
    assert got.top_up == pytest.approx(want["top_up"])
    assert got.top_up > -balance  # the debt, and the rest of the month's spend
    assert "already out" in got.summary()


def test_a_balance_that_outlasts_the_horizon_has_no_date(frame):
    got = runway_from(frame, 1_000_000.0)
    assert got.date is None
    assert [got.lo_80, got.hi_80, got.lo_95, got.hi_95] == [None] * 4
    assert got.top_up == 0.0
    assert "lasts past 2027-01-18" in got.summary()
    assert "No top-up is needed" in got.summary()


def test_levels_beyond_the_fields_are_in_the_intervals(frame):
    got = runway_from(frame, BALANCE, levels=(50, 99))
    assert got.levels == (50, 99) and set(got.intervals) == {50, 99}
    lo_99, hi_99 = got.intervals[99]
    lo_50, hi_50 = got.intervals[50]
    assert lo_99 <= got.lo_95 <= got.lo_80 <= lo_50 <= got.date <= hi_50 <= got.hi_80
    assert got.hi_80 <= got.hi_95 <= hi_99
    assert "50%:" in got.summary() and "99%:" in got.summary() and "80%" not in got.summary()


def test_the_runway_is_json_ready(frame):
    data = json.loads(json.dumps(runway_from(frame, BALANCE).to_dict()))
    assert data["date"] == runway_from(frame, BALANCE).date.isoformat()
    assert set(data["intervals"]) == {"80", "95"}


def test_a_store_scan_gives_the_runway_of_the_loaded_frame(frame, tmp_path):
    pytest.importorskip("ibis", reason="the lazy extra (ibis-framework[duckdb]) is not installed")
    from scan_stores import with_edge_cases, write_store

    store = write_store(tmp_path, with_edge_cases(frame, seed=4))
    lazy = runway_from(store.scan(), BALANCE)
    eager = runway_from(store.load(), BALANCE)
    for name in Runway.__dataclass_fields__:
        got, want = getattr(lazy, name), getattr(eager, name)
        if isinstance(want, float):
            assert got == pytest.approx(want, rel=1e-9), name
        else:
            assert got == want, name
    assert eager.date is not None


# --- ea.runway: the balance, given or read ---------------------------------------------------
class FakeBalance:
    def __init__(self, value: float) -> None:
        self.balance_usd = value


def test_a_balance_object_an_int_or_a_numpy_number_is_read(frame):
    want = runway_from(frame, 100.0)
    for balance in (100, np.float64(100.0), FakeBalance(100.0)):
        assert ea.runway(frame, balance) == want


@pytest.mark.parametrize(
    "balance", [True, "100", math.nan, math.inf, FakeBalance(math.nan), object()]
)
def test_a_balance_that_is_not_a_number_is_refused(frame, balance):
    with pytest.raises(InvalidQueryError, match="finite number of USD"):
        ea.runway(frame, balance)


def test_without_a_balance_the_api_is_read_with_the_callers_credentials(frame, monkeypatch):
    import eachlabs_analytics.loader as loader

    calls = []

    def read_balance(**kwargs):
        calls.append(kwargs)
        return FakeBalance(42.0)

    monkeypatch.setattr(loader, "balance", read_balance, raising=False)
    client = object()
    got = ea.runway(frame, api_key="k", base_url="http://127.0.0.1:1", client=client)
    assert calls == [{"api_key": "k", "base_url": "http://127.0.0.1:1", "client": client}]
    assert got == runway_from(frame, 42.0)
    with pytest.raises(InvalidQueryError, match="levels"):  # refused before the request
        ea.runway(frame, levels=(80, 100))
    with pytest.raises(InvalidQueryError, match="horizon"):
        ea.runway(frame, horizon="forever")
    with pytest.raises(InvalidQueryError, match="after the data's window end"):
        ea.runway(frame, as_of="2027-01-01")
    assert len(calls) == 1


# --- the summary, from any values ------------------------------------------------------------
days = st.integers(min_value=0, max_value=120).map(
    lambda n: pd.Timestamp("2026-10-20", tz=UTC) + n * DAY
)


@given(
    balance=st.floats(min_value=-1e6, max_value=1e7, allow_nan=False),
    burn=st.floats(min_value=0, max_value=1e6, allow_nan=False),
    top_up=st.floats(min_value=0, max_value=1e7, allow_nan=False),
    dates=st.lists(st.one_of(st.none(), days), min_size=5, max_size=5),
)
def test_the_summary_says_the_fields(balance, burn, top_up, dates):
    # as quantiles come: lo_95 <= lo_80 <= date <= hi_80 <= hi_95, None (later) last
    lo_95, lo_80, date, hi_80, hi_95 = sorted(dates, key=lambda d: (d is None, d))
    bounds = [lo_80, hi_80, lo_95, hi_95]
    runway = Runway(
        balance_usd=balance,
        as_of=pd.Timestamp("2026-10-20T12:00:00Z"),
        horizon_end=pd.Timestamp("2027-01-19", tz=UTC),
        daily_burn=burn,
        date=date,
        lo_80=bounds[0],
        hi_80=bounds[1],
        lo_95=bounds[2],
        hi_95=bounds[3],
        top_up=top_up,
        method="m",
        month_end=pd.Timestamp("2026-11-01", tz=UTC),
        intervals={80: (bounds[0], bounds[1]), 95: (bounds[2], bounds[3])},
    )
    text = runway.summary()
    assert "\n" not in text and text.startswith(f"Balance {fmt_money(balance)} on 2026-10-20")
    assert ("already out" in text) == (balance <= 0)
    assert (f"A top-up of {fmt_money(top_up)}" in text) == (top_up > 0)
    assert "2026-10-31 in 95%" in text  # the month's last day
    if balance > 0:
        assert fmt_money(burn) in text
        if date is None:
            assert "lasts past 2027-01-18" in text
        else:
            assert f"runs out on {date.strftime('%Y-%m-%d')}" in text
        for bound in bounds:
            if bound is not None:
                assert bound.strftime("%Y-%m-%d") in text
