"""The manifest: what the last completed sync committed, and the ``SyncResult`` of a sync.

``manifest.json`` holds the store's window (its ``end`` is the watermark), its query and the
creation windows of the rows still in flight, which the data files cannot tell. A sync writes
it last, atomically: until then, the previous sync's manifest is in force.

>>> import pathlib, tempfile
>>> read_manifest(pathlib.Path(tempfile.mkdtemp())) is None
True
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pandas as pd

from eachlabs_analytics._util.files import atomic_write
from eachlabs_analytics._util.timestamps import format_timestamp
from eachlabs_analytics.exceptions import StoreError
from eachlabs_analytics.store.layout import DATA_DIR, MANIFEST_NAME, PARTITION_COLUMN, partitions

STORE_FORMAT = "eachlabs-analytics-store"
STORE_VERSION = 1


@dataclasses.dataclass(frozen=True)
class SyncResult:
    """What one ``ExecutionStore.sync`` did.

    ``fetched`` rows came from the API; of their distinct ids, ``inserted`` were new to the
    store, ``updated`` replaced a different stored row and ``unchanged`` matched it exactly.
    ``window`` is the store's window after the sync (``end`` is the watermark) and
    ``fetched_windows`` the creation windows requested from the API. ``api`` says how they
    were read (the loader's ``attrs["api"]``, summed over the windows: ``version``,
    ``requests``, ``slices``, ``fallback``); None when nothing was fetched.
    ``workflow_names`` is how many names the sync kept (None: not refreshed) and ``prices``
    how many models' list prices (None: not asked for).
    """

    fetched: int
    inserted: int
    updated: int
    unchanged: int
    partitions_written: int
    rows: int
    window: dict[str, str]
    fetched_windows: tuple[tuple[str, str], ...]
    in_flight: int
    dropped_columns: tuple[str, ...] = ()
    api: dict[str, Any] | None = None
    workflow_names: int | None = None
    prices: int | None = None

    def __repr__(self) -> str:
        return (
            f"SyncResult(fetched={self.fetched}, inserted={self.inserted}, "
            f"updated={self.updated}, unchanged={self.unchanged}, "
            f"partitions_written={self.partitions_written}, rows={self.rows}, "
            f"window={self.window['start']}..{self.window['end']}, in_flight={self.in_flight})"
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (for the manifest and the CLI)."""
        out = dataclasses.asdict(self)
        out["fetched_windows"] = [list(w) for w in self.fetched_windows]
        out["dropped_columns"] = list(self.dropped_columns)
        return out


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The committed manifest of the store at ``root``, or None before its first sync."""
    manifest_path = root / MANIFEST_NAME
    try:
        raw = manifest_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise _manifest_error(root, f"cannot be read ({exc})") from None
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise _manifest_error(root, f"is not valid JSON ({exc})") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != STORE_FORMAT
        or not isinstance(manifest.get("window"), dict)
        or not isinstance(manifest.get("query"), dict)
    ):
        raise _manifest_error(root, "is not an eachlabs-analytics manifest")
    if manifest.get("version") != STORE_VERSION:
        raise StoreError(
            f"{root} is a version {manifest.get('version')} store; this release reads "
            f"version {STORE_VERSION}",
            path=manifest_path,
        )
    return manifest


def _manifest_error(root: Path, what: str) -> StoreError:
    manifest_path = root / MANIFEST_NAME
    return StoreError(
        f"{manifest_path} {what}. It holds the store's window and query, which the "
        f"data files cannot tell: restore it from a backup, or move {root} aside and "
        "sync a new store",
        path=manifest_path,
    )


def write_manifest(
    root: Path,
    filters: dict[str, Any],
    result: SyncResult,
    in_flight_windows: list[tuple[pd.Timestamp, pd.Timestamp]],
    now: pd.Timestamp,
) -> None:
    """Commit a sync: its query, ``result`` and the in-flight windows, written atomically."""
    manifest = {
        "format": STORE_FORMAT,
        "version": STORE_VERSION,
        "partitioning": {"column": PARTITION_COLUMN, "type": "date", "flavor": "hive"},
        "data": DATA_DIR,
        "query": filters,
        "window": result.window,
        "in_flight": {
            "rows": result.in_flight,
            "windows": [[format_timestamp(a), format_timestamp(b)] for a, b in in_flight_windows],
        },
        "rows": result.rows,
        "partitions": len(partitions(root)),
        "last_sync": {"at": format_timestamp(now), **result.as_dict()},
    }
    text = json.dumps(manifest, indent=2) + "\n"
    atomic_write(root / MANIFEST_NAME, lambda temp: temp.write_text(text, encoding="utf-8"))
