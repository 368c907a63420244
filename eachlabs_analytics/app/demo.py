"""The main job, offline: the bundled sample through the sandbox and the real loader into a
cost report (``eachlabs-analytics demo``, ``./dev demo``).

The sandbox serves the sample; the loader fetches its exact window (paging, retries, error
classes) and must return every execution of it, then reads the balance, the list prices and
the workflows' names; the report covers the sample's last ``days`` against the ``days``
before, with the balance's runway, charges against list prices and workflow names.

>>> import tempfile
>>> result = run_demo(tempfile.mkdtemp(), days=7, progress=False)
>>> result.loaded, result.html.name
(36000, 'cost-report.html')
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from eachlabs_analytics._util import money
from eachlabs_analytics._util.windows import select_window
from eachlabs_analytics.app import reference
from eachlabs_analytics.exceptions import EachlabsError
from eachlabs_analytics.loader import Client, load_executions
from eachlabs_analytics.local_api import Sandbox
from eachlabs_analytics.report import cost_report


@dataclass(frozen=True)
class DemoResult:
    """What the demo loaded and wrote: ``spend``/``spend_before`` are the two periods' USD."""

    loaded: int
    executions: int
    spend: float
    spend_before: float
    html: Path
    markdown: Path


def run_demo(
    output_dir: str | os.PathLike[str],
    days: int = 30,
    *,
    progress: bool | None = None,
    say: Callable[[str], None] = lambda message: None,
) -> DemoResult:
    """Serve the sample, load all of it with the loader, write the HTML and Markdown report.

    Raises ``EachlabsError`` if the loader did not return exactly the sample's executions.
    """
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)  # fails now, not after the load
    say("starting the sandbox on the bundled sample ...")
    with Sandbox(data="sample") as api:
        truth = api.truth
        window = truth.attrs["window"]
        say(f"loading {window['start']} to {window['end']} from {api.base_url} with the loader ...")
        with Client(api_key=api.api_key, base_url=api.base_url) as client:
            df = load_executions(window["start"], window["end"], client=client, progress=progress)
            say("reading the balance, the list prices and the workflows' names ...")
            found = reference.from_api(client, models=df["model"].unique())
    for note in found.notes:
        say(note)
    if len(df) != len(truth) or set(df["id"]) != set(truth["id"]):
        raise EachlabsError(
            f"the loader returned {len(df):,} executions but the sample has {len(truth):,}"
        )
    end = pd.Timestamp(window["end"])
    cut = end - pd.Timedelta(days=days)
    current = select_window(df, cut, end)
    previous = select_window(df, cut - pd.Timedelta(days=days), cut)
    title = f"each::labs cost report: the sample's last {days} days"
    # the forecast learns from all that was loaded: the month-end figure `check` gives too
    extra = found.report_arguments()
    html = cost_report(
        current, output / "cost-report.html", previous=previous, title=title, history=df, **extra
    )
    markdown = cost_report(
        current,
        output / "cost-report.md",
        format="markdown",
        previous=previous,
        title=title,
        history=df,
        **extra,
    )
    assert isinstance(html, Path) and isinstance(markdown, Path)
    return DemoResult(
        loaded=len(df),
        executions=len(current),
        spend=money.total(current["execution_cost"].to_numpy()),
        spend_before=money.total(previous["execution_cost"].to_numpy()),
        html=html,
        markdown=markdown,
    )
