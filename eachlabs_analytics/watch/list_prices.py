"""List prices, as ``ea.model_prices`` gives them, read for a comparison with what was charged.

The prices frame has one row per model slug (``slug``, ``cost_type`` of ``"fixed"``,
``"usage_based"`` or ``"none"``, ``amount``, ``unit``, ``min``, ``max``, ``fetched_at``...; a
null number is unknown, never 0). Two units compare with an execution's charge:

- **per execution**: unit ``execution``: the ``amount`` of a fixed price is the price of one
  execution (of a usage-based one, the midpoint of ``min`` and ``max``, as below);
- **per second of run time**: unit ``second`` or ``processing_second`` (one second of
  ``run_time``), ``minute`` or ``hour`` (converted): the rate is the ``amount`` of a fixed
  price, or the midpoint of ``min`` and ``max`` of a usage-based one (the one known when only
  one is).

Any other unit (per image, megapixel, character, token, step, generation, or none) says
nothing about one execution's charge without data the executions do not hold: such a price
is *not comparable*, with the reason. A model missing from the frame, or with ``cost_type``
``"none"``, has *no list price*: that is never free (free is ``fixed`` with amount 0).

>>> prices = pd.DataFrame({"slug": ["veo-3", "flux-2-pro"], "cost_type": ["usage_based", "fixed"],
...     "amount": [None, 0.05], "unit": ["second", "execution"], "min": [0.01, None],
...     "max": [0.03, None]})
>>> lists = read_prices(prices, "price_check")
>>> lists["veo-3"].rate, lists["veo-3"].basis, lists["flux-2-pro"].basis
(0.02, 'per second of run time', 'per execution')
>>> lookup(lists, "sora-2-pro").why_not()
'no list price'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.schema import PRICE_UNITS

#: Columns of the prices frame read here (``ea.model_prices`` gives them, and more).
READS: tuple[str, ...] = ("slug", "cost_type", "amount", "unit", "min", "max")
#: The units the API documents for a ``cost`` object (the schema's).
UNITS: tuple[str, ...] = PRICE_UNITS
#: Seconds of run time in one unit of a per-time price.
SECONDS_PER_UNIT: dict[str, float] = {
    "second": 1.0,
    "processing_second": 1.0,
    "minute": 60.0,
    "hour": 3600.0,
}
PER_EXECUTION = "per execution"
PER_SECOND = "per second of run time"
NO_LIST_PRICE = "no list price"


@dataclass(frozen=True)
class ListPrice:
    """One model's list price (NaN for an unknown number; ``cost_type`` None: not listed)."""

    cost_type: str | None = None
    unit: str | None = None
    amount: float = math.nan
    low: float = math.nan
    high: float = math.nan

    @property
    def listed(self) -> bool:
        """Whether the model has a list price at all (fixed or usage-based)."""
        return self.cost_type in ("fixed", "usage_based")

    @property
    def rate(self) -> float:
        """The list's figure per unit: a fixed ``amount``, or the midpoint of a usage-based
        ``min`` and ``max`` (the one known when only one is); NaN when unknown."""
        if self.cost_type == "fixed":
            return self.amount
        if self.cost_type != "usage_based":
            return math.nan
        known = [v for v in (self.low, self.high) if not math.isnan(v)]
        return sum(known) / len(known) if known else math.nan

    @property
    def ceiling(self) -> float:
        """The most the list asks per unit: a fixed ``amount``, a usage-based ``max`` (its
        midpoint when the max is unknown)."""
        if self.cost_type == "usage_based" and not math.isnan(self.high):
            return self.high
        return self.rate

    @property
    def basis(self) -> str | None:
        """:data:`PER_EXECUTION`, :data:`PER_SECOND`, or None when not comparable."""
        return None if self.why_not() else self._unit_basis()

    def _unit_basis(self) -> str | None:
        if self.unit == "execution":
            return PER_EXECUTION
        if self.unit in SECONDS_PER_UNIT:
            return PER_SECOND
        return None

    def per_second(self, value: float) -> float:
        """A figure per the list's time unit, per second of run time."""
        return value / SECONDS_PER_UNIT[self.unit] if self.unit in SECONDS_PER_UNIT else math.nan

    def why_not(self) -> str | None:
        """Why one execution's charge cannot be set against this price: :data:`NO_LIST_PRICE`,
        or a reason; None when it can."""
        if not self.listed:
            return NO_LIST_PRICE
        if self.unit is None:
            return "the list price has no unit"
        if self._unit_basis() is None:
            if self.unit in UNITS:
                return f"priced per {self.unit.replace('_', ' ')}"
            return "priced in a unit the API does not document"
        if math.isnan(self.rate):
            return "the list price has no amount"
        return None


def lookup(lists: Mapping[str, ListPrice], model: object) -> ListPrice:
    """The list price of ``model`` (not listed: an empty :class:`ListPrice`)."""
    found = lists.get(model) if isinstance(model, str) else None
    return found if found is not None else ListPrice()


def read_prices(prices: object, helper: str) -> dict[str, ListPrice]:
    """The list price of every slug of a prices frame, refused with what is allowed when it is
    not one (not a DataFrame, a column missing, a slug given twice)."""
    if not isinstance(prices, pd.DataFrame):
        raise InvalidQueryError(
            f"{helper}: prices must be the DataFrame ea.model_prices() returns, not "
            f"{type(prices).__name__}"
        )
    missing = [c for c in READS if c not in prices.columns]
    if missing:
        raise InvalidQueryError(
            f"{helper}: prices lacks the column(s) {missing}; pass the DataFrame "
            f"ea.model_prices() returns (it has {', '.join(READS)}, ...)"
        )
    slugs = prices["slug"]
    repeated = sorted({str(s) for s in slugs[slugs.duplicated()]})
    if repeated:
        raise InvalidQueryError(
            f"{helper}: prices lists {', '.join(repeated)} more than once; give one row per slug"
        )
    out: dict[str, ListPrice] = {}
    for row in prices[list(READS)].itertuples(index=False):
        slug = _text(row.slug)
        if slug is None:
            continue
        out[slug] = ListPrice(
            cost_type=_text(row.cost_type),
            unit=_text(row.unit),
            amount=_number(row.amount),
            low=_number(row.min),
            high=_number(row.max),
        )
    return out


def fetched_at(prices: pd.DataFrame) -> str | None:
    """When the prices were fetched (ISO 8601): the frame's ``attrs["fetched_at"]``, else the
    latest ``fetched_at`` of its rows; None when unknown.

    >>> fetched_at(pd.DataFrame({"fetched_at": pd.to_datetime(["2026-10-31T08:00Z"])}))
    '2026-10-31T08:00:00+00:00'
    """
    said = prices.attrs.get("fetched_at")
    if isinstance(said, str) and said:
        return said
    if "fetched_at" in prices.columns:
        latest = pd.to_datetime(prices["fetched_at"], utc=True).max()
        if not pd.isna(latest):
            return pd.Timestamp(latest).isoformat()
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float:
    if value is None or value is pd.NA or isinstance(value, bool):
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan
