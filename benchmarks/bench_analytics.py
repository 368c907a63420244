"""Analytics benchmark: the cost, latency and error helpers against DuckDB and plain pandas.

    python benchmarks/bench_analytics.py                 # 10,000,000 rows (about 2.5 GB of RAM)
    python benchmarks/bench_analytics.py --rows 1000000 --repeat 3

The frame: ``generate_executions`` (1,000,000 rows at most, then tiled to ``--rows``), typed
exactly like the loader's output. One repetition computes, per model, what
``cost_by_model``, ``latency_percentiles`` (end to end: count, mean, p50/p90/p95/p99) and
``error_breakdown`` (failed rows per error class, errors, executions, rate) return:

- ours: the three helpers called one after the other on the frame as loaded, as a notebook
  would: each one groups the model column itself (one factorization each);
- ours, encoded: ``metrics.grouping.encode`` turns the model column into a categorical once
  (what the report does before its dozen helpers), then the same three helpers;
- DuckDB: the same aggregates as three SQL queries on the same in-memory pandas frame
  (read in place, no copy), results fetched as DataFrames (executions per model, which the
  error rate needs, come from the cost query rather than a fourth one);
- pandas: the same with plain ``groupby(observed=True)`` (``.quantile`` for percentiles).

Prints the median seconds of each and the ratios. Target (issue 4): ours <= 1.5x DuckDB.
The three answers are checked against each other before timing.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.metrics import grouping as _grouping

END = "2026-10-31T00:00:00Z"
PERCENTILES = (50, 90, 95, 99)
_SUCCEEDED = ", ".join(f"'{s}'" for s in schema.SUCCEEDED_STATUSES)
_FAILED = ", ".join(f"'{s}'" for s in schema.FAILED_STATUSES)
_IN_FLIGHT = ", ".join(f"'{s}'" for s in schema.IN_FLIGHT_STATUSES)

DUCKDB_COST = f"""
SELECT model,
       count(*) AS executions,
       coalesce(sum(execution_cost), 0) AS total_cost,
       avg(execution_cost) AS mean_cost,
       coalesce(sum(execution_cost), 0) / nullif(sum(coalesce(sum(execution_cost), 0)) OVER (), 0)
           AS share,
       count(*) FILTER (WHERE status IN ({_SUCCEEDED})) AS succeeded,
       count(*) FILTER (WHERE status IN ({_FAILED})) AS failed,
       coalesce(sum(execution_cost) FILTER (WHERE status IN ({_FAILED})), 0) AS failed_cost,
       coalesce(sum(execution_cost), 0)
           / nullif(count(*) FILTER (WHERE status IN ({_SUCCEEDED})), 0) AS cost_per_success
FROM frame GROUP BY model ORDER BY total_cost DESC
"""
DUCKDB_LATENCY = f"""
SELECT model, count(*) AS count, avg(total_seconds) AS mean,
       quantile_cont(total_seconds, [{", ".join(str(p / 100) for p in PERCENTILES)}]) AS q
