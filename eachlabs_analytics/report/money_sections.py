"""The report's sections against money: the balance's runway, and charges against list prices.

Both appear only when their input is known: "Balance and runway" with a balance
(:func:`~eachlabs_analytics.watch.runway.runway_from`, on the data and at the instant the
forecast section judges, so its dates are ``ea.runway``'s and ``check --runway-days``' on the
same data), "Charged against list prices" with a prices frame
(:func:`~eachlabs_analytics.price_check` on the period). :func:`name_workflows` writes every
workflow id a section shows as ``name (wf_...)`` when its name is known.

>>> import eachlabs_analytics as ea
>>> from eachlabs_analytics.report.model import ReportInputs
>>> df = ea.generate_executions(executions=3_000, seed=7, end="2026-10-20T12:00:00Z")
>>> inputs = ReportInputs(df, ea.summary(df), ea.cost_by_model(df))
>>> section, runway = runway_section(df, pd.Timestamp("2026-10-20T12:00:00Z"), 100.0)
>>> section.title, str(runway.date.date()) == str(ea.runway(df, 100.0).date.date())
('Balance and runway', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from eachlabs_analytics._util.columns import workflow_label
from eachlabs_analytics._util.formats import fmt_date, fmt_money
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.lazy import Executions
from eachlabs_analytics.report.render import Card, Section, Table

if TYPE_CHECKING:
    from eachlabs_analytics.watch.runway import Runway

#: What the report leaves out of the price check's columns (counted, or said by the flag).
_NOT_SHOWN = ("successes", "price_changed_on")


def runway_section(source: Executions, as_of: pd.Timestamp, balance: object) -> tuple[Section, Any]:
    """ "Balance and runway": when ``balance`` most likely runs out against ``source``'s spend
    as of ``as_of`` (the forecast section's data and instant), with its intervals and the
    top-up to the month's end; and the :class:`~eachlabs_analytics.watch.runway.Runway`."""
    from eachlabs_analytics.watch.runway import runway_from

    section = Section("runway", "Balance and runway")
    try:
        runway = runway_from(source, balance, as_of=as_of)
    except ImportError as exc:
        section.intro = f"No runway: {str(exc).rstrip('.')}."
        return section, None
    except InvalidQueryError as exc:
        section.intro = f"No runway: {exc.message.rstrip('.')}."
        return section, None
    section.intro = (
        f"{runway.summary()} The days come from the spend forecast's simulated paths (the "
        "balance is taken as the one at the forecast's as-of instant)."
    )
    row = {
        "balance_usd": runway.balance_usd,
        "as_of": runway.as_of,
        "daily_burn": runway.daily_burn,
        "date": runway.date,
        "lo_80": runway.lo_80,
        "hi_80": runway.hi_80,
        "lo_95": runway.lo_95,
        "hi_95": runway.hi_95,
        "top_up": runway.top_up,
    }
    frame = pd.DataFrame([row])
    for column in ("date", "lo_80", "hi_80", "lo_95", "hi_95"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    later = f"after {fmt_date(runway.horizon_end - pd.Timedelta(days=1))}"
    section.tables.append(
        Table(
            "runway",
            "Runway",
            frame,
            {
                "balance_usd": "money",
                "as_of": "time",
                "daily_burn": "money",
                "top_up": "money",
                **dict.fromkeys(("date", "lo_80", "hi_80", "lo_95", "hi_95"), "date"),
            },
            {
                "balance_usd": "balance",
                "as_of": "as of (UTC)",
                "daily_burn": "expected per day",
                "date": "most likely out",
                "lo_80": "80 % from",
                "hi_80": "80 % to",
                "lo_95": "95 % from",
                "hi_95": "95 % to",
                "top_up": "top-up to month end",
            },
            f"An empty day is later than the horizon ({later}). The top-up keeps the balance "
            "above zero to the month's end in 95 % of simulated paths.",
        )
    )
    return section, runway


def runway_card(runway: Runway) -> Card:
    """The headline's balance card: the balance and the most likely run-out day.

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=3_000, seed=7, end="2026-10-20T12:00:00Z")
    >>> runway = ea.runway(df, 100.0)
    >>> runway_card(runway).detail == f"out about {runway.date:%Y-%m-%d}"
    True
    """
    if runway.out:
        detail = "already out"
    elif runway.date is None:
        detail = f"lasts past {fmt_date(runway.horizon_end - pd.Timedelta(days=1))}"
    else:
        detail = f"out about {fmt_date(runway.date)}"
    return Card("balance", "Balance", fmt_money(runway.balance_usd), detail)


def prices_section(frame: Executions, prices: pd.DataFrame) -> tuple[Section, pd.DataFrame]:
    """ "Charged against list prices": :func:`~eachlabs_analytics.price_check` on the period,
    and its result."""
    from eachlabs_analytics.watch import price_check
    from eachlabs_analytics.watch.reconcile import PRICE_CHECK_COLUMNS

    checked = price_check(frame, prices)
    shown = [c for c in PRICE_CHECK_COLUMNS if c not in _NOT_SHOWN]
    table = checked.reset_index()[["model", *shown]]
    fetched = checked.attrs.get("fetched_at")
    flagged = int((checked["flag"].fillna("") != "").sum()) if len(checked) else 0
    intro = (
        "What a successful execution was charged (its median) against the model's list price, "
        "in the list's unit: per execution, or per second of run time. A model without a list "
        "price is said so, never taken as free; a fixed price that stepped is named with its "
        f"day. {flagged} of {len(checked)} models flagged."
    )
    if fetched:
        intro += f" List prices as fetched {fetched}."
    section = Section(
        "list_prices",
        "Charged against list prices",
        intro,
        tables=[
            Table(
                "price_check",
                "Charged against list prices",
                table,  # the package's labels and formats (_util.columns), as the Explorer's
            )
        ],
    )
    return section, checked


def name_workflows(sections: list[Section], names: Mapping[str, str]) -> None:
    """Write every workflow id the sections show (a ``workflow_id`` column, an anomaly's
    workflow driver) as ``name (wf_...)`` when ``names`` has it, after every number is
    computed (the names relabel text only).

    >>> from eachlabs_analytics.report.render import Section, Table
    >>> t = Table("t", "T", pd.DataFrame({"workflow_id": ["wf_1", "wf_2"]}))
    >>> name_workflows([Section("s", "S", tables=[t])], {"wf_1": "Ad video"})
    >>> t.frame["workflow_id"].tolist()
    ['Ad video (wf_1)', 'wf_2']
    """
    for section in sections:
        for table in section.tables:
            if "workflow_id" in table.frame.columns:
                labels = [
                    workflow_label(v, names) if isinstance(v, str) else v
                    for v in table.frame["workflow_id"]
                ]
                table.frame = table.frame.assign(
                    workflow_id=pd.Series(labels, index=table.frame.index, dtype=object)
                )
            if {"driver_by", "driver"} <= set(table.frame.columns):
                drivers = [
                    workflow_label(v, names) if by == "workflow_id" and isinstance(v, str) else v
                    for by, v in zip(table.frame["driver_by"], table.frame["driver"], strict=True)
                ]
                table.frame = table.frame.assign(
                    driver=pd.Series(drivers, index=table.frame.index, dtype=object)
                )
