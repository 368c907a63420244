"""Loader benchmarks: JSON pages -> typed frame, and whole loads against the sandbox (v2, v1).

    python benchmarks/bench_loader.py                    # everything, full size
    python benchmarks/bench_loader.py --skip-conversion  # the whole loads only (v2, then v1)
    python benchmarks/bench_loader.py --only v2          # the v2 whole load only
    python benchmarks/bench_loader.py --rows 200000 --skip-http --repeat-http 5

``--only`` is one of ``conversion``, ``http`` (v2 and v1), ``v2``, ``v1``; ``--skip-v1`` and
``--skip-v2`` drop one whole load. Every whole load runs against the sandbox with 30 ms of
latency per request (``--latency``), 20,000 executions over 30 days (``--executions``), and
takes the best of 3 runs (``--repeat-http``; the machine is noisy).

1. Conversion. Baseline: ``orjson`` + ``pd.json_normalize`` + the same dtype conversions
   (``astype``, ``pd.to_datetime``) on the same raw page bodies. Ours: ``frames.parse_bodies``
   (one ``pyarrow.json`` parse with an explicit schema). Prints seconds, the ratio and memory
   per row of the result. Target: >= 5x.
2. Whole load over v2 (``GET /v2/executions``, today's listing). Baseline: a naive sequential
   cursor loop: one ``requests.Session``, ``from``/``to``/``limit=100``, sending each
   ``next_cursor`` back as ``cursor`` while ``has_more``, then ``pd.json_normalize`` of the
   rows (timed as a whole). Ours: ``load_executions(classify_errors=False)`` with its default
   concurrency (8 workers, time slices); also reported with error classes. Checks both got the
   same ids. Prints seconds, the ratio to the loop, and the ratio to the latency-bound ideal,
   requests / workers x latency (from ``df.attrs["api"]["requests"]``, and from the fewest
   pages possible, ceil(rows / 100)). Targets: >= 6x the naive loop, <= 1.3x the ideal. Also
   the peak memory of each side: Python objects and NumPy buffers (``tracemalloc``) plus
   pyarrow's memory pool, measured around each call in a separate, untimed run.
3. Whole load over v1 (``GET /v1/executions``, deprecated). The sandbox serves the old
   unlimited v1 (``api="v1", v1_row_limit=None``), since today's refuses rows past the first
   1,000 and the baseline could not finish. Baseline: a plain sequential offset loop with
   ``requests``. Ours: ``load_executions(api_version="v1")``. Prints seconds, the ratio, and
   checks the two got identical rows. Target: >= 4x.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import threading
import time
import tracemalloc

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import requests

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.loader.frames import parse_bodies
from eachlabs_analytics.loader.load import DEFAULT_MAX_WORKERS
from eachlabs_analytics.local_api.faults import Faults
from eachlabs_analytics.local_api.generator import generate_executions

END = "2026-10-31T00:00:00Z"
START = "2026-10-01T00:00:00Z"  # the whole loads: the 30 days before END


def _iso(values: pd.Series) -> list[str | None]:
    text = values.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return [None if pd.isna(v) else v for v in text]


def make_pages(rows: int, page_size: int = 100) -> list[bytes]:
    """Raw page bodies shaped exactly like the API's, from generated executions."""
    truth = generate_executions(executions=rows, seed=11, end=END, days=90)
    columns: dict[str, list] = {}
    for name in schema.API_FIELDS:
        series = truth[name]
        if name in schema.TIMESTAMP_FIELDS:
            columns[name] = _iso(series)
        elif name in schema.FLOAT_FIELDS:
            columns[name] = [None if np.isnan(v) else float(v) for v in series.to_numpy()]
        else:
            columns[name] = [None if pd.isna(v) else str(v) for v in series.astype(object)]
    records = [
        dict(zip(schema.API_FIELDS, values, strict=True))
        for values in zip(*columns.values(), strict=True)
    ]
    return [
        orjson.dumps(
            {
                "executions": records[i : i + page_size],
                "total_count": len(records),
                "total_capped": False,
                "offset": i,
                "limit": page_size,
            }
        )
        for i in range(0, len(records), page_size)
    ]


