"""The cost report: ``report`` (from the API, a store or a file, compared with the period
before) and ``demo`` (the main job, offline: the bundled sample through the sandbox and the
loader into a report).

>>> from click.testing import CliRunner
>>> "--previous" in CliRunner().invoke(report, ["--help"]).output
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from eachlabs_analytics.cli.errors import debug_option, refuse_empty
from eachlabs_analytics.cli.options import (
    allow_empty_option,
    api_options,
    existing,
    open_client,
    parse_filters,
    selection_options,
)
from eachlabs_analytics.cli.output import describe_window, make_parent, say


def _report_format(output: Path | None) -> str:
    """The report format ``-o`` asks for by its suffix (none, e.g. a directory: html)."""
    suffix = output.suffix.lower() if output is not None else ""
    formats = {"": "html", ".html": "html", ".htm": "html", ".md": "markdown"}
    if suffix in formats:
        return formats[suffix]
    raise click.BadParameter(
        f"cannot tell the report format of {output.name if output else ''!r}: name it .html or "
        ".md, or pass --format (a CSV report is a directory: --format csv -o DIR)",
        param_hint="'-o' / '--output'",
    )


@click.command()
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path),
    callback=existing("dir"),
    help="Report from a local store instead of the API.",
)
@click.option(
    "--input",
    "input_path",
    type=click.Path(path_type=Path),
    callback=existing("file"),
    help="Report from a Parquet file (e.g. written by fetch) instead of the API.",
)
@selection_options()
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="File (or, for csv, directory) to write [default: cost-report.html/.md or "
    "cost-report-csv/ in the current directory].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "markdown", "md", "csv"]),
    help="Output format (md = markdown) [default: from -o's suffix (.html, .md, or a directory "
    "for csv), else html].",
)
@click.option("--redact", is_flag=True, help="Leave out execution ids and output URLs.")
@allow_empty_option
@click.option(
    "--compare/--no-compare",
    default=True,
    show_default=True,
    help="Compare with the previous period of the same length (API and store).",
)
@click.option(
    "--previous",
    "previous_path",
    type=click.Path(path_type=Path),
    callback=existing("file"),
    help="With --input: a Parquet file of the period to compare with.",
)
@click.option("--top", type=click.IntRange(1), default=10, show_default=True)
@click.option("--title", help="The report's title.")
@click.option(
    "--balance",
    "balance_usd",
    type=float,
    metavar="USD",
    help="The pre-paid balance, for the runway section [default: from the API, read with the "
    "key; a store or file: none].",
)
@api_options
@debug_option
def report(
    store_path: Path | None,
    input_path: Path | None,
    output: Path | None,
    fmt: str | None,
    redact: bool,
    allow_empty: bool,
    compare: bool,
    previous_path: Path | None,
    top: int,
    title: str | None,
    balance_usd: float | None,
    base_url: str | None,
    progress: bool | None,
    start: str | None,
    end: str | None,
    last: str | None,
    month: str | None,
    **filters: Any,
) -> None:
    """Write a cost report (HTML, Markdown or CSV) from the API, a store or a file.

    The report: period, headline numbers, spend by model and workflow, daily trend, latency
    percentiles, errors and the cost of failures, the most expensive executions, and the
    change against the previous period of the same length. The HTML opens offline.
    Default window: the last 30 days (API), everything (store or file). From a store the
    report runs over a scan, in DuckDB, without loading the store into memory (with the
    [lazy] extra; without it the store is loaded).

    \b
    Examples:
      eachlabs-analytics report --last 30d                          # from the API
      eachlabs-analytics report --month 2026-10 --format markdown -o october.md
      eachlabs-analytics report --store ./executions-store --last 7d --redact
      eachlabs-analytics report --input october.parquet --previous september.parquet
    """
    from dataclasses import replace

    from eachlabs_analytics._util.windows import resolve_range
    from eachlabs_analytics.app import reference, sources
    from eachlabs_analytics.report import FORMATS, cost_report

    if store_path is not None and input_path is not None:
        raise click.UsageError("give --store or --input, not both")
    if previous_path is not None and input_path is None:
        raise click.UsageError("--previous goes with --input (the API and stores find it)")
    window = resolve_range(start, end, last, month)
    fmt = {"md": "markdown"}.get(fmt or "", fmt) or _report_format(output)
    chosen = parse_filters(**filters)
    if output is not None:
        make_parent(output)
    if input_path is not None:
        periods = sources.from_files(input_path, previous_path, window, chosen)
        found = reference.Reference(balance_usd)
    elif store_path is not None:
        # a scan (with the [lazy] extra): computed in DuckDB, the store is never loaded
        lazy = sources.can_scan()
        periods = sources.from_store(store_path, window, chosen, compare=compare, lazy=lazy)
        found = reference.from_store(store_path, balance_usd)  # as the last sync kept them
    else:
        with open_client(base_url) as client:
            periods = sources.from_api(client, window, chosen, compare=compare, progress=progress)
            models = sources.models_of(periods.current)
            found = reference.from_api(client, models=models, balance=balance_usd is None)
        if balance_usd is not None:
            found = replace(found, balance=balance_usd)
    for note in found.notes:
        say(note)
    for note in periods.notes:
        if compare or not note.startswith("no comparison"):
            say(note)
    refuse_empty(periods.empty, allow_empty)
    df, previous = periods.current, periods.previous
    target = output if output is not None else Path(FORMATS[fmt])
    say(f"reporting on {sources.count(df):,} executions created {describe_window(df)}")
    if previous is not None:
        say(f"compared with {sources.count(previous):,} created {describe_window(previous)}")
    written = cost_report(
        df,
        target,
        format=fmt,
        redact=redact,
        previous=previous,
        top=top,
        title=title,
        history=periods.history,
        **found.report_arguments(),
    )
    click.echo(str(written))


@click.command()
@click.option(
    "--output-dir",
    default="reports",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Where to write cost-report.html and cost-report.md.",
)
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(1, 45),
    help="Report on the sample's last DAYS, compared with the DAYS before.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar on stderr [default: terminal]."
)
@debug_option
def demo(output_dir: Path, days: int, progress: bool | None) -> None:
    """The main job, offline: a cost report from the bundled sample, end to end.

    Starts the sandbox (a local each::labs API) on the bundled sample, loads the sample's
    exact window with the real loader (paging, retries, error classes), and writes the
    HTML and Markdown cost report of its last --days against the --days before.

    \b
    Examples:
      eachlabs-analytics demo
      eachlabs-analytics demo --days 14 --output-dir /tmp/reports
    """
    from eachlabs_analytics.app.demo import run_demo

    result = run_demo(output_dir, days, progress=progress, say=say)
    before = result.spend_before
    change = f"{(result.spend - before) / before:+.1%}" if before else "n/a"
    click.echo(
        f"Loaded {result.loaded:,} executions (all of the sample) through the sandbox; "
        f"last {days} days: {result.executions:,} executions, ${result.spend:,.2f} ({change} vs "
        f"the {days} days before)."
    )
    click.echo(f"Report:   {result.html.resolve()}")
    click.echo(f"Markdown: {result.markdown.resolve()}")
