"""Loader benchmarks: JSON pages -> typed frame, and a whole load against the sandbox.

    python benchmarks/bench_loader.py            # both, full size (1,000,000 records)
    python benchmarks/bench_loader.py --rows 200000 --skip-http

1. Conversion. Baseline: ``orjson`` + ``pd.json_normalize`` + the same dtype conversions
   (``astype``, ``pd.to_datetime``) on the same raw page bodies. Ours: ``frames.parse_bodies``
   (one ``pyarrow.json`` parse with an explicit schema). Prints seconds, the ratio and memory
   per row of the result. Target: >= 5x.
2. Whole load. Baseline: a plain sequential offset loop with ``requests`` over the same sandbox
   (30 ms latency per request, 30 days, 20,000 executions). Ours: ``load_executions`` with its
   default concurrency. Prints seconds, the ratio, and checks the two got identical rows.
   Target: >= 4x.
"""

from __future__ import annotations

import argparse
import gc
import random
import time

import numpy as np
import orjson
import pandas as pd
import requests

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.loader.frames import parse_bodies
from eachlabs_analytics.local_api.faults import Faults
from eachlabs_analytics.local_api.generator import generate_executions

END = "2026-10-31T00:00:00Z"


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
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - started)
    return min(times), result


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


def sequential_offset_loop(base_url: str, key: str, start: str, end: str) -> set[str]:
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


def bench_http(latency: float, executions: int) -> None:
    end = pd.Timestamp(END)
    truth = generate_executions(executions=executions, seed=5, end=END, days=30)
    with ea.sandbox(data=truth, now=end, faults=Faults(latency=latency)) as api:
        start_s, end_s = "2026-10-01T00:00:00Z", END
        base_s, base_ids = best_of(
            1, sequential_offset_loop, api.base_url, api.api_key, start_s, end_s
        )
        kwargs = dict(
            start=start_s, end=end_s, base_url=api.base_url, api_key=api.api_key, progress=False
        )
        ours_s, df = best_of(1, lambda: ea.load_executions(classify_errors=False, **kwargs))
        full_s, full = best_of(1, lambda: ea.load_executions(**kwargs))
    assert set(df["id"]) == base_ids == set(full["id"]), "loader and baseline disagree"
    print(f"whole load: {len(base_ids):,} executions, 30 days, {latency * 1000:.0f} ms latency")
    print(f"  baseline sequential loop {base_s:8.2f} s")
    print(
        f"  load_executions          {ours_s:8.2f} s  ({base_s / ours_s:.1f}x faster, "
        "target >= 4x) without error classes"
    )
    print(
        f"  load_executions          {full_s:8.2f} s  ({base_s / full_s:.1f}x faster)"
        f" with error classes ({full.attrs['requests']} requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--executions", type=int, default=20_000)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-conversion", action="store_true")
    args = parser.parse_args()
    if not args.skip_conversion:
        bench_conversion(args.rows, args.repeat)
    if not args.skip_http:
        bench_http(args.latency, args.executions)


if __name__ == "__main__":
    main()
