"""A report people read (issue 18, item 6), checked on the demo's report of the bundled sample.

The demo's path is the real one (sandbox, loader, report). Every figure a test expects is
computed here with plain pandas on the sample's rows, not taken from the report: a contents
list whose links land, each section titled once, unique ids, every KPI card with its change
(arrow, colour and a sentence for screen readers), no column empty in every row, money in the
one format, no scientific notation, slugs never broken at their hyphens, and a print sheet.
In headless Chromium: no table scrolls sideways at 1,400 and 820 px nor in print, and no
hyphenated word breaks. Screenshots go to ``test-artifacts/``; with
``EACHLABS_DOCS_IMAGES=1`` the README's ``docs/images/report-*.png`` are rewritten too.
"""

from __future__ import annotations

import html as html_lib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics._util.formats import (
    cell_text,
    fmt_money,
    fmt_points,
    fmt_signed_pct,
)
from eachlabs_analytics._util.windows import select_window
from eachlabs_analytics.app.demo import run_demo
from eachlabs_analytics.local_api import load_sample
from eachlabs_analytics.report import build_report
from eachlabs_analytics.report.render import (
    CSS,
    Table,
    html_prose,
    render_csv_tables,
    render_html,
    render_markdown,
)

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
DOCS_IMAGES = ROOT / "docs" / "images"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
DAYS = 30
#: The one money rule (tests/test_formats.py), with the sign a change may carry.
MONEY = re.compile(r"^[-+]?\$(\d{1,3}(,\d{3})*\.\d\d|0\.0*[1-9]\d?)$")
RATE = re.compile(r"^\$(\d{1,3}(,\d{3})*\.\d\d|0\.0*[1-9]\d{0,2})$")
SCIENTIFIC = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?[eE][-+]?\d+(?![\w.])")
#: Which way each KPI is better, said independently of the report (None: neither).
BETTER = {
    "Spend": "down",
    "Executions": None,
    "Success rate": "up",
    "Error rate": "down",
    "Spent on failures": "down",
    "Cost per success": "down",
    "End to end p50": "down",
    "End to end p95": "down",
}
RATES = {"Success rate", "Error rate"}


# --- a small DOM ---------------------------------------------------------------------------
@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    def find(self, tag: str, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter(tag) if cls is None or cls in n.classes]


class Tree(HTMLParser):
    VOID = frozenset({"meta", "img", "br", "hr", "input", "link", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#root", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_endtag(self, tag):
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def dom(page: str) -> Node:
    tree = Tree()
    tree.feed(page)
    return tree.root


def words(text: str) -> str:
    return " ".join(text.split()).lower()


def table_rows(table: Node) -> tuple[list[str], list[list[str]]]:
    header = [th.text() for th in table.iter("th")]
    rows = [[td.text() for td in tr.iter("td")] for tr in table.find("tr")]
    return header, [r for r in rows if r]


def table_in(page: Node, block_or_section_id: str) -> Node:
    holder = next(n for n in page.iter() if n.attrs.get("id") == block_or_section_id)
    if holder.tag == "h2":  # the section took the id: its (first) table
        holder = holder.parent.parent  # h2 < .section-head < section
    return holder.find("table")[0]


# --- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo's two periods, cut from the sample here (not through the loader)."""
    sample = load_sample()
    end = pd.Timestamp(sample.attrs["window"]["end"])
    cut = end - pd.Timedelta(days=DAYS)
    current = select_window(sample, cut, end)
    return current, select_window(sample, cut - pd.Timedelta(days=DAYS), cut)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, str, str]:
    """The demo's report: its path, HTML and Markdown."""
    result = run_demo(tmp_path_factory.mktemp("demo"), days=DAYS, progress=False)
    return result.html, result.html.read_text(), result.markdown.read_text()


@pytest.fixture(scope="module")
def page(demo) -> Node:
    return dom(demo[1])


def kpis(df: pd.DataFrame) -> dict[str, float]:
    """The headline numbers with plain pandas, as the Summary documents them."""
    status = df["status"].astype(object)
    ok, bad = status.isin(schema.SUCCEEDED_STATUSES), status.isin(schema.FAILED_STATUSES)
    finished = ok.sum() + bad.sum() + status.isin(schema.CANCELLED_STATUSES).sum()
    spend = df["execution_cost"].sum()
    done = df.loc[~status.isin(schema.IN_FLIGHT_STATUSES), "total_seconds"].dropna()
    return {
        "Spend": spend,
        "Executions": len(df),
        "Success rate": ok.sum() / finished,
        "Error rate": bad.sum() / len(df),
        "Spent on failures": df.loc[bad, "execution_cost"].sum(),
        "Cost per success": spend / ok.sum(),
        "End to end p50": np.percentile(done, 50),
        "End to end p95": np.percentile(done, 95),
    }


# --- structure -----------------------------------------------------------------------------
def test_every_id_is_unique(page):
    ids = [n.attrs["id"] for n in page.iter() if "id" in n.attrs]
    assert len(ids) > 20
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    # also without a previous period, charts or forecast (the sections change)
    df = ea.generate_executions(executions=500, seed=2, end="2026-10-31T00:00:00Z", days=10)
    other = dom(ea.cost_report(df, charts=False, forecast=False))
    ids = [n.attrs["id"] for n in other.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))


