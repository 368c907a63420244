"""How a cost report looks: value formats, escaping, and the HTML, Markdown and CSV renderers.

Every value that came from the API (model names, ids, URLs, workflow ids) goes through
:func:`cell_text` and then the target format's escaping: ``html.escape`` for HTML, entity and
backslash escaping for Markdown, formula neutralisation for CSV. The HTML page is
self-contained: inline CSS, charts as ``data:`` PNGs, and a Content-Security-Policy that
forbids loading anything from anywhere.

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

from eachlabs_analytics._util.csv_safe import frame_to_csv
from eachlabs_analytics._util.formats import FORMATS, NUMERIC_FORMATS, cell_text

if TYPE_CHECKING:
    from eachlabs_analytics.report import CostReport


# --- escaping ------------------------------------------------------------------------------
def html_text(value: Any) -> str:
    """Text safe inside HTML elements and quoted attributes."""
    return html.escape(str(value), quote=True)


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


# --- the report's parts --------------------------------------------------------------------
@dataclass
class Table:
    """One table of the report: raw values in ``frame``, how to show each column."""

    key: str  # CSV file stem and HTML id
    title: str
    frame: pd.DataFrame  # columns in display order; raw numbers
    formats: dict[str, str]  # column -> FORMATS key
    labels: dict[str, str] = field(default_factory=dict)  # column -> header text
    note: str = ""
    wrap: tuple[str, ...] = ("output",)  # long text columns that may wrap in HTML

    def label(self, column: str) -> str:
        return self.labels.get(column, column.replace("_", " "))

    def cells(self) -> list[list[str]]:
        """Formatted text of every cell, row by row (not yet escaped)."""
        formatters = [FORMATS[self.formats.get(c, "text")] for c in self.frame.columns]
        return [
            [formatter(value) for formatter, value in zip(formatters, row, strict=True)]
            for row in self.frame.itertuples(index=False, name=None)
        ]


@dataclass
class Chart:
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


# --- HTML ----------------------------------------------------------------------------------
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)

CSS = """
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--ink); margin: 0; background: #f6f7f9; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 8px; padding-top: 12px; border-top: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
p.meta, p.intro, p.note, li.note { color: var(--muted); margin: 4px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px;
         margin: 18px 0 6px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; }
