"""Concurrent paging: many queries over one window on a shared pool of workers.

Each query's first page (the probe) tells how many rows to expect; the window is then cut
into time slices (:func:`pagination.plan_slices`) paged in parallel, and each query ends
with a catch-up pass over its head. A failure anywhere stops every worker and is raised:
the caller gets all pages or an exception, never a silent part.
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
    PAGE_LIMIT,
    OffsetPaginator,
    plan_slices,
    window_params,
)
from eachlabs_analytics.loader.query import Query


class Fetcher:
    """Runs the pages of several queries over one window on a shared pool of workers."""

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
        #: rows first seen by the catch-up pass: created inside the window during the load
        self.appeared = 0

    def fetch(
        self, param_sets: list[dict[str, str]], query: Query, count_rows: bool = True
    ) -> list[Page]:
        """Every page of every parameter set over ``query``'s window; all or an exception.

        With ``count_rows`` (the main rows, not the class lookups) each query ends with a
        catch-up pass over its head: rows created inside the window while the load ran (a
        server clock behind ours) appear there, and are fetched until known rows show up.
        """
        pages: list[Page] = []
        window = window_params(query.start, query.last)
        probes = {
            self.pool.submit(
                self.client.get_page, self._page_params(params, window, 0), self.stats
            ): params
            for params in param_sets
        }
        pending: set[Future] = set(probes)
        estimated = 0
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    result = future.result()  # re-raises the first failure
                    if future not in probes:
                        pages.extend(result)
                        continue
                    probe: Page = result
                    pages.append(probe)
                    self._advance(probe.rows, count_rows)
                    if probe.is_last:
                        continue
                    slices = plan_slices(probe, query.start, query.last, self.workers)
                    estimated += max(probe.total_count, probe.rows)
                    pending.update(self._submit_slices(probes[future], probe, slices, count_rows))
                if count_rows and self.bar is not None and estimated:
                    self.bar.total = max(estimated, self.bar.n)
                    self.bar.refresh()
            if count_rows:
                known = {row_id for page in pages for row_id in page.ids}
                pending = {
                    self.pool.submit(self._catch_up, params, window, known) for params in param_sets
                }
                for future in wait(pending, return_when=FIRST_EXCEPTION)[0]:
                    pages.extend(future.result())
        except BaseException:
            self._stop.set()
            for future in pending:
                future.cancel()
            raise
        return pages

    def _page_params(self, params: dict[str, str], window: dict[str, str], offset: int):
        return {**params, **window, "limit": str(PAGE_LIMIT), "offset": str(offset)}

    def _catch_up(
        self, params: dict[str, str], window: dict[str, str], known: set[str]
    ) -> list[Page]:
        """Re-read the head of a query until a page holds rows already known."""
        pages: list[Page] = []
        paginator = OffsetPaginator()
        while not self._stop.is_set():
            page = self.client.get_page(
                self._page_params(params, window, paginator.offset), self.stats
            )
            pages.append(page)
            new = [row_id for row_id in page.ids if row_id not in known]
            with self._lock:
                self.appeared += len(new)
            self._advance(len(new), True)
            if len(new) < page.rows or not paginator.update(page):
                break
        return pages

    def _submit_slices(
        self,
        params: dict[str, str],
        probe: Page,
        slices: list[tuple[pd.Timestamp, pd.Timestamp]],
        count_rows: bool,
    ) -> list[Future]:
        futures = []
        for index, (start, end) in enumerate(slices):
            continue_probe = index == 0 and len(slices) == 1
            if index == 0 and not continue_probe and probe.oldest_created_at is not None:
                # the newest slice's first page is the probe when the probe's rows all lie in it
                continue_probe = pd.Timestamp(probe.oldest_created_at) >= start
            futures.append(
                self.pool.submit(
                    self._page_slice,
                    params,
                    start,
                    end,
                    probe if continue_probe else None,
                    count_rows,
                )
            )
        return futures

    def _page_slice(
        self,
        params: dict[str, str],
        start: pd.Timestamp,
        end: pd.Timestamp,
        first: Page | None,
        count_rows: bool,
    ) -> list[Page]:
        paginator = OffsetPaginator()
        if first is not None:
            paginator.update(first)  # continue after the probe: it was this slice's page 0
        base = {**params, **window_params(start, end)}
        pages: list[Page] = []
        while not self._stop.is_set():
            page = self.client.get_page({**base, **paginator.params()}, self.stats)
            pages.append(page)
            self._advance(page.rows, count_rows)
            if not paginator.update(page):
                return pages
        return pages  # another worker failed; its exception is what the caller sees

    def _advance(self, rows: int, count_rows: bool) -> None:
        if self.bar is None or not count_rows:
            return
        with self._lock:
            self.bar.update(rows)
            if self.bar.total is not None and self.bar.n > self.bar.total:
                self.bar.total = self.bar.n  # a capped total_count was only a lower bound


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
