"""The Explorer's controls: every widget it shows, built and laid out, nothing connected.

:class:`Controls` builds the filter bar (quick ranges, the day fields, checkbox lists of
models, status groups, error classes and workflows), the status line with its busy indicator,
the headline cards (and the Balance card, shown when a balance is known), the tabs with each
pane's message, chart and table blocks, and the executions tab's search, sort, pages and
download. :class:`.explorer.Explorer` is a
``Controls`` that connects them to its state. Reading a day field is here too.

>>> read_day(" 2026-06-04 ", "From")
datetime.date(2026, 6, 4)
>>> read_day("", "From") is None
True
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping

import ipywidgets as widgets

from eachlabs_analytics import schema
from eachlabs_analytics._util.formats import fmt_money
from eachlabs_analytics._util.timestamps import require_ascii
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.notebook import account, drilldown, style
from eachlabs_analytics.notebook.checklist import CheckList
from eachlabs_analytics.notebook.filters import QUICK_RANGES, STATUS_GROUP_NAMES
from eachlabs_analytics.notebook.state import CARDS, PANES

#: The one thing said when the filters keep no execution.
EMPTY_MESSAGE = "No executions match these filters."
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
#: What the day fields accept, said beside them (and in full when they get something else).
DAY_HINT = "UTC days, both included; empty means no limit."


class Controls:
    """Every widget of the Explorer, laid out in ``widget`` (callbacks are the Explorer's).

    Args:
        models: the models to list, biggest spend first, with their spend in ``model_spend``.
        workflows: the workflows to list (by id; ``names`` gives them labels).
        title: a heading above the filters, or None.
        names: ``{workflow_id: name}``: a workflow is listed as ``name (wf_...)``.
        balance_known: show the Balance card (hidden otherwise).
    """

    def __init__(
        self,
        models: list[str],
        model_spend: Mapping[str, float],
        workflows: list[str],
        title: str | None,
        *,
        names: Mapping[str, str] | None = None,
        balance_known: bool = False,
    ) -> None:
        self.title = title
        self.quick_buttons: dict[str, widgets.Button] = {}
        for name, label in QUICK_RANGES.items():
            button = widgets.Button(description=label, layout=widgets.Layout(width="auto"))
            button.add_class("ea-quick-range")
            button.add_class(f"ea-quick-{name.replace('_', '-')}")
            self.quick_buttons[name] = button
        self.start = _day_field("From", "ea-day-start")
        self.end = _day_field("To", "ea-day-end")
        self.day_message = widgets.HTML(day_hint())
        self.day_message.add_class("ea-day-message")
        self.model_select = CheckList(
            "models",
            [(f"{m} ({fmt_money(model_spend[m])})", m) for m in models],
            title="Models",
            noun="models",
            search=len(models) > 6,
            width="230px",  # names and spend: the widest list
        )
        self.model_search = self.model_select.search
        self.status_select = CheckList(
            "status-groups",
            [(g.replace("_", " "), g) for g in STATUS_GROUP_NAMES],
            title="Status",
            noun="statuses",
            width="130px",
            grow=False,
        )
        self.error_select = CheckList(
            "error-classes",
            [(c.replace("_", " "), c) for c in schema.ERROR_CLASSES],
            title="Error class",
            noun="error classes",
            width="160px",
        )
        self.workflow_select = CheckList(
            "workflows",
            account.workflow_options(workflows, names or {}),
            title="Workflow",
            noun="workflows",
            search=len(workflows) > 6,
            width="200px" if names else "160px",
        )
        self.reset_button = widgets.Button(
            description="Reset filters", icon="times", layout=widgets.Layout(width="auto")
        )
        self.reset_button.add_class("ea-reset")

        self.cards: dict[str, widgets.VBox] = {}
        self.changes: dict[str, widgets.HTML] = {}
        for attribute, measure, label, _show in CARDS:
            value = _card_value(f"ea-{attribute.replace('_', '-')}")
            setattr(self, attribute, value)
            change = widgets.HTML()
            change.add_class("ea-card-change")
            self.changes[measure] = change
            title = widgets.HTML(f"<div class='ea-card-label'>{html.escape(label)}</div>")
            card = widgets.VBox([title, value, change], layout=widgets.Layout(min_width="0"))
            card.add_class("ea-card")
            self.cards[measure] = card
        self._cards = tuple(getattr(self, attribute) for attribute, *_ in CARDS)
        self._build_balance_card(balance_known)
        cards = widgets.GridBox(
            [*self.cards.values(), self.balance_card],
            layout=widgets.Layout(
                grid_template_columns="repeat(auto-fit, minmax(118px, 1fr))",
                grid_gap="8px",
                margin="6px 0 2px",
            ),
        )
        self.compare_note = widgets.HTML()
        self.compare_note.add_class("ea-note")
        self.status_line = widgets.HTML()
        self.status_line.add_class("ea-status")
        self.busy = widgets.HTML(
            "<span class='ea-spinner' aria-hidden='true'></span>Updating…",
            layout=widgets.Layout(visibility="hidden", flex="0 0 auto"),
        )
        self.busy.add_class("ea-busy-indicator")
        self.empty_message = widgets.HTML(
            f"<div class='ea-empty' role='status'>{html.escape(EMPTY_MESSAGE)} Untick a "
            "filter, widen the days or reset the filters.</div>",
            layout=widgets.Layout(display="none"),
        )
        self.empty_message.add_class("ea-empty-message")
        self.pane_tables = {name: widgets.HTML() for name in PANES}
        self.pane_images = {
            # natural size, never stretched by the flex box (blurry, and out of proportion)
            name: widgets.Image(
                format="png",
                layout=widgets.Layout(width="auto", max_width="100%", align_self="flex-start"),
            )
            for name in PANES
        }
        self.pane_messages = {name: widgets.HTML() for name in PANES}
        for name in PANES:
            self.pane_tables[name].add_class(f"ea-table-{name.replace('_', '-')}")
            self.pane_images[name].add_class(f"ea-chart-{name.replace('_', '-')}")
            self.pane_messages[name].add_class("ea-pane-message")
        self.month_end = widgets.HTML()
        self.month_end.add_class("ea-month-end")
        self.price_table = widgets.HTML()  # the price check, under the By model table
        self.price_table.add_class("ea-table-price-check")
        for block in (
            self.compare_note,
            self.status_line,
            self.empty_message,
            self.month_end,
            self.price_table,
            *self.pane_tables.values(),
            *self.pane_messages.values(),
        ):
            block.add_class("ea-block")  # text of its own height, not one 28 px widget line
        self._build_drilldown()

        def pane(name: str) -> widgets.VBox:
            parts: list[widgets.Widget] = [self.pane_messages[name]]
            if name == "executions":
                parts += [self.drill_controls, self.pane_tables[name], self.drill_link]
            elif name == "month_to_date":
                parts += [self.month_end, self.pane_images[name], self.pane_tables[name]]
            elif name == "cost_by_model":
                parts += [self.pane_images[name], self.pane_tables[name], self.price_table]
            else:
                parts += [self.pane_images[name], self.pane_tables[name]]
            return widgets.VBox(parts)

        self.tabs = widgets.Tab(
            children=[pane(name) for name in PANES], titles=list(PANES.values())
        )
        self.tabs.add_class("ea-tabs")
        dates = widgets.HBox(
            [*self.quick_buttons.values(), self.start, self.end, self.day_message],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        lists = widgets.HBox(
            [self.model_select, self.status_select, self.error_select, self.workflow_select],
            layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"),
        )
        filter_bar = widgets.VBox([dates, lists])
        filter_bar.add_class("ea-filters")
        style_tag = widgets.HTML(style.style_tag(), layout=widgets.Layout(display="none"))
        style_tag.add_class("ea-style")
        status = widgets.HBox(
            [self.status_line, self.busy, self.reset_button],
            layout=widgets.Layout(align_items="center", flex_flow="row wrap", margin="6px 0 0"),
        )
        self.status_line.layout.flex = "1 1 300px"
        self.results = widgets.VBox([cards, self.compare_note, self.empty_message, self.tabs])
        self.results.add_class("ea-results")
        parts = [style_tag, filter_bar, status, self.results]
        if self.title:
            heading = widgets.HTML(f"<h2 class='ea-title'>{html.escape(self.title)}</h2>")
            heading.add_class("ea-heading")
            parts.insert(1, heading)
        self.widget = widgets.VBox(parts)
        self.widget.add_class("ea-explorer")

    def _build_balance_card(self, shown: bool) -> None:
        """The Balance card: the balance and its runway (:mod:`.account`); two columns wide
        (``style``), hidden when no balance is known."""
        self.balance_value = _card_value("ea-balance")
        self.runway_note = widgets.HTML()
        self.runway_note.add_class("ea-card-change")
        title = widgets.HTML("<div class='ea-card-label'>Balance</div>")
        self.balance_card = widgets.VBox(
            [title, self.balance_value, self.runway_note],
            layout=widgets.Layout(min_width="0", display=None if shown else "none"),
        )
        self.balance_card.add_class("ea-card")
        self.balance_card.add_class("ea-balance-card")

    def _build_drilldown(self) -> None:
        """The executions tab: search, sort, pages, and a CSV download of the selection."""
        self.drill_search = widgets.Text(
            placeholder="search id, model or workflow", continuous_update=True, layout=_wide()
        )
        self.drill_search.add_class("ea-drill-search")
        self.drill_sort = widgets.Dropdown(
            options=[(f"sort: {label}", column) for column, label in drilldown.SORTS.items()],
            value="created_at",
            layout=widgets.Layout(width="180px"),
        )
        self.drill_previous = widgets.Button(description="◀", layout=widgets.Layout(width="40px"))
        self.drill_next = widgets.Button(description="▶", layout=widgets.Layout(width="40px"))
        self.drill_pages = widgets.HTML()
        self.drill_download = widgets.Button(description="Download CSV", icon="download")
        self.drill_download.add_class("ea-drill-download")
        self.drill_link = widgets.HTML()
        self.drill_link.add_class("ea-drill-link")
        self.drill_controls = widgets.HBox(
            [
                self.drill_search,
                self.drill_sort,
                self.drill_previous,
                self.drill_pages,
                self.drill_next,
                self.drill_download,
            ],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )

    def _visible(self) -> tuple[str, ...]:
        """The pane of the open tab (none when no tab is open)."""
        index = self.tabs.selected_index
        return (list(PANES)[index],) if index is not None else ()

    def _show_image(self, name: str, png: bytes) -> None:
        """Set a chart, hiding the image while there is none (no broken-image icon)."""
        image = self.pane_images[name]
        image.value = png
        image.layout.display = None if png else "none"


def read_day(text: str, name: str) -> dt.date | None:
    """A day typed as ``YYYY-MM-DD`` (empty: no limit); anything else says what is allowed."""
    text = (text or "").strip()
    if not text:
        return None
    require_ascii(text, name, "YYYY-MM-DD")
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidQueryError(
            f"{name} {text!r} is not a day; use YYYY-MM-DD, e.g. 2026-10-01"
        ) from None


def day_hint() -> str:
    """The hint beside the day fields, as HTML."""
    return f"<span class='ea-hint'>{html.escape(DAY_HINT)}</span>"


def _day_field(description: str, css_class: str) -> widgets.Text:
    field = widgets.Text(
        description=description,
        placeholder="YYYY-MM-DD",
        continuous_update=False,  # on Enter or leaving the field, not on every key
        style={"description_width": "initial"},
        layout=widgets.Layout(width="150px", margin="2px 8px 2px 12px"),
    )
    field.add_class(css_class)
    return field


def _wide() -> widgets.Layout:
    return widgets.Layout(width="240px")


def _card_value(css_class: str) -> widgets.HTML:
    value = widgets.HTML("–")
    value.add_class("ea-card-value")
    value.add_class(css_class)
    return value
