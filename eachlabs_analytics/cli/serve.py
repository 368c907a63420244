"""Local servers that run until Ctrl-C: ``sandbox`` (a local each::labs API to point the
loader and the other commands at) and ``dashboard`` (the interactive explorer as a Voilà
web app). Both bind only a loopback address.

>>> from click.testing import CliRunner
>>> "--v1-row-limit" in CliRunner().invoke(sandbox, ["--help"]).output
True
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from eachlabs_analytics.cli.errors import debug_option
from eachlabs_analytics.cli.options import api_version, api_version_option, existing, loopback
from eachlabs_analytics.cli.output import say


def _v1_row_limit(value: str) -> int | None:
    if value.strip().lower() == "none":
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise click.BadParameter(
            f"{value!r} is not a number of rows >= 1 or 'none'", param_hint="--v1-row-limit"
        )
    return int(value)


@click.command()
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port (0 = any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    callback=loopback,
    help="Loopback address to bind (other hosts are refused).",
)
@click.option(
    "--executions",
    default=20_000,
    show_default=True,
    type=click.IntRange(0),
    help="How many executions to generate.",
)
@click.option(
    "--seed",
    default=7,
    show_default=True,
    type=click.IntRange(0),
    help="Seed of the generated history.",
)
@click.option(
    "--days",
    default=90,
    show_default=True,
    type=click.FloatRange(0, 3650, min_open=True),
    help="Days of history, ending now.",
)
@click.option("--sample", is_flag=True, help="Serve the bundled sample instead of generating.")
@click.option(
    "--api-key",
    default=None,
    help="Key clients must send (default: the public demo key smk_sandbox_demo).",
)
@click.option(
    "--latency",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds of latency added to every request.",
)
@click.option(
    "--total-cap",
    default=1000,
    show_default=True,
    type=click.IntRange(1),
    help="Cap of v1's total_count in responses.",
)
@click.option(
    "--api",
    "api_mode",
    type=click.Choice(["both", "v2", "v1"]),
    default="both",
    show_default=True,
    help="Listings to serve: GET /v2/executions (cursor pages) and the deprecated "
    "GET /v1/executions, or only one of them (the other answers 404).",
)
@click.option(
    "--v1-row-limit",
    default="1000",
    show_default=True,
    help="Rows of a result v1 pages through before refusing, as the vendor does since "
    "2026-09-03; 'none' serves v1 as it was before.",
)
@click.option(
    "--retention-days",
    type=click.FloatRange(0, min_open=True),
    help="Stop listing executions older than this many days (the vendor's retention).",
)
def sandbox(
    port: int,
    host: str,
    executions: int,
    seed: int,
    days: float,
    sample: bool,
    api_key: str | None,
    latency: float,
    total_cap: int,
    api_mode: str,
    v1_row_limit: str,
    retention_days: float | None,
) -> None:
    """Serve a local each::labs API (GET /v2/executions and /v1/executions) until Ctrl-C.

    The data is generated deterministically from --seed (or is the bundled --sample); the
    server prints its base URL and key. Point the loader or the other commands at it with
    EACHLABS_BASE_URL and EACHLABS_API_KEY.

    \b
    Examples:
      eachlabs-analytics sandbox --sample
      eachlabs-analytics sandbox --port 8765 --executions 50000 --latency 0.03
      eachlabs-analytics sandbox --api v1 --v1-row-limit none    # an older deployment
    """
    from eachlabs_analytics.local_api import DEFAULT_API_KEY, Faults, Sandbox

    row_limit = _v1_row_limit(v1_row_limit)
    try:
        api = Sandbox(
            data="sample" if sample else None,
            executions=executions,
            seed=seed,
            days=days,
            api_key=api_key or DEFAULT_API_KEY,
            total_cap=total_cap,
            faults=Faults(latency=latency),
            host=host,
            port=port,
            api=api_mode,
            v1_row_limit=row_limit,
            retention_days=retention_days,
        )
        api.start()
    except (ValueError, TypeError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    shown_key = api.api_key if api.api_key == DEFAULT_API_KEY else "(the key given with --api-key)"
    click.echo(f"each::labs sandbox serving {len(api.truth):,} executions, now = {api.now}")
    click.echo(f"  base URL: {api.base_url}")
    click.echo(f"  API key:  {shown_key}")
    key = api.api_key if api.api_key == DEFAULT_API_KEY else "$EACHLABS_API_KEY"
    path = "/v1/executions" if api_mode == "v1" else "/v2/executions"
    click.echo(f"  try: curl -H 'Authorization: Bearer {key}' '{api.base_url}{path}?limit=2'")
    click.echo("Press Ctrl-C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        api.stop()


@click.command()
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    callback=existing("file"),
    help="A Parquet file of executions (from `fetch` or `to_parquet`) to explore.",
)
@click.option(
    "--days",
    type=click.IntRange(1, 3650),
    help="Without --data, with EACHLABS_API_KEY set: load the last DAYS from the API.",
)
@click.option("--port", default=8866, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    callback=loopback,
    help="Loopback address to serve on (other hosts are refused).",
)
@api_version_option
@debug_option
def dashboard(data: Path | None, days: int | None, port: int, host: str) -> None:
    """Serve the interactive explorer as a web app (Voilà) until Ctrl-C.

    Needs the dashboard extra: pip install 'eachlabs-analytics[dashboard]'. Without --data
    the dashboard loads the last --days from the API when EACHLABS_API_KEY is set, else it
    shows the bundled sample (the demo's data).

    \b
    Examples:
      eachlabs-analytics dashboard --data executions.parquet
      EACHLABS_API_KEY=smk_... eachlabs-analytics dashboard --days 30 --port 8900
    """
    from eachlabs_analytics.notebook.dashboard import serve_dashboard
    from eachlabs_analytics.store.parquet import check_parquet_file

    if data is not None:
        check_parquet_file(data)  # before Voilà starts: its traceback would bury the reason
    version = api_version()
    if version is not None:  # the dashboard's kernel loads with its own client
        os.environ["EACHLABS_API_VERSION"] = version
    say(f"starting the explorer on http://{host}:{port}/ (rendering the page once) ...")
    code = serve_dashboard(data=data, port=port, host=host, days=days)  # says when it serves
    if code:
        raise click.ClickException(f"Voilà stopped with exit code {code}")
