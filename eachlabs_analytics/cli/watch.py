"""Watching spend from cron, CI or a monitoring system: ``check`` judges budgets (and recent
anomalies) and exits with the monitoring-plugin status (0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN); its new alerts go to a webhook once. The forecasts, anomalies and budgets are
computed by :mod:`eachlabs_analytics.watch`, the webhook and the sent-alerts file by
:mod:`eachlabs_analytics.app.alerts`.

>>> from click.testing import CliRunner
>>> "--budget" in CliRunner().invoke(check, ["--help"]).output
True
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import click

from eachlabs_analytics.cli.errors import UNKNOWN, one_line
from eachlabs_analytics.cli.options import api_options, open_client, open_client_or_none
from eachlabs_analytics.cli.output import say
from eachlabs_analytics.exceptions import DataQualityWarning


@click.command()
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path),
    help="Check a local store instead of the API (alerts sent are remembered beside it).",
)
@click.option(
    "--input",
    "input_path",
    type=click.Path(path_type=Path),
    help="Check a Parquet file instead of the API.",
)
@click.option(
    "--budget",
    "budgets",
    multiple=True,
    metavar="KEY=USD",
    help="A budget: total, a model slug or workflow:<id>, e.g. total=500 (repeat).",
)
@click.option(
    "--period",
    type=click.Choice(["day", "week", "month"]),
    default="month",
    show_default=True,
    help="The calendar period budgets are for (UTC).",
)
@click.option("--anomalies", is_flag=True, help="Also flag unusual spend in the last 2 days.")
@click.option(
    "--runway-days",
    metavar="WARN[,CRIT]",
    help="Also judge the pre-paid balance: WARNING when it may run out within WARN days "
    "(80 % level), CRITICAL within CRIT, e.g. 14,7.",
)
@click.option(
    "--balance",
    "balance_usd",
    type=float,
    metavar="USD",
    help="The balance for --runway-days [default: read from the API with the key].",
)
@click.option(
    "--history",
    default="90d",
    show_default=True,
    help="From the API: how far back to load (forecasts learn from 12 weeks, anomalies 5).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--notify", "notify_url", help="Webhook URL to post new alerts to (Slack-style).")
@click.option(
    "--state",
    "state_path",
    type=click.Path(path_type=Path),
    help="File of alerts already sent [default: STORE/check-state.json with --store].",
)
@api_options
@click.option("--debug", is_flag=True, help="On error, show the full traceback.")
def check(
    store_path: Path | None,
    input_path: Path | None,
    budgets: tuple[str, ...],
    period: str,
    anomalies: bool,
    runway_days: str | None,
    balance_usd: float | None,
    history: str,
    fmt: str,
    notify_url: str | None,
    state_path: Path | None,
    base_url: str | None,
    progress: bool | None,
    debug: bool,
) -> None:
    """Check budgets (and recent anomalies) for cron, CI or a monitoring system.

    Prints a verdict (text or JSON) and exits with the monitoring-plugin status: 0 OK,
    1 WARNING, 2 CRITICAL, 3 UNKNOWN (no data, or any error). With --notify, new alerts
    are posted to a webhook once (a state file remembers what was sent); a failing
    webhook is reported and does not change the status.

    \b
    Examples:
      eachlabs-analytics check --budget total=500 --budget veo-3=200
      eachlabs-analytics check --store ./executions-store --budget total=500 --anomalies \\
          --notify https://hooks.slack.com/services/...
      eachlabs-analytics check --input october.parquet --budget total=500 --format json
      eachlabs-analytics check --runway-days 14,7 --budget total=500

    With --runway-days, a balance the API cannot tell (HTTP 503, no key) is UNKNOWN for
    the runway, never zero; the budgets are judged all the same.
    """
    import json

    try:
        result, state = _run_check(
            store_path, input_path, budgets, period, anomalies, history, state_path, base_url,
            progress, runway_days, balance_usd,
        )  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - a check reports UNKNOWN, whatever went wrong
        if debug:
            raise
        click.echo(f"EACHLABS UNKNOWN - {one_line(exc)}")
        sys.exit(UNKNOWN)
    click.echo(json.dumps(result.as_json(), indent=2) if fmt == "json" else result.text())
    if notify_url:
        _notify(notify_url, result, state)
    sys.exit(result.status)


def _run_check(
    store_path: Path | None,
    input_path: Path | None,
    budgets: tuple[str, ...],
    period: str,
    anomalies: bool,
    history: str,
    state_path: Path | None,
    base_url: str | None,
    progress: bool | None,
    runway_days: str | None = None,
    balance_usd: float | None = None,
) -> tuple[Any, Any]:
    from eachlabs_analytics._util.windows import Window, parse_duration
    from eachlabs_analytics.app import reference, sources
    from eachlabs_analytics.app.alerts import AlertState
    from eachlabs_analytics.app.runway import balance_or_unknown
    from eachlabs_analytics.watch.check import parse_budgets, run_check
    from eachlabs_analytics.watch.runway_check import parse_runway_days

    if store_path is not None and input_path is not None:
        raise click.UsageError("give --store or --input, not both")
    chosen = parse_budgets(budgets)
    days = parse_runway_days(runway_days) if runway_days is not None else None
    balance: Any = balance_usd
    unknown: str | None = None
    wants_balance = days is not None and balance is None
    if wants_balance and (store_path is not None or input_path is not None):
        with open_client_or_none(base_url) as client:  # a key in the environment, if any
            balance, unknown = balance_or_unknown(client=client) if client else (None, None)
    data: Any  # a frame, or a store's lazy selection
    names: dict[str, str] | None = None  # workflow budgets read by name where known
    if input_path is not None:
        data = sources.from_files(_existing_file(input_path, "--input")).current
    elif store_path is not None:
        data = _check_store(store_path)
        names = reference.from_store(store_path).names
        state_path = state_path or Path(store_path) / "check-state.json"
    else:
        window = Window(last=parse_duration(history, "history"))
        with open_client(base_url) as client, warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)  # an empty load is UNKNOWN
            periods = sources.from_api(client, window, compare=False, progress=progress)
            for note in periods.notes:  # where the window was counted from, on stderr
                say(note)
            data = periods.current
            if wants_balance:
                balance, unknown = balance_or_unknown(client=client)
            if any(key.startswith("workflow:") for key in chosen):
                names = reference.from_api(client, balance=False, prices=False).names
    result = run_check(
        data,
        chosen,
        period=period,
        anomalies=anomalies,
        runway_days=days,
        balance=balance,
        balance_unknown=unknown,
        names=names,
    )
    return result, AlertState(state_path) if state_path is not None else None


def _check_store(store_path: Path) -> Any:
    """The store's whole window as a lazy selection: the check aggregates it in DuckDB and
    never holds its rows (a cron check stays small however big the store grows). Without
    the lazy extra, the loaded frame (the same verdict, in memory)."""
    from eachlabs_analytics.app import sources

    return sources.from_store(store_path, compare=False, lazy=sources.can_scan()).current


def _existing_file(path: Path, option: str) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"{option} {path}: the file does not exist")
    return path


def _notify(url: str, result: Any, state: Any) -> None:
    """Post the alerts not sent yet; a failure is said on stderr, the verdict stands."""
    from eachlabs_analytics.app.alerts import NotificationError, notify

    new = state.unsent(result.alerts) if state is not None else list(result.alerts)
    if not new:
        say("notify: no new alert to send")
        return
    try:
        notify(url, result, new)
    except NotificationError as exc:
        say(f"notify: the notification failed, alerts not sent: {one_line(exc)}")
        return
    if state is not None:
        state.mark_sent(new)
    say(f"notify: sent {len(new)} new alert(s)")
