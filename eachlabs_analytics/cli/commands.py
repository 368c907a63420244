"""The ``eachlabs-analytics`` command line: thin commands over the library.

>>> from click.testing import CliRunner
>>> CliRunner().invoke(main, ["--help"]).exit_code
0
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pandas as pd

from eachlabs_analytics import __version__
from eachlabs_analytics.exceptions import DataQualityWarning

#: Exit status when the window or the filters matched no execution (nothing is written).
NO_DATA = 3
#: ``check``'s statuses follow the monitoring-plugin convention: 0 OK, 1 WARNING,
#: 2 CRITICAL, 3 UNKNOWN (any error, a usage error included).
UNKNOWN = 3


class _Group(click.Group):
    """Every error is one ``Error:`` line on stderr, never click's Usage/Try block.

    Exit status 2 when the command line cannot be understood (unknown option, bad value,
    missing argument), 1 when the command understood and failed (a missing file, the API
    refused, ...), 130 on Ctrl-C.
    """

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "eachlabs-analytics"
            click.echo(f"Error: {_one_line(exc.format_message())} (see {where} --help)", err=True)
            # a monitoring check says UNKNOWN (3) for anything it cannot judge
            checking = exc.ctx is not None and exc.ctx.command.name == "check"
            sys.exit(UNKNOWN if checking else exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"Error: {_one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Error: aborted", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eachlabs-analytics")
def main() -> None:
    """Spend, latency and failure analytics for each::labs executions.

    \b
    Exit status: 0 done, 1 failed (one "Error:" line on stderr), 2 the command line is
    wrong (unknown option or bad value), 3 nothing matched the window and filters (nothing
    written; --allow-empty writes anyway), 130 interrupted.
    """


def _name(param: click.Parameter) -> str:
    return param.opts[-1] if isinstance(param, click.Option) else param.human_readable_name


def _existing(kind: str) -> Any:
    """A click callback: the path must exist (a failure, status 1, not a usage error)."""

    def check(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
        if value is None:
            return None
        if kind == "file" and not value.is_file():
            what = "is a directory" if value.is_dir() else "does not exist"
            raise click.ClickException(f"{_name(param)} {value}: the file {what}")
        if kind == "dir" and not value.is_dir():
            what = "is a file" if value.exists() else "does not exist"
            raise click.ClickException(f"{_name(param)} {value}: the directory {what}")
        return value

    return check


def _make_parent(path: Path, option: str = "-o/--output") -> None:
    """Create the folders ``path`` goes in (as ``demo --output-dir`` does), before any work.

    A file standing where a folder must go fails now, not after the fetch or the rendering.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(
            f"{option} {path}: cannot create the folder {path.parent} ({exc.strerror or exc})"
        ) from None


