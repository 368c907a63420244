"""The ``eachlabs-analytics`` command line: thin click commands over the library.

Owns the ``main`` click group (the entry point ``eachlabs_analytics.cli:main``) and its
commands. Each command parses its options, calls library functions, and turns library errors
into one ``Error:`` line and an exit status. It holds no logic a notebook would want: what a
notebook needs too lives in the library (``app``, ``report``, ``store``, ``watch``, ...).

- :mod:`.errors`: one ``Error:`` / ``warning:`` line per problem, the exit statuses, ``--debug``
- :mod:`.options`: the shared options (one decorator for a selection's window and filters),
  the path and host checks, and the API client the API options open
- :mod:`.output`: results on stdout, progress on stderr, the window in words, output folders
- :mod:`.fetch`: ``fetch``, ``sync``, ``repair`` (executions from the API onto disk)
- :mod:`.report`: ``report``, ``demo`` (the cost report)
- :mod:`.watch`: ``check`` (budgets and anomalies for cron and monitoring)
- :mod:`.prices`: ``prices`` (the models' list prices, from the API or a store)
- :mod:`.serve`: ``sandbox``, ``dashboard`` (local servers until Ctrl-C)

It may import every other part of the package; nothing but ``__main__`` imports it, and it
must never import another face's private helpers (a helper two faces need lives in the
library).

>>> from click.testing import CliRunner
>>> CliRunner().invoke(main, ["--help"]).exit_code
0
"""

from __future__ import annotations

import click

from eachlabs_analytics import __version__
from eachlabs_analytics.cli.errors import ErrorLineGroup
from eachlabs_analytics.cli.fetch import fetch, repair, sync
from eachlabs_analytics.cli.prices import prices
from eachlabs_analytics.cli.report import demo, report
from eachlabs_analytics.cli.serve import dashboard, sandbox
from eachlabs_analytics.cli.watch import check

__all__ = ["main"]


@click.group(cls=ErrorLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eachlabs-analytics")
def main() -> None:
    """Spend, latency and failure analytics for each::labs executions.

    \b
    Exit status: 0 done, 1 failed (one "Error:" line on stderr), 2 the command line is
    wrong (unknown option or bad value), 3 nothing matched the window and filters (nothing
    written; --allow-empty writes anyway), 130 interrupted.
    """


for _command in (sandbox, fetch, sync, repair, report, check, prices, demo, dashboard):
    main.add_command(_command)
