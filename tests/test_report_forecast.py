"""The report's "Forecast and alerts" section: its numbers are the watch helpers' and agree with
plain pandas sums, an injected incident shows with its model, it degrades to a sentence when
statsmodels is missing or the data is short, and it renders safely in every format."""

from __future__ import annotations

import base64
import csv
import io
import re
import sys
from html.parser import HTMLParser

import matplotlib
import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import metrics, schema
from eachlabs_analytics._util import formats as fmt
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.local_api.incidents import Incident, inject_incidents
from eachlabs_analytics.plots import plot_spend_forecast
from eachlabs_analytics.report import build_report, cost_report
from eachlabs_analytics.report import render as tpl

matplotlib.use("Agg")

END = pd.Timestamp("2026-10-20T12:00:00Z")  # mid-month, mid-day: a month and a day in progress
MONTH = pd.Timestamp("2026-10-01T00:00:00Z")
SPIKE_DAY = pd.Timestamp("2026-10-12T00:00:00Z")
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return ea.generate_executions(executions=20_000, seed=5, end=END, days=60)


@pytest.fixture(scope="module")
def spiked(df) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """A runaway client on the model that spends most, and a week-old price change on a
    model that workflows use (its anomaly is driven by a workflow)."""
    spend = df.groupby("model", observed=True)["execution_cost"].sum()
    model = str(spend.idxmax())
    incidents = [
        Incident("spend_spike", SPIKE_DAY, group=model),
        Incident("price_change", "2026-10-05", "2026-10-07", group="kling-2-1-image-to-video"),
    ]
    hit, truth = inject_incidents(df, incidents)
    return hit, truth, model


