"""The Explorer as a product: cards with changes, a busy indicator, tables like the report's,
one empty-state message, legends of what is drawn, the month-end projection and a snapshot.

Expected figures come from plain pandas on the same frame (or, for the projection, from
``ea.month_end_projection`` called directly), written with the package's one format per
kind (``fmt_money``, ``fmt_pct``, ...), which is what every face must show.
"""

from __future__ import annotations

import asyncio
import html
import re

import numpy as np
import pandas as pd
import pytest
from test_explorer import SANDBOX_END, pandas_slice, table_cells

import eachlabs_analytics as ea
from eachlabs_analytics import metrics, schema
from eachlabs_analytics._util import columns
from eachlabs_analytics._util.formats import (
    fmt_money,
    fmt_pct,
    fmt_points,
    fmt_seconds,
    fmt_signed_pct,
)
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.notebook.explorer import EMPTY_MESSAGE, PANES, Explorer, explore
from eachlabs_analytics.notebook.filters import Filters
from eachlabs_analytics.notebook.panes import draw_on

FAILED = list(schema.STATUS_GROUPS["failed"])
SUCCEEDED = list(schema.STATUS_GROUPS["succeeded"])
FINISHED = [*SUCCEEDED, *FAILED, *schema.STATUS_GROUPS["cancelled"]]


@pytest.fixture(scope="module")
def sandbox_frame() -> pd.DataFrame:
    return ea.generate_executions(executions=6_000, seed=5, end=SANDBOX_END)


def headline(rows: pd.DataFrame) -> dict[str, float]:
    """The cards' figures by plain pandas (not the helpers under test)."""
    status = rows["status"].astype(str)
    finished = status.isin(FINISHED)
    latency = rows.loc[~status.isin(schema.IN_FLIGHT_STATUSES), "total_seconds"].dropna()
    return {
        "spend": float(rows["execution_cost"].sum()),
        "executions": len(rows),
        "success_rate": status.isin(SUCCEEDED).sum() / finished.sum(),
        "p95_seconds": float(np.percentile(latency, 95)),
        "failed_cost": float(rows.loc[status.isin(FAILED), "execution_cost"].sum()),
    }


def shown_text(widget) -> list[str]:
    """The HTML of every widget on screen under ``widget`` (hidden ones left out)."""
    if getattr(widget.layout, "display", None) == "none":
        return []
    out = [widget.value] if isinstance(getattr(widget, "value", None), str) else []
    for child in getattr(widget, "children", ()):
        out += shown_text(child)
    return out


