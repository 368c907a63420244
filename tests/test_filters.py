"""The Explorer's filters: ``Filters``, ``apply_filters`` and the quick ranges, without a widget.

Expected rows come from a row-by-row Python evaluation of the same selection (not the vectorised
mask under test).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.local_api import generate_executions
from eachlabs_analytics.notebook.filters import (
    NO_WORKFLOW,
    Filters,
    anchor_of,
    apply_filters,
    filter_mask,
    quick_range,
)

MODELS = ("veo-3", "flux-2-pro", "elevenlabs-tts", "kling-3-0", "nano-banana-pro")
STATUSES = ("success", "completed", "error", "failed", "cancelled", "running", "created", "paused")


def handmade_frame(rows: int = 600, seed: int = 3) -> pd.DataFrame:
    """A typed executions frame with every awkward case: unknown status, NA class, no workflow."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2026-05-01", tz="UTC") + pd.to_timedelta(
        rng.uniform(0, 40 * 86400, rows), unit="s"
    )
    status = rng.choice(STATUSES, rows)
    is_error = np.isin(status, schema.FAILED_STATUSES)
    classes = np.where(
        is_error & (rng.random(rows) < 0.85),
        rng.choice(schema.ERROR_CLASSES, rows),
        None,
    )
    workflow = np.where(rng.random(rows) < 0.4, rng.choice(["wf-a", "wf-b", "wf-c"], rows), None)
    started = created + pd.to_timedelta(rng.exponential(3, rows), unit="s")
    completed = started + pd.to_timedelta(rng.exponential(20, rows), unit="s")
    in_flight = np.isin(status, schema.IN_FLIGHT_STATUSES)
    started = started.where(~(in_flight & (rng.random(rows) < 0.5)))
    completed = completed.where(~in_flight)
    frame = pd.DataFrame(
        {
            "id": [f"exec-{i:05d}" for i in range(rows)],
            "model": rng.choice(MODELS, rows),
            "requested_model": None,
            "status": status,
            "workflow_id": workflow,
            "workflow_execution_id": None,
            "execution_cost": np.round(rng.gamma(1.5, 0.2, rows), 4),
            "run_time": rng.exponential(20, rows),
            "created_at": created,
            "started_at": started,
            "completed_at": completed,
            "output": None,
            "error_classification": classes,
        }
    )
    frame["queue_seconds"] = (frame.started_at - frame.created_at).dt.total_seconds()
    frame["execution_seconds"] = (frame.completed_at - frame.started_at).dt.total_seconds()
    frame["total_seconds"] = (frame.completed_at - frame.created_at).dt.total_seconds()
    dtypes = {**schema.DTYPES, "status": schema.status_dtype(STATUSES)}
    frame = frame.astype(dtypes)[list(schema.COLUMNS)]
    frame.attrs["window"] = {"start": "2026-05-01T00:00:00Z", "end": "2026-06-10T12:00:00Z"}
    return frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return handmade_frame()


def slow_keep(df: pd.DataFrame, f: Filters) -> list[str]:
    """Ids the selection keeps, decided one row at a time in plain Python."""
    kept = []
    for row in df.itertuples(index=False):
        day = row.created_at.tz_convert("UTC").date()
        if f.start is not None and day < f.start:
            continue
        if f.end is not None and day > f.end:
            continue
        if f.models and row.model not in f.models:
            continue
        if f.status_groups and schema.status_group(row.status) not in f.status_groups:
            continue
        if f.error_classes and (
            pd.isna(row.error_classification) or row.error_classification not in f.error_classes
        ):
            continue
        if f.workflows:
            key = NO_WORKFLOW if pd.isna(row.workflow_id) else row.workflow_id
            if key not in f.workflows:
                continue
        kept.append(row.id)
    return kept


