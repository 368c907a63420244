"""what_if: totals by hand (pandas over the rows) for a swap priced per execution and one
priced per second of run time, failures keeping their charge, models not swapped keeping
their spend, unknowns said with the reason and never made up, a store scan equal to the loaded
frame, and the sentences well formed whatever the slugs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from price_frames import FETCHED_AT, SANDBOX_LIKE, VEO_RATE, price, prices_frame

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.watch.reprice import FAILURES_KEPT, WHAT_IF_COLUMNS

SWAPS = {
    "veo-3": "veo3-1-fast",  # fixed, per execution
    "kling-3-0": "veo-3",  # usage-based, per second of run time
    "flux-2-pro": "topaz-upscale-image",  # per megapixel: unknown
    "nano-banana-pro": "eachlabs-llm-router",  # no list price: unknown
    "sora-2-pro": "no-such-model",  # not in the prices: unknown
    "flux-9": "flux-2-pro",  # not in the data
}


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    df = ea.generate_executions(executions=8_000, seed=9, end="2026-10-31T00:00:00Z")
    # a few successes without a run time: they count the mean run time of the others
    kling = np.flatnonzero(
        ((df["model"] == "kling-3-0") & df["status"].isin(schema.SUCCEEDED_STATUSES)).to_numpy()
    )
    df.loc[df.index[kling[:3]], "run_time"] = np.nan
    return df


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    return prices_frame(SANDBOX_LIKE)


@pytest.fixture(scope="module")
def table(history, prices) -> pd.DataFrame:
    return ea.what_if(history, SWAPS, prices)


def parts(df: pd.DataFrame, model: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The model's successful rows and its other rows."""
    mine = df[(df["model"] == model).to_numpy(dtype=bool)]
    ok = mine["status"].isin(schema.SUCCEEDED_STATUSES).to_numpy(dtype=bool)
    return mine[ok], mine[~ok]


def test_the_columns(table):
    assert tuple(table.columns) == WHAT_IF_COLUMNS
    assert table.index.name == "model" and table["spend"].is_monotonic_decreasing
    assert table["basis"].dtype == schema.STRING_DTYPE


def test_a_swap_per_execution_by_hand(history, table):
    ok, rest = parts(history, "veo-3")
    other_charges = rest["execution_cost"].sum()
    assert other_charges > 0  # failures that timed out were charged half: kept
    want = len(ok) * 1.2 + other_charges
    row = table.loc["veo-3"]
    assert (row["basis"], row["alternative"]) == ("per execution", "veo3-1-fast")
    assert row["what_if_spend"] == pytest.approx(want, rel=1e-12)
    assert row["difference"] == pytest.approx(want - (ok["execution_cost"].sum() + other_charges))
    assert row["difference"] < 0  # veo3-1-fast is the cheaper one


def test_a_swap_per_second_of_run_time_by_hand(history, table):
    ok, rest = parts(history, "kling-3-0")
    timed = ok["run_time"].dropna()
    assert len(timed) == len(ok) - 3
    seconds = timed.sum() + 3 * timed.mean()  # the three without a run time: the mean
    rate = (0.6 * VEO_RATE + 1.6 * VEO_RATE) / 2
    want = rate * seconds + rest["execution_cost"].sum()
    row = table.loc["kling-3-0"]
    assert row["basis"] == "per second of run time"
    assert row["what_if_spend"] == pytest.approx(want, rel=1e-9)
    said = [s for s in table.attrs["assumptions"] if s.startswith("kling-3-0 -> veo-3")]
    assert len(said) == 1 and "3 of its successes have no run time" in said[0]
    assert "for as long as kling-3-0 ran" in said[0]


def test_models_not_swapped_keep_their_spend_and_the_total_adds_up(history, table):
    kept = table[table["basis"] == "kept"]
    assert len(kept) == history["model"].nunique() - 5
    assert (kept["what_if_spend"] == kept["spend"]).all() and (kept["difference"] == 0).all()
    assert kept["alternative"].isna().all()
    known = table[table["what_if_spend"].notna()]
    by_hand = history.loc[history["model"].isin(known.index), "execution_cost"].sum()
    by_hand += table.loc["veo-3", "difference"] + table.loc["kling-3-0", "difference"]
    assert known["what_if_spend"].sum() == pytest.approx(by_hand, rel=1e-9)