FROM frame
WHERE status NOT IN ({_IN_FLIGHT}) AND total_seconds IS NOT NULL
GROUP BY model
"""
DUCKDB_ERRORS = f"""
SELECT model, error_classification, count(*) AS n
FROM frame WHERE status IN ({_FAILED}) GROUP BY ALL
"""


def make_frame(rows: int) -> pd.DataFrame:
    """``rows`` executions: generated (up to 1,000,000) and tiled, dtypes as the loader's."""
    base = ea.generate_executions(executions=min(rows, 1_000_000), seed=11, end=END)
    copies = -(-rows // len(base))
    frame = pd.concat([base] * copies, ignore_index=True).iloc[:rows]
    assert frame.dtypes.equals(base.dtypes)
    return frame


def ours(df: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    return (
        ea.cost_by_model(df),
        ea.latency_percentiles(df, percentiles=PERCENTILES),
        ea.error_breakdown(df),
    )


def ours_encoded(df: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    return ours(_grouping.encode(df))


def with_duckdb(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, ...]:
    return tuple(con.execute(query).df() for query in (DUCKDB_COST, DUCKDB_LATENCY, DUCKDB_ERRORS))


def with_pandas(df: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    status = df["status"]
    failed = status.isin(schema.FAILED_STATUSES)
    cost = df["execution_cost"]
    frame = pd.DataFrame(
        {
            "model": df["model"],
            "cost": cost,
            "succeeded": status.isin(schema.SUCCEEDED_STATUSES),
            "failed": failed,
            "failed_cost": cost.where(failed, 0.0),
        }
    )
    by_model = frame.groupby("model", observed=True).agg(
        executions=("cost", "size"),
        total_cost=("cost", "sum"),
        mean_cost=("cost", "mean"),
        succeeded=("succeeded", "sum"),
        failed=("failed", "sum"),
        failed_cost=("failed_cost", "sum"),
    )
    by_model["share"] = by_model["total_cost"] / by_model["total_cost"].sum()
    by_model["cost_per_success"] = by_model["total_cost"] / by_model["succeeded"]
    done = df.loc[~status.isin(schema.IN_FLIGHT_STATUSES), ["model", "total_seconds"]].dropna()
    grouped = done.groupby("model", observed=True)["total_seconds"]
    latency = grouped.agg(["count", "mean"]).join(
        grouped.quantile([p / 100 for p in PERCENTILES]).unstack()
    )
    errors = (
        df.loc[failed]
        .groupby(["model", "error_classification"], observed=True, dropna=False)
        .size()
        .unstack(fill_value=0)
    )
    executions = df.groupby("model", observed=True).size()
    return by_model, latency, errors, executions


def check(df: pd.DataFrame, con: duckdb.DuckDBPyConnection) -> None:
    """The three implementations agree before anything is timed."""
    cost, latency, errors = ours(df)
    for mine, encoded in zip((cost, latency, errors), ours_encoded(df), strict=True):
        pd.testing.assert_frame_equal(mine, encoded)
    d_cost, d_latency, d_errors = with_duckdb(con)
    d_cost = d_cost.set_index("model").loc[cost.index]
    for column in ("executions", "succeeded", "failed"):
        assert (d_cost[column].to_numpy() == cost[column].to_numpy()).all(), column
    for column in ("total_cost", "failed_cost", "share", "cost_per_success"):
        assert np.allclose(d_cost[column], cost[column], rtol=1e-9, equal_nan=True), column
    d_latency = d_latency.set_index("model").loc[latency.index]
    quantiles = np.array(d_latency["q"].tolist())
    ours_q = latency[[f"p{p}" for p in PERCENTILES]].to_numpy()
    assert np.allclose(quantiles, ours_q, rtol=1e-9), "percentiles differ from DuckDB"
    assert (d_latency["count"].to_numpy() == latency["count"].to_numpy()).all()
    assert int(d_errors["n"].sum()) == int(errors["errors"].sum())
    p_cost, p_latency, _, _ = with_pandas(df)
    assert np.allclose(p_cost.loc[cost.index, "total_cost"], cost["total_cost"], rtol=1e-9)
    assert np.allclose(p_latency.loc[latency.index].iloc[:, 2:].to_numpy(), ours_q, rtol=1e-12)


def interleaved_medians(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds of each run; rounds alternate between them (rotating who goes first),
    so a noisy neighbour on a shared machine slows all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for i in range(repeat):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            gc.collect()
            start = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows in the frame")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions (median)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    df = make_frame(args.rows)
    print(
        f"frame: {len(df):,} rows, {df['model'].nunique()} models, built in "
        f"{time.perf_counter() - start:.1f} s"
    )
    con = duckdb.connect()
    con.register("frame", df)
    check(df, con)
    ours(df), with_duckdb(con), with_pandas(df)  # warm-up: imports, page faults, JIT caches

    medians = interleaved_medians(
        {
            "ours": lambda: ours(df),
            "encoded": lambda: ours_encoded(df),
            "duckdb": lambda: with_duckdb(con),
            "pandas": lambda: with_pandas(df),
        },
        args.repeat,
    )
    t_ours, t_duckdb, t_pandas = medians["ours"], medians["duckdb"], medians["pandas"]
    t_encoded = medians["encoded"]
    print(f"cost + latency + error helpers, median of {args.repeat} interleaved rounds:")
    print(f"  eachlabs_analytics  {t_ours:7.3f} s  (each helper groups the model column)")
    print(f"  ... encoded once    {t_encoded:7.3f} s  (encode(df), then the same helpers)")
    print(f"  DuckDB (in place)   {t_duckdb:7.3f} s")
    print(f"  pandas groupby      {t_pandas:7.3f} s")
    ratio = t_ours / t_duckdb
    print(f"ours / DuckDB = {ratio:.2f}x (target <= 1.5x: {'met' if ratio <= 1.5 else 'MISSED'})")
    encoded_ratio = t_encoded / t_duckdb
    verdict = "met" if encoded_ratio <= 1.5 else "MISSED"
    print(f"encoded / DuckDB = {encoded_ratio:.2f}x (target <= 1.5x: {verdict})")
    print(f"pandas / ours = {t_pandas / t_ours:.2f}x faster than plain pandas groupby")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