SELECTIONS = [
    Filters(),
    Filters(start="2026-05-10", end="2026-05-10"),
    Filters(start="2026-05-20"),
    Filters(end="2026-05-03"),
    Filters(models=["veo-3", "kling-3-0"]),
    Filters(status_groups=["failed"]),
    Filters(status_groups=["other", "cancelled"]),
    Filters(status_groups=["in_flight", "succeeded"]),
    Filters(error_classes=["content_moderation", "provider_error"]),
    Filters(workflows=[NO_WORKFLOW]),
    Filters(workflows=["wf-b", NO_WORKFLOW]),
    Filters(
        start="2026-05-05",
        end="2026-05-25",
        models=["flux-2-pro", "veo-3"],
        status_groups=["failed"],
        error_classes=["execution_timeout", "unknown", "internal_error"],
        workflows=["wf-a", "wf-c"],
    ),
]


@pytest.mark.parametrize("selection", SELECTIONS, ids=lambda f: str(f.as_dict()))
def test_apply_filters_keeps_exactly_the_rows_of_a_row_by_row_check(frame, selection):
    out = apply_filters(frame, selection)
    assert list(out["id"]) == slow_keep(frame, selection)
    assert out.dtypes.equals(frame.dtypes)
    # the window shrinks to the filter's days (so summary/compare_periods describe the slice)
    window = frame.attrs["window"]
    start, end = pd.Timestamp(window["start"]), pd.Timestamp(window["end"])
    if selection.start is not None:
        start = max(start, pd.Timestamp(selection.start, tz="UTC"))
    if selection.end is not None:
        after = pd.Timestamp(selection.end, tz="UTC") + pd.Timedelta(days=1)  # [start, end)
        end = min(end, after)
    assert pd.Timestamp(out.attrs["window"]["start"]) == start
    assert pd.Timestamp(out.attrs["window"]["end"]) == end
    assert out.attrs["filters"] == selection.as_dict()


def test_every_selection_above_keeps_some_rows_and_drops_others(frame):
    # guards the parametrised test against passing vacuously on all-or-nothing selections
    for selection in SELECTIONS[1:]:
        assert 0 < filter_mask(frame, selection).sum() < len(frame), selection


def test_day_bounds_are_utc_days_inclusive():
    df = handmade_frame(rows=4)
    stamps = [
        "2026-05-09T23:59:59.999999Z",
        "2026-05-10T00:00:00Z",
        "2026-05-10T23:59:59.999999Z",
        "2026-05-11T00:00:00Z",
    ]
    df["created_at"] = pd.to_datetime(stamps, format="ISO8601").astype(schema.TIMESTAMP_DTYPE)
    assert filter_mask(df, Filters(start="2026-05-10", end="2026-05-10")).tolist() == [
        False,
        True,
        True,
        False,
    ]


def test_filters_normalise_their_inputs():
    f = Filters(
        start=dt.datetime(2026, 5, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2))),
        end=pd.Timestamp("2026-05-09"),
        models="veo-3",
        status_groups=["failed", "failed"],
    )
    assert f.start == dt.date(2026, 5, 2)  # 23:30 at UTC-2 is already the 2nd in UTC
    assert f.end == dt.date(2026, 5, 9)
    assert f.models == ("veo-3",)
    assert f.status_groups == ("failed",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status_groups": ["done"]}, "unknown status group 'done'; allowed: succeeded"),
        ({"error_classes": ["oops"]}, "unknown error class 'oops'; allowed: content_moderation"),
        ({"start": "2026-05-10", "end": "2026-05-01"}, "is after end"),
        ({"start": "last tuesday"}, "is not a date"),
        ({"start": 20260501}, "is not a date"),
        ({"models": [1, 2]}, "models must contain strings"),
        ({"models": 7}, "models must be a string or a list"),
    ],
)
def test_bad_filters_say_what_is_allowed(kwargs, message):
    with pytest.raises(InvalidQueryError, match=message):
        Filters(**kwargs)


