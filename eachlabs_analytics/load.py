"""``load_executions()``: every page of a query, fetched concurrently, into one typed DataFrame.

>>> import eachlabs_analytics as ea
>>> with ea.sandbox(executions=5_000, seed=7) as api:                          # doctest: +SKIP
...     df = ea.load_executions(start="2026-10-01T00:00:00Z",
...                             base_url=api.base_url, api_key=api.api_key)
>>> df.attrs["window"]["start"]                                              # doctest: +SKIP
'2026-10-01T00:00:00Z'
"""

from __future__ import annotations

import logging
import sys
import threading
import warnings
from collections.abc import Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any

import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics.client import Client, FetchStats, Page
from eachlabs_analytics.exceptions import DataQualityWarning, InvalidQueryError
from eachlabs_analytics.frames import pages_to_frame
from eachlabs_analytics.pagination import PAGE_LIMIT, OffsetPaginator, plan_slices, window_params
from eachlabs_analytics.query import Query, build_query, format_timestamp

logger = logging.getLogger("eachlabs_analytics")

#: Concurrent requests when ``max_workers`` is not given.
DEFAULT_MAX_WORKERS = 8
MAX_WORKERS_LIMIT = 64


def load_executions(
    start: Any = None,
    end: Any = None,
    model: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
    workflow_id: str | None = None,
    workflow_execution_id: str | None = None,
    error_classification: str | Iterable[str] | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    classify_errors: bool = True,
    progress: bool | None = None,
    max_workers: int | None = None,
) -> pd.DataFrame:
    """Load every execution matching a query into one typed DataFrame.

    Args:
        start, end: the creation-time window, inclusive (RFC 3339 string, tz-aware datetime or
            Timestamp; tz-naive values are refused). ``end=None`` pins the end at the moment
            the load starts, so paging runs over a fixed set; ``start=None`` is the API's
            default, the 90 days before ``end``. ``df.attrs["window"]`` records both.
        model: one slug or a list (one query per slug, results combined).
        status: API filter tokens ``created, starting, success, error`` (str or list).
        workflow_id, workflow_execution_id: exact-match filters.
        error_classification: one or more of the 10 classes in ``schema.ERROR_CLASSES``.
        api_key: default ``$EACHLABS_API_KEY``.
        base_url: default ``$EACHLABS_BASE_URL``, else ``https://api.eachlabs.ai``.
        classify_errors: fill ``error_classification`` for failed rows through the API's
            class filter (rows carry no class); failed rows no class query returned stay NA and
            are counted in ``df.attrs["unclassified_errors"]``.
        progress: a tqdm bar of rows fetched on stderr; ``None`` = on in a terminal or notebook.
        max_workers: concurrent requests (1-64, default 8).

    Returns:
        One row per execution (deduplicated by ``id``, the version fetched last wins), sorted by
        ``created_at`` descending then ``id``, with the columns and dtypes of
        ``schema.COLUMNS``/``schema.DTYPES``. ``df.attrs`` holds the window, the query, the fetch
        time, requests and retries, and any data issues — never the key.

    Raises:
        InvalidQueryError: a bad argument (before any request) or an HTTP 400.
        AuthenticationError: no key, or HTTP 401/403.
        RateLimitError, APIError: the API kept failing after every retry. A load never
        returns a partial frame.

    >>> df = load_executions(start="2026-10-01T00:00:00Z", model=["veo-3", "flux-2-pro"],
    ...                      base_url=api.base_url, api_key=api.api_key)   # doctest: +SKIP
    """
    query = build_query(
        start=start,
        end=end,
        model=model,
        status=status,
        workflow_id=workflow_id,
        workflow_execution_id=workflow_execution_id,
        error_classification=error_classification,
    )
    workers = _check_options(classify_errors, progress, max_workers)
    with Client(api_key=api_key, base_url=base_url) as client:
        return _load(client, query, classify_errors, progress, workers)


def load_with_client(
    client: Client,
    start: Any = None,
    end: Any = None,
    model: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
    workflow_id: str | None = None,
    workflow_execution_id: str | None = None,
    error_classification: str | Iterable[str] | None = None,
    classify_errors: bool = True,
    progress: bool | None = None,
    max_workers: int | None = None,
) -> pd.DataFrame:
    """:func:`load_executions` over an existing :class:`Client` (``Client.load_executions``)."""
    query = build_query(
        start=start,
        end=end,
        model=model,
        status=status,
        workflow_id=workflow_id,
        workflow_execution_id=workflow_execution_id,
        error_classification=error_classification,
    )
    workers = _check_options(classify_errors, progress, max_workers)
    return _load(client, query, classify_errors, progress, workers)


def _check_options(classify_errors: object, progress: object, max_workers: object) -> int:
    if not isinstance(classify_errors, bool):
        raise InvalidQueryError(f"classify_errors must be True or False, not {classify_errors!r}")
    if progress is not None and not isinstance(progress, bool):
        raise InvalidQueryError(f"progress must be True, False or None, not {progress!r}")
    if max_workers is None:
        return DEFAULT_MAX_WORKERS
    if (
        not isinstance(max_workers, int)
        or isinstance(max_workers, bool)
        or not 1 <= max_workers <= MAX_WORKERS_LIMIT
    ):
        raise InvalidQueryError(
            f"max_workers must be an integer from 1 to {MAX_WORKERS_LIMIT}, not {max_workers!r}"
        )
    return max_workers


