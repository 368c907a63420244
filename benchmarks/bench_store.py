"""Store and report benchmarks: ``store.load()``, ``cost_report(previous=...)``, a first sync.

    python benchmarks/bench_store.py          # 10,000,000-row store and periods, 1,000,000-row sync
    python benchmarks/bench_store.py --rows 1000000 --report-rows 1000000 --sync-rows 100000

Every measured path runs in its own child process (``--child``), so one path's memory never
inflates another's; rounds are interleaved (who goes first rotates) and medians printed,
with each path's peak memory (the child's ``ru_maxrss``, from ``os.wait4``).

1. ``store.load()`` of a ``--rows`` store. The store is written straight to Parquet in the
   store's layout (one zstd file per UTC day, each sorted newest first, as ``sync`` writes
   them) from ``generate_executions`` (1,000,000 rows over 90 days, tiled with new ids and
   shifted times). Baseline: ``pyarrow.dataset(data).to_table().to_pandas()`` on the same
   files. Target (issue 4, part 4): within 1.3x.
2. ``cost_report(df, previous=...)`` with ``--report-rows`` rows per period (adjacent
   30-day periods; Markdown, no charts, no forecast). Baseline: the analytics helpers the
   report calls, on the same two frames (``compare_periods`` on their concatenation, built
   before the clock starts). Memory: the peak resident set while the report runs (reset
   after the inputs are read, ``/proc/self/clear_refs``) against the resident set holding
   the inputs. Targets: within 3x the helpers' time; peak within 1.5x the inputs.
3. A first ``store.sync`` of ``--sync-rows`` executions over 90 days from the local sandbox,
   against ``load_executions`` of the same window over the same sandbox. Target: within 1.2x.

Run it against older code with ``PYTHONPATH=<old checkout>`` for before/after figures: it
uses only public functions.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

END = "2026-10-31T00:00:00Z"
BASE_ROWS = 1_000_000
SYNC_START = "2026-08-02T00:00:00Z"  # 90 days before END


# --- data, written once per size -----------------------------------------------------------
def tiled(rows: int, seed: int, end: str, days: int) -> Any:
    """``rows`` executions: ``generate_executions`` (1M at most), tiled with new ids and
    times shifted back a few seconds per copy (so ids stay unique and days stay full)."""
    import pandas as pd

    import eachlabs_analytics as ea

    base = ea.generate_executions(executions=min(rows, BASE_ROWS), seed=seed, end=end, days=days)
    parts = [base]
    for k in range(1, -(-rows // len(base))):
        shift = pd.Timedelta(seconds=7 * k)
        copy = base.copy()
        copy["id"] = (copy["id"] + f"-{k:x}").astype(base["id"].dtype)
        for column in ("created_at", "started_at", "completed_at"):
            copy[column] = copy[column] - shift
        parts.append(copy)
    frame = pd.concat(parts, ignore_index=True).iloc[:rows]
    frame.attrs = dict(base.attrs)
    return frame


def write_store(path: Path, rows: int) -> None:
    """A store of ``rows`` executions in ``sync``'s layout, written straight to Parquet."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from eachlabs_analytics import schema
    from eachlabs_analytics.store.parquet import write_table

    frame = tiled(rows, seed=11, end=END, days=90)
    table = pa.Table.from_pandas(frame, schema=schema.ARROW_SCHEMA, preserve_index=False)
    del frame
    table = table.replace_schema_metadata(None)
    order = pc.sort_indices(table, sort_keys=[("created_at", "descending"), ("id", "ascending")])
    table = table.take(order)
    days = pc.cast(table["created_at"], pa.date32()).to_numpy()
    cuts = np.flatnonzero(days[1:] != days[:-1]) + 1
    for first, last in zip(np.r_[0, cuts], np.r_[cuts, len(days)], strict=True):
        folder = path / "data" / f"created_date={days[first]}"
        folder.mkdir(parents=True, exist_ok=True)
        write_table(table.slice(first, last - first).combine_chunks(), folder / "part-0.parquet")


def write_periods(path: Path, rows: int) -> None:
    """Two adjacent 30-day periods of ``rows`` executions each, as Parquet files."""
    import pandas as pd

    import eachlabs_analytics as ea

    path.mkdir(parents=True, exist_ok=True)
    middle = pd.Timestamp(END) - pd.Timedelta(days=30)
    for name, seed, end in (("current", 11, END), ("previous", 12, middle.isoformat())):
        frame = tiled(rows, seed=seed, end=end, days=30)
        start = pd.Timestamp(end) - pd.Timedelta(days=30)
        frame = frame[frame["created_at"] >= start].reset_index(drop=True)
        frame.attrs = {"window": {"start": start.isoformat(), "end": pd.Timestamp(end).isoformat()}}
        ea.to_parquet(frame, path / f"{name}.parquet")


