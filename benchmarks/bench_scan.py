"""Out-of-memory benchmark: the helpers over ``store.scan`` against hand-written DuckDB SQL.

    python benchmarks/bench_scan.py                   # 100,000,000 rows (~8 GB of Parquet)
    python benchmarks/bench_scan.py --rows 10000000   # 10,000,000 rows, a minute or two
    python benchmarks/bench_scan.py --store /big/disk/store --keep   # reuse a written store

The store is written straight to Parquet in ``ExecutionStore``'s layout (one zstd file per UTC
day, ``manifest.json`` last), no HTTP: ``generate_executions`` draws 1,000,000 rows over four
days once, and each further block of four days is that block shifted in time, with its own
ids. Then, each in its own process (so each path's peak RSS is its own), one after the other,
``--repeat`` times after one warm-up run:

- ours: ``store.scan()`` on the default DuckDB engine, then ``cost_by_model``,
  ``latency_percentiles`` (count, mean, p50/p90/p95/p99 end to end) and ``error_breakdown``
  on that selection (it shares the rows per group and status that all three need: two queries);
- ours, separately: each helper on its own ``store.scan()`` (nothing shared: four queries);
- SQL: the same aggregates written by hand as three DuckDB queries over
  ``read_parquet('.../data/*/*.parquet')`` (what a user would write without the package).

Prints the median seconds, the ratio, and each process's peak RSS, with the targets (issue 5:
ours <= 1.5x SQL, peak RSS <= 4 GB at 100M rows). The answers are checked against each other.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.engines.selection import forget_shared_partials
from eachlabs_analytics.store import layout
from eachlabs_analytics.store.convert import to_table
from eachlabs_analytics.store.manifest import STORE_FORMAT, STORE_VERSION
from eachlabs_analytics.store.parquet import write_table

END = pd.Timestamp("2026-10-31T00:00:00Z")
BLOCK_DAYS = 4
BLOCK_ROWS = 1_000_000
PERCENTILES = (50, 90, 95, 99)
_SUCCEEDED = ", ".join(f"'{s}'" for s in schema.SUCCEEDED_STATUSES)
_FAILED = ", ".join(f"'{s}'" for s in schema.FAILED_STATUSES)
_IN_FLIGHT = ", ".join(f"'{s}'" for s in schema.IN_FLIGHT_STATUSES)

SQL_COST = f"""
SELECT model,
       count(*) AS executions,
       coalesce(sum(execution_cost), 0) AS total_cost,
       avg(execution_cost) AS mean_cost,
       count(*) FILTER (WHERE status IN ({_SUCCEEDED})) AS succeeded,
       count(*) FILTER (WHERE status IN ({_FAILED})) AS failed,
       coalesce(sum(execution_cost) FILTER (WHERE status IN ({_FAILED})), 0) AS failed_cost
FROM rows GROUP BY model ORDER BY total_cost DESC
"""
SQL_LATENCY = f"""
SELECT model, count(*) AS count, avg(total_seconds) AS mean,
       quantile_cont(total_seconds, [{", ".join(str(p / 100) for p in PERCENTILES)}]) AS q
