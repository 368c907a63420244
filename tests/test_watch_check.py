"""The cron-able check: budgets parsed from text, exit statuses for every case (equal to what
plain pandas says about the spend), recent anomalies only, the Nagios-style text, JSON that
round-trips, a webhook on a local server (never the network) that fails cleanly and never
leaks a secret, and a state file that sends each alert once per period."""

from __future__ import annotations

import http.server
import json
import math
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

import eachlabs_analytics as ea
from eachlabs_analytics.app.alerts import AlertState, NotificationError, notify
from eachlabs_analytics.exceptions import EachlabsError, InvalidQueryError, StoreError
from eachlabs_analytics.local_api.incidents import Incident, inject_incidents
from eachlabs_analytics.watch import check_budgets, detect_anomalies
from eachlabs_analytics.watch.check import (
    CRITICAL,
    OK,
    RECENT_DAYS,
    UNKNOWN,
    WARNING,
    Alert,
    CheckResult,
    parse_budgets,
    run_check,
)

UTC = "UTC"
LATE = "2026-10-31T12:00:00Z"  # 30.5 days of October: little left to project
EARLY = "2026-10-08T12:00:00Z"  # 7.5 days of October: most of the month projected


def _spent(df: pd.DataFrame, as_of: str, key: str = "total", start: str = "2026-10-01") -> float:
    """USD spent from ``start`` (UTC) to ``as_of``, by plain pandas."""
    rows = df.loc[
        (df["created_at"] >= pd.Timestamp(start, tz=UTC)) & (df["created_at"] < pd.Timestamp(as_of))
    ]
    if key.startswith("workflow:"):
        rows = rows.loc[rows["workflow_id"] == key.removeprefix("workflow:")]
    elif key != "total":
        rows = rows.loc[rows["model"] == key]
    return float(rows["execution_cost"].fillna(0.0).sum())


def _pct(share: float) -> str:
    return f"{math.floor(round(share * 100, 6))}%"


@pytest.fixture(scope="module")
def late() -> pd.DataFrame:
    return ea.generate_executions(executions=6_000, seed=7, end=LATE, days=90)


@pytest.fixture(scope="module")
def early() -> pd.DataFrame:
    return ea.generate_executions(executions=6_000, seed=7, end=EARLY, days=90)


