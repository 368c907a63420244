"""Where a store keeps what: its directory layout, its day partitions and its lock.

A store at ``PATH`` holds ``manifest.json`` (:mod:`.manifest`), ``data/`` (one Parquet file
per UTC creation day, Hive-partitioned by ``created_date``), ``staging/`` (the files a running
sync writes), ``quarantine/`` (damaged day files moved aside), ``reference/`` (workflow
names and list prices) and ``.lock``.

>>> import datetime as dt, pathlib
>>> day_file(pathlib.Path("store"), dt.date(2026, 10, 1)).as_posix()
'store/data/created_date=2026-10-01/part-0.parquet'
>>> partition_day("created_date=2026-10-01"), partition_day("notes.txt")
(datetime.date(2026, 10, 1), None)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import EachlabsError, StoreError

PARTITION_COLUMN = "created_date"
#: The declared partition schema: readers must not guess (DuckDB would say VARCHAR).
PARTITION_SCHEMA = pa.schema([pa.field(PARTITION_COLUMN, pa.date32())])
PARTITIONING = ds.partitioning(PARTITION_SCHEMA, flavor="hive")
#: The schema of every data file (the partition column lives in the directory name).
FILE_SCHEMA = schema.ARROW_SCHEMA
DATASET_SCHEMA = pa.schema(list(FILE_SCHEMA) + list(PARTITION_SCHEMA))
PART_NAME = "part-0.parquet"
MANIFEST_NAME = "manifest.json"
DATA_DIR = "data"
STAGING_DIR = "staging"
#: Damaged day files are moved here by ``repair`` (outside ``data/``: no reader sees them).
QUARANTINE_DIR = "quarantine"
LOCK_NAME = ".lock"
#: The workflows' names and the models' list prices a sync keeps (:mod:`.reference`).
REFERENCE_DIR = "reference"


def partition_dir(day: dt.date) -> str:
    return f"{PARTITION_COLUMN}={day.isoformat()}"


def partition_day(name: str) -> dt.date | None:
    prefix = f"{PARTITION_COLUMN}="
    if not name.startswith(prefix):
        return None
    try:
        return dt.date.fromisoformat(name[len(prefix) :])
    except ValueError:
        return None


def day_file(root: Path, day: dt.date) -> Path:
    """The file of the executions created on ``day`` in the store at ``root``."""
    return root / DATA_DIR / partition_dir(day) / PART_NAME


def partitions(root: Path) -> list[dt.date]:
    """The days with data in the store at ``root``, oldest first."""
    data_path = root / DATA_DIR
    days = []
    if data_path.is_dir():
        for entry in data_path.iterdir():
            day = partition_day(entry.name)
            if day is not None and (entry / PART_NAME).is_file():
                days.append(day)
    return sorted(days)


def prepare_directory(root: Path) -> None:
    """Make ``root`` a store's directory; refuse a directory that holds anything else."""
    if root.is_dir() and not (root / MANIFEST_NAME).exists():
        known = {
            DATA_DIR,
            STAGING_DIR,
            QUARANTINE_DIR,
            LOCK_NAME,
            REFERENCE_DIR,
            "check-state.json",
        }
        strangers = [
            p.name
            for p in root.iterdir()
            if p.name not in known and not p.name.startswith(f".{MANIFEST_NAME}.")
        ]
        if strangers:
            raise StoreError(
                f"{root} is not an empty directory nor an eachlabs-analytics store "
                f"(found {', '.join(sorted(strangers)[:3])}); choose a new or empty "
                "directory",
                path=root,
            )
    (root / DATA_DIR).mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the store's lock (one sync at a time); a dead sync's staging files are removed."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory lock
        yield
        return
    with open(root / LOCK_NAME, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise EachlabsError(
                f"another sync is running on {root}; wait for it to finish"
            ) from None
        try:
            shutil.rmtree(root / STAGING_DIR, ignore_errors=True)  # a dead sync's files
            yield
        finally:
            shutil.rmtree(root / STAGING_DIR, ignore_errors=True)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def quarantine(root: Path, day: dt.date) -> Path:
    """Move ``day``'s file to ``quarantine/`` (kept for inspection); return where it went."""
    folder = root / QUARANTINE_DIR
    folder.mkdir(exist_ok=True)
    moved = folder / f"{partition_dir(day)}.{uuid.uuid4().hex[:8]}.parquet"
    os.replace(day_file(root, day), moved)
    return moved
