"""How a cost report looks: value formats, escaping, and the HTML, Markdown and CSV renderers.

Every value that came from the API (model names, ids, URLs, workflow ids) goes through
:func:`cell_text` and then the target format's escaping: ``html.escape`` for HTML, entity and
backslash escaping for Markdown, formula neutralisation for CSV. The HTML page is
self-contained: inline CSS, charts as ``data:`` PNGs, and a Content-Security-Policy that
forbids loading anything from anywhere.

The faces for people (HTML, Markdown) share a few layout rules: a contents list at the top,
one heading per section (a table or chart titled like its section gets no heading of its
own), KPI cards with their change against the previous period, and no column whose every
cell is empty. CSV keeps every column: it is data, and its files keep their shape.

>>> html_text("<script>alert(1)</script>")
'&lt;script&gt;alert(1)&lt;/script&gt;'
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from eachlabs_analytics._util import columns as _columns
from eachlabs_analytics._util.changes import Change
from eachlabs_analytics._util.csv_safe import frame_to_csv
from eachlabs_analytics._util.formats import FORMATS, NUMERIC_FORMATS, cell_text

if TYPE_CHECKING:
    from eachlabs_analytics.report import CostReport


# --- escaping ------------------------------------------------------------------------------
def html_text(value: Any) -> str:
    """Text safe inside HTML elements and quoted attributes."""
    return html.escape(str(value), quote=True)


#: A word joined by hyphens (a model slug, a date): browsers may break a line after each
#: hyphen, which splits ``kling-2-1-image-to-video`` over three lines in a narrow column.
_HYPHENATED = re.compile(r"[\w.]+(?:-[\w.]+)+")


def html_prose(value: Any) -> str:
    """Like :func:`html_text`, with every hyphenated word kept on one line (``nobreak``).

    Runs on escaped text: entities (``&lt;``) hold no hyphen, so no span lands inside one.

    >>> html_prose("veo-3 on 2026-10-01 <b>")
    '<span class="nobreak">veo-3</span> on <span class="nobreak">2026-10-01</span> &lt;b&gt;'
    """
    return _HYPHENATED.sub(r'<span class="nobreak">\g<0></span>', html_text(cell_text(value)))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^([#>+=-]|[0-9]+[.)])", re.ASCII)


def markdown_text(value: Any) -> str:
    """Text safe inside a Markdown line: no HTML, links, code, emphasis or column breaks.

    >>> markdown_text("<b>[x](javascript:1)|y</b>")
    '&lt;b&gt;\\\\[x\\\\](javascript:1)\\\\|y&lt;/b&gt;'
    """
    text = cell_text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def markdown_block(value: Any) -> str:
    """Like :func:`markdown_text`, for text that starts a line (no heading, list or quote).

    >>> markdown_block("# not a heading")
    '\\\\# not a heading'
    """
    return _MD_LINE_START.sub(r"\\\1", markdown_text(value))


def markdown_anchor(title: str) -> str:
    """The anchor GitHub (and most Markdown viewers) give a heading: lower case, spaces to
    hyphens, punctuation dropped.

    >>> markdown_anchor("Errors and the cost of failures")
    'errors-and-the-cost-of-failures'
    """
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


# --- the report's parts --------------------------------------------------------------------
#: Columns that hold one API identifier per cell (slugs, ids): never broken over two lines.
SLUG_COLUMNS = frozenset(
    {"model", "requested_model", "workflow_id", "workflow_execution_id", "id", "group", "driver"}
)
#: Formats whose text must not break at its hyphens either (``2026-10-01``).
_NOBREAK_FORMATS = frozenset({"date", "time"})


@dataclass
class Table:
    """One table of the report: raw values in ``frame``, how to show each column."""

    key: str  # CSV file stem and HTML id
    title: str
    frame: pd.DataFrame  # columns in display order; raw numbers
    #: column -> FORMATS key, and column -> header text, where the package's
    #: (:func:`~eachlabs_analytics._util.columns.kind` and ``label``) do not fit
    formats: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    note: str = ""
    wrap: tuple[str, ...] = ("output",)  # long text columns that may wrap in HTML

    def label(self, column: str) -> str:
        """Header text: this table's label, else the package's (``_util.columns``)."""
        return self.labels.get(column) or _columns.label(column)

    def format(self, column: str) -> str:
        """The ``FORMATS`` key of ``column``: this table's, else the package's kind of it."""
        return self.formats.get(column) or _columns.kind(column)

    def cells(self) -> list[list[str]]:
        """Formatted text of every cell, row by row (not yet escaped)."""
        formatters = [FORMATS[self.format(c)] for c in self.frame.columns]
        return [
            [formatter(value) for formatter, value in zip(formatters, row, strict=True)]
            for row in self.frame.itertuples(index=False, name=None)
        ]

    def shown(self) -> tuple[list[Any], list[list[str]]]:
        """The columns and cells people see: a column empty in every row is left out (a
        table without rows keeps them all).

        >>> t = Table("t", "T", pd.DataFrame({"a": [1, 2], "b": [None, None]}), {"a": "int"})
        >>> t.shown()
        (['a'], [['1'], ['2']])
        """
        columns, cells = list(self.frame.columns), self.cells()
        if not cells:
            return columns, cells
        keep = [i for i in range(len(columns)) if any(row[i] for row in cells)]
        return [columns[i] for i in keep], [[row[i] for i in keep] for row in cells]


@dataclass
class Chart:
    """One chart: its PNG, its alternative text, and a caption (empty: none shown)."""

    title: str
    png: bytes
    alt: str


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass(frozen=True)
class Card:
    """One KPI card: label, value, a detail line, and the change (None: no previous period)."""

    key: str
    label: str
    value: str
    detail: str = ""
    change: Change | None = None


def _same_title(a: str, b: str) -> bool:
    """Titles that say the same thing (case, spaces and a unit suffix aside)."""

    def norm(text: str) -> str:
        return " ".join(re.sub(r"\s*\((USD|UTC)\)\s*$", "", text).lower().split())

    return norm(a) == norm(b)


# --- HTML ----------------------------------------------------------------------------------
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)

CSS = """
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #d9dee7;
        --better: #1a7f37; --worse: #b42318; --link: #1f5fbf; }
