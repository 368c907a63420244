"""The cost report: its numbers are the helpers', hostile values are escaped, files are safe."""

from __future__ import annotations

import csv
import io
import os
import re
from html.parser import HTMLParser

import matplotlib
import numpy as np
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import metrics, schema
from eachlabs_analytics._util import formats as fmt
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.report import build_report, cost_report

matplotlib.use("Agg")

HOSTILE = "<script>alert(1)</script>"
END = "2026-10-31T00:00:00Z"


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return ea.generate_executions(executions=3_000, seed=7, end=END, days=30)


@pytest.fixture(scope="module")
def before() -> pd.DataFrame:
    return ea.generate_executions(executions=2_500, seed=8, end="2026-10-01T00:00:00Z", days=30)


class Tables(HTMLParser):
    """Collect every <table> after an element with an id, and every tag's attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.cards: dict[str, str] = {}
        self.attributes: list[tuple[str, str, str | None]] = []
        self._last_id: str | None = None
        self._current: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._card_class: str | None = None
        self._card_label: str | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.attributes.append((tag, name, value))
        attrs = dict(attrs)
        if "id" in attrs:
            self._last_id = attrs["id"]
        if tag == "table":
            self._current = []
            self.tables[self._last_id or f"t{len(self.tables)}"] = self._current
        elif tag == "tr" and self._current is not None:
            self._current.append([])
        elif tag in ("td", "th") and self._current is not None:
            self._cell = []
        elif tag == "div" and attrs.get("class") in ("label", "value"):
            self._card_class = attrs["class"]
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._current is not None:
            self._current[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "div" and self._card_class is not None:
            text = "".join(self._cell or [])
            if self._card_class == "label":
                self._card_label = text
            elif self._card_label is not None:
                self.cards[self._card_label] = text
            self._card_class, self._cell = None, None
        elif tag == "table":
            self._current = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> Tables:
    parser = Tables()
    parser.feed(html)
    return parser


def text_of(html: str) -> str:
    """The page's text, tags left out (prose wraps hyphenated words in spans)."""
    return re.sub(r"<[^>]+>", "", html)


def column(rows: list[list[str]], name: str) -> list[str]:
    header = rows[0]
    return [row[header.index(name)] for row in rows[1:]]


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- the numbers are the helpers' ----------------------------------------------------------
def test_tables_hold_exactly_the_helpers_numbers(df):
    report = build_report(df, charts=False)
    by_model = metrics.cost_by_model(df)
    table = report.table("cost_by_model").frame.set_index("model")
    pd.testing.assert_frame_equal(table, by_model[table.columns], check_names=False)
    # and the helper agrees with plain pandas on the same rows
    assert np.isclose(table.total_cost.sum(), df.execution_cost.sum())
    assert table.executions.to_dict() == df.model.value_counts().to_dict()

    for metric, key in (
        ("queue_seconds", "latency_queue"),
        ("execution_seconds", "latency_execution"),
        ("total_seconds", "latency_total"),
    ):
        want = metrics.latency_percentiles(df, metric=metric, percentiles=(50, 90, 95, 99))
        got = report.table(key).frame.set_index("model")
        pd.testing.assert_frame_equal(got, want, check_names=False)
        done = df[~df.status.isin(schema.IN_FLIGHT_STATUSES)]
        veo = done.loc[done.model == "veo-3", metric].dropna()
        assert got.loc["veo-3", "p95"] == np.percentile(veo, 95)

    workflows = metrics.cost_by_workflow(df).head(10)
    got = report.table("cost_by_workflow").frame.set_index("workflow_id")
    pd.testing.assert_frame_equal(got, workflows, check_names=False)

    daily = report.table("daily").frame
    spend = metrics.cost_over_time(df, freq="D", by=None)["total"]
    assert np.allclose(daily.spend.to_numpy(), spend.to_numpy())
    by_day = df.groupby(df.created_at.dt.floor("D")).execution_cost.sum()
    assert np.allclose(daily.set_index("day").spend.reindex(by_day.index), by_day.to_numpy())


