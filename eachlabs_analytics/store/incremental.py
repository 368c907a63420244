"""An incremental local store of executions: a Hive-partitioned Parquet dataset by day.

Layout of a store at ``PATH``::

    PATH/manifest.json                      the watermark, window, query; written last, atomically
    PATH/data/created_date=2026-10-01/part-0.parquet     one zstd file per UTC creation day
    PATH/staging/                           new partition files while a sync runs (outside data/)
    PATH/.lock                              held while a sync runs
    PATH/quarantine/                        damaged day files moved aside by ``repair()``
    PATH/reference/                         workflow names and list prices (:mod:`.reference`)

``data/`` holds nothing but finished Parquet files, so pyarrow, DuckDB, Polars and Spark can
read it directly (declare ``created_date`` as a DATE). A sync:

1. works out what to fetch: on the first sync, the window asked for; later, from the watermark
   minus an ``overlap``, plus the creation windows of rows that were still in flight at the last
   sync (their status and timestamps change), plus any older ``start`` asked for;
2. loads those windows with the real loader and upserts by ``id`` (the newest row wins);
3. rewrites only the partitions it touched: each new file is written under ``staging/`` and
   moved into ``data/`` with one ``os.replace``;
4. writes ``manifest.json`` last. If a sync dies midway, every partition is still a complete
   file and the old watermark makes the next sync fetch (and so repair) the same rows again.

Beside the executions a sync keeps the workflows' names (and, asked, the models' list
prices) as last fetched, for reports that run offline (:mod:`.reference`).

This module is the facade: ``ExecutionStore`` checks its arguments and runs each step through
the module that owns it (:mod:`.plan`, :mod:`.fetch`, :mod:`.upsert`, :mod:`.manifest`; reads
through :mod:`.read`, paths and the lock through :mod:`.layout`).

>>> import tempfile
>>> import eachlabs_analytics as ea
>>> with ea.sandbox(executions=2_000, seed=7, end="2026-10-31T00:00:00Z") as api:
...     store = ea.ExecutionStore(tempfile.mkdtemp())
...     first = store.sync(start="2026-10-01T00:00:00Z", end="2026-10-31T00:00:00Z",
...                        base_url=api.base_url, api_key=api.api_key, progress=False)
>>> veo = store.load(start="2026-10-15T00:00:00Z", model="veo-3")
>>> first.rows == len(store.load()), set(veo["model"]) <= {"veo-3"}
(True, True)
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics._util.timestamps import ONE_US, format_timestamp, parse_timestamp
from eachlabs_analytics.exceptions import InvalidQueryError, StoreError
from eachlabs_analytics.loader.prices import check_models
from eachlabs_analytics.loader.query import Filters, build_query
from eachlabs_analytics.store import layout, read, reference
from eachlabs_analytics.store.fetch import (
    check_client_options,
    fetch_reference,
    fetch_with,
    prices_with,
)
from eachlabs_analytics.store.layout import (
    DATA_DIR,
    MANIFEST_NAME,
    day_file,
    locked,
    prepare_directory,
    quarantine,
)
from eachlabs_analytics.store.manifest import SyncResult, read_manifest, write_manifest
from eachlabs_analytics.store.plan import (
    DEFAULT_OVERLAP,
    plan,
    repair_windows,
    same_filters,
    seen_watermark,
)
from eachlabs_analytics.store.read import (
    check_footer,
    open_dataset,
    read_rows,
    row_filter,
    stored_models,
)
from eachlabs_analytics.store.upsert import upsert

if TYPE_CHECKING:
    from eachlabs_analytics.loader.client import Client

__all__ = ["ExecutionStore", "SyncResult"]


class ExecutionStore:
    """A local, incrementally synced, Hive-partitioned Parquet store of executions.

    Args:
        path: the store's directory (created by the first sync).

    >>> import tempfile
    >>> store = ExecutionStore(tempfile.mkdtemp())
    >>> store.load().shape
    (0, 16)
    >>> store.window is None
    True
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise NotADirectoryError(f"{self.path} is a file; a store is a directory")

    def __repr__(self) -> str:
        window = self.window
        span = f"{window['start']}..{window['end']}" if window else "never synced"
        return f"ExecutionStore({str(self.path)!r}, {span})"

    # --- paths and metadata --------------------------------------------------------------
    @property
    def data_path(self) -> Path:
        """The dataset root (``created_date=YYYY-MM-DD/part-0.parquet`` below it)."""
        return self.path / DATA_DIR

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST_NAME

    @property
    def manifest(self) -> dict[str, Any] | None:
        """The committed manifest, or None before the first sync completes."""
        return read_manifest(self.path)

    @property
    def window(self) -> dict[str, str] | None:
        """The creation window the store holds completely (``end`` is the watermark)."""
        manifest = self.manifest
        return dict(manifest["window"]) if manifest else None

    @property
    def watermark(self) -> pd.Timestamp | None:
        """Everything created before this was fetched by the last completed sync."""
        window = self.window
        return pd.Timestamp(window["end"]) if window else None

    def partitions(self) -> list[dt.date]:
        """The days with data, oldest first.

        >>> import tempfile
        >>> ExecutionStore(tempfile.mkdtemp()).partitions()
        []
        """
        return layout.partitions(self.path)

    def verify(self) -> list[StoreError]:
        """Every damaged day file (unreadable, truncated, another schema), as errors; [] if none.

        Reads each file completely (``load`` and ``sync`` check footers and schemas only).

        >>> import tempfile
        >>> ExecutionStore(tempfile.mkdtemp()).verify()
        []
        """
        return read.verify(self.path)

    # --- reference data: workflow names and list prices ---------------------------------
    def workflow_names(self) -> dict[str, str]:
        """``{workflow_id: name}`` as the last sync fetched them; ``{}`` before any did.

        >>> import tempfile
        >>> ExecutionStore(tempfile.mkdtemp()).workflow_names()
        {}
        """
        return reference.read_names(self.path)

    def prices(self) -> pd.DataFrame:
        """The list prices last fetched (``sync(prices=True)``, :meth:`refresh_prices`), typed
        like ``model_prices`` with ``attrs["fetched_at"]``; no rows before any fetch.

        >>> import tempfile
        >>> ExecutionStore(tempfile.mkdtemp()).prices().columns.tolist()[:3]
        ['slug', 'title', 'cost_type']
        """
        return reference.read_prices(self.path)

    def refresh_prices(
        self,
        models: Iterable[str] | None = None,
        *,
        client: Client | None = None,
        base_url: str | None = None,
    ) -> pd.DataFrame:
        """Fetch and keep the list prices of ``models`` (default: every model the store holds),
        without a key; return them as :meth:`prices` will. Needs a completed sync."""
        if self.manifest is None:
            raise StoreError(
                f"{self.path} has no completed sync, so it holds no models to price; run a sync",
                path=self.path,
            )
        wanted = stored_models(self.path) if models is None else check_models(models)
        with locked(self.path):
            reference.write_prices(self.path, prices_with(client, base_url, wanted))
        return self.prices()

    def load(
        self,
        start: Any = None,
        end: Any = None,
        model: str | Iterable[str] | None = None,
        status: str | Iterable[str] | None = None,
        workflow_id: str | None = None,
        workflow_execution_id: str | None = None,
        error_classification: str | Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """The stored executions as the loader's typed DataFrame, newest first.

        ``start <= created_at < end``, the window ``[start, end)`` as in the loader (RFC 3339
        strings or tz-aware datetimes; default: the whole store). The filters match like the API's:
        one value or a list; ``status`` takes any status the data holds. ``df.attrs`` says
        which window and store the rows came from.

        Rows come newest first, rows created at the same instant by ``id``. Day files are
        written in that order, so they are read newest day first and the order is only
        checked (linear); a file written unsorted by another tool makes it sort instead.

        >>> import tempfile
        >>> ExecutionStore(tempfile.mkdtemp()).load(model=["veo-3"]).columns.tolist()[:2]
        ['id', 'model']
        """
        start_ts, end_ts, filters = _query(
            start, end, model, status, workflow_id, workflow_execution_id, error_classification
        )
        frame = read_rows(self.path, row_filter(start_ts, end_ts, filters))
        frame.attrs = self._attrs(start_ts, end_ts, filters)
        return frame

    def _attrs(
        self, start_ts: pd.Timestamp | None, end_ts: pd.Timestamp | None, filters: Filters
    ) -> dict[str, Any]:
        """What a loaded frame (and a scan) carries: the store, its window and the query."""
        manifest = self.manifest
        window = manifest["window"] if manifest else None
        known = window or {}
        return {
            "source": "store",
            "store": str(self.path),
            "store_window": dict(window) if window else None,
            "window": {
                "start": format_timestamp(start_ts) if start_ts is not None else known.get("start"),
                "end": format_timestamp(end_ts) if end_ts is not None else known.get("end"),
            },
            "query": {
                **(manifest or {}).get("query", {}),
                **{name: value for name, value in filters.arguments().items() if value},
            },
            "last_sync": (manifest or {}).get("last_sync"),
        }

    def scan(
        self,
        start: Any = None,
        end: Any = None,
        model: str | Iterable[str] | None = None,
        status: str | Iterable[str] | None = None,
        workflow_id: str | None = None,
        workflow_execution_id: str | None = None,
        error_classification: str | Iterable[str] | None = None,
        *,
        engine: Any = None,
        memory_limit: str | None = None,
        temp_directory: str | os.PathLike[str] | None = None,
    ) -> Any:
        """The rows ``load`` would return with these arguments, as a lazy selection.

        Holds no rows: every analytics helper accepts it and computes its figures in the
        engine (DuckDB by default; ``engine=ea.SparkEngine(spark)`` for Spark), reading only
        the day files of the window and only the columns it needs; ``.to_pandas()`` gives the
        rows. ``memory_limit`` (e.g. ``"2GB"``) and ``temp_directory`` (where DuckDB spills)
        set up the default DuckDB engine. Needs ``pip install "eachlabs-analytics[lazy]"``.

        A selection reads the files as they are: after a sync that died while moving a row
        between days, the row counts twice until the next sync (``load`` drops the copy).

        >>> import tempfile
        >>> ExecutionStore(tempfile.mkdtemp()).scan(model="veo-3").count()
        0
        """
        from eachlabs_analytics.engines import DuckDBEngine, Selection

        start_ts, end_ts, filters = _query(
            start, end, model, status, workflow_id, workflow_execution_id, error_classification
        )
        if engine is None:
            engine = DuckDBEngine(memory_limit=memory_limit, temp_directory=temp_directory)
        elif memory_limit is not None or temp_directory is not None:
            raise InvalidQueryError(
                "memory_limit and temp_directory set up the default DuckDB engine; with "
                "engine=..., give them to the engine (ea.DuckDBEngine(memory_limit=...))"
            )
        first = start_ts.date() if start_ts is not None else None
        last = (end_ts - ONE_US).date() if end_ts is not None else None
        days = [
            day
            for day in self.partitions()
            if (first is None or day >= first) and (last is None or day <= last)
        ]
        for day in days:
            check_footer(self.path, day)
        attrs = self._attrs(start_ts, end_ts, filters)  # what load() puts on its frame
        return Selection.from_parquet(
            [day_file(self.path, day) for day in days],
            engine=engine,
            start=start_ts,
            end=end_ts,
            where=filters.columns(),
            attrs=attrs,
        )

    # --- syncing -------------------------------------------------------------------------
    def sync(
        self,
        start: Any = None,
        end: Any = None,
        model: str | Iterable[str] | None = None,
        status: str | Iterable[str] | None = None,
        workflow_id: str | None = None,
        workflow_execution_id: str | None = None,
        error_classification: str | Iterable[str] | None = None,
        *,
        client: Client | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        overlap: Any = DEFAULT_OVERLAP,
        classify_errors: bool = True,
        progress: bool | None = None,
        max_workers: int | None = None,
        api_version: str | None = None,
        names: bool = True,
        prices: bool = False,
    ) -> SyncResult:
        """Fetch what is new (and what was in flight) from the API and upsert it by ``id``.

        Takes the loader's query arguments. The first sync fetches ``[start, end)`` (the
        API's 90-day default when ``start`` is None; ``end`` defaults to now). Later syncs
        fetch from the watermark minus ``overlap`` (a timedelta or a string such as ``"1h"``)
        to ``end``, the creation windows of rows in flight at the last sync, and anything
        before the store's start if an earlier ``start`` is given. Filters are fixed when the
        store is created: later syncs may repeat them or leave them out. ``status`` is refused
        (rows change status after they are stored): filter with ``load(status=...)``.

        ``client`` is a :class:`~eachlabs_analytics.Client` to use; otherwise one is opened
        from ``api_key``/``base_url``/``api_version`` (default: ``$EACHLABS_API_KEY``,
        ``$EACHLABS_BASE_URL``, ``$EACHLABS_API_VERSION``, else ``"auto"``: v2, falling back
        to v1 on a 404). The version does not matter to the store: a store synced over v1
        continues over v2 from its watermark, fetching nothing again that it would not have.

        The store is the long-term record: a sync never deletes a stored row because the API
        stopped listing it. Organisations may set a retention period after which each::labs
        removes old executions from the API (since 2026-09-09); the store keeps them.

        ``names`` keeps the workflows' names (``GET /v1/workflows``) for :meth:`workflow_names`;
        when the API cannot say, the sync goes on and the names kept stay (logged).
        ``prices=True`` also keeps the list prices of every model the store holds for
        :meth:`prices` (fetched without the key; a failure fails the sync before it writes).

        >>> import tempfile
        >>> import eachlabs_analytics as ea
        >>> with ea.sandbox(executions=1_000, seed=3, end="2026-10-31T00:00:00Z") as api:
        ...     with ea.Client(api_key=api.api_key, base_url=api.base_url) as client:
        ...         store = ExecutionStore(tempfile.mkdtemp())
        ...         first = store.sync(start="2026-10-20T00:00:00Z", end="2026-10-30T00:00:00Z",
        ...                            client=client, progress=False)
        ...         again = store.sync(end="2026-10-31T00:00:00Z", client=client, progress=False)
        >>> first.inserted == first.rows, again.window["end"]
        (True, '2026-10-31T00:00:00Z')
        """
        if status is not None:
            # rows change status after they are stored; with a status filter the store could
            # neither follow a row out of the filter nor see one enter it behind the watermark
            raise InvalidQueryError(
                "a store keeps every status so it can follow executions as they finish; sync "
                "without status= and filter when reading: store.load(status=...)"
            )
        overlap_td = _timedelta(overlap, "overlap")
        check_client_options(client, api_key, base_url, api_version)
        for flag, value in (("names", names), ("prices", prices)):
            if not isinstance(value, bool):
                raise InvalidQueryError(f"{flag} must be True or False, not {value!r}")
        now = pd.Timestamp.now(tz="UTC").floor("us")
        asked = Filters.parse(model, None, workflow_id, workflow_execution_id, error_classification)
        query = build_query(start, end, asked, now=now)
        filters = asked.arguments()
        prepare_directory(self.path)
        with locked(self.path):
            manifest = self.manifest
            if manifest is not None:
                filters = same_filters(manifest["query"], filters, self.path)
            open_dataset(self.path)  # a damaged day file stops the sync before anything is fetched
            windows, new_window = plan(manifest, query, start is not None, overlap_td, now)
            fetched, dropped, used = fetch_with(
                client,
                (api_key, base_url, api_version),
                windows,
                filters,
                classify_errors=classify_errors,
                progress=progress,
                max_workers=max_workers,
            )
            models = set(fetched["model"].dropna()) | set(
                stored_models(self.path) if prices else ()
            )
            found, priced = fetch_reference(
                client, (api_key, base_url, api_version), names=names,
                price_models=sorted(models) if prices else None,
            )  # fmt: skip
            counts = reference.keep(self.path, found, priced, now)  # a cache: before the commit
            new_window = seen_watermark(manifest, new_window, fetched, now - overlap_td)
            return self._commit(fetched, dropped, windows, new_window, filters, now, used, counts)

    def repair(
        self,
        *,
        client: Client | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        classify_errors: bool = True,
        progress: bool | None = None,
        max_workers: int | None = None,
        api_version: str | None = None,
    ) -> SyncResult:
        """Move damaged day files aside and fetch those days again from the API.

        Every day file is read completely (:meth:`verify`); each damaged one is moved to
        ``PATH/quarantine/`` (outside ``data/``, kept for inspection) and its UTC day, within
        the store's window, is fetched again with the store's query. The store's window does
        not change. With nothing damaged, nothing is fetched (``fetched == 0``).

        >>> import tempfile
        >>> import eachlabs_analytics as ea
        >>> with ea.sandbox(executions=1_000, seed=3, end="2026-10-31T00:00:00Z") as api:
        ...     with ea.Client(api_key=api.api_key, base_url=api.base_url) as client:
        ...         store = ExecutionStore(tempfile.mkdtemp())
        ...         kept = store.sync(start="2026-10-25T00:00:00Z", end="2026-10-31T00:00:00Z",
        ...                           client=client, progress=False).rows
        ...         broken = store.data_path / f"created_date={store.partitions()[0]}"
        ...         _ = (broken / "part-0.parquet").write_bytes(b"not parquet")
        ...         repaired = store.repair(client=client, progress=False)
        >>> repaired.fetched > 0, len(store.load()) == kept, store.verify()
        (True, True, [])
        """
        manifest = self.manifest
        if manifest is None:
            raise StoreError(
                f"{self.path} has no completed sync, so there is nothing to repair; run a sync",
                path=self.path,
            )
        check_client_options(client, api_key, base_url, api_version)
        now = pd.Timestamp.now(tz="UTC").floor("us")
        with locked(self.path):
            damaged = sorted(
                {problem.day for problem in self.verify() if isinstance(problem.day, dt.date)}
            )
            window = (
                pd.Timestamp(manifest["window"]["start"]),
                pd.Timestamp(manifest["window"]["end"]),
            )
            for day in damaged:
                quarantine(self.path, day)
            windows = repair_windows(damaged, window)
            fetched = schema.empty_frame()
            dropped: list[str] = []
            used = None
            if windows:
                fetched, dropped, used = fetch_with(
                    client,
                    (api_key, base_url, api_version),
                    windows,
                    manifest["query"],
                    classify_errors=classify_errors,
                    progress=progress,
                    max_workers=max_workers,
                )
            return self._commit(fetched, dropped, windows, window, manifest["query"], now, used)

    def _commit(
        self,
        fetched: pd.DataFrame,
        dropped: list[str],
        windows: list[tuple[pd.Timestamp, pd.Timestamp]],
        window: tuple[pd.Timestamp, pd.Timestamp],
        filters: dict[str, Any],
        now: pd.Timestamp,
        api: dict[str, Any] | None = None,
        reference_counts: tuple[int | None, int | None] = (None, None),
    ) -> SyncResult:
        """Upsert ``fetched``, then commit the manifest (last) for the store's ``window``."""
        result = upsert(self.path, fetched)
        in_flight, in_flight_windows = read.in_flight(self.path)
        sync_result = SyncResult(
            fetched=len(fetched),
            inserted=result["inserted"],
            updated=result["updated"],
            unchanged=result["unchanged"],
            partitions_written=result["partitions_written"],
            rows=result["rows"],
            window={"start": format_timestamp(window[0]), "end": format_timestamp(window[1])},
            fetched_windows=tuple((format_timestamp(a), format_timestamp(b)) for a, b in windows),
            in_flight=in_flight,
            dropped_columns=tuple(dropped),
            api=api,
            workflow_names=reference_counts[0],
            prices=reference_counts[1],
        )
        write_manifest(self.path, filters, sync_result, in_flight_windows, now)
        return sync_result


# --- arguments -----------------------------------------------------------------------------
def _query(
    start: Any,
    end: Any,
    *filters: Any,
) -> tuple[pd.Timestamp | None, pd.Timestamp | None, Filters]:
    """``load``'s and ``scan``'s arguments, checked: the window's bounds and the filters."""
    start_ts = _timestamp(start, "start")
    end_ts = _timestamp(end, "end")
    if start_ts is not None and end_ts is not None and start_ts >= end_ts:
        # the loader's rule and words: an empty window is a mistake, not a question
        raise InvalidQueryError(
            f"start ({format_timestamp(start_ts)}) must be before end ({format_timestamp(end_ts)})"
        )
    return start_ts, end_ts, Filters.parse(*filters, any_status=True)


def _timestamp(value: Any, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    return parse_timestamp(value, name)


def _timedelta(value: Any, name: str) -> pd.Timedelta:
    try:
        delta = pd.Timedelta(value)
    except (TypeError, ValueError):
        raise InvalidQueryError(
            f"{name} must be a duration such as '1h', '30min' or a timedelta, not {value!r}"
        ) from None
    if pd.isna(delta) or delta < pd.Timedelta(0):
        raise InvalidQueryError(f"{name} must be a duration >= 0, not {value!r}")
    return delta
