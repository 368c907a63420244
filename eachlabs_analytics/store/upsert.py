"""The upsert: fetched rows merged into the day files they touch, the fetched rows winning.

Only the days a sync touches are rewritten; each new day file is written under ``staging/``
and moved into ``data/`` with one ``os.replace``, so every day file is always whole.

>>> import pathlib, tempfile
>>> import eachlabs_analytics as ea
>>> from eachlabs_analytics.store.layout import partitions, prepare_directory
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> prepare_directory(root)
>>> rows = ea.generate_executions(executions=100, seed=1, end="2026-10-31T00:00:00Z")
>>> counts = upsert(root, rows)
>>> counts["inserted"], counts["partitions_written"] == len(partitions(root))
(100, True)
>>> upsert(root, rows)["unchanged"]
100
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import uuid
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eachlabs_analytics.exceptions import DataQualityWarning
from eachlabs_analytics.store.convert import to_table
from eachlabs_analytics.store.layout import (
    DATA_DIR,
    FILE_SCHEMA,
    PART_NAME,
    PARTITION_COLUMN,
    STAGING_DIR,
    partition_dir,
)
from eachlabs_analytics.store.parquet import write_table
from eachlabs_analytics.store.read import NEWEST_FIRST, id_index, read_partition


def upsert(root: Path, fetched: pd.DataFrame) -> dict[str, int]:
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
    index = id_index(root)
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
    known_by_day = _by_day(pa.table({"id": known["id"], "at": known_at}), known[PARTITION_COLUMN])
    staging = root / STAGING_DIR / uuid.uuid4().hex
    staging.mkdir(parents=True)
    for day in touched:
        old = read_partition(root, day)
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
        _commit_partition(root, day, pa.concat_tables([kept, arriving]), staging)
        counts["partitions_written"] += 1
    shutil.rmtree(staging, ignore_errors=True)
    return counts


def _commit_partition(root: Path, day: dt.date, table: pa.Table, staging: Path) -> None:
    """Replace one day's file: written in ``staging``, then moved into ``data/``."""
    target_dir = root / DATA_DIR / partition_dir(day)
    target = target_dir / PART_NAME
    if table.num_rows == 0:
        target.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            target_dir.rmdir()
        return
    staged = staging / f"{partition_dir(day)}.parquet"
    table = table.sort_by(NEWEST_FIRST)
    write_table(table.combine_chunks(), staged)
    with open(staged, "rb+") as handle:
        os.fsync(handle.fileno())
    target_dir.mkdir(parents=True, exist_ok=True)
    os.replace(staged, target)


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
