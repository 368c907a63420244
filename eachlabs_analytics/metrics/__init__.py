"""Cost, latency and error analytics on a loaded executions DataFrame.

Each helper takes the frame ``load_executions`` returns (or any filtered slice of it) and
returns a new tidy DataFrame; none prints, reads or writes anything. Results carry
``attrs`` with the input's window and query and the slice's own counts (``rows``,
``in_flight_rows``, ``error_rows``, ``unclassified_errors``).

- where the money goes: :func:`cost_by_model`, :func:`cost_by_workflow`,
  :func:`cost_over_time`;
- how fast: :func:`latency_percentiles`, :func:`latency_over_time`;
- why it fails: :func:`error_breakdown`, :func:`error_rate_over_time`;
- what changed: :func:`compare_periods`; the headline numbers: :func:`summary`.

Owns the pure helpers (:mod:`.aggregates`, :mod:`.over_time`, :mod:`.periods`,
:mod:`.headline`), the per-row measures (:mod:`.rows`), the periods of time rows fall in
(:mod:`.buckets`), the partial requests every helper asks (:mod:`.lazy`), a frame's answers
to them (:mod:`.frame_partials`; a selection's engine answers them itself, so every helper
has one code path) and the grouping engine (:mod:`.grouping`: rows grouped once into integer
codes, aggregated with ``np.bincount``).
Must never import the loader, the store, the sandbox or any face (report, notebook, cli):
analytics never reach the network or the disk.

Money is exact: every sum of ``execution_cost`` adds integer nano-dollars
(:mod:`eachlabs_analytics._util.money`) and converts once, so the same rows in any order, or
summed by an engine over a store, give bit-identical figures and the same cents in every face.

Status groups come from :mod:`eachlabs_analytics.schema`: succeeded (success, completed),
failed (error, failed), cancelled, in flight (created, starting, processing, running; left
out of latency), and unknown statuses, which count as executions but in no outcome.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=2_000, seed=7)
>>> ea.cost_by_model(df).columns.tolist()[:3]
['executions', 'total_cost', 'mean_cost']
>>> df.eachlabs.latency_percentiles(by=None).columns.tolist()
['count', 'mean', 'p50', 'p90', 'p95', 'p99', 'low_count']
"""

from __future__ import annotations

from eachlabs_analytics.metrics.aggregates import (
    LATENCY_METRICS,
    cost_by_model,
    cost_by_workflow,
    error_breakdown,
    latency_percentiles,
)
from eachlabs_analytics.metrics.headline import Summary, summary
from eachlabs_analytics.metrics.over_time import (
    cost_over_time,
    error_rate_over_time,
    latency_over_time,
)
from eachlabs_analytics.metrics.periods import compare_periods

__all__ = [
    "LATENCY_METRICS",
    "Summary",
    "compare_periods",
    "cost_by_model",
    "cost_by_workflow",
    "cost_over_time",
    "error_breakdown",
    "error_rate_over_time",
    "latency_over_time",
    "latency_percentiles",
    "summary",
]