FROM rows
WHERE status NOT IN ({_IN_FLIGHT}) AND total_seconds IS NOT NULL
GROUP BY model
"""
SQL_ERRORS = f"""
SELECT model, error_classification, count(*) AS n
FROM rows WHERE status IN ({_FAILED}) GROUP BY ALL
"""


# --- writing the store ------------------------------------------------------------------------
def write_store(path: Path, rows: int) -> ea.ExecutionStore:
    """``rows`` executions (rounded up to whole blocks) in ``path``, in the store's layout."""
    blocks = -(-rows // BLOCK_ROWS)
    base = ea.generate_executions(executions=BLOCK_ROWS, seed=11, end=END, days=BLOCK_DAYS)
    table = to_table(base)  # sorted newest first, as the store keeps a day
    day_of = pc.cast(table["created_at"], pa.date32()).to_numpy()
    edges = [0, *(np.flatnonzero(day_of[1:] != day_of[:-1]) + 1).tolist(), len(day_of)]
    store = ea.ExecutionStore(path)
    for block in range(blocks):
        shift = pd.Timedelta(days=BLOCK_DAYS * block)
        shifted = table
        for name in schema.TIMESTAMP_FIELDS:
            moved = pc.subtract(table[name], pa.scalar(shift.to_pytimedelta(), pa.duration("us")))
            shifted = shifted.set_column(shifted.schema.get_field_index(name), name, moved)
        ids = pc.binary_join_element_wise(table["id"], pa.scalar(f"_{block:04d}"), "")
        shifted = shifted.set_column(0, "id", ids)
        for first, stop in zip(edges[:-1], edges[1:], strict=True):
            day = (pd.Timestamp(day_of[first]) - shift).date()
            target = store.data_path / f"created_date={day.isoformat()}"
            target.mkdir(parents=True, exist_ok=True)
            write_table(shifted.slice(first, stop - first), target / layout.PART_NAME)
    start = END - pd.Timedelta(days=BLOCK_DAYS * blocks)
    manifest = {
        "format": STORE_FORMAT,
        "version": STORE_VERSION,
        "partitioning": {"column": "created_date", "type": "date", "flavor": "hive"},
        "data": layout.DATA_DIR,
        "query": {},
        "window": {"start": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "end": "2026-10-31T00:00:00Z"},
        "in_flight": {"rows": 0, "windows": []},
        "rows": blocks * BLOCK_ROWS,
        "partitions": len(store.partitions()),
    }
    store.manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return store


# --- the two paths (run in child processes) -------------------------------------------------
def ours(store_path: str, memory_limit: str | None) -> dict[str, pd.DataFrame]:
    store = ea.ExecutionStore(store_path)
    selection = store.scan(memory_limit=memory_limit)
    return {
        "cost": ea.cost_by_model(selection),
        "latency": ea.latency_percentiles(selection, percentiles=PERCENTILES),
        "errors": ea.error_breakdown(selection),
    }


def ours_separately(store_path: str, memory_limit: str | None) -> dict[str, pd.DataFrame]:
    store = ea.ExecutionStore(store_path)
    return {
        "cost": ea.cost_by_model(store.scan(memory_limit=memory_limit)),
        "latency": ea.latency_percentiles(
            store.scan(memory_limit=memory_limit), percentiles=PERCENTILES
        ),
        "errors": ea.error_breakdown(store.scan(memory_limit=memory_limit)),
    }


def by_hand(store_path: str, memory_limit: str | None) -> dict[str, pd.DataFrame]:
    import duckdb

    config = {"memory_limit": memory_limit} if memory_limit else {}
    con = duckdb.connect(config=config)
    files = f"{store_path}/data/*/*.parquet"
    con.execute(f"CREATE VIEW rows AS SELECT * FROM read_parquet('{files}')")
    out = {
        name: con.execute(query).df()
        for name, query in (("cost", SQL_COST), ("latency", SQL_LATENCY), ("errors", SQL_ERRORS))
    }
    con.close()
    return out


def child(path: str, store_path: str, repeat: int, memory_limit: str | None) -> None:
    run = {"ours": ours, "separate": ours_separately, "sql": by_hand}[path]
    result = run(store_path, memory_limit)  # warm-up: imports, file footers, page cache
    times = []
    for _ in range(repeat):
        forget_shared_partials()  # every run cold: selections of one process share partials
        start = time.perf_counter()
        result = run(store_path, memory_limit)
        times.append(time.perf_counter() - start)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    summary = {
        "seconds": statistics.median(times),
        "runs": times,
        "peak_rss_bytes": peak_kb * 1024,
        "total_cost": float(result["cost"]["total_cost"].sum()),
        "executions": int(result["cost"]["executions"].sum()),
        "errors": int(
            result["errors"]["n"].sum() if path == "sql" else result["errors"]["errors"].sum()
        ),
        "p95": _p95(result["latency"], path),
    }
    print(json.dumps(summary))


def _p95(latency: pd.DataFrame, path: str) -> dict[str, float]:
    if path != "sql":
        return {str(k): float(v) for k, v in latency["p95"].items()}
    pairs = zip(latency["model"], latency["q"], strict=True)
    return {str(model): float(q[PERCENTILES.index(95)]) for model, q in pairs}


def _measure(path: str, store: Path, repeat: int, memory_limit: str | None) -> dict:
    command = [sys.executable, __file__, "--child", path, "--store", str(store)]
    command += ["--repeat", str(repeat)]
    if memory_limit:
        command += ["--memory-limit", memory_limit]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000, help="rows in the store")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per path (median)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating processes per path")
    parser.add_argument("--store", type=Path, help="where to write the store (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the store")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit for both paths, e.g. 2GB")
    parser.add_argument("--child", choices=["ours", "separate", "sql"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, str(args.store), args.repeat, args.memory_limit)
        return 0

    folder = args.store or Path(tempfile.mkdtemp(prefix="eachlabs-bench-scan-"))
    blocks = -(-args.rows // BLOCK_ROWS)
    try:
        if (folder / layout.MANIFEST_NAME).exists() and args.keep:
            print(f"store: reusing {folder}")
        else:
            start = time.perf_counter()
            write_store(folder, args.rows)
            print(f"store: written in {time.perf_counter() - start:.0f} s")
        files = list((folder / layout.DATA_DIR).rglob("*.parquet"))
        size = sum(f.stat().st_size for f in files)
        rows = blocks * BLOCK_ROWS
        print(
            f"store: {rows:,} rows, {len(files)} day files, {size / 1e9:.2f} GB on disk "
            f"({size / rows:.0f} B/row), at {folder}"
        )
        paths = ("ours", "separate", "sql")
        results: dict[str, list[dict]] = {path: [] for path in paths}
        for i in range(args.rounds):
            for path in paths[i % 3 :] + paths[: i % 3]:  # rotate who goes first
                results[path].append(_measure(path, folder, args.repeat, args.memory_limit))
        s = results["sql"][0]
        for path in ("ours", "separate"):
            o = results[path][0]
            assert o["executions"] == s["executions"] == rows, (o["executions"], s["executions"])
            assert o["errors"] == s["errors"]
            assert abs(o["total_cost"] - s["total_cost"]) <= 1e-9 * abs(s["total_cost"])
            for model, p95 in s["p95"].items():
                assert abs(o["p95"][model] - p95) <= 1e-9 * abs(p95), model
        seconds = {p: statistics.median(r["seconds"] for r in results[p]) for p in paths}
        rss = {p: max(r["peak_rss_bytes"] for r in results[p]) for p in paths}
        limit = args.memory_limit or "DuckDB's default (80 % of RAM)"
        print(
            f"cost + latency + error helpers, {rows:,} rows, median of {args.rounds} processes "
            f"x {args.repeat} runs, memory_limit {limit}:"
        )
        labels = {
            "ours": "ours: one store.scan, 3 helpers",
            "separate": "ours: a store.scan per helper",
            "sql": "hand-written DuckDB SQL",
        }
        for path in paths:
            print(
                f"  {labels[path]:<33} {seconds[path]:7.2f} s   peak RSS {rss[path] / 1e9:5.2f} GB"
            )
        for path in ("ours", "separate"):
            ratio = seconds[path] / seconds["sql"]
            verdict = "met" if ratio <= 1.5 else "MISSED"
            print(f"{labels[path]} / SQL = {ratio:.2f}x (target <= 1.5x: {verdict})")
        worst = max(rss["ours"], rss["separate"])
        verdict = "met" if worst <= 4e9 else "MISSED"
        print(f"peak RSS of ours = {worst / 1e9:.2f} GB (target <= 4 GB: {verdict})")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
