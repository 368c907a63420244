"""What if: the history re-priced with other models at their list prices, a free first look.

Each model swapped (``{"veo-3": "veo3-1-fast"}``) has its **successful** executions re-priced
at the alternative's list price, where the units allow:

- **per execution** (the alternative's list price is per execution): each success costs the
  alternative's amount (a usage-based one: the midpoint of its range);
- **per second of run time** (per second, minute, hour): each success costs the alternative's
  rate times the run time the original took (the alternative is assumed to run as long;
  successes without a run time count the mean of the others);
- anything else (per image, megapixel, character..., no unit, no list price) is
  ``unknown``, with the reason: no figure is made up.

Failed, cancelled and in-flight executions keep what they were charged: whether the
alternative would fail as often is not known, and what a failure costs is the original's
rule. Models not swapped keep their spend. each::labs' Replay re-runs samples at real cost;
this is the arithmetic before it.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=3_000, seed=7)
>>> prices = pd.DataFrame({"slug": ["veo3-1-fast"], "cost_type": ["fixed"], "amount": [1.2],
...     "unit": ["execution"], "min": [None], "max": [None]})
>>> table = what_if(df, {"veo-3": "veo3-1-fast"}, prices)
>>> row = table.loc["veo-3"]
>>> row["basis"], bool(row["what_if_spend"] < row["spend"]), table.loc["sora-2-pro", "basis"]
('per execution', True, 'kept')
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics._util.formats import fmt_money
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.frame_partials import answerer
from eachlabs_analytics.metrics.lazy import Executions
from eachlabs_analytics.watch.charges import per_model
from eachlabs_analytics.watch.list_prices import (
    PER_EXECUTION,
    ListPrice,
    fetched_at,
    lookup,
    read_prices,
)

#: The columns :func:`what_if` gives, in order.
WHAT_IF_COLUMNS: tuple[str, ...] = (
    "executions",
    "spend",
    "what_if_spend",
    "difference",
    "basis",
    "alternative",
)
KEPT = "kept"
#: What the what-if reads of a frame.
READS: tuple[str, ...] = ("model", "status", "execution_cost", "run_time")
FAILURES_KEPT = (
    "Only successful executions are re-priced: failed, cancelled and in-flight executions "
    "keep what they were charged (whether the alternative would fail as often is not known)."
)


def what_if(source: Executions, swaps: Mapping[str, str], prices: pd.DataFrame) -> pd.DataFrame:
    """The spend of ``source`` had each model of ``swaps`` been its alternative, at list price.

    Parameters
    ----------
    source : DataFrame or lazy selection
        Executions (``load_executions``, ``ExecutionStore.scan()``...): the same result.
    swaps : mapping of str to str
        Model slug -> the alternative's slug, e.g. ``{"veo-3": "veo3-1-fast"}``.
    prices : DataFrame
        List prices as ``ea.model_prices()`` returns them; the alternatives' are read.

    Returns
    -------
    DataFrame
        One row per model of ``source`` (index ``model``), by ``spend`` descending:

        - ``executions``: rows of the model, any status; ``spend``: what they were charged
          (sum of ``execution_cost``, USD).
        - ``what_if_spend``: the successes re-priced at the alternative's list price plus
          what the other rows were charged; ``spend`` for a model kept; NaN when unknown.
        - ``difference``: ``what_if_spend - spend`` (negative: the swap saves).
        - ``basis``: ``"per execution"``, ``"per second of run time"``, ``"unknown:
          <reason> (<alternative>)"``, or ``"kept"`` for a model not swapped.
        - ``alternative``: the slug swapped in (NA when kept).

        ``attrs``: the source's window and row counts; ``assumptions``: the sentences the
        figures rest on (what is re-priced, each swap's rate, the run-time assumption);
        ``fetched_at``: when the prices were fetched.

    Raises
    ------
    InvalidQueryError
        ``swaps`` is not a non-empty mapping of slugs, or ``prices`` is not a prices frame.

    Examples
    --------
    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=3_000, seed=7)
    >>> prices = pd.DataFrame({"slug": ["veo3-1-fast"], "cost_type": ["usage_based"],
    ...     "amount": [None], "unit": ["second"], "min": [0.01], "max": [0.03]})
    >>> table = what_if(df, {"veo-3": "veo3-1-fast"}, prices)
    >>> table.loc["veo-3", "basis"]
    'per second of run time'
    >>> print(table.attrs["assumptions"][1])
    veo-3 -> veo3-1-fast: each successful execution at veo3-1-fast's list rate of $0.02 per \
second (the midpoint of its $0.01 to $0.03 per second), for as long as veo-3 ran.
    """
    checked = _check_swaps(swaps)
    lists = read_prices(prices, "what_if")
    charges = per_model(answerer(source, "what_if", READS), "what_if")
    spend = charges["spend"].to_numpy(dtype=float)
    what = spend.copy()
    basis = [KEPT] * len(charges)
    alternative: list[str | None] = [None] * len(charges)
    assumptions = [FAILURES_KEPT]
    for i, model in enumerate(charges.index):
        if not isinstance(model, str) or model not in checked:
            continue
        target = checked[model]
        alternative[i] = target
        row = charges.loc[model]
        price = lookup(lists, target)
        basis[i], repriced, said = _reprice(model, target, price, row)
        what[i] = repriced + (float(row["spend"]) - float(row["success_spend"]))
        assumptions.append(said)
    present = {m for m in charges.index if isinstance(m, str)}
    for model in checked:
        if model not in present:
            assumptions.append(f"{model} has no executions in this data: nothing to re-price.")
    when = fetched_at(prices)
    assumptions.append(
        "List prices are estimates"
        + (f" (fetched {when})" if when else "")
        + "; what an execution is charged can differ."
    )
    out = pd.DataFrame(
        {
            "executions": charges["executions"].to_numpy(dtype=np.int64),
            "spend": spend,
            "what_if_spend": what,
            "difference": what - spend,
            "basis": pd.array(basis, dtype=schema.STRING_DTYPE),
            "alternative": pd.array(alternative, dtype=schema.STRING_DTYPE),
        },
        index=charges.index,
    )
    out.attrs = dict(charges.attrs)
    out.attrs.update(assumptions=assumptions, fetched_at=when)
    return out


def _reprice(model: str, target: str, price: ListPrice, row: pd.Series) -> tuple[str, float, str]:
    """The basis, the successes' re-priced spend (NaN: unknown) and the sentence that says
    how, for one swap."""
    swap = f"{model} -> {target}"
    reason = price.why_not()
    if reason is not None:
        return f"unknown: {reason} ({target})", math.nan, f"{swap}: not re-priced: {reason}."
    successes, timed = int(row["successes"]), int(row["timed"])
    how = _rate_said(target, price)
    if price.basis == PER_EXECUTION:
        said = f"{swap}: each successful execution at {how}."
        return PER_EXECUTION, successes * price.rate, said
    rate = price.per_second(price.rate)
    basis = "per second of run time"
    if successes and not timed:
        reason = f"no successful execution of {model} has a run time"
        return f"unknown: {reason} ({target})", math.nan, f"{swap}: not re-priced: {reason}."
    seconds = float(row["run_time"]) * (successes / timed) if timed else 0.0
    said = f"{swap}: each successful execution at {how}, for as long as {model} ran."
    if timed < successes:
        said += (
            f" {successes - timed} of its successes have no run time: each counts the mean "
            "run time of the others."
        )
    return basis, rate * seconds, said


def _rate_said(target: str, price: ListPrice) -> str:
    """``<target>'s list price of $X per <unit>`` (a range's midpoint said as such)."""
    unit = (price.unit or "").replace("_", " ")
    name = "price" if price.basis == PER_EXECUTION else "rate"
    text = f"{target}'s list {name} of {_fmt_rate(price.rate)} per {unit}"
    if price.cost_type == "usage_based" and not (math.isnan(price.low) or math.isnan(price.high)):
        if price.low != price.high:
            text += (
                f" (the midpoint of its {_fmt_rate(price.low)} to {_fmt_rate(price.high)} "
                f"per {unit})"
            )
    return text


def _fmt_rate(value: float) -> str:
    """A list rate: money to the cent from $1 on, else four significant digits written out
    (a rate per second is often a fraction of a cent).

    >>> _fmt_rate(1250.5), _fmt_rate(0.0228571), _fmt_rate(1.8e-06)
    ('$1,250.50', '$0.02286', '$0.0000018')
    """
    if abs(value) >= 1:
        return fmt_money(value)
    digits = np.format_float_positional(abs(value), precision=4, fractional=False, trim="-")
    return f"{'-' if value < 0 else ''}${digits}"


def _check_swaps(swaps: object) -> dict[str, str]:
    allowed = (
        "a non-empty mapping of model slug to the alternative's slug, e.g. {'veo-3': 'veo3-1-fast'}"
    )
    if not isinstance(swaps, Mapping) or not swaps:
        raise InvalidQueryError(f"what_if: swaps={swaps!r} is not allowed; use {allowed}")
    out: dict[str, str] = {}
    for model, target in swaps.items():
        for value in (model, target):
            if not isinstance(value, str) or not value.strip() or not value.isprintable():
                raise InvalidQueryError(
                    f"what_if: {value!r} in swaps is not a model slug; use {allowed}"
                )
        out[model] = target
    return out