def test_contents_links_to_every_section_and_every_link_lands(page):
    headings = [h for s in page.find("section") for h in s.find("h2")]
    assert len(headings) >= 7
    nav = next(n for n in page.find("nav") if n.attrs.get("id") == "contents")
    links = nav.find("a")
    assert [a.attrs["href"] for a in links] == [f"#{h.attrs['id']}" for h in headings]
    assert [a.text() for a in links] == [h.text() for h in headings]
    ids = {n.attrs["id"] for n in page.iter() if "id" in n.attrs}
    internal = [a.attrs["href"] for a in page.find("a") if a.attrs["href"].startswith("#")]
    assert internal and all(href[1:] in ids for href in internal)
    # the contents come before the first section
    order = [n for n in page.iter() if n is nav or n is headings[0]]
    assert order == [nav, headings[0]]


def test_each_section_title_is_said_once(page):
    said = [words(n.text()) for n in page.iter() if n.tag in ("h1", "h2", "h3", "figcaption")]
    for section in page.find("section"):
        title = words(section.find("h2")[0].text())
        assert said.count(title) == 1, title
        for node in [*section.find("h3"), *section.find("figcaption"), *section.find("p")]:
            assert title not in words(node.text()), (title, node.text())


def test_charts_carry_no_title_of_their_own(monkeypatch):
    """The heading names a chart: the image must not repeat it."""
    from eachlabs_analytics.plots import parts

    titles: list[str] = []

    def spy(draw, size, dpi=100, *, then=None):
        from matplotlib.figure import Figure

        ax = Figure(figsize=size).add_subplot()
        draw(ax)
        titles.append(ax.get_title())
        return b"\x89PNG"

    monkeypatch.setattr(parts, "png", spy)
    df = ea.generate_executions(executions=3_000, seed=7, end="2026-10-31T00:00:00Z", days=40)
    report = build_report(df)
    assert len(titles) == sum(len(s.charts) for s in report.sections) >= 6
    assert titles == [""] * len(titles)
    for section in report.sections:
        for chart in section.charts:
            assert words(section.title) not in words(chart.title)


def test_markdown_has_contents_and_one_heading_per_section(demo):
    text = demo[2]
    titles = re.findall(r"^## (.+)$", text, re.M)
    contents = next(line for line in text.splitlines() if line.startswith("Contents: "))
    links = re.findall(r"\[([^\]]+)\]\(#([^)]+)\)", contents)
    assert [t for t, _ in links] == titles
    for title, anchor in links:  # GitHub's heading anchors
        assert anchor == re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")
    for title in titles:
        after = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
        assert f"### {title}\n" not in after