def test_errors_and_cost_of_failures(df):
    report = build_report(df, charts=False)
    failed = df[df.status.isin(schema.FAILED_STATUSES)]
    by_class = report.table("errors_by_class").frame.set_index("error_classification")
    want_counts = failed.error_classification.value_counts()
    assert by_class.failed.to_dict() == want_counts[want_counts > 0].to_dict()
    want_cost = failed.groupby("error_classification", observed=True).execution_cost.sum()
    assert np.allclose(by_class.failed_cost, want_cost.reindex(by_class.index))
    assert np.isclose(by_class.share_of_failures.sum(), 1.0)
    per_model = report.table("errors_by_model").frame.set_index("model")
    assert per_model.errors.to_dict() == failed.model.value_counts()[lambda s: s > 0].to_dict()
    s = metrics.summary(df)
    assert f"{s.failed:,} executions failed" in report.section("errors").intro
    assert fmt.fmt_money(failed.execution_cost.sum()) in report.section("errors").intro


def test_html_shows_the_helpers_numbers(df):
    html = cost_report(df, charts=False)
    page = parse(html)
    by_model = metrics.cost_by_model(df)
    rows = page.tables["cost_by_model"]
    assert column(rows, "model") == list(by_model.index)
    assert column(rows, "spend") == [fmt.fmt_money(v) for v in by_model.total_cost]
    assert column(rows, "cost per success") == [fmt.fmt_money(v) for v in by_model.cost_per_success]
    s = metrics.summary(df)
    assert page.cards["Spend"] == fmt.fmt_money(df.execution_cost.sum())
    assert page.cards["Executions"] == f"{len(df):,}"
    assert page.cards["Error rate"] == fmt.fmt_pct(s.error_rate)
    assert page.cards["Spent on failures"] == fmt.fmt_money(s.failed_cost)
    assert page.cards["End to end p95"] == fmt.fmt_seconds(s.p95_seconds)
    top = df.sort_values(["execution_cost", "created_at"], ascending=False, kind="stable").head(10)
    assert column(page.tables["most_expensive"], "id") == top.id.tolist()
    assert column(page.tables["most_expensive"], "cost") == [
        fmt.fmt_money(v) for v in top.execution_cost
    ]


def test_csv_tables_round_trip_the_raw_numbers(df, tmp_path):
    out = cost_report(df, tmp_path / "csv", format="csv")
    names = sorted(os.listdir(out))
    assert "cost_by_model.csv" in names and "headline.csv" in names
    assert "latency_total.csv" in names and "most_expensive.csv" in names
    # parsed with float(): exact on every pandas (pandas 2's default C parser is not)
    read = pd.read_csv(out / "cost_by_model.csv", dtype={"total_cost": str}).set_index("model")
    read["total_cost"] = read["total_cost"].map(float)
    want = metrics.cost_by_model(df)
    assert read.total_cost.to_dict() == want.total_cost.to_dict()  # exact: repr round-trips
    headline = pd.read_csv(out / "headline.csv", dtype={"value": str})
    headline = headline.set_index("measure").value.map(float)
    assert headline["spend"] == float(want.total_cost.sum())
    assert headline["executions"] == len(df)


