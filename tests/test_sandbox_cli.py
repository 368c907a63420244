"""``eachlabs-analytics sandbox``: help, refusal of non-loopback hosts, and a real run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import requests
from click.testing import CliRunner

from eachlabs_analytics.cli import main
from eachlabs_analytics.local_api import DEFAULT_API_KEY


def test_help_lists_the_options():
    runner = CliRunner()
    assert runner.invoke(main, ["--help"]).exit_code == 0
    result = runner.invoke(main, ["sandbox", "--help"])
    assert result.exit_code == 0
    for option in (
        "--port",
        "--host",
        "--executions",
        "--seed",
        "--sample",
        "--api-key",
        "--latency",
        "--total-cap",
    ):
        assert option in result.output


def test_non_loopback_hosts_are_refused():
    for host in ("0.0.0.0", "192.168.1.10", "example.com"):
        result = CliRunner().invoke(main, ["sandbox", "--host", host, "--port", "0"])
        assert result.exit_code == 2
        assert "loopback" in result.output


class _RunningSandbox:
    """``python -m eachlabs_analytics sandbox ...`` started, read until it is ready, then
    stopped with Ctrl-C (SIGINT) on exit; ``lines`` is what it printed before it was ready."""

    def __init__(self, *args: str) -> None:
        command = [sys.executable, "-m", "eachlabs_analytics", "sandbox", "--port", "0", *args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self.lines: list[str] = []
        self.out = self.err = ""

    def __enter__(self) -> _RunningSandbox:
        while not any("Ctrl-C" in line for line in self.lines):
            line = self.proc.stdout.readline()
            if not line:
                self.__exit__()
                raise AssertionError(f"sandbox exited early: {self.err}")
            self.lines.append(line)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self.out, self.err = self.proc.communicate(timeout=20)


def test_serves_until_interrupted():
    with _RunningSandbox("--executions", "300", "--seed", "4", "--total-cap", "50") as run:
        base_url = next(line.split()[-1] for line in run.lines if "base URL" in line)
        assert any(DEFAULT_API_KEY in line for line in run.lines)  # the public demo key
        response = requests.get(
            base_url + "/v1/executions",
            headers={"X-API-Key": DEFAULT_API_KEY},
            params={"limit": 100, "offset": 200},
            timeout=10,
        )
        assert response.status_code == 200
        body = response.json()
        assert len(body["executions"]) == 100 and body["total_count"] == 300
    assert run.proc.returncode == 0, run.err
    assert "stopping" in run.out


def test_a_custom_key_is_not_printed():
    with _RunningSandbox("--executions", "10", "--api-key", "smk_private_123") as run:
        pass
    assert "smk_private_123" not in "".join(run.lines) + run.out + run.err


def test_the_banner_command_works_as_printed_and_the_modes_are_served():
    with _RunningSandbox("--executions", "300", "--seed", "4", "--api", "v2") as run:
        line = next(line for line in run.lines if "curl" in line)
        header = line.split("-H '")[1].split("'")[0]
        url = line.rsplit("'", 2)[-2]
        assert "/v2/executions" in url and "<key>" not in header
        name, _, value = header.partition(": ")
        answer = requests.get(url, headers={name: value}, timeout=10)
        assert answer.status_code == 200 and len(answer.json()["executions"]) == 2
        base_url = url.split("/v2/")[0]
        gone = requests.get(base_url + "/v1/executions", headers={name: value}, timeout=10)
        assert gone.status_code == 404


def test_v1_row_limit_and_retention_options():
    args = ("--executions", "3000", "--seed", "4", "--api", "v1", "--v1-row-limit", "none",
            "--retention-days", "30", "--days", "90", "--total-cap", "100000")  # fmt: skip
    with _RunningSandbox(*args) as run:
        base_url = next(line.split()[-1] for line in run.lines if "base URL" in line)
        auth = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
        deep = requests.get(
            base_url + "/v1/executions",
            headers=auth,
            params={"limit": 100, "offset": 900, "from": "2000-01-01T00:00:00Z"},
            timeout=10,
        ).json()
        assert 700 < deep["total_count"] < 1300  # 30 of 90 days listed: about a third of 3,000
        with_offset = requests.get(
            base_url + "/v1/executions",
            headers=auth,
            params={"limit": 100, "offset": 1000, "from": "2000-01-01T00:00:00Z"},
            timeout=10,
        )
        assert with_offset.status_code == 200  # no row limit: offset 1,000 is not refused
    bad = CliRunner().invoke(main, ["sandbox", "--v1-row-limit", "lots"])
    assert bad.exit_code == 2 and "--v1-row-limit" in bad.output