def test_unknowns_say_why_and_make_up_no_figure(table):
    want = {
        "flux-2-pro": "unknown: priced per megapixel (topaz-upscale-image)",
        "nano-banana-pro": "unknown: no list price (eachlabs-llm-router)",
        "sora-2-pro": "unknown: no list price (no-such-model)",
    }
    for model, basis in want.items():
        row = table.loc[model]
        assert row["basis"] == basis
        assert math.isnan(row["what_if_spend"]) and math.isnan(row["difference"])
        assert row["spend"] > 0


def test_the_assumptions_are_stated(table):
    said = table.attrs["assumptions"]
    assert said[0] == FAILURES_KEPT
    assert "flux-9 has no executions in this data: nothing to re-price." in said
    assert (
        "veo-3 -> veo3-1-fast: each successful execution at veo3-1-fast's list price of $1.20 "
        "per execution." in said
    )
    assert any("not re-priced: priced per megapixel" in s for s in said)
    assert said[-1] == (
        f"List prices are estimates (fetched {FETCHED_AT}); what an execution is charged "
        "can differ."
    )
    assert table.attrs["fetched_at"] == FETCHED_AT


def test_a_store_scan_gives_the_what_if_of_the_loaded_frame(history, prices, tmp_path):
    pytest.importorskip("ibis", reason="the lazy extra (ibis-framework[duckdb]) is not installed")
    from scan_stores import with_edge_cases, write_store

    store = write_store(tmp_path, with_edge_cases(history, seed=2))
    eager = ea.what_if(store.load(), SWAPS, prices)
    lazy = ea.what_if(store.scan(), SWAPS, prices)
    pd.testing.assert_frame_equal(lazy, eager, rtol=1e-9)
    assert lazy.attrs == eager.attrs


def test_a_swap_to_itself_is_the_list_price(history):
    only = prices_frame([price("flux-2-pro", "fixed", 0.05, "execution")])
    got = ea.what_if(history, {"flux-2-pro": "flux-2-pro"}, only).loc["flux-2-pro"]
    ok, rest = parts(history, "flux-2-pro")
    assert got["what_if_spend"] == pytest.approx(0.05 * len(ok) + rest["execution_cost"].sum())
    assert got["difference"] < 0  # the multi-image executions cost more than one list price


@pytest.mark.parametrize(
    "swaps", [{}, ["veo-3"], {"veo-3": 3}, {"": "veo-3"}, {"veo-3": "a\nb"}, {None: "x"}]
)
def test_swaps_that_are_not_slugs_are_refused(history, prices, swaps):
    with pytest.raises(InvalidQueryError, match="what_if: .* not"):
        ea.what_if(history, swaps, prices)


SLUGS = st.text(min_size=1, max_size=30).filter(lambda s: s.isprintable() and s.strip() != "")
SMALL = ea.generate_executions(executions=200, seed=1, end="2026-10-31T00:00:00Z")


@given(model=SLUGS.filter(lambda s: s != "gone"), target=SLUGS, listed=st.booleans())
def test_the_basis_and_sentences_name_the_slugs_on_one_line(model, target, listed):
    frame = SMALL.copy()
    frame["model"] = pd.array([model] * len(frame), dtype=schema.STRING_DTYPE)
    rows = [price(target, "fixed", 1.0, "execution")] if listed else []
    got = ea.what_if(frame, {model: target, "gone": model}, prices_frame(rows))
    basis = got.loc[model, "basis"]
    said = got.attrs["assumptions"]
    if listed:
        assert basis == "per execution"
        sentence = (
            f"{model} -> {target}: each successful execution at {target}'s list price of "
            "$1.00 per execution."
        )
        assert sentence in said
    else:
        assert basis == f"unknown: no list price ({target})"
        assert f"{model} -> {target}: not re-priced: no list price." in said
    assert "gone has no executions in this data: nothing to re-price." in said
    assert all("\n" not in s and "\r" not in s for s in said)