def test_change_against_the_previous_period(df, before):
    report = build_report(df, previous=before, charts=False)
    total = report.table("change_total").frame.iloc[0]
    # independent: plain sums over each frame
    assert np.isclose(total.spend_current, df.execution_cost.sum())
    assert np.isclose(total.spend_previous, before.execution_cost.sum())
    assert total.executions_current == len(df) and total.executions_previous == len(before)
    failed_now = df.status.isin(schema.FAILED_STATUSES).mean()
    assert np.isclose(total.error_rate_current, failed_now)
    by_model = report.table("change_by_model").frame.set_index("model")
    veo_now = df.loc[df.model == "veo-3", "execution_cost"].sum()
    veo_then = before.loc[before.model == "veo-3", "execution_cost"].sum()
    assert np.isclose(by_model.loc["veo-3", "spend_change"], veo_now - veo_then)
    assert report.previous_period == (
        pd.Timestamp("2026-10-01T00:00:00Z") - pd.Timedelta(days=30),
        pd.Timestamp("2026-10-01T00:00:00Z"),
    )
    spend = next(card for card in report.headline if card.key == "spend")
    now, then = df.execution_cost.sum(), before.execution_cost.sum()
    assert spend.change is not None and spend.change.before == fmt.fmt_money(then)
    assert spend.change.text == fmt.fmt_signed_pct((now - then) / then)


def test_without_previous_the_comparison_says_so(df):
    report = build_report(df, charts=False)
    assert "No previous period" in report.section("change").intro
    assert not report.section("change").tables


# --- safety --------------------------------------------------------------------------------
def hostile_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    rows = out.index[:40]
    out["model"] = out.model.astype(object)
    out.loc[rows[:20], "model"] = HOSTILE
    out.loc[rows[20:30], "model"] = '=HYPERLINK("http://evil.example","x")'
    out.loc[rows[30:40], "model"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    out["model"] = out.model.astype(schema.STRING_DTYPE)
    out.loc[rows[:5], "execution_cost"] = 1_000.0  # make them the most expensive
    out["id"] = out.id.astype(object)
    out.loc[rows[0], "id"] = '"><img src=x onerror=alert(2)>'
    out.loc[rows[1], "id"] = "+cmd|' /C calc'!A0"
    out.loc[rows[2], "id"] = "-2+3"
    out.loc[rows[3], "id"] = "\tTAB=1"
    out["id"] = out.id.astype(schema.STRING_DTYPE)
    out["output"] = out.output.astype(object)
    out.loc[rows[:5], "output"] = "javascript:alert(3)"
    out["output"] = out.output.astype(schema.STRING_DTYPE)
    out["workflow_id"] = out.workflow_id.astype(object)
    out.loc[rows[:3], "workflow_id"] = "<b onmouseover=alert(4)>wf</b>"
    out["workflow_id"] = out.workflow_id.astype(schema.STRING_DTYPE)
    return out


def test_hostile_values_are_escaped_in_html(df):
    bad = hostile_frame(df)
    html = cost_report(bad, charts=False)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "")
    assert "<b onmouseover" not in html
    page = parse(html)
    assert HOSTILE in column(page.tables["cost_by_model"], "model")  # shown as text
    assert '"><img src=x onerror=alert(2)>' in column(page.tables["most_expensive"], "id")
    for tag, name, value in page.attributes:
        assert not name.startswith("on"), (tag, name)
        assert not (value or "").lower().startswith("javascript:"), (tag, name)


def test_hostile_values_are_escaped_in_markdown(df):
    text = cost_report(hostile_frame(df), format="markdown")
    assert "<script" not in text and "<img" not in text and "<b " not in text
    assert "&lt;script&gt;alert\\(1\\)" in text or "&lt;script&gt;alert(1)" in text
    # every table row keeps its column count: no cell broke out with a '|'
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.startswith("|")]
        if lines:
            widths = {len(re.findall(r"(?<!\\)\|", line)) for line in lines}
            assert len(widths) == 1, lines[:3]


def test_csv_cells_are_neutralised_against_formulas(df):
    tables = cost_report(hostile_frame(df), format="csv")
    models = [r["model"] for r in csv_rows(tables["cost_by_model"])]
    assert '\'=HYPERLINK("http://evil.example","x")' in models
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in models
    ids = [r["id"] for r in csv_rows(tables["most_expensive"])]
    assert "'+cmd|' /C calc'!A0" in ids and "'-2+3" in ids and "'\tTAB=1" in ids
    for name, text in tables.items():
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                if cell[:1] in ("=", "+", "@", "\t", "\r"):
                    pytest.fail(f"{name}: formula-like cell {cell!r}")
                if cell.startswith("-"):
                    float(cell)  # only numbers may start with '-'


