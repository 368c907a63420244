"""Reading a store's day files, and verifying them: a damaged file is named, never skipped.

Every read checks each file's footer and schema first (well under a millisecond a file), so
a truncated file or one of another schema stops it with a :class:`StoreError` naming the file
and saying how to repair it; :func:`verify` reads every file completely.

>>> import pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> read_rows(root).shape, verify(root), open_dataset(root) is None
((0, 16), [], True)
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from eachlabs_analytics import schema
from eachlabs_analytics._util import typed
from eachlabs_analytics._util.timestamps import ONE_US
from eachlabs_analytics.exceptions import StoreError
from eachlabs_analytics.store.convert import to_frame
from eachlabs_analytics.store.layout import (
    DATA_DIR,
    DATASET_SCHEMA,
    FILE_SCHEMA,
    PARTITION_COLUMN,
    PARTITIONING,
    QUARANTINE_DIR,
    day_file,
    partitions,
)
from eachlabs_analytics.store.plan import clusters

if TYPE_CHECKING:
    from eachlabs_analytics.loader.query import Filters

#: From this many rows, load checks ids in a thread while it converts the table.
_OVERLAP_ROWS = 1_000_000
#: The order of a loaded frame (and of every day file): newest first, then by id.
NEWEST_FIRST = [("created_at", "descending"), ("id", "ascending")]


# --- checking files ------------------------------------------------------------------------
def open_dataset(root: Path) -> ds.Dataset | None:
    """The day files as one dataset; each file's footer and schema checked first.

    Reading a footer costs well under a millisecond a file, and it catches truncated
    files and files of another schema (which a dataset would read as silent nulls).
    """
    days = partitions(root)
    if not days:
        return None
    for day in days:
        check_footer(root, day)
    return ds.dataset(
        [str(day_file(root, day)) for day in days],
        schema=DATASET_SCHEMA,
        format="parquet",
        partitioning=PARTITIONING,
        partition_base_dir=str(root / DATA_DIR),
    )


def check_footer(root: Path, day: dt.date) -> None:
    """Refuse ``day``'s file if its footer cannot be read or its schema is not the store's."""
    file = day_file(root, day)
    try:
        found = pq.read_schema(file)
    except (OSError, pa.ArrowException) as exc:
        raise damaged(root, day, f"cannot be read ({_reason(exc)})") from None
    wrong = [
        f"{field.name} ({field.type})"
        for field in FILE_SCHEMA
        if field.name not in found.names or found.field(field.name).type != field.type
    ]
    if wrong:
        raise damaged(
            root, day, f"does not have the store's schema (missing or mistyped: {', '.join(wrong)})"
        )


def damaged(root: Path, day: dt.date, what: str) -> StoreError:
    """The error for ``day``'s damaged file: what is wrong and how to repair it."""
    return StoreError(
        f"{day_file(root, day)}, the executions created on {day.isoformat()}, {what}. "
        f"Repair it with store.repair() (CLI: eachlabs-analytics repair {root}): the "
        f"file is moved to {root / QUARANTINE_DIR} and {day.isoformat()} is fetched "
        "again from the API",
        path=day_file(root, day),
        day=day,
    )


def _scan(root: Path, dataset: ds.Dataset, **options: Any) -> pa.Table:
    """``dataset.to_table(**options)``; a file that fails mid-read is named, not hidden."""
    try:
        return dataset.to_table(**options)
    except (OSError, pa.ArrowException) as exc:
        raise _unreadable(root, exc) from None


def _scan_files(root: Path, dataset: ds.Dataset, **options: Any) -> list[pa.Table]:
    """Like :func:`_scan`, but one table per file of ``dataset``, in its order."""
    batches: dict[str, list[pa.RecordBatch]] = {path: [] for path in dataset.files}
    try:
        scanner = dataset.scanner(**options)
        for tagged in scanner.scan_batches():
            batches[tagged.fragment.path].append(tagged.record_batch)
    except (OSError, pa.ArrowException) as exc:
        raise _unreadable(root, exc) from None
    return [pa.Table.from_batches(found, scanner.projected_schema) for found in batches.values()]


def _unreadable(root: Path, exc: BaseException) -> StoreError:
    """The error for a scan that failed: the damaged day file named when one is found."""
    for day in partitions(root):
        try:
            pq.read_table(day_file(root, day))
        except (OSError, pa.ArrowException) as file_exc:
            return damaged(root, day, f"cannot be read ({_reason(file_exc)})")
    data_path = root / DATA_DIR
    return StoreError(f"{data_path} cannot be read ({_reason(exc)})", path=data_path)


def verify(root: Path) -> list[StoreError]:
    """Every damaged day file (unreadable, truncated, another schema), as errors; [] if none."""
    problems = []
    for day in partitions(root):
        try:
            check_footer(root, day)
            pq.read_table(day_file(root, day))
        except StoreError as exc:
            problems.append(exc)
        except (OSError, pa.ArrowException) as exc:
            problems.append(damaged(root, day, f"cannot be read ({_reason(exc)})"))
    return problems


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