# --- KPI cards -----------------------------------------------------------------------------
def test_every_kpi_card_shows_its_change_against_plain_pandas(page, frames):
    now, then = (kpis(f) for f in frames)
    cards = {c.find("div", "label")[0].text(): c for c in page.find("div", "card")}
    balance = cards.pop("Balance")  # the demo's balance (the sandbox's): no previous period
    assert set(cards) == set(BETTER)
    truth = ea.Sandbox(data="sample").balance_usd
    assert balance.find("div", "value")[0].text() == fmt_money(truth)
    assert not balance.find("div", "change")
    for label, card in cards.items():
        diff = now[label] - then[label]
        assert diff != 0, label  # the sample moves every KPI: each direction is testable
        direction = "up" if diff > 0 else "down"
        change = card.find("div", "change")
        assert len(change) == 1, label
        classes = change[0].classes
        assert direction in classes and ({"up", "down"} - {direction}).isdisjoint(classes)
        better = BETTER[label]
        tone = "neutral" if better is None else "better" if direction == better else "worse"
        assert tone in classes, (label, classes)
        shown = next(s for s in change[0].find("span") if s.attrs.get("aria-hidden") == "true")
        spoken = change[0].find("span", "vh")[0].text()
        if label in RATES:
            text, amount = fmt_points(diff), f"{abs(diff) * 100:.1f} percentage points"
        else:
            ratio = diff / then[label]
            text, amount = fmt_signed_pct(ratio), f"{abs(ratio):.1%}"
        assert shown.text().startswith(f"{'▲' if diff > 0 else '▼'} {text}"), (label, shown)
        assert spoken.startswith(f"{direction} {amount} against the previous period ("), spoken
        if label in ("Spend", "Spent on failures", "Cost per success"):
            assert f"vs {fmt_money(then[label])}" in shown.text()
            assert spoken.endswith(f"({fmt_money(then[label])})")


def test_markdown_cards_say_their_change(demo, frames):
    now, then = (kpis(f) for f in frames)
    for label in BETTER:
        line = next(x for x in demo[2].splitlines() if x.startswith(f"- **{label}**: "))
        direction = "up" if now[label] > then[label] else "down"
        assert f") · {direction} " in line and "against the previous period (" in line, line


def test_cards_against_an_empty_previous_period():
    """From nothing: sums show the difference itself, rates and times have nothing to show."""
    df = ea.generate_executions(executions=800, seed=3, end="2026-10-31T00:00:00Z", days=20)
    cut = pd.Timestamp("2026-10-21T00:00:00Z")
    current = select_window(df, cut, None)
    empty = select_window(
        df, pd.Timestamp("2026-10-01T00:00:00Z"), pd.Timestamp("2026-10-02T00:00:00Z")
    )
    assert len(current) > 0 and len(empty) == 0
    with pytest.warns(ea.DataQualityWarning):
        page = dom(ea.cost_report(current, previous=empty, charts=False, forecast=False))
    now = kpis(current)
    cards = {c.find("div", "label")[0].text(): c for c in page.find("div", "card")}
    for label, card in cards.items():
        change = card.find("div", "change")[0]
        spoken = change.find("span", "vh")[0].text()
        if label in ("Spend", "Spent on failures"):
            assert {"up", "worse"} <= change.classes
            assert spoken == f"up {fmt_money(now[label])} against the previous period ($0.00)"
        elif label == "Executions":
            assert {"up", "neutral"} <= change.classes
            assert spoken == f"up {len(current):,} against the previous period (0)"
        else:
            assert {"none", "neutral"} <= change.classes
            assert spoken == "no change to show: no value in the previous period"


def test_cards_without_a_previous_period_show_no_change():
    df = ea.generate_executions(executions=500, seed=2, end="2026-10-31T00:00:00Z", days=10)
    page = dom(ea.cost_report(df, charts=False))
    assert len(page.find("div", "card")) == len(BETTER)
    assert page.find("div", "change") == []


# --- cells ---------------------------------------------------------------------------------
def test_no_column_is_empty_in_every_row(page):
    tables = page.find("table")
    assert len(tables) >= 10
    for table in tables:
        header, rows = table_rows(table)
        assert rows, header
        for i, name in enumerate(header):
            assert any(row[i].strip() for row in rows), (name, header)


