"""The Explorer widget, without a browser or a kernel.

Expected rows come from plain pandas masks over the same selection (not the filters under test);
expected pane numbers come from the analytics helpers called directly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from test_filters import handmade_frame

import eachlabs_analytics as ea
from eachlabs_analytics import metrics, schema
from eachlabs_analytics._util.formats import fmt_seconds
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.notebook.explorer import PANES, Explorer, explore
from eachlabs_analytics.notebook.filters import NO_WORKFLOW, Filters


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """The filters' hand-made frame: every awkward case, an unknown status among them."""
    return handmade_frame()


SANDBOX_END = "2026-06-10T12:00:00Z"


@pytest.fixture(scope="module")
def sandbox_frame() -> pd.DataFrame:
    return ea.generate_executions(executions=6_000, seed=5, end=SANDBOX_END)


def dollars(value: float) -> str:
    """How the Explorer shows money (written out here, not imported from the widget):
    cents, or two significant digits under a cent."""
    return f"${value:,.2f}" if value == 0 or abs(value) >= 0.01 else f"${value:.2g}"


class _Cells(HTMLParser):
    """Every table cell of an HTML fragment: (row number, tag, text, attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[int, str, str, dict]] = []
        self.section, self.row, self._open = "", -1, None

    def handle_starttag(self, tag, attrs):
        if tag in ("thead", "tbody"):
            self.section = tag
        elif tag == "tr":
            self.row += 1
        elif tag in ("th", "td"):
            self._open = [self.row, tag, "", dict(attrs), self.section]

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._open is not None:
            self.cells.append(tuple(self._open))
            self._open = None


def table_cells(fragment: str) -> tuple[list[str], list[list[str]], list[tuple]]:
    """Headers, body rows (cell texts) and every cell of the first table in ``fragment``."""
    parser = _Cells()
    parser.feed(fragment)
    head = [text for _, tag, text, _, section in parser.cells if section == "thead"]
    rows: dict[int, list[str]] = {}
    for row, _, text, _, section in parser.cells:
        if section == "tbody":
            rows.setdefault(row, []).append(text)
    return head, list(rows.values()), parser.cells


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
    trends = explorer.tables["trends"]
    pd.testing.assert_series_equal(
        trends["p95"], metrics.latency_over_time(expected)["p95"], check_names=False
    )
    pd.testing.assert_series_equal(
        trends["error_rate"], metrics.error_rate_over_time(expected)["error_rate"]
    )
    total = float(expected["execution_cost"].sum())
    assert explorer.total_spend.value == dollars(total)
    assert explorer.executions.value == f"{len(expected):,}"
    statuses = expected.status.astype(str)
    finished = statuses.isin(["success", "completed", "error", "failed", "cancelled"])
    succeeded = statuses.isin(["success", "completed"]).sum() / finished.sum()
    assert explorer.success_rate.value == f"{succeeded:.1%}"  # over finished rows
    finished = expected.loc[
        ~expected.status.astype(str).isin(schema.IN_FLIGHT_STATUSES), "total_seconds"
    ].dropna()
    assert explorer.latency_p95.value == fmt_seconds(np.percentile(finished, 95))
    # the table the user sees shows the helper's numbers
    by_model = metrics.cost_by_model(expected)
    head, rows, _ = table_cells(explorer.pane_tables["cost_by_model"].value)
    spend = head.index("spend")
    shown = {row[0]: row[spend] for row in rows}
    assert shown == {str(m): dollars(v) for m, v in by_model["total_cost"].items()}


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
    assert first_label == f"{explorer.models[0]} ({dollars(spend.max())})"
    first_box = explorer.model_select.items.children[0]
    assert first_box.description == first_label  # what the checkbox says


def test_setting_filters_from_code_changes_filtered_and_panes(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    top_two = explorer.models[:2]
    explorer.filters = {"models": top_two, "start": "2026-05-20", "end": "2026-06-03"}
    expected = pandas_slice(sandbox_frame, models=top_two, start="2026-05-20", end="2026-06-03")
    assert 0 < len(expected) < len(sandbox_frame)
    assert_panes_match_helpers(explorer, expected)
    # the controls show the selection
    assert explorer.model_select.value == tuple(top_two)
    assert explorer.start.value == "2026-05-20"
    assert explorer.end.value == "2026-06-03"
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
    explorer.start.value = "2026-06-01"
    explorer.end.value = "2026-06-02"
    assert_panes_match_helpers(
        explorer, pandas_slice(sandbox_frame, start="2026-06-01", end="2026-06-02")
    )
    # picking a start after the end moves the end rather than failing
    explorer.start.value = "2026-06-05"
    assert (explorer.filters.start, explorer.filters.end) == (dt.date(2026, 6, 5),) * 2
    assert explorer.end.value == "2026-06-05"

    explorer.reset_button.click()
    assert explorer.filters == Filters()
    assert explorer.start.value == "" and explorer.model_select.value == ()
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
    shown = explorer.model_select.shown
    klings = [m for m in explorer.models if "kling" in m]
    assert len(klings) >= 2
    assert sorted(shown) == sorted([*klings, chosen])
    boxes = explorer.model_select.items.children
    assert [b.description.split(" (")[0] for b in boxes] == shown  # what is on screen
    assert explorer.model_select.value == (chosen,)
    assert explorer.filters.models == (chosen,)
    explorer.model_select.boxes[klings[0]].value = True  # tick a second one, as a user does
    assert set(explorer.filters.models) == {chosen, klings[0]}
    explorer.model_search.value = ""
    assert len(explorer.model_select.shown) == len(explorer.models)
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
    assert explorer.empty_message.layout.display is None  # said once, above the tabs
    assert all(message.value == "" for message in explorer.pane_messages.values())
    assert all(image.value == b"" for image in explorer.pane_images.values())


def test_explorer_needs_an_executions_frame():
    with pytest.raises(InvalidQueryError, match=r"explore needs the column\(s\) .*status.*missing"):
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
    n = len(PANES)
    assert list(PANES)[-1] == "executions" and "forecast" in PANES
    # the forecast tab draws only when opened; the executions tab (last) is a table
    assert drawn(explorer) == [True] + [False] * (n - 1)  # only the open tab
    explorer.refresh()
    assert drawn(explorer) == [True] * (n - 1) + [False]  # all, forecast included
    explorer.filters = {"models": explorer.models[:3]}
    assert drawn(explorer) == [True] + [False] * (n - 1)  # never stale
    explorer.tabs.selected_index = 2
    assert drawn(explorer) == [True, False, True] + [False] * (n - 3)
    assert explorer.errors == {}
    shown = [image.layout.display for image in explorer.pane_images.values()]
    assert shown == [None, "none", None] + ["none"] * (n - 3)


def test_drilldown_finds_sorts_pages_and_downloads_the_selection(sandbox_frame):
    import base64
    import csv
    import io

    explorer = explore(sandbox_frame, charts=False)
    explorer.filters = {"status_groups": ["failed"]}
    failed = sandbox_frame[sandbox_frame.status.astype(str).isin(["error", "failed"])]
    model = failed["model"].value_counts().index[0]
    explorer.drill_search.value = model.upper()  # any case
    want = failed[failed["model"].astype(str).str.contains(model, regex=False)]
    got = explorer.drilled()  # every matching row; the table kept is the page shown
    assert set(got["id"]) == set(want["id"]) and len(got) == len(want)
    assert list(explorer.tables["executions"]["id"]) == list(got["id"].head(25))
    assert got["created_at"].is_monotonic_decreasing  # newest first by default
    explorer.drill_sort.value = "execution_cost"
    assert explorer.tables["executions"]["execution_cost"].is_monotonic_decreasing
    shown = explorer.pane_tables["executions"].value
    assert shown.count("<tr>") == min(len(want), 25) + 1  # a page, and the header row
    assert f"· {len(want):,} executions" in explorer.drill_pages.value
    explorer.drill_next.click()
    pages = -(-len(want) // 25)
    assert f"page {min(2, pages)} of {pages}" in explorer.drill_pages.value
    explorer.drill_download.click()
    link = explorer.drill_link.value
    payload = link.split("base64,", 1)[1].split("'", 1)[0]
    records = list(csv.DictReader(io.StringIO(base64.b64decode(payload).decode(), newline="")))
    assert {r["id"] for r in records} == set(want["id"])  # every row, not only the page
    assert sum(float(r["execution_cost"] or 0) for r in records) == pytest.approx(
        want["execution_cost"].sum()
    )
    explorer.drill_search.value = "no-such-thing"
    assert "No execution matches this search" in explorer.pane_tables["executions"].value
    assert explorer.drill_download.disabled  # nothing to export
    explorer.drill_search.value = model
    assert not explorer.drill_download.disabled
    explorer.drill_search.value = "no-such-thing"
    assert explorer.drill_link.value == ""  # a stale download never stays offered


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


def test_the_forecast_tab_shows_the_forecast_and_the_injected_spike():
    pytest.importorskip("statsmodels")
    from eachlabs_analytics.local_api import Incident, generate_executions, inject_incidents

    clean = generate_executions(executions=12_000, seed=5, end="2026-10-31T00:00:00Z")
    model = clean.groupby(clean["model"].astype(str))["execution_cost"].sum().idxmax()
    spiked, truth = inject_incidents(
        clean, [Incident("spend_spike", "2026-10-25", group=model)], seed=1
    )
    explorer = explore(spiked)
    assert "forecast" not in explorer.tables  # on demand: nothing fitted before the tab opens
    explorer.tabs.selected_index = list(PANES).index("forecast")
    assert explorer.errors == {}
    pd.testing.assert_frame_equal(explorer.tables["forecast"], ea.forecast_spend(spiked))
    anomalies = explorer.tables["anomalies"]
    pd.testing.assert_frame_equal(
        anomalies, ea.detect_anomalies(spiked, metric="spend", by="model"), check_like=True
    )
    day = pd.Timestamp(truth["start"].iloc[0])
    flagged = anomalies[(anomalies["period"] == day) & (anomalies["group"] == model)]
    assert len(flagged) == 1 and flagged["direction"].iloc[0] == "up"
    shown = explorer.pane_tables["forecast"].value
    assert f"<td>{day.date()}</td><td>{model}</td>" in shown
    assert bytes(explorer.pane_images["forecast"].value).startswith(b"\x89PNG")


def test_pane_tables_are_for_people_and_the_data_window_is_shown(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    shown = explorer.pane_tables["cost_by_model"].value
    head, rows, _ = table_cells(shown)
    assert "spend" in head and "share of spend" in head and "total_cost" not in shown
    assert len(rows) == len(explorer.tables["cost_by_model"])  # no index-name row
    executions = int(explorer.tables["cost_by_model"]["executions"].max())
    assert executions >= 1000 and f"{executions:,}" in [c for r in rows for c in r]
    window = sandbox_frame.attrs["window"]
    start, end = pd.Timestamp(window["start"]), pd.Timestamp(window["end"])
    from eachlabs_analytics._util.formats import fmt_window

    assert f"data: {fmt_window(start, end)}" in html.unescape(explorer.status_line.value)


def test_filters_are_checkbox_lists_where_nothing_ticked_means_all(sandbox_frame):
    from eachlabs_analytics.notebook.checklist import CheckList

    explorer = explore(sandbox_frame, charts=False)
    for picker in (
        explorer.model_select,
        explorer.status_select,
        explorer.error_select,
        explorer.workflow_select,
    ):
        assert isinstance(picker, CheckList)
        assert picker.value == () and "· all " in picker.heading.value
        assert picker.clear.layout.visibility == "hidden"
        assert all(not box.value for box in picker.boxes.values())
    assert explorer.model_search.layout.display is None  # a long list has a search box
    assert explorer.status_select.search.layout.display == "none"  # five need none
    assert "Ctrl-click" not in explorer.widget.children[0].value  # no instructions needed
    # nothing ticked: the tables are the helpers' on every row
    pd.testing.assert_frame_equal(
        explorer.tables["cost_by_model"], metrics.cost_by_model(sandbox_frame)
    )
    # ticking a box filters, the heading says how many, "clear" brings "all" back
    explorer.status_select.boxes["failed"].value = True
    assert explorer.filters.status_groups == ("failed",)
    assert "· 1 of 5" in explorer.status_select.heading.value
    assert explorer.status_select.clear.layout.visibility == "visible"
    failed = pandas_slice(sandbox_frame, statuses=list(schema.STATUS_GROUPS["failed"]))
    assert explorer.summary.executions == len(failed)
    explorer.status_select.clear.click()
    assert explorer.filters == Filters() and not explorer.status_select.boxes["failed"].value
    pd.testing.assert_frame_equal(
        explorer.tables["cost_by_model"], metrics.cost_by_model(sandbox_frame)
    )
    # a selection set from code ticks the boxes
    explorer.filters = {"error_classes": ["provider_error"]}
    ticked = [v for v, box in explorer.error_select.boxes.items() if box.value]
    assert ticked == ["provider_error"]
    labels = [box.description for box in explorer.error_select.items.children]
    assert "provider error" in labels and all("_" not in label for label in labels)


def test_month_to_date_compares_with_the_same_point_of_last_month(sandbox_frame):
    # data to 2026-06-15 09:30: June 1 to 09:30 on the 15th against May 1 to 09:30 on the 15th
    data = sandbox_frame.copy()
    data.attrs = {**sandbox_frame.attrs, "window": {**sandbox_frame.attrs["window"]}}
    data.attrs["window"]["end"] = "2026-06-15T09:30:00Z"
    explorer = explore(data, charts=False, filters={"models": [ea_top_model(data)]})
    explorer.filters = {"start": "2026-06-14", "end": "2026-06-14"}  # the day range is ignored
    model = explorer.filters.models[0]
    rows = data[data["model"] == model]

    def spend(first: str, stop: str) -> float:
        inside = (rows["created_at"] >= first) & (rows["created_at"] < stop)
        return float(rows.loc[inside, "execution_cost"].sum())

    now = spend("2026-06-01T00:00:00Z", "2026-06-15T09:30:00Z")
    then = spend("2026-05-01T00:00:00Z", "2026-05-15T09:30:00Z")
    assert now > 0 and then > 0 and now != then
    table = explorer.tables["month_to_date"]
    assert table.loc[model, "spend_current"] == pytest.approx(now, rel=1e-12)
    assert table.loc[model, "spend_previous"] == pytest.approx(then, rel=1e-12)
    shown = html.unescape(explorer.pane_tables["month_to_date"].value)
    assert "2026-06-01 00:00:00 to 2026-06-15 09:30:00 UTC" in shown
    assert "2026-05-01 00:00:00 to 2026-05-15 09:30:00 UTC" in shown
    _, rows, _ = table_cells(shown)
    sign = "+" if now > then else "-"
    by_model = shown.split("Spend by model", 1)[1]  # the second table: spend per model
    head, models, _ = table_cells(by_model)
    assert head == ["model", "last month, same point", "this month", "change"]
    assert [dollars(then), dollars(now), f"{sign}{dollars(abs(now - then))}"] == next(
        row[1:] for row in models if row[0] == model
    )
    assert ["spend", dollars(then), dollars(now), f"{sign}{dollars(abs(now - then))}"] == rows[0][
        :4
    ]


def ea_top_model(df: pd.DataFrame) -> str:
    spend = df.groupby(df.model.astype(object))["execution_cost"].sum()
    return str(spend.sort_values(ascending=False, kind="stable").index[0])


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("06/01/2026", "is not a day; use YYYY-MM-DD"),
        ("2026-06-31", "is not a day; use YYYY-MM-DD"),
        ("２０２６-06-01", "non-ASCII"),
        ("2026-6-1", "is not a day; use YYYY-MM-DD"),
    ],
)
def test_day_fields_take_iso_days_and_say_what_is_wrong(sandbox_frame, typed, message):
    explorer = explore(sandbox_frame, charts=False)
    explorer.start.value = "2026-06-01"
    assert explorer.filters.start == dt.date(2026, 6, 1)
    explorer.end.value = typed
    assert explorer.filters.end is None and explorer.filters.start == dt.date(2026, 6, 1)
    assert message in html.unescape(explorer.day_message.value)
    assert "ea-pane-error" in explorer.day_message.value
    explorer.end.value = " 2026-06-02 "  # spaces around a day are fine
    assert explorer.filters.end == dt.date(2026, 6, 2)
    assert "UTC days, both included" in explorer.day_message.value  # the hint is back
    assert len(explorer.filtered) == len(
        pandas_slice(sandbox_frame, start="2026-06-01", end="2026-06-02")
    )


def test_a_title_heads_the_explorer(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False, title="Spend <sample>")
    heading = explorer.widget.children[1]
    assert heading.value == "<h2 class='ea-title'>Spend &lt;sample&gt;</h2>"
    assert "ea-heading" in heading._dom_classes
    plain = explore(sandbox_frame, charts=False).widget.children
    assert all("ea-heading" not in child._dom_classes for child in plain)


@pytest.mark.parametrize("encoded", [False, True])
@pytest.mark.parametrize("text", ["VEO", "wf_", "exec_9", "  kling-2 ", "no-such-thing"])
def test_drilldown_search_and_sort_match_a_row_by_row_check(sandbox_frame, encoded, text):
    from eachlabs_analytics.metrics.grouping import encode
    from eachlabs_analytics.notebook.drilldown import search_executions

    frame = encode(sandbox_frame, ("model", "workflow_id")) if encoded else sandbox_frame
    needle = text.strip().casefold()
    columns = ["id", "model", "workflow_id", "workflow_execution_id"]
    expected = [
        values[0]
        for values in sandbox_frame[columns].astype(object).itertuples(index=False)
        if any(isinstance(v, str) and needle in v.casefold() for v in values)
    ]
    got = search_executions(frame, text, sort="model", descending=False)
    assert sorted(got["id"]) == sorted(expected)
    models = got["model"].astype(object).tolist()
    assert models == sorted(models)  # by name, whatever the category order
    newest = search_executions(frame, text)
    assert newest["created_at"].is_monotonic_decreasing and len(newest) == len(expected)


def test_a_tables_only_explorer_never_imports_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys, eachlabs_analytics as ea\n"
        "ea.explore(ea.generate_executions(executions=300, seed=1), charts=False).refresh()\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # about a second of import saved


def test_an_explicit_anchor_wins_over_the_datas_window(sandbox_frame):
    assert sandbox_frame.attrs["window"]["end"]  # the data has a window of its own
    explorer = explore(sandbox_frame, charts=False, anchor="2026-05-20T08:00:00Z")
    assert explorer.anchor == pd.Timestamp("2026-05-20T08:00:00Z")
    explorer.apply_quick_range("last_7_days")
    assert (explorer.filters.start, explorer.filters.end) == (
        dt.date(2026, 5, 14),
        dt.date(2026, 5, 20),
    )


def test_a_change_computes_the_open_tab_only_and_the_others_when_they_open(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    explorer.filters = {"status_groups": ["failed"]}
    assert set(dict.keys(explorer.tables)) == {"cost_by_model"}  # the open tab, nothing else
    assert explorer.pane_tables["latency"].value == ""  # never the previous selection's numbers
    explorer.tabs.selected_index = list(PANES).index("latency")
    assert (
        "latency" in explorer.tables
        and "p95" in table_cells(explorer.pane_tables["latency"].value)[0]
    )
    failed = pandas_slice(sandbox_frame, statuses=["error", "failed"])
    pd.testing.assert_frame_equal(explorer.tables["latency"], metrics.latency_percentiles(failed))
    # reading a table that is not drawn yet computes it, as opening its tab would
    pd.testing.assert_frame_equal(explorer.tables["errors"], metrics.error_breakdown(failed))
    assert explorer.pane_tables["errors"].value != ""


def test_an_unreadable_day_does_not_freeze_the_other_filters(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    explorer.start.value = "2026-06-01"
    explorer.start.value = "2026-13-01"  # a typo: flagged, the selection keeps June 1
    assert explorer.filters.start == dt.date(2026, 6, 1)
    model = explorer.models[0]
    explorer.model_select.value = (model,)  # another filter still applies
    assert explorer.filters.models == (model,) and explorer.filters.start == dt.date(2026, 6, 1)
    assert len(explorer.filtered) == len(pandas_slice(sandbox_frame, models=[model],
                                                      start="2026-06-01"))  # fmt: skip
    assert explorer.start.value == "2026-13-01"  # what was typed stays in view, flagged
    assert "is not a day" in html.unescape(explorer.day_message.value)
    assert "keeps the last day that read" in explorer.day_message.value


def test_month_to_date_is_not_called_empty_when_only_the_day_range_is(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    explorer.filters = {"start": "2026-06-15", "end": "2026-06-20"}  # after the data ends
    assert explorer.summary.executions == 0
    explorer.tabs.selected_index = list(PANES).index("month_to_date")
    assert explorer.pane_messages["month_to_date"].value == ""  # it reads every day
    assert explorer.empty_message.layout.display is None  # the selection itself is empty
    assert "No executions in either month" not in explorer.pane_tables["month_to_date"].value
    assert explorer.tables["month_to_date"]["spend_current"].sum() > 0


def test_code_reads_current_numbers_while_a_render_is_debounced(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False, debounce=5)
    model = explorer.models[2]
    want = pandas_slice(sandbox_frame, models=[model])

    async def change_then_read() -> tuple[str, pd.DataFrame]:
        explorer.filters = {"models": [model]}  # the render waits 5 s for more changes
        return repr(explorer), explorer.tables["cost_by_model"]

    shown, table = asyncio.run(change_then_read())
    assert shown.startswith(f"Explorer({len(want):,} of {len(sandbox_frame):,} executions")
    pd.testing.assert_frame_equal(table, metrics.cost_by_model(want))


def test_the_previous_page_button_stops_at_the_first_page(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    explorer.tabs.selected_index = list(PANES).index("executions")
    explorer.drill_previous.click()
    assert explorer.drill_pages.value.strip().startswith("page 1 of")
    rows = explorer.tables["executions"]
    rows["extra"] = 1  # the drill-down's rows are the caller's to change
    assert "extra" not in explorer.filtered.columns
