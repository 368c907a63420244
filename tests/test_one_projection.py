"""One month-end figure per source (issue 18, item 2): the report, ``check`` over a file and
over a store, and the demo give ``month_end_projection``'s figure for the sample's October,
whatever window a face shows; nothing after the data's end (2026-10-31 00:00) is projected.

The figure is computed independently here with ``ea.month_end_projection`` on the sample
frame; each face is driven through its public entry point (the CLI, ``run_demo``).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from scan_stores import write_store

import eachlabs_analytics as ea
from eachlabs_analytics._util.formats import fmt_money
from eachlabs_analytics.cli import main
from eachlabs_analytics.local_api.sample import SAMPLE_PATH, load_sample
from eachlabs_analytics.notebook.explorer import PANES

DATA_END = pd.Timestamp("2026-10-31T00:00:00Z")


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load_sample()


@pytest.fixture(scope="module")
def want(sample):
    projection = ea.month_end_projection(sample)
    assert projection.as_of == DATA_END and projection.month == pd.Timestamp("2026-10-01", tz="UTC")
    october = sample["created_at"] >= "2026-10-01"
    assert projection.spent == pytest.approx(sample.loc[october, "execution_cost"].sum(), rel=1e-12)
    return projection


@pytest.fixture(scope="module")
def store(sample, tmp_path_factory):
    path = tmp_path_factory.mktemp("sample-store")
    write_store(path, sample)
    return path


def cli(*args: str):
    result = CliRunner().invoke(main, list(args), prog_name="eachlabs-analytics")
    return result


def projection_sentence(projection) -> str:
    return (
        f"October 2026 has cost {fmt_money(projection.spent)} so far and is projected to end "
        f"at {fmt_money(projection.projected)}"
    )


@pytest.mark.parametrize("source", ["input", "store"])
def test_check_gives_the_figure_over_a_file_and_over_a_store(want, store, source):
    where = str(SAMPLE_PATH) if source == "input" else str(store)
    result = cli("check", f"--{source}", where, "--budget", "total=100000", "--format", "json")
    assert result.exit_code == 0, result.output
    (budget,) = json.loads(result.stdout)["budgets"]
    assert budget["projected"] == pytest.approx(want.projected, rel=1e-12)
    assert budget["spent"] == pytest.approx(want.spent, rel=1e-12)
    text = cli("check", f"--{source}", where, "--budget", "total=100000")
    assert f"projected {fmt_money(want.projected)}" in text.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--store", "{store}", "--last", "7d"],  # a week shown, the month projected from the store
        ["--store", "{store}", "--month", "2026-10"],
        ["--input", str(SAMPLE_PATH), "--last", "14d"],
        ["--input", str(SAMPLE_PATH), "--month", "2026-10"],
    ],
)
def test_the_report_gives_the_same_figure_whatever_window_it_shows(want, store, tmp_path, args):
    out = tmp_path / "r.md"
    result = cli("report", *[a.format(store=store) for a in args], "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert projection_sentence(want) in text
    assert "November" not in text  # nothing after the data's end
    if "--month" in args:  # October asked of data that ends on its 31st: said, and cut there
        assert "Period: 2026-10-01 to 2026-10-30 (30 days, UTC)" in text
        assert "data ends 2026-10-31T00:00:00Z" in result.stderr
        assert "the window ends there, not at 2026-11-01T00:00:00Z" in result.stderr


def test_the_demo_report_gives_the_same_figure(want, tmp_path):
    from eachlabs_analytics.app.demo import run_demo

    result = run_demo(tmp_path, progress=False)
    assert projection_sentence(want) in result.markdown.read_text()
    assert projection_sentence(want) in result.html.read_text()


def test_the_api_faces_count_back_from_the_data_end_and_give_the_same_figure(want, tmp_path):
    """The sandbox serves the sample and lives on its last day (its ``Date`` header says
    2026-10-31): ``--last`` against it counts back from the API's clock (and says so) instead
    of this machine's, and the report and check agree."""
    out = tmp_path / "r.md"
    with ea.Sandbox(data="sample") as api:
        env = {"EACHLABS_API_KEY": api.api_key, "EACHLABS_BASE_URL": api.base_url}
        runner = CliRunner()
        report = runner.invoke(
            main, ["report", "--last", "7d", "--no-progress", "-o", str(out)], env=env
        )
        check = runner.invoke(
            main,
            ["check", "--budget", "total=100000", "--format", "json", "--no-progress"],
            env=env,
        )
    assert report.exit_code == 0, report.output
    said = "the window counts back from the API's clock, 2026-10-31T00:00:00Z"
    assert said in report.stderr
    text = out.read_text()
    assert "Period: 2026-10-24 to 2026-10-30 (7 days, UTC)" in text
    assert projection_sentence(want) in text
    assert check.exit_code == 0, check.output
    (budget,) = json.loads(check.stdout)["budgets"]
    assert budget["projected"] == pytest.approx(want.projected, rel=1e-12)


def test_the_explorer_with_a_day_range_gives_the_same_figure(sample, want):
    explorer = ea.explore(sample)
    explorer.filters = {"start": "2026-10-24", "end": "2026-10-30"}  # a week shown
    pd.testing.assert_frame_equal(explorer.tables["month_end"], want.to_frame())
    assert fmt_money(want.projected) in explorer.month_end.value
    # the Forecast tab learns from the same data as of the same instant, not from the week
    explorer.tabs.selected_index = list(PANES).index("forecast")
    daily = explorer.tables["forecast"]
    pd.testing.assert_frame_equal(daily, ea.forecast_spend(sample, as_of=DATA_END))
    month = daily.loc[daily["period"] >= "2026-10-01"]
    total = month["actual"].fillna(0).sum() + month.loc[month["actual"].isna(), "forecast"].sum()
    assert total == pytest.approx(want.projected, rel=1e-9)