.card .value { font-size: 20px; font-weight: 600; margin-top: 2px; overflow-wrap: anywhere; }
.card .detail { color: var(--muted); font-size: 12px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; white-space: nowrap; }
th { background: #eef1f5; font-weight: 600; }
td.num, th.num { text-align: right; }
td.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 16ch; max-width: 360px; }
figure { margin: 10px 0 16px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: 12px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
th { white-space: normal; min-width: 5ch; }
.banner { border: 1px solid #e0a96d; background: #fff4e5; color: #7a3e00; font-weight: 600;
          border-radius: 6px; padding: 8px 12px; margin: 12px 0; }
table.wide { font-size: 12.5px; }
table.wide th, table.wide td { padding: 3px 6px; }
@media (max-width: 900px) {
  body { font-size: 13px; }
  main { padding: 16px 12px 32px; }
  th, td { padding: 2px 4px; }
  table.wide { font-size: 10px; }
  table.wide th, table.wide td { padding: 2px 3px; }
  td.text { white-space: normal; }
}
@media print {
  body { background: #fff; font-size: 9.5px; }
  main { max-width: none; padding: 0; }
  .scroll { overflow: visible; }
  th, td, table.wide th, table.wide td { padding: 2px 3px; white-space: normal; }
  table.wide { font-size: 8.5px; }
  td.wrap { max-width: 24ch; }
  table, figure, .card { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""


def _html_table(table: Table) -> str:
    columns = list(table.frame.columns)
    numeric = [table.formats.get(c, "text") in NUMERIC_FORMATS for c in columns]
    head = "".join(
        f'<th class="{"num" if is_num else "text"}" scope="col">{html_text(table.label(c))}</th>'
        for c, is_num in zip(columns, numeric, strict=True)
    )
    classes = [
        "num" if is_num else "wrap" if c in table.wrap else "text"
        for c, is_num in zip(columns, numeric, strict=True)
    ]
    rows = []
    for cells in table.cells():
        tds = "".join(
            f'<td class="{css}">{html_text(text)}</td>'
            for text, css in zip(cells, classes, strict=True)
        )
        rows.append(f"<tr>{tds}</tr>")
    body = "\n".join(rows) if rows else f'<tr><td colspan="{len(columns)}">none</td></tr>'
    note = f'<p class="note">{html_text(table.note)}</p>' if table.note else ""
    # many columns (the comparison, errors by model): a compact face so they fit the page
    wide = ' class="wide"' if len(columns) > 8 else ""
    return (
        f'<h3 id="{html_text(table.key)}">{html_text(table.title)}</h3>{note}'
        f'<div class="scroll"><table{wide}><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def _html_chart(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    return (
        f'<figure><img alt="{html_text(chart.alt)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html_text(chart.title)}</figcaption></figure>"
    )


def render_html(report: CostReport) -> str:
    """The report as one self-contained HTML page (no network access needed to open it)."""
    cards = "".join(
        f'<div class="card"><div class="label">{html_text(label)}</div>'
        f'<div class="value">{html_text(value)}</div>'
        + (f'<div class="detail">{html_text(detail)}</div>' if detail else "")
        + "</div>"
        for label, value, detail in report.headline
    )
    notes = "".join(f'<li class="note">{html_text(n)}</li>' for n in report.notes)
    sections = []
    for section in report.sections:
        parts = [f'<h2 id="{html_text(section.key)}">{html_text(section.title)}</h2>']
        if section.intro:
            parts.append(f'<p class="intro">{html_text(section.intro)}</p>')
        parts.extend(_html_chart(c) for c in section.charts)
        parts.extend(_html_table(t) for t in section.tables)
        sections.append("\n".join(parts))
    meta = " · ".join(html_text(m) for m in report.meta)
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
<h1>{html_text(report.title)}</h1>
<p class="meta">{meta}</p>
{f'<p class="banner" role="alert">{html_text(report.banner)}</p>' if report.banner else ""}
<div class="cards">{cards}</div>
{f"<ul>{notes}</ul>" if notes else ""}
{chr(10).join(sections)}
<footer>Generated by eachlabs-analytics {html_text(report.version)} on
{html_text(report.generated_at)}. Amounts in USD; times in UTC.</footer>
</main>
</body>
</html>
"""


# --- Markdown ------------------------------------------------------------------------------
def _markdown_table(table: Table) -> str:
    columns = list(table.frame.columns)
    numeric = [table.formats.get(c, "text") in NUMERIC_FORMATS for c in columns]
    lines = [f"### {markdown_text(table.title)}", ""]
    if table.note:
        lines += [markdown_block(table.note), ""]
    lines.append("| " + " | ".join(markdown_text(table.label(c)) for c in columns) + " |")
    lines.append("|" + "|".join("---:" if n else ":---" for n in numeric) + "|")
    cells = table.cells()
    for row in cells:
        lines.append("| " + " | ".join(markdown_text(text) for text in row) + " |")
    if not cells:
        lines.append("| " + " | ".join(["none"] + [""] * (len(columns) - 1)) + " |")
    return "\n".join(lines)


def render_markdown(report: CostReport) -> str:
    """The report as Markdown (tables; charts are left to the HTML format)."""
    out = [f"# {markdown_text(report.title)}", ""]
    out += [markdown_block(" · ".join(report.meta)), ""]
    if report.banner:
        out += [f"> **{markdown_text(report.banner)}**", ""]
    for label, value, detail in report.headline:
        extra = f" ({markdown_text(detail)})" if detail else ""
        out.append(f"- **{markdown_text(label)}**: {markdown_text(value)}{extra}")
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
            out += [_markdown_table(table), ""]
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
