"""An incremental local store of executions: a Hive-partitioned Parquet dataset by day.

Layout of a store at ``PATH``::

    PATH/manifest.json                      the watermark, window, query; written last, atomically
    PATH/data/created_date=2026-10-01/part-0.parquet     one zstd file per UTC creation day
    PATH/staging/                           new partition files while a sync runs (outside data/)
    PATH/.lock                              held while a sync runs
    PATH/quarantine/                        damaged day files moved aside by ``repair()``

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

import contextlib
import datetime as dt
import os
import shutil
import uuid
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eachlabs_analytics import schema
from eachlabs_analytics._util.timestamps import ONE_US
from eachlabs_analytics.exceptions import (
    DataQualityWarning,
    InvalidQueryError,
    StoreError,
)
from eachlabs_analytics.loader.load import load_query
from eachlabs_analytics.loader.query import Filters, build_query
from eachlabs_analytics.store import layout, read
from eachlabs_analytics.store.convert import alike, normalize, to_table
from eachlabs_analytics.store.layout import (
    DATA_DIR,
    FILE_SCHEMA,
    MANIFEST_NAME,
    PART_NAME,
    PARTITION_COLUMN,
    STAGING_DIR,
    day_file,
    locked,
    partition_dir,
    prepare_directory,
    quarantine,
)
from eachlabs_analytics.store.manifest import SyncResult, read_manifest, write_manifest
from eachlabs_analytics.store.parquet import write_table
from eachlabs_analytics.store.plan import (
    DEFAULT_OVERLAP,
    plan,
    repair_windows,
    same_filters,
    seen_watermark,
)
from eachlabs_analytics.store.read import (
    check_footer,
    id_index,
    open_dataset,
    read_partition,
    read_rows,
    row_filter,
)

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
        return {
            "source": "store",
            "store": str(self.path),
            "store_window": dict(window) if window else None,
            "window": {
                "start": _iso(start_ts) if start_ts is not None else (window or {}).get("start"),
                "end": _iso(end_ts) if end_ts is not None else (window or {}).get("end"),
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
        _check_client_options(client, api_key, base_url, api_version)
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
            fetched, dropped, used = self._fetch_with(
                client,
                (api_key, base_url, api_version),
                windows,
                filters,
                classify_errors=classify_errors,
                progress=progress,
                max_workers=max_workers,
            )
            new_window = seen_watermark(manifest, new_window, fetched, now - overlap_td)
            return self._commit(fetched, dropped, windows, new_window, filters, now, used)

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
        _check_client_options(client, api_key, base_url, api_version)
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
                fetched, dropped, used = self._fetch_with(
                    client,
                    (api_key, base_url, api_version),
                    windows,
                    manifest["query"],
                    classify_errors=classify_errors,
                    progress=progress,
                    max_workers=max_workers,
                )
            return self._commit(fetched, dropped, windows, window, manifest["query"], now, used)

    def _fetch_with(
        self,
        client: Client | None,
        opens: tuple[str | None, str | None, str | None],
        windows: list[tuple[pd.Timestamp, pd.Timestamp]],
        filters: dict[str, Any],
        **options: Any,
    ) -> tuple[pd.DataFrame, list[str], dict[str, Any] | None]:
        """Load ``windows`` with ``client``, or with one opened (and closed) for the call from
        ``opens`` = (api_key, base_url, api_version)."""
        if client is not None:
            return _fetch(client, windows, filters, **options)
        from eachlabs_analytics.loader.client import Client

        api_key, base_url, api_version = opens
        with Client(api_key=api_key, base_url=base_url, api_version=api_version) as own:
            return _fetch(own, windows, filters, **options)

    def _commit(
        self,
        fetched: pd.DataFrame,
        dropped: list[str],
        windows: list[tuple[pd.Timestamp, pd.Timestamp]],
        window: tuple[pd.Timestamp, pd.Timestamp],
        filters: dict[str, Any],
        now: pd.Timestamp,
        api: dict[str, Any] | None = None,
    ) -> SyncResult:
        """Upsert ``fetched``, then commit the manifest (last) for the store's ``window``."""
        result = self._upsert(fetched)
        in_flight, in_flight_windows = read.in_flight(self.path)
        sync_result = SyncResult(
            fetched=len(fetched),
            inserted=result["inserted"],
            updated=result["updated"],
            unchanged=result["unchanged"],
            partitions_written=result["partitions_written"],
            rows=result["rows"],
            window={"start": _iso(window[0]), "end": _iso(window[1])},
            fetched_windows=tuple((_iso(a), _iso(b)) for a, b in windows),
            in_flight=in_flight,
            dropped_columns=tuple(dropped),
            api=api,
        )
        write_manifest(self.path, filters, sync_result, in_flight_windows, now)
        return sync_result

    def _upsert(self, fetched: pd.DataFrame) -> dict[str, int]:
        """Merge ``fetched`` into the partitions it touches; the fetched rows win.

        Works on Arrow tables: a partition is filtered, concatenated and sorted without
        a round trip through pandas. The fetched rows are split by day once and their ids
        hashed once, so a sync costs in proportion to the rows fetched plus the rows of the
        days it rewrites, not rows x days.
        """
        dated = fetched["created_at"].notna()
        if not dated.all():
            warnings.warn(
                f"{int((~dated).sum())} fetched rows have no valid created_at and cannot be "
                "placed in a day partition; they are not stored",
                DataQualityWarning,
                stacklevel=3,
            )
            fetched = fetched[dated]
        new = to_table(fetched)
        new_days = pc.cast(new["created_at"], pa.date32())
        index = id_index(self.path)
        # each stored row whose id was fetched again, and where that id is among the new rows
        found = pc.index_in(index["id"], value_set=new["id"])
        again = pc.is_valid(found)
        known = index.filter(again)
        known_at = found.filter(again)
        touched = sorted(
            set(pc.unique(new_days).to_pylist()) | set(known[PARTITION_COLUMN].to_pylist())
        )
        counts = {
            "inserted": new.num_rows - known.num_rows,
            "updated": 0,
            "unchanged": 0,
            "partitions_written": 0,
            "rows": index.num_rows + new.num_rows - known.num_rows,
        }
        arriving_by_day = _by_day(new, new_days)
        known_by_day = _by_day(
            pa.table({"id": known["id"], "at": known_at}), known[PARTITION_COLUMN]
        )
        staging = self.path / STAGING_DIR / uuid.uuid4().hex
        staging.mkdir(parents=True)
        for day in touched:
            old = read_partition(self.path, day)
            arriving = arriving_by_day.get(day, new.schema.empty_table())
            stored = known_by_day.get(day)
            if stored is None:  # no stored row of this day was fetched again
                replaced_mask = pa.array(np.zeros(old.num_rows, dtype=bool))
                replaced, again_fetched = old.schema.empty_table(), new.schema.empty_table()
            else:
                replaced_mask = pc.is_in(old["id"], value_set=stored["id"])
                replaced = old.filter(replaced_mask)
                # the fetched versions of those rows, in fetched order
                at = np.unique(stored["at"].to_numpy(zero_copy_only=False))
                again_fetched = new.take(pa.array(at))
            updated, unchanged = _compare(replaced, again_fetched)
            counts["updated"] += updated
            counts["unchanged"] += unchanged
            if (
                not updated
                and replaced.num_rows == arriving.num_rows
                and pc.all(pc.is_in(arriving["id"], value_set=replaced["id"])).as_py() is not False
            ):
                continue  # every row here is already stored as fetched: leave the file alone
            kept = old.filter(pc.invert(replaced_mask))
            self._commit_partition(day, pa.concat_tables([kept, arriving]), staging)
            counts["partitions_written"] += 1
        shutil.rmtree(staging, ignore_errors=True)
        return counts

    def _commit_partition(self, day: dt.date, table: pa.Table, staging: Path) -> None:
        """Replace one day's file: written in ``staging``, then moved into ``data/``."""
        target_dir = self.data_path / partition_dir(day)
        target = target_dir / PART_NAME
        if table.num_rows == 0:
            target.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                target_dir.rmdir()
            return
        staged = staging / f"{partition_dir(day)}.parquet"
        table = table.sort_by([("created_at", "descending"), ("id", "ascending")])
        write_table(table.combine_chunks(), staged)
        with open(staged, "rb+") as handle:
            os.fsync(handle.fileno())
        target_dir.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)