def test_html_needs_no_network(df, before):
    pytest.importorskip("eachlabs_analytics.plots")
    html = cost_report(df, previous=before)
    page = parse(html)
    images = [v for tag, name, v in page.attributes if tag == "img" and name == "src"]
    assert len(images) >= 4 and all(v.startswith("data:image/png;base64,") for v in images)
    for tag, name, value in page.attributes:
        if name in ("src", "href", "action", "data", "poster", "srcset", "background"):
            assert (value or "").startswith(("data:", "#")), (tag, name, value)
    assert not re.search(r"<(link|script|iframe|object|embed)\b", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html  # CSP: the browser refuses any load anyway


def test_charts_are_the_plots_modules(df):
    plots = pytest.importorskip("eachlabs_analytics.plots")
    report = build_report(df)
    titles = [c.title for s in report.sections for c in s.charts]
    assert any(t.startswith("Each model's spend (USD)") for t in titles)
    assert "Failed executions per model, stacked by error class." in titles
    assert all(c.png.startswith(b"\x89PNG") for s in report.sections for c in s.charts)
    assert callable(plots.plot_cost_by_model)


def test_redacted_report_has_no_ids_or_outputs(df):
    html = cost_report(df, redact=True, charts=False)
    text = cost_report(df, redact=True, format="markdown")
    csv_tables = cost_report(df, redact=True, format="csv")
    everything = html + text + "".join(csv_tables.values())
    for value in df.id.head(50):
        assert value not in everything
    outputs = df.output.dropna()
    assert not any(url in everything for url in outputs.head(50))
    assert "https://" not in html and "http://" not in html
    for wf in df.workflow_id.dropna().unique()[:20]:
        assert wf not in everything
    # the numbers do not change
    report = build_report(df, redact=True, charts=False)
    got = report.table("cost_by_workflow").frame
    want = metrics.cost_by_workflow(df).head(10)
    assert got.total_cost.tolist() == want.total_cost.tolist()
    assert got.runs.tolist() == want.runs.tolist()
    assert got.workflow_id.str.startswith("workflow ").all()
    assert "id" not in report.table("most_expensive").frame.columns


# --- files and bad input -------------------------------------------------------------------
def test_writes_files_atomically_with_default_names(df, tmp_path):
    path = cost_report(df, tmp_path, charts=False)
    assert path == tmp_path / "cost-report.html"
    md = cost_report(df, tmp_path / "r.md", format="markdown")
    assert md.read_text().startswith("# each::labs cost report")
    assert sorted(os.listdir(tmp_path)) == ["cost-report.html", "r.md"]


def test_empty_frame_gives_a_report(tmp_path):
    html = cost_report(schema.empty_frame(), charts=True)
    assert "no executions" in html
    assert parse(html).cards["Executions"] == "0"


def test_snapshot_of_a_small_report():
    rows = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "model": ["veo-3", "veo-3", "flux-2-pro"],
            "requested_model": [None, None, None],
            "status": ["success", "error", "success"],
            "workflow_id": [None, None, None],
            "workflow_execution_id": [None, None, None],
            "execution_cost": [3.2, 1.6, 0.05],
            "run_time": [60.0, 30.0, 5.0],
            "created_at": pd.to_datetime(
                ["2026-10-02T00:00:00Z", "2026-10-01T12:00:00Z", "2026-10-01T00:00:00Z"]
            ),
            "started_at": pd.to_datetime(
                ["2026-10-02T00:00:02Z", "2026-10-01T12:00:01Z", "2026-10-01T00:00:01Z"]
            ),
            "completed_at": pd.to_datetime(
                ["2026-10-02T00:01:02Z", "2026-10-01T12:00:31Z", "2026-10-01T00:00:06Z"]
            ),
            "output": ["https://x/a.mp4", None, "https://x/c.png"],
            "error_classification": [None, "execution_timeout", None],
        }
    )
    rows["queue_seconds"] = (rows.started_at - rows.created_at).dt.total_seconds()
    rows["execution_seconds"] = (rows.completed_at - rows.started_at).dt.total_seconds()
    rows["total_seconds"] = (rows.completed_at - rows.created_at).dt.total_seconds()
    frame = rows.astype(schema.DTYPES)
    frame.attrs["window"] = {"start": "2026-10-01T00:00:00Z", "end": "2026-10-03T00:00:00Z"}
    text = cost_report(frame, format="markdown")
    expected = """\
## Spend by model

Cost per success includes the spend on failures: what one success really costs.

| model | executions | spend | share of spend | mean cost | succeeded | failed | spent on failures | cost per success |
|:---|---:|---:|---:|---:|---:|---:|---:|---:|
| veo-3 | 2 | $4.80 | 99.0% | $2.40 | 1 | 1 | $1.60 | $4.80 |
| flux-2-pro | 1 | $0.05 | 1.0% | $0.05 | 1 | 0 | $0.00 | $0.05 |
"""  # noqa: E501
    assert expected in text
    assert "Period: 2026-10-01 to 2026-10-02 (2 days, UTC)" in text
    assert "- **Spent on failures**: $1.60 (33.0% of spend)" in text
    assert "| execution\\_timeout | 1 | 100.0% | $1.60 |" in text


