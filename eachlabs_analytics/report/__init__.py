"""The cost report: one call from an executions DataFrame (or a lazy selection) to a file.

Owns what the report holds and how it looks, one module per job:

- :mod:`.build`: ``cost_report`` and ``build_report``, the API: checks the arguments, runs
  the sections in order and writes the file;
- :mod:`.model`: :class:`CostReport` (ready to render), what the sections read
  (``ReportInputs``) and the helper results the report shows (``ReportFigures``);
- :mod:`.sections`: the figure sections (spend by model and by workflow, daily trend,
  latency, errors, the most expensive executions);
- :mod:`.forecast_section`: "Forecast and alerts" (month-end projection, daily forecast,
  anomalies);
- :mod:`.comparison`: the change against the previous period (its ``Comparison`` feeds the
  headline cards; both periods in one are the rows' own answer, ``combine``);
- :mod:`.headline`: the KPI cards, the meta lines and the notes above the sections;
- :mod:`.redaction`: workflow ids aliased for sharing, after every number is computed;
- :mod:`.render`: how it looks (HTML, Markdown and CSV renderers, escaping).

The report has one code path for frames and selections: it asks its rows (a frame's
answerer, :class:`~eachlabs_analytics.metrics.frame_partials.FramePartials`, or a selection)
for partial aggregates and for the few row-level answers it needs (``narrow``, ``combine``,
``top_rows``, ``first_seen``; :class:`~eachlabs_analytics.metrics.lazy.RowSource`).

Must never import: the loader or the sandbox (a report is computed from frames or
selections, never fetched), the store, the notebook, the cli, the application layer.
"""

from __future__ import annotations

from eachlabs_analytics.report.build import FORMATS, build_report, cost_report
from eachlabs_analytics.report.model import CostReport

__all__ = ["FORMATS", "CostReport", "build_report", "cost_report"]
