"""A sync's plan on values alone (``store.plan``): every expected window worked out by hand."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.loader.query import build_query
from eachlabs_analytics.store.plan import (
    clusters,
    merge,
    plan,
    repair_windows,
    same_filters,
    seen_watermark,
)

HOUR = pd.Timedelta(hours=1)
US = pd.Timedelta(microseconds=1)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def stored(start: str, end: str, in_flight: list[list[str]] | None = None) -> dict:
    """A manifest as far as planning reads it: the window and the in-flight windows."""
    manifest: dict = {"window": {"start": start, "end": end}, "query": {}}
    if in_flight is not None:
        manifest["in_flight"] = {"rows": 1, "windows": in_flight}
    return manifest


def frame_created(*times: str) -> pd.DataFrame:
    return pd.DataFrame({"created_at": pd.to_datetime(list(times), utc=True)})


# --- plan: the first sync ------------------------------------------------------------------
def test_a_first_sync_fetches_the_window_and_claims_it_up_to_now():
    query = build_query("2026-10-01T00:00:00Z", "2026-10-03T00:00:00Z")
    windows, window = plan(None, query, True, HOUR, now=ts("2026-10-02T12:00:00Z"))
    assert windows == [(ts("2026-10-01T00:00:00Z"), ts("2026-10-03T00:00:00Z"))]
    # rows created after now may not exist yet: the watermark stops at now, not at end
    assert window == (ts("2026-10-01T00:00:00Z"), ts("2026-10-02T12:00:00Z"))


def test_a_first_sync_of_a_window_in_the_past_claims_all_of_it():
    query = build_query("2026-10-01T00:00:00Z", "2026-10-03T00:00:00Z")
    _, window = plan(None, query, True, HOUR, now=ts("2026-11-01T00:00:00Z"))
    assert window == (ts("2026-10-01T00:00:00Z"), ts("2026-10-03T00:00:00Z"))


def test_a_first_sync_of_a_window_in_the_future_claims_nothing():
    query = build_query("2026-10-01T00:00:00Z", "2026-10-03T00:00:00Z")
    _, window = plan(None, query, True, HOUR, now=ts("2026-09-30T00:00:00Z"))
    assert window == (ts("2026-10-01T00:00:00Z"), ts("2026-10-01T00:00:00Z"))


# --- plan: later syncs ---------------------------------------------------------------------
def test_a_later_sync_fetches_from_the_watermark_minus_the_overlap():
    manifest = stored("2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z")
    before = copy.deepcopy(manifest)
    query = build_query("2026-10-01T00:00:00Z", "2026-10-03T00:00:00Z")
    windows, window = plan(manifest, query, False, HOUR, now=ts("2026-11-01T00:00:00Z"))
    assert windows == [(ts("2026-10-01T23:00:00Z"), ts("2026-10-03T00:00:00Z"))]
    assert window == (ts("2026-10-01T00:00:00Z"), ts("2026-10-03T00:00:00Z"))
    assert manifest == before  # planning reads the manifest, never changes it


def test_the_overlap_never_reaches_before_the_stores_start():
    manifest = stored("2026-10-01T00:00:00Z", "2026-10-01T00:30:00Z")
    query = build_query("2026-10-01T00:00:00Z", "2026-10-01T02:00:00Z")
    windows, _ = plan(manifest, query, False, HOUR, now=ts("2026-11-01T00:00:00Z"))
    # 00:30 minus an hour is 23:30 the day before, before the store's start
    assert windows == [(ts("2026-10-01T00:00:00Z"), ts("2026-10-01T02:00:00Z"))]


def test_an_end_inside_the_overlap_still_fetches_and_one_before_it_does_not():
    manifest = stored("2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z")
    now = ts("2026-11-01T00:00:00Z")
    inside = build_query("2026-10-01T00:00:00Z", "2026-10-01T23:30:00Z")
    windows, window = plan(manifest, inside, False, HOUR, now=now)
    assert windows == [(ts("2026-10-01T23:00:00Z"), ts("2026-10-01T23:30:00Z"))]
    assert window == (ts("2026-10-01T00:00:00Z"), ts("2026-10-02T00:00:00Z"))  # never back
    before = build_query("2026-10-01T00:00:00Z", "2026-10-01T23:00:00Z")
    windows, window = plan(manifest, before, False, HOUR, now=now)
    assert windows == []
    assert window == (ts("2026-10-01T00:00:00Z"), ts("2026-10-02T00:00:00Z"))


def test_an_earlier_start_backfills_up_to_the_old_start_plus_the_overlap():
    manifest = stored("2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z")
    query = build_query("2026-09-28T00:00:00Z", "2026-10-03T00:00:00Z")
    windows, window = plan(manifest, query, True, HOUR, now=ts("2026-11-01T00:00:00Z"))
    assert windows == [
        (ts("2026-09-28T00:00:00Z"), ts("2026-10-01T01:00:00Z")),
        (ts("2026-10-01T23:00:00Z"), ts("2026-10-03T00:00:00Z")),
    ]
    assert window == (ts("2026-09-28T00:00:00Z"), ts("2026-10-03T00:00:00Z"))


def test_a_start_that_is_not_asked_for_or_is_later_never_backfills():
    manifest = stored("2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z")
    now = ts("2026-11-01T00:00:00Z")
    query = build_query("2026-09-28T00:00:00Z", "2026-10-03T00:00:00Z")
    # the same window, but start was the default (not given): the store keeps its start
    windows, window = plan(manifest, query, False, HOUR, now=now)
    assert windows == [(ts("2026-10-01T23:00:00Z"), ts("2026-10-03T00:00:00Z"))]
    assert window[0] == ts("2026-10-01T00:00:00Z")
    later = build_query("2026-10-01T12:00:00Z", "2026-10-03T00:00:00Z")
    windows, window = plan(manifest, later, True, HOUR, now=now)
    assert windows == [(ts("2026-10-01T23:00:00Z"), ts("2026-10-03T00:00:00Z"))]
    assert window[0] == ts("2026-10-01T00:00:00Z")  # a store never shrinks


def test_in_flight_windows_are_fetched_again_a_microsecond_past_their_last_row():
    manifest = stored(
        "2026-09-01T00:00:00Z",
        "2026-10-02T00:00:00Z",
        in_flight=[
            ["2026-09-10T10:00:00Z", "2026-09-10T12:00:00Z"],
            ["2026-10-01T22:00:00Z", "2026-10-01T23:30:00Z"],  # inside the overlap: merged
        ],
    )
    query = build_query("2026-09-01T00:00:00Z", "2026-10-03T00:00:00Z")
    windows, window = plan(manifest, query, False, HOUR, now=ts("2026-11-01T00:00:00Z"))
    assert windows == [
        (ts("2026-09-10T10:00:00Z"), ts("2026-09-10T12:00:00Z") + US),
        (ts("2026-10-01T22:00:00Z"), ts("2026-10-03T00:00:00Z")),
    ]
    assert window == (ts("2026-09-01T00:00:00Z"), ts("2026-10-03T00:00:00Z"))


# --- seen_watermark ------------------------------------------------------------------------
def test_a_settled_watermark_is_kept_whatever_was_fetched():
    window = (ts("2026-10-01T00:00:00Z"), ts("2026-10-02T00:00:00Z"))
    settled = ts("2026-10-02T00:00:00Z")  # the planned end is not after it
    assert seen_watermark(None, window, frame_created(), settled) == window


def test_a_watermark_near_now_stops_at_the_newest_row_seen():
    window = (ts("2026-10-01T00:00:00Z"), ts("2026-10-02T12:00:00Z"))
    settled = ts("2026-10-02T11:00:00Z")
    fetched = frame_created("2026-10-02T09:00:00Z", "2026-10-02T11:30:00Z", "2026-10-01T05:00:00Z")
    assert seen_watermark(None, window, fetched, settled) == (
        ts("2026-10-01T00:00:00Z"),
        ts("2026-10-02T11:30:00Z"),
    )


def test_a_watermark_near_now_never_passes_the_planned_end():
    window = (ts("2026-10-01T00:00:00Z"), ts("2026-10-02T12:00:00Z"))
    fetched = frame_created("2026-10-02T13:00:00Z")  # a server clock ahead of ours
    assert seen_watermark(None, window, fetched, ts("2026-10-02T11:00:00Z")) == window


def test_with_no_row_seen_the_watermark_stays_where_it_was():
    window = (ts("2026-10-01T00:00:00Z"), ts("2026-10-02T12:00:00Z"))
    settled = ts("2026-10-02T11:00:00Z")
    manifest = stored("2026-10-01T00:00:00Z", "2026-10-02T06:00:00Z")
    assert seen_watermark(manifest, window, frame_created(), settled) == (
        ts("2026-10-01T00:00:00Z"),
        ts("2026-10-02T06:00:00Z"),
    )
    # a first sync has no watermark: it claims nothing past its start
    assert seen_watermark(None, window, frame_created(), settled) == (
        ts("2026-10-01T00:00:00Z"),
        ts("2026-10-01T00:00:00Z"),
    )
    # a row older than the old watermark does not move it back
    older = frame_created("2026-10-02T01:00:00Z")
    assert seen_watermark(manifest, window, older, settled)[1] == ts("2026-10-02T06:00:00Z")


# --- merge and clusters --------------------------------------------------------------------
def test_merge_sorts_drops_empty_windows_and_joins_touching_ones():
    t = pd.Timestamp("2026-10-01T00:00:00Z")
    h = [t + HOUR * i for i in range(10)]
    assert merge([(h[3], h[5]), (h[1], h[2]), (h[2], h[3]), (h[7], h[7]), (h[6], h[8])]) == [
        (h[1], h[5]),
        (h[6], h[8]),
    ]
    assert merge([(h[1], h[9]), (h[2], h[3])]) == [(h[1], h[9])]  # one inside another
    assert merge([(h[5], h[4])]) == []
    assert merge([]) == []


def test_clusters_split_at_gaps_longer_than_six_hours():
    created = pd.Series(
        pd.to_datetime(
            ["2026-10-01T10:00:00Z", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z"], utc=True
        )
    )
    assert clusters(created) == [
        (ts("2026-10-01T00:00:00Z"), ts("2026-10-01T01:00:00Z")),
        (ts("2026-10-01T10:00:00Z"), ts("2026-10-01T10:00:00Z")),
    ]
    exactly = pd.Series(pd.to_datetime(["2026-10-01T00:00:00Z", "2026-10-01T06:00:00Z"], utc=True))
    assert clusters(exactly) == [(ts("2026-10-01T00:00:00Z"), ts("2026-10-01T06:00:00Z"))]
    assert clusters(pd.Series([], dtype="datetime64[us, UTC]")) == []


def test_clusters_are_windows_in_utc_whatever_the_zone_given():
    created = pd.Series(pd.to_datetime(["2026-10-01T02:00:00+02:00"], utc=True)).dt.tz_convert(
        "Europe/Berlin"
    )
    assert clusters(created) == [(ts("2026-10-01T00:00:00Z"), ts("2026-10-01T00:00:00Z"))]
    assert str(clusters(created)[0][0].tz) == "UTC"


def test_at_most_sixteen_clusters_split_at_the_widest_gaps():
    # 18 rows, the k-th gap k days long: 17 gaps, only the 15 widest (3..17 days) split
    start = ts("2026-01-01T00:00:00Z")
    times, at = [start], start
    for k in range(1, 18):
        at = at + pd.Timedelta(days=k)
        times.append(at)
    found = clusters(pd.Series(times))
    assert len(found) == 16
    assert found[0] == (start, start + pd.Timedelta(days=3))  # the 1- and 2-day gaps joined
    assert found[1] == (start + pd.Timedelta(days=6), start + pd.Timedelta(days=6))
    assert found[-1] == (times[-1], times[-1])


# --- repair --------------------------------------------------------------------------------
def test_a_repair_fetches_each_damaged_day_clipped_to_the_stores_window():
    window = (ts("2026-10-01T06:00:00Z"), ts("2026-10-05T12:00:00Z"))
    days = [dt.date(2026, 9, 30), dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 5)]
    assert repair_windows(days, window) == [
        # 1 and 2 October touch: one window; 30 September lies outside the store's window
        (ts("2026-10-01T06:00:00Z"), ts("2026-10-03T00:00:00Z")),
        # the last day's window ends a microsecond past the store's end, as it always did
        (ts("2026-10-05T00:00:00Z"), ts("2026-10-05T12:00:00Z") + US),
    ]
    assert repair_windows([], window) == []


# --- same_filters --------------------------------------------------------------------------
def test_a_sync_without_filters_keeps_the_stores_filters():
    kept = {"model": ["veo-3"], "workflow_id": None}
    asked = {"model": None, "workflow_id": None}
    assert same_filters(kept, asked, Path("store")) == {"model": ["veo-3"], "workflow_id": None}


def test_a_sync_repeating_the_stores_filters_is_allowed():
    kept = {"model": ["veo-3"], "workflow_id": None}
    assert same_filters(kept, dict(kept), Path("store")) == kept


def test_a_sync_with_other_filters_is_refused_naming_what_differs():
    kept = {"model": ["veo-3"], "workflow_id": None}
    asked = {"model": ["flux-2-pro"], "workflow_id": "wf-1"}
    with pytest.raises(InvalidQueryError) as caught:
        same_filters(kept, asked, Path("my-store"))
    assert str(caught.value) == (
        "my-store was created with a different query (model=['veo-3']); model, workflow_id "
        "differ. Sync it with the same filters or none, or use another directory for another "
        "query"
    )
    with pytest.raises(InvalidQueryError, match=r"\(no filters\); model differ"):
        same_filters({"model": None}, {"model": ["veo-3"]}, Path("other"))
