"""Where a command writes: results (paths, verdicts) on stdout, progress and context on
stderr with :func:`say`, the window it worked on in the words of every output, and the
folder of an output file made before any work.

>>> import pandas as pd
>>> df = pd.DataFrame()
>>> df.attrs["window"] = {"start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"}
>>> describe_window(df)
'2026-10-01 to 2026-10-31 (31 days, UTC)'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


def say(message: str) -> None:
    """Progress and context go to stderr; stdout carries only results."""
    click.echo(message, err=True)


def describe_window(df: Any) -> str:
    from eachlabs_analytics._util.formats import fmt_window

    window = df.attrs.get("window") or {}
    return fmt_window(window.get("start"), window.get("end"))


def make_parent(path: Path, option: str = "-o/--output") -> None:
    """Create the folders ``path`` goes in (as ``demo --output-dir`` does), before any work.

    A file standing where a folder must go fails now, not after the fetch or the rendering.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(
            f"{option} {path}: cannot create the folder {path.parent} ({exc.strerror or exc})"
        ) from None
