"""The command line: every command, its --help, results equal the sandbox's truth, clean errors."""

from __future__ import annotations

import os
import re

import pandas as pd
import pytest
from click.testing import CliRunner

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics._util import windows as _dates
from eachlabs_analytics.cli import main
from eachlabs_analytics.cli import options as cli
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.local_api import load_sample
from eachlabs_analytics.store.parquet import read_parquet

COMMANDS = sorted(main.commands)  # every command the CLI has, so a new one cannot skip help
SECRET = "smk_cli_test_secret_123"


@pytest.fixture(scope="module")
def api():
    # a fixed clock in the past: every window below is explicit
    with ea.sandbox(
        executions=3_000, seed=5, end="2026-10-31T00:00:00Z", days=30, api_key=SECRET
    ) as running:
        yield running


@pytest.fixture
def runner(api, monkeypatch):
    monkeypatch.setenv("EACHLABS_API_KEY", SECRET)
    monkeypatch.setenv("EACHLABS_BASE_URL", api.base_url)
    return CliRunner()


def invoke(runner: CliRunner, *args: str):
    result = runner.invoke(main, list(args), catch_exceptions=True)
    assert SECRET not in result.output and SECRET not in (result.stderr or "")
    return result


def truth_between(api, start: str, end: str) -> pd.DataFrame:
    t = api.truth
    rows = t[(t.created_at >= pd.Timestamp(start)) & (t.created_at < pd.Timestamp(end))]
    return rows.sort_values(["created_at", "id"], ascending=[False, True]).reset_index(drop=True)


def assert_clean_error(result, *needles: str) -> None:
    """Non-zero exit, one line starting with 'Error:' that says what was wrong, no traceback."""
    assert result.exit_code != 0
    text = result.stderr or result.output
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, text
    for needle in needles:
        assert needle in lines[0], lines[0]


# --- help ----------------------------------------------------------------------------------
def test_main_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert f"eachlabs-analytics {command}" in result.output
    if command != "sandbox":  # the sandbox's --api-key is the key it accepts, not a secret
        assert "--debug" in result.output
        assert "--api-key" not in result.output  # the key never goes on the command line


