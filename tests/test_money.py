"""Money adds up the same in any order: every face prints the same cents, run after run.

Sums of ``execution_cost`` are exact integer sums of nano-dollars (``_util.money``): the same
rows in another order, or through an engine that adds in parallel (DuckDB over a store),
give bit-identical figures and byte-identical reports.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import eachlabs_analytics as ea
from eachlabs_analytics._util import money

END = "2026-10-31T00:00:00Z"


@given(
    st.lists(
        st.one_of(st.floats(min_value=0, max_value=500), st.just(float("nan"))),
        min_size=1,
        max_size=200,
    ),
    st.randoms(use_true_random=False),
)
def test_a_total_does_not_depend_on_the_order_of_its_terms(values, rng):
    shuffled = list(values)
    rng.shuffle(shuffled)
    exact = money.total(np.array(values))
    assert money.total(np.array(shuffled)) == exact
    # and it is the sum to the nano-dollar
    assert abs(exact - float(np.nansum(values))) <= 1e-9 * len(values) + 1e-9 * abs(exact)


def test_group_sums_are_exact_and_refuse_codes_outside_the_groups():
    codes = np.array([0, 1, 0, 1, 1])
    cost = np.array([0.1, 0.2, 0.2, 0.3, np.nan])
    assert money.group_dollars(codes, 2, cost).tolist() == [0.3, 0.5]
    assert 0.1 + 0.2 != 0.3  # what float addition would have said
    with pytest.raises(ValueError, match="group codes"):
        money.group_nanos(np.array([-1, 0]), 2, np.array([1, 2]))


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    df = ea.generate_executions(executions=6_000, seed=13, end=END, days=60)
    # prices with many decimals, so that float sums of them differ by order in the last bits
    rng = np.random.default_rng(5)
    df["execution_cost"] = df["execution_cost"] * rng.uniform(0.9, 1.1, len(df))
    return df


def shuffled(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    out = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


def test_float_sums_of_these_prices_do_depend_on_order(frame):
    # the premise: added one by one in another order (as an engine's threads or a shuffled
    # frame do), the float total moves; the exact one does not
    cost = np.nan_to_num(frame["execution_cost"].to_numpy())
    other = np.nan_to_num(shuffled(frame, 1)["execution_cost"].to_numpy())
    assert sum(cost.tolist()) != sum(other.tolist())
    assert money.total(cost) == money.total(other)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_money_figure_is_bit_identical_over_a_shuffled_frame(frame, seed):
    other = shuffled(frame, seed)
    pd.testing.assert_frame_equal(ea.cost_by_model(frame), ea.cost_by_model(other), rtol=0)
    pd.testing.assert_frame_equal(ea.cost_by_workflow(frame), ea.cost_by_workflow(other), rtol=0)
    pd.testing.assert_frame_equal(
        ea.cost_over_time(frame, freq="D", by="model", top=5),
        ea.cost_over_time(other, freq="D", by="model", top=5),
        rtol=0,
    )
    current = ("2026-10-15T00:00:00Z", END)
    pd.testing.assert_frame_equal(
        ea.compare_periods(frame, current=current),
        ea.compare_periods(other, current=current),
        rtol=0,
    )
    a, b = ea.summary(frame), ea.summary(other)
    assert (a.spend, a.failed_cost, a.top_models) == (b.spend, b.failed_cost, b.top_models)
    assert a.spend == money.total(frame["execution_cost"].to_numpy())


def without_time(report: bytes) -> bytes:
    """The report's bytes but the minute it was generated at (a run can cross a minute)."""
    stamped = re.compile(rb"on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\.")
    assert len(stamped.findall(report)) == 1
    return stamped.sub(b"on <generated> UTC.", report)


def test_the_report_is_byte_identical_over_a_shuffled_frame(frame, tmp_path):
    middle = pd.Timestamp("2026-10-01T00:00:00Z")
    previous = frame[frame["created_at"] < middle].copy()
    current = frame[frame["created_at"] >= middle].copy()
    previous.attrs = {"window": {"start": "2026-09-01T00:00:00Z", "end": "2026-10-01T00:00:00Z"}}
    current.attrs = {"window": {"start": "2026-10-01T00:00:00Z", "end": END}}
    texts = set()
    for seed in (0, 1, 2):
        path = ea.cost_report(
            shuffled(current, seed),
            tmp_path / f"r{seed}.md",
            format="markdown",
            previous=shuffled(previous, seed),
        )
        texts.add(without_time(path.read_bytes()))
    assert len(texts) == 1


def test_reports_over_a_store_scan_are_byte_identical_run_after_run(frame, tmp_path):
    pytest.importorskip("duckdb")
    store = ea.ExecutionStore(tmp_path / "store")
    with ea.sandbox(data=frame) as api:
        store.sync(
            start="2026-09-01T00:00:00Z", end=END, api_key=api.api_key, base_url=api.base_url,
            progress=False,
        )  # fmt: skip
    outputs = set()
    for run in range(3):
        selection = store.scan(start="2026-10-01T00:00:00Z")
        before = store.scan(start="2026-09-01T00:00:00Z", end="2026-10-01T00:00:00Z")
        path = ea.cost_report(
            selection, tmp_path / f"scan{run}.md", format="markdown", previous=before
        )
        outputs.add(without_time(path.read_bytes()))
    assert len(outputs) == 1
    loaded = store.load(start="2026-10-01T00:00:00Z")
    by_model_scan = ea.cost_by_model(store.scan(start="2026-10-01T00:00:00Z"))
    by_model_frame = ea.cost_by_model(loaded)
    # the engine's integer sums and numpy's are the same exact sums: equal to the bit
    assert by_model_scan["total_cost"].to_dict() == by_model_frame["total_cost"].to_dict()
    assert ea.summary(store.scan(start="2026-10-01T00:00:00Z")).spend == money.total(
        loaded["execution_cost"].to_numpy()
    )
