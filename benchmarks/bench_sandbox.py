"""Sandbox benchmark: pages per second served to a plain ``requests`` loop, and generation.

    python benchmarks/bench_sandbox.py                      # 20,000 executions, 400 pages each
    python benchmarks/bench_sandbox.py --pages 1000 --generate 1000000

1. Serving. Baseline: the same client loop (one keep-alive ``requests.Session``, limit=100,
   offset advancing) against a bare stdlib ``ThreadingHTTPServer`` whose handler returns one
   constant, pre-rendered page of the same size: the ceiling of this client and server stack.
   Ours: the sandbox, unfiltered and with filters (model + status + from/to). Prints pages/s
   and the ratio to the baseline. Target (issue 2): a few hundred pages/s.
2. Generation. ``generate_executions`` rows per second for ``--generate`` rows.
"""

from __future__ import annotations

import argparse
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from eachlabs_analytics.local_api import DEFAULT_API_KEY, Sandbox, generate_executions

END = "2026-10-31T00:00:00Z"
AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}


def page_loop(base_url: str, pages: int, params: dict[str, Any], wrap: int) -> float:
    """Pages per second of a plain sequential offset loop (offset wraps at ``wrap``)."""
    with requests.Session() as http:
        http.get(base_url + "/v1/executions", params=params, headers=AUTH, timeout=10)  # warm
        start = time.perf_counter()
        for i in range(pages):
            offset = (i * 100) % max(wrap, 100)
            response = http.get(
                base_url + "/v1/executions",
                params={**params, "limit": 100, "offset": offset},
                headers=AUTH,
                timeout=10,
            )
            response.raise_for_status()
            response.json()
        return pages / (time.perf_counter() - start)


def constant_server(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--executions", type=int, default=20_000)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--generate", type=int, default=1_000_000)
    args = parser.parse_args()

    with Sandbox(executions=args.executions, seed=7, end=END) as api:
        sample_page = requests.get(
            api.base_url + "/v1/executions", params={"limit": 100}, headers=AUTH, timeout=10
        ).content
        server = constant_server(sample_page)
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            baseline = page_loop(base, args.pages, {}, args.executions)
        finally:
            server.shutdown()
            server.server_close()
        plain = page_loop(api.base_url, args.pages, {}, args.executions)
        filtered_params = {
            "model": "flux-1-1-pro",
            "status": "success,error",
            "from": "2026-08-15T00:00:00Z",
            "to": "2026-10-30T00:00:00Z",
        }
        matches = int(
            requests.get(
                api.base_url + "/v1/executions",
                params={**filtered_params, "limit": 1},
                headers=AUTH,
                timeout=10,
            ).json()["total_count"]
        )
        filtered = page_loop(api.base_url, args.pages, filtered_params, matches)

    print(f"serving, {args.pages} pages of 100 rows, sequential requests.Session loop:")
    print(f"  baseline (constant page, bare stdlib server): {baseline:8.0f} pages/s")
    print(
        f"  sandbox, unfiltered:                          {plain:8.0f} pages/s "
        f"({plain / baseline:.2f}x baseline)"
    )
    print(
        f"  sandbox, model+status+from/to filters:        {filtered:8.0f} pages/s "
        f"({filtered / baseline:.2f}x baseline)"
    )
    print("  target: a few hundred pages/s")

    if args.generate:
        start = time.perf_counter()
        frame = generate_executions(args.generate, seed=7, end=END)
        seconds = time.perf_counter() - start
        print(
            f"generation: {len(frame):,} executions in {seconds:.2f} s "
            f"({len(frame) / seconds:,.0f} rows/s)"
        )


if __name__ == "__main__":
    main()