def test_empty_columns_leave_html_and_markdown_but_not_csv(frames):
    current, previous = frames
    report = build_report(current, previous=previous, charts=False)
    frame = pd.DataFrame({"model": ["veo-3", "flux-2-pro"], "why": [None, None], "n": [1, 2]})
    report.sections[0].tables.append(
        Table("extra", "Extra", frame, {"model": "text", "why": "text", "n": "int"}, {"why": "why"})
    )
    html_page, markdown = dom(render_html(report)), render_markdown(report)
    header, _ = table_rows(table_in(html_page, "extra"))
    assert header == ["model", "n"]
    assert "| model | n |" in markdown and "| why |" not in markdown
    assert render_csv_tables(report)["extra"].splitlines()[0] == "model,why,n"
    # the report's own: a flag no row sets, a reason no method needed
    for key, column, label in (
        ("latency_total", "low_count", "few rows"),
        ("forecast_method", "fallback", "why this method"),
    ):
        values = report.table(key).frame[column]
        empty = not values.fillna(False).astype(bool).any()
        header, _ = table_rows(table_in(html_page, key))
        assert (label in header) is not empty, (key, header)
        assert render_csv_tables(report)[key].splitlines()[0].split(",").count(column) == 1


def test_money_cells_are_fmt_money_of_pandas_sums(page, frames):
    current, _ = frames
    model = current["model"].astype(object)
    status = current["status"].astype(object)
    failed = status.isin(schema.FAILED_STATUSES)
    cost = current["execution_cost"]
    by_model = pd.DataFrame(
        {
            "spend": cost.groupby(model).sum(),
            "mean cost": cost.groupby(model).mean(),
            "spent on failures": cost[failed].groupby(model[failed]).sum(),
            "succeeded": status.isin(schema.SUCCEEDED_STATUSES).groupby(model).sum(),
        }
    ).fillna({"spent on failures": 0.0})
    by_model["cost per success"] = by_model["spend"] / by_model["succeeded"]
    header, rows = table_rows(table_in(page, "cost_by_model"))
    assert len(rows) == len(by_model)
    for row in rows:
        want = by_model.loc[row[header.index("model")]]
        for name in ("spend", "mean cost", "spent on failures", "cost per success"):
            assert row[header.index(name)] == fmt_money(want[name]), (row[0], name)
    header, rows = table_in_section(page, "most_expensive")
    top = cost.sort_values(ascending=False).head(len(rows))
    assert [r[header.index("cost")] for r in rows] == [fmt_money(v) for v in top]
    header, rows = table_rows(table_in(page, "daily"))
    per_day = cost.groupby(current["created_at"].dt.strftime("%Y-%m-%d")).sum()
    assert {r[0]: r[header.index("spend")] for r in rows} == {
        day: fmt_money(v) for day, v in per_day.items()
    }
    # every money cell on the page follows the one rule, sub-cent ones included
    # (but list prices and charges per unit, three significant digits: $0.0229 a second)
    rates = {id(td) for td in table_in(page, "price_check").iter("td")}
    cells = [td.text() for td in page.iter("td") if "$" in td.text() and id(td) not in rates]
    assert cells and all(MONEY.match(c) for c in cells), [c for c in cells if not MONEY.match(c)]
    per_unit = [td.text() for td in table_in(page, "price_check").iter("td") if "$" in td.text()]
    assert per_unit and all(RATE.match(c) for c in per_unit), per_unit
    assert any(c.startswith("$0.00") and len(c) > 5 for c in cells)  # one below a cent


def table_in_section(page: Node, section_id: str) -> tuple[list[str], list[list[str]]]:
    return table_rows(table_in(page, section_id))


def test_no_scientific_notation_in_what_people_read(demo, page):
    body = next(page.iter("body"))
    text = body.text()
    assert "$" in text and not SCIENTIFIC.findall(text), SCIENTIFIC.findall(text)[:5]
    assert not SCIENTIFIC.findall(demo[2]), SCIENTIFIC.findall(demo[2])[:5]


# --- slugs ---------------------------------------------------------------------------------
SLUG_HEADERS = {"model", "id", "workflow", "requested model", "spend of", "top driver"}