def _load(
    client: Client, query: Query, classify_errors: bool, progress: bool | None, workers: int
) -> pd.DataFrame:
    fetched_at = format_timestamp(pd.Timestamp.now(tz="UTC"))
    stats = FetchStats()
    bar = _progress_bar(progress)
    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="eachlabs") as pool:
            fetcher = _Fetcher(client, pool, stats, workers, bar)
            models: list[str | None] = list(query.models) or [None]
            pages = fetcher.fetch([query.base_params(m) for m in models], query)
            parsed = pages_to_frame(pages, query.start, query.end)
            frame = parsed.frame
            if bar is not None:
                bar.set_postfix_str("classifying errors")
            classification, unclassified = _classify(
                fetcher, query, models, frame, classify_errors, parsed.rows_carry_class
            )
        if bar is not None:
            # pages may overlap at slice edges: settle on the unique row count
            bar.total = bar.n = len(frame)
            bar.refresh()
    finally:
        if bar is not None:
            bar.close()
    issues = _describe_issues(parsed.malformed, parsed.extra_columns, unclassified)
    if fetcher.appeared:
        issues.append(
            f"{fetcher.appeared} rows were created inside the window while loading (the server's "
            "clock is behind this machine's); they are included"
        )
    if parsed.malformed:
        warnings.warn(
            "malformed values became NA: "
            + ", ".join(f"{col}: {n}" for col, n in parsed.malformed.items()),
            DataQualityWarning,
            stacklevel=3,
        )
    frame.attrs.update(
        {
            "source": "each::labs API",
            "base_url": client.base_url,
            "window": query.window(),
            "query": query.describe(),
            "fetched_at": fetched_at,
            "requests": stats.requests,
            "retries": stats.retries,
            "retry_reasons": dict(stats.retry_reasons),
            "pages": len(pages),
            "rows": len(frame),
            "duplicates_dropped": parsed.duplicates_dropped,
            "appeared_while_loading": fetcher.appeared,
            "in_flight_rows": int(frame["status"].isin(schema.IN_FLIGHT_STATUSES).sum()),
            "error_rows": int(frame["status"].isin(schema.FAILED_STATUSES).sum()),
            "classification": classification,
            "unclassified_errors": unclassified,
            "extra_columns": parsed.extra_columns,
            "malformed_values": parsed.malformed,
            "data_issues": issues,
        }
    )
    logger.info(
        "loaded %d executions in %d requests (%d retries) for %s .. %s",
        len(frame),
        stats.requests,
        stats.retries,
        query.window()["start"],
        query.window()["end"],
    )
    return frame


def _classify(
    fetcher: _Fetcher,
    query: Query,
    models: list[str | None],
    frame: pd.DataFrame,
    classify_errors: bool,
    rows_carry_class: bool,
) -> tuple[str, int]:
    """Fill ``error_classification``; return (how it was learned, failed rows left NA)."""
    failed = frame["status"].isin(schema.FAILED_STATUSES).to_numpy()
    if rows_carry_class:
        return "row-field", int((failed & frame["error_classification"].isna().to_numpy()).sum())
    if not classify_errors:
        return "disabled", int(failed.sum())
    if not failed.any():
        return "filter-queries", 0
    if len(query.error_classes) == 1:
        # the query itself restricted rows to one class: every failed row is of that class
        classes = pd.Series(query.error_classes[0], index=frame.index).where(failed)
        frame["error_classification"] = pd.Categorical(classes, dtype=schema.ERROR_CLASS_DTYPE)
        return "filter-argument", 0
    candidates = query.error_classes or schema.ERROR_CLASSES
    param_sets = [
        {**query.base_params(model), "error_classification": error_class}
        for model in models
        for error_class in candidates
    ]
    pages = fetcher.fetch(param_sets, query, count_rows=False)
    ids: list[str] = []
    labels: list[str] = []
    for page in pages:
        ids.extend(page.ids)
        labels.extend([page.params["error_classification"]] * page.rows)
    lookup = pd.Series(labels, index=pd.Index(ids, dtype=schema.STRING_DTYPE))
    lookup = lookup[~lookup.index.duplicated(keep="last")]
    position = lookup.index.get_indexer(frame["id"])
    found = (position >= 0) & failed
    values = pd.Series(pd.NA, index=frame.index, dtype=object)
    values[found] = lookup.to_numpy()[position[found]]
    frame["error_classification"] = pd.Categorical(values, dtype=schema.ERROR_CLASS_DTYPE)
    return "filter-queries", int((failed & ~found).sum())


def _describe_issues(malformed: dict[str, int], extras: list[str], unclassified: int) -> list[str]:
    issues = [f"{n} malformed {col} values set to NA" for col, n in malformed.items()]
    if extras:
        issues.append(f"rows carried undocumented fields, kept as columns: {', '.join(extras)}")
    if unclassified:
        issues.append(f"{unclassified} failed rows have no error class (no class query had them)")
    return issues


class _Fetcher:
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
        window = window_params(query.start, query.end)
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
                    slices = plan_slices(probe, query.start, query.end, self.workers)
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


def _progress_bar(progress: bool | None) -> Any:
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
