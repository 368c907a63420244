"""The Explorer: filter an executions DataFrame with widgets and watch the numbers follow.

``explore(df)`` shows a filter bar (quick date ranges and a day range, models ordered by spend
with a search box, status groups, error classes, workflows) above panes that re-render when the
selection changes: headline numbers, cost by model, cost over time, month to date, latency
percentiles, latency and error rate over time, the error breakdown, forecast and alerts, and the
executions themselves. Every number comes from :mod:`eachlabs_analytics.metrics` and every
chart from :mod:`eachlabs_analytics.plots`, called on the filtered slice; nothing is
recomputed here.

Panes are plain widget state (HTML tables and PNG images, no ``Output`` capture), so the
Explorer behaves the same in JupyterLab, Notebook 7 and Voilà, and is testable without a kernel.
Re-rendering is debounced while a kernel's event loop runs and immediate otherwise.

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
from eachlabs_analytics._util.formats import (
    fmt_int,
    fmt_money,
    fmt_pct,
    fmt_points,
    fmt_seconds,
    fmt_signed_int,
    fmt_signed_money,
    fmt_signed_pct,
    fmt_signed_seconds,
    fmt_window,
)
from eachlabs_analytics._util.timestamps import require_ascii
from eachlabs_analytics._util.windows import month_to_date
from eachlabs_analytics.exceptions import DataQualityWarning, InvalidQueryError
from eachlabs_analytics.metrics.grouping import encode
from eachlabs_analytics.metrics.lazy import is_lazy
from eachlabs_analytics.notebook import drilldown
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

#: Tabs of the Explorer, in order: pane name -> tab title.
PANES: dict[str, str] = {
    "cost_by_model": "Cost by model",
    "cost_over_time": "Cost over time",
    "month_to_date": "Month to date",
    "latency": "Latency",
    "trends": "Trends",
    "errors": "Errors",
    "forecast": "Forecast & alerts",
    "executions": "Executions",
}
#: Panes that show a table and no chart.
_TABLE_ONLY = ("executions",)
#: Panes computed only when their tab opens (a forecast fits a model: about a second).
_ON_DEMAND = ("forecast",)
# Looks only: the numbers stay plain text in each widget's value, so tests read them as shown.
_CSS = (
    ".ea-card-value { font-size: 1.5em; font-weight: 600; } "
    ".ea-table td, .ea-table th { padding: 2px 8px; text-align: right; } "
    ".ea-pane-error { color: #b00020; } "
    # a picked option must be seen at a glance, not a faint grey
    ".ea-explorer select option:checked { background: #0072B2 linear-gradient(#0072B2, #0072B2);"
    " color: #fff; } "
    ".ea-hint { color: #5b6475; font-size: 0.9em; }"
)
#: How the multi-selects work, said under them (browsers do not say it).
SELECT_HINT = (
    "Click to pick one; Ctrl-click (⌘-click on a Mac) or Shift-click to pick several. "
    "Nothing picked in a list means all of it."
)
_PERCENTILE = re.compile(r"p[0-9]+(\.[0-9]+)?", re.ASCII)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
#: What the day fields accept, said when they get something else.
DAY_HINT = "Days are YYYY-MM-DD (UTC), both included; leave a field empty for no limit."
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
    a mapping to change some fields, or ``None`` to clear), ``tables`` the numbers each pane shows
    and ``refresh()`` renders every pane now.

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
        self.errors: dict[str, str] = {}
        self._filters = Filters()
        self._cache: tuple[Filters, pd.DataFrame] | None = None
        self._undated_cache: tuple[Filters, pd.DataFrame] | None = None
        self._selections: dict[Filters, Any] = {}
        self._month_rows = -1  # rows in the month-to-date view (-1: not computed yet)
        self._syncing = False
        self._pending: asyncio.TimerHandle | None = None
        self._stale: set[str] = set()
        self._build()
        if filters is not None:
            self._set_filters(Filters.coerce(filters, base=self._filters))
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
        self.day_message = widgets.HTML(f"<span class='ea-hint'>{html.escape(DAY_HINT)}</span>")
        self.day_message.add_class("ea-day-message")
        self.model_search = widgets.Text(
            placeholder="search models", continuous_update=True, layout=_wide()
        )
        self._model_labels = {m: f"{m}  ({fmt_money(self._model_spend[m])})" for m in self.models}
        self.model_select = _select(
            "models", [(self._model_labels[m], m) for m in self.models], rows=8
        )
        self.status_select = _select(
            "status-groups", [(g.replace("_", " "), g) for g in STATUS_GROUP_NAMES], rows=5
        )
        self.error_select = _select("error-classes", list(schema.ERROR_CLASSES), rows=8)
        self.workflow_select = _select("workflows", list(self.workflows), rows=8)
        self.select_hint = widgets.HTML(f"<span class='ea-hint'>{html.escape(SELECT_HINT)}</span>")
        self.reset_button = widgets.Button(description="Reset filters", icon="times")
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
        self.model_search.observe(lambda _c: self._show_model_options(), names="value")

        self.total_spend = _card_value("ea-total-spend")
        self.executions = _card_value("ea-executions")
        self.success_rate = _card_value("ea-success-rate")
        self.latency_p50 = _card_value("ea-latency-p50")
        self.latency_p95 = _card_value("ea-latency-p95")
        self.failed_cost = _card_value("ea-failed-cost")
        self._cards = (
            self.total_spend,
            self.executions,
            self.success_rate,
            self.latency_p50,
            self.latency_p95,
            self.failed_cost,
        )
        self.status_line = widgets.HTML()
        self.status_line.add_class("ea-status")
        cards = widgets.HBox(
            [
                _card("Spend", self.total_spend),
                _card("Executions", self.executions),
                _card("Success rate", self.success_rate),
                _card("p50 end to end", self.latency_p50),
                _card("p95 end to end", self.latency_p95),
                _card("Spent on failures", self.failed_cost),
            ],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
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
        self._build_drilldown()
        self.tabs = widgets.Tab(
            children=[
                widgets.VBox(
                    [self.pane_messages[name], self.pane_images[name], self.pane_tables[name]]
                    if name != "executions"
                    else [
                        self.pane_messages[name],
                        self.drill_controls,
                        self.pane_tables[name],
                        self.drill_link,
                    ]
                )
                for name in PANES
            ],
            titles=list(PANES.values()),
        )
        self.tabs.observe(lambda _c: self._render_stale(), names="selected_index")
        filter_bar = widgets.VBox(
            [
                widgets.HBox(
                    [*self.quick_buttons.values(), self.reset_button],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                widgets.HBox(
                    [self.start, self.end, self.day_message],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.select_hint,
                widgets.HBox(
                    [
                        _column("Models (by spend)", self.model_search, self.model_select),
                        _column("Status", self.status_select),
                        _column("Error class", self.error_select),
                        _column("Workflow", self.workflow_select),
                    ],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
            ]
        )
        style = widgets.HTML(f"<style>{_CSS}</style>", layout=widgets.Layout(display="none"))
        parts = [style, filter_bar, cards, self.status_line, self.tabs]
        if self.title:
            parts.insert(1, widgets.HTML(f"<h2 class='ea-title'>{html.escape(self.title)}</h2>"))
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
            self.day_message.value = f"<span class='ea-hint'>{html.escape(DAY_HINT)}</span>"
            self._show_model_options()
            self.status_select.value = filters.status_groups
            self.error_select.value = filters.error_classes
            self.workflow_select.value = filters.workflows
        finally:
            self._syncing = False

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

    def _show_model_options(self) -> None:
        """Show the models matching the search, plus every selected one (options reset values)."""
        query = self.model_search.value.strip().lower()
        selected = self._filters.models
        shown = [m for m in self.models if query in m.lower() or m in selected]
        was_syncing, self._syncing = self._syncing, True
        try:
            self.model_select.options = [(self._model_labels[m], m) for m in shown]
            self.model_select.value = tuple(m for m in shown if m in selected)
        finally:
            self._syncing = was_syncing

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
        self._pending = loop.call_later(self.debounce, self._render, self._visible())

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
        self.pane_tables["executions"].value = drilldown.page_html(shown)
        self.drill_pages.value = html.escape(
            f" page {self._drill_page + 1:,} of {pages:,} · {total:,} executions "
        )

    def _offer_download(self) -> None:
        rows = self.drilled()
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
        from eachlabs_analytics import metrics

        data = self.filtered
        self.errors = {}
        self.summary = None
        for card in self._cards:
            card.value = "–"  # a failed summary must not leave the previous numbers up
        self._guard("summary", lambda: self._render_headline(metrics.summary(data)))
        window = self.df.attrs.get("window") or {}
        kept = self.summary.executions if self.summary is not None else 0
        self.status_line.value = html.escape(
            f"{kept:,} of {self._rows:,} executions · {_describe(self._filters)} · "
            f"data: {fmt_window(window.get('start'), window.get('end'))}"
        )
        if "summary" in self.errors:
            self.status_line.value += (
                "<br><span class='ea-pane-error'>Could not compute the headline numbers: "
                f"{html.escape(self.errors['summary'])}</span>"
            )
        self._drill_page = 0
        self.drill_link.value = ""
        self._stale = set(PANES)
        self.tables.clear()
        for name in PANES:
            if name in panes:
                self._render_pane(name)
            else:  # computed when its tab opens (or its table is read): never stale numbers
                self.pane_tables[name].value = ""
                self._show_image(name, b"")
        self._show_messages()

    def _render_stale(self) -> None:
        for name in self._visible():
            if name in self._stale:
                self._render_pane(name)
        self._show_messages()

    def _render_pane(self, name: str) -> None:
        """One tab: its table (the helper's result, as HTML for people), then its chart."""
        from eachlabs_analytics import metrics

        self._stale.discard(name)
        for step in (f"{name} table", f"{name} chart"):
            self.errors.pop(step, None)
        data = self.filtered
        tables: dict[str, Callable[[], pd.DataFrame]] = {
            "cost_by_model": lambda: metrics.cost_by_model(data),
            "cost_over_time": lambda: metrics.cost_over_time(data, freq="D", top=self.top),
            "latency": lambda: metrics.latency_percentiles(data),
            "trends": lambda: _trends(data),
            "errors": lambda: metrics.error_breakdown(data),
        }
        if name in tables:
            self._guard(f"{name} table", functools.partial(self._render_table, name, tables[name]))
        elif name == "month_to_date":
            self._guard("month_to_date table", self._render_month_to_date)
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
        from eachlabs_analytics import plots
        from eachlabs_analytics.plots.parts import png

        draw: dict[str, Callable[[Any], Any]] = {
            "cost_by_model": lambda ax: plots.plot_cost_by_model(data, ax=ax),
            "cost_over_time": lambda ax: plots.plot_cost_over_time(data, ax=ax, top=self.top),
            "latency": lambda ax: plots.plot_latency(data, ax=ax),
            "errors": lambda ax: plots.plot_error_breakdown(data, ax=ax),
            "month_to_date": lambda ax: plots.plot_month_to_date(
                self.undated(), ax=ax, as_of=self.anchor
            ),
        }
        if name == "trends":
            image = png(
                lambda ax: plots.plot_latency_over_time(data, ax=ax),
                _FIGSIZE,
                _DPI,
                then=lambda ax: plots.plot_error_rate_over_time(data, ax=ax),
            )
        else:
            image = png(draw[name], _FIGSIZE, _DPI)
        self._show_image(name, image)

    def _draw_forecast(self, data: pd.DataFrame) -> None:
        """Spend per day with its forecast band to the month's end, and recent anomalies."""
        from eachlabs_analytics import watch

        self.tables["anomalies"] = anomalies = watch.detect_anomalies(
            data, metric="spend", by="model"
        )
        self.pane_tables["forecast"].value = _anomalies_html(anomalies)
        forecast = watch.forecast_spend(data)
        self.tables["forecast"] = forecast
        if self.charts:
            from eachlabs_analytics import plots
            from eachlabs_analytics.plots.parts import png

            as_of = forecast.attrs.get("as_of")
            self._show_image(
                "forecast",
                png(
                    lambda ax: plots.plot_spend_forecast(forecast, ax, as_of=as_of), _FIGSIZE, _DPI
                ),
            )

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
        self.pane_tables["month_to_date"].value = _month_to_date_html(overall, per_model, now, then)

    def _show_image(self, name: str, png: bytes) -> None:
        """Set a chart, hiding the image while there is none (no broken-image icon)."""
        image = self.pane_images[name]
        image.value = png
        image.layout.display = None if png else "none"

    def _render_headline(self, summary: Any) -> None:
        self.summary = summary
        self.total_spend.value = fmt_money(summary.spend)
        self.executions.value = f"{summary.executions:,}"
        self.success_rate.value = fmt_pct(summary.success_rate)
        self.latency_p50.value = fmt_seconds(summary.p50_seconds)
        self.latency_p95.value = fmt_seconds(summary.p95_seconds)
        self.failed_cost.value = fmt_money(summary.failed_cost)

    def _render_table(self, name: str, compute: Callable[[], pd.DataFrame]) -> None:
        table = compute()
        self.tables[name] = table
        self.pane_tables[name].value = _table_html(name, table)

    def _show_messages(self) -> None:
        for name, message in self.pane_messages.items():
            empty = self._empty(name)
            failures = [f"{step}: {error}" for step, error in self.errors.items() if name in step]
            if failures:
                text = "; ".join(failures)
                message.value = f"<p class='ea-pane-error'>Could not render {html.escape(text)}</p>"
            else:
                message.value = (
                    "<p><em>No executions match these filters.</em></p>" if empty else ""
                )

    def _guard(self, step: str, run: Callable[[], object]) -> None:
        """Run one pane's step; a failure is shown in that pane and kept in ``errors``."""
        try:
            run()
        except Exception as exc:  # noqa: BLE001 - shown to the user, kept in self.errors
            self.errors[step] = f"{type(exc).__name__}: {exc}"


# --- formatting and small widget helpers ---------------------------------------------------
class _Tables(dict):  # type: ignore[type-arg]
    """The Explorer's tables: a tab not rendered since the last change renders when read
    (``in`` says what is computed already, without computing)."""

    def __init__(self, explorer: Explorer) -> None:
        super().__init__()
        self._explorer = explorer

    def _fresh(self, key: object) -> None:
        self._explorer._flush()
        pane = "forecast" if key == "anomalies" else key
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


def _trends(data: pd.DataFrame) -> pd.DataFrame:
    """Per UTC day: latency p50/p95 (end to end) and the error rate, side by side."""
    from eachlabs_analytics import metrics

    latency = metrics.latency_over_time(data, freq="D")
    errors = metrics.error_rate_over_time(data, freq="D")
    out = pd.concat([latency[["p50", "p95"]], errors], axis=1)
    out.attrs = errors.attrs
    return out


def _month_to_date_html(
    overall: pd.DataFrame,
    per_model: pd.DataFrame,
    now: tuple[pd.Timestamp, pd.Timestamp],
    then: tuple[pd.Timestamp, pd.Timestamp],
) -> str:
    """This month so far against the same point of last month: totals, then spend per model."""
    heading = (
        f"<p><b>Month to date</b>: {html.escape(fmt_window(*now))} against the same point of "
        f"last month, {html.escape(fmt_window(*then))}. Every filter but the day range "
        "applies.</p>"
    )
    if overall.empty:
        return heading + "<p><em>No executions in either month so far.</em></p>"
    row = overall.iloc[0]
    measures = (
        ("spend", fmt_money, fmt_signed_money),
        ("executions", fmt_int, fmt_signed_int),
        ("error_rate", fmt_pct, fmt_points),
        ("latency_p95", fmt_seconds, fmt_signed_seconds),
    )
    labels = {"error_rate": "error rate", "latency_p95": "p95 end to end"}
    body = "".join(
        "<tr>"
        f"<th>{labels.get(m, m)}</th><td>{html.escape(show(row[f'{m}_previous']))}</td>"
        f"<td>{html.escape(show(row[f'{m}_current']))}</td>"
        f"<td>{html.escape(signed(row[f'{m}_change']))}</td>"
        f"<td>{html.escape(fmt_signed_pct(row[f'{m}_rel_change']))}</td></tr>"
        for m, show, signed in measures
    )
    totals = (
        "<table class='ea-table ea-month-to-date'><thead><tr><th></th>"
        "<th>last month, same point</th><th>this month</th><th>change</th>"
        f"<th>relative</th></tr></thead><tbody>{body}</tbody></table>"
    )
    spend = per_model[["spend_previous", "spend_current", "spend_change"]].head(15)
    spend = spend.rename(
        columns={
            "spend_previous": "last month, same point",
            "spend_current": "this month",
            "spend_change": "change",
        }
    )
    models = spend.to_html(
        classes="ea-table",
        formatters={
            "last month, same point": fmt_money,
            "this month": fmt_money,
            "change": fmt_signed_money,
        },
        border=0,
        na_rep="–",
        index_names=False,
    )
    return heading + totals + "<h4>Spend by model</h4>" + models


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
        layout=widgets.Layout(width="220px"),
    )
    field.add_class(css_class)
    return field