def test_slug_cells_are_kept_whole_and_other_faces_keep_the_real_slug(demo, page, frames):
    current, _ = frames
    slugs = set(current["model"].astype(str))
    seen = set()
    for table in page.find("table"):
        header, _ = table_rows(table)
        for tr in table.find("tr"):
            for name, td in zip(header, tr.find("td"), strict=False):
                if name in SLUG_HEADERS and td.text():
                    inner = [c for c in td.children if not (isinstance(c, str) and not c.strip())]
                    assert len(inner) == 1 and isinstance(inner[0], Node), td.text()
                    assert "nobreak" in inner[0].classes and inner[0].text() == td.text()
                    seen.add(td.text())
    assert {s for s in slugs if "-" in s} <= seen
    # .nobreak never wraps, in any media
    assert re.search(r"^\.nobreak \{ white-space: nowrap; \}$", CSS, re.M)
    assert CSS.count(".nobreak") == 1  # no media query undoes it
    # the real slug everywhere else: no look-alike hyphen
    markdown, csv = demo[2], "".join(ea.cost_report(current, format="csv").values())
    assert "\u2011" not in demo[1] + markdown + csv
    assert all(s in markdown and s in csv for s in slugs if "-" in s)


@given(st.text(alphabet=st.sampled_from("ab-1 .<>&\"'\n\t_é"), max_size=40))
def test_html_prose_keeps_any_text_and_adds_only_nobreak_spans(text):
    out = html_prose(text)
    bare = out.replace('<span class="nobreak">', "").replace("</span>", "")
    assert "<" not in bare and ">" not in bare  # nothing else became markup
    assert html_lib.unescape(bare) == cell_text(text)
    for word in re.findall(r'<span class="nobreak">([^<]*)</span>', out):
        assert "-" in word and " " not in word


# --- print ---------------------------------------------------------------------------------
def test_print_stylesheet_hides_what_paper_cannot_use():
    start = CSS.index("@media print")
    block = CSS[start:]
    assert re.search(r"nav\.contents[^{]*\{[^}]*display:\s*none", block)
    assert re.search(r"a\.to-top[^{]*\{[^}]*display:\s*none", block)
    assert "break-inside: avoid" in block


# --- in a browser --------------------------------------------------------------------------
OVERFLOWING = """() => [...document.querySelectorAll('.scroll')]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => (e.closest('section')?.querySelector('h2')?.innerText || '?') + ': '
             + e.scrollWidth + ' > ' + e.clientWidth)"""
BROKEN_WORDS = """() => [...document.querySelectorAll('.nobreak')]
  .filter(e => e.getClientRects().length > 1).map(e => e.textContent)"""
SHOWN = """s => [...document.querySelectorAll(s)].map(e => getComputedStyle(e).display)"""
#: Viewport, the README's picture and how much of the page it shows (px).
VIEWS = [
    ("screen", 1400, "report-1400.png", 1750),
    ("screen", 820, "report-820.png", 1900),
    ("print", 703, "report-print.png", 1500),  # A4 less 12 mm margins, at 96 px per inch
]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
@pytest.mark.parametrize(("media", "width", "image", "height"), VIEWS)
def test_report_fits_the_page_and_keeps_words_whole(demo, media, width, image, height):
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            tab = browser.new_page(viewport={"width": width, "height": 900})
            tab.emulate_media(media=media)
            tab.goto(demo[0].as_uri())
            assert tab.evaluate(OVERFLOWING) == []
            assert tab.evaluate("document.documentElement.scrollWidth") <= width
            assert tab.evaluate("document.querySelectorAll('.nobreak').length") > 100
            assert tab.evaluate(BROKEN_WORDS) == []
            hidden = tab.evaluate(SHOWN, "nav.contents, a.to-top")
            assert len(hidden) >= 8  # the contents and a link back to them per section
            if media == "print":
                assert set(hidden) == {"none"}
            else:
                assert "none" not in hidden
            ARTIFACTS.mkdir(exist_ok=True)
            tab.screenshot(path=str(ARTIFACTS / f"report-{media}-{width}.png"), full_page=True)
            if os.environ.get("EACHLABS_DOCS_IMAGES"):
                DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
                box = {"x": 0, "y": 0, "width": width, "height": height}
                shot = tab.screenshot(full_page=True, clip=box)
                _save_small_png(shot, DOCS_IMAGES / image)
        finally:
            browser.close()


def _save_small_png(png: bytes, path: Path) -> None:
    """A palette PNG (256 colours): the report is flat colour, so it stays sharp and small."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
