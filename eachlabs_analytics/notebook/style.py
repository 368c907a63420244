"""How the Explorer looks: its CSS, its tables and its cards, in the cost report's style.

The palette and the card and table look mirror ``report/render.py`` (ink, muted grey, hairline
rules, a light header row, numbers right-aligned in tabular figures) without importing the
report's CSS, so the two faces can change separately. Everything a user's data reaches goes
through ``html.escape``.

:func:`table_html` shows any helper result the way :func:`~eachlabs_analytics.format_table`
writes it (the report's headers, money to the cent, flags as ``yes``), as a plain HTML table:
the index is a normal first column (never a bold header cell), headers come from
:func:`eachlabs_analytics._util.columns.label`.

>>> import pandas as pd
>>> table = pd.DataFrame({"total_cost": [1234.5], "low_count": [True]}, index=["<b>x</b>"])
>>> shown = table_html(table.rename_axis("model"))
>>> "<th class='num' scope='col'>spend</th>" in shown, "True" in shown, "&lt;b&gt;x" in shown
(True, False, True)
>>> "<tbody><tr><th" in shown
False
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics._util import columns
from eachlabs_analytics._util.changes import Change
from eachlabs_analytics._util.formats import NUMERIC_FORMATS
from eachlabs_analytics.notebook.tables import format_table, index_text

#: The report's palette (``report/render.py``), and the chart palette's blue, green and
#: vermillion (Okabe-Ito) for what got better or worse.
INK, MUTED, LINE, HEAD, ACCENT = "#1d2330", "#5b6475", "#d9dee7", "#eef1f5", "#0072B2"
GOOD, BAD = "#00795a", "#b34700"  # Okabe-Ito green and vermillion, darkened for text contrast

# Scoped to the Explorer's box: the notebook or Voilà page around it keeps its own look.
# Numbers stay plain text in each widget's value, so tests read them as shown.
CSS = f"""
.ea-explorer {{ color: {INK}; font-family: -apple-system, "Segoe UI", Roboto, Helvetica,
  Arial, sans-serif; font-size: 14px; max-width: 1320px; }}
.ea-explorer .ea-title {{ font-size: 22px; margin: 4px 0 8px; }}
.ea-explorer .ea-hint, .ea-explorer .ea-status, .ea-explorer .ea-note {{ color: {MUTED};
  font-size: 12.5px; }}