def _loopback(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from eachlabs_analytics._util.keys import is_loopback

    if is_loopback(value):
        return value
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


# === fetch, sync, report, demo ==============================================================
# Thin commands over the loader, the store and the report. Library errors become one line on
# stderr and exit status 1 (the full traceback with --debug). The API key comes only from
# $EACHLABS_API_KEY or a hidden prompt, never from the command line.

_KEY_ENV = "EACHLABS_API_KEY"


def _v1_row_limit(value: str) -> int | None:
    if value.strip().lower() == "none":
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise click.BadParameter(
            f"{value!r} is not a number of rows >= 1 or 'none'", param_hint="--v1-row-limit"
        )
    return int(value)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _api_key() -> str:
    key = os.environ.get(_KEY_ENV, "").strip()
    if key:
        return key
    if _stdin_is_terminal():
        key = click.prompt("each::labs API key (hidden)", hide_input=True, err=True).strip()
        if key:
            return key
    raise click.ClickException(
        f"no API key: set {_KEY_ENV} (keys start with smk_) or run in a terminal to be "
        "prompted; the key is never read from the command line"
    )


def _one_line(exc: BaseException | str) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    from eachlabs_analytics._util.keys import redact

    return redact(text)


def _debug_option(func: Any) -> Any:
    """Add ``--debug`` and turn every error into one clear line (or a traceback with it)."""

    @click.option(
        "--debug", is_flag=True, help="On error, show the full traceback; log requests to stderr."
    )
    @functools.wraps(func)
    def wrapper(*args: Any, debug: bool, **kwargs: Any) -> Any:
        if debug:
            logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
            click.get_current_context().meta[_DEBUG_KEY] = True
        try:
            with _warnings_as_lines_while_running():
                return func(*args, **kwargs)
        except (click.ClickException, click.Abort, click.exceptions.Exit):
            raise
        except KeyboardInterrupt:
            if debug:
                raise
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except Exception as exc:
            if debug:
                raise
            from eachlabs_analytics.exceptions import EachlabsError, InvalidQueryError

            if isinstance(exc, InvalidQueryError) and exc.status is None:
                # refused before any request: a value on the command line is not allowed
                raise click.UsageError(_one_line(exc)) from None

            known = isinstance(exc, (EachlabsError, ValueError, OSError))
            hint = "" if known else " (unexpected; run again with --debug for the traceback)"
            raise click.ClickException(_one_line(exc) + hint) from None

    return wrapper


@contextlib.contextmanager
def _warnings_as_lines_while_running() -> Iterator[None]:
    """Every warning a command meets (data issues, notes from the library) is one
    ``warning: ...`` line on stderr, once; library internals (deprecations) are not shown."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("default", UserWarning)
        warnings.showwarning = _show_warning
        _log_warnings_as_lines()
        yield


def _show_warning(message: Warning | str, *args: Any, **kwargs: Any) -> None:
    click.echo(f"warning: {_one_line(str(message))}", err=True)


def _date_options(func: Any) -> Any:
    options = [
        click.option(
            "--start",
            help="Window start, included: RFC 3339 (2026-10-01T00:00:00Z) or a date (00:00 UTC).",
        ),
        click.option(
            "--end", help="Window end, excluded: the window is [start, end) (default: now)."
        ),
        click.option("--last", help="Shortcut: the last 30m / 12h / 7d / 2w (before --end)."),
        click.option("--month", help="Shortcut: one calendar month in UTC, e.g. 2026-10."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filter_options(func: Any, *, status: bool = True) -> Any:
    """The query's filter options; a store's (``status=False``) has no ``--status``: it keeps
    every status so it can follow executions as they finish."""
    options = [
        click.option("--model", multiple=True, help="Model slug (repeat for several)."),
        click.option(
            "--status",
            multiple=True,
            help="Status (repeat for several); the API accepts created, starting, success, error.",
        ),
        click.option("--workflow-id", help="Only executions of this workflow."),
        click.option("--workflow-execution-id", help="Only executions of this workflow run."),
        click.option(
            "--error-class", multiple=True, help="Error class, e.g. execution_timeout (repeat)."
        ),
    ]
    if not status:
        del options[1]
    for option in reversed(options):
        func = option(func)
    return func


def _store_filter_options(func: Any) -> Any:
    return _filter_options(func, status=False)


#: where ``--api-version`` is kept for :func:`_client` (not a parameter of every command)
_API_VERSION_KEY = "eachlabs_analytics.api_version"
_DEBUG_KEY = "eachlabs_analytics.debug"
_API_VERSION_CHOICES = ("auto", "v2", "v1")  # loader.client.API_VERSIONS (a test keeps them one)


def _remember_api_version(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    ctx.meta[_API_VERSION_KEY] = value


def _api_version_option(func: Any) -> Any:
    return click.option(
        "--api-version",
        type=click.Choice(_API_VERSION_CHOICES),
        envvar="EACHLABS_API_VERSION",
        expose_value=False,
        callback=_remember_api_version,
        help="Executions listing to read: auto (GET /v2/executions, falling back to the "
        "deprecated v1 when v2 answers 404), v2 or v1 [env EACHLABS_API_VERSION; default auto].",
    )(func)


def _api_options(func: Any) -> Any:
    options: list[Any] = [
        click.option(
            "--base-url",
            envvar="EACHLABS_BASE_URL",
            help="API base URL [env EACHLABS_BASE_URL; default https://api.eachlabs.ai].",
        ),
        _api_version_option,
        click.option(
            "--progress/--no-progress",
            default=None,
            help="Progress bar on stderr [default: on in a terminal].",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filters(
    model: tuple[str, ...],
    workflow_id: str | None,
    workflow_execution_id: str | None,
    error_class: tuple[str, ...],
    status: tuple[str, ...] = (),
) -> Any:
    """The command's filter options, checked once (any status: stores and files hold all)."""
    from eachlabs_analytics.loader.query import Filters

    return Filters.parse(
        list(model) or None,
        list(status) or None,
        workflow_id,
        workflow_execution_id,
        list(error_class) or None,
        any_status=True,
    )


def _client(base_url: str | None) -> Any:
    """A client for the command's ``--base-url`` and ``--api-version``; the library's warnings
    (e.g. a fallback to v1) print as one ``warning:`` line each."""
    from eachlabs_analytics.loader import Client

    _log_warnings_as_lines()
    return Client(api_key=_api_key(), base_url=base_url, api_version=_api_version())


def _api_version() -> str | None:
    context = click.get_current_context(silent=True)
    return None if context is None else context.meta.get(_API_VERSION_KEY)


class _WarningLines(logging.Handler):
    """The package's log warnings as ``warning: ...`` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"warning: {record.getMessage()}", err=True)


def _log_warnings_as_lines() -> None:
    context = click.get_current_context(silent=True)
    if context is not None and context.meta.get(_DEBUG_KEY):
        return  # --debug logs everything to stderr already
    logger = logging.getLogger("eachlabs_analytics")
    if not any(isinstance(handler, _WarningLines) for handler in logger.handlers):
        logger.addHandler(_WarningLines(logging.WARNING))


def _say(message: str) -> None:
    """Progress and context go to stderr; stdout carries only results."""
    click.echo(message, err=True)


def _describe_window(df: Any) -> str:
    from eachlabs_analytics._util.formats import fmt_window

    window = df.attrs.get("window") or {}
    return fmt_window(window.get("start"), window.get("end"))


def _now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").floor("us")


class _NoData(click.ClickException):
    """The window or the filters matched no execution: exit status 3, nothing written."""

    exit_code = NO_DATA


def _allow_empty_option(func: Any) -> Any:
    return click.option(
        "--allow-empty",
        is_flag=True,
        help=f"Write the output even when nothing matched (else exit status {NO_DATA}).",
    )(func)


def _refuse_empty(empty: bool, allow_empty: bool) -> None:
    if empty and not allow_empty:
        raise _NoData(
            "no executions matched (see the line above); nothing was written. Widen the "
            "window or the filters, or pass --allow-empty to write an empty result"
        )


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


@main.command()
@_date_options
@_filter_options
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
@_allow_empty_option
@_api_options
@_debug_option
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
    _make_parent(output)
    arguments = _filters(**filters).arguments()
    with _client(base_url) as client:
        df = load_executions(
            window_start, window_end, **arguments, client=client, progress=progress
        )
    _refuse_empty(len(df) == 0, allow_empty)
    written = to_parquet(df, output) if fmt == "parquet" else write_csv(df, output)
    _say(f"fetched {len(df):,} executions created {_describe_window(df)}")
    click.echo(str(written))


@main.command()
@click.argument("store", type=click.Path(path_type=Path))
@_date_options
@_store_filter_options
@click.option(
    "--overlap",
    default="1h",
    show_default=True,
    help="Re-fetch this much before the last sync's end (late arrivals).",
)
@_api_options
@_debug_option
def sync(
    store: Path,
    overlap: str,
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
    in flight, upserting by id. Filters are fixed by the first sync.

    \b
    Examples:
      eachlabs-analytics sync ./executions-store --last 90d     # first sync
      eachlabs-analytics sync ./executions-store                # later: incremental
      eachlabs-analytics sync ./veo-store --model veo-3 --start 2026-08-01
      duckdb -c "SELECT count(*) FROM read_parquet('executions-store/data/*/*.parquet',
                 hive_partitioning=true, hive_types={'created_date': DATE})"
    """
    from eachlabs_analytics._util.windows import parse_duration, resolve_range
    from eachlabs_analytics.store import ExecutionStore

    window_start, window_end = resolve_range(start, end, last, month).resolve(_now())
    overlap_delta = parse_duration(overlap, "overlap")
    target = ExecutionStore(store)
    with _client(base_url) as client:
        result = target.sync(
            start=window_start,
            end=window_end,
            client=client,
            overlap=overlap_delta,
            progress=progress,
            **_filters(**filters).arguments(),
        )
    _say(
        f"fetched {result.fetched:,} executions in {len(result.fetched_windows)} window(s): "
        f"{result.inserted:,} new, {result.updated:,} updated, {result.unchanged:,} unchanged; "
        f"{result.partitions_written} day file(s) rewritten"
    )
    click.echo(
        f"{store}: {result.rows:,} executions from {result.window['start']} to "
        f"{result.window['end']} ({result.in_flight:,} in flight)"
    )


@main.command()
@click.argument("store", type=click.Path(path_type=Path), callback=_existing("dir"))
@_api_options
@_debug_option
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
        _say(f"damaged: {problem.path}")
    if not damaged:
        click.echo(f"{store}: every day file reads completely; nothing to repair")
        return
    with _client(base_url) as client:
        result = target.repair(client=client, progress=progress)
    click.echo(
        f"{store}: {len(damaged)} day file(s) moved to {store / 'quarantine'} and fetched again "
        f"({result.fetched:,} executions); {result.rows:,} executions stored"
    )


@main.command()
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path),
    callback=_existing("dir"),
    help="Report from a local store instead of the API.",
)
@click.option(
    "--input",
    "input_path",
    type=click.Path(path_type=Path),
    callback=_existing("file"),
    help="Report from a Parquet file (e.g. written by fetch) instead of the API.",
)
@_date_options
@_filter_options
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
@_allow_empty_option
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
    callback=_existing("file"),
    help="With --input: a Parquet file of the period to compare with.",
)
@click.option("--top", type=click.IntRange(1), default=10, show_default=True)
@click.option("--title", help="The report's title.")
@_api_options
@_debug_option
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
    from eachlabs_analytics._util.windows import resolve_range
    from eachlabs_analytics.app import sources
    from eachlabs_analytics.report import FORMATS, cost_report

    if store_path is not None and input_path is not None:
        raise click.UsageError("give --store or --input, not both")
    if previous_path is not None and input_path is None:
        raise click.UsageError("--previous goes with --input (the API and stores find it)")
    window = resolve_range(start, end, last, month)
    fmt = {"md": "markdown"}.get(fmt or "", fmt) or _report_format(output)
    chosen = _filters(**filters)
    if output is not None:
        _make_parent(output)
    if input_path is not None:
        periods = sources.from_files(input_path, previous_path, window, chosen)
    elif store_path is not None:
        # a scan (with the [lazy] extra): computed in DuckDB, the store is never loaded
        lazy = sources.can_scan()
        periods = sources.from_store(store_path, window, chosen, compare=compare, lazy=lazy)
    else:
        with _client(base_url) as client:
            periods = sources.from_api(client, window, chosen, compare=compare, progress=progress)
    for note in periods.notes:
        if compare or not note.startswith("no comparison"):
            _say(note)
    _refuse_empty(periods.empty, allow_empty)
    df, previous = periods.current, periods.previous
    target = output if output is not None else Path(FORMATS[fmt])
    _say(f"reporting on {sources.count(df):,} executions created {_describe_window(df)}")
    if previous is not None:
        _say(f"compared with {sources.count(previous):,} created {_describe_window(previous)}")
    written = cost_report(
        df,
        target,
        format=fmt,
        redact=redact,
        previous=previous,
        top=top,
        title=title,
        history=periods.history,
    )
    click.echo(str(written))


