"""Every command fails the way ``docs/cli.md`` says: one ``Error:`` line on stderr, nothing on
stdout, exit status 1 for a failure and 2 for a command line that cannot be understood."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from eachlabs_analytics.cli import main

FAILURES = {
    "sandbox": (["--api-key", "has space"], "whitespace"),
    "fetch": (["--last", "7d", "-o", "{tmp}/x.parquet"], "no API key"),
    "sync": (["{tmp}/a-file"], "a-file"),
    "report": (["--input", "{tmp}/no-such.parquet"], "no-such.parquet"),
    "demo": (["--output-dir", "{tmp}/a-file"], "a-file"),
    "dashboard": (["--data", "{tmp}/no-such.parquet"], "no-such.parquet"),
    "repair": (["{tmp}/no-such-store"], "no-such-store"),
    "prices": (["--store", "{tmp}/no-such-store"], "no-such-store"),
}
USAGE = {
    "sandbox": ["--port", "-5"],
    "fetch": ["--last", "7d"],  # -o is required
    "sync": [],  # STORE is required
    "report": ["--format", "pdf"],
    "demo": ["--days", "0"],
    "dashboard": ["--port", "0"],
    "repair": ["--no-such-option"],
    "prices": ["--format", "pdf"],
}


def test_every_command_is_covered():
    # `check` follows the monitoring-plugin convention instead (every error is UNKNOWN, 3):
    # tests/test_cli_check.py covers it
    assert set(FAILURES) == set(USAGE) == set(main.commands) - {"check"}


def run(args: list[str], tmp_path, monkeypatch):
    monkeypatch.delenv("EACHLABS_API_KEY", raising=False)
    (tmp_path / "a-file").write_text("not a directory")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    return CliRunner().invoke(main, args, prog_name="eachlabs-analytics")


def assert_one_error_line(result, status: int, needle: str = "") -> None:
    assert result.exit_code == status, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Usage:" not in result.stderr and "Traceback" not in result.stderr
    assert needle in lines[0]


@pytest.mark.parametrize("command", sorted(FAILURES))
def test_a_failure_is_one_error_line_and_status_1(command, tmp_path, monkeypatch):
    args, needle = FAILURES[command]
    assert_one_error_line(run([command, *args], tmp_path, monkeypatch), 1, needle)


@pytest.mark.parametrize("command", sorted(USAGE))
def test_a_usage_error_is_one_error_line_and_status_2(command, tmp_path, monkeypatch):
    result = run([command, *USAGE[command]], tmp_path, monkeypatch)
    assert_one_error_line(result, 2, f"eachlabs-analytics {command} --help")


def test_an_unknown_command_is_a_usage_error(tmp_path, monkeypatch):
    assert_one_error_line(run(["nope"], tmp_path, monkeypatch), 2, "nope")


def test_report_creates_the_folders_of_its_output_like_demo(tmp_path, monkeypatch):
    from eachlabs_analytics.local_api import load_sample
    from eachlabs_analytics.store import to_parquet

    data = to_parquet(load_sample().head(500), tmp_path / "sample.parquet")
    target = tmp_path / "new" / "deeper" / "out.md"
    result = run(["report", "--input", str(data), "-o", str(target)], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(target)
    assert target.read_text().startswith("# ")  # Markdown, from the suffix


@pytest.mark.parametrize("command", ["fetch", "report"])
def test_an_output_folder_that_cannot_be_made_fails_before_any_work(command, tmp_path, monkeypatch):
    # a closed port: had a request gone out, the error would be about the connection
    monkeypatch.setenv("EACHLABS_API_KEY", "smk_test_0123456789abcdef")
    args = [command, "--last", "7d", "--base-url", "http://127.0.0.1:9",
            "-o", "{tmp}/a-file/out." + ("csv" if command == "fetch" else "md")]  # fmt: skip
    (tmp_path / "a-file").write_text("not a directory")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(main, args, prog_name="eachlabs-analytics")
    assert_one_error_line(result, 1, "cannot create the folder")
    assert "a-file" in result.stderr and "connect" not in result.stderr.lower()


def test_dashboard_refuses_a_file_that_is_not_parquet_before_starting_voila(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(
        "eachlabs_analytics.notebook.dashboard.serve_dashboard", lambda **kw: started.append(kw)
    )
    data = tmp_path / "executions.csv"
    data.write_text("id,model\nexec_1,veo-3\n")
    result = run(["dashboard", "--data", str(data)], tmp_path, monkeypatch)
    assert_one_error_line(result, 1, "executions.csv is not a readable Parquet file")
    assert "fetch -o FILE.parquet" in result.stderr and started == []


def documented_exit_codes() -> dict[int, tuple[str, str]]:
    from pathlib import Path

    page = (Path(__file__).parents[1] / "docs" / "cli.md").read_text()
    table = page.split("<!-- exit-codes -->")[1].split("<!-- /exit-codes -->")[0]
    rows = [line.split("|")[1:-1] for line in table.strip().splitlines()[2:]]
    return {int(code): (other.strip(), checking.strip()) for code, other, checking in rows}


def test_every_documented_exit_code_is_what_the_commands_do(tmp_path, monkeypatch):
    from eachlabs_analytics.local_api import load_sample
    from eachlabs_analytics.store import to_parquet

    codes = documented_exit_codes()
    assert set(codes) == {0, 1, 2, 3, 130}
    data = to_parquet(load_sample().head(2_000), tmp_path / "sample.parquet")
    out = str(tmp_path / "r.md")
    seen = {
        0: run(["report", "--input", str(data), "-o", out], tmp_path, monkeypatch),
        1: run(["report", "--input", str(tmp_path / "gone.parquet")], tmp_path, monkeypatch),
        2: run(["report", "--no-such-option"], tmp_path, monkeypatch),
        3: run(
            ["report", "--input", str(data), "--model", "veo3", "-o", out], tmp_path, monkeypatch
        ),  # fmt: skip
    }
    for code, result in seen.items():
        assert result.exit_code == code, (code, result.output)
    assert "did you mean veo-3" in seen[3].stderr  # "with close matches for a mistyped model"
    assert codes[3][1].startswith("UNKNOWN") and codes[1][1] == "WARNING"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("eachlabs_analytics.report.cost_report", interrupted)
    assert run(["report", "--input", str(data), "-o", out], tmp_path, monkeypatch).exit_code == 130
