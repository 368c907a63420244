"""The options commands share and what they resolve to: the selection (window and filters,
declared once by :func:`selection_options`), the API options and the client they open, and
the checks of paths and hosts given on the command line.

>>> @click.command()
... @selection_options(status=False)
... def pick(**options: object) -> None: ...
>>> [param.name for param in pick.params]  # doctest: +NORMALIZE_WHITESPACE
['start', 'end', 'last', 'month', 'model', 'workflow_id', 'workflow_execution_id',
 'error_class']
>>> parse_filters(("veo-3",), None, None, ("execution_timeout",)).error_classes
('execution_timeout',)
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from eachlabs_analytics.cli.errors import NO_DATA, log_warnings_as_lines

_KEY_ENV = "EACHLABS_API_KEY"
#: where ``--api-version`` is kept for :func:`open_client` (not a parameter of every command)
_API_VERSION_KEY = "eachlabs_analytics.api_version"
_API_VERSION_CHOICES = ("auto", "v2", "v1")  # loader.client.API_VERSIONS (a test keeps them one)


def _name(param: click.Parameter) -> str:
    return param.opts[-1] if isinstance(param, click.Option) else param.human_readable_name


def existing(kind: str) -> Any:
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


def loopback(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from eachlabs_analytics._util.keys import is_loopback

    if is_loopback(value):
        return value
    raise click.BadParameter(f"{value!r} is not a loopback address; use 127.0.0.1 or ::1")


def selection_options(*, status: bool = True) -> Callable[[Any], Any]:
    """The options of every command that takes a selection: the window (``--start``,
    ``--end``, ``--last``, ``--month``) and the query's filters (read back with
    :func:`parse_filters`). A store's (``status=False``) has no ``--status``: it keeps every
    status so it can follow executions as they finish."""
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
        del options[5]  # --status

    def declare(func: Any) -> Any:
        for option in reversed(options):
            func = option(func)
        return func

    return declare


def allow_empty_option(func: Any) -> Any:
    return click.option(
        "--allow-empty",
        is_flag=True,
        help=f"Write the output even when nothing matched (else exit status {NO_DATA}).",
    )(func)


def _remember_api_version(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    ctx.meta[_API_VERSION_KEY] = value


def api_version_option(func: Any) -> Any:
    return click.option(
        "--api-version",
        type=click.Choice(_API_VERSION_CHOICES),
        envvar="EACHLABS_API_VERSION",
        expose_value=False,
        callback=_remember_api_version,
        help="Executions listing to read: auto (GET /v2/executions, falling back to the "
        "deprecated v1 when v2 answers 404), v2 or v1 [env EACHLABS_API_VERSION; default auto].",
    )(func)


def base_url_option(func: Any) -> Any:
    return click.option(
        "--base-url",
        envvar="EACHLABS_BASE_URL",
        help="API base URL [env EACHLABS_BASE_URL; default https://api.eachlabs.ai].",
    )(func)


def api_options(func: Any) -> Any:
    options: list[Any] = [
        base_url_option,
        api_version_option,
        click.option(
            "--progress/--no-progress",
            default=None,
            help="Progress bar on stderr [default: on in a terminal].",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def parse_filters(
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


def open_client(base_url: str | None) -> Any:
    """A client for the command's ``--base-url`` and ``--api-version``; the library's warnings
    (e.g. a fallback to v1) print as one ``warning:`` line each."""
    from eachlabs_analytics.loader import Client

    log_warnings_as_lines()
    return Client(api_key=_api_key(), base_url=base_url, api_version=api_version())


@contextlib.contextmanager
def open_client_or_none(base_url: str | None) -> Iterator[Any]:
    """A client as :func:`open_client` makes it, or None when no key is configured (for
    what can be judged without the API: a check of a store's runway); never prompts."""
    if not os.environ.get(_KEY_ENV, "").strip():
        yield None
        return
    with open_client(base_url) as client:
        yield client


def open_keyless_client(base_url: str | None) -> Any:
    """A client for endpoints that need no key (list prices): it never asks for one, and
    sends none even when ``$EACHLABS_API_KEY`` is set."""
    from eachlabs_analytics.loader import Client

    log_warnings_as_lines()
    return Client(base_url=base_url, require_key=False)


def api_version() -> str | None:
    context = click.get_current_context(silent=True)
    return None if context is None else context.meta.get(_API_VERSION_KEY)