@main.command()
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
@_api_options
@click.option("--debug", is_flag=True, help="On error, show the full traceback.")
def check(
    store_path: Path | None,
    input_path: Path | None,
    budgets: tuple[str, ...],
    period: str,
    anomalies: bool,
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
    """
    import json

    try:
        result, state = _run_check(
            store_path, input_path, budgets, period, anomalies, history, state_path, base_url,
            progress,
        )  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - a check reports UNKNOWN, whatever went wrong
        if debug:
            raise
        click.echo(f"EACHLABS UNKNOWN - {_one_line(exc)}")
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
) -> tuple[Any, Any]:
    from eachlabs_analytics._util.windows import Window, parse_duration
    from eachlabs_analytics.app import sources
    from eachlabs_analytics.app.alerts import AlertState
    from eachlabs_analytics.watch.check import parse_budgets, run_check

    if store_path is not None and input_path is not None:
        raise click.UsageError("give --store or --input, not both")
    chosen = parse_budgets(budgets)
    data: Any  # a frame, or a store's lazy selection
    if input_path is not None:
        data = sources.from_files(_existing_file(input_path, "--input")).current
    elif store_path is not None:
        data = _check_store(store_path)
        state_path = state_path or Path(store_path) / "check-state.json"
    else:
        window = Window(last=parse_duration(history, "history"))
        with _client(base_url) as client, warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)  # an empty load is UNKNOWN
            periods = sources.from_api(client, window, compare=False, progress=progress)
            for note in periods.notes:  # where the window was counted from, on stderr
                _say(note)
            data = periods.current
    result = run_check(data, chosen, period=period, anomalies=anomalies)
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
        _say("notify: no new alert to send")
        return
    try:
        notify(url, result, new)
    except NotificationError as exc:
        _say(f"notify: the notification failed, alerts not sent: {_one_line(exc)}")
        return
    if state is not None:
        state.mark_sent(new)
    _say(f"notify: sent {len(new)} new alert(s)")


@main.command()
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
@_debug_option
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

    result = run_demo(output_dir, days, progress=progress, say=_say)
    before = result.spend_before
    change = f"{(result.spend - before) / before:+.1%}" if before else "n/a"
    click.echo(
        f"Loaded {result.loaded:,} executions (all of the sample) through the sandbox; "
        f"last {days} days: {result.executions:,} executions, ${result.spend:,.2f} ({change} vs "
        f"the {days} days before)."
    )
    click.echo(f"Report:   {result.html.resolve()}")
    click.echo(f"Markdown: {result.markdown.resolve()}")


@main.command()
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    callback=_existing("file"),
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
    callback=_loopback,
    help="Loopback address to serve on (other hosts are refused).",
)
@_api_version_option
@_debug_option
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
    version = _api_version()
    if version is not None:  # the dashboard's kernel loads with its own client
        os.environ["EACHLABS_API_VERSION"] = version
    _say(f"starting the explorer on http://{host}:{port}/ (rendering the page once) ...")
    code = serve_dashboard(data=data, port=port, host=host, days=days)  # says when it serves
    if code:
        raise click.ClickException(f"Voilà stopped with exit code {code}")
