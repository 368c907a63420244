"""Windows mean what they say: ``[start, end)`` everywhere, checked on rows placed exactly on
the boundaries, against plain pandas masks.

``--month 2026-10`` is ``[Oct 1, Nov 1)`` and compares with September; ``--last 7d`` is the
7 x 24 h before its end (the data's end for a store or a file); quick ranges are whole days
ending with the window's last day; every face states the window the same way.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from click.testing import CliRunner

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.cli import main
from eachlabs_analytics.local_api import load_sample
from eachlabs_analytics.notebook.filters import Filters as Selection
from eachlabs_analytics.notebook.filters import anchor_of, apply_filters, quick_range

END = pd.Timestamp("2026-11-01T00:00:00Z")
ONE_US = pd.Timedelta(microseconds=1)
#: created_at values on and around every boundary the tests use
BOUNDARIES = [
    "2026-09-01T00:00:00Z",
    "2026-09-30T23:59:59.999999Z",
    "2026-10-01T00:00:00Z",
    "2026-10-24T00:00:00Z",
    "2026-10-23T23:59:59.999999Z",
    "2026-10-31T23:59:59.999999Z",
    "2026-11-01T00:00:00Z",
]


def on_boundaries(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its first rows moved (all their timestamps) onto the boundaries."""
    out = df.copy()
    for i, stamp in enumerate(BOUNDARIES):
        shift = pd.Timestamp(stamp) - out.loc[i, "created_at"]
        for column in schema.TIMESTAMP_FIELDS:
            out.loc[i, column] = out.loc[i, column] + shift
    return out.sort_values(["created_at", "id"], ascending=[False, True]).reset_index(drop=True)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    base = ea.generate_executions(
        executions=4_000, seed=21, end=END + pd.Timedelta(days=2), days=75
    )
    return on_boundaries(base)


