"""Charts draw exactly the helpers' numbers, with units, legends and readable labels (Agg)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from test_metrics import END, row, typed_frame  # noqa: E402

import eachlabs_analytics as ea  # noqa: E402
from eachlabs_analytics import schema  # noqa: E402
from eachlabs_analytics.local_api.generator import generate_executions  # noqa: E402
from eachlabs_analytics.plots import palette as _palette

PLOTS = (
    "plot_cost_by_model",
    "plot_cost_over_time",
    "plot_latency",
    "plot_queue_vs_execution",
    "plot_error_breakdown",
    "plot_error_rate_over_time",
    "plot_latency_over_time",
)
SAFE_COLORS = {
    mcolors.to_hex(c)
    for c in (*_palette.OKABE_ITO, *_palette.ERROR_CLASS_COLORS, _palette.OTHER_COLOR, "white")
}


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return generate_executions(executions=6_000, seed=13, end=END, days=30)


@pytest.fixture(scope="module")
def df_90_days() -> pd.DataFrame:
    """The generator's default 90 days to END (2026-08-02 on): three monthly periods."""
    return generate_executions(executions=20_000, seed=3, end=END)


@pytest.fixture(scope="module")
def many_models() -> pd.DataFrame:
    """35 models with a few rows each, some failing, with long names."""
    rows = []
    for i in range(35):
        name = f"provider-{i:02d}/some-rather-long-model-name-v{i}"
        for j in range(4):
            status = "error" if j == 0 and i % 3 == 0 else "success"
            rows.append(
                row(name, status, cost=0.1 * (i + 1) + j, queue=1 + i, run=10 + j + i,
                    created=f"2026-10-{1 + j:02d}T00:00:00Z", id=f"{i}-{j}",
                    error_classification="provider_error" if status == "error" else None)
            )  # fmt: skip
    return typed_frame(rows)


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    def refuse_show(*_args, **_kwargs):
        raise AssertionError("a plot function called plt.show()")

    monkeypatch.setattr(plt, "show", refuse_show)
    yield
    plt.close("all")


def tick_labels(ax, axis="y") -> list[str]:
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in ticks]


def container(ax, label):
    (found,) = [c for c in ax.containers if c.get_label() == label]
    return found


def test_cost_by_model_bars_equal_the_helper(df):
    ax = ea.plot_cost_by_model(df)
    table = ea.cost_by_model(df)
    assert tick_labels(ax) == list(table.index)  # biggest first, drawn on top
    ys = [p.get_y() + p.get_height() / 2 for p in container(ax, "other spend")]
    assert ys == sorted(ys, reverse=True)
    rest = np.array([p.get_width() for p in container(ax, "other spend")])
    failed = np.array([p.get_width() for p in container(ax, "spent on failures")])
    lefts = np.array([p.get_x() for p in container(ax, "spent on failures")])
    np.testing.assert_allclose(failed, table["failed_cost"], rtol=1e-12)
    np.testing.assert_allclose(rest + failed, table["total_cost"], rtol=1e-12)
    np.testing.assert_allclose(lefts, rest)
    assert ax.get_xlabel() == "Spend (USD)"
    assert ax.xaxis.get_major_formatter()(1500, 0) == "$1,500"
    assert ax.get_legend_handles_labels()[1] == ["other spend", "spent on failures"]


def test_cost_by_model_top_and_own_axes(df):
    fig, own = plt.subplots()
    ax = ea.plot_cost_by_model(df, ax=own, top=4)
    assert ax is own and len(tick_labels(ax)) == 4
    assert f"(top 4 of {df['model'].nunique()})" in ax.get_title()


def test_cost_over_time_stack_tops_are_the_period_totals(df):
    ax = ea.plot_cost_over_time(df, top=3)
    table = ea.cost_over_time(df, top=3)
    assert ax.get_legend_handles_labels()[1] == list(table.columns)
    assert list(table.columns)[-1] == "other" and len(ax.collections) == 4
    assert mcolors.to_hex(ax.collections[-1].get_facecolor()[0]) == _palette.OTHER_COLOR.lower()
    top_edge = ax.collections[-1].get_paths()[0].vertices[:, 1]
    for total in table.sum(axis=1):
        assert np.isclose(top_edge, total, rtol=1e-12).any()
    assert ax.get_ylabel() == "Spend per day (USD)"
    weekly = ea.plot_cost_over_time(df, freq="W", by=None, tz="Europe/Berlin")
    assert weekly.get_ylabel() == "Spend per week (USD)"
    assert "Europe/Berlin" in weekly.get_xlabel()


def test_stacked_cost_chart_draws_the_last_period(df_90_days):
    df = df_90_days
    table = ea.cost_over_time(df, freq="M", top=3)
    ax = ea.plot_cost_over_time(df, freq="M", top=3)
    right = max(collection.get_paths()[0].vertices[:, 0].max() for collection in ax.collections)
    last_start = matplotlib.dates.date2num(table.index[-1].tz_localize(None))
    assert right > last_start + 27  # about a month wide, not zero
    plt.close("all")


