"""The cost report: one call from an executions DataFrame to a file you can hand over.

Owns what the report holds (:mod:`.build`: sections built from the metrics helpers and the
charts) and how it looks (:mod:`.render`: HTML, Markdown and CSV renderers, escaping).

Must never import: the loader (a report is computed from frames, never fetched), the
notebook, the cli.
"""

from __future__ import annotations

from eachlabs_analytics.report.build import FORMATS, CostReport, build_report, cost_report

__all__ = ["FORMATS", "CostReport", "build_report", "cost_report"]