def baseline_json_normalize(bodies: list[bytes]) -> pd.DataFrame:
    records: list[dict] = []
    for body in bodies:
        records.extend(orjson.loads(body)["executions"])
    frame = pd.json_normalize(records)
    for name in schema.TIMESTAMP_FIELDS:
        frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601").dt.as_unit("us")
    for name in ("execution_cost", "run_time"):
        frame[name] = frame[name].astype("float64")
    for name in schema.STRING_FIELDS:
        frame[name] = frame[name].astype(schema.STRING_DTYPE)
    frame["status"] = frame["status"].astype(schema.STATUS_DTYPE)
    frame["error_classification"] = pd.Categorical(
        [None] * len(frame), dtype=schema.ERROR_CLASS_DTYPE
    )
    frame["queue_seconds"] = (frame["started_at"] - frame["created_at"]).dt.total_seconds()
    frame["execution_seconds"] = (frame["completed_at"] - frame["started_at"]).dt.total_seconds()
    frame["total_seconds"] = (frame["completed_at"] - frame["created_at"]).dt.total_seconds()
    frame = frame.drop_duplicates("id", keep="last")
    return frame.sort_values(["created_at", "id"], ascending=[False, True], ignore_index=True)[
        list(schema.COLUMNS)
    ]


def best_of(repeat: int, function, *args):
    """The shortest of ``repeat`` timed runs, and the result of that run."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        value = function(*args)
        elapsed = time.perf_counter() - started
        if elapsed < best:
            best, result = elapsed, value
        del value
    return best, result


def peak_memory(function, *args, every: float = 0.001):
    """Run ``function`` once (untimed) and return ``(result, peak, traced, arrow)`` in bytes.

    ``traced`` is the ``tracemalloc`` peak of the call: Python objects and NumPy buffers
    allocated during it (every thread, the in-process sandbox included, so the server's
    response bodies count too). ``arrow`` is the peak growth of pyarrow's default memory pool
    (string columns, parsed JSON), which tracemalloc does not see. ``peak`` is the largest sum
    of the two seen together, sampled every ``every`` seconds (never below ``traced``).
    """
    gc.collect()
    arrow_start = pa.total_allocated_bytes()
    highs = {"sum": 0, "arrow": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            arrow = pa.total_allocated_bytes() - arrow_start
            highs["arrow"] = max(highs["arrow"], arrow)
            highs["sum"] = max(highs["sum"], tracemalloc.get_traced_memory()[0] + arrow)
            time.sleep(every)

    tracemalloc.start()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = function(*args)
    finally:
        done.set()
        sampler.join()
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, max(highs["sum"], traced), traced, highs["arrow"]


def bench_conversion(rows: int, repeat: int) -> None:
    print(f"building {rows:,} records in {rows // 100:,} pages ...", flush=True)
    ordered = make_pages(rows)
    # as concurrent slices deliver them: out of order, with some pages read twice
    shuffled = list(ordered)
    random.Random(3).shuffle(shuffled)
    shuffled += shuffled[: len(shuffled) // 100]
    size = sum(len(b) for b in ordered)
    print(f"conversion: JSON pages -> typed DataFrame (best of {repeat})")
    print(f"  input                    {size / 1e6:8.1f} MB ({size / rows:.0f} B/row)")
    for label, bodies in (("pages in order", ordered), ("shuffled + 1% re-read", shuffled)):
        base_s, base = best_of(repeat, baseline_json_normalize, bodies)
        ours_s, ours = best_of(repeat, lambda b: parse_bodies(b, has_extra=False).frame, bodies)
        pd.testing.assert_frame_equal(base, ours, check_dtype=True)
        print(f"  {label}:")
        print(f"    baseline json_normalize {base_s:8.2f} s")
        print(f"    eachlabs parse_bodies   {ours_s:8.2f} s")
        print(f"    ratio                   {base_s / ours_s:8.1f}x faster (target >= 5x)")
    per_row = ours.memory_usage(deep=True).sum() / len(ours)
    print(f"  memory                   {per_row:8.0f} B/row in the typed frame")


def naive_cursor_loop(base_url: str, key: str, start: str, end: str) -> tuple[pd.DataFrame, int]:
    """v2 the plain way: one session, follow ``next_cursor`` while ``has_more``, then
    ``pd.json_normalize``. Returns the frame and the number of requests."""
    rows: list[dict] = []
    requests_made = 0
    params: dict[str, str | int] = {"from": start, "to": end, "limit": 100}
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {key}"
        while True:
            response = session.get(base_url + "/v2/executions", params=params, timeout=30)
            requests_made += 1
            response.raise_for_status()
            body = response.json()
            rows.extend(body["executions"])
            if not body["has_more"]:
                break
            params = {"from": start, "to": end, "limit": 100, "cursor": body["next_cursor"]}
    return pd.json_normalize(rows), requests_made


def sequential_offset_loop(base_url: str, key: str, start: str, end: str) -> set[str]:
    """v1 the plain way: one session, ``offset`` += 100 until a short page."""
    ids: set[str] = set()
    offset = 0
    with requests.Session() as session:
        while True:
            response = session.get(
                base_url + "/v1/executions",
                params={"from": start, "to": end, "limit": 100, "offset": offset},
                headers={"Authorization": f"Bearer {key}"},
                timeout=30,
            )
            response.raise_for_status()
            rows = response.json()["executions"]
            ids.update(row["id"] for row in rows)
            if len(rows) < 100:
                return ids
            offset += 100


def _mb(value: float) -> str:
    return f"{value / 1e6:7.1f} MB"


def bench_http_v2(truth: pd.DataFrame, latency: float, repeat: int) -> None:
    end = pd.Timestamp(END)
    start_s, end_s = START, END
    workers = DEFAULT_MAX_WORKERS
    with ea.sandbox(data=truth, now=end, faults=Faults(latency=latency)) as api:
        kwargs = dict(
            start=start_s, end=end_s, base_url=api.base_url, api_key=api.api_key, progress=False
        )

        def ours() -> pd.DataFrame:
            return ea.load_executions(classify_errors=False, **kwargs)

        def ours_full() -> pd.DataFrame:
            return ea.load_executions(classify_errors=True, **kwargs)

        naive = (naive_cursor_loop, api.base_url, api.api_key, start_s, end_s)
        base_s, (base, base_requests) = best_of(repeat, *naive)
        ours_s, df = best_of(repeat, ours)
        full_s, full = best_of(repeat, ours_full)
        # memory: one more run of each side under tracemalloc (slower, so untimed)
        _, base_peak, base_traced, base_arrow = peak_memory(*naive)
        _, ours_peak, ours_traced, ours_arrow = peak_memory(ours)
        _, full_peak, full_traced, full_arrow = peak_memory(ours_full)
    assert set(df["id"]) == set(base["id"]) == set(full["id"]), "loader and naive loop disagree"
    assert len(base) == base["id"].nunique(), "the naive loop read a row twice"
    info, full_info = df.attrs["api"], full.attrs["api"]
    assert info["version"] == full_info["version"] == "v2" and info["fallback"] is None, info
    rows = len(df)
    ideal_s = info["requests"] / workers * latency
    min_pages = math.ceil(rows / 100)
    floor_s = min_pages / workers * latency
    full_ideal_s = full_info["requests"] / workers * latency
    ms = f"{latency * 1000:.0f} ms"
    print(
        f"whole load over v2 (GET /v2/executions, cursor): {rows:,} executions, 30 days, "
        f"{ms} latency, best of {repeat}"
    )
    print(
        f"  naive cursor loop        {base_s:8.2f} s  (requests.Session, limit=100, follow "
        f"next_cursor, json_normalize; {base_requests} requests)"
    )
    print(
        f"  load_executions          {ours_s:8.2f} s  ({base_s / ours_s:.1f}x faster, target >= "
        f"6x) without error classes ({info['requests']} requests, {info['slices']} slices)"
    )
    print(
        f"  ideal, its requests      {ideal_s:8.2f} s  ({info['requests']} requests / {workers} "
        f"workers x {ms}): ours {ours_s / ideal_s:.2f}x the ideal (target <= 1.3x)"
    )
    print(
        f"  ideal, fewest pages      {floor_s:8.2f} s  (ceil({rows:,} / 100) = {min_pages} pages /"
        f" {workers} workers x {ms}): ours {ours_s / floor_s:.2f}x"
    )
    print(
        f"  load_executions          {full_s:8.2f} s  ({base_s / full_s:.1f}x faster, "
        f"{full_s / full_ideal_s:.2f}x its ideal {full_ideal_s:.2f} s) with error classes "
        f"({full_info['requests']} requests, {full_info['slices']} slices)"
    )
    print(
        "  peak memory: Python objects + NumPy buffers (tracemalloc, every thread, the "
        "in-process sandbox included)\n  + pyarrow's pool, their largest sum (sampled every"
        " 1 ms); one more run of each side, untimed:"
    )
    for label, peak, traced, arrow in (
        ("naive cursor loop", base_peak, base_traced, base_arrow),
        ("load_executions", ours_peak, ours_traced, ours_arrow),
        ("  with error classes", full_peak, full_traced, full_arrow),
    ):
        print(
            f"    {label:22s} {_mb(peak)}  (tracemalloc peak {_mb(traced).strip()}, "
            f"pyarrow pool peak {_mb(arrow).strip()})"
        )


def bench_http_v1(truth: pd.DataFrame, latency: float, repeat: int) -> None:
    end = pd.Timestamp(END)
    start_s, end_s = START, END
    # the old, unlimited v1 (today's refuses rows past the first 1,000: the loop would fail)
    with ea.sandbox(
        data=truth, now=end, faults=Faults(latency=latency), api="v1", v1_row_limit=None
    ) as api:
        base_s, base_ids = best_of(
            repeat, sequential_offset_loop, api.base_url, api.api_key, start_s, end_s
        )
        kwargs = dict(
            start=start_s,
            end=end_s,
            base_url=api.base_url,
            api_key=api.api_key,
            progress=False,
            api_version="v1",
        )
        ours_s, df = best_of(repeat, lambda: ea.load_executions(classify_errors=False, **kwargs))
        full_s, full = best_of(repeat, lambda: ea.load_executions(**kwargs))
    assert set(df["id"]) == base_ids == set(full["id"]), "loader and baseline disagree"
    assert df.attrs["api"]["version"] == full.attrs["api"]["version"] == "v1", df.attrs["api"]
    print(
        f"whole load over v1 (GET /v1/executions, offset; unlimited v1): {len(base_ids):,} "
        f"executions, 30 days, {latency * 1000:.0f} ms latency, best of {repeat}"
    )
    print(f"  baseline sequential loop {base_s:8.2f} s  (offset += 100 until a short page)")
    print(
        f"  load_executions (v1)     {ours_s:8.2f} s  ({base_s / ours_s:.1f}x faster, "
        f"target >= 4x) without error classes ({df.attrs['requests']} requests)"
    )
    print(
        f"  load_executions (v1)     {full_s:8.2f} s  ({base_s / full_s:.1f}x faster)"
        f" with error classes ({full.attrs['requests']} requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N, conversion")
    parser.add_argument("--repeat-http", type=int, default=3, help="best of N, whole loads")
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--executions", type=int, default=20_000)
    parser.add_argument(
        "--only", choices=("conversion", "http", "v2", "v1"), help="run just this part"
    )
    parser.add_argument("--skip-http", action="store_true", help="no whole loads")
    parser.add_argument("--skip-v2", action="store_true", help="no v2 whole load")
    parser.add_argument("--skip-v1", action="store_true", help="no v1 whole load")
    parser.add_argument("--skip-conversion", action="store_true")
    args = parser.parse_args()
    only = args.only
    run_conversion = not args.skip_conversion and only in (None, "conversion")
    run_v2 = not (args.skip_http or args.skip_v2) and only in (None, "http", "v2")
    run_v1 = not (args.skip_http or args.skip_v1) and only in (None, "http", "v1")
    if run_conversion:
        bench_conversion(args.rows, args.repeat)
    if run_v2 or run_v1:
        truth = generate_executions(executions=args.executions, seed=5, end=END, days=30)
        if run_v2:
            bench_http_v2(truth, args.latency, args.repeat_http)
        if run_v1:
            bench_http_v1(truth, args.latency, args.repeat_http)


if __name__ == "__main__":
    main()