def _table_html(name: str, table: pd.DataFrame) -> str:
    """A pane's table as HTML: money in dollars, rates in percent, durations in seconds."""
    if table.empty:
        return ""
    if name in ("cost_over_time", "trends"):  # newest day first; a month fits on a screen
        table = table.iloc[::-1].head(31)
        table.index = table.index.strftime("%Y-%m-%d")
    if name == "cost_over_time":
        formatters: dict[Any, Callable[[Any], str]] = dict.fromkeys(table.columns, fmt_money)
    else:
        kinds = {
            "total_cost": fmt_money,
            "mean_cost": fmt_money,
            "failed_cost": fmt_money,
            "cost_per_success": fmt_money,
            "share": fmt_pct,
            "error_rate": fmt_pct,
            "mean": fmt_seconds,
        }
        formatters = {
            c: kinds.get(
                str(c),
                fmt_seconds
                if _PERCENTILE.fullmatch(str(c))
                else fmt_int
                if pd.api.types.is_integer_dtype(table[c])
                else str,
            )
            for c in table.columns
        }
    # headers for people, like the report's: "spend", "share of spend", "p95", ...
    shown = table.rename(columns=lambda c: _LABELS.get(str(c), str(c).replace("_", " ")))
    formatters = {_LABELS.get(str(c), str(c).replace("_", " ")): f for c, f in formatters.items()}
    return shown.to_html(
        classes="ea-table", formatters=formatters, border=0, na_rep="–", index_names=False
    )


