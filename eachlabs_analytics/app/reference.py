"""What faces show beside the executions: the balance, list prices and workflow names.

:func:`from_api` reads them through a client (the balance and the names with its key, the
list prices without one), :func:`from_store` takes what a store kept at its last sync. A
failure never stops a report: the figure is left out (None) and a note says why; a balance
the API cannot tell stays unknown, never zero.

>>> import eachlabs_analytics as ea
>>> with ea.Sandbox(data="sample", balance_usd=500.0) as api:
...     with ea.Client(api.api_key, base_url=api.base_url) as client:
...         found = from_api(client, models=["veo-3", "flux-2-pro"])
>>> found.balance.balance_usd, len(found.prices), found.names["wf_5fbd02323f"], found.notes
(500.0, 2, 'Ad video', [])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from eachlabs_analytics.exceptions import EachlabsError

if TYPE_CHECKING:
    from eachlabs_analytics.loader.account import Balance
    from eachlabs_analytics.loader.client import Client


@dataclass(frozen=True)
class Reference:
    """The balance (None: unknown or not asked), list prices and workflow names (None: not
    known), and ``notes``: why something is missing, for the user."""

    balance: Balance | float | None = None
    prices: pd.DataFrame | None = None
    names: dict[str, str] | None = None
    notes: list[str] = field(default_factory=list)

    def report_arguments(self) -> dict[str, Any]:
        """``balance=``, ``prices=`` and ``names=`` as :func:`~eachlabs_analytics.cost_report`
        takes them."""
        return {"balance": self.balance, "prices": self.prices, "names": self.names}


def from_api(
    client: Client,
    *,
    models: Iterable[str] | None = None,
    balance: bool = True,
    prices: bool = True,
    names: bool = True,
) -> Reference:
    """The balance, the list prices of ``models`` (None: every model of the catalogue) and
    the workflows' names, through ``client``; what fails is left out with a note."""
    from eachlabs_analytics.app.runway import balance_or_unknown
    from eachlabs_analytics.loader import model_prices, workflow_names

    notes: list[str] = []
    found_balance = None
    if balance:
        found_balance, why = balance_or_unknown(client=client)
        if why:
            notes.append(f"no runway: {why}")
    found_prices = None
    if prices:
        chosen = None if models is None else sorted({str(m) for m in models})
        if chosen != []:
            try:
                found_prices = model_prices(chosen, client=client)
            except EachlabsError as exc:
                notes.append(f"no list prices: {exc}")
    found_names = None
    if names:
        try:
            found_names = workflow_names(client=client)
        except EachlabsError as exc:
            notes.append(f"no workflow names: {exc}")
    return Reference(found_balance, found_prices, found_names, notes)


def from_store(path: str | Path, balance: float | None = None) -> Reference:
    """What the store at ``path`` kept at its last sync (list prices, workflow names), with
    ``balance`` if given; nothing is requested."""
    from eachlabs_analytics.store import ExecutionStore

    store = ExecutionStore(path)
    kept_prices = store.prices()
    kept_names = store.workflow_names()
    return Reference(
        balance,
        kept_prices if len(kept_prices) else None,
        kept_names or None,
        [],
    )
