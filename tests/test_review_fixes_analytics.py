"""Regressions found in review: DST gaps, the last period of a stacked chart, float money."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import eachlabs_analytics as ea  # noqa: E402
from eachlabs_analytics import schema  # noqa: E402
from eachlabs_analytics.local_api import generate_executions  # noqa: E402


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return generate_executions(executions=20_000, seed=3, end="2026-10-31T00:00:00Z")


@pytest.mark.parametrize(
    ("zone", "freq"),
    [("America/Santiago", "D"), ("America/Santiago", "6h"), ("Australia/Lord_Howe", "h")],
)
def test_periods_starting_in_a_dst_gap_keep_their_rows(df, zone, freq):
    table = ea.cost_over_time(df, freq=freq, by=None, tz=zone)
    assert table.to_numpy().sum() == pytest.approx(df["execution_cost"].sum())
    rates = ea.error_rate_over_time(df, freq=freq, tz=zone)
    assert rates["executions"].sum() == len(df)


def test_stacked_cost_chart_draws_the_last_period(df):
    table = ea.cost_over_time(df, freq="M", top=3)
    ax = ea.plot_cost_over_time(df, freq="M", top=3)
    right = max(collection.get_paths()[0].vertices[:, 0].max() for collection in ax.collections)
    last_start = matplotlib.dates.date2num(table.index[-1].tz_localize(None))
    assert right > last_start + 27  # about a month wide, not zero
    plt.close("all")


def test_money_stays_float_on_empty_input():
    empty = schema.empty_frame()
    costs = ea.cost_by_model(empty)
    assert costs["total_cost"].dtype == np.float64
    assert costs["failed_cost"].dtype == np.float64


def test_a_date_filtered_slice_is_compared_over_its_own_days(df):
    from eachlabs_analytics.notebook.filters import apply_filters

    df = df.copy()
    df.attrs["window"] = {"start": "2026-08-02T00:00:00Z", "end": "2026-10-31T00:00:00Z"}
    piece = apply_filters(df, {"start": "2026-10-17", "end": "2026-10-30"})
    assert piece.attrs["window"]["start"] == "2026-10-17T00:00:00Z"
    assert piece.attrs["window"]["end"] == "2026-10-30T23:59:59.999999Z"
    table = ea.compare_periods(piece)
    assert table["spend_previous"].sum() > 0  # both halves fall inside the slice's days
    total = table["spend_previous"].sum() + table["spend_current"].sum()
    assert total == pytest.approx(piece["execution_cost"].sum())
