"""``check --runway-days``: the three statuses, an unknown balance, the webhook's text.

The rule is checked against the runway computed directly (``runway_from``): the early end of
its 80 % interval sets how many days are left, and WARN/CRIT are chosen around that number,
so each status is reached because of the rule, not by luck of the data. The balance comes
from ``--balance``, from the sandbox's ``GET /v1/billing/balance`` (its ground truth), or is
unknown (the sandbox's 503): never zero, never CRITICAL.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from test_cli_check import SECRET, Webhook

import eachlabs_analytics as ea
from eachlabs_analytics.cli import main
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.watch.check import run_check
from eachlabs_analytics.watch.runway import runway_from
from eachlabs_analytics.watch.runway_check import judge_runway, parse_runway_days

END = "2026-10-20T12:00:00Z"
AS_OF = pd.Timestamp(END)
BALANCE = 120.0


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return ea.generate_executions(executions=6_000, seed=21, end=END, days=70)


@pytest.fixture(scope="module")
def days_left(frame) -> int:
    """Days from today to the early end of the 80 % interval, computed directly."""
    runway = runway_from(frame, BALANCE, as_of=AS_OF)
    assert runway.lo_80 is not None and runway.lo_80 > AS_OF.floor("D")
    return int((runway.lo_80 - AS_OF.floor("D")).days)


@pytest.fixture
def data(frame, tmp_path):
    return ea.to_parquet(frame, tmp_path / "executions.parquet")


def check(*args: str, env: dict | None = None):
    env = {"EACHLABS_API_KEY": "", **(env or {})}
    result = CliRunner().invoke(main, ["check", *args], env=env, prog_name="eachlabs-analytics")
    assert SECRET not in result.output
    return result


def test_the_rule_reads_the_early_end_of_the_80_interval(frame, days_left):
    n = days_left
    cases = {(n - 1, None): "OK", (n, None): "WARNING", (n + 3, n): "CRITICAL"}
    for days, expected in cases.items():
        verdict = judge_runway(frame, days, BALANCE, AS_OF)
        assert verdict.status_name == expected, (days, verdict.reason)
    warned = judge_runway(frame, (n, None), BALANCE, AS_OF)
    assert warned.runway == runway_from(frame, BALANCE, as_of=AS_OF)  # ea.runway's figures


def test_a_balance_at_or_below_zero_is_critical_when_a_crit_is_given(frame):
    verdict = judge_runway(frame, (7, 0), 0.0, AS_OF)
    assert verdict.status_name == "CRITICAL" and verdict.reason.startswith("already out")
    assert judge_runway(frame, (7, None), -3.0, AS_OF).status_name == "WARNING"


@pytest.mark.parametrize(
    ("offset", "crit", "code", "word"),
    [(-1, None, 0, "OK"), (0, None, 1, "WARNING"), (2, 0, 2, "CRITICAL")],
)
def test_exit_codes_of_the_three_cases(data, days_left, offset, crit, code, word):
    days = f"{days_left + offset}" + ("" if crit is None else f",{days_left + crit}")
    result = check("--input", str(data), "--runway-days", days, "--balance", str(BALANCE))
    assert result.exit_code == code, result.output
    assert result.stdout.startswith(f"EACHLABS {word}")
    line = next(x for x in result.stdout.splitlines() if x.startswith("runway: "))
    assert line.startswith(f"runway: {word} - ")


def test_the_webhook_carries_the_date_and_the_interval(data, days_left, tmp_path):
    hook = Webhook()
    try:
        result = check(
            "--input", str(data), "--runway-days", str(days_left), "--balance", str(BALANCE),
            "--notify", hook.url, "--state", str(tmp_path / "state.json"),
        )  # fmt: skip
    finally:
        hook.close()
    assert result.exit_code == 1, result.output
    runway = runway_from(ea.read_parquet(data), BALANCE, as_of=AS_OF)
    (payload,) = hook.posts
    (alert,) = [a for a in payload["eachlabs"]["alerts"] if a["key"].startswith("runway:")]
    assert alert["key"] == "runway:warning:2026-10-20" and alert["level"] == "warning"
    day = lambda t: t.strftime("%Y-%m-%d")  # noqa: E731
    assert f"runs out on {day(runway.date)}" in alert["text"]
    assert f"80%: {day(runway.lo_80)} to {day(runway.hi_80)}" in alert["text"]
    assert f"95%: {day(runway.lo_95)} to {day(runway.hi_95)}" in alert["text"]


def test_a_503_balance_is_unknown_never_zero_and_the_budgets_are_still_judged(frame):
    october = frame[frame.created_at >= pd.Timestamp("2026-10-01T00:00:00Z")]
    budget = round(float(october.execution_cost.sum()) * 2, 2)  # far from any threshold
    with ea.sandbox(frame, api_key=SECRET, now=END) as api:
        api.faults.balance_unavailable = True
        env = {"EACHLABS_API_KEY": SECRET, "EACHLABS_BASE_URL": api.base_url}
        alone = check("--runway-days", "300", "--history", "70d", "--no-progress", env=env)
        with_budget = check(
            "--runway-days", "300", "--budget", f"total={budget / 4:.2f}", "--history", "70d",
            "--no-progress", "--format", "json", env=env,
        )  # fmt: skip
    assert alone.exit_code == 3, alone.output  # UNKNOWN: not OK, and never CRITICAL
    assert "balance is unknown" in alone.stdout and "unknown, not zero" in alone.stdout
    out = json.loads(with_budget.stdout)
    assert with_budget.exit_code == 2 and out["status"] == "CRITICAL"  # the budget's verdict
    assert out["runway"]["status"] == "UNKNOWN" and out["runway"]["runway"] is None
    assert [a["key"].split(":")[0] for a in out["alerts"]] == ["budget"]


def test_the_balance_is_read_from_the_sandbox(frame):
    with ea.sandbox(frame, api_key=SECRET, now=END, balance_usd=BALANCE) as api:
        env = {"EACHLABS_API_KEY": SECRET, "EACHLABS_BASE_URL": api.base_url}
        result = check(
            "--runway-days", "300", "--history", "70d", "--no-progress", "--format", "json",
            env=env,
        )  # fmt: skip
        truth = api.balance_usd
    out = json.loads(result.stdout)
    assert out["runway"]["runway"]["balance_usd"] == truth == BALANCE
    assert result.exit_code == 1 and out["runway"]["status"] == "WARNING"


def test_without_a_key_or_a_balance_a_store_check_says_how_to_give_one(data):
    result = check("--input", str(data), "--runway-days", "7")
    assert result.exit_code == 3
    assert "give --balance USD, or an API key" in result.stdout


@pytest.mark.parametrize("text", ["", "x", "7,", "3,7", "-1", "7,3,1", "366", "٣"])
def test_bad_runway_days_are_refused_with_what_is_allowed(text, data):
    with pytest.raises(InvalidQueryError, match="WARN or WARN,CRIT in whole days"):
        parse_runway_days(text)
    result = check("--input", str(data), "--runway-days", text, "--balance", "5")
    assert result.exit_code == 3 and "WARN or WARN,CRIT" in result.stdout


def test_run_check_with_only_a_runway_is_something_to_check(frame):
    result = run_check(frame, {}, runway_days="300", balance=BALANCE, as_of=AS_OF)
    assert result.status_name == "WARNING" and result.runway is not None
    assert result.as_json()["runway"]["warn_days"] == 300


def test_a_workflow_budget_reads_by_name_and_keeps_its_id_in_the_key(tmp_path):
    sample = ea.load_sample()
    store = tmp_path / "store"
    with ea.Sandbox(data="sample") as api:
        names = ea.workflow_names(api_key=api.api_key, base_url=api.base_url)
        ea.ExecutionStore(store).sync(
            start="2026-10-01T00:00:00Z", end="2026-10-31T00:00:00Z", base_url=api.base_url,
            api_key=api.api_key, progress=False,
        )  # fmt: skip
    wf = "wf_5fbd02323f"
    october = sample[(sample.created_at >= "2026-10-01") & (sample.workflow_id == wf)]
    budget = round(float(october.execution_cost.sum()) / 2, 2)  # spent twice over: CRITICAL
    result = check("--store", str(store), "--budget", f"workflow:{wf}={budget}",
                   "--format", "json")  # fmt: skip
    out = json.loads(result.stdout)
    assert result.exit_code == 2, result.output
    label = f"workflow:{names[wf]} ({wf})"
    assert out["summary"].startswith(f"EACHLABS CRITICAL - {label} ")
    (alert,) = out["alerts"]
    assert alert["key"].startswith(f"budget:workflow:{wf}:") and label in alert["text"]
    plain = run_check(ea.load_sample(), {f"workflow:{wf}": budget})
    assert names[wf] not in plain.text()  # without names: the id alone
