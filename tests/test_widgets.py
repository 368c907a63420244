"""The Explorer's filter logic and widget, without a browser or a kernel.

Expected rows come from a row-by-row Python evaluation of the same selection (not the vectorised
mask under test); expected pane numbers come from the analytics helpers called directly.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import metrics, schema
from eachlabs_analytics._util.formats import fmt_seconds
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.notebook.explorer import Explorer, explore
from eachlabs_analytics.notebook.filters import (
    NO_WORKFLOW,
    Filters,
    anchor_of,
    apply_filters,
    filter_mask,
    ordered_by_spend,
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
        last = pd.Timestamp(selection.end, tz="UTC") + pd.Timedelta(days=1, microseconds=-1)
        end = min(end, last)
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


def test_anchor_is_the_window_end_else_now(frame):
    assert anchor_of(frame) == pd.Timestamp("2026-06-10 12:00", tz="UTC")
    bare = frame.copy()
    bare.attrs = {}
    now = pd.Timestamp("2030-01-02 03:04", tz="UTC")
    assert anchor_of(bare, now=now) == now
    before = pd.Timestamp.now(tz="UTC")
    assert before <= anchor_of(bare) <= pd.Timestamp.now(tz="UTC")


def test_ordered_by_spend(frame):
    spend = {m: frame.loc[frame.model == m, "execution_cost"].sum() for m in MODELS}
    assert ordered_by_spend(frame, "model") == sorted(MODELS, key=lambda m: -spend[m])
    workflows = ordered_by_spend(frame, "workflow_id")
    assert sorted(workflows) == ["wf-a", "wf-b", "wf-c"]


# --- the Explorer widget ---------------------------------------------------------------------
SANDBOX_END = "2026-06-10T12:00:00Z"


@pytest.fixture(scope="module")
def sandbox_frame() -> pd.DataFrame:
    return ea.generate_executions(executions=6_000, seed=5, end=SANDBOX_END)


def dollars(value: float) -> str:
    """How the Explorer shows money (written out here, not imported from the widget):
    cents, or two significant digits under a cent."""
    return f"${value:,.2f}" if value == 0 or abs(value) >= 0.01 else f"${value:.2g}"


def pandas_slice(df: pd.DataFrame, **sel) -> pd.DataFrame:
    """The rows a selection keeps, as a plain pandas mask (independent of _filters)."""
    keep = pd.Series(True, index=df.index)
    if "start" in sel:
        keep &= df.created_at >= pd.Timestamp(sel["start"], tz="UTC")
    if "end" in sel:
        keep &= df.created_at < pd.Timestamp(sel["end"], tz="UTC") + pd.Timedelta(days=1)
    if "models" in sel:
        keep &= df.model.isin(sel["models"])
    if "statuses" in sel:
        keep &= df.status.astype(str).isin(sel["statuses"])
    if "error_classes" in sel:
        keep &= df.error_classification.astype(object).isin(sel["error_classes"])
    if "workflows" in sel:
        keep &= df.workflow_id.astype(object).isin(sel["workflows"])
    return df[keep.to_numpy(dtype=bool)]


def assert_panes_match_helpers(explorer: Explorer, expected: pd.DataFrame) -> None:
    """Every pane's numbers equal the analytics helpers' on the expected slice."""
    assert list(explorer.filtered["id"]) == list(expected["id"])
    pd.testing.assert_frame_equal(explorer.tables["cost_by_model"], metrics.cost_by_model(expected))
    pd.testing.assert_frame_equal(
        explorer.tables["cost_over_time"],
        metrics.cost_over_time(expected, freq="D", top=explorer.top),
    )
    pd.testing.assert_frame_equal(explorer.tables["latency"], metrics.latency_percentiles(expected))
    pd.testing.assert_frame_equal(explorer.tables["errors"], metrics.error_breakdown(expected))
    total = float(expected["execution_cost"].sum())
    assert explorer.total_spend.value == dollars(total)
    assert explorer.executions.value == f"{len(expected):,}"
    succeeded = expected.status.astype(str).isin(["success", "completed"]).mean()
    assert explorer.success_rate.value == f"{succeeded:.1%}"
    finished = expected.loc[
        ~expected.status.astype(str).isin(schema.IN_FLIGHT_STATUSES), "total_seconds"
    ].dropna()
    assert explorer.latency_p95.value == fmt_seconds(np.percentile(finished, 95))
    # the table the user sees shows the helper's numbers
    by_model = metrics.cost_by_model(expected)
    for model, row in by_model.iterrows():
        assert f"<th>{model}</th>" in explorer.pane_tables["cost_by_model"].value
        assert dollars(row["total_cost"]) in explorer.pane_tables["cost_by_model"].value


def test_explorer_starts_unfiltered_with_the_helpers_numbers(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    assert isinstance(explorer, Explorer)
    assert explorer.filters == Filters()
    assert_panes_match_helpers(explorer, sandbox_frame)
    assert {k: v for k, v in explorer.errors.items() if "chart" not in k} == {}


def test_models_are_offered_by_spend(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    spend = sandbox_frame.groupby(sandbox_frame.model.astype(object))["execution_cost"].sum()
    assert explorer.models == list(spend.sort_values(ascending=False, kind="stable").index)
    assert [value for _, value in explorer.model_select.options] == explorer.models
    first_label = explorer.model_select.options[0][0]
    assert first_label == f"{explorer.models[0]}  ({dollars(spend.max())})"


def test_setting_filters_from_code_changes_filtered_and_panes(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    top_two = explorer.models[:2]
    explorer.filters = {"models": top_two, "start": "2026-05-20", "end": "2026-06-03"}
    expected = pandas_slice(sandbox_frame, models=top_two, start="2026-05-20", end="2026-06-03")
    assert 0 < len(expected) < len(sandbox_frame)
    assert_panes_match_helpers(explorer, expected)
    # the controls show the selection
    assert explorer.model_select.value == tuple(top_two)
    assert explorer.start.value == dt.date(2026, 5, 20)
    assert explorer.end.value == dt.date(2026, 6, 3)
    # a mapping changes only the fields it names
    explorer.filters = {"status_groups": ["failed"]}
    assert explorer.filters.models == tuple(top_two)
    expected = pandas_slice(expected, statuses=list(schema.STATUS_GROUPS["failed"]))
    assert_panes_match_helpers(explorer, expected)
    # a Filters replaces the whole selection; None clears it
    explorer.filters = Filters(error_classes=["execution_timeout"])
    assert_panes_match_helpers(
        explorer, pandas_slice(sandbox_frame, error_classes=["execution_timeout"])
    )
    explorer.filters = None
    assert_panes_match_helpers(explorer, sandbox_frame)


def test_changing_the_controls_like_a_user_does(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    model = explorer.models[3]
    explorer.model_select.value = (model,)
    assert explorer.filters.models == (model,)
    assert_panes_match_helpers(explorer, pandas_slice(sandbox_frame, models=[model]))

    explorer.model_select.value = ()
    explorer.status_select.value = ("failed", "cancelled")
    statuses = [*schema.STATUS_GROUPS["failed"], *schema.STATUS_GROUPS["cancelled"]]
    assert_panes_match_helpers(explorer, pandas_slice(sandbox_frame, statuses=statuses))

    explorer.status_select.value = ()
    explorer.error_select.value = ("content_moderation", "provider_rate_limit")
    assert_panes_match_helpers(
        explorer,
        pandas_slice(sandbox_frame, error_classes=["content_moderation", "provider_rate_limit"]),
    )

    explorer.error_select.value = ()
    workflow = next(w for w in explorer.workflows if w != NO_WORKFLOW)
    explorer.workflow_select.value = (workflow,)
    expected = pandas_slice(sandbox_frame, workflows=[workflow])
    assert 0 < len(expected)
    assert_panes_match_helpers(explorer, expected)

    explorer.workflow_select.value = (NO_WORKFLOW,)
    assert_panes_match_helpers(explorer, sandbox_frame[sandbox_frame.workflow_id.isna()])

    explorer.workflow_select.value = ()
    explorer.start.value = dt.date(2026, 6, 1)
    explorer.end.value = dt.date(2026, 6, 2)
    assert_panes_match_helpers(
        explorer, pandas_slice(sandbox_frame, start="2026-06-01", end="2026-06-02")
    )
    # picking a start after the end moves the end rather than failing
    explorer.start.value = dt.date(2026, 6, 5)
    assert (explorer.filters.start, explorer.filters.end) == (dt.date(2026, 6, 5),) * 2
    assert explorer.end.value == dt.date(2026, 6, 5)

    explorer.reset_button.click()
    assert explorer.filters == Filters()
    assert explorer.start.value is None and explorer.model_select.value == ()
    assert_panes_match_helpers(explorer, sandbox_frame)


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("yesterday", "2026-06-09", "2026-06-09"),
        ("last_7_days", "2026-06-04", "2026-06-10"),
        ("last_30_days", "2026-05-12", "2026-06-10"),
        ("this_month", "2026-06-01", "2026-06-10"),
    ],
)
def test_quick_range_buttons_count_back_from_the_window_end(sandbox_frame, name, first, last):
    explorer = explore(sandbox_frame, charts=False)
    explorer.quick_buttons[name].click()
    assert explorer.filters.start == dt.date.fromisoformat(first)
    assert explorer.filters.end == dt.date.fromisoformat(last)
    assert_panes_match_helpers(explorer, pandas_slice(sandbox_frame, start=first, end=last))
    explorer.quick_buttons["all"].click()
    assert explorer.filters == Filters()


def test_model_search_narrows_the_list_but_keeps_the_selection(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    chosen = next(m for m in explorer.models if "kling" not in m)
    explorer.model_select.value = (chosen,)
    explorer.model_search.value = "KLING"
    shown = [value for _, value in explorer.model_select.options]
    klings = [m for m in explorer.models if "kling" in m]
    assert len(klings) >= 2
    assert sorted(shown) == sorted([*klings, chosen])
    assert explorer.model_select.value == (chosen,)
    assert explorer.filters.models == (chosen,)
    explorer.model_select.value = (chosen, klings[0])
    explorer.model_search.value = ""
    assert len(explorer.model_select.options) == len(explorer.models)
    assert set(explorer.model_select.value) == {chosen, klings[0]}
    assert_panes_match_helpers(explorer, pandas_slice(sandbox_frame, models=[chosen, klings[0]]))


def test_unknown_values_are_refused_and_leave_the_selection_alone(sandbox_frame):
    explorer = explore(sandbox_frame, filters={"status_groups": ["failed"]}, charts=False)
    before = explorer.filters
    with pytest.raises(InvalidQueryError, match="unknown model 'gpt-9'; models in this data: "):
        explorer.filters = {"models": ["gpt-9"]}
    with pytest.raises(InvalidQueryError, match="unknown workflow 'wf_nope'"):
        explorer.filters = {"workflows": ["wf_nope"]}
    with pytest.raises(InvalidQueryError, match="unknown error class"):
        explorer.filters = {"error_classes": ["gremlins"]}
    assert explorer.filters == before
    assert explorer.status_select.value == ("failed",)


def test_an_empty_slice_shows_zeroes_and_says_so(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    explorer.filters = {"start": "2025-01-01", "end": "2025-01-31"}  # before the data starts
    assert sandbox_frame.created_at.min() > pd.Timestamp("2025-02-01", tz="UTC")
    assert len(explorer.filtered) == 0
    assert explorer.total_spend.value == "$0.00"
    assert explorer.executions.value == "0"
    assert explorer.errors == {}
    assert all("No executions match" in m.value for m in explorer.pane_messages.values())
    assert all(image.value == b"" for image in explorer.pane_images.values())


def test_explorer_needs_an_executions_frame():
    with pytest.raises(InvalidQueryError, match="missing column"):
        explore(pd.DataFrame({"model": ["veo-3"]}))


def test_explorer_works_on_frames_with_unknown_statuses(frame):
    explorer = explore(frame, charts=False)
    explorer.filters = {"status_groups": ["other"]}
    expected = frame[frame.status.astype(str) == "paused"]
    assert len(expected) > 0
    assert list(explorer.filtered["id"]) == list(expected["id"])
    assert explorer.total_spend.value == dollars(expected["execution_cost"].sum())


def test_rendering_is_debounced_while_an_event_loop_runs(sandbox_frame):
    explorer = explore(sandbox_frame, debounce=0.05, charts=False)
    renders = []
    original = explorer._render
    explorer._render = lambda panes: (renders.append(explorer.filters), original(panes))

    async def change_quickly():
        explorer.filters = {"models": [explorer.models[0]]}
        explorer.filters = {"models": [explorer.models[1]]}
        assert renders == []  # nothing rendered yet: still waiting for the user to stop
        assert explorer.filtered["model"].eq(explorer.models[1]).all()  # data is current
        for _ in range(200):
            await asyncio.sleep(0.05)
            if renders:
                break

    asyncio.run(change_quickly())
    assert renders == [Filters(models=[explorer.models[1]])]
    assert explorer.total_spend.value == dollars(
        sandbox_frame.loc[sandbox_frame.model == explorer.models[1], "execution_cost"].sum()
    )


def test_charts_render_for_the_visible_tab_and_the_rest_on_demand(sandbox_frame):
    def drawn(explorer: Explorer) -> list[bool]:
        return [
            bytes(image.value).startswith(b"\x89PNG") for image in explorer.pane_images.values()
        ]

    explorer = explore(sandbox_frame)
    assert drawn(explorer) == [True, False, False, False]  # only the open tab
    explorer.refresh()
    assert drawn(explorer) == [True, True, True, True]
    explorer.filters = {"models": explorer.models[:3]}
    assert drawn(explorer) == [True, False, False, False]  # hidden tabs never show stale charts
    explorer.tabs.selected_index = 2
    assert drawn(explorer) == [True, False, True, False]
    assert explorer.errors == {}
    assert [image.layout.display for image in explorer.pane_images.values()] == [
        None,
        "none",
        None,
        "none",
    ]


def test_charts_can_be_switched_off(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    explorer.refresh()
    assert all(bytes(image.value) == b"" for image in explorer.pane_images.values())
    assert explorer.errors == {}


def test_explorer_displays_as_a_widget_and_reads_as_text(sandbox_frame):
    explorer = sandbox_frame.eachlabs.explore(charts=False)  # the accessor gives the same
    assert isinstance(explorer, Explorer)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    explorer.filters = {"status_groups": ["failed"]}
    n_failed = int(sandbox_frame.status.astype(str).isin(["error", "failed"]).sum())
    assert repr(explorer) == (
        f"Explorer({n_failed:,} of {len(sandbox_frame):,} executions; status groups: failed)"
    )