def mask(df: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    created = df["created_at"]
    first, after = (
        pd.Timestamp(t, tz="UTC") if "T" not in t else pd.Timestamp(t) for t in (start, end)
    )
    return df[(created >= first) & (created < after)]


@pytest.fixture(scope="module")
def api(frame):
    with ea.sandbox(frame, total_cap=None) as running:
        yield running


@pytest.fixture
def runner(api, monkeypatch):
    monkeypatch.setenv("EACHLABS_API_KEY", api.api_key)
    monkeypatch.setenv("EACHLABS_BASE_URL", api.base_url)
    return CliRunner()


def test_the_loader_selects_start_included_end_excluded(api, frame):
    df = ea.load_executions(
        start="2026-10-01T00:00:00Z", end="2026-11-01T00:00:00Z",
        base_url=api.base_url, api_key=api.api_key, progress=False,
    )  # fmt: skip
    want = mask(frame, "2026-10-01", "2026-11-01")
    assert set(df["id"]) == set(want["id"])
    stamps = set(df["created_at"])
    assert pd.Timestamp("2026-10-01T00:00:00Z") in stamps  # start included
    assert pd.Timestamp("2026-10-31T23:59:59.999999Z") in stamps
    assert pd.Timestamp("2026-11-01T00:00:00Z") not in stamps  # end excluded


def test_month_is_october_exactly_and_compares_with_september(runner, frame, tmp_path):
    out = tmp_path / "october"
    result = runner.invoke(
        main, ["report", "--month", "2026-10", "--format", "csv", "-o", str(out), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    october, september = (
        mask(frame, "2026-10-01", "2026-11-01"),
        mask(frame, "2026-09-01", "2026-10-01"),
    )
    windows = list(csv.DictReader(io.StringIO((out / "window.csv").read_text())))
    assert windows == [
        {"period": "current", "start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"},
        {"period": "previous", "start": "2026-09-01T00:00:00Z", "end": "2026-10-01T00:00:00Z"},
    ]
    total = next(csv.DictReader(io.StringIO((out / "change_total.csv").read_text())))
    assert int(float(total["executions_current"])) == len(october)
    assert int(float(total["executions_previous"])) == len(september)
    assert float(total["spend_previous"]) == pytest.approx(september.execution_cost.sum())


def test_the_report_states_one_window_in_header_and_comparison(runner, tmp_path):
    out = tmp_path / "october.md"
    result = runner.invoke(main, ["report", "--month", "2026-10", "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    text = out.read_text()  # the format came from the suffix
    assert text.startswith("# each::labs cost report")
    october, september = (
        "2026-10-01 to 2026-10-31 (31 days, UTC)",
        "2026-09-01 to 2026-09-30 (30 days, UTC)",
    )
    assert f"Period: {october}" in text and f"Compared with {september}" in text
    assert f"This period, {october}, against {september}." in text
    assert october in result.stderr  # and the CLI says the same


def test_last_counts_back_from_the_end_of_a_file(frame, tmp_path):
    data = load_sample()
    path = ea.to_parquet(on_boundaries(data), tmp_path / "sample.parquet")
    end = pd.Timestamp(data.attrs["window"]["end"])
    out = tmp_path / "week"
    result = CliRunner().invoke(
        main, ["report", "--input", str(path), "--last", "7d", "--format", "csv", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (
        "--last counted back from the end of the file's data, 2026-10-31T00:00:00Z" in result.stderr
    )
    want = mask(on_boundaries(data), (end - pd.Timedelta(days=7)).isoformat(), end.isoformat())
    headline = {
        r["measure"]: float(r["value"])
        for r in csv.DictReader(io.StringIO((out / "headline.csv").read_text()))
    }
    assert headline["executions"] == len(want) > 0
    assert headline["spend"] == pytest.approx(want.execution_cost.sum())


def test_an_empty_window_says_so_and_writes_nothing(runner, tmp_path):
    out = tmp_path / "empty.parquet"
    result = runner.invoke(main, ["fetch", "--month", "2025-01", "-o", str(out), "--no-progress"])
    assert result.exit_code == 3 and not out.exists()
    assert (
        "no executions were created in [2025-01-01T00:00:00Z, 2025-02-01T00:00:00Z)"
        in result.stderr
    )
    allowed = runner.invoke(
        main, ["fetch", "--month", "2025-01", "-o", str(out), "--allow-empty", "--no-progress"]
    )
    assert allowed.exit_code == 0 and len(ea.read_parquet(out)) == 0


def test_a_mistyped_model_gets_close_matches_from_the_data(frame, tmp_path):
    path = ea.to_parquet(frame, tmp_path / "f.parquet")
    result = CliRunner().invoke(main, ["report", "--input", str(path), "--model", "veo3"])
    assert result.exit_code == 3
    assert "model 'veo3': did you mean veo-3" in result.stderr


def test_compare_periods_counts_rows_on_the_boundaries_once(frame):
    got = ea.compare_periods(frame, current="2026-10", previous="2026-09", by=None).iloc[0]
    assert got["executions_current"] == len(mask(frame, "2026-10-01", "2026-11-01"))
    assert got["executions_previous"] == len(mask(frame, "2026-09-01", "2026-10-01"))


@pytest.mark.parametrize(
    ("name", "first", "days"), [("last_7_days", "2026-10-25", 7), ("this_month", "2026-10-01", 31)]
)
def test_quick_ranges_are_whole_days_ending_with_the_windows_last_day(frame, name, first, days):
    windowed = frame.copy()
    windowed.attrs = {"window": {"start": "2026-08-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"}}
    start, last = quick_range(name, anchor_of(windowed))
    assert (str(start), str(last)) == (first, "2026-10-31") and (last - start).days + 1 == days
    kept = apply_filters(windowed, Selection(start=start, end=last))
    want = mask(windowed, first, "2026-11-01")
    assert set(kept["id"]) == set(want["id"])


def test_a_store_selects_start_included_end_excluded(api, frame, tmp_path):
    store = ea.ExecutionStore(tmp_path / "store")
    store.sync(
        start="2026-09-01T00:00:00Z", end="2026-11-01T00:00:00Z",
        base_url=api.base_url, api_key=api.api_key, progress=False,
    )  # fmt: skip
    got = store.load(start="2026-10-01T00:00:00Z", end="2026-10-24T00:00:00Z")
    assert set(got["id"]) == set(mask(frame, "2026-10-01", "2026-10-24")["id"])
    assert set(store.load()["id"]) == set(mask(frame, "2026-09-01", "2026-11-01")["id"])


def test_a_cut_covers_no_more_than_its_source():
    from eachlabs_analytics._util.windows import select_window

    df = ea.generate_executions(executions=300, seed=1, end="2026-10-31T00:00:00Z", days=20)
    assert df.attrs["window"]["end"] == "2026-10-31T00:00:00Z"
    october = select_window(
        df, pd.Timestamp("2026-10-01T00:00:00Z"), pd.Timestamp("2026-11-01T00:00:00Z")
    )
    # the source starts on the 11th and ends on the 31st: so does the cut
    assert october.attrs["window"]["start"] == df.attrs["window"]["start"]
    assert october.attrs["window"]["end"] == "2026-10-31T00:00:00Z"
    assert len(october) == len(df)
    before = select_window(
        df, pd.Timestamp("2026-09-01T00:00:00Z"), pd.Timestamp("2026-09-02T00:00:00Z")
    )
    assert len(before) == 0  # wholly outside: the window asked, no rows
    assert before.attrs["window"]["start"] == "2026-09-01T00:00:00Z"
    assert before.attrs["window"]["end"] == "2026-09-02T00:00:00Z"
