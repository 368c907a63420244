"""What a sync fetches and what the store's window becomes, worked out on values alone.

Pure functions (no I/O): the windows of a sync (:func:`plan`), how far its watermark may
advance (:func:`seen_watermark`), the in-flight rows' creation windows (:func:`clusters`),
the days a repair fetches again (:func:`repair_windows`), and the query a store keeps
(:func:`same_filters`).

>>> import pandas as pd
>>> from eachlabs_analytics.loader.query import build_query
>>> query = build_query("2026-10-01T00:00:00Z", "2026-10-03T00:00:00Z")
>>> manifest = {"window": {"start": "2026-10-01T00:00:00Z", "end": "2026-10-02T00:00:00Z"}}
>>> windows, window = plan(manifest, query, False, pd.Timedelta(hours=1),
...                        now=pd.Timestamp("2026-10-05T00:00:00Z"))
>>> [(a.isoformat(), b.isoformat()) for a, b in windows]
[('2026-10-01T23:00:00+00:00', '2026-10-03T00:00:00+00:00')]
>>> window[1].isoformat()
'2026-10-03T00:00:00+00:00'
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eachlabs_analytics._util.timestamps import ONE_US, to_utc
from eachlabs_analytics.exceptions import InvalidQueryError

if TYPE_CHECKING:
    from eachlabs_analytics.loader.query import Query

DEFAULT_OVERLAP = pd.Timedelta(hours=1)
#: In-flight rows closer than this in creation time are re-fetched in one window.
IN_FLIGHT_GAP = pd.Timedelta(hours=6)
#: At most this many separate in-flight windows per sync (the closest ones are merged).
MAX_IN_FLIGHT_WINDOWS = 16


def plan(
    manifest: dict[str, Any] | None,
    query: Query,
    start_given: bool,
    overlap: pd.Timedelta,
    now: pd.Timestamp,
) -> tuple[list[tuple[pd.Timestamp, pd.Timestamp]], tuple[pd.Timestamp, pd.Timestamp]]:
    """The windows to fetch, and the store's window once they are in.

    The new watermark is the window's end, or ``now`` if that is earlier: rows created after
    the sync started may not exist yet, so a future ``end`` cannot be promised complete.
    """
    start, end = query.start, query.end
    reached = min(end, now)
    if manifest is None:
        return [(start, end)], (start, max(start, reached))
    old_start = pd.Timestamp(manifest["window"]["start"])
    watermark = pd.Timestamp(manifest["window"]["end"])
    windows = []
    if end > watermark - overlap:
        windows.append((max(watermark - overlap, old_start), end))
    if start_given and start < old_start:
        # a backfill always reaches the old start: a gap would sit inside the claimed window
        windows.append((start, old_start + overlap))
    for first, last in manifest.get("in_flight", {}).get("windows", []):
        # in-flight rows were created in [first, last]: the half-open window ends a microsecond on
        windows.append((pd.Timestamp(first), pd.Timestamp(last) + ONE_US))
    new_start = min(old_start, start) if start_given else old_start
    return merge(windows), (new_start, max(watermark, reached))


def seen_watermark(
    manifest: dict[str, Any] | None,
    window: tuple[pd.Timestamp, pd.Timestamp],
    fetched: pd.DataFrame,
    settled: pd.Timestamp,
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Near "now", advance the watermark only as far as the API has shown rows.

    The server stamps ``created_at`` with its clock; if it runs behind ours, rows it creates
    after this sync can carry times before our "now", and a watermark at our "now" (minus
    the overlap) would skip them forever. An end before ``settled`` (now minus the overlap)
    is kept; a later one is capped at the newest creation time seen.
    """
    start, planned = window
    if planned <= settled:
        return window
    floor = pd.Timestamp(manifest["window"]["end"]) if manifest is not None else start
    newest = fetched["created_at"].max() if len(fetched) else pd.NaT
    seen = floor if pd.isna(newest) else max(floor, pd.Timestamp(newest))
    return start, min(planned, seen)


def merge(
    windows: list[tuple[pd.Timestamp, pd.Timestamp]],
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """``windows`` sorted, empty ones dropped, overlapping or touching ones joined."""
    merged: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for first, last in sorted(w for w in windows if w[0] < w[1]):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def clusters(created: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Few windows covering every creation time given (gaps above IN_FLIGHT_GAP split)."""
    if created.empty:
        return []
    times = np.sort(created.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]"))
    gaps = np.diff(times)
    limit = IN_FLIGHT_GAP.to_timedelta64()
    splits = np.flatnonzero(gaps > limit)
    if len(splits) >= MAX_IN_FLIGHT_WINDOWS:
        # keep only the widest gaps as splits
        widest = np.argsort(gaps[splits])[::-1][: MAX_IN_FLIGHT_WINDOWS - 1]
        splits = np.sort(splits[widest])
    chunks = np.split(times, splits + 1)
    return [(to_utc(chunk[0]), to_utc(chunk[-1])) for chunk in chunks]


def repair_windows(
    days: list[dt.date], window: tuple[pd.Timestamp, pd.Timestamp]
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The windows that fetch ``days`` (UTC) again, within the store's ``window``."""
    windows = []
    for day in days:
        midnight = pd.Timestamp(day, tz="UTC")
        first = max(window[0], midnight)
        last = min(window[1], midnight + pd.Timedelta(days=1) - ONE_US)
        if first <= last:
            windows.append((first, last + ONE_US))
    return merge(windows)


def same_filters(stored: dict[str, Any], asked: dict[str, Any], path: Path) -> dict[str, Any]:
    """The filters a sync of the store at ``path`` uses: the stored ones when none are asked;
    asked ones that differ from the stored ones are refused."""
    if not any(asked.values()):
        return {name: stored.get(name) for name in asked}
    differing = [name for name in asked if asked.get(name) != stored.get(name)]
    if differing:
        shown = ", ".join(f"{n}={stored.get(n)!r}" for n in asked if stored.get(n))
        raise InvalidQueryError(
            f"{path} was created with a different query ({shown or 'no filters'}); "
            f"{', '.join(differing)} differ. Sync it with the same filters or none, "
            "or use another directory for another query"
        )
    return asked