def test_latency_boxes_are_the_helpers_percentiles(df):
    ax = ea.plot_latency(df)
    table = ea.latency_percentiles(df, percentiles=(5, 25, 50, 75, 95))
    table = table[table["count"] > 0].sort_values("p50", ascending=False, kind="stable")
    labels = tick_labels(ax)
    rows = zip(table.index, table["low_count"], table["count"], strict=True)
    assert labels == [f"{m}{' *' if low else ''} (n={n:,})" for m, low, n in rows]
    medians = [line.get_xdata()[0] for line in ax.lines if line.get_gid() == "medians"]
    np.testing.assert_allclose(medians, table["p50"], rtol=1e-12)
    whiskers = [line.get_xdata()[1] for line in ax.lines if line.get_gid() == "whiskers"]
    np.testing.assert_allclose(whiskers[0::2], table["p5"], rtol=1e-12)
    np.testing.assert_allclose(whiskers[1::2], table["p95"], rtol=1e-12)
    assert ax.get_xscale() == "log" and "(s, log scale)" in ax.get_xlabel()


def test_latency_marks_groups_with_few_rows():
    small = typed_frame([row("rare", run=5), row("common", run=1)] + [row("common")] * 25)
    labels = tick_labels(ea.plot_latency(small))
    assert "rare * (n=1)" in labels and "common (n=26)" in labels


def test_queue_vs_execution_points_are_the_helpers_numbers(df):
    ax = ea.plot_queue_vs_execution(df, stat="p90")
    queue = ea.latency_percentiles(df, metric="queue_seconds", percentiles=(90,))["p90"]
    run = ea.latency_percentiles(df, metric="execution_seconds", percentiles=(90,))["p90"]
    names = tick_labels(ax)
    (q_line,) = [line for line in ax.lines if line.get_gid() == "queue"]
    (e_line,) = [line for line in ax.lines if line.get_gid() == "execution"]
    np.testing.assert_allclose(q_line.get_xdata(), queue.loc[names], rtol=1e-12)
    np.testing.assert_allclose(e_line.get_xdata(), run.loc[names], rtol=1e-12)
    sums = (queue + run).loc[names].to_numpy()
    assert (np.diff(sums) <= 0).all()
    assert ax.get_xscale() == "log" and "p90 seconds" in ax.get_xlabel()
    with pytest.raises(ea.InvalidQueryError, match="stat='p42' is not allowed"):
        ea.plot_queue_vs_execution(df, stat="p42")


def test_error_breakdown_segments_are_the_helpers_counts(df):
    ax = ea.plot_error_breakdown(df)
    table = ea.error_breakdown(df)
    table = table[table["errors"] > 0]
    classes = [c for c in table.columns if c not in ("errors", "executions", "error_rate")]
    assert ax.get_legend_handles_labels()[1] == classes
    assert tick_labels(ax) == list(table.index)
    for name in classes:
        widths = [p.get_width() for p in container(ax, name)]
        np.testing.assert_array_equal(widths, table[name].to_numpy(dtype=float))
        color = mcolors.to_hex(container(ax, name).patches[0].get_facecolor())
        assert color == _palette.error_class_color(name).lower()
    ends = [p.get_x() + p.get_width() for p in container(ax, classes[-1])]
    np.testing.assert_allclose(ends, table["errors"])
    assert ax.get_xlabel() == "Failed executions"


def test_error_breakdown_normalized_and_unclassified():
    frame = typed_frame(
        [row(status="error"), row(status="error", error_classification="content_moderation")]
        + [row()] * 2
    )
    ax = ea.plot_error_breakdown(frame, normalize=True)
    assert ax.get_legend_handles_labels()[1] == ["content_moderation", "unclassified"]
    assert container(ax, "unclassified").patches[0].get_hatch() == "//"
    ends = container(ax, "unclassified").patches[0]
    assert ends.get_x() + ends.get_width() == pytest.approx(0.5)  # 2 errors in 4 executions
    assert ax.get_xlabel() == "Error rate (% of executions)"
    assert ax.xaxis.get_major_formatter()(0.25, 0) == "25%"


def test_error_rate_over_time_lines_are_the_helpers_rates(df):
    ax = ea.plot_error_rate_over_time(df)
    table = ea.error_rate_over_time(df)
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_ydata(), table["error_rate"].to_numpy())
    assert ax.get_ylabel() == "Error rate (% of executions)"
    by_model = ea.plot_error_rate_over_time(df, by="model", top=2, freq="W")
    wide = ea.error_rate_over_time(df, by="model", top=2, freq="W")
    assert by_model.get_legend_handles_labels()[1] == list(wide.columns)
    for line, name in zip(by_model.lines, wide.columns, strict=True):
        np.testing.assert_array_equal(line.get_ydata(), wide[name].to_numpy())