# --- fetching ------------------------------------------------------------------------------
def _fetch(
    client: Client,
    windows: list[tuple[pd.Timestamp, pd.Timestamp]],
    filters: dict[str, Any],
    **options: Any,
) -> tuple[pd.DataFrame, list[str], dict[str, Any] | None]:
    """Load every window with the loader; the rows of later loads win. Also returns how the
    API was read, summed over the windows (None when there was no window)."""
    frames = []
    dropped: set[str] = set()
    used: dict[str, Any] | None = None
    checked = Filters.parse(**filters)
    for first, last in windows:
        frame = load_query(build_query(first, last, checked), client, **options)
        dropped |= {str(c) for c in frame.columns} - set(schema.COLUMNS)
        frames.append(frame.reindex(columns=list(schema.COLUMNS)))
        used = _add_api_use(used, frame.attrs.get("api"))
    if not frames:
        return schema.empty_frame(), [], None
    if dropped:
        warnings.warn(
            f"the store keeps only the schema's columns; not stored: {', '.join(sorted(dropped))}",
            stacklevel=3,
        )
    combined = frames[0] if len(frames) == 1 else pd.concat(alike(frames), ignore_index=True)
    combined = combined.drop_duplicates("id", keep="last")
    return normalize(combined), sorted(dropped), used


