"""Getting executions from the API onto disk: ``fetch`` (a query into one Parquet or CSV
file), ``sync`` (the incremental store up to date) and ``repair`` (a store's damaged days
fetched again). Library errors become one line on stderr and exit status 1 (the full
traceback with --debug). The API key comes only from $EACHLABS_API_KEY or a hidden prompt,
never from the command line.

>>> from click.testing import CliRunner
>>> "--overlap" in CliRunner().invoke(sync, ["--help"]).output
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pandas as pd

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


def _now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").floor("us")


def _format_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix == ".csv":
        return "csv"
    raise click.BadParameter(
        f"cannot tell the format of {path.name!r}; name it .parquet or .csv, or pass --format",
        param_hint="'-o' / '--output'",
    )


@click.command()
@selection_options()
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="File to write: .parquet or .csv.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv"]),
    help="Output format [default: from the file name's suffix].",
)
@allow_empty_option
@api_options
@debug_option
def fetch(
    output: Path,
    fmt: str | None,
    allow_empty: bool,
    base_url: str | None,
    progress: bool | None,
    start: str | None,
    end: str | None,
    last: str | None,
    month: str | None,
    **filters: Any,
) -> None:
    """Fetch executions from the API into a Parquet or CSV file.

    Every page of the query is loaded (concurrently, with retries) into the typed table;
    Parquet keeps every dtype and the window fetched. Without dates: the API's default,
    the last 90 days.

    \b
    Examples:
      export EACHLABS_API_KEY=smk_...            # or you are prompted for it
      eachlabs-analytics fetch --last 7d -o week.parquet
      eachlabs-analytics fetch --month 2026-10 --model veo-3 -o october-veo3.csv
      eachlabs-analytics fetch --start 2026-10-01T00:00:00Z --end 2026-10-08T00:00:00Z \\
          --status error -o failures.parquet
    """
    from eachlabs_analytics._util.csv_safe import write_csv
    from eachlabs_analytics._util.windows import resolve_range
    from eachlabs_analytics.loader import load_executions
    from eachlabs_analytics.store import to_parquet

    fmt = fmt or _format_from_suffix(output)
    window_start, window_end = resolve_range(start, end, last, month).resolve(_now())
    make_parent(output)
    arguments = parse_filters(**filters).arguments()
    with open_client(base_url) as client:
        df = load_executions(
            window_start, window_end, **arguments, client=client, progress=progress
        )
    refuse_empty(len(df) == 0, allow_empty)
    written = to_parquet(df, output) if fmt == "parquet" else write_csv(df, output)
    say(f"fetched {len(df):,} executions created {describe_window(df)}")
    click.echo(str(written))


@click.command()
@click.argument("store", type=click.Path(path_type=Path))
@selection_options(status=False)
@click.option(
    "--overlap",
    default="1h",
    show_default=True,
    help="Re-fetch this much before the last sync's end (late arrivals).",
)
@click.option(
    "--prices", is_flag=True, help="Also keep the list prices of every model the store holds."
)
@api_options
@debug_option
def sync(
    store: Path,
    overlap: str,
    prices: bool,
    base_url: str | None,
    progress: bool | None,
    start: str | None,
    end: str | None,
    last: str | None,
    month: str | None,
    **filters: Any,
) -> None:
    """Bring a local store (Hive-partitioned Parquet) up to date.

    The first sync fetches the window (default: the API's last 90 days). Later syncs fetch
    only what is new since the last one (minus --overlap) and re-fetch rows that were still
    in flight, upserting by id. Filters are fixed by the first sync. Each sync also keeps
    the workflows' names (and, with --prices, the models' list prices) for reports.

    \b
    Examples:
      eachlabs-analytics sync ./executions-store --last 90d     # first sync
      eachlabs-analytics sync ./executions-store                # later: incremental
      eachlabs-analytics sync ./veo-store --model veo-3 --start 2026-08-01
      eachlabs-analytics sync ./executions-store --prices      # and the list prices
      duckdb -c "SELECT count(*) FROM read_parquet('executions-store/data/*/*.parquet',
                 hive_partitioning=true, hive_types={'created_date': DATE})"
    """
    from eachlabs_analytics._util.windows import parse_duration, resolve_range
    from eachlabs_analytics.store import ExecutionStore

    window_start, window_end = resolve_range(start, end, last, month).resolve(_now())
    overlap_delta = parse_duration(overlap, "overlap")
    target = ExecutionStore(store)
    with open_client(base_url) as client:
        result = target.sync(
            start=window_start,
            end=window_end,
            client=client,
            overlap=overlap_delta,
            progress=progress,
            prices=prices,
            **parse_filters(**filters).arguments(),
        )
    kept = []
    if result.workflow_names is not None:
        kept.append(f"{result.workflow_names:,} workflow name(s)")
    if result.prices is not None:
        kept.append(f"the list prices of {result.prices:,} model(s)")
    if kept:
        say(f"kept {' and '.join(kept)}")
    say(
        f"fetched {result.fetched:,} executions in {len(result.fetched_windows)} window(s): "
        f"{result.inserted:,} new, {result.updated:,} updated, {result.unchanged:,} unchanged; "
        f"{result.partitions_written} day file(s) rewritten"
    )
    click.echo(
        f"{store}: {result.rows:,} executions from {result.window['start']} to "
        f"{result.window['end']} ({result.in_flight:,} in flight)"
    )


@click.command()
@click.argument("store", type=click.Path(path_type=Path), callback=existing("dir"))
@api_options
@debug_option
def repair(store: Path, base_url: str | None, progress: bool | None) -> None:
    """Fetch again the days of a store whose files are damaged.

    Reads every day file of STORE completely; each one that is unreadable, truncated or of
    another schema is moved to STORE/quarantine/ and its day is fetched again from the API
    with the store's query. Prints what it repaired; with nothing damaged it fetches nothing.

    \b
    Examples:
      eachlabs-analytics repair ./executions-store
    """
    from eachlabs_analytics.store import ExecutionStore

    target = ExecutionStore(store)
    damaged = target.verify()
    for problem in damaged:
        say(f"damaged: {problem.path}")
    if not damaged:
        click.echo(f"{store}: every day file reads completely; nothing to repair")
        return
    with open_client(base_url) as client:
        result = target.repair(client=client, progress=progress)
    click.echo(
        f"{store}: {len(damaged)} day file(s) moved to {store / 'quarantine'} and fetched again "
        f"({result.fetched:,} executions); {result.rows:,} executions stored"
    )
