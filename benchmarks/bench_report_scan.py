"""``report --store`` over a scan against the store loaded into pandas: time and peak RSS.

    python benchmarks/bench_report_scan.py                      # 10,000,000 rows (40 days)
    python benchmarks/bench_report_scan.py --store /tmp/s --keep --last 20d

The store is ``bench_scan.write_store``'s (one zstd file per UTC day, no HTTP). Each path runs
in its own process (so its peak RSS is its own) and writes the Markdown report of ``--last``
(default 20d: half the store, the other half is the previous period it compares with):

- scan: ``eachlabs-analytics report --store DIR --last 20d --format markdown``, as now;
- load: what the command did before: ``sources.from_store`` with ``store.load`` and
  ``cost_report`` on the two frames (with the forecast, which a scan leaves out for now);
- load, no forecast: the same without the "Forecast and alerts" section (like for like).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

PATHS = ("scan", "load", "load-noforecast")


def child(path: str, store: str, last: str, output: str) -> None:
    started = time.perf_counter()
    if path == "scan":
        from click.testing import CliRunner

        from eachlabs_analytics.cli import main

        result = CliRunner().invoke(
            main, ["report", "--store", store, "--last", last, "--format", "markdown", "-o", output]
        )
        assert result.exit_code == 0, result.output
    else:
        from eachlabs_analytics._util.windows import resolve_range
        from eachlabs_analytics.app import sources
        from eachlabs_analytics.report import cost_report

        periods = sources.from_store(store, resolve_range(None, None, last, None), lazy=False)
        cost_report(
            periods.current,
            output,
            format="markdown",
            previous=periods.previous,
            forecast=path == "load",
        )
    seconds = time.perf_counter() - started
    # VmHWM, this process's own high-water mark (ru_maxrss would carry the parent's over exec)
    status = Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]
    peak = int(status) / 1024**2  # KiB -> GiB
    print(f"{seconds:.1f} {peak:.2f}")


def _without_forecast(markdown: str) -> list[str]:
    body = markdown.rsplit("\n_", 1)[0]  # the footer holds the time generated
    return [part for part in body.split("\n## ") if not part.startswith("Forecast")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--last", default="20d")
    parser.add_argument("--store", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", choices=PATHS, help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, str(args.store), args.last, args.output)
        return 0
    from bench_scan import write_store

    store = args.store or Path(tempfile.mkdtemp(prefix="bench-report-")) / "store"
    if not (store / "manifest.json").exists():
        started = time.perf_counter()
        write_store(store, args.rows)
        print(f"wrote {args.rows:,} rows in {time.perf_counter() - started:.0f} s to {store}")
    outputs = {}
    try:
        for path in PATHS:
            output = str(store.parent / f"report-{path}.md")
            found = subprocess.run(
                [sys.executable, __file__, "--child", path, "--store", str(store),
                 "--last", args.last, "--output", output],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            seconds, peak = found.stdout.split()[-2:]
            outputs[path] = Path(output).read_text()
            print(f"{path:>16}: {seconds:>6} s, peak RSS {peak} GB")
        scan, load = (_without_forecast(outputs[p]) for p in ("scan", "load-noforecast"))
        differ = [a for a, b in zip(scan, load, strict=False) if a != b]
        # a sum added in another order can round the other way at exactly half a cent
        print(f"sections (forecast aside) that differ in their text: {len(differ)}")
    finally:
        if not args.keep and args.store is None:
            shutil.rmtree(store.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
