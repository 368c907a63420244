"""``df.eachlabs``: every method is its function with the frame first, same signature."""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from test_metrics import END  # noqa: E402

import eachlabs_analytics as ea  # noqa: E402
from eachlabs_analytics import metrics, plots  # noqa: E402
from eachlabs_analytics.local_api.generator import generate_executions  # noqa: E402
from eachlabs_analytics.notebook.accessor import EachlabsAccessor  # noqa: E402

METRICS = [n for n in metrics.__all__ if n[0].islower()]
#: Charts of an executions frame (plot_spend_forecast draws a forecast_spend table instead)
PLOTS = [name for name in plots.__all__ if name != "plot_spend_forecast"]


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return generate_executions(executions=3_000, seed=17, end=END, days=30)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_every_helper_and_chart_is_a_method():
    public = {n for n in dir(EachlabsAccessor) if not n.startswith("_")}
    assert set(METRICS) | set(PLOTS) | {"to_parquet", "cost_report", "explore"} == public


@pytest.mark.parametrize("name", METRICS + PLOTS)
def test_method_signature_is_the_function_without_the_frame(name):
    function = getattr(ea, name)
    method = getattr(EachlabsAccessor, name)
    expected = list(inspect.signature(function).parameters.values())[1:]
    got = list(inspect.signature(method).parameters.values())[1:]  # drop self
    assert [(p.name, p.kind, p.default) for p in got] == [
        (p.name, p.kind, p.default) for p in expected
    ]
    assert method.__doc__ and f"eachlabs_analytics.{name}" in method.__doc__


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("cost_by_model", {"by": "requested_model"}),
        ("cost_by_workflow", {}),
        ("cost_over_time", {"freq": "W", "top": 3, "tz": "Asia/Tokyo"}),
        ("latency_percentiles", {"metric": "queue_seconds", "percentiles": (50, 99.9)}),
        ("latency_percentiles", {"by": None, "min_count": 5, "outcome": "failed"}),
        ("error_breakdown", {"all_classes": True}),
        ("error_rate_over_time", {"by": "model", "top": 2}),
        ("compare_periods", {"current": ("2026-10-16", "2026-10-31"), "by": None}),
    ],
)
def test_methods_return_what_the_functions_return(df, name, kwargs):
    got = getattr(df.eachlabs, name)(**kwargs)
    expected = getattr(ea, name)(df, **kwargs)
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == expected.attrs


def test_summary_method(df):
    assert df.eachlabs.summary(top=3) == ea.summary(df, top=3)


@pytest.mark.parametrize("name", PLOTS)
def test_plot_methods_draw_into_the_given_axes(df, name):
    _, ax = plt.subplots()
    assert getattr(df.eachlabs, name)(ax=ax) is ax
    _, fresh = plt.subplots()
    direct = getattr(ea, name)(df, ax=fresh)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        t.get_text() for t in direct.get_yticklabels()
    ]
    assert ax.get_xlabel() == direct.get_xlabel() and ax.get_title() == direct.get_title()


def test_delegations_to_files_report_and_explorer(df, tmp_path):
    path = df.eachlabs.to_parquet(tmp_path / "executions.parquet")
    back = ea.read_parquet(path)
    assert len(back) == len(df) and back.dtypes.equals(df.dtypes)
    text = df.eachlabs.cost_report(format="markdown", charts=False)
    assert isinstance(text, str) and f"{len(df):,}" in text
    explorer = df.eachlabs.explore()
    assert len(explorer.filtered) == len(df)


def test_unknown_method_lists_the_available_ones(df):
    with pytest.raises(AttributeError, match="no method 'cost_by_modle'; available: compare_"):
        df.eachlabs.cost_by_modle()
