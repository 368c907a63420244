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
  headline cards); :mod:`.both_periods`: both periods in one frame, for it and the forecast;
- :mod:`.headline`: the KPI cards, the meta lines and the notes above the sections;
- :mod:`.redaction`: workflow ids aliased for sharing, after every number is computed;
- :mod:`.render`: how it looks (HTML, Markdown and CSV renderers, escaping).

Over a selection, the few row-level queries it needs (top rows, first-seen order, both
periods without repeated ids) are the engines' (:mod:`eachlabs_analytics.engines.rows`),
imported only then.

Must never import: the loader or the sandbox (a report is computed from frames or
selections, never fetched), the store, the notebook, the cli, the application layer.
"""

from __future__ import annotations

from eachlabs_analytics.report.build import FORMATS, build_report, cost_report
from eachlabs_analytics.report.model import CostReport

__all__ = ["FORMATS", "CostReport", "build_report", "cost_report"]
