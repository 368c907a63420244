"""Each tab of the Explorer rendered from its state: tables as HTML for people, charts as PNG.

:func:`render` computes one tab's figures with the state (:mod:`.state`) and shows them in the
tab's widgets (:mod:`.controls`): its table, then its chart (the forecast tab: its unusual days,
then the forecast), a failed step kept in ``state.errors`` and said in the tab
(:func:`show_messages`); :func:`render_changes` writes how each headline card changed. The
By model tab shows the price check below its table when list prices are known
(:mod:`.account`). :class:`PaneTables` keeps what each tab shows and renders a tab whose
table is looked up before it was drawn. Every figure comes from a helper the state called; the
functions below only write it down, in the report's look (:mod:`.style`), every value from the
data escaped.

>>> first_sentence("forecast_spend: 3 whole days of spend; pass as_of= or more data")
'3 whole days of spend.'
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from eachlabs_analytics._util.changes import KPI, change_of
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
    fmt_time,
    fmt_window,
    plural,
)
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.notebook import account, drilldown, style
from eachlabs_analytics.notebook.state import CARDS, HELPER_TABLES, ON_DEMAND, TABLE_ONLY

if TYPE_CHECKING:
    from eachlabs_analytics.notebook.controls import Controls
    from eachlabs_analytics.notebook.state import ExplorerState

_FIGSIZE = (9.0, 4.0)
_DPI = 100


class PaneTables(dict[str, pd.DataFrame]):
    """What each tab shows, by name, as the helpers return it (``anomalies``, ``month_end``
    and ``price_check`` are the second tables of the forecast, month-to-date and by-model
    tabs).

    It holds the tables of the tabs drawn since the selection changed; ``in`` and
    ``dict.keys`` say which, without computing anything. Looking up a table that is not
    there calls ``render(name)`` first (dict's ``__missing__``): the Explorer renders the tab
    that computes it, as opening that tab would, so code never reads a tab not drawn yet as
    missing.

    >>> drawn = []
    >>> tables = PaneTables(lambda name: drawn.append(name))
    >>> tables["latency"] = pd.DataFrame()
    >>> "errors" in tables, tables.get("errors"), drawn
    (False, None, ['errors'])
    """

    def __init__(self, render: Callable[[str], None]) -> None:
        super().__init__()
        self.render = render

    def __missing__(self, name: str) -> pd.DataFrame:
        self.render(name)
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        raise KeyError(name)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        """The table ``name`` (its tab rendered first if need be), else ``default``."""
        try:
            return self[name]
        except KeyError:
            return default


def render(state: ExplorerState, view: Controls, name: str, *, charts: bool) -> None:
    """One tab: its table (the helper's result, as HTML for people), then its chart."""
    state.stale.discard(name)
    for step in [s for s in state.errors if s.startswith(f"{name} ")]:
        state.errors.pop(step, None)
    if name in HELPER_TABLES:
        state.guard(f"{name} table", lambda: _show_table(state, view, name))
    if name == "cost_by_model":  # what each model was charged against its list price
        state.guard("cost_by_model prices", lambda: account.render_prices(state, view))
    elif name == "month_to_date":
        state.guard("month_to_date table", lambda: _show_month_to_date(state, view))
        state.guard("month_to_date projection", lambda: _show_month_end(state, view))
    elif name == "executions":
        state.guard("executions table", lambda: render_executions(state, view))
    if name in ON_DEMAND:
        view.pane_tables[name].value = ""
    _show_chart(state, view, name, charts)


def clear(view: Controls, name: str) -> None:
    """Empty a tab not computed yet: it is computed when it opens, never stale numbers."""
    view.pane_tables[name].value = ""
    _show_image(view, name, b"")
    if name == "month_to_date":
        view.month_end.value = ""
    if name == "cost_by_model":
        view.price_table.value = ""


def render_executions(state: ExplorerState, view: Controls) -> None:
    """The executions tab: the page of the search, its pager and the download button."""
    page = state.executions_page(view.drill_search.value, view.drill_sort.value)
    table = drilldown.page_html(page.shown, state.names)
    if page.total == 0 and state.summary is not None and state.summary.executions > 0:
        # the filters keep rows, the search none (an empty selection is said once, above)
        table = "<p class='ea-note'>No execution matches this search.</p>"
    view.pane_tables["executions"].value = table
    view.drill_pages.value = html.escape(
        f" page {page.number + 1:,} of {page.pages:,} · {page.total:,} executions "
    )
    # nothing to export: a disabled button says so before a click does
    view.drill_download.disabled = page.total == 0
    view.drill_download.tooltip = (
        "No executions to download" if page.total == 0 else "Every execution of this selection"
    )


def show_messages(state: ExplorerState, view: Controls) -> None:
    """Failures, in the tab they belong to (an empty selection is said once, above)."""
    for name, message in view.pane_messages.items():
        failures = [f"{step}: {error}" for step, error in state.errors.items() if name in step]
        if failures:
            text = "; ".join(failures)
            message.value = f"<p class='ea-pane-error'>Could not render {html.escape(text)}</p>"
        else:
            message.value = ""


def render_changes(state: ExplorerState, view: Controls) -> None:
    """Each card's change against the days just before (``previous_period``)."""
    before = state.previous_period()
    view.compare_note.value = ""
    if before is None or state.summary is None or state.summary.executions == 0:
        return  # nothing shown, nothing to compare (an empty selection is said once)
    assert before.start is not None and before.end is not None
    days = (before.end - before.start).days + 1
    period = (
        f"the {plural(days, 'day')} before, {before.start.isoformat()} to {before.end.isoformat()}"
    )
    previous = state.headline_before(before)
    if previous is None or previous.executions == 0:
        view.compare_note.value = html.escape(f"No executions in {period} to compare with.")
        return
    state.previous = previous
    view.compare_note.value = html.escape(f"Changes are against {period} (same filters).")
    for _attribute, measure, _label, _show in CARDS:
        current, was = getattr(state.summary, measure), getattr(previous, measure)
        _, kind, better = KPI[measure]
        view.changes[measure].value = style.change_html(
            change_of(current, was, kind, better, period)
        )


def _show_table(state: ExplorerState, view: Controls, name: str) -> None:
    view.pane_tables[name].value = table_html(name, state.table(name))


def _show_month_to_date(state: ExplorerState, view: Controls) -> None:
    overall, per_model, now, then = state.month_to_date()
    # an empty selection is said once, above the tabs; an empty month only when it is news
    selection_empty = state.summary is not None and state.summary.executions == 0
    view.pane_tables["month_to_date"].value = month_to_date_html(
        overall, per_model, now, then, say_empty=not selection_empty
    )


def _show_month_end(state: ExplorerState, view: Controls) -> None:
    """Spent so far this month and the projected month end, above the month-to-date chart."""
    view.month_end.value = ""
    state.projection = None
    if state.month_rows == 0:
        return  # nothing this month or last: the pane says so once
    try:
        projection = state.month_end()
    except InvalidQueryError as exc:
        view.month_end.value = (
            "<p class='ea-note'>No month-end projection for this selection: "
            f"{html.escape(first_sentence(str(exc)))}</p>"
        )
        return
    view.month_end.value = month_end_html(projection)


def _empty(state: ExplorerState, name: str) -> bool:
    """Whether a tab has nothing to show: month to date reads every day, the rest the
    filtered slice."""
    if name == "month_to_date":
        return state.month_rows == 0
    return state.summary is not None and state.summary.executions == 0


def _show_chart(state: ExplorerState, view: Controls, name: str, charts: bool) -> None:
    _show_image(view, name, b"")
    data = state.current
    empty = _empty(state, name)
    if name in ON_DEMAND and not empty:
        state.guard(f"{name} chart", lambda: _show_forecast(state, view, charts))
    elif charts and not empty and name not in TABLE_ONLY:
        state.guard(f"{name} chart", lambda: _show_image(view, name, chart(state, name, data)))


def _show_image(view: Controls, name: str, png: bytes) -> None:
    """Set a chart, hiding the image while there is none (no broken-image icon)."""
    image = view.pane_images[name]
    image.value = png
    image.layout.display = None if png else "none"


def chart(state: ExplorerState, name: str, data: Any) -> bytes:
    """Pane ``name``'s chart as PNG (the trends tab: latency above the error rate)."""
    from eachlabs_analytics.plots.parts import png

    if name == "trends":
        return png(
            lambda ax: draw_on(state, name, data, ax),
            _FIGSIZE,
            _DPI,
            then=lambda ax: draw_on(state, "error_rate", data, ax),
        )
    return png(lambda ax: draw_on(state, name, data, ax), _FIGSIZE, _DPI)


def draw_on(state: ExplorerState, name: str, data: Any, ax: Any) -> Any:
    """Draw pane ``name``'s chart on ``ax`` (``"trends"`` is its latency half and
    ``"error_rate"`` the other) with a legend of what is drawn only; the Axes."""
    from eachlabs_analytics import plots

    draw: dict[str, Callable[[Any], Any]] = {
        "cost_by_model": lambda ax: plots.plot_cost_by_model(data, ax=ax),
        "cost_over_time": lambda ax: plots.plot_cost_over_time(data, ax=ax, top=state.top),
        "latency": lambda ax: plots.plot_latency(data, ax=ax),
        "trends": lambda ax: plots.plot_latency_over_time(data, ax=ax),
        "error_rate": lambda ax: plots.plot_error_rate_over_time(data, ax=ax),
        "errors": lambda ax: plots.plot_error_breakdown(data, ax=ax),
        "month_to_date": lambda ax: plots.plot_month_to_date(
            state.undated(), ax=ax, as_of=state.anchor
        ),
    }
    ax = draw[name](ax)
    style.legend_of_what_is_drawn(ax)
    return ax


def _show_forecast(state: ExplorerState, view: Controls, charts: bool) -> None:
    """Spend per day with its forecast band to the month's end, and the anomalies of the
    selected days, as the report does: learned from the data every filter but the day
    range keeps, judged as of the selection's end (or the data's, when it ends first), so
    the figures agree with the Month to date tab's projection."""
    as_of = state.forecast_as_of()
    view.pane_tables["forecast"].value = anomalies_html(state.anomalies(as_of))
    forecast = state.forecast(as_of)
    if charts:
        from eachlabs_analytics import plots
        from eachlabs_analytics.plots.parts import png

        drawn_as_of = forecast.attrs.get("as_of")

        def draw(ax: Any) -> None:
            plots.plot_spend_forecast(forecast, ax, as_of=drawn_as_of)
            style.legend_of_what_is_drawn(ax)

        _show_image(view, "forecast", png(draw, _FIGSIZE, _DPI))


def table_html(name: str, table: pd.DataFrame) -> str:
    """A pane's table for people, as the report shows tables (``style.table_html``)."""
    if table.empty:
        return ""
    kinds: dict[str, str] = {}
    if name in ("cost_over_time", "trends"):  # newest day first; a month fits on a screen
        table = table.iloc[::-1].head(31)
    if name == "cost_over_time":  # one column per model: every one is money
        kinds = dict.fromkeys((str(c) for c in table.columns), "money")
    return style.table_html(table, kinds=kinds, css_class=f"ea-{name.replace('_', '-')}")


def month_to_date_html(
    overall: pd.DataFrame,
    per_model: pd.DataFrame,
    now: tuple[pd.Timestamp, pd.Timestamp],
    then: tuple[pd.Timestamp, pd.Timestamp],
    *,
    say_empty: bool = True,
) -> str:
    """This month so far against the same point of last month: totals, then spend per model."""
    heading = (
        f"<p class='ea-note'><b>Month to date</b>: {html.escape(fmt_window(*now))} against the "
        f"same point of last month, {html.escape(fmt_window(*then))}. Every filter but the day "
        "range applies.</p>"
    )
    if overall.empty:
        if not say_empty:
            return ""
        return heading + "<p class='ea-note'>No executions in either month so far.</p>"
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
        f"<td class='text'>{labels.get(m, m)}</td>"
        f"<td class='num'>{html.escape(show(row[f'{m}_previous']))}</td>"
        f"<td class='num'>{html.escape(show(row[f'{m}_current']))}</td>"
        f"<td class='num'>{html.escape(signed(row[f'{m}_change']))}</td>"
        f"<td class='num'>{html.escape(fmt_signed_pct(row[f'{m}_rel_change']))}</td></tr>"
        for m, show, signed in measures
    )
    head = "".join(
        f"<th class='{css}' scope='col'>{text}</th>"
        for css, text in (
            ("text", ""),
            ("num", "last month, same point"),
            ("num", "this month"),
            ("num", "change"),
            ("num", "relative"),
        )
    )
    totals = (
        f"<table class='ea-table ea-month-to-date'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )
    spend = per_model[["spend_previous", "spend_current", "spend_change"]].head(15)
    models = style.table_html(
        spend,
        kinds={"spend_previous": "money", "spend_current": "money", "spend_change": "signed_money"},
        labels={
            "spend_previous": "last month, same point",
            "spend_current": "this month",
            "spend_change": "change",
        },
    )
    return heading + totals + "<h4>Spend by model</h4>" + models


def month_end_html(projection: Any) -> str:
    """Spent so far and the projected month end with its 80 % interval, as cards."""
    month = pd.Timestamp(projection.month).strftime("%B %Y")
    interval = f"{fmt_money(projection.lo_80)} to {fmt_money(projection.hi_80)}"
    how = projection.method + (f" ({projection.fallback})" if projection.fallback else "")
    return (
        "<div class='ea-cards'>"
        + style.card_html(
            f"Spent in {month} so far", fmt_money(projection.spent), css_class="ea-month-spent"
        )
        + style.card_html(
            "Projected month end",
            fmt_money(projection.projected),
            f"<div class='ea-change ea-interval'>80% interval: {html.escape(interval)}</div>",
            css_class="ea-month-end-projected",
        )
        + "</div>"
        + f"<p class='ea-note'>Projected as of {html.escape(fmt_time(projection.as_of))} UTC, "
        f"from the days so far; forecast: {html.escape(how)}.</p>"
    )


def first_sentence(text: str) -> str:
    """The reason an error gives, without the advice meant for code (``pass as_of=``)."""
    reason = text.split(": ", 1)[-1] if text.startswith(("forecast_", "month_")) else text
    return reason.split("; ")[0].rstrip(".") + "."


def anomalies_html(anomalies: pd.DataFrame) -> str:
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
