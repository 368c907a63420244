"""The ``eachlabs-analytics`` command line: thin click commands over the library.

Each command parses its options, calls library functions, and turns library errors into one
``Error:`` line and an exit status. It holds no logic a notebook would want.

Nothing else in the package imports the cli.
"""

from __future__ import annotations

from eachlabs_analytics.cli.commands import main

__all__ = ["main"]
