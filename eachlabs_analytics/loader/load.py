"""``load_executions()``: every page of a query, fetched concurrently, into one typed DataFrame.

The loader's one entry point: with ``client=`` it uses a :class:`Client` you keep, without
it opens one for the call.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics._util.timestamps import ONE_US, format_timestamp
from eachlabs_analytics.exceptions import DataQualityWarning, InvalidQueryError
from eachlabs_analytics.loader.client import Client
from eachlabs_analytics.loader.fetch import Fetcher, progress_bar
from eachlabs_analytics.loader.frames import pages_to_frame
from eachlabs_analytics.loader.page import FetchStats, Page
from eachlabs_analytics.loader.query import Filters, Query, build_query
from eachlabs_analytics.loader.settings import check_api_version

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
    client: Client | None = None,
    api_version: str | None = None,
) -> pd.DataFrame:
    """Load every execution matching a query into one typed DataFrame.

    Reads ``GET /v2/executions``: the window is cut into time slices, each one cursor
    *traversal* (the filters and ``limit=100``, then every ``next_cursor`` the server gives,
    while ``has_more``), run on a shared pool of workers. v2 gives no total, so slices are
    sized from what the pages show and a dense slice is cut again while workers are idle. The
    deprecated ``GET /v1/executions`` is read only when asked for, or when v2 answers 404
    under ``api_version="auto"``; v1 refuses rows past the first 1,000 of a result, so it is
    read in time slices that each hold fewer. A traversal that misbehaves raises
    :class:`~eachlabs_analytics.PaginationError` rather than returning fewer rows.

    Args:
        start, end: the creation-time window ``[start, end)``: ``start`` included, ``end``
            excluded, so ``2026-10-01T00:00:00Z`` to ``2026-11-01T00:00:00Z`` is October
            exactly (RFC 3339 string, tz-aware datetime or Timestamp; tz-naive values are
            refused). ``end=None`` pins the end at the moment the load starts, so paging runs
            over a fixed set; ``start=None`` is the API's default, the 90 days before ``end``.
            ``df.attrs["window"]`` records both.
        model: one slug or a list (one query per slug, results combined).
        status: API filter tokens ``created, starting, success, error`` (str or list). With
            ``created``/``starting``, rows that finish while the load pages leave the filtered
            set and shift offsets, so a row can be missed: filter in-flight rows locally
            (``df[df.status.isin(...)]``) when that matters.
        workflow_id, workflow_execution_id: exact-match filters.
        error_classification: one or more of the 10 classes in ``schema.ERROR_CLASSES``.
        api_key: default ``$EACHLABS_API_KEY`` (not with ``client``).
        base_url: default ``$EACHLABS_BASE_URL``, else ``https://api.eachlabs.ai`` (not with
            ``client``).
        classify_errors: fill ``error_classification`` for failed rows through the API's
            class filter (rows carry no class); failed rows no class query returned stay NA and
            are counted in ``df.attrs["unclassified_errors"]``.
        progress: a tqdm bar of rows fetched on stderr; ``None`` = on in a terminal or notebook.
        max_workers: concurrent requests (1-64, default 8).
        client: a :class:`~eachlabs_analytics.Client` you keep (its key, host, timeouts,
            retries and API version); None opens one for this call from
            ``api_key``/``base_url``/``api_version``.
        api_version: ``"auto"`` (v2, falling back to v1 on a 404), ``"v2"`` or ``"v1"``;
            default ``$EACHLABS_API_VERSION``, else ``"auto"`` (not with ``client``).

    Returns:
        One row per execution (deduplicated by ``id``, the version fetched last wins), sorted by
        ``created_at`` descending then ``id``, with the columns and dtypes of
        ``schema.COLUMNS``/``schema.DTYPES``. ``df.attrs`` holds the window, the query, the fetch
        time, requests and retries, and any data issues — never the key. ``df.attrs["api"]``
        says how it was read: ``version`` (``"v2"`` or ``"v1"``), ``requests``, ``slices``
        (time slices read, each a traversal on v2) and ``fallback`` (why v1 was read although
        v2 was asked for; None when it was not).

    Raises:
        InvalidQueryError: a bad argument (before any request) or an HTTP 400.
        AuthenticationError: no key, or HTTP 401/403.
        RateLimitError, APIError: the API kept failing after every retry. A load never
        returns a partial frame.
        PaginationError: the server did not page as documented (a repeated cursor,
        ``has_more`` without a cursor, rows outside the window, or more than 1,000 rows
        created in one microsecond over v1).

    >>> import eachlabs_analytics as ea
    >>> with ea.sandbox(executions=500, seed=7, end="2026-10-31T00:00:00Z") as api:
    ...     df = ea.load_executions(start="2026-10-01T00:00:00Z", model=["veo-3", "flux-2-pro"],
    ...                             base_url=api.base_url, api_key=api.api_key, progress=False)
    >>> sorted(df["model"].unique()), df.attrs["window"]["start"], df.attrs["api"]["version"]
    (['flux-2-pro', 'veo-3'], '2026-10-01T00:00:00Z', 'v2')
    """
    filters = Filters.parse(model, status, workflow_id, workflow_execution_id, error_classification)
    query = build_query(start, end, filters)
    if api_version is not None:
        check_api_version(api_version)
    if client is not None:
        if api_key is not None or base_url is not None or api_version is not None:
            raise InvalidQueryError(
                "give client= or api_key=/base_url=/api_version=, not both: the client has its "
                "own key, host and API version"
            )
        return load_query(
            query, client, classify_errors=classify_errors, progress=progress,
            max_workers=max_workers,
        )  # fmt: skip
    with Client(api_key=api_key, base_url=base_url, api_version=api_version) as own:
        return load_query(
            query, own, classify_errors=classify_errors, progress=progress,
            max_workers=max_workers,
        )  # fmt: skip


def load_query(
    query: Query,
    client: Client,
    *,
    classify_errors: bool = True,
    progress: bool | None = None,
    max_workers: int | None = None,
) -> pd.DataFrame:
    """:func:`load_executions` of a checked :class:`Query` over ``client`` (for the store)."""
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


#: How far a window may reach past the API's clock before its end is cut back to that clock.
FUTURE_TOLERANCE = pd.Timedelta(hours=1)


def _covered(query: Query, pages: list[Page], frame: pd.DataFrame) -> dict[str, str]:
    """The window the rows cover: the query's, with an end in the API's future cut back to the
    API's clock (the newest ``Date`` it sent; ``end_source`` says ``"server clock"``).

    A window to the end of this month asked on the 7th covers the 7th, not days that have not
    happened (they would read as days of $0.00), and a sandbox serving the sample (its clock
    2026-10-31) covers what it holds. The cut never drops a row: it is at least just after the
    newest one.
    """
    window = query.window()
    clock = max((p.server_time for p in pages if p.server_time is not None), default=None)
    if clock is None or query.end <= clock + FUTURE_TOLERANCE:
        return window
    newest = frame["created_at"].max() if len(frame) else pd.NaT
    cut = max(clock, query.start)
    if not pd.isna(newest):
        cut = max(cut, pd.Timestamp(newest) + ONE_US)
    return {**window, "end": format_timestamp(cut), "end_source": "server clock"}


def _load(
    client: Client, query: Query, classify_errors: bool, progress: bool | None, workers: int
) -> pd.DataFrame:
    fetched_at = format_timestamp(pd.Timestamp.now(tz="UTC"))
    stats = FetchStats()
    bar = progress_bar(progress)
    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="eachlabs") as pool:
            fetcher = Fetcher(client, pool, stats, workers, bar)
            models: list[str | None] = list(query.models) or [None]
            pages = fetcher.fetch([query.base_params(m) for m in models], query)
            parsed = pages_to_frame(pages, query.start, query.last)
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
    issues = _describe_issues(
        parsed.malformed, parsed.extra_columns, unclassified, fetcher.appeared
    )
    if frame.empty:
        chosen = {name: value for name, value in query.describe().items() if value}
        issues.append(
            f"no executions were created in [{query.window()['start']}, "
            f"{query.window()['end']})"
            + (f" matching {chosen}" if chosen else "")
            + ": check the window and the filter values (slugs and ids match exactly)"
        )
        warnings.warn(issues[-1], DataQualityWarning, stacklevel=3)
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
            "window": _covered(query, pages, frame),
            "query": query.describe(),
            "fetched_at": fetched_at,
            "api": {
                "version": client.version,
                "requests": stats.requests,
                "slices": fetcher.slices,
                "fallback": client.fallback,
            },
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
        "loaded %d executions in %d requests (%d retries, %d slices over %s) for %s .. %s",
        len(frame),
        stats.requests,
        stats.retries,
        fetcher.slices,
        client.version,
        query.window()["start"],
        query.window()["end"],
    )
    return frame


def _classify(
    fetcher: Fetcher,
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


def _describe_issues(
    malformed: dict[str, int], extras: list[str], unclassified: int, appeared: int
) -> list[str]:
    issues = [f"{n} malformed {col} values set to NA" for col, n in malformed.items()]
    if extras:
        issues.append(f"rows carried undocumented fields, kept as columns: {', '.join(extras)}")
    if unclassified:
        issues.append(f"{unclassified} failed rows have no error class (no class query had them)")
    if appeared:
        issues.append(
            f"{appeared} rows were created inside the window while loading (the server's "
            "clock is behind this machine's); they are included"
        )
    return issues
