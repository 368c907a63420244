"""The one money rule every face prints with (issue 18): cents from $0.01, two significant
digits written out below, never scientific notation."""

from __future__ import annotations

import math
import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from eachlabs_analytics._util.formats import fmt_money
from eachlabs_analytics.plots.parts import money as tick_money

MONEY = re.compile(r"^-?\$(\d{1,3}(,\d{3})*\.\d\d|0\.0*[1-9]\d?)$")


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_money_is_written_out_and_reads_back_close(value):
    text = fmt_money(value)
    assert MONEY.match(text), text
    back = float(Decimal(text.replace("$", "").replace(",", "")))
    if abs(value) >= 0.01:
        assert abs(back - value) <= 0.005 + 1e-9 * abs(value)
    elif value != 0:
        # two significant digits (or the cent it rounds up to)
        assert math.isclose(back, value, rel_tol=0.051) or abs(back) == 0.01
        assert (back < 0) == (value < 0)


def test_examples_of_the_rule():
    assert [fmt_money(v) for v in (0, 0.00075, 0.0044, 0.005, 0.000089, 15.925, 1234.5)] == [
        "$0.00",
        "$0.00075",
        "$0.0044",
        "$0.0050",
        "$0.000089",
        "$15.93",
        "$1,234.50",
    ]
    assert fmt_money(float("nan")) == "n/a"


def test_chart_ticks_below_a_cent_use_the_same_rule():
    assert tick_money(0.000089) == fmt_money(0.000089) == "$0.000089"


def test_format_table_formats_each_column_by_its_kind_and_keeps_the_index():
    import pandas as pd

    import eachlabs_analytics as ea

    df = ea.generate_executions(executions=400, seed=3)
    table = ea.cost_by_model(df)
    shown = ea.format_table(table)
    assert shown.index.tolist() == table.index.tolist()
    assert shown["spend"].tolist() == [fmt_money(v) for v in table["total_cost"]]
    assert shown["share of spend"].tolist() == [f"{v:.1%}" for v in table["share"]]
    assert shown["executions"].tolist() == [f"{v:,}" for v in table["executions"]]
    assert "total_cost" not in shown.columns
    daily = ea.cost_over_time(df, freq="D")
    shown = ea.format_table(daily)
    assert shown.index.tolist() == [f"{t:%Y-%m-%d}" for t in daily.index]
    # a number the package does not know reads with two decimals unless a kind is given
    other = pd.DataFrame({"price": [0.5, 1234.5]})
    assert ea.format_table(other)["price"].tolist() == ["0.50", "1,234.50"]
    assert ea.format_table(other, kinds={"price": "money"})["price"].tolist() == [
        "$0.50",
        "$1,234.50",
    ]


def test_format_table_refuses_an_unknown_kind():
    import pandas as pd
    import pytest

    import eachlabs_analytics as ea
    from eachlabs_analytics.exceptions import InvalidQueryError

    with pytest.raises(InvalidQueryError, match="unknown kind 'dollars'; allowed: money"):
        ea.format_table(pd.DataFrame({"x": [1.0]}), kinds={"x": "dollars"})


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_a_change_is_signed_and_written_by_the_money_rule(value):
    from eachlabs_analytics._util.formats import fmt_signed_money

    text = fmt_signed_money(value)
    if value == 0:
        assert text == "$0.00"
    elif value > 0:
        assert text == "+" + fmt_money(value)
    else:
        assert text == fmt_money(value) and text.startswith("-$")


def test_format_table_knows_compare_periods_and_nullable_flags():
    import pandas as pd

    import eachlabs_analytics as ea
    from eachlabs_analytics._util.formats import fmt_pct, fmt_seconds, fmt_signed_money

    df = ea.generate_executions(executions=3_000, seed=4, end="2026-10-31T00:00:00Z", days=61)
    table = ea.compare_periods(df, "2026-10", "2026-09")
    shown = ea.format_table(table)
    assert shown["spend change"].tolist() == [fmt_signed_money(v) for v in table["spend_change"]]
    assert shown["error rate current"].tolist() == [fmt_pct(v) for v in table["error_rate_current"]]
    assert shown["latency p95 previous"].tolist() == [
        fmt_seconds(v) for v in table["latency_p95_previous"]
    ]
    assert shown["error rate change"].str.endswith(" pp").all()
    assert shown["spend rel change"].str.endswith("%").all()
    flags = pd.DataFrame({"low_count": pd.array([True, False, None], dtype="boolean")})
    assert ea.format_table(flags)["few rows"].tolist() == ["yes", "", ""]
