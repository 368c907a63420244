"""Where a report's executions come from: the API, a store or a file, with the period before.

The report and check commands (and notebooks) get a :class:`Periods`: the executions of the
window asked for and, where they can be had, those of the previous period of the same length.
Windows include both ends, like the loader's.

>>> import eachlabs_analytics as ea
>>> with ea.sandbox(executions=2_000, seed=7, end="2026-10-31T00:00:00Z") as api:
...     with ea.Client(api_key=api.api_key, base_url=api.base_url) as client:
...         periods = from_api(client, start=pd.Timestamp("2026-10-24T00:00:00Z"),
...                            end=pd.Timestamp("2026-10-31T00:00:00Z"), progress=False)
>>> periods.previous.attrs["window"]["end"]
'2026-10-23T23:59:59.999999Z'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from eachlabs_analytics._util.timestamps import format_timestamp
from eachlabs_analytics._util.windows import previous_period, select_window
from eachlabs_analytics.exceptions import StoreError
from eachlabs_analytics.loader.load import load_executions
from eachlabs_analytics.loader.query import Filters

if TYPE_CHECKING:
    from eachlabs_analytics.loader.client import Client

#: The window a report from the API covers when none is given.
DEFAULT_DAYS = 30


@dataclass
class Periods:
    """The executions of a window, and of the period before it (None: not available, and
    ``note`` says why)."""

    current: pd.DataFrame
    previous: pd.DataFrame | None = None
    note: str | None = None


def from_api(
    client: Client,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    filters: Filters | None = None,
    *,
    compare: bool = True,
    progress: bool | None = None,
) -> Periods:
    """Load ``[start, end]`` (default: the last 30 days) and, with ``compare``, the period
    of the same length before it, through ``client``."""
    end = end if end is not None else pd.Timestamp.now(tz="UTC").floor("us")
    start = start if start is not None else end - pd.Timedelta(days=DEFAULT_DAYS)
    arguments = (filters or Filters()).arguments()
    current = load_executions(start, end, **arguments, client=client, progress=progress)
    if not compare:
        return Periods(current)
    before_start, before_end = previous_period(start, end)
    previous = load_executions(
        before_start, before_end, **arguments, client=client, progress=progress
    )
    return Periods(current, previous)


def from_store(
    path: str | os.PathLike[str],
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    filters: Filters | None = None,
    *,
    compare: bool = True,
) -> Periods:
    """The store's rows in ``[start, end]`` (default: its whole window) and, with ``compare``,
    the period before it when the store holds all of it."""
    from eachlabs_analytics.store import ExecutionStore

    store = ExecutionStore(path)
    window = store.window
    if window is None:
        raise StoreError(
            f"{path} has no completed sync; run: eachlabs-analytics sync {path}", path=path
        )
    start = start if start is not None else pd.Timestamp(window["start"])
    end = end if end is not None else pd.Timestamp(window["end"])
    arguments = (filters or Filters()).arguments()
    current = store.load(start=start, end=end, **arguments)
    if not compare:
        return Periods(current)
    before_start, before_end = previous_period(start, end)
    if before_start < pd.Timestamp(window["start"]):
        return Periods(
            current,
            note=f"no comparison: the store starts {window['start']}, after the previous "
            f"period's start {format_timestamp(before_start)} (sync with an earlier --start "
            "to add it)",
        )
    return Periods(current, store.load(start=before_start, end=before_end, **arguments))


def from_files(
    path: str | os.PathLike[str],
    previous_path: str | os.PathLike[str] | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    filters: Filters | None = None,
) -> Periods:
    """A Parquet file's rows in ``[start, end]`` matching ``filters``, and those of
    ``previous_path`` (the period to compare with) when given."""
    from eachlabs_analytics.store import read_parquet

    filters = filters or Filters()
    current = filters.select(select_window(read_parquet(path), start, end))
    if previous_path is None:
        return Periods(current, note="no comparison: no previous period file was given")
    return Periods(current, filters.select(read_parquet(previous_path)))