def test_cards_show_each_figure_and_its_change_against_the_days_before(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    models = explorer.models[:12]  # the same filters apply to the days before
    explorer.filters = {"models": models, "start": "2026-06-01", "end": "2026-06-07"}
    now = headline(pandas_slice(sandbox_frame, models=models, start="2026-06-01", end="2026-06-07"))
    was = headline(pandas_slice(sandbox_frame, models=models, start="2026-05-25", end="2026-05-31"))
    assert now["executions"] > 50 and was["executions"] > 50
    assert "the 7 days before, 2026-05-25 to 2026-05-31" in explorer.compare_note.value

    expected = {
        "spend": (explorer.total_spend, fmt_money, fmt_signed_pct(now["spend"] / was["spend"] - 1)),
        "executions": (
            explorer.executions,
            lambda n: f"{n:,}",
            fmt_signed_pct(now["executions"] / was["executions"] - 1),
        ),
        "success_rate": (
            explorer.success_rate,
            fmt_pct,
            fmt_points(now["success_rate"] - was["success_rate"]),
        ),
        "p95_seconds": (
            explorer.latency_p95,
            fmt_seconds,
            fmt_signed_pct(now["p95_seconds"] / was["p95_seconds"] - 1),
        ),
        "failed_cost": (
            explorer.failed_cost,
            fmt_money,
            fmt_signed_pct(now["failed_cost"] / was["failed_cost"] - 1),
        ),
    }
    better = {"spend": -1, "executions": 0, "success_rate": 1, "p95_seconds": -1, "failed_cost": -1}
    for measure, (card, show, change) in expected.items():
        assert card.value == show(now[measure]), measure
        text = explorer.changes[measure].value
        assert f"was {html.escape(show(was[measure]))}" in text, measure
        assert html.escape(change) in text, measure
        sign = np.sign(now[measure] - was[measure])
        assert sign != 0
        # the arrow, the class and the words agree with the sign of the change
        assert ("ea-up" in text, "ea-down" in text) == (sign > 0, sign < 0), measure
        assert ("▲" in text) == (sign > 0) and ("▼" in text) == (sign < 0), measure
        said = re.search(r"<span class='ea-sr'>([^<]*)</span>", text).group(1)
        assert said.startswith("up " if sign > 0 else "down "), measure
        verdict = better[measure] * sign
        colour = "ea-good" if verdict > 0 else "ea-bad" if verdict < 0 else "ea-neutral"
        assert colour in text, measure
    assert explorer.previous.executions == was["executions"]


def test_without_a_day_range_the_cards_say_there_is_nothing_before(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    # the window is 2026-03-12 12:00 to 2026-06-10 12:00: 91 days, nothing loaded before them
    note = explorer.compare_note.value
    assert "No executions in the 91 days before, 2025-12-11 to 2026-03-11" in note
    assert all(change.value == "" for change in explorer.changes.values())
    assert explorer.previous is None


@pytest.mark.parametrize(
    "days",
    [{"end": "2025-01-01"}, {"start": "2027-01-01"}, {"start": "2026-03-01", "end": "2026-03-05"}],
)
def test_days_outside_the_data_compare_with_nothing_and_fail_nothing(sandbox_frame, days):
    explorer = explore(sandbox_frame, charts=False, filters=days)
    assert explorer.errors == {} and explorer.previous is None
    assert all(change.value == "" for change in explorer.changes.values())


def test_a_long_list_shows_its_first_matches_and_says_how_many_more():
    from eachlabs_analytics.notebook.checklist import CheckList

    names = [f"wf_{i:04d}" for i in range(250)]
    picker = CheckList("workflows", [(n, n) for n in names], title="Workflow", noun="workflows",
                       search=True, limit=100)  # fmt: skip
    assert picker.shown == names[:100] and len(picker.items.children) == 100
    assert picker.more.value == "150 more: type to narrow the list"
    picker.value = ("wf_0249",)  # ticked from code: in view although past the limit
    assert picker.shown == [*names[:100], "wf_0249"] and picker.boxes["wf_0249"].value
    picker.search.value = "wf_01"
    assert picker.shown == [*names[100:200], "wf_0249"] and picker.more.value == ""
    picker.search.value = "nothing like it"
    assert picker.shown == ["wf_0249"] and "no workflows match" in picker.more.value
    with pytest.raises(InvalidQueryError, match="unknown workflow 'wf_9999'"):
        picker.value = ("wf_9999",)


def test_the_busy_indicator_shows_while_a_change_waits_and_renders(sandbox_frame, monkeypatch):
    explorer = explore(sandbox_frame, charts=False, debounce=5)
    assert not explorer.is_busy and "ea-busy" not in explorer.widget._dom_classes
    during = []
    original = explorer._render_headline

    def spy(summary):
        during.append((explorer.is_busy, "ea-busy" in explorer.widget._dom_classes))
        original(summary)

    explorer._render_headline = spy
    model = explorer.models[1]

    async def change_then_render() -> tuple[bool, str]:
        explorer.filters = {"models": [model]}  # waits 5 s for more changes
        waiting = explorer.is_busy, explorer.total_spend.value
        explorer._flush()  # the debounced render, driven now
        return waiting

    busy_while_waiting, stale = asyncio.run(change_then_render())
    assert busy_while_waiting and stale == fmt_money(sandbox_frame.execution_cost.sum())
    assert during == [(True, True)]  # visible while the numbers are recomputed
    assert not explorer.is_busy and explorer.busy.layout.visibility == "hidden"
    assert "ea-busy" not in explorer.widget._dom_classes
    spend = sandbox_frame.loc[sandbox_frame.model == model, "execution_cost"].sum()
    assert explorer.total_spend.value == fmt_money(spend)

    # a render that fails still clears the indicator (and says what failed)
    def broken(_data, **_kw):
        raise RuntimeError("engine gone")

    monkeypatch.setattr(metrics, "summary", broken)
    explorer.filters = None
    assert not explorer.is_busy and "summary" in explorer.errors


def test_an_empty_selection_says_so_once_and_cannot_be_exported(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    explorer.tabs.selected_index = list(PANES).index("executions")
    assert not explorer.drill_download.disabled
    explorer.filters = {"start": "2025-01-01", "end": "2025-01-31"}  # before the data
    assert explorer.summary.executions == 0
    for index in range(len(PANES)):  # whichever tab is open
        explorer.tabs.selected_index = index
        text = " ".join(shown_text(explorer.widget)).lower()
        assert text.count("no execution") == 1, list(PANES)[index]
        assert text.count(EMPTY_MESSAGE.lower()) == 1
    assert explorer.drill_download.disabled
    explorer.drill_download.click()
    assert explorer.drill_link.value == ""  # nothing offered
    explorer.filters = {"start": "2026-06-01", "end": None}  # rows again
    assert explorer.summary.executions > 0
    assert not explorer.drill_download.disabled
    assert explorer.empty_message.layout.display == "none"
    assert "no execution" not in " ".join(shown_text(explorer.widget)).lower()


def test_tables_read_like_the_reports(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False, filters={"status_groups": ["failed"]})
    explorer.refresh()
    latency = explorer.tables["latency"]
    assert set(latency["low_count"]) == {True, False}  # both cases are shown
    head, rows, cells = table_cells(explorer.pane_tables["latency"].value)
    assert head == ["model", *(columns.label(c) for c in latency.columns)]
    assert "few rows" in head and "low_count" not in head
    flags = [row[head.index("few rows")] for row in rows]
    assert flags == ["yes" if v else "" for v in latency["low_count"]]
    assert [row[0] for row in rows] == [str(m) for m in latency.index]
    assert all(tag == "td" for _, tag, _, _, section in cells if section == "tbody")
    raw_number = re.compile(r"-?[0-9]+\.[0-9]{3,}")  # a float no format was applied to
    for name in PANES:
        shown = explorer.pane_tables[name].value
        assert "True" not in shown and "False" not in shown, name
        for fragment in shown.split("</table>"):
            texts = [c for row in table_cells(fragment)[1] for c in row]
            assert not [t for t in texts if raw_number.fullmatch(t)], name
        assert "_" not in "".join(table_cells(shown)[0]), name  # no snake_case headers
        body = shown.split("<tbody>")[1:] if "<tbody>" in shown else []
        assert all("<th" not in part.split("</tbody>")[0] for part in body), name


def test_quick_range_in_force_is_highlighted(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    active = [n for n, b in explorer.quick_buttons.items() if "ea-active" in b._dom_classes]
    assert active == ["all"] and explorer.reset_button.disabled
    explorer.apply_quick_range("last_7_days")
    active = [n for n, b in explorer.quick_buttons.items() if "ea-active" in b._dom_classes]
    assert active == ["last_7_days"] and not explorer.reset_button.disabled
    # the data end on 2026-06-10: "this month" is June 1-10; typed, it lights "this month"
    explorer.start.value, explorer.end.value = "2026-06-01", "2026-06-10"
    active = [n for n, b in explorer.quick_buttons.items() if "ea-active" in b._dom_classes]
    assert active == ["this_month"]
    explorer.start.value = "2026-06-02"  # a range of one's own
    assert not [n for n, b in explorer.quick_buttons.items() if "ea-active" in b._dom_classes]


def test_of_two_quick_ranges_with_the_same_days_the_clicked_one_is_lit(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False, anchor="2026-06-30T12:00:00Z")
    for name in ("last_30_days", "this_month"):  # both are June 1-30
        explorer.quick_buttons[name].click()
        lit = [n for n, b in explorer.quick_buttons.items() if "ea-active" in b._dom_classes]
        assert lit == [name]


def test_tab_titles_are_short_words(sandbox_frame):
    explorer = explore(sandbox_frame, charts=False)
    titles = list(explorer.tabs.titles)
    assert titles == list(PANES.values()) and "Executions" in titles
    assert sum(len(t) for t in titles) <= 70  # eight labels in 820 px (measured in the browser)


def legend(ax) -> list[str]:
    found = ax.get_legend()
    return [] if found is None else [t.get_text() for t in found.get_texts()]


def test_chart_legends_name_only_what_is_drawn(sandbox_frame):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    def drawn(explorer: Explorer, name: str) -> list[str]:
        ax = Figure().add_subplot()
        return legend(draw_on(explorer._state, name, explorer.filtered, ax))

    explorer = explore(sandbox_frame, charts=False)
    # every model is shown: no "other" anything, and the two parts of spend by what they are
    assert drawn(explorer, "cost_by_model") == ["spend not on failures", "spent on failures"]
    explorer.filters = {"status_groups": ["failed"]}  # all of it spent on failures
    assert drawn(explorer, "cost_by_model") == ["spent on failures"]
    explorer.filters = {"status_groups": ["succeeded"]}  # nothing spent on failures
    assert drawn(explorer, "cost_by_model") == ["spend not on failures"]
    three = explorer.models[:3]
    explorer.filters = {"status_groups": [], "models": three}
    assert drawn(explorer, "cost_over_time") == three  # all shown: no "other" area
    explorer.filters = {"models": []}
    assert drawn(explorer, "cost_over_time")[-1] == "other"  # 26 models, top 8: folded
    classes = drawn(explorer, "errors")  # error classes in words, as the tables' headers
    assert "provider error" in classes and not [c for c in classes if "_" in c]


def projection_card(fragment: str, css: str) -> tuple[str, str]:
    """(value, detail text) of the card with class ``css``."""
    found = re.search(
        rf"<div class='ea-card {css}'><div class='ea-card-label'>[^<]*</div>"
        r"<div class='ea-card-value'>([^<]*)</div>(.*?)</div></div>",
        fragment,
    )
    assert found, fragment
    return html.unescape(found.group(1)), html.unescape(re.sub("<[^>]+>", "", found.group(2)))


def test_month_to_date_shows_the_month_end_projection_of_the_helper(sandbox_frame):
    pytest.importorskip("statsmodels")
    explorer = explore(sandbox_frame, charts=False)
    explorer.tabs.selected_index = list(PANES).index("month_to_date")
    want = ea.month_end_projection(sandbox_frame)
    projected, detail = projection_card(explorer.month_end.value, "ea-month-end-projected")
    assert projected == fmt_money(want.projected)
    assert detail == f"80% interval: {fmt_money(want.lo_80)} to {fmt_money(want.hi_80)}"
    spent, _ = projection_card(explorer.month_end.value, "ea-month-spent")
    june = sandbox_frame[sandbox_frame.created_at >= pd.Timestamp("2026-06-01", tz="UTC")]
    assert spent == fmt_money(june["execution_cost"].sum())  # spent so far, by pandas
    pd.testing.assert_frame_equal(explorer.tables["month_end"], want.to_frame())
    # every filter but the day range applies, as in the rest of the tab
    model = explorer.models[1]
    explorer.filters = {"models": [model], "start": "2026-05-01", "end": "2026-05-03"}
    want = ea.month_end_projection(pandas_slice(sandbox_frame, models=[model]))
    assert projection_card(explorer.month_end.value, "ea-month-end-projected")[0] == fmt_money(
        want.projected
    )


def test_a_projection_that_cannot_be_made_says_why(sandbox_frame, monkeypatch):
    from eachlabs_analytics import watch

    def too_little(_df, as_of=None):
        raise InvalidQueryError("forecast_spend: 1 whole day of spend; pass more days")

    monkeypatch.setattr(watch, "month_end_projection", too_little)
    explorer = explore(sandbox_frame, charts=False)
    explorer.tabs.selected_index = list(PANES).index("month_to_date")
    assert explorer.errors == {} and explorer.projection is None
    said = html.unescape(re.sub("<[^>]+>", "", explorer.month_end.value))
    assert said == "No month-end projection for this selection: 1 whole day of spend."


def test_the_snapshot_holds_the_headline_and_the_open_tab_escaped(sandbox_frame, monkeypatch):
    monkeypatch.setenv("EACHLABS_API_KEY", "smk_snapshot_secret_0123456789")
    hostile = "<script>alert(1)</script>"
    frame = sandbox_frame.copy()
    frame["model"] = frame["model"].astype(object).replace({"veo-3": hostile})
    explorer = explore(frame, title="Spend <b>here</b>")
    snap = explorer.snapshot()
    text = snap.data
    assert snap._repr_html_() == text  # displays as HTML in a notebook
    figures = headline(frame)
    for value in (
        fmt_money(figures["spend"]),
        f"{figures['executions']:,}",
        fmt_pct(figures["success_rate"]),
        fmt_seconds(figures["p95_seconds"]),
        fmt_money(figures["failed_cost"]),
    ):
        assert f"<div class='ea-card-value'>{html.escape(value)}</div>" in text, value
    # the open tab: its chart inline and its table, the hostile name escaped everywhere
    assert "src='data:image/png;base64," in text
    head, rows, _ = table_cells(text.split("<h3>By model</h3>", 1)[1])
    assert html.unescape(hostile) in [row[0] for row in rows]
    assert "<script" not in text.lower() and html.escape(hostile) in text
    assert "Spend &lt;b&gt;here&lt;/b&gt;" in text
    assert "smk_snapshot_secret" not in text
    # a frame the loader read with a key: its attrs name the source, never the key
    secret = "smk_snapshot_secret_0123456789"
    with ea.Sandbox(data=sandbox_frame.head(500), api_key=secret) as api:
        where = api.base_url
        loaded = ea.load_executions(
            start="2026-05-01T00:00:00Z", api_key=secret, base_url=where, progress=False
        )
    assert loaded.attrs["base_url"] == where and len(loaded) > 0
    shown = explore(loaded, charts=False).snapshot().data
    assert secret not in shown and secret[-12:] not in shown
    # another tab open: the snapshot follows it
    explorer.filters = {"models": [hostile]}
    explorer.tabs.selected_index = list(PANES).index("errors")
    text = explorer.snapshot().data
    assert "<h3>Errors</h3>" in text and "<script" not in text.lower()
    spend = frame.loc[frame.model == hostile, "execution_cost"].sum()
    assert f"<div class='ea-card-value'>{fmt_money(spend)}</div>" in text


def test_the_snapshot_of_an_empty_selection_says_so_once(sandbox_frame):
    explorer = explore(
        sandbox_frame, charts=False, filters=Filters(start="2025-01-01", end="2025-01-31")
    )
    text = explorer.snapshot().data.lower()
    assert text.count("no execution") == 1
