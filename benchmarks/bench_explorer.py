"""Explorer benchmark: ``explore(store)`` on a large store, against the Explorer on the loaded
frame and against the helpers it calls.

    python benchmarks/bench_explorer.py                    # 10,000,000 rows
    python benchmarks/bench_explorer.py --rows 1000000 --frame   # also the in-memory Explorer

The store is written straight to Parquet by ``bench_scan.write_store`` (no HTTP). Then, in
one process each (so each path's peak RSS is its own):

- lazy: ``explore(store, charts=False)`` (DuckDB re-queried on every change): the time to
  build it (the first render of every table included), then the median time of a filter
  change (one model; then the failed status group; then back to all), tables re-rendered;
- baseline: the helpers behind the headline and the tables called once each on the same
  ``store.scan()`` (``summary``, ``cost_by_model``, ``cost_over_time``, ``latency_percentiles``,
  ``latency_over_time``, ``error_rate_over_time``, ``error_breakdown``, ``compare_periods``):
  what any face over the store must pay;
- frame (``--frame``): ``explore(store.load(), charts=False)`` the same way, load included.

Targets (issue 13): construction <= 2 s and a filter change <= 0.5 s at 10M rows.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import BLOCK_ROWS, write_store  # noqa: E402

import eachlabs_analytics as ea  # noqa: E402
from eachlabs_analytics.engines.selection import forget_shared_partials  # noqa: E402
from eachlabs_analytics.store import layout  # noqa: E402

CHANGES = ("one model", "failed", "reset")


def _changes(explorer: ea.Explorer) -> dict[str, float]:
    seconds = {}
    for name in CHANGES:
        value = {
            "one model": {"models": [explorer.models[0]]},
            "failed": {"models": [], "status_groups": ["failed"]},
            "reset": None,
        }[name]
        start = time.perf_counter()
        explorer.filters = value
        seconds[name] = time.perf_counter() - start
        assert explorer.errors == {}, explorer.errors
    return seconds


def child(path: str, store_path: str, repeat: int) -> None:
    store = ea.ExecutionStore(store_path)
    result: dict[str, object] = {}
    if path == "baseline":
        times = []
        for _ in range(repeat):
            forget_shared_partials()  # every run cold: selections of one process share partials
            start = time.perf_counter()
            selection = store.scan()
            ea.summary(selection)
            ea.cost_by_model(selection)
            ea.cost_over_time(selection, top=8)
            ea.latency_percentiles(selection)
            ea.latency_over_time(selection)
            ea.error_rate_over_time(selection)
            ea.error_breakdown(selection)
            ea.compare_periods(selection, by=None)
            times.append(time.perf_counter() - start)
        result["seconds"] = statistics.median(times)
    else:
        builds, changes = [], {name: [] for name in CHANGES}
        for _ in range(repeat):
            forget_shared_partials()
            start = time.perf_counter()
            source = store if path == "lazy" else store.load()
            explorer = ea.explore(source, charts=False, debounce=0)
            builds.append(time.perf_counter() - start)
            for name, seconds in _changes(explorer).items():
                changes[name].append(seconds)
            result["executions"] = explorer.summary.executions
        result["build"] = statistics.median(builds)
        result["changes"] = {name: statistics.median(v) for name, v in changes.items()}
    result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(result))


def _measure(path: str, store: Path, repeat: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", path, "--store", str(store), "--repeat", str(repeat)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows in the store")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per path (median)")
    parser.add_argument("--frame", action="store_true", help="also the in-memory Explorer")
    parser.add_argument("--store", type=Path, help="where to write the store (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the store")
    parser.add_argument("--child", choices=["lazy", "frame", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, str(args.store), args.repeat)
        return 0

    folder = args.store or Path(tempfile.mkdtemp(prefix="eachlabs-bench-explorer-"))
    rows = -(-args.rows // BLOCK_ROWS) * BLOCK_ROWS
    try:
        if not ((folder / layout.MANIFEST_NAME).exists() and args.keep):
            start = time.perf_counter()
            write_store(folder, args.rows)
            print(f"store: {rows:,} rows written in {time.perf_counter() - start:.0f} s")
        paths = ["lazy", "baseline"] + (["frame"] if args.frame else [])
        results = {path: _measure(path, folder, args.repeat) for path in paths}
        lazy, baseline = results["lazy"], results["baseline"]
        assert lazy["executions"] == rows, lazy["executions"]
        gb = 1e9
        print(f"Explorer over a {rows:,}-row store, median of {args.repeat} (tables only):")
        print(
            f"  explore(store): build {lazy['build']:6.2f} s (target <= 2 s: "
            f"{'met' if lazy['build'] <= 2 else 'MISSED'}), peak RSS "
            f"{lazy['peak_rss_bytes'] / gb:.2f} GB"
        )
        for name, seconds in lazy["changes"].items():
            verdict = "met" if seconds <= 0.5 else "MISSED"
            print(f"    filter change ({name:9}) {seconds:6.2f} s (target <= 0.5 s: {verdict})")
        print(
            f"  baseline, the helpers it calls once each on store.scan(): "
            f"{baseline['seconds']:.2f} s; build / baseline = "
            f"{lazy['build'] / baseline['seconds']:.2f}x"
        )
        if "frame" in results:
            frame = results["frame"]
            print(
                f"  explore(store.load()): build {frame['build']:6.2f} s (load included), "
                f"peak RSS {frame['peak_rss_bytes'] / gb:.2f} GB"
            )
            for name, seconds in frame["changes"].items():
                print(f"    filter change ({name:9}) {seconds:6.2f} s")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
