"""``eachlabs-analytics sandbox``: help, refusal of non-loopback hosts, and a real run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import requests
from click.testing import CliRunner

from eachlabs_analytics.cli import main
from eachlabs_analytics.sandbox import DEFAULT_API_KEY


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


def test_serves_until_interrupted():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "eachlabs_analytics",
        "sandbox",
        "--port",
        "0",
        "--executions",
        "300",
        "--seed",
        "4",
        "--total-cap",
        "50",
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        lines = []
        while not any("Ctrl-C" in line for line in lines):
            line = proc.stdout.readline()
            assert line, f"sandbox exited early: {proc.stderr.read()}"
            lines.append(line)
        base_url = next(line.split()[-1] for line in lines if "base URL" in line)
        assert any(DEFAULT_API_KEY in line for line in lines)  # the public demo key
        response = requests.get(
            base_url + "/v1/executions",
            headers={"X-API-Key": DEFAULT_API_KEY},
            params={"limit": 100, "offset": 200},
            timeout=10,
        )
        assert response.status_code == 200
        body = response.json()
        assert len(body["executions"]) == 100 and body["total_count"] == 300
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "stopping" in out


def test_a_custom_key_is_not_printed():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "eachlabs_analytics",
        "sandbox",
        "--port",
        "0",
        "--executions",
        "10",
        "--api-key",
        "smk_private_123",
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        lines = []
        while not any("Ctrl-C" in line for line in lines):
            line = proc.stdout.readline()
            assert line, f"sandbox exited early: {proc.stderr.read()}"
            lines.append(line)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert "smk_private_123" not in "".join(lines) + out + err
