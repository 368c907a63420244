"""The Explorer against the account: the Balance card's runway, the price check, workflow names.

The balance, the list prices and the names come from the sandbox's endpoints through the public
readers (``ea.balance``, ``ea.model_prices``, ``ea.workflow_names``). Expected figures are the
helpers called directly on slices cut here with plain pandas masks: the card's runway is
``runway_from`` on the rows every filter but the day range keeps, the price table
``ea.price_check`` on ``explorer.filtered``. Without a balance, prices or names nothing of
theirs shows. Over a store scan (its kept prices and names standing in) the figures are the
same as over the loaded frame.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest
from test_explorer import table_cells

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics._util.formats import fmt_date, fmt_decimal, fmt_money
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.notebook.explorer import PANES
from eachlabs_analytics.notebook.filters import NO_WORKFLOW
from eachlabs_analytics.watch.runway import runway_from

END = "2026-06-10T12:00:00Z"
BALANCE = 400.0


@pytest.fixture(scope="module")
def account():
    """A frame and what the sandbox serving it says: its balance, the catalogue's list prices
    and the workflows' names."""
    frame = ea.generate_executions(executions=8_000, seed=5, end=END, days=60)
    with ea.Sandbox(data=frame, balance_usd=BALANCE) as api:
        balance = ea.balance(api_key=api.api_key, base_url=api.base_url)
        prices = ea.model_prices(base_url=api.base_url)
        names = ea.workflow_names(api_key=api.api_key, base_url=api.base_url)
    assert balance.balance_usd == BALANCE and len(prices) and names
    return frame, balance, prices, names


def undated_rows(frame: pd.DataFrame, models=(), workflows=()) -> pd.DataFrame:
    """The rows a model and workflow selection keeps, every day (plain pandas)."""
    keep = np.ones(len(frame), dtype=bool)
    if models:
        keep &= frame["model"].astype(object).isin(models).to_numpy()
    if workflows:
        keep &= frame["workflow_id"].astype(object).isin(workflows).to_numpy()
    return frame[keep]


def card_lines(explorer) -> list[str]:
    """The Balance card's detail, line by line, as a reader sees it."""
    note = explorer.runway_note.value
    parts = note.replace("</span>", "\n").split("\n")
    text = [html.unescape(p.split(">")[-1]).strip() for p in parts]
    return [t for t in text if t]


# --- the Balance card -----------------------------------------------------------------------
def test_the_balance_card_is_runway_from_on_the_rows_every_filter_but_the_days_keeps(account):
    frame, balance, _, _ = account
    explorer = ea.explore(frame, charts=False, balance=balance)
    assert explorer.balance == BALANCE
    assert explorer.balance_card.layout.display is None  # shown
    want = runway_from(frame, BALANCE)
    assert explorer.runway == want
    assert explorer.balance_value.value == fmt_money(BALANCE)
    lines = card_lines(explorer)
    assert want.date is not None and want.lo_80 is not None and want.hi_80 is not None
    assert lines[0] == f"runs out about {fmt_date(want.date)}"
    assert lines[1] == f"80%: {fmt_date(want.lo_80)} to {fmt_date(want.hi_80)}"
    assert lines[2] == f"at about {fmt_money(want.daily_burn)} a day"
    assert html.unescape(want.summary()) in html.unescape(explorer.runway_note.value)

    # a model filter: the runway of those models' spend, every day of it; the day range then
    # changes nothing (it is the month-end projection's slice, as of the same instant)
    top2 = explorer.models[:2]
    explorer.filters = {"models": top2}
    narrowed = runway_from(undated_rows(frame, models=top2), BALANCE)
    assert explorer.runway == narrowed and narrowed.date != want.date
    assert card_lines(explorer)[-1].endswith("(these filters' spend)")
    explorer.filters = {"start": "2026-05-20", "end": "2026-05-31"}
    assert explorer.runway == narrowed
    explorer.tabs.selected_index = list(PANES).index("month_to_date")
    assert explorer.runway.as_of == explorer.projection.as_of
    explorer.reset()
    assert explorer.runway == want


def test_the_runway_takes_a_number_and_says_a_balance_already_out(account):
    frame, *_ = account
    lasting = ea.explore(frame, charts=False, balance=1_000_000)
    far = runway_from(frame, 1_000_000.0)
    assert lasting.runway == far and far.date is None
    last_day = far.horizon_end - pd.Timedelta(days=1)
    assert card_lines(lasting)[0] == f"lasts past {fmt_date(last_day)}"
    out = ea.explore(frame, charts=False, balance=-2.5)
    assert out.runway.out and out.balance_value.value == fmt_money(-2.5)
    assert card_lines(out)[0].startswith("already out")
    assert "ea-bad" in out.runway_note.value