def window(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    out = df[(df.created_at >= start) & (df.created_at < end)].reset_index(drop=True)
    out.attrs = {"window": {"start": start.isoformat(), "end": end.isoformat()}}
    return out


def month_so_far(df: pd.DataFrame, as_of: pd.Timestamp) -> float:
    created = df["created_at"]
    return float(df.loc[(created >= MONTH) & (created < as_of), "execution_cost"].sum())


# --- the numbers ---------------------------------------------------------------------------
def test_spend_so_far_is_the_month_so_far_and_the_days_add_up(df):
    report = build_report(df, charts=False)
    keys = [s.key for s in report.sections]
    assert keys.index("forecast") == keys.index("daily_trend") + 1
    row = report.table("month_end_projection").frame.iloc[0]
    spent = month_so_far(df, END)  # independent: a pandas sum of October up to the window end
    assert np.isclose(row["spent"], spent, rtol=1e-12)
    assert row["month"] == MONTH and row["as_of"] == END
    assert row["lo_95"] <= row["lo_80"] <= row["projected"] <= row["hi_80"] <= row["hi_95"]
    # the projected month is the whole days so far plus the forecast days (points add up)
    days = report.table("forecast_daily").frame
    whole_days = month_so_far(df, END.floor("D"))
    assert np.isclose(row["projected"], whole_days + days["forecast"].sum(), rtol=1e-12)
    # the day in progress has its spend so far
    today = df[(df.created_at >= END.floor("D")) & (df.created_at < END)]
    assert np.isclose(days["actual"].iloc[0], today["execution_cost"].sum())
    assert days["day"].iloc[0] == END.floor("D")
    assert days["day"].iloc[-1] == pd.Timestamp("2026-10-31T00:00:00Z")
    intro = report.section("forecast").intro
    assert fmt.fmt_money(spent) in intro and fmt.fmt_money(row["projected"]) in intro
    assert "October 2026" in intro and "2026-10-20 12:00:00 UTC" in intro


def test_the_tables_are_the_watch_helpers(df):
    report = build_report(df, charts=False)
    want = ea.forecast_spend(df)  # horizon: the end of the month holding the window's end
    future = want[want["forecast"].notna()].drop(columns="group").reset_index(drop=True)
    got = report.table("forecast_daily").frame
    pd.testing.assert_frame_equal(got, future.rename(columns={"period": "day"}))
    projection = ea.month_end_projection(df)
    row = report.table("month_end_projection").frame.iloc[0]
    for name in ("spent", "projected", "lo_80", "hi_80", "lo_95", "hi_95"):
        assert row[name] == getattr(projection, name), name
    method = report.table("forecast_method").frame.iloc[0]
    assert method["method"] == projection.method == want.attrs["method"]["total"]
    assert method["backtest_mase"] == want.attrs["backtest"]["total"]["mase"]
    # the method is the table's, said once (the intro names it only for a fallback)
    assert report.table("forecast_method").frame["method"].tolist() == [projection.method]
    assert projection.method not in report.section("forecast").intro
    found = report.table("anomalies").frame
    direct = pd.concat(
        [ea.detect_anomalies(df), ea.detect_anomalies(df, by="model")], ignore_index=True
    )
    assert len(found) == len(direct[direct["period"] >= pd.Timestamp(df.attrs["window"]["start"])])


def test_the_chart_draws_the_forecast(df):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fc = ea.forecast_spend(df)
    figure = Figure()
    FigureCanvasAgg(figure)
    ax = plot_spend_forecast(fc, figure.add_subplot(), as_of=END)
    lines = {line.get_gid(): line for line in ax.get_lines()}
    whole = fc[fc["forecast"].isna()]
    assert np.allclose(lines["actual"].get_ydata(), whole["actual"].tail(56))
    future = fc[fc["forecast"].notna()]
    # the forecast line opens at the last whole day's spend, then draws the forecast
    assert np.allclose(lines["forecast"].get_ydata()[1:], future["forecast"])
    assert lines["forecast"].get_ydata()[0] == whole["actual"].iloc[-1]
    assert {"interval_80", "interval_95"} <= {c.get_gid() for c in ax.collections}
    assert ax.get_ylabel() == "Spend per day (USD)" and ax.get_xlabel() == "Day (UTC)"
    assert ax.yaxis.get_major_formatter().format_ticks([0, 50]) == ["$0", "$50"]


# --- alerts --------------------------------------------------------------------------------
def test_an_injected_spike_shows_with_its_model(spiked, df):
    hit, truth, model = spiked
    report = build_report(hit, charts=False)
    table = report.table("anomalies").frame
    day = table[table["period"] == truth["start"].iloc[0]]
    assert ((day["group"] == model) | (day["driver"] == model)).any(), table
    total = day[day["group"] == "total"].iloc[0]
    assert total["direction"] == "up" and total["driver"] == model
    assert total["driver_by"] == "model" and total["driver_share"] > 0.5
    spike = hit[(hit.created_at >= SPIKE_DAY) & (hit.created_at < SPIKE_DAY + pd.Timedelta("1D"))]
    assert np.isclose(total["actual"], spike["execution_cost"].sum())  # the day's pandas sum
    assert total["actual"] > total["upper"]
    # the clean frame has no such alert
    clean = build_report(df, charts=False).table("anomalies").frame
    assert not (clean["period"] == SPIKE_DAY).any()
    markdown = cost_report(hit, format="markdown")
    section = markdown[markdown.index("## Forecast and alerts") : markdown.index("## Latency")]
    assert re.search(
        rf"\| 2026-10-12 \| total \| .* \| up \| model \| {re.escape(model)} \|", section
    )


def test_previous_extends_the_history(spiked):
    hit, _, model = spiked
    start = pd.Timestamp("2026-10-10T00:00:00Z")
    current = window(hit, start, END)
    previous = window(hit, pd.Timestamp(hit.attrs["window"]["start"]), start)
    alone = build_report(current, charts=False)
    assert alone.table("anomalies").frame.empty
    assert "No day of the period could be judged" in alone.section("forecast").intro
    row = alone.table("month_end_projection").frame.iloc[0]
    assert np.isclose(row["spent"], month_so_far(current, END))  # only what it holds
    assert "counts the executions from 2026-10-10" in alone.section("forecast").intro

    both = build_report(current, previous=previous, charts=False)
    row = both.table("month_end_projection").frame.iloc[0]
    assert np.isclose(row["spent"], month_so_far(hit, END))  # the whole month so far
    found = both.table("anomalies").frame
    assert (found["period"] >= start).all()
    assert ((found["period"] == SPIKE_DAY) & (found["group"] == model)).any()
    assert "learn from the previous period too" in both.section("forecast").intro


def test_redaction_aliases_workflow_drivers_and_keeps_every_number(spiked):
    hit, _, _ = spiked
    # one workflow runs away on a day: it, not its model's other users, drives that anomaly
    # (a model's price change spreads over its workflows as they usually spend: no driver)
    busiest = hit["workflow_id"].value_counts().index[0]
    day = (hit["created_at"] >= "2026-10-06") & (hit["created_at"] < "2026-10-07")
    hit = hit.copy()
    hit.loc[day & (hit["workflow_id"] == busiest), "execution_cost"] *= 12
    plain = build_report(hit, charts=False)
    redacted = build_report(hit, charts=False, redact=True)
    a, b = plain.table("anomalies").frame, redacted.table("anomalies").frame
    by_workflow = a["driver_by"] == "workflow_id"
    assert by_workflow.any()
    assert set(a.loc[by_workflow, "driver"]) == {busiest}
    assert b.loc[by_workflow, "driver"].str.fullmatch(r"workflow [0-9]+").all()
    assert set(a.loc[by_workflow, "driver"]) <= set(hit["workflow_id"].dropna())
    pd.testing.assert_frame_equal(a.drop(columns="driver"), b.drop(columns="driver"))
    pd.testing.assert_frame_equal(a[~by_workflow], b[~by_workflow])
    for key in ("month_end_projection", "forecast_daily", "forecast_method"):
        pd.testing.assert_frame_equal(plain.table(key).frame, redacted.table(key).frame)
    assert plain.section("forecast").intro == redacted.section("forecast").intro
    everything = cost_report(hit, redact=True, format="markdown")
    assert not any(wf in everything for wf in a.loc[by_workflow, "driver"])


# --- degrading -----------------------------------------------------------------------------
def test_without_statsmodels_the_section_says_so_and_the_report_renders(df, monkeypatch):
    for name in [m for m in sys.modules if m == "statsmodels" or m.startswith("statsmodels.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "statsmodels", None)
    report = build_report(df, charts=True)
    section = report.section("forecast")
    assert section.intro.startswith("No forecast: forecast_spend needs statsmodels")
    assert "reinstall it" in section.intro
    assert [t.key for t in section.tables] == ["anomalies"]  # detection needs no statsmodels
    assert not section.charts
    by_model = report.table("cost_by_model").frame.set_index("model")
    assert np.isclose(by_model["total_cost"].sum(), df["execution_cost"].sum())
    html = report.to_html()
    assert html.count("<img") == sum(len(s.charts) for s in report.sections) > 0
    assert "reinstall it" in html
    assert "No forecast" in cost_report(df, format="markdown")
    tables = cost_report(df, format="csv")
    assert "anomalies" in tables and "forecast_daily" not in tables


def test_short_data_falls_back_and_says_so():
    short = ea.generate_executions(executions=400, seed=2, end=END, days=4)
    report = build_report(short, charts=False)
    intro = report.section("forecast").intro
    assert "Method: mean of the last 28 days" in intro and "because" in intro
    assert "No day of the period could be judged" in intro
    assert report.table("anomalies").frame.empty
    assert "| none |" in cost_report(short, format="markdown")


def test_no_executions_no_forecast():
    report = build_report(schema.empty_frame(), charts=True)
    section = report.section("forecast")
    assert "no executions" in section.intro and not section.tables and not section.charts


def test_forecast_false_leaves_the_section_out(df):
    report = build_report(df, charts=False, forecast=False)
    assert "forecast" not in [s.key for s in report.sections]
    html = cost_report(df, charts=False, forecast=False)
    assert 'id="forecast"' not in html and 'id="daily_trend"' in html
    with pytest.raises(InvalidQueryError, match="forecast must be True or False"):
        build_report(df, forecast="no")


# --- rendering -----------------------------------------------------------------------------
class Page(HTMLParser):
    """The ids of the h2 headings in order, every <img> src and alt, and table cells by id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.cells: dict[str, list[str]] = {}
        self._id: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        named = dict(attrs)
        if tag == "h2":
            self.sections.append(named.get("id") or "")
        if "id" in named:
            self._id = named["id"]
        if tag == "img":
            self.images.append(named)
        if tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.setdefault(self._id or "", []).append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_html_shows_the_chart_and_escapes_every_value(spiked):
    hit, _, model = spiked
    hostile = hit.copy()
    hostile["model"] = pd.array(
        np.where(hit["model"] == model, HOSTILE, hit["model"].astype(object)),
        dtype=schema.STRING_DTYPE,
    )
    html = cost_report(hostile)
    page = Page()
    page.feed(html)
    assert page.sections.index("forecast") == page.sections.index("daily_trend") + 1
    charts = [i for i in page.images if "forecast" in (i.get("alt") or "")]
    assert len(charts) == 1
    src = charts[0]["src"] or ""
    assert src.startswith("data:image/png;base64,")
    assert base64.b64decode(src.removeprefix("data:image/png;base64,"))[:4] == b"\x89PNG"
    assert "<script" not in html.lower()
    assert HOSTILE in page.cells["anomalies"]  # shown as text, escaped in the source
    assert html_escaped(HOSTILE) in html
    markdown = cost_report(hostile, format="markdown")
    assert "<script" not in markdown
    tables = cost_report(hostile, format="csv")
    assert {"month_end_projection", "forecast_daily", "forecast_method", "anomalies"} <= set(tables)
    rows = list(csv.DictReader(io.StringIO(tables["anomalies"])))
    assert HOSTILE in [r["group"] for r in rows] or HOSTILE in [r["driver"] for r in rows]
    daily = list(csv.DictReader(io.StringIO(tables["forecast_daily"])))
    want = ea.forecast_spend(hostile)
    assert [float(r["forecast"]) for r in daily] == want["forecast"].dropna().tolist()
    assert metrics.summary(hostile).spend > 0


def html_escaped(text: str) -> str:
    return tpl.html_text(text)


def test_a_period_that_ends_with_its_month_states_it_and_projects_nothing_after():
    october = ea.generate_executions(executions=1_500, seed=4, end="2026-11-01T00:00:00Z", days=31)
    report = build_report(october, charts=False)
    intro = report.section("forecast").intro
    cost = october["execution_cost"].sum()
    assert intro.startswith(
        f"October 2026 is complete at the period's end (2026-11-01 00:00:00 UTC): it cost "
        f"{fmt.fmt_money(cost)}. Nothing after the period is forecast."
    )
    assert "November" not in intro
    keys = {t.key for s in report.sections for t in s.tables}
    assert not keys & {"month_end_projection", "forecast_daily"}


def test_a_period_the_data_stops_before_is_judged_at_the_data_end():
    """The sample's shape: the data ends 2026-10-31 00:00, the period asked runs to November
    (a report of October cut from it by hand, keeping the month's window)."""
    data = ea.generate_executions(executions=24_000, seed=4, end="2026-10-31T00:00:00Z", days=60)
    october = data[data["created_at"] >= "2026-10-01"].reset_index(drop=True)
    october.attrs = {"window": {"start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"}}
    report = build_report(october, charts=False, history=data)
    data_end = pd.Timestamp("2026-10-31T00:00:00Z")
    assert "Data ends 2026-10-31 00:00:00 UTC, before the period's end" in " ".join(report.meta)
    row = report.table("month_end_projection").frame.iloc[0]
    assert row["as_of"] == data_end and row["month"] == MONTH
    assert np.isclose(row["spent"], october["execution_cost"].sum(), rtol=1e-12)
    want = ea.month_end_projection(data)  # the figure check and the Explorer give
    assert row["projected"] == want.projected and row["hi_95"] == want.hi_95
    days = report.table("forecast_daily").frame
    assert days.loc[days["forecast"].notna(), "day"].tolist() == [data_end]
    for key in ("anomalies", "anomalies_by_model"):  # Oct 31 ($0.00) is after the data's end
        assert (report.helpers[key]["period"] < data_end).all()
    # the premise: judged as data (its window to November), that empty day would be flagged
    judged = data.copy()
    judged.attrs = {"window": {**data.attrs["window"], "end": "2026-11-01T00:00:00Z"}}
    flagged = ea.detect_anomalies(judged)
    assert (flagged["period"] == data_end).any()