@pytest.fixture(scope="module")
def spiked() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spend spikes of veo-3 on October 20 and 30; judged as of October 31, 06:00."""
    df = ea.generate_executions(executions=12_000, seed=7, end="2026-10-31T06:00:00Z", days=90)
    return inject_incidents(
        df,
        [
            Incident("spend_spike", "2026-10-30", group="veo-3"),
            Incident("spend_spike", "2026-10-20", group="veo-3"),
        ],
    )


# ------------------------------------------------------------------------- parse_budgets


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["total=500"], {"total": 500.0}),
        (["veo-3=200", "workflow:wf_123=50"], {"veo-3": 200.0, "workflow:wf_123": 50.0}),
        ([" total = 99.90 "], {"total": 99.9}),
        (["total=$1,500"], {"total": 1500.0}),
        (["total=1,234,567.25"], {"total": 1234567.25}),
        (["total=$ 12"], {"total": 12.0}),
        (["total=.5"], {"total": 0.5}),
        (["Veo-3=10"], {"Veo-3": 10.0}),  # kept as written: slugs are case-sensitive
        ([], {}),
    ],
)
def test_parse_budgets_reads_command_line_budgets(values, expected):
    assert parse_budgets(values) == expected


def test_parse_budgets_keeps_the_order_given():
    assert list(parse_budgets(["veo-3=1", "total=2", "flux-2-pro=3"])) == [
        "veo-3",
        "total",
        "flux-2-pro",
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["total"], "has no '='"),
        (["total500"], "has no '='"),
        (["=500"], "no usable key"),
        (["  =500"], "no usable key"),
        (["workflow:=5"], "no usable key"),
        (["veo 3=5"], "no usable key"),
        (["total="], "'' is not an amount"),
        (["total=abc"], "'abc' is not an amount"),
        (["total=1,5"], "'1,5' is not an amount"),  # a decimal comma is ambiguous: refused
        (["total=1,50.00"], "is not an amount"),
        (["total=1e3"], "is not an amount"),
        (["total=inf"], "is not an amount"),
        (["total=nan"], "is not an amount"),
        (["total=500 USD"], "is not an amount"),
        (["total=" + "9" * 400], "is not an amount"),
        (["total=-5"], "must be a positive amount of USD, not -5"),
        (["total=-$5"], "must be a positive amount"),
        (["total=0"], "must be a positive amount of USD, not 0"),
        (["total=$0.00"], "must be a positive amount"),
        (["total=500", "total=600"], "'total' is given twice"),
        (["total=500", " total =5"], "'total' is given twice"),
        ([500], "is not text"),
        ("total=500", "not one string"),
    ],
)
def test_parse_budgets_refuses_bad_input_saying_what_is_allowed(values, message):
    with pytest.raises(InvalidQueryError, match=re.escape(message)) as caught:
        parse_budgets(values)
    if isinstance(values, list) and message not in ("'total' is given twice",):
        text = str(caught.value)
        assert "KEY=AMOUNT" in text or "positive amount" in text or "given twice" in text


# ------------------------------------------------------------------------- statuses


def test_ok_when_every_budget_is_far_from_its_thresholds(late):
    spent = _spent(late, LATE)
    budget = round(spent * 5, 2)  # 20 % used on the 31st: the rest cannot reach 100 %
    result = run_check(late, {"total": budget})
    assert result.status == OK and result.status_name == "OK"
    assert result.alerts == [] and result.anomalies is None
    row = result.budgets.loc["total"]
    assert row["spent"] == pytest.approx(spent, rel=1e-12)
    assert row["status"] == "ok" and row["projected_used"] < 1
    pd.testing.assert_frame_equal(result.budgets, check_budgets(late, {"total": budget}))
    first = result.text().splitlines()[0]
    assert first == (
        f"EACHLABS OK - total {_pct(spent / budget)} of ${budget:,.2f} used, projected "
        f"${row['projected']:,.2f} ({_pct(row['projected_used'])}) by 2026-10-31"
    )
    assert result.window == late.attrs["window"]
    assert result.as_of == pd.Timestamp(LATE)


def test_warning_by_threshold_names_the_threshold_crossed(late):
    spent = _spent(late, LATE)
    budget = round(spent / 0.85, 2)  # 85 % used; half a day left: projected under 100 %
    result = run_check(late, {"total": budget})
    row = result.budgets.loc["total"]
    assert row["used"] == pytest.approx(spent / budget, rel=1e-12)
    assert row["projected_used"] < 1.0, "the projection alone must not warn here"
    assert result.status == WARNING
    assert [(a.key, a.level) for a in result.alerts] == [("budget:total:0.8:2026-10", "warning")]
    assert result.text().splitlines()[0] == (
        f"EACHLABS WARNING - total {_pct(spent / budget)} of ${budget:,.2f} used, projected "
        f"${row['projected']:,.2f} ({_pct(row['projected_used'])}) by 2026-10-31"
    )
    assert "crossed 80%" in result.text().splitlines()[1]


def test_warning_by_projection_when_no_threshold_is_crossed_yet(early):
    spent = _spent(early, EARLY)
    budget = round(spent / 0.4, 2)  # 40 % used after a quarter of the month
    result = run_check(early, {"total": budget})
    row = result.budgets.loc["total"]
    assert row["used"] == pytest.approx(0.4, abs=1e-4) and math.isnan(row["crossed"])
    # plain pandas: the last 28 whole days spend about this much a day; 23.5 days remain
    days = early.loc[early["created_at"] < pd.Timestamp("2026-10-08", tz=UTC)]
    days = days.loc[days["created_at"] >= pd.Timestamp("2026-09-10", tz=UTC)]
    rough = spent + days["execution_cost"].sum() / 28 * 23.5
    assert row["projected"] == pytest.approx(rough, rel=0.35)
    assert row["projected_used"] >= 1.0
    assert result.status == WARNING
    assert [(a.key, a.level) for a in result.alerts] == [
        ("budget:total:projected:2026-10", "warning")
    ]
    assert "runs out around 2026-10-" in result.text()


def test_critical_when_a_budget_is_spent_and_the_day_it_was_reached(late):
    spent = _spent(late, LATE, "veo-3")
    budget = round(spent / 1.3, 2)
    total = round(_spent(late, LATE) * 10, 2)
    result = run_check(late, {"total": total, "veo-3": budget})
    assert result.status == CRITICAL
    assert [(a.key, a.level) for a in result.alerts] == [("budget:veo-3:1:2026-10", "critical")]
    # the day veo-3's running total for October first reached the budget, by pandas
    rows = late.loc[(late["model"] == "veo-3") & (late["created_at"] >= "2026-10-01")]
    daily = rows.groupby(rows["created_at"].dt.floor("D"))["execution_cost"].sum().sort_index()
    reached = daily.index[int(np.argmax(daily.cumsum().to_numpy() >= budget))]
    row = result.budgets.loc["veo-3"]
    assert row["projected_exhaustion"] == reached
    text = result.text().splitlines()
    assert text[0].startswith(f"EACHLABS CRITICAL - veo-3 {_pct(spent / budget)} of ${budget:,.2f}")
    assert f"budget veo-3: CRITICAL - {_pct(spent / budget)}" in text[2]
    assert f"budget reached on {reached:%Y-%m-%d}" in text[2]
    assert text[1].startswith("budget total: OK - ")


def test_the_worst_budget_leads_and_the_others_are_counted(late):
    workflow = late["workflow_id"].dropna().value_counts().index[0]
    key = f"workflow:{workflow}"
    budgets = {
        "total": round(_spent(late, LATE) * 10, 2),  # ok
        key: round(_spent(late, LATE, key) / 0.6, 2),  # warning (50 % crossed)
        "veo-3": round(_spent(late, LATE, "veo-3") / 2, 2),  # critical
    }
    result = run_check(late, budgets)
    assert result.budgets["status"].tolist() == ["ok", "warning", "critical"]
    assert result.status == CRITICAL
    first = result.text().splitlines()[0]
    assert first.startswith("EACHLABS CRITICAL - veo-3 200% of ")
    assert first.endswith("; 1 more budget alerting")
    assert [a.key for a in result.alerts] == [f"budget:{key}:0.5:2026-10", "budget:veo-3:1:2026-10"]


def test_a_recent_anomaly_alone_is_a_warning(spiked):
    frame, _ = spiked
    result = run_check(frame, {}, anomalies=True)
    assert result.status == WARNING
    assert result.budgets.empty and result.anomalies is not None
    # only October 30 counts: the 29th and 30th are the last two complete days
    assert {str(p.date()) for p in result.anomalies["period"]} == {"2026-10-30"}
    keys = [a.key for a in result.alerts]
    assert "anomaly:spend:veo-3:2026-10-30" in keys
    assert all(a.level == "warning" for a in result.alerts)
    assert (
        result.text()
        .splitlines()[0]
        .startswith(f"EACHLABS WARNING - {len(result.anomalies)} anomal")
    )
    # the one of October 20 is there, but too old to matter to a cron check
    found = detect_anomalies(frame, metric="spend", by="model")
    flagged = {(str(p.date()), g) for p, g in zip(found["period"], found["group"], strict=True)}
    assert {("2026-10-20", "veo-3"), ("2026-10-30", "veo-3")} <= flagged
    assert result.anomalies.attrs["older"] >= 1


def test_anomalies_are_added_to_the_budget_line(spiked):
    frame, _ = spiked
    spent = _spent(frame, "2026-10-31T06:00:00Z")
    budget = round(spent * 5, 2)
    result = run_check(frame, {"total": budget}, anomalies=True)
    count = len(result.anomalies)
    assert count >= 1 and result.status == WARNING  # the budget is OK, the anomaly is not
    first = result.text().splitlines()[0]
    pattern = (
        rf"EACHLABS WARNING - total {_pct(spent / budget)} of \${budget:,.2f} used, projected "
        rf"\$[0-9,]+\.[0-9]{{2}} \([0-9]+%\) by 2026-10-31; {count} "
        + ("anomaly" if count == 1 else "anomalies")
    )
    assert re.fullmatch(pattern, first), first
    assert sum(line.startswith("anomaly spend ") for line in result.text().splitlines()) == count


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        ("2026-10-20T23:00:00Z", OK),  # the 20th is still in progress: not judged yet
        ("2026-10-21T00:00:00Z", WARNING),  # the 20th is over: the last complete day
        ("2026-10-22T23:59:00Z", WARNING),  # the second-to-last complete day
        ("2026-10-23T00:00:00Z", OK),  # three days ago: too old for a cron check
    ],
)
def test_only_the_last_two_complete_days_count(spiked, as_of, status):
    assert RECENT_DAYS == 2
    frame, _ = spiked
    result = run_check(frame, {}, anomalies=True, as_of=as_of)
    assert result.status == status, result.text()
    periods = {str(p.date()) for p in result.anomalies["period"]}
    assert periods == ({"2026-10-20"} if status == WARNING else set())
    assert result.as_of == pd.Timestamp(as_of)


def test_clean_data_has_no_anomalies(late):
    result = run_check(late, {}, anomalies=True)
    assert result.status == OK
    assert result.text().splitlines()[0] == "EACHLABS OK - no anomalies"


def test_unknown_when_there_is_no_data(late):
    empty = late.iloc[:0]
    assert empty.attrs["window"] == late.attrs["window"]
    result = run_check(empty, {"total": 100.0}, anomalies=True)
    assert result.status == UNKNOWN
    assert result.text().splitlines()[0] == (
        f"EACHLABS UNKNOWN - no executions in the data before {LATE} (window "
        f"{late.attrs['window']['start']} to {LATE}): nothing to judge"
    )
    assert result.as_json()["code"] == 3 and result.alerts == []
    bare = late.iloc[:0].copy()
    bare.attrs = {}
    result = run_check(bare, {"total": 100.0})
    assert result.status == UNKNOWN and result.as_of is None
    assert "no executions and no window" in result.text()
    # a window after every row: nothing in it
    before = late.loc[late["created_at"] < pd.Timestamp("2026-10-01", tz=UTC)].copy()
    before.attrs = {"window": {"start": "2026-10-01T00:00:00Z", "end": "2026-10-05T00:00:00Z"}}
    assert run_check(before, {"total": 100.0}, as_of="2026-10-01T00:00:00Z").status == UNKNOWN


def test_unknown_when_the_data_starts_after_the_period_unless_already_over():
    df = ea.generate_executions(executions=2_000, seed=3, end="2026-10-20T12:00:00Z", days=10)
    spent = _spent(df, "2026-10-20T12:00:00Z")
    assert spent > 0
    result = run_check(df, {"total": spent * 10})
    assert result.status == UNKNOWN
    first = result.text().splitlines()[0]
    assert "the data starts at 2026-10-10T12:00:00Z, after the month's start 2026-10-01" in first
    over = run_check(df, {"total": spent / 2})  # over budget even with the start missing
    assert over.status == CRITICAL
    assert any("the data starts at" in line for line in over.text().splitlines()[1:])


def test_unknown_when_anomalies_cannot_be_judged_but_critical_outranks_it():
    df = ea.generate_executions(executions=2_000, seed=3, end="2026-10-31T12:00:00Z", days=20)
    result = run_check(df, {}, anomalies=True)
    assert result.status == UNKNOWN
    assert "anomalies could not be judged for 2026-10-29 and 2026-10-30" in result.text()
    spent = _spent(df, "2026-10-31T12:00:00Z", start="2026-10-12")
    over = run_check(df, {"total": spent / 2}, anomalies=True)
    assert over.status == CRITICAL
    assert "; anomalies not judged" in over.text().splitlines()[0]


def test_a_budget_key_never_seen_is_noted_and_a_near_miss_is_a_warning(late):
    unseen = run_check(late, {"total": _spent(late, LATE) * 10, "my-new-model": 5.0})
    assert unseen.status == OK
    assert "note: budget 'my-new-model': no executions of this model in the data" in (
        unseen.text().splitlines()
    )
    typo = run_check(late, {"total": _spent(late, LATE) * 10, "veo3": 5.0})
    assert typo.status == WARNING  # judged against nothing, as --model's hint says
    assert "note: budget 'veo3': no executions of this model in the data; did you mean " in (
        typo.text()
    )
    assert "'veo-3'" in typo.text()
    workflow = late["workflow_id"].dropna().iloc[0]
    near = run_check(late, {f"workflow:{workflow[:-1]}X": 5.0})
    assert near.status == WARNING and f"'workflow:{workflow}'" in near.text()


@pytest.mark.parametrize(
    ("budgets", "kwargs", "message"),
    [
        ({}, {}, "nothing to check"),
        ({"total": -1}, {}, "positive amount"),
        ({"total": 1}, {"period": "year"}, "use one of day, week, month"),
        ({"total": 1}, {"thresholds": ()}, "non-empty sequence"),
        ({}, {"anomalies": True, "anomaly_metrics": ["cost"]}, "anomaly_metrics"),
        ({}, {"anomalies": True, "anomaly_by": "model"}, "anomaly_by"),
        ({}, {"anomalies": True, "sensitivity": "paranoid"}, "sensitivity"),
        ({"total": 1}, {"as_of": "2027-01-01T00:00:00Z"}, "after the data's window end"),
    ],
)
def test_usage_errors_are_refused(late, budgets, kwargs, message):
    with pytest.raises(InvalidQueryError, match=message):
        run_check(late, budgets, **kwargs)


def test_week_and_day_periods_key_their_alerts(late):
    for period, label, start in (("week", "2026-W44", "2026-10-26"), ("day", "2026-10-31", None)):
        spent = _spent(late, LATE, start=start or "2026-10-31")
        result = run_check(late, {"total": round(spent / 3, 2)}, period=period)
        assert result.status == CRITICAL
        assert [a.key for a in result.alerts] == [f"budget:total:1:{label}"]
        assert result.budgets.loc["total", "spent"] == pytest.approx(spent, rel=1e-12)


# ------------------------------------------------------------------------- JSON


def _only_json_types(value: Any) -> bool:
    if isinstance(value, dict):
        return all(type(k) is str and _only_json_types(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_only_json_types(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


def test_as_json_round_trips_with_plain_values(spiked):
    frame, _ = spiked
    spent = _spent(frame, "2026-10-31T06:00:00Z")
    result = run_check(frame, {"total": round(spent / 1.2, 2), "veo-3": 1e6}, anomalies=True)
    out = result.as_json()
    assert _only_json_types(out)
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert out["status"] == "CRITICAL" and out["code"] == 2
    assert out["summary"] == result.text().splitlines()[0]
    assert [b["key"] for b in out["budgets"]] == ["total", "veo-3"]
    total, veo = out["budgets"]
    assert total["crossed"] == 1.0 and veo["crossed"] is None  # NaN -> None
    assert re.fullmatch(r"2026-10-\d\dT00:00:00Z", total["projected_exhaustion"])
    assert veo["projected_exhaustion"] is None
    assert total["spent"] == pytest.approx(spent, rel=1e-12)
    assert out["anomalies"] and all(a["period"] == "2026-10-30T00:00:00Z" for a in out["anomalies"])
    assert out["alerts"] == [a.as_json() for a in result.alerts]
    assert out["period"] == {
        "name": "month",
        "start": "2026-10-01T00:00:00Z",
        "end": "2026-11-01T00:00:00Z",
        "label": "2026-10",
    }
    assert out["window"] == frame.attrs["window"]


# ------------------------------------------------------------------------- notify


class _Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        self.server.received.append(  # type: ignore[attr-defined]
            {"path": self.path, "headers": dict(self.headers), "body": body}
        )
        if "slow" in self.path:
            time.sleep(1.0)
        code, text = self.server.answer  # type: ignore[attr-defined]
        try:
            self.send_response(code)
            if code in (301, 302):
                self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)
        except OSError:  # the client gave up (timeout test)
            pass

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def hook() -> Iterator[http.server.HTTPServer]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    server.received = []  # type: ignore[attr-defined]
    server.answer = (200, b"ok")  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.trust_env = False  # no proxy from the environment between us and 127.0.0.1
        yield s


@pytest.fixture(scope="module")
def critical(late) -> CheckResult:
    return run_check(late, {"total": round(_spent(late, LATE) / 1.5, 2), "veo-3": 1e6})


SECRETS = ("pw-secret", "SECRETPATH", "QUERYSECRET", "smk_live_abcdef123456")


def _url(server: http.server.HTTPServer, path: str = "hook/T000/SECRETPATH") -> str:
    host, port = server.server_address[:2]
    return f"http://user:pw-secret@{host}:{port}/{path}?token=QUERYSECRET"


def test_notify_posts_a_short_slack_compatible_json(hook, critical, session):
    alerts = critical.alerts
    notify(_url(hook, "hook/T000/B000"), critical, alerts, session=session)
    (request,) = hook.received  # type: ignore[attr-defined]
    assert request["path"] == "/hook/T000/B000?token=QUERYSECRET"
    assert request["headers"]["Content-Type"] == "application/json"
    payload = json.loads(request["body"])
    assert set(payload) == {"text", "eachlabs"}
    assert payload["text"].splitlines() == [critical.summary(), *(a.text for a in alerts)]
    assert payload["text"].startswith("EACHLABS CRITICAL - total ")
    assert payload["eachlabs"]["status"] == "CRITICAL" and payload["eachlabs"]["code"] == 2
    assert payload["eachlabs"]["alerts"] == [a.as_json() for a in alerts]
    assert payload["eachlabs"]["as_of"] == LATE
    assert "smk_" not in request["body"].decode()


def test_notify_redacts_anything_key_like(hook, session):
    result = CheckResult(WARNING, notes=["x"])
    alert = Alert("anomaly:spend:smk_live_abcdef123456:2026-10-30", "warning", "smk_live_abc9")
    notify(_url(hook), result, [alert], session=session)
    body = hook.received[0]["body"].decode()  # type: ignore[attr-defined]
    assert "smk_live" not in body and "smk_<redacted>" in body


def test_notify_without_a_session_uses_its_own(hook, critical, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    notify(_url(hook), critical, [], timeout=5)
    assert len(hook.received) == 1  # type: ignore[attr-defined]


def _assert_clean(message: str) -> None:
    for secret in SECRETS:
        assert secret not in message, message


def test_a_500_answer_raises_without_secrets(hook, critical, session):
    hook.answer = (  # type: ignore[attr-defined]
        500,
        f"boom: {_url(hook)} token=QUERYSECRET key smk_live_abcdef123456 /SECRETPATH".encode(),
    )
    with pytest.raises(NotificationError) as caught:
        notify(_url(hook), critical, critical.alerts, session=session)
    error = caught.value
    assert isinstance(error, EachlabsError) and error.status == 500
    host, port = hook.server_address[:2]
    assert error.target == f"http://{host}:{port}"
    assert f"the webhook at http://{host}:{port} answered HTTP 500: boom:" in str(error)
    _assert_clean(str(error))


def test_a_redirect_is_not_followed(hook, critical, session):
    hook.answer = (302, b"")  # type: ignore[attr-defined]
    with pytest.raises(NotificationError, match="HTTP 302 \\(redirects are not followed"):
        notify(_url(hook), critical, [], session=session)
    assert len(hook.received) == 1  # type: ignore[attr-defined]


def test_a_refused_connection_raises_without_secrets(critical, session):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://user:pw-secret@127.0.0.1:{port}/hook/SECRETPATH?token=QUERYSECRET"
    with pytest.raises(NotificationError) as caught:
        notify(url, critical, critical.alerts, session=session, timeout=2)
    message = str(caught.value)
    assert message.startswith(
        f"notification not sent: could not reach the webhook at http://127.0.0.1:{port}"
    )
    assert caught.value.status is None
    _assert_clean(message)


def test_a_slow_webhook_times_out(hook, critical, session):
    with pytest.raises(NotificationError, match="did not answer within 0.2 s") as caught:
        notify(_url(hook, "slow/SECRETPATH"), critical, [], session=session, timeout=0.2)
    _assert_clean(str(caught.value))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/SECRETPATH", "scheme 'ftp'"),
        ("file:///etc/SECRETPATH", "scheme 'file'"),
        ("hooks.example.com/services/SECRETPATH", "no scheme"),
        ("http:///SECRETPATH", "no usable host"),
        ("https://hooks.example.com/a b/SECRETPATH", "no usable host"),
        ("http://[::1/SECRETPATH", "not a valid URL"),
        ("http://hooks.example.com:99999/SECRETPATH", "not a valid URL"),
        (42, "must be text"),
    ],
)
def test_only_http_urls_are_allowed_and_never_echoed(hook, critical, url, message):
    with pytest.raises(InvalidQueryError, match=re.escape(message)) as caught:
        notify(url, critical, critical.alerts)
    _assert_clean(str(caught.value))
    assert hook.received == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), True, "10"])
def test_a_bad_timeout_is_refused(hook, critical, timeout):
    with pytest.raises(InvalidQueryError, match="positive number of seconds"):
        notify(_url(hook), critical, [], timeout=timeout)
    assert hook.received == []  # type: ignore[attr-defined]


# ------------------------------------------------------------------------- AlertState


def test_alerts_are_sent_once_across_runs(late, tmp_path):
    state = AlertState(tmp_path / "alerts.json")
    assert state.sent() == {}
    budget = round(_spent(late, LATE) / 0.9, 2)
    first = run_check(late, {"total": budget}, as_of="2026-10-31T11:30:00Z")
    assert [a.key for a in first.alerts] == ["budget:total:0.8:2026-10"]
    assert state.unsent(first.alerts) == first.alerts
    state.mark_sent(first.alerts, now="2026-10-31T11:30:00Z")
    again = run_check(late, {"total": budget})  # the next cron run, 30 minutes later
    assert [a.key for a in again.alerts] == [a.key for a in first.alerts]
    assert state.unsent(again.alerts) == []
    stored = json.loads((tmp_path / "alerts.json").read_text())
    assert stored == {"version": 1, "sent": {"budget:total:0.8:2026-10": "2026-10-31T11:30:00Z"}}
    state.mark_sent(again.alerts, now="2026-10-31T12:00:00Z")  # keeps the first time
    assert state.sent() == {"budget:total:0.8:2026-10": pd.Timestamp("2026-10-31T11:30Z")}
    assert list(tmp_path.iterdir()) == [tmp_path / "alerts.json"]  # no partial file left


def test_a_higher_threshold_alerts_again_in_the_same_period(tmp_path):
    df = ea.generate_executions(executions=6_000, seed=5, end="2026-10-31T12:00:00Z", days=90)
    state = AlertState(tmp_path / "alerts.json")
    mid, late_oct = "2026-10-18T12:00:00Z", "2026-10-25T12:00:00Z"
    budget = round(_spent(df, late_oct) / 0.85, 2)
    assert 0.5 <= _spent(df, mid) / budget < 0.8, "setup: only 50 % crossed on the 18th"
    keys = []
    for as_of in (mid, late_oct, late_oct):
        result = run_check(df, {"total": budget}, thresholds=(0.5, 0.8, 1.5), as_of=as_of)
        assert result.budgets.loc["total", "projected_used"] < 1.5  # thresholds only
        new = state.unsent(result.alerts)
        keys.append([a.key for a in new])
        state.mark_sent(new, now=as_of)
    assert keys == [["budget:total:0.5:2026-10"], ["budget:total:0.8:2026-10"], []]


def test_a_new_month_alerts_again(tmp_path):
    df = ea.generate_executions(executions=4_000, seed=5, end="2026-11-30T12:00:00Z", days=90)
    october = _spent(df, "2026-11-01T00:00:00Z")
    november = _spent(df, "2026-11-30T12:00:00Z", start="2026-11-01")
    budget = round(min(october, november) / 1.1, 2)  # over in both months
    state = AlertState(tmp_path / "alerts.json")
    keys = []
    for as_of in ("2026-10-31T23:45:00Z", "2026-10-31T23:59:00Z", "2026-11-30T12:00:00Z"):
        result = run_check(df, {"total": budget}, as_of=as_of)
        assert result.status == CRITICAL
        new = state.unsent(result.alerts)
        keys.append([a.key for a in new])
        state.mark_sent(new, now=as_of)
    assert keys == [["budget:total:1:2026-10"], [], ["budget:total:1:2026-11"]]


def test_old_entries_are_dropped_on_save(tmp_path):
    state = AlertState(tmp_path / "alerts.json")
    now = pd.Timestamp("2026-11-20T00:00:00Z")
    state.mark_sent([Alert("a", "warning", "t")], now=now - pd.Timedelta(days=40))
    state.mark_sent([Alert("b", "warning", "t")], now=now - pd.Timedelta(days=30))
    assert set(state.sent()) == {"a", "b"}  # nothing is dropped before a save
    state.mark_sent([Alert("c", "critical", "t")], now=now)
    assert state.sent() == {
        "b": now - pd.Timedelta(days=30),
        "c": now,
    }


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"{not json", "is not valid JSON"),
        (b"\xff\xfe", "is not valid JSON"),
        (b"[]", 'no "sent" object'),
        (b'{"version": 1, "sent": []}', 'no "sent" object'),
        (b'{"version": 2, "sent": {}}', "has version 2"),
        (b'{"version": 1, "sent": {"k": "yesterday"}}', "not an RFC 3339 timestamp"),
        (b'{"version": 1, "sent": {"k": "2026-10-01T00:00:00"}}', "not an RFC 3339 timestamp"),
        (b'{"version": 1, "sent": {"k": 5}}', "not an RFC 3339 timestamp"),
    ],
)
def test_a_corrupt_state_file_names_itself_and_the_fix(tmp_path, content, why):
    path = tmp_path / "alerts.json"
    path.write_bytes(content)
    state = AlertState(path)
    for call in (
        lambda: state.unsent([Alert("k", "warning", "t")]),
        lambda: state.mark_sent([Alert("k", "warning", "t")]),
    ):
        with pytest.raises(StoreError) as caught:
            call()
        message = str(caught.value)
        assert str(path) in message and why in message and "delete it" in message
        assert caught.value.path == path
    assert path.read_bytes() == content  # left for the user to look at


def test_a_state_file_that_cannot_be_read_or_written(tmp_path):
    folder = AlertState(tmp_path)  # a directory, not a file
    with pytest.raises(StoreError, match="cannot be read"):
        folder.unsent([])
    nowhere = AlertState(tmp_path / "missing" / "alerts.json")
    assert nowhere.unsent([Alert("k", "warning", "t")]) != []
    with pytest.raises(StoreError, match="cannot be written"):
        nowhere.mark_sent([Alert("k", "warning", "t")], now="2026-10-01T00:00:00Z")
    with pytest.raises(InvalidQueryError, match="not a timestamp"):
        AlertState(tmp_path / "a.json").mark_sent([], now="2026-10-01T00:00:00")


def test_alert_levels_are_checked():
    with pytest.raises(InvalidQueryError, match="use warning or critical"):
        Alert("k", "info", "t")


def test_no_file_is_written_by_reading(tmp_path: Path):
    AlertState(tmp_path / "alerts.json").unsent([Alert("k", "warning", "t")])
    assert list(tmp_path.iterdir()) == []


def test_an_empty_last_day_inside_the_window_is_an_outage_not_the_data_end():
    """A window that covers a day without executions has a day of $0.00 to judge: a broken
    integration, flagged. Only the window (the loader's, cut at the API's clock) says where
    the data ends; the newest row does not."""
    df = ea.generate_executions(executions=20_000, seed=8, end="2026-10-31T00:00:00Z", days=60)
    day = (df["created_at"] >= "2026-10-30") & (df["created_at"] < "2026-10-31")
    quiet = df.loc[~day].reset_index(drop=True)
    quiet.attrs = df.attrs
    result = run_check(quiet, None, anomalies=True)
    assert result.as_of == pd.Timestamp("2026-10-31T00:00:00Z")
    assert any("2026-10-30" in alert and "down" in alert for alert in result.text().splitlines())
