"""Where a report's executions come from: the API, a store or a file, with the period before.

The report and check commands (and notebooks) get a :class:`Periods`: the executions of the
window asked for and, where they can be had, those of the period to compare with (the month
before a ``--month``, else the same length immediately before). Windows are half-open,
``[start, end)``. A ``--last`` window counts back from the clock of the data it reads: the
API's (now, or a sandbox's day), the end of the data for a store or a file; no window covers
more than its source (October asked of a sandbox living on October 31 covers to the 31st),
and :attr:`Periods.notes` says so.

>>> import eachlabs_analytics as ea
>>> from eachlabs_analytics._util.windows import resolve_range
>>> with ea.sandbox(executions=2_000, seed=7, end="2026-10-31T00:00:00Z") as api:
...     with ea.Client(api_key=api.api_key, base_url=api.base_url) as client:
...         periods = from_api(client, resolve_range(month="2026-10"), progress=False)
>>> periods.current.attrs["window"]["end"], periods.previous.attrs["window"]["start"]
('2026-10-31T00:00:00Z', '2026-09-01T00:00:00Z')
>>> periods.notes
["the window ends at the API's clock, 2026-10-31T00:00:00Z: nothing later has happened"]
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from eachlabs_analytics._util.timestamps import format_timestamp
from eachlabs_analytics._util.windows import Window, data_end, select_window
from eachlabs_analytics.exceptions import StoreError
from eachlabs_analytics.loader.load import load_executions
from eachlabs_analytics.loader.query import Filters
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics.frame_partials import answerer
from eachlabs_analytics.metrics.lazy import Executions

if TYPE_CHECKING:
    from eachlabs_analytics.loader.client import Client

#: The window a report from the API covers when none is given.
DEFAULT_DAYS = 30


@dataclass
class Periods:
    """The executions of a window, and of the period to compare with (None: not available).

    ``current`` and ``previous`` are DataFrames, or lazy selections from
    ``from_store(..., lazy=True)``. ``history`` is all the source holds under the same filters
    (the store or file, from the :data:`~eachlabs_analytics.watch.forecast.HISTORY_DAYS`
    before the window's end on; from the API, one load of those days and both periods):
    forecasts learn from it, so a report's month-end figure is the one ``check``
    gives on the same source. ``notes`` are what a user should be told about them: where
    a relative window was counted from, why there is no comparison, that a window or a filter
    matched nothing (with close matches for a mistyped model where the data can tell).
    """

    current: Any
    previous: Executions | None = None
    notes: list[str] = field(default_factory=list)
    history: Executions | None = None

    @property
    def empty(self) -> bool:
        """Whether the window holds no execution."""
        return count(self.current) == 0


def count(executions: Executions) -> int:
    """Rows of a frame, or of a selection (one ``COUNT(*)`` in its engine).

    >>> count(pd.DataFrame({"id": ["a", "b"]}))
    2
    """
    return answerer(executions, "count").count()


def models_of(executions: Executions) -> list[str]:
    """The model slugs of a frame or a selection (its cost per model), for the list prices
    to read.

    >>> import eachlabs_analytics as ea
    >>> models_of(ea.generate_executions(executions=300, seed=1))[:2]
    ['eachlabs-bg-remover-v1', 'eachlabs-llm-router']
    """
    from eachlabs_analytics.metrics import cost_by_model

    return sorted(str(m) for m in cost_by_model(executions).index if not pd.isna(m))


def from_api(
    client: Client,
    window: Window | None = None,
    filters: Filters | None = None,
    *,
    compare: bool = True,
    progress: bool | None = None,
) -> Periods:
    """Load ``window`` (default: the 30 days before now) and, with ``compare``, the period to
    compare with, through ``client``.

    Relative windows (``--last``, the default) count back from now, or from the API's clock
    when it is behind this machine's by more than an hour (a sandbox serving history: the
    sample's lives on 2026-10-31), which one request for one row tells, and a note says so.
    One load covers the window, the period to compare with and the
    :data:`~eachlabs_analytics.watch.forecast.HISTORY_DAYS` before the end: ``history`` holds
    what a forecast learns from, so the report's month-end figure is the one ``check`` gives.
    """
    from eachlabs_analytics.loader.load import FUTURE_TOLERANCE
    from eachlabs_analytics.watch.forecast import HISTORY_DAYS

    window = window or Window()
    now = pd.Timestamp.now(tz="UTC").floor("us")
    notes = []
    if window.end is None and (window.anchored or window.start is None):
        clock = client.server_clock()
        if clock is not None and clock < now - FUTURE_TOLERANCE:
            now = clock
            notes.append(
                f"the window counts back from the API's clock, {format_timestamp(clock)}, "
                "not this machine's: the API lives in the past (a sandbox serving history)"
            )
    start, end = window.resolve(now)
    end = end if end is not None else now
    start = start if start is not None else end - pd.Timedelta(days=DEFAULT_DAYS)
    arguments = (filters or Filters()).arguments()
    first = min(start, end.floor("D") - pd.Timedelta(days=HISTORY_DAYS + 1))
    before_start, before_end = window.previous(start, end)
    if compare:
        first = min(first, before_start)
    history = load_executions(first, end, **arguments, client=client, progress=progress)
    periods = Periods(
        select_window(history, start, end),
        select_window(history, before_start, before_end) if compare else None,
        notes=notes,
        history=history,
    )
    covered = history.attrs.get("window") or {}
    if covered.get("end_source") == "server clock":
        periods.notes.append(
            f"the window ends at the API's clock, {covered['end']}: nothing later has happened"
        )
    _note_if_empty(periods, start, end, filters, known_models=None)
    return periods


def from_store(
    path: str | os.PathLike[str],
    window: Window | None = None,
    filters: Filters | None = None,
    *,
    compare: bool = True,
    lazy: bool = False,
) -> Periods:
    """The store's rows in ``window`` (default: its whole window) and, with ``compare``, the
    period to compare with when the store holds all of it.

    ``lazy=True`` gives selections (``store.scan``, one DuckDB engine for both periods, so a
    report compares them in one database) instead of frames: nothing is loaded, the notes are
    the same (the models a mistyped one is matched against come from a grouped query). The
    report command uses it; every helper and ``cost_report`` accept selections.
    """
    from eachlabs_analytics.store import ExecutionStore
    from eachlabs_analytics.watch.forecast import HISTORY_DAYS

    store = ExecutionStore(path)
    stored = store.window
    if stored is None:
        raise StoreError(
            f"{path} is not a synced store (no manifest.json): create one with "
            f"`eachlabs-analytics sync {path} --last 90d` (an empty or new directory), or "
            "point --store at the directory a sync wrote",
            path=path,
        )
    window = window or Window()
    clock = pd.Timestamp(stored["end"])
    start, end = window.resolve(clock)
    start = start if start is not None else pd.Timestamp(stored["start"])
    asked = end if end is not None else clock
    # the store knows nothing after its last sync (a window wholly after it stays as asked:
    # empty, and said so)
    end = min(asked, clock) if start < clock else asked
    arguments = (filters or Filters()).arguments()
    read: Callable[..., Any] = store.load
    if lazy:
        from eachlabs_analytics.engines import DuckDBEngine

        read = functools.partial(store.scan, engine=DuckDBEngine())
    learn_from = end.floor("D") - pd.Timedelta(days=HISTORY_DAYS + 1)
    first = max(min(start, learn_from), pd.Timestamp(stored["start"]))
    if lazy:  # selections cost nothing until asked: each one scans what it needs
        periods = Periods(read(start=start, end=end, **arguments))
        periods.history = read(start=first, end=end, **arguments)
    else:  # one load of what every period and the forecast need, cut in memory
        before_start = window.previous(start, end)[0] if compare else first
        history = read(start=max(min(first, before_start), pd.Timestamp(stored["start"])),
                       end=end, **arguments)  # fmt: skip
        periods = Periods(select_window(history, start, end), history=history)
    if window.anchored:
        periods.notes.append(
            f"--last counted back from the store's end, {stored['end']} (its last sync)"
        )
    elif asked > clock:
        periods.notes.append(
            f"the store's data ends {stored['end']} (its last sync): the window ends there, "
            f"not at {format_timestamp(asked)}"
        )
    if compare:
        before_start, before_end = window.previous(start, end)
        if before_start < pd.Timestamp(stored["start"]):
            periods.notes.append(
                f"no comparison: the store starts {stored['start']}, after the previous "
                f"period's start {format_timestamp(before_start)} (sync with an earlier "
                "--start to add it)"
            )
        elif lazy:
            periods.previous = read(start=before_start, end=before_end, **arguments)
        else:
            periods.previous = select_window(periods.history, before_start, before_end)
    models = None
    if periods.empty and filters is not None and filters.models:
        models = _models(read(start=start, end=end))
    _note_if_empty(periods, start, end, filters, known_models=models)
    return periods


def can_scan() -> bool:
    """Whether lazy selections are installed (the ``[lazy]`` extra: Ibis and DuckDB).

    >>> isinstance(can_scan(), bool)
    True
    """
    return all(importlib.util.find_spec(name) is not None for name in ("ibis", "duckdb"))


def from_files(
    path: str | os.PathLike[str],
    previous_path: str | os.PathLike[str] | None = None,
    window: Window | None = None,
    filters: Filters | None = None,
) -> Periods:
    """A Parquet file's rows in ``window`` matching ``filters``, and those of ``previous_path``
    (the period to compare with) when given."""
    from eachlabs_analytics.store import read_parquet

    filters = filters or Filters()
    window = window or Window()
    frame = read_parquet(path)
    clock = data_end(frame)
    if clock is None:  # an empty file: nothing to count back from
        start, end = window.start, window.end
    else:
        start, end = window.resolve(clock)
    windowed = select_window(frame, start, end)
    if end is not None and clock is not None and end > clock:
        periods_note = (
            f"the file's data ends {format_timestamp(clock)}: the window ends there, not at "
            f"{format_timestamp(end)}"
        )
    else:
        periods_note = None
    # the forecast learns from the whole file; with --previous FILE from the two files joined
    # where they meet (the report does that join), as the file alone may hold only the window
    history = filters.select(frame) if previous_path is None else None
    periods = Periods(filters.select(windowed), history=history)
    if periods_note:
        periods.notes.append(periods_note)
    if window.anchored:
        periods.notes.append(
            f"--last counted back from the end of the file's data, {format_timestamp(clock)}"
            if clock is not None
            else "--last ignored: the file holds no executions"
        )
    if previous_path is not None:
        periods.previous = filters.select(read_parquet(previous_path))
    else:
        periods.notes.append("no comparison: give --previous FILE to compare with a period")
    first = start if start is not None else _first(frame)
    last = end if end is not None else clock
    _note_if_empty(periods, first, last, filters, known_models=windowed["model"])
    return periods


def _models(executions: Executions) -> pd.Series:
    """Each model once (a grouped query over a selection)."""
    parts = answerer(executions, "report").partials(_lazy.GroupCounts(by="model", cost=False))
    return pd.Series(_lazy.labels(parts, "key"), dtype=object)


def _first(frame: pd.DataFrame) -> pd.Timestamp | None:
    window = frame.attrs.get("window") or {}
    return pd.Timestamp(window["start"]) if window.get("start") else None


def _note_if_empty(
    periods: Periods,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    filters: Filters | None,
    known_models: pd.Series | None,
) -> None:
    if not periods.empty:
        return
    span = f"[{_text(start)}, {_text(end)})"
    chosen = {k: v for k, v in (filters or Filters()).arguments().items() if v}
    what = f" matching {chosen}" if chosen else ""
    note = f"no executions were created in {span}{what}"
    if known_models is not None and filters is not None:
        present = sorted({str(m) for m in known_models.dropna().unique()})
        for model in filters.models:
            if model not in present:
                close = difflib.get_close_matches(model, present, n=3)
                hint = f"did you mean {', '.join(close)}?" if close else "no such model here"
                note += f"; model {model!r}: {hint}"
    periods.notes.append(note)


def _text(value: pd.Timestamp | None) -> str:
    return format_timestamp(value) if value is not None else "…"