def test_latency_over_time_lines_are_the_helpers_percentiles(df):
    ax = ea.plot_latency_over_time(df, freq="W", metric="queue_seconds")
    table = ea.latency_over_time(df, freq="W", metric="queue_seconds")
    assert [line.get_label() for line in ax.lines] == ["p50", "p95"]
    for line, name in zip(ax.lines, ["p50", "p95"], strict=True):
        np.testing.assert_array_equal(line.get_ydata(), table[name].to_numpy())
    assert ax.get_title() == "Queue time per week"
    assert ax.yaxis.get_major_formatter()(30, 0) == "30 s"


@pytest.mark.parametrize("name", ["plot_cost_by_model", "plot_latency", "plot_error_breakdown",
                                  "plot_queue_vs_execution"])  # fmt: skip
def test_readable_with_35_models(many_models, name):
    ax = getattr(ea, name)(many_models)
    labels = [t for t in ax.get_yticklabels() if t.get_text()]
    expected = 12 if name == "plot_error_breakdown" else 35  # only models with failures
    assert len(labels) == expected
    assert all(5 <= t.get_fontsize() <= 9 for t in labels)
    assert ax.figure.get_size_inches()[1] >= 0.3 * expected
    ax.figure.canvas.draw()  # lays out without error
    boxes = [t.get_window_extent() for t in labels]
    overlaps = sum(a.overlaps(b) for a, b in zip(boxes, boxes[1:], strict=False))
    assert overlaps == 0


@pytest.mark.parametrize("name", PLOTS)
def test_empty_input_draws_a_chart_that_says_so(name):
    ax = getattr(ea, name)(schema.empty_frame())
    assert "no executions to show" in [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("name", PLOTS)
def test_colours_are_colour_blind_safe(df, name):
    ax = getattr(ea, name)(df)
    used = {mcolors.to_hex(p.get_facecolor()) for p in ax.patches if p.get_gid()}
    used |= {mcolors.to_hex(c.get_facecolor()[0]) for c in ax.collections if len(c.get_facecolor())}
    used |= {mcolors.to_hex(line.get_color()) for line in ax.lines if line.get_label()[0] != "_"}
    used |= {mcolors.to_hex(line.get_color()) for line in ax.lines if line.get_gid()}
    used -= {"#000000", "#bbbbbb", "#333333"}  # outlines and connectors
    assert used and used <= SAFE_COLORS, used - SAFE_COLORS


def test_plots_accept_slices_with_absent_categories(df):
    one = df[df["model"] == "veo-3"]
    for name in PLOTS:
        assert getattr(ea, name)(one) is not None


def test_hostile_model_names_are_drawn_literally():
    names = ["<script>alert(1)</script>", "a$^$b$\\frac$", None]
    rows = []
    for i, name in enumerate(names):
        rows.append(row(name, "success", cost=1.0 + i, id=f"ok{i}"))
        rows.append(row(name, "error", cost=1.0, error_classification="unknown", id=f"bad{i}"))
    frame = typed_frame(rows)
    for name in PLOTS:
        ax = getattr(ea, name)(frame)
        ax.figure.canvas.draw()  # mathtext would raise on the unbalanced "$"
    labels = tick_labels(ea.plot_cost_by_model(frame))
    assert "<script>alert(1)</script>" in labels and "(none)" in labels
    assert r"a\$^\$b\$\frac\$" in labels


# --- colour-vision deficiency: the ten error classes stay apart -----------------------------
#: Machado, Oliveira & Fernandes (2009), severity 1.0, on linear sRGB.
CVD = {
    "normal": np.eye(3),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
         [-0.011820, 0.042940, 0.968881]]
    ),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
         [-0.003882, -0.048116, 1.051998]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
         [0.004733, 0.691367, 0.303900]]
    ),
}  # fmt: skip
#: Smallest CIELAB (CIE76) distance allowed between two class colours, in every view.
MIN_DISTANCE = 25.0


def _lab(hex_color: str, view: np.ndarray) -> np.ndarray:
    srgb = np.array([int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(view @ linear, 0, 1)
    to_xyz = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    )
    xyz = to_xyz @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("view", sorted(CVD))
def test_error_class_colours_stay_apart_under_colour_vision_deficiency(view):
    colours = [_palette.error_class_color(c) for c in schema.ERROR_CLASSES]
    assert len(set(colours)) == len(schema.ERROR_CLASSES)
    labs = [_lab(c, CVD[view]) for c in colours]
    closest = min(
        float(np.linalg.norm(labs[i] - labs[j]))
        for i in range(len(labs))
        for j in range(i + 1, len(labs))
    )
    assert closest >= MIN_DISTANCE, f"{view}: two classes only {closest:.1f} apart"