* { box-sizing: border-box; }
html { scroll-behavior: smooth; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--ink); margin: 0; background: #f6f7f9; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
a { color: var(--link); }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.3em; margin: 0; scroll-margin-top: 12px; }
h3 { font-size: 1.07em; margin: 0 0 6px; }
p.meta, p.intro, p.note, li.note { color: var(--muted); margin: 4px 0; }
p.intro { max-width: 90ch; }
.nobreak { white-space: nowrap; }
.vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
      clip-path: inset(50%); white-space: nowrap; }
nav.contents { margin: 14px 0 4px; padding: 8px 12px; border: 1px solid var(--line);
               border-radius: 8px; background: #fafbfc; }
nav.contents .label { color: var(--muted); font-size: 0.85em; text-transform: uppercase;
                      margin-right: 6px; }
nav.contents ol { display: inline; margin: 0; padding: 0; list-style: none;
                  counter-reset: part; }
nav.contents li { display: inline-block; margin: 2px 14px 2px 0; white-space: nowrap;
                  counter-increment: part; }
nav.contents li::before { content: counter(part) ". "; color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 10px;
         margin: 14px 0 6px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .label { color: var(--muted); font-size: 0.85em; text-transform: uppercase; }
.card .value { font-size: 1.43em; font-weight: 600; margin-top: 2px; overflow-wrap: anywhere; }
.card .change { font-size: 0.93em; font-weight: 600; color: var(--muted); }
.card .change .before { font-weight: 400; }
.card .change.better { color: var(--better); }
.card .change.worse { color: var(--worse); }
.card .detail { color: var(--muted); font-size: 0.85em; }
section { margin-top: 32px; padding-top: 12px; border-top: 1px solid var(--line); }
.section-head { display: flex; align-items: baseline; justify-content: space-between;
                gap: 12px; margin-bottom: 6px; }
a.to-top { font-size: 0.85em; color: var(--muted); text-decoration: none; white-space: nowrap; }
a.to-top:hover { text-decoration: underline; }
/* charts, then tables beside them when both fit (the daily table by its charts), else below;
   small tables side by side when they fit */
.body { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 0 40px; }
.figures { flex: 1 1 620px; max-width: 1000px; min-width: 0; }
.tables { flex: 0 1 auto; display: flex; flex-wrap: wrap; align-items: flex-start;
          gap: 0 40px; max-width: 100%; min-width: 0; }
.block { max-width: 100%; margin: 14px 0 4px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 8px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; white-space: nowrap; }
th { background: #eef1f5; font-weight: 600; white-space: normal; min-width: 5ch; }
td.num, th.num { text-align: right; }
td.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 16ch; max-width: 360px; }
figure { margin: 12px 0 16px; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line);
             border-radius: 6px; }
figcaption { color: var(--muted); font-size: 0.85em; margin-top: 4px; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.85em; }
.banner { border: 1px solid #e0a96d; background: #fff4e5; color: #7a3e00; font-weight: 600;
          border-radius: 6px; padding: 8px 12px; margin: 12px 0; }
table.wide { font-size: 0.9em; }
table.wide th, table.wide td { padding: 3px 6px; }
@media (max-width: 900px) {
  body { font-size: 13px; }
  main { padding: 16px 12px 32px; }
  th, td { padding: 2px 4px; }
  table.wide { font-size: 10px; }
  table.wide th, table.wide td { padding: 2px 3px; }
  td.text { white-space: normal; }
}
@media (max-width: 640px) {
  .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); }
}
@media print {
  @page { margin: 12mm; }
  html { scroll-behavior: auto; }
  body { background: #fff; font-size: 9.5px; }
  main { max-width: none; padding: 0; }
  nav.contents, a.to-top { display: none; }
  a { color: inherit; text-decoration: none; }
  .card .change { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .cards { grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 6px; }
  .card { padding: 6px 8px; }
  section { margin-top: 18px; }
  .scroll { overflow: visible; }
  th, td, table.wide th, table.wide td { padding: 2px 3px; }
  td.text { white-space: normal; }
  table.wide { font-size: 8.5px; }
  td.wrap { max-width: 24ch; }
  p.intro { max-width: none; }
  table, figure, .card, tr { break-inside: avoid; }
  .section-head, h3 { break-after: avoid; }
  figure img { max-height: 200mm; width: auto; }
}
"""


class _Ids:
    """Hands out element ids, each at most once: a taken one is refused (None)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def claim(self, wanted: str) -> str | None:
        if wanted in self.taken:
            return None
        self.taken.add(wanted)
        return wanted


def _id_attr(value: str | None) -> str:
    return f' id="{html_text(value)}"' if value else ""


def _html_cell(text: str, css: str, nobreak: bool) -> str:
    inner = html_text(text)
    if nobreak and text:
        inner = f'<span class="nobreak">{inner}</span>'
    return f'<td class="{css}">{inner}</td>'


def _html_table(table: Table, section: Section, ids: _Ids) -> str:
    """One table in its block: the block carries the table's key as id (unless the section
    took it: then the section's id reaches it), a heading unless it repeats the section's,
    the note, and the table, or ``None.`` when it has no rows and no note says so."""
    columns, cells = table.shown()
    formats = [table.format(c) for c in columns]
    numeric = [f in NUMERIC_FORMATS for f in formats]
    nobreak = [
        c in SLUG_COLUMNS or f in _NOBREAK_FORMATS for c, f in zip(columns, formats, strict=True)
    ]
    head = "".join(
        f'<th class="{"num" if is_num else "text"}" scope="col">{html_text(table.label(c))}</th>'
        for c, is_num in zip(columns, numeric, strict=True)
    )
    classes = [
        "num" if is_num else "wrap" if c in table.wrap and c not in SLUG_COLUMNS else "text"
        for c, is_num in zip(columns, numeric, strict=True)
    ]
    rows = [
        "<tr>"
        + "".join(
            _html_cell(text, css, nb) for text, css, nb in zip(row, classes, nobreak, strict=True)
        )
        + "</tr>"
        for row in cells
    ]
    title = "" if _same_title(table.title, section.title) else table.title
    parts = [f"<h3>{html_prose(title)}</h3>" if title else ""]
    if table.note:
        parts.append(f'<p class="note">{html_prose(table.note)}</p>')
    if rows:
        # many columns (the comparison, errors by model): a compact face so they fit the page
        wide = ' class="wide"' if len(columns) > 10 else ""
        name = html_text(title or section.title)
        parts.append(
            f'<div class="scroll"><table{wide} aria-label="{name}"><thead><tr>{head}</tr>'
            f"</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table></div>"
        )
    elif not table.note:
        parts.append('<p class="note">None.</p>')
    return f'<div class="block"{_id_attr(ids.claim(table.key))}>{"".join(parts)}</div>'


def _html_chart(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    caption = f"<figcaption>{html_prose(chart.title)}</figcaption>" if chart.title else ""
    return (
        f'<figure><img alt="{html_text(chart.alt)}" src="data:image/png;base64,{data}">'
        f"{caption}</figure>"
    )


def _html_change(change: Change) -> str:
    before = f' <span class="before">vs {html_text(change.before)}</span>' if change.before else ""
    return (
        f'<div class="change {change.direction} {change.tone}">'
        f'<span aria-hidden="true">{change.arrow} {html_text(change.text)}{before}</span>'
        f'<span class="vh">{html_text(change.spoken)}</span></div>'
    )


def _html_card(card: Card) -> str:
    return (
        f'<div class="card"><div class="label">{html_text(card.label)}</div>'
        f'<div class="value">{html_text(card.value)}</div>'
        + (_html_change(card.change) if card.change else "")
        + (f'<div class="detail">{html_prose(card.detail)}</div>' if card.detail else "")
        + "</div>"
    )


def _html_section(section: Section, anchor: str | None, ids: _Ids) -> str:
    parts = [
        f'<section><div class="section-head"><h2{_id_attr(anchor)}>{html_text(section.title)}'
        '</h2><a class="to-top" href="#contents">Contents ↑</a></div>'
    ]
    if section.intro:
        parts.append(f'<p class="intro">{html_prose(section.intro)}</p>')
    body = []
    if section.charts:
        figures = "".join(_html_chart(c) for c in section.charts)
        body.append(f'<div class="figures">{figures}</div>')
    if section.tables:
        blocks = "\n".join(_html_table(t, section, ids) for t in section.tables)
        body.append(f'<div class="tables">{blocks}</div>')
    if body:
        parts.append(f'<div class="body">{"".join(body)}</div>')
    parts.append("</section>")
    return "\n".join(parts)


def render_html(report: CostReport) -> str:
    """The report as one self-contained HTML page (no network access needed to open it)."""
    ids = _Ids()
    ids.claim("contents")
    anchors = [ids.claim(section.key) for section in report.sections]
    contents = "".join(
        f'<li><a href="#{html_text(anchor)}">{html_text(section.title)}</a></li>'
        for section, anchor in zip(report.sections, anchors, strict=True)
        if anchor
    )
    cards = "".join(_html_card(card) for card in report.headline)
    notes = "".join(f'<li class="note">{html_prose(n)}</li>' for n in report.notes)
    sections = "\n".join(
        _html_section(section, anchor, ids)
        for section, anchor in zip(report.sections, anchors, strict=True)
    )
    meta = " · ".join(html_prose(m) for m in report.meta)
    banner = (
        f'<p class="banner" role="alert">{html_text(report.banner)}</p>' if report.banner else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{html_text(report.title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header>
<h1>{html_text(report.title)}</h1>
<p class="meta">{meta}</p>
{banner}
<nav class="contents" id="contents" aria-label="Contents"><span class="label">Contents</span>
<ol>{contents}</ol></nav>
<div class="cards">{cards}</div>
{f"<ul>{notes}</ul>" if notes else ""}
</header>
{sections}
<footer>Generated by eachlabs-analytics {html_text(report.version)} on
{html_text(report.generated_at)}. Amounts in USD; times in UTC.</footer>
</main>
</body>
</html>
"""


# --- Markdown ------------------------------------------------------------------------------
def _markdown_table(table: Table, section: Section) -> str:
    columns, cells = table.shown()
    numeric = [table.format(c) in NUMERIC_FORMATS for c in columns]
    lines = []
    if not _same_title(table.title, section.title):
        lines += [f"### {markdown_text(table.title)}", ""]
    if table.note:
        lines += [markdown_block(table.note), ""]
    lines.append("| " + " | ".join(markdown_text(table.label(c)) for c in columns) + " |")
    lines.append("|" + "|".join("---:" if n else ":---" for n in numeric) + "|")
    for row in cells:
        lines.append("| " + " | ".join(markdown_text(text) for text in row) + " |")
    if not cells:
        lines.append("| " + " | ".join(["none"] + [""] * (len(columns) - 1)) + " |")
    return "\n".join(lines)


def _markdown_card(card: Card) -> str:
    """``- **Spend**: $2,595.35 (26 models) · up 7.4% against the previous period ($2,415.95)``"""
    line = f"- **{markdown_text(card.label)}**: {markdown_text(card.value)}"
    if card.detail:
        line += f" ({markdown_text(card.detail)})"
    if card.change is not None:
        line += f" · {markdown_text(card.change.spoken)}"
    return line


def render_markdown(report: CostReport) -> str:
    """The report as Markdown (tables; charts are left to the HTML format)."""
    out = [f"# {markdown_text(report.title)}", ""]
    out += [markdown_block(" · ".join(report.meta)), ""]
    if report.banner:
        out += [f"> **{markdown_text(report.banner)}**", ""]
    out.append(
        "Contents: "
        + " · ".join(
            f"[{markdown_text(s.title)}](#{markdown_anchor(s.title)})" for s in report.sections
        )
    )
    out.append("")
    out += [_markdown_card(card) for card in report.headline]
    out.append("")
    for note in report.notes:
        out.append(f"> {markdown_block(note)}")
    if report.notes:
        out.append("")
    for section in report.sections:
        out += [f"## {markdown_text(section.title)}", ""]
        if section.intro:
            out += [markdown_block(section.intro), ""]
        for table in section.tables:
            out += [_markdown_table(table, section), ""]
    out.append(
        f"_Generated by eachlabs-analytics {markdown_text(report.version)} on "
        f"{markdown_text(report.generated_at)}. Amounts in USD; times in UTC._"
    )
    return "\n".join(out) + "\n"


# --- CSV -----------------------------------------------------------------------------------
def render_csv(table: Table) -> str:
    """One table as CSV: raw numbers, RFC 3339 times, text neutralised against formulas."""
    return frame_to_csv(table.frame)


def render_csv_tables(report: CostReport) -> dict[str, str]:
    """Every table of the report (plus ``headline`` and ``window``) as CSV text, by file stem.

    ``window`` states the periods the numbers cover, as every face does: ``start`` included,
    ``end`` excluded, RFC 3339 in UTC.
    """
    out = {
        "headline": render_csv(report.headline_table),
        "window": render_csv(report.window_table),
    }
    for section in report.sections:
        for table in section.tables:
            out[table.key] = render_csv(table)
    return out
