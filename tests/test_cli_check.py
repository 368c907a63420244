"""``eachlabs-analytics check``: the monitoring-plugin statuses, sources, notifications.

Exit status 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (no data, a bad option, any error). The
webhook is a local HTTP server on 127.0.0.1 (never the network); a failing webhook is reported
and the verdict stands; a state file beside a store keeps a cron from repeating alerts.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pandas as pd
import pytest
from click.testing import CliRunner

import eachlabs_analytics as ea
from eachlabs_analytics.cli import main

END = "2026-10-20T12:00:00Z"
SECRET = "smk_check_secret_never_shown_42"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return ea.generate_executions(executions=3_000, seed=7, end=END, days=60)


@pytest.fixture(scope="module")
def month_spend(frame) -> float:
    october = frame[frame.created_at >= pd.Timestamp("2026-10-01T00:00:00Z")]
    return float(october.execution_cost.sum())


@pytest.fixture
def data(frame, tmp_path):
    return ea.to_parquet(frame, tmp_path / "executions.parquet")


def check(*args: str, env: dict | None = None):
    result = CliRunner().invoke(main, ["check", *args], env=env, prog_name="eachlabs-analytics")
    assert SECRET not in result.output and SECRET not in (result.stderr or "")
    return result


@pytest.mark.parametrize(
    ("budget_of_spend", "status", "word"),
    [(10.0, 0, "OK"), (1.1, 1, "WARNING"), (0.5, 2, "CRITICAL")],
)
def test_status_follows_the_budget(data, month_spend, budget_of_spend, status, word):
    budget = round(month_spend * budget_of_spend, 2)
    result = check("--input", str(data), "--budget", f"total={budget}")
    assert result.exit_code == status, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"EACHLABS {word}")
    spent = f"${month_spend:,.2f} spent"  # October so far, computed with pandas
    assert spent in result.stdout


def test_json_output_carries_the_numbers(data, month_spend):
    result = check("--input", str(data), "--budget", "total=100000", "--format", "json")
    assert result.exit_code == 0
    verdict = json.loads(result.stdout)
    assert (verdict["status"], verdict["code"]) == ("OK", 0)
    assert verdict["period"] == {
        "name": "month", "start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z",
        "label": "2026-10",
    }  # fmt: skip
    (row,) = verdict["budgets"]
    assert row["key"] == "total" and row["spent"] == pytest.approx(month_spend)
    assert row["used"] == pytest.approx(month_spend / 100_000)


@pytest.mark.parametrize(
    "args",
    [
        ["--budget", "total=abc"],  # not an amount
        ["--budget", "total=-5"],  # negative
        [],  # neither budgets nor anomalies
        ["--store", "{tmp}/s", "--input", "{tmp}/x.parquet", "--budget", "total=5"],
    ],
)
def test_anything_it_cannot_judge_is_unknown(data, tmp_path, args):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--store" not in args:
        args = ["--input", str(data), *args]
    result = check(*args)
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("EACHLABS UNKNOWN")


def test_a_usage_error_is_unknown_too():
    result = check("--period", "fortnight", "--budget", "total=5")
    assert result.exit_code == 3 and "fortnight" in result.stderr


def test_no_data_is_unknown(tmp_path):
    empty = ea.to_parquet(ea.generate_executions(executions=0, seed=1), tmp_path / "e.parquet")
    result = check("--input", str(empty), "--budget", "total=5")
    assert result.exit_code == 3 and result.stdout.startswith("EACHLABS UNKNOWN")


class Webhook:
    """A local webhook: records what is posted; answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                length = int(self.headers.get("Content-Length", 0))
                outer.posts.append(json.loads(self.rfile.read(length)))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


def test_a_store_check_notifies_once_and_remembers(tmp_path, webhook, month_spend, frame):
    with ea.sandbox(frame, api_key=SECRET) as api:
        store = ea.ExecutionStore(tmp_path / "store")
        store.sync(
            start="2026-08-21T12:00:00Z", end=END, base_url=api.base_url, api_key=api.api_key,
            progress=False,
        )  # fmt: skip
    args = ["--store", str(store.path), "--budget", "total=1", "--notify", webhook.url]
    env = {"EACHLABS_API_KEY": SECRET}
    first = check(*args, env=env)
    assert first.exit_code == 2, first.output
    assert len(webhook.posts) == 1 and "sent 1 new alert" in first.stderr
    payload = webhook.posts[0]
    assert "CRITICAL" in payload["text"] and SECRET not in json.dumps(payload)
    assert (store.path / "check-state.json").exists()
    again = check(*args, env=env)  # the next cron run: the same alert is not repeated
    assert again.exit_code == 2 and len(webhook.posts) == 1
    assert "no new alert" in again.stderr


def test_a_failing_webhook_is_reported_and_the_verdict_stands(data, tmp_path):
    hook = Webhook(status=500)
    try:
        result = check(
            "--input", str(data), "--budget", "total=1", "--notify", hook.url,
            "--state", str(tmp_path / "state.json"),
        )  # fmt: skip
    finally:
        hook.close()
    assert result.exit_code == 2  # CRITICAL, as without the webhook
    assert "the notification failed" in result.stderr and "500" in result.stderr
    # nothing was marked sent: the next run tries again
    assert (
        not (tmp_path / "state.json").exists()
        or "budget" not in (tmp_path / "state.json").read_text()
    )


def test_from_the_api_through_the_sandbox():
    # the API is checked as of now: data that runs up to now, this month included
    now = pd.Timestamp.now(tz="UTC").floor("s")
    live = ea.generate_executions(executions=3_000, seed=9, end=now, days=60)
    this_month = live[live.created_at >= now.floor("D").replace(day=1)]
    with ea.sandbox(live, api_key=SECRET) as api:
        env = {"EACHLABS_API_KEY": SECRET, "EACHLABS_BASE_URL": api.base_url}
        budget = round(this_month.execution_cost.sum() / 2, 2)
        result = check("--budget", f"total={budget}", "--no-progress", env=env)
    assert result.exit_code == 2, result.output
    assert result.stdout.startswith("EACHLABS CRITICAL")
    assert f"${this_month.execution_cost.sum():,.2f} spent" in result.stdout


def test_a_mistyped_budget_key_is_a_warning_with_the_close_match(data, month_spend):
    result = check("--input", str(data), "--budget", f"total={month_spend * 10:.2f}",
                   "--budget", "veo3=100")  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("EACHLABS WARNING")
    assert "did you mean 'veo-3'?" in result.stdout
