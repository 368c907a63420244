"""Files: one frame to one Parquet file and back, and the incremental store of a query.

Owns, one job a module:

- :mod:`.parquet`: ``to_parquet``/``read_parquet``, one frame as one file (the typed Arrow
  round trip);
- :mod:`.incremental`: ``ExecutionStore``, the facade over the modules below (a
  Hive-partitioned dataset by day, synced through the loader);
- :mod:`.layout`: the store's directory, its day partitions and its lock;
- :mod:`.manifest`: ``manifest.json`` (the window, query and in-flight rows a sync commits)
  and ``SyncResult``;
- :mod:`.read`: reading and verifying the day files (a damaged file is named, never skipped);
- :mod:`.convert`: the loader's frame to the day files' Arrow table and back;
- :mod:`.plan`: what a sync fetches and where its watermark goes, as pure functions;
- :mod:`.fetch`: the planned windows loaded through the loader, and the workflows' names and
  list prices kept beside them (the store's only network use);
- :mod:`.reference`: those names and prices as files (``reference/*.json``), read offline;
- :mod:`.upsert`: fetched rows merged by ``id`` into the day files they touch.

May import the loader (a sync fetches through it, in :mod:`.fetch`) and the engines (``scan``
builds a lazy selection, on demand); must never import metrics, plots, report, notebook, cli,
the sandbox (``local_api``) or the application layer (``app``).
"""

from __future__ import annotations

from eachlabs_analytics.store.incremental import ExecutionStore
from eachlabs_analytics.store.manifest import SyncResult
from eachlabs_analytics.store.parquet import read_parquet, to_parquet

__all__ = ["ExecutionStore", "SyncResult", "read_parquet", "to_parquet"]