def test_replace_and_coerce():
    base = Filters(models=["veo-3"])
    assert Filters.coerce({"status_groups": ["failed"]}, base=base) == Filters(
        models=["veo-3"], status_groups=["failed"]
    )
    assert Filters.coerce(None) == Filters()
    with pytest.raises(InvalidQueryError, match="unknown filter field"):
        base.replace(model="veo-3")
    with pytest.raises(InvalidQueryError, match="filters must be a Filters"):
        Filters.coerce(["veo-3"])


def test_quick_ranges_count_back_from_the_anchor_day():
    anchor = pd.Timestamp("2026-03-01 00:30", tz="UTC")
    assert quick_range("yesterday", anchor) == (dt.date(2026, 2, 28), dt.date(2026, 2, 28))
    assert quick_range("last_7_days", anchor) == (dt.date(2026, 2, 23), dt.date(2026, 3, 1))
    assert quick_range("last_30_days", anchor) == (dt.date(2026, 1, 31), dt.date(2026, 3, 1))
    assert quick_range("this_month", anchor) == (dt.date(2026, 3, 1), dt.date(2026, 3, 1))
    assert quick_range("all", anchor) == (None, None)
    # an anchor in another zone counts in UTC days
    assert quick_range("yesterday", pd.Timestamp("2026-03-01 00:30", tz="Europe/Berlin")) == (
        dt.date(2026, 2, 27),
        dt.date(2026, 2, 27),
    )
    with pytest.raises(InvalidQueryError, match="unknown quick range 'fortnight'"):
        quick_range("fortnight", anchor)


def test_anchor_is_the_last_instant_of_the_window_else_now(frame):
    # the window is [start, end): its last instant is a microsecond before its end
    assert anchor_of(frame) == pd.Timestamp("2026-06-10 12:00", tz="UTC") - pd.Timedelta(1, "us")
    midnight = frame.copy()
    midnight.attrs = {"window": {"start": "2026-05-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"}}
    first, last = quick_range("last_7_days", anchor_of(midnight))
    assert (first, last) == (dt.date(2026, 5, 25), dt.date(2026, 5, 31))  # seven whole days
    bare = frame.copy()
    bare.attrs = {}
    now = pd.Timestamp("2030-01-02 03:04", tz="UTC")
    assert anchor_of(bare, now=now) == now
    before = pd.Timestamp.now(tz="UTC")
    assert before <= anchor_of(bare) <= pd.Timestamp.now(tz="UTC")


def test_the_explorer_lists_models_by_spend(frame):
    from eachlabs_analytics.notebook.state import ExplorerState

    spend = {m: frame.loc[frame.model == m, "execution_cost"].sum() for m in MODELS}
    state = ExplorerState(frame)
    assert state.models == sorted(MODELS, key=lambda m: -spend[m])
    assert sorted(w for w in state.workflows if w.startswith("wf")) == ["wf-a", "wf-b", "wf-c"]


@pytest.fixture(scope="module")
def df_90_days() -> pd.DataFrame:
    """Generated executions over the generator's default 90 days to 2026-10-31."""
    return generate_executions(executions=20_000, seed=3, end="2026-10-31T00:00:00Z")


def test_a_date_filtered_slice_is_compared_over_its_own_days(df_90_days):
    df = df_90_days.copy()
    df.attrs["window"] = {"start": "2026-08-02T00:00:00Z", "end": "2026-10-31T00:00:00Z"}
    piece = apply_filters(df, {"start": "2026-10-17", "end": "2026-10-30"})
    assert piece.attrs["window"]["start"] == "2026-10-17T00:00:00Z"
    assert piece.attrs["window"]["end"] == "2026-10-31T00:00:00Z"  # [start, end)
    narrower = apply_filters(df, {"end": "2026-10-20"})
    assert narrower.attrs["window"]["end"] == "2026-10-21T00:00:00Z"
    assert narrower.attrs["window"]["end_source"] == "filter"
    table = ea.compare_periods(piece)
    assert table["spend_previous"].sum() > 0  # both halves fall inside the slice's days
    total = table["spend_previous"].sum() + table["spend_current"].sum()
    assert total == pytest.approx(piece["execution_cost"].sum())
