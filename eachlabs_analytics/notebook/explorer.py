"""The Explorer: filter an executions DataFrame with widgets and watch the numbers follow.

``explore(df)`` shows a filter bar (quick date ranges and a day range, then checkbox lists
of models ordered by spend with a search box, status groups, error classes and workflows;
nothing ticked means all) above headline cards and tabs that re-render when the selection
changes: cost by model, cost over time, month to date with the month-end projection,
latency percentiles, latency and error rate over time, the error breakdown, forecast and
alerts, and the executions themselves. Every number comes from
:mod:`eachlabs_analytics.metrics` (and :mod:`~eachlabs_analytics.watch`), every chart from
:mod:`eachlabs_analytics.plots`, called on the filtered slice; nothing is recomputed here.
Each card says how its figure changed against the days just before the selected ones.

Panes are plain widget state (HTML tables and PNG images, no ``Output`` capture), so the
Explorer behaves the same in JupyterLab, Notebook 7 and Voilà, and is testable without a kernel.
Re-rendering is debounced while a kernel's event loop runs (a busy indicator shows meanwhile)
and immediate otherwise. ``snapshot()`` is the current view as static HTML, for pages where
widgets do not run (nbconvert, GitHub).

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=2_000, seed=7, end="2026-10-31T00:00:00Z")
>>> explorer = ea.explore(df, charts=False)
>>> explorer.filters = {"models": ["veo-3"], "status_groups": ["failed"]}
>>> failed_veo = df[(df.model == "veo-3") & df.status.isin(["error", "failed"])]
>>> bool(explorer.filtered["execution_cost"].sum() == failed_veo["execution_cost"].sum())
True
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import functools
import html
import re
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics._util.changes import KPI, change_of
from eachlabs_analytics._util.formats import (
    FORMATS,
    fmt_money,
    fmt_window,
    plural,
)
from eachlabs_analytics._util.timestamps import ONE_US, require_ascii
from eachlabs_analytics._util.windows import month_to_date
from eachlabs_analytics.exceptions import DataQualityWarning, InvalidQueryError
from eachlabs_analytics.metrics.grouping import encode
from eachlabs_analytics.metrics.lazy import is_lazy
from eachlabs_analytics.notebook import drilldown, panes, style
from eachlabs_analytics.notebook.checklist import CheckList
from eachlabs_analytics.notebook.filters import (
    NO_WORKFLOW,
    QUICK_RANGES,
    STATUS_GROUP_NAMES,
    Filters,
    anchor_of,
    apply_filters,
    narrow_selection,
    quick_range,
    spend_by_value,
)

__all__ = ["Explorer", "Filters", "explore"]

#: Tabs of the Explorer, in order: pane name -> tab title (short: eight fit in 820 px).
PANES: dict[str, str] = {
    "cost_by_model": "By model",
    "cost_over_time": "Over time",
    "month_to_date": "Month to date",
    "latency": "Latency",
    "trends": "Trends",
    "errors": "Errors",
    "forecast": "Forecast",
    "executions": "Executions",
}
#: Panes that show a table and no chart.
_TABLE_ONLY = ("executions",)
#: Panes computed only when their tab opens (a forecast fits a model: about a second).
_ON_DEMAND = ("forecast",)
#: The headline cards: widget attribute, ``Summary`` field, label, format.
CARDS: tuple[tuple[str, str, str, Callable[[Any], str]], ...] = tuple(
    (attribute, measure, KPI[measure][0], FORMATS[KPI[measure][1]])
    for attribute, measure in (
        ("total_spend", "spend"),
        ("executions", "executions"),
        ("success_rate", "success_rate"),
        ("latency_p50", "p50_seconds"),
        ("latency_p95", "p95_seconds"),
        ("failed_cost", "failed_cost"),
    )
)
#: The one thing said when the filters keep no execution.
EMPTY_MESSAGE = "No executions match these filters."
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
#: What the day fields accept, said beside them (and in full when they get something else).
DAY_HINT = "UTC days, both included; empty means no limit."
#: Narrowed selections a store-backed Explorer keeps (each holds partial aggregates only).
_KEPT_SELECTIONS = 16
_FIGSIZE = (9.0, 4.0)
_DPI = 100


def explore(df: pd.DataFrame, **options: Any) -> Explorer:
    """An :class:`Explorer` over ``df`` (display it as a cell's last expression).

    >>> from eachlabs_analytics import schema
    >>> explorer = explore(schema.empty_frame())
    >>> explorer.filters, len(explorer.filtered)
    (Filters(start=None, end=None, models=(), status_groups=(), error_classes=(), workflows=()), 0)
    """
    return Explorer(df, **options)


class Explorer:
    """A filter bar and output panes over an executions DataFrame.

    Args:
        df: a loaded executions frame (``schema.COLUMNS``), or any slice of one.
        filters: the initial selection (a :class:`Filters` or a mapping of its fields).
        anchor: the moment quick ranges count back from; default the data's window end
            (``df.attrs["window"]["end"]``), else now.
        debounce: seconds to wait after the last change before re-rendering while a kernel's
            event loop runs (0: render on every change).
        top: how many models the cost-over-time chart names before folding the rest into "other".
        charts: draw the charts (about half a second each); ``False`` shows the tables only.
        title: a heading above the filters (the dashboard shows its data source there).

    Given an ``ExecutionStore`` (or ``store.scan(...)``), the Explorer never loads it: every
    figure is re-queried from the engine. Its model and workflow lists and its row count are
    those of when it was built: after a sync, build a new one to see new days.

    ``filtered`` is the current slice, ``filters`` the current selection (assign a ``Filters``,
    a mapping to change some fields, or ``None`` to clear), ``tables`` the numbers each pane shows,
    ``refresh()`` renders every pane now and ``snapshot()`` is the current view as static HTML.

    Each headline card compares its figure with the same number of days just before the
    selected ones (with no day range, the data's whole window: usually nothing before it to
    compare with, which the cards say); ``previous`` holds that period's headline.

    >>> from eachlabs_analytics import schema
    >>> explorer = Explorer(schema.empty_frame())
    >>> explorer.filters = {"status_groups": ["failed"]}
    >>> explorer.filters.status_groups, explorer.total_spend.value
    (('failed',), '$0.00')
    """

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        filters: Filters | Mapping[str, Any] | None = None,
        anchor: pd.Timestamp | str | None = None,
        debounce: float = 0.25,
        top: int = 8,
        charts: bool = True,
        title: str | None = None,
    ) -> None:
        if not isinstance(df, pd.DataFrame) and callable(getattr(df, "scan", None)):
            df = df.scan()  # an ExecutionStore: explore all of it, lazily
        #: True when the Explorer re-queries an engine (a store scan) instead of a frame.
        self.lazy = is_lazy(df)
        if self.lazy:
            self.df = df
            spend = _lazy_spend(df, "model")
            self._rows = int(spend.attrs.get("rows", 0))
            by_model = dict(spend.items())
            by_workflow = dict(_lazy_spend(df, "workflow_id").items())
            has_no_workflow = any(pd.isna(w) for w in by_workflow)
        else:
            missing = [c for c in schema.COLUMNS if c not in df.columns]
            if missing:
                raise InvalidQueryError(
                    "explore() needs an executions DataFrame or a store scan; missing "
                    f"column(s): {', '.join(missing)}"
                )
            # model and workflow as categoricals, once: every pane then groups on their codes
            self.df = encode(df, ("model", "workflow_id"))
            by_model = spend_by_value(self.df, "model")
            by_workflow = spend_by_value(self.df, "workflow_id")
            self._rows = len(df)
            has_no_workflow = bool(df["workflow_id"].isna().any())
        self.anchor = (
            anchor_of(df) if anchor is None else anchor_of(schema.empty_frame(), now=anchor)
        )
        self._anchor_given = anchor is not None
        self._days = _data_days(self.df)
        self.debounce = float(debounce)
        self.top = int(top)
        self.charts = bool(charts)
        self.title = title
        self._model_spend = {str(k): v for k, v in by_model.items() if not pd.isna(k)}
        self.models = list(self._model_spend)
        self.workflows = [str(w) for w in by_workflow if not pd.isna(w)]
        if has_no_workflow:
            self.workflows.insert(0, NO_WORKFLOW)
        #: What each tab shows, as the helpers return it; a tab not drawn yet is computed
        #: when read (``explorer.tables["latency"]``), as when its tab opens.
        self.tables: dict[str, pd.DataFrame] = _Tables(self)
        self.summary: Any = None
        #: The headline of the days just before the selected ones (what the cards compare
        #: with), or None when there is nothing to compare.
        self.previous: Any = None
        #: The month-end projection of the month-to-date tab (``month_end_projection``), or
        #: None until that tab renders or when there is too little data.
        self.projection: Any = None
        self.errors: dict[str, str] = {}
        self._filters = Filters()
        self._cache: tuple[Filters, pd.DataFrame] | None = None
        self._undated_cache: tuple[Filters, pd.DataFrame] | None = None
        self._selections: dict[Filters, Any] = {}
        self._month_rows = -1  # rows in the month-to-date view (-1: not computed yet)
        self._syncing = False
        self._quick: str | None = None  # the quick range clicked last
        self._pending: asyncio.TimerHandle | None = None
        self._stale: set[str] = set()
        self._build()
        self._set_filters(Filters.coerce(filters, base=self._filters))  # the controls show it
        self._render(panes=self._visible())

    # --- public --------------------------------------------------------------------------
    @property
    def filters(self) -> Filters:
        """The current selection."""
        return self._filters

    @filters.setter
    def filters(self, value: Filters | Mapping[str, Any] | None) -> None:
        self._set_filters(Filters.coerce(value, base=self._filters))
        self._schedule()

    @property
    def filtered(self) -> Any:
        """The rows the current selection keeps (a new frame; ``attrs["filters"]`` says which).

        Over a store scan, a narrower lazy selection (``.to_pandas()`` for its rows)."""
        if self._cache is None or self._cache[0] != self._filters:
            self._cache = (self._filters, self._select(self._filters))
        return self._cache[1]

    def _select(self, filters: Filters) -> Any:
        if not self.lazy:
            return apply_filters(self.df, filters)
        if filters == Filters():
            return self.df  # the scan itself, with the partials it has already computed
        # a selection holds no rows, only the small partials it computed: keep the last few,
        # so going back to an earlier selection (a reset, an undo) asks the engine nothing
        found = self._selections.pop(filters, None)
        if found is None:
            found = narrow_selection(self.df, filters)
        self._selections[filters] = found
        while len(self._selections) > _KEPT_SELECTIONS:
            self._selections.pop(next(iter(self._selections)))
        return found

    def undated(self) -> Any:
        """The rows every filter but the day range keeps (what the month-to-date view uses)."""
        undated = self._filters.replace(start=None, end=None)
        if undated == self._filters:
            return self.filtered
        if self._undated_cache is None or self._undated_cache[0] != undated:
            self._undated_cache = (undated, self._select(undated))
        return self._undated_cache[1]

    def reset(self) -> None:
        """Clear every filter."""
        self.filters = None

    def refresh(self) -> None:
        """Re-render every pane now, charts included (the UI renders hidden tabs lazily)."""
        self._cancel_pending()
        self._render(panes=tuple(PANES))

    def _flush(self) -> None:
        """Render now if a debounced render is waiting (so what code reads is current)."""
        if self._pending is not None:
            self._cancel_pending()
            self._render(panes=self._visible())

    def __repr__(self) -> str:
        self._flush()
        shown = self.summary.executions if self.summary is not None else 0
        return f"Explorer({shown:,} of {self._rows:,} executions; {_describe(self._filters)})"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # --- building the UI -----------------------------------------------------------------
    def _build(self) -> None:
        self.quick_buttons = {}
        for name, label in QUICK_RANGES.items():
            button = widgets.Button(description=label, layout=widgets.Layout(width="auto"))
            button.add_class("ea-quick-range")
            button.add_class(f"ea-quick-{name.replace('_', '-')}")
            button.on_click(lambda _b, name=name: self.apply_quick_range(name))
            self.quick_buttons[name] = button
        self.start = _day_field("From", "ea-day-start")
        self.end = _day_field("To", "ea-day-end")
        self.day_message = widgets.HTML(_day_hint())
        self.day_message.add_class("ea-day-message")
        self.model_select = CheckList(
            "models",
            [(f"{m} ({fmt_money(self._model_spend[m])})", m) for m in self.models],
            title="Models",
            noun="models",
            search=len(self.models) > 6,
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
            [(w, w) for w in self.workflows],
            title="Workflow",
            noun="workflows",
            search=len(self.workflows) > 6,
            width="160px",
        )
        self.reset_button = widgets.Button(
            description="Reset filters", icon="times", layout=widgets.Layout(width="auto")
        )
        self.reset_button.add_class("ea-reset")
        self.reset_button.on_click(lambda _b: self.reset())

        for control in (
            self.start,
            self.end,
            self.model_select,
            self.status_select,
            self.error_select,
            self.workflow_select,
        ):
            control.observe(self._on_control, names="value")

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
        cards = widgets.GridBox(
            list(self.cards.values()),
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
        for block in (
            self.compare_note,
            self.status_line,
            self.empty_message,
            self.month_end,
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
            else:
                parts += [self.pane_images[name], self.pane_tables[name]]
            return widgets.VBox(parts)

        self.tabs = widgets.Tab(
            children=[pane(name) for name in PANES], titles=list(PANES.values())
        )
        self.tabs.add_class("ea-tabs")
        self.tabs.observe(lambda _c: self._render_stale(), names="selected_index")
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

    def apply_quick_range(self, name: str) -> None:
        """Set the day range to a quick range (see ``QUICK_RANGES``) ending on the anchor's day.

        >>> from eachlabs_analytics import schema
        >>> explorer = Explorer(schema.empty_frame(), anchor="2026-06-10T08:00:00Z")
        >>> explorer.apply_quick_range("last_7_days")
        >>> explorer.filters.start, explorer.filters.end
        (datetime.date(2026, 6, 4), datetime.date(2026, 6, 10))
        """
        start, end = quick_range(name, self.anchor)
        self._quick = name  # highlighted, even when another range has the same days
        self.filters = {"start": start, "end": end}

    # --- state <-> controls --------------------------------------------------------------
    def _set_filters(self, filters: Filters) -> None:
        _check_known(filters.models, self.models, "model")
        _check_known(filters.workflows, self.workflows, "workflow")
        self._filters = filters
        self._syncing = True
        try:
            self.start.value = filters.start.isoformat() if filters.start else ""
            self.end.value = filters.end.isoformat() if filters.end else ""
            self.day_message.value = _day_hint()
            self.model_select.value = filters.models
            self.status_select.value = filters.status_groups
            self.error_select.value = filters.error_classes
            self.workflow_select.value = filters.workflows
        finally:
            self._syncing = False
        # the range in force, highlighted: the one clicked last, else the first with its days
        days = (filters.start, filters.end)
        matching = [n for n in self.quick_buttons if quick_range(n, self.anchor) == days]
        active = self._quick if self._quick in matching else next(iter(matching), None)
        for name, button in self.quick_buttons.items():
            if name == active:
                button.add_class("ea-active")
            else:
                button.remove_class("ea-active")
        self.reset_button.disabled = filters == Filters()

    def _on_control(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        problems = []
        days = []
        for field, name, kept in (
            (self.start, "From", self._filters.start),
            (self.end, "To", self._filters.end),
        ):
            try:
                days.append(_day(field.value, name))
            except InvalidQueryError as exc:
                problems.append(str(exc))
                days.append(kept)  # a day that does not read keeps the last one that did
        start, end = days
        if problems and change["owner"] in (self.start, self.end):
            self._show_day_problems(problems)
            return  # nothing else changed: the selection stays what it was
        if start is not None and end is not None and start > end:
            # the date just picked wins; move the other end to it rather than refuse
            start, end = (start, start) if change["owner"] is self.start else (end, end)
        typed = (self.start.value, self.end.value)
        self.filters = Filters(
            start=start,
            end=end,
            models=self.model_select.value,
            status_groups=self.status_select.value,
            error_classes=self.error_select.value,
            workflows=self.workflow_select.value,
        )
        if problems:  # the other filters applied; the unreadable day stays in view, flagged
            self._syncing = True
            try:
                self.start.value, self.end.value = typed
            finally:
                self._syncing = False
            self._show_day_problems(problems)

    def _show_day_problems(self, problems: list[str]) -> None:
        text = html.escape("; ".join(problems))
        self.day_message.value = (
            f"<span class='ea-pane-error'>{text} (the selection keeps the last day that "
            "read)</span>"
        )

    # --- rendering -----------------------------------------------------------------------
    def _schedule(self) -> None:
        if self.debounce <= 0:
            self._render(panes=self._visible())
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (plain Python, tests): render now
            self._render(panes=self._visible())
            return
        self._cancel_pending()
        self._set_busy(True)  # the numbers on screen are the previous selection's until then
        self._pending = loop.call_later(self.debounce, self._render, self._visible())

    def _set_busy(self, busy: bool) -> None:
        """Show the busy indicator and dim the results (they are about to change), or not."""
        self.busy.layout.visibility = "visible" if busy else "hidden"
        if busy:
            self.widget.add_class("ea-busy")
        else:
            self.widget.remove_class("ea-busy")

    @property
    def is_busy(self) -> bool:
        """Whether the busy indicator is showing (a render is waiting or running)."""
        return self.busy.layout.visibility == "visible"

    def _cancel_pending(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

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
        self._drill_page = 0
        self.drill_search.observe(lambda _c: self._turn_page(None), names="value")
        self.drill_sort.observe(lambda _c: self._turn_page(None), names="value")
        self.drill_previous.on_click(lambda _b: self._turn_page(self._drill_page - 1))
        self.drill_next.on_click(lambda _b: self._turn_page(self._drill_page + 1))
        self.drill_download.on_click(lambda _b: self._offer_download())
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

    def drilled(self) -> pd.DataFrame:
        """The executions of the current filters that the search keeps, in the chosen order
        (over a store scan, fetched from the engine: every matching row)."""
        if self.lazy:
            from eachlabs_analytics.engines.narrow import page

            rows, _ = page(
                self.filtered, self.drill_search.value, sort=self.drill_sort.value, size=None
            )
            return rows
        return drilldown.search_executions(
            self.filtered, self.drill_search.value, sort=self.drill_sort.value
        )

    def selection_csv(self) -> str:
        """The executions tab's selection (filters and search) as CSV text, every row."""
        return drilldown.selection_csv(self.drilled())

    def _turn_page(self, page: int | None) -> None:
        self._drill_page = 0 if page is None else max(0, page)
        self.drill_link.value = ""  # a download link is for the selection it was made for
        self._guard("executions table", self._render_executions)
        self._show_messages()

    def _render_executions(self) -> None:
        if self.lazy:  # one page from the engine, never the whole selection
            from eachlabs_analytics.engines.narrow import page

            search, sort = self.drill_search.value, self.drill_sort.value
            shown, total = page(self.filtered, search, sort=sort, number=self._drill_page)
            pages = max(1, -(-total // drilldown.PAGE_SIZE))
            if self._drill_page > pages - 1:
                self._drill_page = pages - 1
                shown, total = page(self.filtered, search, sort=sort, number=self._drill_page)
            self.tables["executions"] = shown
        else:
            rows = self.drilled()
            shown, pages = drilldown.page_of(rows, self._drill_page)
            self._drill_page = min(self._drill_page, pages - 1)
            self.tables["executions"] = rows
            total = len(rows)
        table = drilldown.page_html(shown)
        if total == 0 and self.summary is not None and self.summary.executions > 0:
            # the filters keep rows, the search none (an empty selection is said once, above)
            table = "<p class='ea-note'>No execution matches this search.</p>"
        self.pane_tables["executions"].value = table
        self.drill_pages.value = html.escape(
            f" page {self._drill_page + 1:,} of {pages:,} · {total:,} executions "
        )
        # nothing to export: a disabled button says so before a click does
        self.drill_download.disabled = total == 0
        self.drill_download.tooltip = (
            "No executions to download" if total == 0 else "Every execution of this selection"
        )

    def _offer_download(self) -> None:
        rows = self.drilled()
        if rows.empty:
            return
        payload = base64.b64encode(drilldown.selection_csv(rows).encode("utf-8")).decode("ascii")
        self.drill_link.value = (
            f"<a download='executions.csv' href='data:text/csv;charset=utf-8;base64,{payload}'>"
            f"Save executions.csv ({len(rows):,} executions)</a>"
        )

    def _visible(self) -> tuple[str, ...]:
        index = self.tabs.selected_index
        return (list(PANES)[index],) if index is not None else ()

    def _render(self, panes: tuple[str, ...]) -> None:
        """Headline and tables always; charts of ``panes`` now, the others when their tab opens."""
        self._pending = None
        self._set_busy(True)
        try:
            self._render_now(panes)
        finally:
            self._set_busy(False)

    def _render_now(self, panes: tuple[str, ...]) -> None:
        from eachlabs_analytics import metrics

        data = self.filtered
        self.errors = {}
        self.summary = self.previous = None
        for card in self._cards:
            card.value = "–"  # a failed summary must not leave the previous numbers up
        for change in self.changes.values():
            change.value = ""
        self._guard("summary", lambda: self._render_headline(metrics.summary(data)))
        if self.summary is not None:
            self._guard("summary change", self._render_changes)
        window = self.df.attrs.get("window") or {}
        kept = self.summary.executions if self.summary is not None else 0
        self.status_line.value = html.escape(
            f"{kept:,} of {self._rows:,} executions · {_describe(self._filters)} · "
            f"data: {fmt_window(window.get('start'), window.get('end'))}"
        )
        for step in ("summary", "summary change"):
            if step in self.errors:
                self.status_line.value += (
                    "<br><span class='ea-pane-error'>Could not compute the headline numbers: "
                    f"{html.escape(self.errors[step])}</span>"
                )
        self.empty_message.layout.display = (
            None if self.summary is not None and self.summary.executions == 0 else "none"
        )
        self._drill_page = 0
        self.drill_link.value = ""
        self.drill_download.disabled = kept == 0  # the executions tab refines it with its search
        self._stale = set(PANES)
        self.tables.clear()
        self.projection = None
        for name in PANES:
            if name in panes:
                self._render_pane(name)
            else:  # computed when its tab opens (or its table is read): never stale numbers
                self.pane_tables[name].value = ""
                self._show_image(name, b"")
                if name == "month_to_date":
                    self.month_end.value = ""
        self._show_messages()

    def _render_stale(self) -> None:
        stale = [name for name in self._visible() if name in self._stale]
        if not stale:
            return
        self._set_busy(True)
        try:
            for name in stale:
                self._render_pane(name)
            self._show_messages()
        finally:
            self._set_busy(False)

    def _render_pane(self, name: str) -> None:
        """One tab: its table (the helper's result, as HTML for people), then its chart."""
        from eachlabs_analytics import metrics

        self._stale.discard(name)
        for step in [s for s in self.errors if s.startswith(f"{name} ")]:
            self.errors.pop(step, None)
        data = self.filtered
        tables: dict[str, Callable[[], pd.DataFrame]] = {
            "cost_by_model": lambda: metrics.cost_by_model(data),
            "cost_over_time": lambda: metrics.cost_over_time(data, freq="D", top=self.top),
            "latency": lambda: metrics.latency_percentiles(data),
            "trends": lambda: panes.trends(data),
            "errors": lambda: metrics.error_breakdown(data),
        }
        if name in tables:
            self._guard(f"{name} table", functools.partial(self._render_table, name, tables[name]))
        elif name == "month_to_date":
            self._guard("month_to_date table", self._render_month_to_date)
            self._guard("month_to_date projection", self._render_month_end)
        elif name == "executions":
            self._guard("executions table", self._render_executions)
        if name in _ON_DEMAND:
            self.pane_tables[name].value = ""
        self._render_chart(name)

    def _empty(self, name: str) -> bool:
        """Whether a tab has nothing to show: month to date reads every day, the rest the
        filtered slice."""
        if name == "month_to_date":
            return self._month_rows == 0
        return self.summary is not None and self.summary.executions == 0

    def _render_chart(self, name: str) -> None:
        self._show_image(name, b"")
        data = self.filtered
        empty = self._empty(name)
        if name in _ON_DEMAND and not empty:
            self._guard(f"{name} chart", lambda: self._draw_forecast(data))
        elif self.charts and not empty and name not in _TABLE_ONLY:
            self._guard(f"{name} chart", lambda: self._draw_chart(name, data))

    def _draw_chart(self, name: str, data: pd.DataFrame) -> None:
        from eachlabs_analytics.plots.parts import png

        if name == "trends":
            image = png(
                lambda ax: self._draw_on(name, data, ax),
                _FIGSIZE,
                _DPI,
                then=lambda ax: self._draw_on("error_rate", data, ax),
            )
        else:
            image = png(lambda ax: self._draw_on(name, data, ax), _FIGSIZE, _DPI)
        self._show_image(name, image)

    def _draw_on(self, name: str, data: Any, ax: Any) -> Any:
        """Draw pane ``name``'s chart on ``ax`` (``"trends"`` is its latency half and
        ``"error_rate"`` the other) with a legend of what is drawn only; the Axes."""
        from eachlabs_analytics import plots

        draw: dict[str, Callable[[Any], Any]] = {
            "cost_by_model": lambda ax: plots.plot_cost_by_model(data, ax=ax),
            "cost_over_time": lambda ax: plots.plot_cost_over_time(data, ax=ax, top=self.top),
            "latency": lambda ax: plots.plot_latency(data, ax=ax),
            "trends": lambda ax: plots.plot_latency_over_time(data, ax=ax),
            "error_rate": lambda ax: plots.plot_error_rate_over_time(data, ax=ax),
            "errors": lambda ax: plots.plot_error_breakdown(data, ax=ax),
            "month_to_date": lambda ax: plots.plot_month_to_date(
                self.undated(), ax=ax, as_of=self.anchor
            ),
        }
        ax = draw[name](ax)
        style.legend_of_what_is_drawn(ax)
        return ax

    def _draw_forecast(self, data: pd.DataFrame) -> None:
        """Spend per day with its forecast band to the month's end, and the anomalies of the
        selected days, as the report does: learned from the data every filter but the day
        range keeps, judged as of the selection's end (or the data's, when it ends first), so
        the figures agree with the Month to date tab's projection."""
        from eachlabs_analytics import watch
        from eachlabs_analytics.watch._frame import resolve_as_of

        source = self.undated()
        as_of = min(resolve_as_of(data, None, "explore"), resolve_as_of(source, None, "explore"))
        found = watch.detect_anomalies(source, metric="spend", by="model")
        window = data.attrs.get("window") or {}
        first = pd.Timestamp(window["start"]) if window.get("start") else None
        shown = found["period"] + pd.Timedelta(days=1) <= as_of
        if first is not None:
            shown &= found["period"] >= first
        self.tables["anomalies"] = anomalies = found.loc[shown].reset_index(drop=True)
        anomalies.attrs = found.attrs
        self.pane_tables["forecast"].value = panes.anomalies_html(anomalies)
        forecast = watch.forecast_spend(source, as_of=as_of)
        self.tables["forecast"] = forecast
        if self.charts:
            from eachlabs_analytics import plots
            from eachlabs_analytics.plots.parts import png

            as_of = forecast.attrs.get("as_of")

            def draw(ax: Any) -> None:
                plots.plot_spend_forecast(forecast, ax, as_of=as_of)
                style.legend_of_what_is_drawn(ax)

            self._show_image("forecast", png(draw, _FIGSIZE, _DPI))

    def _render_month_to_date(self) -> None:
        from eachlabs_analytics import metrics

        now, then = month_to_date(self.anchor)
        data = self.undated()
        with warnings.catch_warnings():  # an empty month is said in the pane, not warned
            warnings.simplefilter("ignore", DataQualityWarning)
            overall = metrics.compare_periods(data, current=now, previous=then, by=None)
            per_model = metrics.compare_periods(data, current=now, previous=then)
        self.tables["month_to_date"] = per_model
        self._month_rows = int(per_model[["executions_current", "executions_previous"]].sum().sum())
        # an empty selection is said once, above the tabs; an empty month only when it is news
        selection_empty = self.summary is not None and self.summary.executions == 0
        self.pane_tables["month_to_date"].value = panes.month_to_date_html(
            overall, per_model, now, then, say_empty=not selection_empty
        )

    def _render_month_end(self) -> None:
        """Spent so far this month and the projected month end (``month_end_projection``) of
        the data every filter but the day range keeps, as of the data's end."""
        from eachlabs_analytics import watch

        self.month_end.value = ""
        self.projection = None
        if self._month_rows == 0:
            return  # nothing this month or last: the pane says so once
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataQualityWarning)
                projection = watch.month_end_projection(
                    self.undated(), as_of=self.anchor if self._anchor_given else None
                )
        except InvalidQueryError as exc:
            self.month_end.value = (
                "<p class='ea-note'>No month-end projection for this selection: "
                f"{html.escape(panes.first_sentence(str(exc)))}</p>"
            )
            return
        self.projection = projection
        self.tables["month_end"] = projection.to_frame()
        self.month_end.value = panes.month_end_html(projection)

    def _show_image(self, name: str, png: bytes) -> None:
        """Set a chart, hiding the image while there is none (no broken-image icon)."""
        image = self.pane_images[name]
        image.value = png
        image.layout.display = None if png else "none"

    def _render_headline(self, summary: Any) -> None:
        self.summary = summary
        for attribute, measure, _label, show in CARDS:
            getattr(self, attribute).value = show(getattr(summary, measure))

    def previous_period(self) -> Filters | None:
        """The selection the cards compare with: the same filters over the same number of
        days just before the selected ones (the data's window stands for a day range not
        set); None without data.

        >>> import eachlabs_analytics as ea
        >>> df = ea.generate_executions(executions=500, seed=1, end="2026-06-11T00:00:00Z")
        >>> explorer = ea.explore(df, charts=False, filters={"start": "2026-06-04"})
        >>> before = explorer.previous_period()
        >>> str(before.start), str(before.end)
        ('2026-05-28', '2026-06-03')
        """
        if self._days is None:
            return None
        first = self._filters.start or self._days[0]
        last = self._filters.end or max(self._days[1], first)
        days = (last - first).days + 1
        if days < 1:  # only an end, before the data starts: no days selected at all
            return None
        return self._filters.replace(
            start=first - dt.timedelta(days=days), end=first - dt.timedelta(days=1)
        )

    def _render_changes(self) -> None:
        """Each card's change against the days just before (``previous_period``)."""
        from eachlabs_analytics import metrics

        before = self.previous_period()
        self.compare_note.value = ""
        if before is None or self.summary is None or self.summary.executions == 0:
            return  # nothing shown, nothing to compare (an empty selection is said once)
        assert before.start is not None and before.end is not None
        days = (before.end - before.start).days + 1
        period = (
            f"the {plural(days, 'day')} before, {before.start.isoformat()} to "
            f"{before.end.isoformat()}"
        )
        # days wholly before the data's window hold nothing: no need to ask (an engine)
        known_empty = self._days is not None and before.end < self._days[0]
        previous = None if known_empty else metrics.summary(self._select(before))
        if previous is None or previous.executions == 0:
            self.compare_note.value = html.escape(f"No executions in {period} to compare with.")
            return
        self.previous = previous
        self.compare_note.value = html.escape(f"Changes are against {period} (same filters).")
        for _attribute, measure, _label, _show in CARDS:
            current, was = getattr(self.summary, measure), getattr(previous, measure)
            _, kind, better = KPI[measure]
            self.changes[measure].value = style.change_html(
                change_of(current, was, kind, better, period)
            )

    def _render_table(self, name: str, compute: Callable[[], pd.DataFrame]) -> None:
        table = compute()
        self.tables[name] = table
        self.pane_tables[name].value = panes.table_html(name, table)

    def _show_messages(self) -> None:
        """Failures, in the pane they belong to (an empty selection is said once, above)."""
        for name, message in self.pane_messages.items():
            failures = [f"{step}: {error}" for step, error in self.errors.items() if name in step]
            if failures:
                text = "; ".join(failures)
                message.value = f"<p class='ea-pane-error'>Could not render {html.escape(text)}</p>"
            else:
                message.value = ""

    def _guard(self, step: str, run: Callable[[], object]) -> None:
        """Run one pane's step; a failure is shown in that pane and kept in ``errors``."""
        try:
            run()
        except Exception as exc:  # noqa: BLE001 - shown to the user, kept in self.errors
            self.errors[step] = f"{type(exc).__name__}: {exc}"

    # --- a static copy -------------------------------------------------------------------
    def snapshot(self) -> Any:
        """The current view as static HTML: the headline cards with their changes, then the
        open tab's chart (an inline PNG) and table. For pages where widgets do not run (a
        notebook rendered by nbconvert or on GitHub): display it as a cell's output.

        It holds only what the Explorer shows (no API key, no environment); every value
        from the data is escaped. Returns an ``IPython.display.HTML`` (``.data`` is the text).

        >>> import eachlabs_analytics as ea
        >>> df = ea.generate_executions(executions=1_000, seed=2, end="2026-10-31T00:00:00Z")
        >>> snap = ea.explore(df, charts=False, filters={"models": ["veo-3"]}).snapshot()
        >>> spend = ea.summary(df[df["model"] == "veo-3"]).spend
        >>> from eachlabs_analytics._util.formats import fmt_money
        >>> f">{fmt_money(spend)}<" in snap.data, "Spend" in snap.data
        (True, True)
        """
        from IPython.display import HTML

        self._flush()
        name = (self._visible() or tuple(PANES))[0]
        if name in self._stale:
            self._render_pane(name)
            self._show_messages()
        cards = "".join(
            style.card_html(label, getattr(self, attribute).value, self.changes[measure].value)
            for attribute, measure, label, _show in CARDS
        )
        image = bytes(self.pane_images[name].value)
        chart = (
            f"<img alt='{html.escape(PANES[name])} chart' style='max-width:100%' "
            f"src='data:image/png;base64,{base64.b64encode(image).decode('ascii')}'>"
            if image
            else ""
        )
        body = self.pane_tables[name].value
        if name == "month_to_date":  # as in the tab: the projection above the chart
            chart = self.month_end.value + chart
        empty = (
            f"<p class='ea-empty'>{html.escape(EMPTY_MESSAGE)}</p>"
            if self.empty_message.layout.display is None
            else ""
        )
        title = f"<h2 class='ea-title'>{html.escape(self.title)}</h2>" if self.title else ""
        page = (
            f"<div class='ea-explorer ea-snapshot'>{style.style_tag()}{title}"
            f"<p class='ea-status'>{self.status_line.value}</p>"
            f"<div class='ea-cards'>{cards}</div><p class='ea-note'>{self.compare_note.value}</p>"
            f"{empty}<h3>{html.escape(PANES[name])}</h3>"
            f"{''.join(m.value for m in (self.pane_messages[name],))}{chart}{body}</div>"
        )
        return HTML(page)


# --- formatting and small widget helpers ---------------------------------------------------
class _Tables(dict):  # type: ignore[type-arg]
    """The Explorer's tables: a tab not rendered since the last change renders when read
    (``in`` says what is computed already, without computing)."""

    def __init__(self, explorer: Explorer) -> None:
        super().__init__()
        self._explorer = explorer

    def _fresh(self, key: object) -> None:
        self._explorer._flush()
        pane = {"anomalies": "forecast", "month_end": "month_to_date"}.get(str(key), key)
        if pane in self._explorer._stale:
            self._explorer._render_pane(str(pane))
            self._explorer._show_messages()

    def __getitem__(self, key: str) -> pd.DataFrame:
        self._fresh(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._fresh(key)
        return super().get(key, default)


def _lazy_spend(selection: Any, column: str) -> pd.Series:
    """Spend per value of ``column`` over a selection (one grouped query), biggest first,
    ties by name, missing values included (as NA); ``attrs["rows"]`` counts every row."""
    from eachlabs_analytics import metrics

    table = metrics.cost_by_model(selection, by=column)
    spend = table["total_cost"]
    order = sorted(spend.items(), key=lambda item: (-item[1], str(item[0])))
    out = pd.Series(dict(order), dtype="float64")
    out.attrs = table.attrs
    return out


def _day(text: str, name: str) -> dt.date | None:
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


def _describe(filters: Filters) -> str:
    parts = []
    if filters.start or filters.end:
        parts.append(f"{filters.start or '…'} to {filters.end or '…'} (UTC)")
    for name in ("models", "status_groups", "error_classes", "workflows"):
        values = getattr(filters, name)
        if values:
            parts.append(f"{name.replace('_', ' ')}: {', '.join(values)}")
    return "; ".join(parts) if parts else "no filters"


def _check_known(values: tuple[str, ...], known: list[str], what: str) -> None:
    for value in values:
        if value not in known:
            sample = ", ".join(known[:10]) + (
                f" … ({len(known)} in all)" if len(known) > 10 else ""
            )
            raise InvalidQueryError(
                f"unknown {what} {value!r}; {what}s in this data: {sample or 'none'}"
            )


def _wide() -> widgets.Layout:
    return widgets.Layout(width="240px")


def _card_value(css_class: str) -> widgets.HTML:
    value = widgets.HTML("–")
    value.add_class("ea-card-value")
    value.add_class(css_class)
    return value


def _day_hint() -> str:
    return f"<span class='ea-hint'>{html.escape(DAY_HINT)}</span>"


def _data_days(df: Any) -> tuple[dt.date, dt.date] | None:
    """The first and last UTC day of the data's window (``attrs["window"]``, else its rows)."""
    from eachlabs_analytics.metrics.periods import window_of

    window, _ = window_of(df)
    if window is None:
        return None
    return window[0].date(), (window[1] - ONE_US).date()