def test_a_runway_that_cannot_be_computed_says_why_in_the_card():
    explorer = ea.explore(schema.empty_frame(), charts=False, balance=10.0)
    assert explorer.runway is None and explorer.balance_value.value == "$10.00"
    assert "No runway for this selection" in explorer.runway_note.value
    assert "balance" in explorer.errors


# --- the price check ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "chosen",
    [
        {},
        {"models": "TOP3"},
        {"status_groups": ["failed"], "start": "2026-05-01"},
        {"workflows": "TOPWF"},
    ],
)
def test_the_price_table_is_price_check_on_the_filtered_slice(account, chosen):
    frame, _, prices, _ = account
    explorer = ea.explore(frame, charts=False, prices=prices)
    filters = dict(chosen)
    if filters.get("models") == "TOP3":
        filters["models"] = explorer.models[:3]
    if filters.get("workflows") == "TOPWF":
        filters["workflows"] = explorer.workflows[1:2]
    explorer.filters = filters
    want = ea.price_check(explorer.filtered, prices)
    pd.testing.assert_frame_equal(explorer.tables["price_check"], want)
    head, rows, _ = table_cells(explorer.price_table.value)
    assert head[0] == "model" and "charged / list" in head and "charged per execution" in head
    assert [r[0] for r in rows] == list(want.index)
    ratio, flag = head.index("charged / list"), head.index("flag")
    for row, (_, expected) in zip(rows, want.iterrows(), strict=True):
        assert row[ratio] == fmt_decimal(expected["ratio"])  # as the report writes it
        assert row[flag] == expected["flag"]
    assert "Charged against list prices" in explorer.price_table.value


def test_the_price_table_lives_under_the_by_model_table(account):
    frame, _, prices, _ = account
    explorer = ea.explore(frame, charts=False, prices=prices)
    assert list(PANES.values()).count("By model") == 1 and len(PANES) == 8  # no ninth tab
    pane = explorer.tabs.children[list(PANES).index("cost_by_model")]
    assert pane.children[-1] is explorer.price_table
    # a model without a list price is said so, never free
    none = prices.loc[prices["cost_type"] == "none", "slug"].tolist()
    shown = [m for m in none if m in explorer.models]
    assert shown, none
    explorer.filters = {"models": shown[:1]}
    _, rows, _ = table_cells(explorer.price_table.value)
    assert rows[0][0] == shown[0] and rows[0][-1] == "no list price"
    # a selection with no execution: said once above the tabs, no table
    explorer.filters = {"start": "2020-01-01", "end": "2020-01-02"}
    assert explorer.price_table.value == ""


# --- workflow names ----------------------------------------------------------------------------
def test_workflow_names_label_the_filter_the_status_line_and_the_executions(account):
    frame, _, _, names = account
    explorer = ea.explore(frame, charts=False, names=names)
    options = dict((value, label) for label, value in explorer.workflow_select.options)
    named = [w for w in explorer.workflows if w in names]
    assert named
    for workflow in explorer.workflows:
        if workflow == NO_WORKFLOW:
            assert options[workflow] == NO_WORKFLOW
        elif workflow in names:
            assert options[workflow] == f"{names[workflow]} ({workflow})"
        else:
            assert options[workflow] == workflow  # a deleted workflow: its id
    # a name finds its workflow in the search box; the value stays the id
    picker = explorer.workflow_select
    if picker.search is not None:
        picker.search.value = names[named[0]].upper()
        assert named[0] in picker.shown
        picker.search.value = ""
    explorer.filters = {"workflows": named[:1]}
    assert explorer.workflow_select.value == tuple(named[:1])
    want = frame[frame["workflow_id"].astype(object) == named[0]]
    assert len(explorer.filtered) == len(want)
    label = f"{names[named[0]]} ({named[0]})"
    assert f"workflows: {label}" in html.unescape(explorer.status_line.value)
    assert label in repr(explorer)
    # the executions tab's workflow column
    explorer.tabs.selected_index = list(PANES).index("executions")
    head, rows, _ = table_cells(explorer.pane_tables["executions"].value)
    column = head.index("workflow")
    assert rows and {r[column] for r in rows} == {label}
    # ... while the CSV keeps the raw id
    assert f",{named[0]}," in explorer.selection_csv()


