"""Concurrent paging: many queries over one window on a shared pool of workers.

The main queries' window starts cut into as many slices as there are workers (each query
gets its share; the error-class lookups start whole). Pages then show how dense the rows are,
and while workers are idle a slice with pages left is cut again in time
(:func:`pagination.read_slice`): on v2 the running traversal keeps the newest part and the
older parts become new traversals, so concurrency follows the data (a burst of rows inside
one hour is cut as finely as a busy month). Each query ends with a catch-up pass over the
window above its newest row. A failure anywhere stops every worker and is raised: the caller
gets all pages or an exception, never a silent part.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any

import pandas as pd

from eachlabs_analytics.loader.client import Client
from eachlabs_analytics.loader.page import FetchStats, Page
from eachlabs_analytics.loader.pagination import (
    PAGES_PER_SLICE,
    Slice,
    filters_of,
    read_slice,
    split_window,
)
from eachlabs_analytics.loader.query import Query

#: The shortest slice a window is cut into before any page was read.
START_SLICE_AT_LEAST = pd.Timedelta(hours=1)


class _Run:
    """The pages of one :meth:`Fetcher.fetch` call, collected from every worker."""

    def __init__(self, bar: Any, known: set[str] | None = None) -> None:
        self.pages: list[Page] = []
        self.bar = bar
        #: ids already loaded (the catch-up pass counts only rows not among them)
        self.known = known
        self.lock = threading.Lock()

    def add(self, page: Page) -> None:
        with self.lock:
            self.pages.append(page)
            if self.bar is not None:
                new = (
                    page.rows if self.known is None else sum(i not in self.known for i in page.ids)
                )
                self.bar.update(new)


class Fetcher:
    """Runs the slices of several queries over one window on a shared pool of workers."""

    def __init__(
        self, client: Client, pool: ThreadPoolExecutor, stats: FetchStats, workers: int, bar: Any
    ) -> None:
        self.client = client
        self.pool = pool
        self.stats = stats
        self.workers = workers
        self.bar = bar
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._futures: set[Future[None]] = set()
        self._running = 0
        #: slices read so far (each a traversal on v2)
        self.slices = 0
        #: rows first seen by the catch-up pass: created inside the window during the load
        self.appeared = 0

    def fetch(
        self, param_sets: list[dict[str, str]], query: Query, count_rows: bool = True
    ) -> list[Page]:
        """Every page of every parameter set over ``query``'s window; all or an exception.

        With ``count_rows`` (the main rows, not the class lookups) each query ends with a
        catch-up pass: rows created inside the window while the load ran (a server clock
        behind ours) lie above the newest row read, and that part of the window is read again.
        """
        run = _Run(self.bar if count_rows else None)
        # no total to plan from: the main queries start spread over the workers (an empty
        # slice costs one request, in parallel), in slices of an hour at least (a store's
        # windows of in-flight rows are minutes); slices are cut again from what pages show
        hours = int((query.last - query.start) / START_SLICE_AT_LEAST) + 1
        share = min(max(1, self.workers // len(param_sets)), hours) if count_rows else 1
        for params in param_sets:
            for lo, hi in split_window(query.start, query.last, share):
                self._spawn(run, Slice(params, lo, hi))
        self._drain()
        if not count_rows:
            return run.pages
        known = {row_id for page in run.pages for row_id in page.ids}
        newest = _newest_by_query(run.pages)
        catch_up = _Run(self.bar, known)
        for params in param_sets:
            seen = newest.get(_key(params))
            lo = query.start if seen is None else max(query.start, seen)
            self._spawn(catch_up, Slice(params, lo, query.last))
        self._drain()
        self.appeared += len({i for page in catch_up.pages for i in page.ids} - known)
        return run.pages + catch_up.pages

    def _spawn(self, run: _Run, job: Slice) -> None:
        with self._lock:
            self._running += 1
            self.slices += 1
            future = self.pool.submit(self._read, run, job)
            self._futures.add(future)
        future.add_done_callback(self._finished)

    def _finished(self, future: Future[None]) -> None:
        with self._lock:
            self._running -= 1

    def _read(self, run: _Run, job: Slice) -> None:
        if self._stop.is_set():
            return  # another worker failed; its exception is what the caller sees
        pages = read_slice(
            self.client,
            job,
            spawn=lambda part: self._spawn(run, part),
            split=self._parts,
            stats=self.stats,
            stopped=self._stop.is_set,
        )
        for page in pages:
            run.add(page)

    def _parts(self, pages_left: float) -> int:
        """Into how many parts a slice with ``pages_left`` may be cut: one more than the
        idle workers, and only where each part keeps ``PAGES_PER_SLICE`` pages or more."""
        with self._lock:
            idle = self.workers - self._running
        if idle < 1 or pages_left < 2 * PAGES_PER_SLICE:
            return 1
        return int(min(idle + 1, pages_left // PAGES_PER_SLICE))

    def _drain(self) -> None:
        """Wait for every slice, including those cut off while waiting; re-raise a failure."""
        try:
            while True:
                with self._lock:
                    pending = set(self._futures)
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    with self._lock:
                        self._futures.discard(future)
                    future.result()  # re-raises the first failure
        except BaseException:
            self._stop.set()
            with self._lock:
                pending = set(self._futures)
            for future in pending:  # outside the lock: cancel() runs _finished right here
                future.cancel()
            raise


def _key(params: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(filters_of(params).items()))


def _newest_by_query(pages: list[Page]) -> dict[tuple[tuple[str, str], ...], pd.Timestamp]:
    newest: dict[tuple[tuple[str, str], ...], pd.Timestamp] = {}
    for page in pages:
        if page.newest_created_at is None:
            continue
        key = _key(page.params)
        if key not in newest or page.newest_created_at > newest[key]:
            newest[key] = page.newest_created_at
    return newest


def progress_bar(progress: bool | None) -> Any:
    if progress is None:
        progress = _interactive()
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=None, unit="rows", desc="executions", file=sys.stderr, leave=True)


def _interactive() -> bool:
    shell = sys.modules.get("IPython")
    if shell is not None:
        ipython = shell.get_ipython()
        if ipython is not None and "IPKernelApp" in getattr(ipython, "config", {}):
            return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())