def test_dashboard_passes_its_options_to_voila_runner(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(
        "eachlabs_analytics.notebook.dashboard.serve_dashboard", lambda **kw: calls.append(kw) or 0
    )
    data = ea.to_parquet(schema.empty_frame(), tmp_path / "x.parquet")
    result = CliRunner().invoke(main, ["dashboard", "--data", str(data), "--port", "9001"])
    assert result.exit_code == 0, result.output
    assert calls == [{"data": data, "port": 9001, "host": "127.0.0.1", "days": None}]


def test_dashboard_refuses_a_public_host_and_reports_a_failed_voila(monkeypatch):
    result = CliRunner().invoke(main, ["dashboard", "--host", "0.0.0.0"])
    assert result.exit_code != 0 and "not a loopback address" in result.output
    monkeypatch.setattr("eachlabs_analytics.notebook.dashboard.serve_dashboard", lambda **kw: 3)
    result = CliRunner().invoke(main, ["dashboard"])
    assert result.exit_code == 1 and "exit code 3" in result.output


def test_sandbox_help():
    result = CliRunner().invoke(main, ["sandbox", "--help"])
    assert result.exit_code == 0 and "--port" in result.output


# --- fetch ---------------------------------------------------------------------------------
def test_fetch_to_parquet_equals_the_truth(runner, api, tmp_path):
    start, end = "2026-10-10T00:00:00Z", "2026-10-20T00:00:00Z"
    out = tmp_path / "w.parquet"
    result = invoke(runner, "fetch", "--start", start, "--end", end, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    got = read_parquet(out)
    want = truth_between(api, start, end)
    pd.testing.assert_frame_equal(got, want, check_categorical=False)
    assert got.attrs["window"]["start"] == start
    assert f"fetched {len(want):,} executions" in result.stderr


def test_fetch_month_and_model_to_csv(runner, api, tmp_path):
    out = tmp_path / "oct.csv"
    result = invoke(runner, "fetch", "--month", "2026-10", "--model", "veo-3", "-o", str(out))
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out)
    want = truth_between(api, "2026-10-01T00:00:00Z", "2026-10-31T23:59:59.999999Z")
    want = want[want.model == "veo-3"]
    assert sorted(got.id) == sorted(want.id)
    assert got.execution_cost.sum() == pytest.approx(want.execution_cost.sum())


def test_fetch_last_counts_back_from_end(runner, api, tmp_path):
    out = tmp_path / "x.parquet"
    result = invoke(
        runner, "fetch", "--last", "3d", "--end", "2026-10-30T00:00:00Z", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    got = read_parquet(out)
    want = truth_between(api, "2026-10-27T00:00:00Z", "2026-10-30T00:00:00Z")
    assert sorted(got.id) == sorted(want.id)


def test_fetch_csv_neutralises_formulas(runner, tmp_path, monkeypatch):
    frame = ea.generate_executions(executions=300, seed=2, end="2026-10-31T00:00:00Z", days=5)
    frame["model"] = frame.model.astype(object)
    frame.loc[frame.index[:3], "model"] = "=cmd|' /C calc'!A0"
    frame["model"] = frame.model.astype(schema.STRING_DTYPE)
    with ea.sandbox(frame, api_key=SECRET) as hostile:
        monkeypatch.setenv("EACHLABS_BASE_URL", hostile.base_url)
        out = tmp_path / "h.csv"
        result = invoke(
            runner, "fetch", "--start", "2026-10-01T00:00:00Z", "--end", "2026-11-01T00:00:00Z",
            "-o", str(out),
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    models = pd.read_csv(out).model
    assert (models == "'=cmd|' /C calc'!A0").sum() == 3
    assert not models.str.startswith("=").any()


def test_fetch_to_csv_neutralises_categorical_cells(tmp_path, monkeypatch):
    truth = ea.generate_executions(executions=300, seed=2, end="2026-10-31T00:00:00Z")
    hostile = truth.copy()
    hostile["status"] = hostile["status"].astype(str)
    hostile.loc[hostile.index[0], "status"] = '=HYPERLINK("http://evil.example","x")'
    with ea.sandbox(data=hostile, now="2026-10-31T00:00:00Z") as api:
        monkeypatch.setenv("EACHLABS_API_KEY", api.api_key)
        monkeypatch.setenv("EACHLABS_BASE_URL", api.base_url)
        out = tmp_path / "x.csv"
        result = CliRunner().invoke(
            main, ["fetch", "--start", "2026-08-01", "--end", "2026-10-31", "-o", str(out)]
        )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text


# --- sync ----------------------------------------------------------------------------------
def test_sync_twice_then_the_store_equals_the_truth(runner, api, tmp_path):
    store = tmp_path / "store"
    start, end = "2026-10-15T00:00:00Z", "2026-10-31T00:00:00Z"
    first = invoke(runner, "sync", str(store), "--start", start, "--end", end)
    assert first.exit_code == 0, first.output
    second = invoke(runner, "sync", str(store), "--end", end, "--overlap", "2h")
    assert second.exit_code == 0, second.output
    assert "0 new" in second.stderr
    got = ea.ExecutionStore(store).load()
    pd.testing.assert_frame_equal(got, truth_between(api, start, end), check_categorical=False)
    assert f"{len(got):,} executions from {start} to {end}" in second.stdout


# --- report --------------------------------------------------------------------------------
def test_report_from_the_api_compares_with_the_previous_period(runner, api, tmp_path):
    out = tmp_path / "r.html"
    result = invoke(
        runner, "report", "--start", "2026-10-16T00:00:00Z", "--end", "2026-10-30T23:59:59Z",
        "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    html = out.read_text()
    want = truth_between(api, "2026-10-16T00:00:00Z", "2026-10-30T23:59:59Z")
    from eachlabs_analytics._util.formats import fmt_money

    assert fmt_money(want.execution_cost.sum()) in html
    assert "Change against the previous period" in html
    before = truth_between(api, "2026-10-01T00:00:01Z", "2026-10-16T00:00:00Z")  # [start, end)
    # the spend card's change names the previous period's spend
    assert f"against the previous period ({fmt_money(before.execution_cost.sum())})" in html
    assert (
        f"compared with {len(before):,} created 2026-10-01 00:00:01 to 2026-10-16 00:00:00 UTC"
        in result.stderr
    )


def test_report_from_a_store_and_from_a_file(runner, api, tmp_path):
    store = tmp_path / "store"
    assert invoke(runner, "sync", str(store), "--month", "2026-10").exit_code == 0
    md = tmp_path / "store.md"
    result = invoke(
        runner, "report", "--store", str(store), "--last", "7d", "--end", "2026-10-31T00:00:00Z",
        "--format", "markdown", "-o", str(md),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = md.read_text()
    week = truth_between(api, "2026-10-24T00:00:00Z", "2026-10-31T00:00:00Z")
    assert f"- **Executions**: {len(week):,}" in text
    # the store holds the week before too: the cards carry their change
    spend = r"- \*\*Spend\*\*: \$[0-9,.]+ \(.*\) · (up|down) [0-9.]+% against the previous period"
    assert re.search(spend, text)

    parquet = tmp_path / "oct.parquet"
    assert invoke(runner, "fetch", "--month", "2026-10", "-o", str(parquet)).exit_code == 0
    csv_dir = tmp_path / "csv"
    result = invoke(
        runner, "report", "--input", str(parquet), "--model", "veo-3", "--format", "csv",
        "--redact", "-o", str(csv_dir),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    by_model = pd.read_csv(csv_dir / "cost_by_model.csv")
    assert by_model.model.tolist() == ["veo-3"]
    month = truth_between(api, "2026-10-01T00:00:00Z", "2026-10-31T23:59:59.999999Z")
    assert by_model.total_cost.iloc[0] == pytest.approx(
        month.loc[month.model == "veo-3", "execution_cost"].sum()
    )
    assert "id" not in pd.read_csv(csv_dir / "most_expensive.csv").columns


def test_report_default_output_name(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "report", "--month", "2026-10", "--no-compare")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "cost-report.html"
    assert os.path.getsize("cost-report.html") > 10_000


# --- demo ----------------------------------------------------------------------------------
def test_demo_builds_the_report_from_the_bundled_sample(tmp_path, monkeypatch):
    monkeypatch.delenv("EACHLABS_API_KEY", raising=False)  # the demo needs no key
    out = tmp_path / "reports"
    result = CliRunner().invoke(main, ["demo", "--output-dir", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    html, md = out / "cost-report.html", out / "cost-report.md"
    assert html.exists() and md.exists()
    assert f"Report:   {html.resolve()}" in result.stdout
    sample = load_sample()  # the same rows, without starting a server
    assert f"Loaded {len(sample):,} executions" in result.stdout
    end = pd.Timestamp(sample.attrs["window"]["end"])
    last = sample[sample.created_at >= end - pd.Timedelta(days=30)]
    from eachlabs_analytics._util.formats import fmt_money

    assert fmt_money(last.execution_cost.sum()) in html.read_text()
    assert f"- **Executions**: {len(last):,}" in md.read_text()


# --- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["fetch", "--start", "yesterday", "-o", "x.parquet"], ["--start", "RFC 3339"]),
        (["fetch", "--start", "2026-10-01T00:00:00", "-o", "x.parquet"], ["no time zone"]),
        (["fetch", "--last", "7 parsecs", "-o", "x.parquet"], ["--last", "7d"]),
        (["fetch", "--month", "2026-13", "-o", "x.parquet"], ["YYYY-MM"]),
        (
            ["fetch", "--month", "2026-10", "--last", "7d", "-o", "x.parquet"],
            ["cannot be combined"],
        ),
        (["fetch", "--last", "7d", "-o", "x.txt"], ["cannot tell the format"]),
        (["fetch", "--last", "7d", "--status", "done", "-o", "x.parquet"], ["allowed values"]),
        (["sync", "s", "--overlap", "soon"], ["--overlap", "30m"]),
        (["report", "--format", "pdf"], ["pdf", "html"]),
        (["report", "--store", ".", "--input", "README.md"], ["not both"]),
        (["report", "--top", "0"], ["--top"]),
        (["demo", "--days", "99"], ["--days", "99"]),
        (
            ["fetch", "--last", "7d", "--base-url", "http://example.com", "-o", "x.parquet"],
            ["loopback"],
        ),
        (["report", "--input", "README.md", "--model", ""], ["model", "empty"]),
    ],
)
def test_bad_values_exit_2_with_one_clear_line(runner, tmp_path, monkeypatch, args, needles):
    monkeypatch.chdir(tmp_path)
    open("README.md", "w").close()
    result = invoke(runner, *args)
    assert_clean_error(result, *needles)
    assert result.exit_code == 2  # docs/cli.md: 2 when the command line itself is wrong
    assert not os.path.exists("x.parquet")


def test_wrong_key_is_one_line_without_the_key(api, tmp_path, monkeypatch):
    monkeypatch.setenv("EACHLABS_API_KEY", "smk_wrong_key_456")
    monkeypatch.setenv("EACHLABS_BASE_URL", api.base_url)
    result = CliRunner().invoke(main, ["fetch", "--last", "1d", "-o", str(tmp_path / "x.parquet")])
    assert_clean_error(result, "401")
    assert "smk_wrong_key_456" not in result.output


def test_missing_key_without_a_terminal_says_how_to_set_it(api, tmp_path, monkeypatch):
    monkeypatch.delenv("EACHLABS_API_KEY", raising=False)
    monkeypatch.setenv("EACHLABS_BASE_URL", api.base_url)
    result = CliRunner().invoke(main, ["sync", str(tmp_path / "s"), "--last", "1d"])
    assert_clean_error(result, "EACHLABS_API_KEY")
    assert not (tmp_path / "s").exists()


def test_missing_key_in_a_terminal_is_prompted_hidden(api, tmp_path, monkeypatch):
    monkeypatch.delenv("EACHLABS_API_KEY", raising=False)
    monkeypatch.setenv("EACHLABS_BASE_URL", api.base_url)
    monkeypatch.setattr(cli, "_stdin_is_terminal", lambda: True)
    out = tmp_path / "x.parquet"
    result = CliRunner().invoke(
        main,
        [
            "fetch",
            "--start",
            "2026-10-29T00:00:00Z",
            "--end",
            "2026-10-30T00:00:00Z",
            "-o",
            str(out),
        ],
        input=SECRET + "\n",
    )
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output  # hidden input is not echoed
    assert len(read_parquet(out)) > 0


def test_debug_shows_the_traceback(runner):
    result = runner.invoke(main, ["fetch", "--start", "yesterday", "-o", "x.parquet", "--debug"])
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidQueryError)


def test_date_shortcuts():
    now = pd.Timestamp("2026-11-15T12:00:00Z")
    assert _dates.resolve_range(last="2w").resolve(now) == (now - pd.Timedelta(days=14), now)
    assert _dates.resolve_range(last="90m").resolve(now)[0] == now - pd.Timedelta(minutes=90)
    leap = _dates.resolve_range(month="2024-02")
    assert (leap.end - leap.start) == pd.Timedelta(days=29)  # [Feb 1, Mar 1)
    assert _dates.parse_time("2026-10-01T02:00:00+02:00", "start") == pd.Timestamp(
        "2026-10-01T00:00:00Z"
    )
    with pytest.raises(InvalidQueryError, match="must be before"):
        _dates.resolve_range(start="2026-10-02", end="2026-10-01")
    with pytest.raises(InvalidQueryError, match="longer than zero"):
        _dates.parse_duration("0d")


# --- API versions --------------------------------------------------------------------------
def test_fetch_from_a_v1_only_server_falls_back_with_one_warning_line(tmp_path, monkeypatch):
    with ea.sandbox(executions=2_000, seed=3, end="2026-10-31T00:00:00Z", api="v1",
                    api_key=SECRET) as old:  # fmt: skip
        monkeypatch.setenv("EACHLABS_API_KEY", SECRET)
        monkeypatch.setenv("EACHLABS_BASE_URL", old.base_url)
        out = tmp_path / "w.parquet"
        start, end = "2026-08-15T00:00:00Z", "2026-10-31T00:00:00Z"
        result = invoke(CliRunner(), "fetch", "--start", start, "--end", end, "-o", str(out))
        refused = invoke(CliRunner(), "fetch", "--start", start, "--end", end,
                         "--api-version", "v2", "-o", str(tmp_path / "x.parquet"))  # fmt: skip
        want = truth_between(old, start, end)
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if "answered 404" in line]
    assert len(warned) == 1 and warned[0].startswith("warning: ")
    got = read_parquet(out)
    pd.testing.assert_frame_equal(got, want, check_categorical=False)
    assert got.attrs["api"]["version"] == "v1" and len(want) > 1_000
    assert_clean_error(refused, "404", "api_version")
    assert not (tmp_path / "x.parquet").exists()


def test_sync_over_v1_then_v2_from_the_environment(runner, api, tmp_path, monkeypatch):
    store = tmp_path / "store"
    start, middle, end = "2026-10-01T00:00:00Z", "2026-10-20T00:00:00Z", "2026-10-31T00:00:00Z"
    monkeypatch.setenv("EACHLABS_API_VERSION", "v1")
    first = invoke(runner, "sync", str(store), "--start", start, "--end", middle)
    assert first.exit_code == 0, first.output
    api.request_log.clear()
    second = invoke(runner, "sync", str(store), "--end", end, "--api-version", "v2")
    assert second.exit_code == 0, second.output
    # the executions over v2 (and the workflows' names a sync keeps)
    assert {entry["path"] for entry in api.request_log} == {"/v2/executions", "/v1/workflows"}
    got = ea.ExecutionStore(store).load()
    pd.testing.assert_frame_equal(got, truth_between(api, start, end), check_categorical=False)
    bad = invoke(runner, "sync", str(store), "--api-version", "v3")
    assert bad.exit_code == 2 and "--api-version" in bad.stderr


def test_the_cli_offers_the_loader_s_api_versions():
    from eachlabs_analytics.loader.client import API_VERSIONS

    assert set(cli._API_VERSION_CHOICES) == set(API_VERSIONS)
    for command in ("fetch", "sync", "repair", "report", "check", "dashboard"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert "--api-version" in result.output, command


def test_dashboard_hands_the_api_version_to_its_kernel(monkeypatch):
    import os as _os

    seen = []
    # recorded, so the value the command sets in this process is undone after the test
    monkeypatch.setenv("EACHLABS_API_VERSION", "auto")
    monkeypatch.setattr(
        "eachlabs_analytics.notebook.dashboard.serve_dashboard",
        lambda **kw: seen.append(_os.environ.get("EACHLABS_API_VERSION")) or 0,
    )
    result = CliRunner().invoke(main, ["dashboard", "--days", "7", "--api-version", "v1"])
    assert result.exit_code == 0, result.output
    assert seen == ["v1"]  # the Voilà process inherits it; its load_executions reads it


# --- words that match behaviour --------------------------------------------------------------
def test_the_window_help_matches_what_the_commands_do(runner, api, tmp_path):
    for command in ("fetch", "report", "sync"):
        text = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())
        assert "Window start, included" in text and "Window end, excluded" in text, command
    # a row created exactly at --start is in, one created exactly at --end is out
    stamps = api.truth["created_at"].sort_values().iloc[[100, 900]].tolist()
    start, end = (stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for stamp in stamps)
    out = tmp_path / "w.parquet"
    result = invoke(runner, "fetch", "--start", start, "--end", end, "-o", str(out))
    assert result.exit_code == 0, result.output
    got = read_parquet(out)
    assert stamps[0] in set(got["created_at"]) and stamps[1] not in set(got["created_at"])
    assert len(got) == len(truth_between(api, start, end))


def test_sync_does_not_offer_status_and_report_takes_format_md(runner, api, tmp_path):
    assert "--status" not in CliRunner().invoke(main, ["sync", "--help"]).output
    assert "--status" in CliRunner().invoke(main, ["fetch", "--help"]).output
    out = tmp_path / "r.txt"
    result = invoke(runner, "report", "--month", "2026-10", "--format", "md", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("# ")  # Markdown, as --format markdown


def test_library_warnings_are_one_warning_line_each(runner, api, tmp_path):
    # a window (and the history before it) before the data starts is empty: the loader warns
    out = tmp_path / "r.md"
    result = invoke(
        runner,
        "report",
        "--start",
        "2026-06-01",
        "--end",
        "2026-06-05",
        "--allow-empty",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "check the window and" in line]
    assert lines and all(line.startswith("warning: ") for line in lines)
    assert "DataQualityWarning" not in result.stderr and ".py:" not in result.stderr
