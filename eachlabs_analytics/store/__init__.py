"""Files: one frame to one Parquet file and back, and the incremental store of a query.

Owns :mod:`.parquet` (``to_parquet``/``read_parquet``, the typed Arrow round trip) and
:mod:`.incremental` (``ExecutionStore``: a Hive-partitioned dataset by day, synced through
the loader).

May import the loader (a sync fetches through it); must never import metrics, plots, report,
notebook or cli.
"""

from __future__ import annotations

from eachlabs_analytics.store.incremental import ExecutionStore, SyncResult
from eachlabs_analytics.store.parquet import read_parquet, to_parquet

__all__ = ["ExecutionStore", "SyncResult", "read_parquet", "to_parquet"]