# --- the measured paths (each in its own child process) ------------------------------------
def _resident() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _peak_since_reset() -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets the peak resident set (VmHWM) of this process
        return True
    except OSError:
        return False


def child(name: str, workdir: Path, options: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd
    import pyarrow as pa

    import eachlabs_analytics as ea

    out: dict[str, Any] = {}
    if name in ("pyarrow", "load"):
        store = workdir / f"store-{options['rows']}"
        started = time.perf_counter()
        if name == "pyarrow":
            import pyarrow.dataset as ds

            frame = ds.dataset(store / "data", format="parquet", partitioning="hive")
            frame = frame.to_table().to_pandas()
        else:
            frame = ea.ExecutionStore(store).load()
        out["seconds"] = time.perf_counter() - started
        out["rows"] = len(frame)
        return out
    if name in ("report", "helpers"):
        folder = workdir / f"periods-{options['report_rows']}"
        current = ea.read_parquet(folder / "current.parquet")
        previous = ea.read_parquet(folder / "previous.parquet")
        both = None
        if name == "helpers":
            both = pd.concat([current, previous], ignore_index=True)  # not timed: the input
        gc.collect()
        pa.default_memory_pool().release_unused()
        out["inputs_bytes"] = int(
            current.memory_usage(deep=True).sum() + previous.memory_usage(deep=True).sum()
        )
        out["resident_before"] = _resident()
        reset = _reset_peak()
        started = time.perf_counter()
        if name == "report":
            text = ea.cost_report(
                current, previous=previous, format="markdown", charts=False, forecast=False
            )
            out["chars"] = len(text)
        else:
            helpers(current, previous, both)
        out["seconds"] = time.perf_counter() - started
        out["peak_during"] = _peak_since_reset() if reset else None
        return out
    if name in ("load_executions", "sync"):
        window = {"start": SYNC_START, "end": END}
        server = {"base_url": options["base_url"], "api_key": options["api_key"]}
        started = time.perf_counter()
        if name == "load_executions":
            rows = len(ea.load_executions(**window, **server, progress=False))
        else:
            target = Path(tempfile.mkdtemp(dir=workdir))
            try:
                rows = ea.ExecutionStore(target).sync(**window, **server, progress=False).rows
            finally:
                shutil.rmtree(target, ignore_errors=True)
        out["seconds"] = time.perf_counter() - started
        out["rows"] = rows
        return out
    raise SystemExit(f"unknown child {name!r}")


def helpers(current: Any, previous: Any, both: Any) -> None:
    """What the report computes, called helper by helper on the frames as given."""
    from eachlabs_analytics import metrics

    s = metrics.summary(current, top=10)
    metrics.cost_by_model(current)
    metrics.cost_by_workflow(current)
    metrics.cost_over_time(current, freq="D", by=None)
    metrics.error_rate_over_time(current, freq="D")
    for metric in ("queue_seconds", "execution_seconds", "total_seconds"):
        metrics.latency_percentiles(
            current, by="model", metric=metric, percentiles=(50, 90, 95, 99)
        )
    metrics.error_breakdown(current, by=None)
    metrics.error_breakdown(current, by="model")
    failed = current["status"].isin(["error", "failed"])
    metrics.cost_by_model(current[failed], by="error_classification")
    router = current[current["model"] == "eachlabs-llm-router"]
    metrics.cost_by_model(router, by="requested_model")
    before = metrics.summary(previous)
    spans = {"current": (s.start, s.end), "previous": (before.start, s.start)}
    metrics.compare_periods(both, **spans, by="model")
    metrics.compare_periods(both, **spans, by=None)


# --- the parent: prepare, run the children interleaved, print ------------------------------
def run_child(name: str, args: argparse.Namespace, extra: dict[str, Any]) -> dict[str, Any]:
    options = {
        "rows": args.rows,
        "report_rows": args.report_rows,
        "sync_rows": args.sync_rows,
        **extra,
    }
    command = [sys.executable, __file__, "--child", name, "--workdir", str(args.workdir)]
    command += ["--options", json.dumps(options)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"child {name} failed ({process.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    result["max_rss"] = usage.ru_maxrss * 1024  # kilobytes on Linux
    return result


def rounds(names: list[str], args: argparse.Namespace, extra: dict[str, Any] | None = None):
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for i in range(args.repeat):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            runs[name].append(run_child(name, args, extra or {}))
    return runs


def median(runs: list[dict[str, Any]], key: str) -> float:
    values = [run[key] for run in runs if run.get(key) is not None]
    return statistics.median(values) if values else float("nan")


def gb(value: float) -> str:
    return f"{value / 1e9:5.2f} GB"


def verdict(ratio: float, target: float) -> str:
    return f"target <= {target}x: {'met' if ratio <= target else 'MISSED'}"


def line(label: str, runs: list[dict[str, Any]]) -> str:
    """One path's median seconds and median peak memory."""
    return f"  {label:<30}{median(runs, 'seconds'):7.2f} s   peak {gb(median(runs, 'max_rss'))}"


def bench_load(args: argparse.Namespace) -> None:
    store = args.workdir / f"store-{args.rows}"
    if not store.exists():
        started = time.perf_counter()
        run_child("prepare-store", args, {})
        print(f"wrote a {args.rows:,}-row store in {time.perf_counter() - started:.0f} s")
    size = sum(f.stat().st_size for f in store.rglob("*.parquet"))
    days = len(list((store / "data").iterdir()))
    print(f"store.load() of {args.rows:,} rows ({days} day files, {size / 1e6:,.0f} MB):")
    runs = rounds(["pyarrow", "load"], args)
    assert {r["rows"] for r in runs["pyarrow"] + runs["load"]} == {args.rows}
    base, ours = median(runs["pyarrow"], "seconds"), median(runs["load"], "seconds")
    print(line("pyarrow dataset -> to_pandas", runs["pyarrow"]))
    print(line("store.load()", runs["load"]))
    print(f"  ratio {ours / base:.2f}x ({verdict(ours / base, 1.3)})")


def bench_report(args: argparse.Namespace) -> None:
    folder = args.workdir / f"periods-{args.report_rows}"
    if not folder.exists():
        run_child("prepare-periods", args, {})
    print(f"cost_report(df, previous=...), {args.report_rows:,} rows per period:")
    runs = rounds(["helpers", "report"], args)
    base, ours = median(runs["helpers"], "seconds"), median(runs["report"], "seconds")
    held = median(runs["report"], "resident_before")
    peak = median(runs["report"], "peak_during")
    inputs = median(runs["report"], "inputs_bytes")
    print(f"  the helpers it calls          {base:7.2f} s")
    print(f"  cost_report                   {ours:7.2f} s")
    print(f"  ratio {ours / base:.2f}x ({verdict(ours / base, 3)})")
    print(
        f"  memory: inputs {gb(inputs)} (memory_usage), process holding them {gb(held)}, "
        f"peak while reporting {gb(peak)}"
    )
    print(f"  peak / held {peak / held:.2f}x ({verdict(peak / held, 1.5)}); +{gb(peak - held)}")


def bench_sync(args: argparse.Namespace) -> None:
    import pandas as pd

    import eachlabs_analytics as ea

    truth = ea.generate_executions(executions=args.sync_rows, seed=5, end=END, days=90)
    with ea.sandbox(data=truth, now=pd.Timestamp(END)) as api:
        extra = {"base_url": api.base_url, "api_key": api.api_key}
        print(f"first sync of {args.sync_rows:,} executions, 90 days, local sandbox:")
        runs = rounds(["load_executions", "sync"], args, extra)
    assert len({r["rows"] for r in runs["load_executions"] + runs["sync"]}) == 1
    base, ours = median(runs["load_executions"], "seconds"), median(runs["sync"], "seconds")
    print(line("load_executions", runs["load_executions"]))
    print(line("store.sync (first)", runs["sync"]))
    print(f"  ratio {ours / base:.2f}x ({verdict(ours / base, 1.2)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows in the store")
    parser.add_argument("--report-rows", type=int, default=10_000_000, help="rows per period")
    parser.add_argument("--sync-rows", type=int, default=1_000_000, help="executions synced")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--only", default="load,report,sync", help="comma-separated parts")
    parser.add_argument("--workdir", type=Path, default=None, help="keep generated data here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--options", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        options = json.loads(args.options)
        if args.child == "prepare-store":
            write_store(args.workdir / f"store-{options['rows']}", options["rows"])
            result: dict[str, Any] = {}
        elif args.child == "prepare-periods":
            write_periods(
                args.workdir / f"periods-{options['report_rows']}", options["report_rows"]
            )
            result = {}
        else:
            result = child(args.child, args.workdir, options)
        print(json.dumps(result))
        return 0
    own = args.workdir is None
    if own:
        args.workdir = Path(tempfile.mkdtemp(prefix="bench-store-"))
    args.workdir.mkdir(parents=True, exist_ok=True)
    try:
        parts = {"load": bench_load, "report": bench_report, "sync": bench_sync}
        for part in args.only.split(","):
            parts[part.strip()](args)
    finally:
        if own:
            shutil.rmtree(args.workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
