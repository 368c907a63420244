"""Lazy selections of executions, computed by an engine: DuckDB here, Spark for a cluster.

``ExecutionStore.scan(...)`` and :func:`scan_table` return a :class:`Selection`: the store's
files (or any table with the executions' columns) plus the window and filters asked for, and
no rows. Every analytics helper accepts one and returns the same pandas result it returns on
the frame of the same rows: the helper asks the selection for its partial aggregates
(:mod:`eachlabs_analytics.metrics.lazy`), which :mod:`.queries` writes once as Ibis
expressions and the engine runs (:class:`DuckDBEngine`, embedded, the default;
:class:`SparkEngine` on a ``SparkSession``), and finishes them in pandas with the code it uses
on frames. ``.to_pandas()`` gives the rows when they are wanted.

Owns :mod:`.selection` (the :class:`Selection`), :mod:`.queries` (the partial aggregates as
Ibis expressions; status groups and error classes generated from the schema) and
:mod:`.backends` (the engines, their settings and the few functions Ibis has no name for),
:mod:`.narrow` (the Explorer's filters and drill-down pages) and :mod:`.rows` (the row-level
queries of a report: top rows, first-seen order, two periods without repeated ids).
Imports ``schema``, ``exceptions``, ``_util`` and the metrics' contract; must never import the
loader, the store, the faces (report, notebook, cli) or the sandbox. Ibis, DuckDB and PySpark
are optional (``pip install "eachlabs-analytics[lazy]"`` / ``[spark]``) and imported lazily.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=2_000, seed=7, end="2026-10-31T00:00:00Z")
>>> selection = ea.scan_table(df)
>>> lazy, eager = ea.cost_by_model(selection), ea.cost_by_model(df)
>>> lazy.index.equals(eager.index), bool(((lazy - eager).abs() <= 1e-9 * eager.abs()).all().all())
(True, True)
"""

from __future__ import annotations

from eachlabs_analytics.engines.backends import DuckDBEngine, SparkEngine
from eachlabs_analytics.engines.selection import Selection, scan_table

__all__ = ["DuckDBEngine", "Selection", "SparkEngine", "scan_table"]