# --- reading rows --------------------------------------------------------------------------
def row_filter(
    start_ts: pd.Timestamp | None, end_ts: pd.Timestamp | None, filters: Filters
) -> ds.Expression | None:
    """The dataset filter for ``start <= created_at < end`` and ``filters`` (None: all rows);
    the window also prunes the day partitions."""
    expression = None
    conditions = []
    if start_ts is not None:
        conditions.append(ds.field(PARTITION_COLUMN) >= start_ts.date())
        conditions.append(ds.field("created_at") >= start_ts.to_pydatetime())
    if end_ts is not None:
        conditions.append(ds.field(PARTITION_COLUMN) <= (end_ts - ONE_US).date())
        conditions.append(ds.field("created_at") < end_ts.to_pydatetime())
    for column, wanted in filters.columns().items():
        conditions.append(ds.field(column).isin(list(wanted)))
    for condition in conditions:
        expression = condition if expression is None else expression & condition
    return expression


def read_rows(root: Path, expression: ds.Expression | None = None) -> pd.DataFrame:
    """The stored rows ``expression`` keeps, as the loader's frame, newest first."""
    dataset = open_dataset(root)
    if dataset is None:
        return schema.empty_frame()
    files = _scan_files(root, dataset, columns=list(schema.COLUMNS), filter=expression)
    # Every day file is written newest first (see upsert._commit_partition), so the newest
    # day's file first is already the final order: checked in one pass, no sort.
    table = pa.concat_tables(files[::-1])
    if not _newest_first(table):
        # a file some other writer left unsorted: sort (stable, missing values last), over
        # the files oldest first as they were always read, so rows equal in both keys keep
        # the order they had
        table = pa.concat_tables(files)
        table = table.take(pc.sort_indices(table, sort_keys=NEWEST_FIRST))
    ids = table["id"]
    if table.num_rows < _OVERLAP_ROWS:
        distinct = _distinct(ids)
        frame = to_frame(table)  # (consumes the table)
    else:  # numpy and Arrow release the GIL: check the ids while the frame is built
        with ThreadPoolExecutor(1, thread_name_prefix="eachlabs-ids") as pool:
            checking = pool.submit(_distinct, ids)
            frame = to_frame(table)
            distinct = checking.result()
    if not distinct:
        # only after a sync died while moving a row between days; the next sync repairs it
        frame = frame.drop_duplicates("id", keep="first").reset_index(drop=True)
    return frame


def _newest_first(table: pa.Table) -> bool:
    """True when ``table`` is strictly in :data:`NEWEST_FIRST` order: ``created_at`` never
    missing nor increasing, and rows with equal ``created_at`` in increasing ``id`` order with
    no id missing or repeated. Then every stable sort by those keys leaves it as it is.
    """
    created = table["created_at"]
    if created.null_count:
        return False
    found: list[np.ndarray] = []
    last = None  # the previous chunk's last time
    at = 0
    for chunk in created.chunks:  # chunk by chunk: views, no 80 MB copy of 10M times
        times = np.frombuffer(  # the int64 microseconds themselves: no copy, no tz handling
            chunk.buffers()[1], dtype=np.int64, count=len(chunk), offset=chunk.offset * 8
        )
        if not len(times):
            continue
        if last is not None and times[0] >= last:
            if times[0] > last:
                return False
            found.append(np.array([at - 1]))
        if not bool(np.all(times[1:] <= times[:-1])):
            return False
        found.append(at + np.flatnonzero(times[1:] == times[:-1]))
        last, at = times[-1], at + len(times)
    ties = np.concatenate(found) if found else np.empty(0, np.int64)
    if not len(ties):
        return True
    ids = table["id"]
    ordered = pc.less(pc.take(ids, pa.array(ties)), pc.take(ids, pa.array(ties + 1)))
    return bool(pc.all(pc.fill_null(ordered, False)).as_py())


def _distinct(ids: pa.ChunkedArray) -> bool:
    """True when no id occurs twice (two missing ids count as a repeat, as in pandas).

    Exact, and cheap enough for every load (see :func:`.typed.duplicated`).
    """
    return not typed.duplicated(ids).any()


def id_index(root: Path) -> pa.Table:
    """``id`` and partition day of every stored row (to find rows that changed day)."""
    dataset = open_dataset(root)
    if dataset is None:
        return pa.table(
            {"id": pa.array([], pa.string()), PARTITION_COLUMN: pa.array([], pa.date32())}
        )
    return _scan(root, dataset, columns=["id", PARTITION_COLUMN])


def read_partition(root: Path, day: dt.date) -> pa.Table:
    """``day``'s rows as the data files' table (empty when the day has no file)."""
    file = day_file(root, day)
    if not file.exists():
        return FILE_SCHEMA.empty_table()
    check_footer(root, day)
    try:
        table = ds.dataset(str(file), schema=FILE_SCHEMA, format="parquet").to_table()
    except (OSError, pa.ArrowException) as exc:
        raise damaged(root, day, f"cannot be read ({_reason(exc)})") from None
    return table.replace_schema_metadata(None)


def in_flight(root: Path) -> tuple[int, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """How many stored rows are still in flight, and the windows they were created in."""
    dataset = open_dataset(root)
    if dataset is None:
        return 0, []
    table = _scan(
        root,
        dataset,
        columns=["created_at"],
        filter=ds.field("status").isin(list(schema.IN_FLIGHT_STATUSES)),
    )
    created = pd.Series(table["created_at"].to_pandas()).dropna()
    return len(created), clusters(created)


def stored_models(root: Path) -> list[str]:
    """The distinct model slugs of the stored rows, sorted (the models a store prices)."""
    dataset = open_dataset(root)
    if dataset is None:
        return []
    column = _scan(root, dataset, columns=["model"]).column("model")
    return sorted(str(value) for value in pc.unique(column).to_pylist() if value)
