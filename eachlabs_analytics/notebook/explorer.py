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
Given a balance, list prices or workflow names (``explore(df, balance=..., prices=...,
names=...)``), a Balance card shows the runway, the By model tab the price check, and
workflows read ``name (wf_...)`` (:mod:`.account`).

Panes are plain widget state (HTML tables and PNG images, no ``Output`` capture), so the
Explorer behaves the same in JupyterLab, Notebook 7 and Voilà, and is testable without a kernel.
This module is the wiring: the data, the selection and the figures are its state's
(:mod:`.state`, no widgets), the widgets are built by :mod:`.controls`, each tab is rendered by
:mod:`.panes`; here the controls are connected to the state. Re-rendering is debounced while a
kernel's event loop runs (a busy indicator shows meanwhile) and immediate otherwise.
``snapshot()`` is the current view as static HTML, for pages where widgets do not run
(nbconvert, GitHub).

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
import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from eachlabs_analytics._util.formats import fmt_window
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.frame_partials import unwrapped
from eachlabs_analytics.notebook import account, drilldown, panes, style
from eachlabs_analytics.notebook.controls import EMPTY_MESSAGE, Controls, day_hint, read_day
from eachlabs_analytics.notebook.filters import Filters, quick_range
from eachlabs_analytics.notebook.panes import PaneTables
from eachlabs_analytics.notebook.state import (
    CARDS,
    PANES,
    SECOND_TABLES,
    ExplorerState,
    describe,
)

__all__ = ["EMPTY_MESSAGE", "PANES", "Explorer", "Filters", "explore"]


def explore(df: pd.DataFrame, **options: Any) -> Explorer:
    """An :class:`Explorer` over ``df`` (display it as a cell's last expression).

    >>> from eachlabs_analytics import schema
    >>> explorer = explore(schema.empty_frame())
    >>> explorer.filters, len(explorer.filtered)
    (Filters(start=None, end=None, models=(), status_groups=(), error_classes=(), workflows=()), 0)
    """
    return Explorer(df, **options)


