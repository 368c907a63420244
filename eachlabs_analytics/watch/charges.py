"""What each model was charged: the figures the price check and the what-if start from.

Per model, from partial aggregates (a frame's or a store scan's, the same figures):
``executions`` (rows, any status), ``successes`` (rows in the schema's succeeded group),
``spend`` (sum of ``execution_cost`` over every row; a missing cost counts 0; exact cents),
``success_spend`` (the same over the successes), ``charged_per_execution`` (the median
``execution_cost`` of the successes with a known cost), ``timed`` and ``run_time`` (how many
successes have a known ``run_time``, and the sum of it, seconds). The one figure that needs
rows, the median charge per second of run time, is read from the successes of the models
asked only (:func:`charged_per_second`).

>>> import eachlabs_analytics as ea
>>> from eachlabs_analytics.metrics.frame_partials import answerer
>>> df = ea.generate_executions(executions=2_000, seed=7)
>>> table = per_model(answerer(df, "x"))
>>> int(table["executions"].sum()) == len(df)
True
>>> float(table.loc["flux-2-pro", "charged_per_execution"])
0.05
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from eachlabs_analytics._util import money
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.grouping import combine

#: The columns :func:`per_model` gives.
CHARGE_COLUMNS: tuple[str, ...] = (
    "executions",
    "successes",
    "spend",
    "success_spend",
    "charged_per_execution",
    "timed",
    "run_time",
)
#: What a helper built on these reads of a frame.
READS: tuple[str, ...] = ("model", "status", "execution_cost", "run_time", "created_at")


def per_model(source: _lazy.LazyExecutions, helper: str = "price_check") -> pd.DataFrame:
    """The charges of every model of ``source`` (index ``model``, missing model last), sorted
    by ``spend`` descending then name; ``attrs`` as every helper's (window, row counts)."""
    table = source.partials(_lazy.GroupCounts("model"))
    grouping = _rows.partial_groups(table, "model", helper)
    size, n_out = grouping.size, len(_rows.OUTCOMES)
    keys = combine(grouping.codes, _rows.partial_outcomes(table), n_out)
    rows = _rows.per_group_counts(keys, size * n_out, _lazy.ints(table, "rows"))
    nanos = money.group_nanos(keys, size * n_out, _lazy.nanos(table, "cost"))
    rows, nanos = rows.reshape(size, n_out), nanos.reshape(size, n_out)
    out = pd.DataFrame(
        {
            "executions": rows.sum(axis=1),
            "successes": rows[:, _rows.SUCCEEDED],
            "spend": money.to_dollars(nanos.sum(axis=1)),
            "success_spend": money.to_dollars(nanos[:, _rows.SUCCEEDED]),
        },
        index=pd.Index(grouping.labels, name="model"),
    )
    median = source.partials(_lazy.Latency("model", "execution_cost", (50.0,), outcome="succeeded"))
    out["charged_per_execution"] = _by_key(median, "q0", out.index)
    timed = source.partials(_lazy.Latency("model", "run_time", (), outcome="succeeded"))
    out["timed"] = _by_key(timed, "count", out.index).fillna(0).astype(np.int64)
    out["run_time"] = _by_key(timed, "total", out.index).fillna(0.0)
    out = _rows.sort_groups(out, ["spend"])
    out.attrs = _rows.lazy_attrs(source.attrs, _rows.outcome_overview(table))
    return out


def _by_key(table: pa.Table, column: str, index: pd.Index) -> pd.Series:
    """A partial table's ``column`` per model, aligned on ``index`` (NaN for a model without
    a partial row, and for the missing model)."""
    values = _lazy.reals(table, column)
    by_key = {
        k: v for k, v in zip(_lazy.labels(table, "key"), values, strict=True) if isinstance(k, str)
    }
    found = [by_key.get(m, np.nan) if isinstance(m, str) else np.nan for m in index]
    return pd.Series(found, index=index, dtype=float)


def charged_per_second(rows: _lazy.RowSource, models: Sequence[str]) -> pd.Series:
    """Per model of ``models``: the median of ``execution_cost / run_time`` over its
    successful executions with a known cost and a run time above 0 (USD per second; NaN when
    none). Reads those rows only (a store scan narrows them in its engine).

    >>> import eachlabs_analytics as ea
    >>> from eachlabs_analytics.metrics.frame_partials import answerer
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> rate = charged_per_second(answerer(df, "x"), ["veo-3"])
    >>> ok = (df["model"] == "veo-3") & df["status"].isin(["success", "completed"])
    >>> ok &= df["run_time"] > 0
    >>> bool(rate["veo-3"] == (df.loc[ok, "execution_cost"] / df.loc[ok, "run_time"]).median())
    True
    """
    wanted = list(dict.fromkeys(models))
    out = pd.Series(np.nan, index=pd.Index(wanted, name="model", dtype=object), dtype=float)
    if not wanted:
        return out
    picked = rows.narrow(models=wanted, status_groups=["succeeded"]).to_pandas()
    cost = _rows.floats(picked, "execution_cost")
    run = _rows.floats(picked, "run_time")
    usable = ~np.isnan(cost) & (run > 0)
    ratio = pd.Series(cost[usable] / run[usable])
    model = picked["model"].astype(object).to_numpy()[usable]
    medians = ratio.groupby(model).median()
    out.update(medians)
    return out
