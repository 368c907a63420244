"""What was charged, against the list price: per model, the ratio, and what stands out.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=3_000, seed=7)
>>> prices = pd.DataFrame({"slug": ["flux-2-pro"], "cost_type": ["fixed"], "amount": [0.04],
...     "unit": ["execution"], "min": [None], "max": [None]})
>>> table = price_check(df, prices)
>>> row = table.loc["flux-2-pro"]
>>> float(row["charged_per_execution"]), round(float(row["ratio"]), 9), row["flag"]
(0.05, 1.25, 'above list')
>>> table.loc["veo-3", "flag"]
'no list price'
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np
import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics.metrics.frame_partials import answerer
from eachlabs_analytics.metrics.lazy import Executions, RowSource
from eachlabs_analytics.watch.charges import READS, charged_per_second, per_model
from eachlabs_analytics.watch.list_prices import (
    NO_LIST_PRICE,
    PER_EXECUTION,
    PER_SECOND,
    ListPrice,
    fetched_at,
    lookup,
    read_prices,
)
from eachlabs_analytics.watch.price_steps import Step, price_steps

#: The columns :func:`price_check` gives, in order.
PRICE_CHECK_COLUMNS: tuple[str, ...] = (
    "executions",
    "successes",
    "spend",
    "charged_per_execution",
    "charged_per_second",
    "list_cost_type",
    "list_unit",
    "list_amount",
    "list_min",
    "list_max",
    "ratio",
    "flag",
    "price_changed_on",
)
#: A charge above the list's most by more than this share is "above list" (a cent's rounding
#: on a few cents is not).
ABOVE_TOLERANCE = 0.01
ABOVE_LIST = "above list"


def price_check(source: Executions, prices: pd.DataFrame) -> pd.DataFrame:
    """Per model, what its executions were charged against its list price.

    Parameters
    ----------
    source : DataFrame or lazy selection
        Executions (``load_executions``, ``ExecutionStore.scan()``...): the same result from
        either. Figures are over all of its rows.
    prices : DataFrame
        List prices as ``ea.model_prices()`` returns them (or ``store.prices()``): one row per
        ``slug`` with ``cost_type``, ``amount``, ``unit``, ``min``, ``max``.

    Returns
    -------
    DataFrame
        One row per model of ``source`` (index ``model``), by ``spend`` descending:

        - ``executions``: rows of the model, any status; ``successes``: rows in the succeeded
          status group; ``spend``: sum of ``execution_cost`` over every row (USD).
        - ``charged_per_execution``: the median ``execution_cost`` of a successful execution
          (NaN without one).
        - ``charged_per_second``: for a list price per unit of time (``second``,
          ``processing_second``, ``minute``, ``hour``) only, the median of ``execution_cost /
          run_time`` over successful executions with ``run_time > 0`` (USD per second; NaN
          otherwise).
        - ``list_cost_type`` (``fixed``, ``usage_based``, ``none``; NA when the model is not in
          ``prices``), ``list_unit``; ``list_amount``: the fixed amount, or the midpoint of
          ``min`` and ``max`` of a usage-based price (per ``list_unit``); ``list_min``,
          ``list_max``: the usage-based range. NA/NaN when unknown, never 0.
        - ``ratio``: charged / list in the same unit: ``charged_per_execution / list_amount``
          for a price per execution, ``charged_per_second`` over ``list_amount`` per second
          for a price per unit of time. NaN when they do not compare (other units, no list
          price, no charge, a free list price).
        - ``flag``: ``"no list price"`` (not in ``prices``, or no cost: never read as free),
          ``"price changed on YYYY-MM-DD"`` (a fixed-price model whose daily median charge
          stepped, :mod:`~eachlabs_analytics.watch.price_steps`), ``"above list"`` (charged
          more than the list's fixed amount or usage-based max, by over 1 %), ``"not
          comparable: <reason>"``, or ``""``; the first that applies.
        - ``price_changed_on``: the first day (UTC) at the new price, NaT when none.

        ``attrs``: the source's window and row counts as every helper's; ``fetched_at``: when
        the prices were fetched (None when unknown); ``price_changes``: per changed model,
        the day and the median charge before and after.

    Examples
    --------
    >>> import eachlabs_analytics as ea
    >>> from eachlabs_analytics.local_api import Incident, inject_incidents
    >>> df = ea.generate_executions(executions=20_000, seed=3, end="2026-10-31T00:00:00Z")
    >>> hit, _ = inject_incidents(df, [Incident("price_change", "2026-10-20",
    ...                                         group="flux-2-pro", magnitude=1.25)])
    >>> prices = pd.DataFrame({"slug": ["flux-2-pro"], "cost_type": ["fixed"],
    ...     "amount": [0.0625], "unit": ["execution"], "min": [None], "max": [None]})
    >>> price_check(hit, prices).loc["flux-2-pro", "flag"]
    'price changed on 2026-10-20'
    """
    lists = read_prices(prices, "price_check")
    rows = cast(RowSource, answerer(source, "price_check", READS))
    charges = per_model(rows, "price_check")
    models = [m for m in charges.index if isinstance(m, str)]
    timed = [m for m in models if lookup(lists, m).basis == PER_SECOND]
    timed = [m for m in timed if charges.loc[m, "timed"] > 0]
    per_second = charged_per_second(rows, timed)
    fixed = [m for m in models if lookup(lists, m).cost_type == "fixed"]
    steps = price_steps(rows, fixed)
    out = _table(charges, lists, per_second, steps)
    out.attrs = dict(charges.attrs)
    out.attrs["fetched_at"] = fetched_at(prices)
    out.attrs["price_changes"] = {
        model: {"day": step.day.isoformat(), "before": step.before, "after": step.after}
        for model, step in steps.items()
    }
    return out


def _table(
    charges: pd.DataFrame,
    lists: dict[str, ListPrice],
    per_second: pd.Series,
    steps: dict[str, Step],
) -> pd.DataFrame:
    index = charges.index
    found = [lookup(lists, m) for m in index]
    second = [per_second.get(m, math.nan) if isinstance(m, str) else math.nan for m in index]
    charged = charges["charged_per_execution"].to_numpy(dtype=float)
    ratios, flags = [], []
    for model, price, execution, per in zip(index, found, charged, second, strict=True):
        step = steps.get(model) if isinstance(model, str) else None
        ratio, flag = _judge(price, execution, per, step)
        ratios.append(ratio)
        flags.append(flag)
    changed = [steps[m].day if isinstance(m, str) and m in steps else pd.NaT for m in index]
    out = pd.DataFrame(
        {
            "executions": charges["executions"].to_numpy(dtype=np.int64),
            "successes": charges["successes"].to_numpy(dtype=np.int64),
            "spend": charges["spend"].to_numpy(dtype=float),
            "charged_per_execution": charged,
            "charged_per_second": np.array(second, dtype=float),
            "list_cost_type": pd.array([p.cost_type for p in found], dtype=schema.STRING_DTYPE),
            "list_unit": pd.array([p.unit for p in found], dtype=schema.STRING_DTYPE),
            "list_amount": np.array([p.rate for p in found], dtype=float),
            "list_min": np.array([p.low for p in found], dtype=float),
            "list_max": np.array([p.high for p in found], dtype=float),
            "ratio": np.array(ratios, dtype=float),
            "flag": pd.array(flags, dtype=schema.STRING_DTYPE),
            "price_changed_on": pd.DatetimeIndex(changed, tz="UTC").as_unit("us"),
        },
        index=index,
    )
    return out


def _judge(
    price: ListPrice, per_execution: float, per_second: float, step: Step | None
) -> tuple[float, str]:
    """The ratio and the flag of one model."""
    if not price.listed:
        return math.nan, NO_LIST_PRICE
    reason = price.why_not()
    ratio, above = math.nan, False
    if reason is None:
        if price.basis == PER_EXECUTION:
            charged, rate, ceiling = per_execution, price.rate, price.ceiling
            missing = "no successful execution with a cost"
        else:
            charged = per_second
            rate, ceiling = price.per_second(price.rate), price.per_second(price.ceiling)
            missing = "no successful execution with a run time"
        if math.isnan(charged):
            reason = missing
        else:
            ratio = charged / rate if rate > 0 else math.nan
            above = charged > ceiling * (1 + ABOVE_TOLERANCE)
    if step is not None:
        return ratio, f"price changed on {step.day.strftime('%Y-%m-%d')}"
    if above:
        return ratio, ABOVE_LIST
    if reason is not None:
        return ratio, f"not comparable: {reason}"
    return ratio, ""
