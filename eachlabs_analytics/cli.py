"""The ``eachlabs-analytics`` command line: thin commands over the library.

>>> from click.testing import CliRunner
>>> CliRunner().invoke(main, ["--help"]).exit_code
0
"""

from __future__ import annotations

import ipaddress
import time

import click

from eachlabs_analytics import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eachlabs-analytics")
def main() -> None:
    """Spend, latency and failure analytics for each::labs executions."""


def _loopback(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if value == "localhost":
        return value
    try:
        if ipaddress.ip_address(value).is_loopback:
            return value
    except ValueError:
        pass
    raise click.BadParameter(f"{value!r} is not a loopback address; use 127.0.0.1 or ::1")


@main.command()
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
    callback=_loopback,
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
    help="Cap of total_count in responses.",
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
) -> None:
    """Serve a local each::labs API (GET /v1/executions) until Ctrl-C."""
    from eachlabs_analytics.sandbox import DEFAULT_API_KEY, Faults, Sandbox

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
        )
        api.start()
    except (ValueError, TypeError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    shown_key = api.api_key if api.api_key == DEFAULT_API_KEY else "(the key given with --api-key)"
    click.echo(f"each::labs sandbox serving {len(api.truth):,} executions, now = {api.now}")
    click.echo(f"  base URL: {api.base_url}")
    click.echo(f"  API key:  {shown_key}")
    click.echo(
        f"  try: curl -H 'Authorization: Bearer <key>' '{api.base_url}/v1/executions?limit=2'"
    )
    click.echo("Press Ctrl-C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        api.stop()