class _OfState:
    """An attribute of the Explorer that its state keeps (read and set there)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, explorer: Explorer | None, owner: type | None = None) -> Any:
        return self if explorer is None else getattr(explorer._state, self.name)

    def __set__(self, explorer: Explorer, value: Any) -> None:
        setattr(explorer._state, self.name, value)


class Explorer(Controls):
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
        balance: the pre-paid balance in USD, or what ``ea.balance()`` returns: a Balance
            card shows it with its runway (never read from the API here).
        prices: list prices (``ea.model_prices()``): the By model tab adds the price check.
        names: ``{workflow_id: name}`` (``ea.workflow_names()``): workflows read
            ``name (wf_...)`` in the filter, the status line and the executions.
            Given a store, prices and names default to what its last sync kept.

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

    #: The data explored (a frame with model and workflow as categoricals, or a store's scan).
    df = _OfState()
    #: True when the Explorer re-queries an engine (a store scan) instead of a frame.
    lazy = _OfState()
    #: The moment quick ranges count back from.
    anchor = _OfState()
    #: How many models the cost-over-time table and chart name before "other".
    top = _OfState()
    #: The models, biggest spend first, and the workflows, as the filter lists show them.
    models = _OfState()
    workflows = _OfState()
    #: What each tab shows, as the helpers return it; a tab not drawn yet is computed when
    #: its table is looked up (``explorer.tables["latency"]``), as when its tab opens.
    tables = _OfState()
    #: The headline of the selection, and of the days just before the selected ones (what
    #: the cards compare with), or None when there is nothing to compare.
    summary = _OfState()
    previous = _OfState()
    #: The month-end projection of the month-to-date tab (``month_end_projection``), or
    #: None until that tab renders or when there is too little data.
    projection = _OfState()
    #: What failed in the last render: step -> error.
    errors = _OfState()
    #: The balance in USD (None: not given), the list prices (None: none) and the workflow
    #: names (``{}``: none) the Explorer shows.
    balance = _OfState()
    prices = _OfState()
    names = _OfState()
    #: The balance's runway (``runway_from`` on the data every filter but the day range
    #: keeps, as of the month-end projection's instant), or None without a balance.
    runway = _OfState()

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
        balance: object = None,
        prices: pd.DataFrame | None = None,
        names: Mapping[str, str] | None = None,
    ) -> None:
        self._state = ExplorerState(
            df, anchor=anchor, top=top, balance=balance, prices=prices, names=names
        )
        self._state.tables = PaneTables(self._render_if_stale)
        self.debounce = float(debounce)
        self.charts = bool(charts)
        self._syncing = False
        self._quick: str | None = None  # the quick range clicked last
        self._pending: asyncio.TimerHandle | None = None
        state = self._state
        super().__init__(
            state.models,
            state.model_spend,
            state.workflows,
            title,
            names=state.names,
            balance_known=state.balance is not None,
        )
        self._connect()
        self._set_filters(filters)  # the controls show it
        self._render(panes=self._visible())

    # --- public --------------------------------------------------------------------------
    @property
    def filters(self) -> Filters:
        """The current selection."""
        return self._state.filters

    @filters.setter
    def filters(self, value: Filters | Mapping[str, Any] | None) -> None:
        self._set_filters(value)
        self._schedule()

    @property
    def filtered(self) -> Any:
        """The rows the current selection keeps (a new frame; ``attrs["filters"]`` says which).

        Over a store scan, a narrower lazy selection (``.to_pandas()`` for its rows)."""
        return self._state.filtered

    def undated(self) -> Any:
        """The rows every filter but the day range keeps (what the month-to-date view uses)."""
        return unwrapped(self._state.undated())

    def previous_period(self) -> Filters | None:
        """The selection the cards compare with: the same filters over the same number of
        days just before the selected ones (the data's window stands for a day range not
        set); None without data (:meth:`.state.ExplorerState.previous_period`)."""
        return self._state.previous_period()

    def drilled(self) -> pd.DataFrame:
        """The executions of the current filters that the search keeps, in the chosen order
        (over a store scan, fetched from the engine: every matching row)."""
        return self._state.drilled(self.drill_search.value, self.drill_sort.value)

    def selection_csv(self) -> str:
        """The executions tab's selection (filters and search) as CSV text, every row."""
        return drilldown.selection_csv(self.drilled())

    def reset(self) -> None:
        """Clear every filter."""
        self.filters = None

    def refresh(self) -> None:
        """Re-render every pane now, charts included (the UI renders hidden tabs lazily)."""
        self._cancel_pending()
        self._render(panes=tuple(PANES))

    def apply_quick_range(self, name: str) -> None:
        """Set the day range to a quick range (see ``QUICK_RANGES``) ending on the anchor's day.

        >>> from eachlabs_analytics import schema
        >>> explorer = Explorer(schema.empty_frame(), anchor="2026-06-10T08:00:00Z")
        >>> explorer.apply_quick_range("last_7_days")
        >>> explorer.filters.start, explorer.filters.end
        (datetime.date(2026, 6, 4), datetime.date(2026, 6, 10))
        """
        start, end = quick_range(name, self._state.anchor)
        self._quick = name  # highlighted, even when another range has the same days
        self.filters = {"start": start, "end": end}

    def _flush(self) -> None:
        """Render now if a debounced render is waiting (so what code reads is current)."""
        if self._pending is not None:
            self._cancel_pending()
            self._render(panes=self._visible())

    def __repr__(self) -> str:
        self._flush()
        shown = self.summary.executions if self.summary is not None else 0
        rows = self._state.rows
        return f"Explorer({shown:,} of {rows:,} executions; {describe(self.filters, self.names)})"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # --- controls -> state ---------------------------------------------------------------
    def _connect(self) -> None:
        """What each control does: the filters re-render, an opened tab renders if it is
        stale, the executions tab turns pages and offers its download."""
        for name, button in self.quick_buttons.items():
            button.on_click(lambda _b, name=name: self.apply_quick_range(name))
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
        self.tabs.observe(lambda _c: self._render_stale(), names="selected_index")
        self.drill_search.observe(lambda _c: self._turn_page(None), names="value")
        self.drill_sort.observe(lambda _c: self._turn_page(None), names="value")
        self.drill_previous.on_click(lambda _b: self._turn_page(self._state.page - 1))
        self.drill_next.on_click(lambda _b: self._turn_page(self._state.page + 1))
        self.drill_download.on_click(lambda _b: self._offer_download())

    def _set_filters(self, value: Filters | Mapping[str, Any] | None) -> None:
        self._state.filters = value  # a model or workflow the data does not hold is refused
        filters = self._state.filters
        self._syncing = True
        try:
            self.start.value = filters.start.isoformat() if filters.start else ""
            self.end.value = filters.end.isoformat() if filters.end else ""
            self.day_message.value = day_hint()
            self.model_select.value = filters.models
            self.status_select.value = filters.status_groups
            self.error_select.value = filters.error_classes
            self.workflow_select.value = filters.workflows
        finally:
            self._syncing = False
        # the range in force, highlighted: the one clicked last, else the first with its days
        days = (filters.start, filters.end)
        anchor = self._state.anchor
        matching = [n for n in self.quick_buttons if quick_range(n, anchor) == days]
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
            (self.start, "From", self._state.filters.start),
            (self.end, "To", self._state.filters.end),
        ):
            try:
                days.append(read_day(field.value, name))
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

    def _turn_page(self, page: int | None) -> None:
        self._state.page = 0 if page is None else max(0, page)
        self.drill_link.value = ""  # a download link is for the selection it was made for
        self._state.guard("executions table", lambda: panes.render_executions(self._state, self))
        panes.show_messages(self._state, self)

    def _offer_download(self) -> None:
        rows = self.drilled()
        if rows.empty:
            return
        payload = base64.b64encode(drilldown.selection_csv(rows).encode("utf-8")).decode("ascii")
        self.drill_link.value = (
            f"<a download='executions.csv' href='data:text/csv;charset=utf-8;base64,{payload}'>"
            f"Save executions.csv ({len(rows):,} executions)</a>"
        )

    def _render(self, panes: tuple[str, ...]) -> None:
        """Headline and tables always; charts of ``panes`` now, the others when their tab opens."""
        self._pending = None
        self._set_busy(True)
        try:
            self._render_now(panes)
        finally:
            self._set_busy(False)

    def _render_now(self, shown: tuple[str, ...]) -> None:
        from eachlabs_analytics import metrics

        state = self._state
        data = state.current
        state.forget()
        for card in self._cards:
            card.value = "–"  # a failed summary must not leave the previous numbers up
        for change in self.changes.values():
            change.value = ""
        state.guard("summary", lambda: self._render_headline(metrics.summary(data)))
        if state.summary is not None:
            state.guard("summary change", lambda: panes.render_changes(state, self))
        account.render_balance(state, self)
        window = state.df.attrs.get("window") or {}
        kept = state.summary.executions if state.summary is not None else 0
        self.status_line.value = html.escape(
            f"{kept:,} of {state.rows:,} executions · {describe(state.filters, state.names)} · "
            f"data: {fmt_window(window.get('start'), window.get('end'))}"
        )
        for step in ("summary", "summary change"):
            if step in state.errors:
                self.status_line.value += (
                    "<br><span class='ea-pane-error'>Could not compute the headline numbers: "
                    f"{html.escape(state.errors[step])}</span>"
                )
        self.empty_message.layout.display = (
            None if state.summary is not None and state.summary.executions == 0 else "none"
        )
        self.drill_link.value = ""
        self.drill_download.disabled = kept == 0  # the executions tab refines it with its search
        for name in PANES:
            if name in shown:
                panes.render(state, self, name, charts=self.charts)
            else:  # computed when its tab opens (or its table is read): never stale numbers
                panes.clear(self, name)
        panes.show_messages(state, self)

    def _render_stale(self) -> None:
        stale = [name for name in self._visible() if name in self._state.stale]
        if not stale:
            return
        self._set_busy(True)
        try:
            for name in stale:
                panes.render(self._state, self, name, charts=self.charts)
            panes.show_messages(self._state, self)
        finally:
            self._set_busy(False)

    def _render_if_stale(self, name: str) -> None:
        """Render the tab that computes table ``name`` if it is not drawn for the current
        selection (a render waiting for the debounce first): what ``tables`` asks for a
        table it does not hold."""
        self._flush()
        pane = SECOND_TABLES.get(name, name)
        if pane in self._state.stale:
            panes.render(self._state, self, pane, charts=self.charts)
            panes.show_messages(self._state, self)

    def _render_headline(self, summary: Any) -> None:
        self._state.summary = summary
        for attribute, measure, _label, show in CARDS:
            getattr(self, attribute).value = show(getattr(summary, measure))

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

        name = (self._visible() or tuple(PANES))[0]
        self._render_if_stale(name)  # a render waiting for the debounce first
        cards = "".join(
            style.card_html(label, getattr(self, attribute).value, self.changes[measure].value)
            for attribute, measure, label, _show in CARDS
        ) + account.balance_card_html(self)
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
        if name == "cost_by_model":  # and the price check below the table
            body += self.price_table.value
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
