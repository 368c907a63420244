"""price_check: its figures and ratios equal plain pandas on generated data, an injected price
change is found on its day, a model without a list price is said to have none (never free),
prices that do not compare say why, a store scan gives what the loaded frame gives, and the
flags are well formed whatever the list prices hold."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from price_frames import FETCHED_AT, SANDBOX_LIKE, price, prices_frame

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.local_api import Incident, inject_incidents
from eachlabs_analytics.watch.list_prices import UNITS, ListPrice
from eachlabs_analytics.watch.price_steps import Step
from eachlabs_analytics.watch.reconcile import PRICE_CHECK_COLUMNS, _judge

END = "2026-10-31T00:00:00Z"
CHANGE_DAY = "2026-10-20"


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    df = ea.generate_executions(executions=30_000, seed=5, end=END, days=90)
    change = Incident("price_change", CHANGE_DAY, group="flux-2-pro", magnitude=1.25)
    hit, _ = inject_incidents(df, [change])
    return hit


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    return prices_frame(SANDBOX_LIKE)


@pytest.fixture(scope="module")
def checked(history, prices) -> pd.DataFrame:
    return ea.price_check(history, prices)


def successes(df: pd.DataFrame, model: str) -> pd.DataFrame:
    ok = df["status"].isin(schema.SUCCEEDED_STATUSES) & (df["model"] == model)
    return df[ok.to_numpy(dtype=bool)]


def test_the_columns_and_their_types(checked):
    assert tuple(checked.columns) == PRICE_CHECK_COLUMNS
    assert checked.index.name == "model"
    assert checked["executions"].dtype == np.int64 and checked["ratio"].dtype == np.float64
    assert checked["flag"].dtype == schema.STRING_DTYPE
    assert checked["price_changed_on"].dtype == "datetime64[us, UTC]"
    assert checked["spend"].is_monotonic_decreasing


def test_counts_spend_and_charges_equal_plain_pandas(history, checked):
    assert set(checked.index) == set(history["model"].dropna())
    for model, row in checked.iterrows():
        rows = history[(history["model"] == model).to_numpy(dtype=bool)]
        ok = successes(history, model)
        assert row["executions"] == len(rows)
        assert row["successes"] == len(ok)
        assert row["spend"] == pytest.approx(rows["execution_cost"].sum(), rel=1e-12)
        want = ok["execution_cost"].dropna().median()
        assert row["charged_per_execution"] == pytest.approx(want, rel=1e-12), model


def test_ratios_equal_plain_pandas(history, checked):
    per_execution = {"flux-1-1-pro": 0.03, "nano-banana-pro": 0.139, "veo3-1-fast": 1.2}
    for model, amount in per_execution.items():
        want = successes(history, model)["execution_cost"].median() / amount
        assert checked.loc[model, "ratio"] == pytest.approx(want, rel=1e-12), model
    # per second: the median of cost / run_time, against the midpoint of the range
    for model, seconds in (("veo-3", 1.0), ("sora-2-pro", 60.0)):
        ok = successes(history, model)
        ok = ok[(ok["run_time"] > 0).to_numpy(dtype=bool)]
        charged = (ok["execution_cost"] / ok["run_time"]).median()
        row = checked.loc[model]
        midpoint = (row["list_min"] + row["list_max"]) / 2
        assert row["list_amount"] == pytest.approx(midpoint)
        assert row["charged_per_second"] == pytest.approx(charged, rel=1e-12)
        assert row["ratio"] == pytest.approx(charged / (midpoint / seconds), rel=1e-12)
        assert 0.5 < row["ratio"] < 2 and row["flag"] == ""
    assert checked.loc["flux-1-1-pro", "flag"] == "above list"  # 0.04 charged, 0.03 listed
    assert checked.loc["nano-banana-pro", "flag"] == ""
    assert checked["charged_per_second"].drop(["veo-3", "sora-2-pro"]).isna().all()


def test_the_injected_price_change_is_found_on_its_day(history, checked):
    row = checked.loc["flux-2-pro"]
    assert row["flag"] == f"price changed on {CHANGE_DAY}"
    assert row["price_changed_on"] == pd.Timestamp(CHANGE_DAY, tz="UTC")
    change = checked.attrs["price_changes"]["flux-2-pro"]
    assert (change["before"], change["after"]) == (0.05, pytest.approx(0.0625))
    # the day before is the old price, the day itself the new (plain pandas)
    ok = successes(history, "flux-2-pro")
    day = ok["created_at"].dt.floor("D")
    assert ok.loc[day == pd.Timestamp("2026-10-19", tz="UTC"), "execution_cost"].median() == 0.05
    new = ok.loc[day == pd.Timestamp(CHANGE_DAY, tz="UTC"), "execution_cost"].median()
    assert new == pytest.approx(0.0625)
    # no other model changed price
    assert checked["price_changed_on"].notna().sum() == 1


def test_a_model_without_a_list_price_is_said_to_have_none_never_free(checked):
    for model in ("eachlabs-llm-router", "kling-3-0"):  # cost null; not in the prices at all
        row = checked.loc[model]
        assert row["flag"] == "no list price"
        assert math.isnan(row["list_amount"]) and math.isnan(row["ratio"])
    assert checked.loc["eachlabs-llm-router", "list_cost_type"] == "none"
    assert pd.isna(checked.loc["kling-3-0", "list_cost_type"])
    # free is a list price of 0: charged anything, that is above the list
    free = checked.loc["stable-audio-2-5"]
    assert free["list_amount"] == 0.0 and free["flag"] == "above list"
    assert math.isnan(free["ratio"])
    assert "eachlabs-face-detect" not in checked.index  # listed, never run


def test_prices_that_do_not_compare_say_why(checked):
    assert checked.loc["topaz-upscale-image", "flag"] == "not comparable: priced per megapixel"
    assert checked.loc["elevenlabs-tts", "flag"] == "not comparable: priced per character"
    mureka = checked.loc["mureka-generate-music"]
    assert mureka["flag"] == "not comparable: the list price has no unit"
    assert mureka["list_cost_type"] == "usage_based" and math.isnan(mureka["list_amount"])
    assert checked.loc[["topaz-upscale-image", "elevenlabs-tts"], "ratio"].isna().all()


def test_attrs_say_the_window_and_when_prices_were_fetched(history, checked):
    assert checked.attrs["window"] == history.attrs["window"]
    assert checked.attrs["rows"] == len(history)
    assert checked.attrs["fetched_at"] == FETCHED_AT
    bare = prices_frame(SANDBOX_LIKE)
    bare.attrs = {}
    assert ea.price_check(history, bare).attrs["fetched_at"] == FETCHED_AT  # from the column


def test_a_store_scan_gives_the_check_of_the_loaded_frame(history, prices, tmp_path):
    pytest.importorskip("ibis", reason="the lazy extra (ibis-framework[duckdb]) is not installed")
    from scan_stores import with_edge_cases, write_store

    store = write_store(tmp_path, with_edge_cases(history, seed=8))
    eager = ea.price_check(store.load(), prices)
    lazy = ea.price_check(store.scan(), prices)
    pd.testing.assert_frame_equal(lazy, eager, rtol=1e-9)
    assert lazy.attrs == eager.attrs
    assert eager.loc["flux-2-pro", "flag"] == f"price changed on {CHANGE_DAY}"


def test_an_empty_source_gives_an_empty_table(prices):
    empty = ea.price_check(schema.empty_frame(), prices)
    assert empty.empty and tuple(empty.columns) == PRICE_CHECK_COLUMNS


@pytest.mark.parametrize(
    ("prices", "match"),
    [
        ([1, 2], "must be the DataFrame ea.model_prices"),
        (pd.DataFrame({"slug": ["a"]}), r"lacks the column\(s\) \['cost_type'"),
        (prices_frame([price("a", "fixed", 1.0), price("a", "fixed", 2.0)]), "a more than once"),
    ],
)
def test_a_prices_argument_that_is_not_a_prices_frame_is_refused(history, prices, match):
    with pytest.raises(InvalidQueryError, match=match):
        ea.price_check(history, prices)


def test_a_frame_without_what_the_check_reads_is_refused(history, prices):
    with pytest.raises(InvalidQueryError, match="price_check needs the column"):
        ea.price_check(history.drop(columns=["run_time"]), prices)


# --- the flag, from any list price ------------------------------------------------------------
numbers = st.one_of(st.just(math.nan), st.floats(min_value=0, max_value=1e4, allow_nan=False))
FLAG_FORMS = ("", "no list price", "above list", "price changed on 2026-10-20")


@given(
    cost_type=st.one_of(st.none(), st.sampled_from(["fixed", "usage_based", "none"]), st.text()),
    unit=st.one_of(st.none(), st.sampled_from(UNITS), st.text()),
    amount=numbers,
    low=numbers,
    high=numbers,
    per_execution=numbers,
    per_second=numbers,
    changed=st.booleans(),
)
def test_the_flag_is_one_of_its_forms_whatever_the_list_holds(
    cost_type, unit, amount, low, high, per_execution, per_second, changed
):
    listed = ListPrice(cost_type or None, unit or None, amount, low, high)
    step = Step(pd.Timestamp("2026-10-20", tz="UTC"), 1.0, 2.0, 9.0) if changed else None
    ratio, flag = _judge(listed, per_execution, per_second, step)
    assert flag in FLAG_FORMS or flag.startswith("not comparable: ")
    assert "\n" not in flag and len(flag) < 80
    if unit is not None and unit not in UNITS and unit:  # a unit's text never lands in a flag
        assert unit not in flag or unit in "not comparable: priced in a unit the API does not"
    if cost_type not in ("fixed", "usage_based"):
        assert flag == "no list price" and math.isnan(ratio)
    elif changed:
        assert flag == "price changed on 2026-10-20"
    if not math.isnan(ratio):
        assert ratio >= 0 and listed.rate > 0
