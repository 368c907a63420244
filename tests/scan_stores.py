"""Stores written straight to Parquet (no HTTP) for the selection tests, with the edge cases in.

``write_store(path, frame)`` lays a frame out as ``ExecutionStore`` does (one zstd file per UTC
creation day, ``manifest.json`` last); ``with_edge_cases(frame)`` adds what a helper must get
right: NaN costs and latencies, unknown and missing statuses, failed rows without a class.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eachlabs_analytics import schema
from eachlabs_analytics.store import ExecutionStore
from eachlabs_analytics.store.convert import to_table
from eachlabs_analytics.store.layout import DATA_DIR, PART_NAME
from eachlabs_analytics.store.manifest import STORE_FORMAT, STORE_VERSION
from eachlabs_analytics.store.parquet import write_table

#: The window of the test stores: 250 days that hold the spring and autumn clock changes of
#: Europe and North America (and Lord Howe's half hour).
END = "2026-11-05T00:00:00Z"
DAYS = 250


def with_edge_cases(frame: pd.DataFrame, seed: int = 5) -> pd.DataFrame:
    """``frame`` with ~1 % NaN costs, ~1 % NaN latencies, unknown statuses ("paused",
    "queued"), missing statuses and failed rows without a class."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    n = len(out)
    pick = lambda share: rng.random(n) < share  # noqa: E731
    out.loc[pick(0.01), "execution_cost"] = np.nan
    for column in ("total_seconds", "queue_seconds", "run_time"):
        out.loc[pick(0.01), column] = np.nan
    status = out["status"].astype(object)
    status[pick(0.002)] = "paused"
    status[pick(0.001)] = "queued"
    status[pick(0.001)] = None
    out["status"] = pd.Categorical(status, dtype=schema.status_dtype(["paused", "queued"]))
    failed = out["status"].isin(schema.FAILED_STATUSES).to_numpy()
    out.loc[failed & pick(0.05), "error_classification"] = np.nan
    return out


def write_store(path: Path, frame: pd.DataFrame) -> ExecutionStore:
    """An ``ExecutionStore`` at ``path`` holding exactly ``frame`` (its window from attrs)."""
    store = ExecutionStore(path)
    table = to_table(frame)
    # the store's order within a day; days are then contiguous runs, newest first
    table = table.sort_by([("created_at", "descending"), ("id", "ascending")])
    days = pc.cast(table["created_at"], pa.date32()).to_numpy()
    edges = [0, *(np.flatnonzero(days[1:] != days[:-1]) + 1).tolist(), len(days)]
    for first, stop in zip(edges[:-1], edges[1:], strict=True):
        day = pd.Timestamp(days[first]).date()
        target = store.data_path / f"created_date={day.isoformat()}"
        target.mkdir(parents=True, exist_ok=True)
        part = table.slice(first, stop - first).combine_chunks()
        write_table(part, target / PART_NAME)
    window = dict(frame.attrs.get("window") or {})
    manifest = {
        "format": STORE_FORMAT,
        "version": STORE_VERSION,
        "partitioning": {"column": "created_date", "type": "date", "flavor": "hive"},
        "data": DATA_DIR,
        "query": {},
        "window": window,
        "in_flight": {"rows": 0, "windows": []},
        "rows": len(frame),
        "partitions": len(store.partitions()),
    }
    store.manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return store