def test_a_workflow_the_names_lack_shows_its_id(account):
    frame, _, _, names = account
    explorer = ea.explore(frame, charts=False)
    workflow = next(w for w in explorer.workflows if w != NO_WORKFLOW)
    partial = {k: v for k, v in names.items() if k != workflow}
    explorer = ea.explore(frame, charts=False, names=partial)
    explorer.filters = {"workflows": [workflow]}
    explorer.tabs.selected_index = list(PANES).index("executions")
    head, rows, _ = table_cells(explorer.pane_tables["executions"].value)
    assert {r[head.index("workflow")] for r in rows} == {workflow}


# --- nothing given, nothing shown ---------------------------------------------------------------
def test_without_a_balance_prices_or_names_nothing_of_theirs_shows(account):
    frame, *_ = account
    explorer = ea.explore(frame, charts=False)
    assert explorer.balance is None and explorer.runway is None
    assert explorer.balance_card.layout.display == "none"
    assert explorer.prices is None and explorer.price_table.value == ""
    assert explorer.tables.get("price_check") is None
    assert explorer.names == {}
    assert all(label == value for label, value in explorer.workflow_select.options)
    snapshot = explorer.snapshot().data
    assert "Balance" not in snapshot and "list prices" not in snapshot
    # empty prices and names are none
    bare = ea.explore(frame, charts=False, prices=pd.DataFrame(columns=list(schema.PRICE_COLUMNS)))
    assert bare.prices is None and bare.price_table.value == ""


def test_the_snapshot_holds_the_balance_card_and_the_price_table(account):
    frame, balance, prices, names = account
    explorer = ea.explore(frame, charts=False, balance=balance, prices=prices, names=names)
    snapshot = explorer.snapshot().data
    assert "ea-balance-card" in snapshot and fmt_money(BALANCE) in snapshot
    assert f"runs out about {fmt_date(explorer.runway.date)}" in snapshot
    assert "Charged against list prices" in snapshot


@pytest.mark.parametrize(
    "given, message",
    [
        ({"balance": "lots"}, "balance='lots' is not allowed"),
        ({"balance": float("nan")}, "is not allowed"),
        ({"prices": pd.DataFrame({"slug": ["x"]})}, "prices lacks the column"),
        ({"prices": [1, 2]}, "prices must be the DataFrame"),
        ({"names": ["wf_1"]}, "names=['wf_1'] is not allowed"),
        ({"names": {"wf_1": 3}}, "is not allowed"),
    ],
)
def test_a_bad_balance_prices_or_names_is_refused(account, given, message):
    frame, *_ = account
    with pytest.raises(InvalidQueryError, match=message.replace("[", r"\[").replace("(", r"\(")):
        ea.explore(frame, charts=False, **given)


# --- over a store ------------------------------------------------------------------------------
def test_over_a_store_its_kept_prices_and_names_give_the_frames_figures(account, tmp_path):
    pytest.importorskip("ibis", reason="the lazy extra (ibis-framework[duckdb]) is not installed")
    from scan_stores import write_store

    from eachlabs_analytics.store import reference

    frame, balance, prices, names = account
    store = write_store(tmp_path / "store", frame)
    reference.write_prices(store.path, prices)
    reference.write_names(store.path, names, pd.Timestamp(END))
    lazy = ea.explore(store, charts=False, balance=balance)
    eager = ea.explore(store.load(), charts=False, balance=balance, prices=prices, names=names)
    assert lazy.lazy and not eager.lazy
    assert lazy.names == names and lazy.prices is not None
    assert lazy.workflow_select.options == eager.workflow_select.options
    for chosen in ({}, {"models": eager.models[:2], "start": "2026-05-25"}):
        lazy.filters = eager.filters = chosen
        for explorer in (lazy, eager):
            explorer.tabs.selected_index = list(PANES).index("cost_by_model")
        assert lazy.errors == {} and eager.errors == {}
        assert lazy.runway.date == eager.runway.date
        assert (lazy.runway.lo_80, lazy.runway.hi_80) == (eager.runway.lo_80, eager.runway.hi_80)
        assert lazy.runway.daily_burn == pytest.approx(eager.runway.daily_burn, rel=1e-9)
        assert lazy.runway_note.value == eager.runway_note.value
        pd.testing.assert_frame_equal(
            lazy.tables["price_check"], eager.tables["price_check"], rtol=1e-9
        )
        assert lazy.price_table.value == eager.price_table.value
    # given ones win over the kept ones; given empty ones mean none
    plain = ea.explore(store, charts=False, prices=prices.iloc[:0], names={})
    assert plain.prices is None and plain.names == {}