#: Column headers for people (the report's words).
_LABELS = {
    "total_cost": "spend",
    "mean_cost": "mean cost",
    "share": "share of spend",
    "failed_cost": "spent on failures",
    "cost_per_success": "cost per success",
    "low_count": "few rows",
    "error_rate": "error rate",
}


def _anomalies_html(anomalies: pd.DataFrame) -> str:
    """The flagged days for people: day, group, actual against its expected range, why."""
    if anomalies.empty:
        return "<p>No unusual daily spend in this selection.</p>"
    rows = []
    for _, row in anomalies.sort_values("period", ascending=False).head(20).iterrows():
        drivers = row.get("drivers") or []
        why = ", ".join(
            f"{d.get('group')} ({fmt_pct(d.get('share'))})" for d in drivers[:2] if d.get("group")
        )
        cells = [
            str(pd.Timestamp(row["period"]).date()),
            str(row["group"]),
            fmt_money(row["actual"]),
            f"{fmt_money(row['lower'])} to {fmt_money(row['upper'])}",
            str(row["direction"]),
            why,
        ]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{t}</th>" for t in ("day", "group", "spend", "expected", "direction", "drivers")
    )
    return (
        "<h4>Unusual daily spend</h4><table class='ea-table ea-anomalies'>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


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


def _select(name: str, options: list[Any], rows: int) -> widgets.SelectMultiple:
    select = widgets.SelectMultiple(options=options, rows=rows, layout=_wide())
    select.add_class(f"ea-filter-{name}")
    return select


def _wide() -> widgets.Layout:
    return widgets.Layout(width="240px")


def _column(title: str, *children: widgets.Widget) -> widgets.VBox:
    return widgets.VBox([widgets.HTML(f"<b>{html.escape(title)}</b>"), *children])


def _card_value(css_class: str) -> widgets.HTML:
    value = widgets.HTML("–")
    value.add_class("ea-card-value")
    value.add_class(css_class)
    return value


def _card(title: str, value: widgets.HTML) -> widgets.VBox:
    return widgets.VBox(
        [widgets.HTML(f"<small>{html.escape(title)}</small>"), value],
        layout=widgets.Layout(margin="0 24px 8px 0"),
    )
