"""The Explorer against the account: the balance and its runway, list prices, workflow names.

What the Explorer is given besides the executions (``explore(df, balance=..., prices=...,
names=...)``, or what a store kept at its last sync) is checked here once, and shown here:

- the "Balance" card: the balance and its runway (:func:`runway_note`), computed by the
  watch's pure :func:`~eachlabs_analytics.watch.runway.runway_from` on the rows every filter
  but the day range keeps (:meth:`.state.ExplorerState.runway_now`);
- the price check under the "By model" tab (:func:`price_check_html`):
  :func:`~eachlabs_analytics.price_check` on the filtered slice, in the report's words;
- workflows written ``name (wf_...)`` wherever one shows (:func:`workflow_options`,
  :func:`~eachlabs_analytics._util.columns.workflow_label`).

Nothing here reads the API: a balance, prices or names not given are not shown (the card is
hidden, no price table), never guessed. Every value from the data is escaped.

>>> check_names({"wf_1": "Ad video"}), check_names(None)
({'wf_1': 'Ad video'}, {})
>>> workflow_options(["(no workflow)", "wf_1", "wf_2"], {"wf_1": "Ad video"})
[('(no workflow)', '(no workflow)'), ('Ad video (wf_1)', 'wf_1'), ('wf_2', 'wf_2')]
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from eachlabs_analytics._util.columns import workflow_label
from eachlabs_analytics._util.formats import fmt_date, fmt_money
from eachlabs_analytics._util.timestamps import DAY
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.notebook import style
from eachlabs_analytics.notebook.filters import NO_WORKFLOW

if TYPE_CHECKING:
    from eachlabs_analytics.notebook.controls import Controls
    from eachlabs_analytics.notebook.state import ExplorerState

#: The price check's columns the By model tab shows, so it fits at 820 px
#: (``tables["price_check"]`` has them all: executions and spend are in the table above it,
#: the flag says a price change's day, the list's range says its type).
PRICE_COLUMNS_SHOWN = (
    "charged_per_execution",
    "charged_per_second",
    "list_unit",
    "list_amount",
    "list_min",
    "list_max",
    "ratio",
    "flag",
)


# --- what the Explorer is given ----------------------------------------------------------------
def check_balance(balance: object) -> float | None:
    """The balance in USD (a number or an ``ea.balance()`` result), or None: not known."""
    from eachlabs_analytics.watch.runway import balance_value

    return None if balance is None else balance_value(balance, "explore")


def check_prices(prices: object) -> pd.DataFrame | None:
    """The list prices (``ea.model_prices()``, ``store.prices()``) as given, None for none or
    no rows; refused with what is allowed when not a prices frame."""
    from eachlabs_analytics.watch.list_prices import read_prices

    if prices is None:
        return None
    read_prices(prices, "explore")
    assert isinstance(prices, pd.DataFrame)
    return prices if len(prices) else None


def check_names(names: object) -> dict[str, str]:
    """``{workflow_id: name}`` (``ea.workflow_names()``, ``store.workflow_names()``); ``{}``
    for None; refused unless a mapping of ids to names."""
    if names is None:
        return {}
    if not isinstance(names, Mapping) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in names.items()
    ):
        raise InvalidQueryError(
            f"explore: names={names!r} is not allowed; use None or a mapping of workflow ids "
            "to names, e.g. ea.workflow_names() or {'wf_77f9098da0': 'Ad video'}"
        )
    return {k: v for k, v in names.items() if v is not None}


def kept_by(store: Any, reader: str) -> Any:
    """What a store kept at its last sync (``prices`` or ``workflow_names``), None when it kept
    nothing (or is not a store)."""
    read = getattr(store, reader, None)
    found = read() if callable(read) else None
    return found if found is not None and len(found) else None


def workflow_options(workflows: list[str], names: Mapping[str, str]) -> list[tuple[str, str]]:
    """The workflow filter's ``(label, value)`` pairs: ``name (wf_...)`` for a named workflow,
    the id otherwise, the value always the id."""
    return [(w if w == NO_WORKFLOW else workflow_label(w, names), w) for w in workflows]


# --- the balance card --------------------------------------------------------------------------
def render_balance(state: ExplorerState, view: Controls) -> None:
    """The Balance card: shown only when a balance is known; its runway, or why there is none."""
    view.balance_card.layout.display = None if state.balance is not None else "none"
    view.balance_value.value = "–"
    view.runway_note.value = ""
    if state.balance is None:
        return
    view.balance_value.value = fmt_money(state.balance)
    state.guard("balance", state.runway_now)
    if state.runway is None:
        reason = state.errors.get("balance", "")
        view.runway_note.value = (
            "<div class='ea-change'>No runway for this selection: "
            f"{html.escape(reason.split(': ', 1)[-1])}</div>"
        )
        return
    view.runway_note.value = runway_note(state.runway, narrowed=state.narrowed())


def runway_note(runway: Any, *, narrowed: bool = False) -> str:
    """The card's detail: the most likely run-out day and its 80 % interval (or "lasts past"
    the horizon's last day), the daily burn, the top-up to the month's end when one is needed;
    the runway's sentence as a tooltip. ``narrowed``: the spend is the filters' (not all).

    >>> import eachlabs_analytics as ea
    >>> from eachlabs_analytics.watch.runway import runway_from
    >>> df = ea.generate_executions(executions=5_000, seed=7, end="2026-10-20T12:00:00Z")
    >>> note = runway_note(runway_from(df, 100.0))
    >>> "runs out about 2026-10-28" in note, "80%: 2026-10-27 to 2026-10-30" in note
    (True, True)
    """
    last = fmt_date(runway.horizon_end - DAY)
    if runway.out:
        lines = ["already out: new predictions are throttled or refused"]
    else:
        when = (
            f"lasts past {last}"
            if runway.date is None
            else f"runs out about {fmt_date(runway.date)}"
        )
        lines = [when]
        low, high = runway.lo_80, runway.hi_80
        if low is not None:  # else "lasts past" says it all
            end = fmt_date(high) if high is not None else f"after {last}"
            lines.append(f"80%: {fmt_date(low)} to {end}")
        burn = f"at about {fmt_money(runway.daily_burn)} a day"
        lines.append(burn + (" (these filters' spend)" if narrowed else ""))
    if runway.top_up > 0:
        lines.append(
            f"top-up to reach {fmt_date(runway.month_end - DAY)}: {fmt_money(runway.top_up)}"
        )
    tone = "ea-bad" if runway.out or runway.top_up > 0 else "ea-neutral"
    first, *rest = (html.escape(line) for line in lines)
    more = "".join(f"<span class='ea-was'>{line}</span>" for line in rest)
    said = html.escape(runway.summary(), quote=True)
    return (
        f"<div class='ea-change ea-runway {tone}' title='{said}'>"
        f"<span class='ea-delta'>{first}</span>{more}</div>"
    )


def balance_card_html(view: Controls) -> str:
    """The Balance card as static HTML (the snapshot's), "" when it is hidden."""
    if view.balance_card.layout.display == "none":
        return ""
    return style.card_html(
        "Balance", view.balance_value.value, view.runway_note.value, css_class="ea-balance-card"
    )


# --- the price check ---------------------------------------------------------------------------
def render_prices(state: ExplorerState, view: Controls) -> None:
    """The price check under the By model tab: nothing without prices, or with no execution
    in the selection (said once, above the tabs)."""
    view.price_table.value = ""
    if state.prices is None or (state.summary is not None and state.summary.executions == 0):
        return
    view.price_table.value = price_check_html(state.price_check())


def price_check_html(table: pd.DataFrame) -> str:
    """``price_check``'s table for people: a heading, what it compares, the table.

    >>> prices = pd.DataFrame({"slug": ["flux-2-pro"], "cost_type": ["fixed"],
    ...     "amount": [0.04], "unit": ["execution"], "min": [None], "max": [None]})
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> shown = price_check_html(ea.price_check(df, prices))
    >>> "charged / list" in shown, ">1.25<" in shown, "no list price" in shown
    (True, True, True)
    """
    if table.empty:
        return ""
    fetched = table.attrs.get("fetched_at")
    when = f" fetched {fmt_date(fetched)}" if fetched else ""
    note = (
        "<p class='ea-note'>The median charge of a successful execution (per second of run "
        f"time where the list prices time) against the list price{html.escape(when)}. Above "
        "1.00 costs more than listed; no list price is never read as free.</p>"
    )
    shown = table[[c for c in PRICE_COLUMNS_SHOWN if c in table.columns]]
    return (
        "<h4>Charged against list prices</h4>"
        + note
        + style.table_html(shown, css_class="ea-price-check")
    )
