"""How a command fails and warns: every error is one ``Error:`` line on stderr with an exit
status (the table in docs/cli.md), every warning one ``warning:`` line; ``--debug`` shows the
traceback instead.

>>> one_line(ValueError("the API refused\\n  the key smk_live_abc123"))
'the API refused the key smk_<redacted>'
>>> NO_DATA, UNKNOWN
(3, 3)
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import click

#: Exit status when the window or the filters matched no execution (nothing is written).
NO_DATA = 3
#: ``check``'s statuses follow the monitoring-plugin convention: 0 OK, 1 WARNING,
#: 2 CRITICAL, 3 UNKNOWN (any error, a usage error included).
UNKNOWN = 3
#: where ``--debug`` is kept for :func:`log_warnings_as_lines` (it logs everything already)
_DEBUG_KEY = "eachlabs_analytics.debug"


class ErrorLineGroup(click.Group):
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
            click.echo(f"Error: {one_line(exc.format_message())} (see {where} --help)", err=True)
            # a monitoring check says UNKNOWN (3) for anything it cannot judge
            checking = exc.ctx is not None and exc.ctx.command.name == "check"
            sys.exit(UNKNOWN if checking else exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"Error: {one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Error: aborted", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def one_line(exc: BaseException | str) -> str:
    """An error or a message as one line, with anything key-like redacted."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    from eachlabs_analytics._util.keys import redact

    return redact(text)


def debug_option(func: Any) -> Any:
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
                raise click.UsageError(one_line(exc)) from None

            known = isinstance(exc, (EachlabsError, ValueError, OSError))
            hint = "" if known else " (unexpected; run again with --debug for the traceback)"
            raise click.ClickException(one_line(exc) + hint) from None

    return wrapper


@contextlib.contextmanager
def _warnings_as_lines_while_running() -> Iterator[None]:
    """Every warning a command meets (data issues, notes from the library) is one
    ``warning: ...`` line on stderr, once; library internals (deprecations) are not shown."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("default", UserWarning)
        warnings.showwarning = _show_warning
        log_warnings_as_lines()
        yield


def _show_warning(message: Warning | str, *args: Any, **kwargs: Any) -> None:
    click.echo(f"warning: {one_line(str(message))}", err=True)


class _WarningLines(logging.Handler):
    """The package's log warnings as ``warning: ...`` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"warning: {record.getMessage()}", err=True)


def log_warnings_as_lines() -> None:
    context = click.get_current_context(silent=True)
    if context is not None and context.meta.get(_DEBUG_KEY):
        return  # --debug logs everything to stderr already
    logger = logging.getLogger("eachlabs_analytics")
    if not any(isinstance(handler, _WarningLines) for handler in logger.handlers):
        logger.addHandler(_WarningLines(logging.WARNING))


class _NoData(click.ClickException):
    """The window or the filters matched no execution: exit status 3, nothing written."""

    exit_code = NO_DATA


def refuse_empty(empty: bool, allow_empty: bool) -> None:
    if empty and not allow_empty:
        raise _NoData(
            "no executions matched (see the line above); nothing was written. Widen the "
            "window or the filters, or pass --allow-empty to write an empty result"
        )