.ea-explorer .ea-pane-error {{ color: #b00020; }}
.ea-explorer .ea-busy-indicator {{ color: {ACCENT}; font-size: 13px; font-weight: 600; }}
.ea-explorer .ea-spinner {{ display: inline-block; width: 11px; height: 11px;
  margin-right: 6px; border: 2px solid {LINE}; border-top-color: {ACCENT};
  border-radius: 50%; animation: ea-spin .8s linear infinite; vertical-align: -1px; }}
@keyframes ea-spin {{ to {{ transform: rotate(360deg); }} }}
.ea-explorer.ea-busy .ea-results {{ opacity: .45; transition: opacity .15s; }}
/* filter bar */
.ea-explorer .ea-filters {{ border: 1px solid {LINE}; border-radius: 8px; padding: 8px 10px;
  background: #fbfcfd; }}
.ea-explorer .ea-quick-range.ea-active {{ background: {ACCENT}; color: #fff; }}
.ea-explorer .ea-checklist {{ border: 1px solid {LINE}; border-radius: 6px; padding: 4px 6px;
  background: #fff; }}
.ea-explorer .ea-checklist-head {{ font-weight: 600; font-size: 13px; white-space: nowrap; }}
.ea-explorer .ea-checklist-head .widget-html-content {{ line-height: 24px; }}
.ea-explorer .ea-checklist-head .ea-picked {{ color: {MUTED}; font-weight: 400; }}
.ea-explorer .ea-checklist-items {{ gap: 0; }}
.ea-explorer .ea-checklist .widget-checkbox {{ height: 22px; }}
.ea-explorer .ea-checklist .widget-checkbox label {{ overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }}
.ea-explorer .ea-clear {{ background: none; color: {ACCENT}; padding: 0 4px; height: 20px;
  line-height: 20px; font-size: 12px; }}
.ea-explorer .ea-clear:hover {{ text-decoration: underline; box-shadow: none; }}
/* cards, as in the report */
.ea-explorer .ea-card, .ea-snapshot .ea-card {{ border: 1px solid {LINE}; border-radius: 8px;
  padding: 8px 12px; background: #fff; }}
.ea-explorer .ea-card-label, .ea-snapshot .ea-card-label {{ color: {MUTED}; font-size: 11.5px;
  text-transform: uppercase; letter-spacing: .02em; }}
.ea-explorer .ea-card-value, .ea-snapshot .ea-card-value {{ font-size: 20px; font-weight: 600;
  line-height: 1.3; overflow-wrap: anywhere; margin: 2px 0; }}
/* the balance's card: two columns, so its runway reads in lines, not words */
.ea-explorer .ea-balance-card, .ea-snapshot .ea-balance-card {{ grid-column: span 2; }}
@media (max-width: 480px) {{ .ea-explorer .ea-balance-card {{ grid-column: auto; }} }}
.ea-change {{ font-size: 12px; color: {MUTED}; line-height: 1.35; }}
.ea-change .ea-delta {{ font-weight: 600; }}
.ea-change .ea-was {{ display: block; }}
.ea-change.ea-good .ea-delta {{ color: {GOOD}; }}
.ea-change.ea-bad .ea-delta {{ color: {BAD}; }}
.ea-change.ea-neutral .ea-delta {{ color: {INK}; }}
.ea-sr {{ position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }}
.ea-explorer .ea-empty {{ border: 1px dashed {LINE}; border-radius: 8px; padding: 10px 14px;
  color: {MUTED}; background: #fbfcfd; }}
/* HTML widgets sized by their text (ipywidgets gives each one line of 28 px) */
.ea-explorer .ea-card .jupyter-widgets.widget-html,
.ea-explorer .ea-card .widget-html .widget-html-content,
.ea-explorer .ea-block.jupyter-widgets.widget-html,
.ea-explorer .ea-block .widget-html-content {{ height: auto; min-height: 0;
  line-height: 1.4; }}
.ea-explorer .ea-card .ea-card-value .widget-html-content {{ line-height: 1.3; }}
/* ... and never wider than the pane: a wide table scrolls in its own box, its notes wrap */
.ea-explorer .ea-block .widget-html-content {{ min-width: 0; flex: 1 1 auto; }}
/* tabs: each label as wide as its text; the bar wraps rather than cut a label */
.ea-explorer .ea-tabs.jupyter-widgets > .lm-TabBar .lm-TabBar-content {{ flex-wrap: wrap; }}
.ea-explorer .ea-tabs.jupyter-widgets > .lm-TabBar .lm-TabBar-tab {{ flex: 0 0 auto;
  min-width: 0; padding: 0 14px; }}
.ea-explorer .ea-tabs.jupyter-widgets > .lm-TabBar .lm-TabBar-tab.lm-mod-current {{
  color: {INK}; font-weight: 600; }}
/* tables, as in the report */
.ea-table {{ border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums;
  font-size: 13px; color: {INK}; }}
.ea-table th, .ea-table td {{ padding: 4px 10px; border-bottom: 1px solid {LINE};
  text-align: left; vertical-align: top; white-space: nowrap; }}
.ea-table thead th {{ background: {HEAD}; font-weight: 600; }}
.ea-table tbody th {{ font-weight: 400; }}
.ea-table .num {{ text-align: right; }}
.ea-table.ea-wide {{ font-size: 12px; }}
.ea-table.ea-wide th, .ea-table.ea-wide td {{ padding: 3px 6px; }}
.ea-table.ea-wide thead th {{ white-space: normal; min-width: 5ch; }}
.ea-scroll {{ overflow-x: auto; max-width: 100%; }}
@media (max-width: 900px) {{
  .ea-table {{ font-size: 12px; }}
  .ea-table th, .ea-table td {{ padding: 3px 5px; }}
  .ea-table thead th {{ white-space: normal; }}
}}
.ea-cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 240px));
  gap: 10px; margin: 8px 0; }}
"""


def style_tag() -> str:
    """The CSS as a ``<style>`` element."""
    return f"<style>{CSS}</style>"


def table_html(
    table: pd.DataFrame,
    *,
    kinds: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    index: bool = True,
    css_class: str = "",
) -> str:
    """A helper's result as an HTML table in the report's look ("" for an empty table).

    Cells are :func:`~eachlabs_analytics.format_table`'s text (``kinds``/``labels`` as
    there); the index, when kept, is the first column, an ordinary cell. Every value is
    escaped.
    """
    if table.empty:
        return ""
    shown = format_table(table, kinds=kinds, labels=labels)
    head_cells, numeric = [], []
    for name in table.columns:
        fallback = "int" if pd.api.types.is_integer_dtype(table[name]) else "text"
        numeric.append((kinds or {}).get(str(name), columns.kind(name, fallback)))
    numeric_flags = [kind in NUMERIC_FORMATS for kind in numeric]
    if index:
        name = table.index.name
        head_cells.append(
            f"<th scope='col'>{html.escape(columns.label(name) if name is not None else '')}</th>"
        )
    for header, is_num in zip(shown.columns, numeric_flags, strict=True):
        css = "num" if is_num else "text"
        head_cells.append(f"<th class='{css}' scope='col'>{html.escape(str(header))}</th>")
    rows = []
    shown_index = index_text(table.index) if index else [""] * len(table)
    for label, cells in zip(shown_index, shown.itertuples(index=False, name=None), strict=True):
        tds = [f"<td class='text'>{html.escape(label)}</td>"] if index else []
        tds += [
            f"<td class='{'num' if is_num else 'text'}'>{html.escape(str(text))}</td>"
            for text, is_num in zip(cells, numeric_flags, strict=True)
        ]
        rows.append(f"<tr>{''.join(tds)}</tr>")
    # many columns (errors by class): a compact face, as the report's wide tables
    wide = "ea-wide" if len(head_cells) > 9 else ""
    classes = " ".join(c for c in ("ea-table", wide, css_class) if c)
    return (
        f"<div class='ea-scroll'><table class='{classes}'><thead><tr>{''.join(head_cells)}"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def card_html(label: str, value: str, detail: str = "", css_class: str = "") -> str:
    """One card as in the report: a small label, a big value, a detail line (already HTML)."""
    extra = f" {css_class}" if css_class else ""
    return (
        f"<div class='ea-card{extra}'><div class='ea-card-label'>{html.escape(label)}</div>"
        f"<div class='ea-card-value'>{html.escape(value)}</div>{detail}</div>"
    )


def change_html(change: Change) -> str:
    """The change of one headline figure as HTML, as the report's cards say it
    (:func:`~eachlabs_analytics._util.changes.change_of`): an arrow, the signed change
    (coloured better or worse) and what it was, with the same said in words for screen
    readers and as a tooltip.

    >>> from eachlabs_analytics._util.changes import change_of
    >>> text = change_html(change_of(120.0, 100.0, "money", "down", "the 7 days before"))
    >>> "ea-up" in text, "ea-bad" in text, "+20.0%" in text, "was $100.00" in text
    (True, True, True, True)
    """
    if change.direction == "none":
        return f"<div class='ea-change ea-none'>{html.escape(change.spoken)}</div>"
    css = {"up": "ea-up", "down": "ea-down"}.get(change.direction, "ea-flat")
    verdict = {"better": "ea-good", "worse": "ea-bad"}.get(change.tone, "ea-neutral")
    said = html.escape(change.spoken, quote=True)
    return (
        f"<div class='ea-change {css} {verdict}' title='{said}'>"
        f"<span class='ea-delta'><span aria-hidden='true'>{change.arrow}</span> "
        f"{html.escape(change.text)}</span> <span class='ea-was' aria-hidden='true'>was "
        f"{html.escape(change.before)}</span>"
        f"<span class='ea-sr'>{said}</span></div>"
    )


#: The legend label plot_cost_by_model gives the spend not on failures ("other" reads as
#: "other models" beside a list of models).
NOT_FAILED = "spend not on failures"


def legend_of_what_is_drawn(ax: Any) -> None:
    """Keep legend entries only for series that show something (a stack of zeros draws
    nothing: "spent on failures" when nothing failed), and call the spend not on failures
    and the error classes what they are (see ``_legend_label``)."""
    legend = ax.get_legend()
    if legend is None:
        return
    handles, labels = ax.get_legend_handles_labels()
    drawn = [_draws_something(handle) for handle in handles]
    if all(drawn) and len(labels) == len(legend.get_texts()):
        for text in legend.get_texts():  # nothing to drop: the same legend, words changed
            text.set_text(_legend_label(text.get_text()))
        return
    kept = [(h, _legend_label(lab)) for h, lab, d in zip(handles, labels, drawn, strict=True) if d]
    # the same place: its anchor in axes fractions (the default anchor reads (0, 0, 1, 1))
    anchor = legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted()).bounds
    title = legend.get_title().get_text()
    size = legend.get_texts()[0].get_fontsize() if legend.get_texts() else None
    loc = getattr(legend, "_loc", "best")
    legend.remove()
    if kept:
        ax.legend(
            [handle for handle, _ in kept],
            [label for _, label in kept],
            loc=loc,
            bbox_to_anchor=anchor,
            title=title or None,
            fontsize=size,
        )


def _legend_label(label: str) -> str:
    """What a legend entry says: the spend not on failures by that name, error classes in
    words (as the tables' headers)."""
    if label == "other spend":
        return NOT_FAILED
    return label.replace("_", " ") if label in schema.ERROR_CLASSES else label


def _draws_something(handle: Any) -> bool:
    """Whether a legend handle's artist shows anything: bars of non-zero size, areas that
    enclose some, lines with a finite point; anything else counts as drawn."""
    import numpy as np
    from matplotlib.collections import PolyCollection
    from matplotlib.container import BarContainer
    from matplotlib.lines import Line2D

    if isinstance(handle, BarContainer):
        return any(p.get_width() != 0 and p.get_height() != 0 for p in handle.patches)
    if isinstance(handle, PolyCollection):
        for path in handle.get_paths():
            vertices = np.asarray(path.vertices, dtype=float)
            x, y = vertices[:, 0], vertices[:, 1]
            if abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) > 0:
                return True
        return False
    if isinstance(handle, Line2D):
        y = np.asarray(handle.get_ydata(), dtype=float)
        return bool(np.isfinite(y).any())
    return True
