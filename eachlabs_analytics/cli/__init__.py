"""The ``eachlabs-analytics`` command line: thin click commands over the library.

Each command parses its options, calls library functions, and turns library errors into one
``Error:`` line and an exit status. It holds no logic a notebook would want.

It may import every other part of the package; nothing but ``__main__`` imports it, and it
must never import another face's private helpers (a helper two faces need lives in the
library).
"""

from __future__ import annotations

from eachlabs_analytics.cli.commands import main

__all__ = ["main"]
