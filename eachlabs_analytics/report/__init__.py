"""The cost report: one call from an executions DataFrame (or a lazy selection) to a file.

Owns what the report holds (:mod:`.build`: sections built from the metrics helpers and the
charts) and how it looks (:mod:`.render`: HTML, Markdown and CSV renderers, escaping). Over a
selection, the few row-level queries it needs (top rows, first-seen order, both periods
without repeated ids) are the engines' (:mod:`eachlabs_analytics.engines.rows`), imported
only then.

Must never import: the loader (a report is computed from frames or selections, never
fetched), the store, the notebook, the cli.
"""

from __future__ import annotations

from eachlabs_analytics.report.build import FORMATS, build_report, cost_report
from eachlabs_analytics.report.model import CostReport

__all__ = ["FORMATS", "CostReport", "build_report", "cost_report"]