def test_bad_input_is_refused_clearly(df, tmp_path):
    with pytest.raises(InvalidQueryError, match="format='pdf' is not supported; allowed: html"):
        cost_report(df, format="pdf")
    with pytest.raises(InvalidQueryError, match="must be a pandas DataFrame"):
        cost_report([1, 2])
    with pytest.raises(InvalidQueryError, match="missing the column"):
        cost_report(df.drop(columns=["execution_cost"]))
    with pytest.raises(InvalidQueryError, match="top must be an integer >= 1"):
        cost_report(df, top=0)
    with pytest.raises(InvalidQueryError, match="previous must cover a period before"):
        cost_report(df, previous=df, charts=False)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        cost_report(df, tmp_path / "no" / "r.html", charts=False)
    assert os.listdir(tmp_path) == []


@pytest.mark.browser
@pytest.mark.skipif(
    not os.path.exists("/usr/bin/chromium"), reason="needs Debian's chromium at /usr/bin/chromium"
)
def test_html_opens_in_a_browser_with_no_request_but_itself(df, before, tmp_path):
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    path = cost_report(hostile_frame(df), tmp_path / "r.html", previous=before)
    requests, dialogs = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            loaded = page.evaluate(
                "Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length"
            )
            shown = page.inner_text("#cost_by_model table")
        finally:
            browser.close()
    assert [u for u in requests if not u.startswith("data:")] == [path.as_uri()]
    assert dialogs == []  # no injected script ran
    assert loaded >= 4  # the embedded charts render
    assert HOSTILE in shown


def test_an_empty_period_says_so_in_a_banner(df):
    empty = df.iloc[:0].copy()
    empty.attrs = {"window": {"start": "2025-01-01T00:00:00Z", "end": "2025-02-01T00:00:00Z"}}
    html = cost_report(empty, charts=False)
    assert 'class="banner" role="alert">No executions were created in this period' in html
    assert "Period: 2025-01-01 to 2025-01-31 (31 days, UTC)" in text_of(html)
    markdown = cost_report(empty, format="markdown")
    assert "> **No executions were created in this period" in markdown
    assert "banner" not in cost_report(df, charts=False).split("<main>")[1].split("<h2")[0]