def _add_api_use(total: dict[str, Any] | None, one: Any) -> dict[str, Any] | None:
    if not isinstance(one, dict):
        return total
    if total is None:
        return dict(one)
    return {
        "version": one.get("version"),
        "requests": total.get("requests", 0) + one.get("requests", 0),
        "slices": total.get("slices", 0) + one.get("slices", 0),
        "fallback": total.get("fallback") or one.get("fallback"),
    }


def _check_client_options(
    client: Client | None, api_key: str | None, base_url: str | None, api_version: str | None
) -> None:
    """Refuse contradictory connection options before anything is read or fetched."""
    from eachlabs_analytics.loader.client import check_api_version

    if api_version is not None:
        check_api_version(api_version)
    if client is not None and (api_key is not None or base_url is not None or api_version):
        raise InvalidQueryError(
            "give client= or api_key=/base_url=/api_version=, not both: the client has its own "
            "key, host and API version"
        )


# --- the upsert's parts --------------------------------------------------------------------
def _by_day(table: pa.Table, days: pa.ChunkedArray) -> dict[dt.date, pa.Table]:
    """``table``'s rows per day (``days``: one date per row), each in ``table``'s order.

    One stable sort by day and one take, then zero-copy slices: linear in the rows, however
    many days they span.
    """
    if table.num_rows == 0:
        return {}
    numbers = pc.cast(days, pa.int32()).to_numpy()
    order = np.argsort(numbers, kind="stable")
    ordered = numbers[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(ordered)]
    grouped = table.take(pa.array(order))
    epoch = dt.date(1970, 1, 1)
    return {
        epoch + dt.timedelta(days=int(ordered[a])): grouped.slice(a, b - a)
        for a, b in zip(starts, ends, strict=True)
    }


def _compare(old: pa.Table, new: pa.Table) -> tuple[int, int]:
    """Of the stored rows ``old`` (whose ids are all in ``new``): how many differ, how many not."""
    if old.num_rows == 0:
        return 0, 0
    order = [("id", "ascending")]
    old, new = old.sort_by(order), new.sort_by(order)
    same = pa.array(np.ones(old.num_rows, dtype=bool))
    for name in FILE_SCHEMA.names:
        a, b = old[name], new[name]
        if pa.types.is_dictionary(a.type):
            a, b = a.cast(pa.string()), b.cast(pa.string())
        equal = pc.fill_null(pc.equal(a, b), False)
        both_null = pc.and_(pc.is_null(a), pc.is_null(b))
        same = pc.and_(same, pc.or_(equal, both_null))
    unchanged = pc.sum(same).as_py() or 0
    return old.num_rows - unchanged, unchanged


# --- small parsers -------------------------------------------------------------------------
def _iso(ts: pd.Timestamp) -> str:
    from eachlabs_analytics._util.timestamps import format_timestamp

    return format_timestamp(ts)


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
        raise InvalidQueryError(f"start ({_iso(start_ts)}) must be before end ({_iso(end_ts)})")
    return start_ts, end_ts, Filters.parse(*filters, any_status=True)


def _timestamp(value: Any, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    from eachlabs_analytics._util.timestamps import parse_timestamp

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
