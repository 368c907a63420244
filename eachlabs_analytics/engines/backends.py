"""The engines a selection runs on, their settings, and the functions Ibis has no name for.

Both engines are Ibis backends, so the partial aggregates are written once
(:mod:`.queries`). Two things Ibis does not express portably are named here per engine: a
UTC time's wall-clock time in a zone, and a timestamp as microseconds since the epoch (the
period keys of the over-time helpers).

>>> engine = DuckDBEngine(memory_limit="1GB", threads=1)
>>> engine.settings()["threads"]
'1'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from eachlabs_analytics import schema


def require_ibis(extra: str = "lazy") -> Any:
    """The ``ibis`` module, or an ImportError naming the extra to install.

    >>> require_ibis().__name__
    'ibis'
    """
    try:
        import ibis
    except ImportError as exc:
        raise ImportError(
            f"lazy selections need Ibis, an optional dependency: install "
            f"eachlabs-analytics[{extra}] (pip install 'eachlabs-analytics[{extra}]')"
        ) from exc
    return ibis


#: The columns of a selection as Arrow types (status and error class as plain strings).
ARROW_COLUMNS = pa.schema(
    [
        pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type)
        for f in schema.ARROW_SCHEMA
    ]
)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Ibis 12 calls ``fetch_arrow_table``, which DuckDB 2.0 deprecated: harmless, not ours."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"fetch_arrow_table\(\) is deprecated", category=DeprecationWarning
        )
        yield


class DuckDBEngine:
    """Embedded DuckDB (the default engine): one process, data larger than memory spills.

    Parameters
    ----------
    memory_limit
        DuckDB's ``memory_limit`` (e.g. ``"2GB"``); DuckDB's default is 80 % of the RAM.
        Aggregates that need more spill to ``temp_directory`` instead of failing.
    temp_directory
        Where DuckDB spills (default: a ``.tmp`` folder DuckDB picks next to its database, for
        an in-memory one the system's temp dir).
    threads
        Worker threads (default: one per core).

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=500, seed=1, end="2026-10-31T00:00:00Z")
    >>> selection = ea.scan_table(df, engine=ea.DuckDBEngine(memory_limit="500MB"))
    >>> ea.summary(selection).executions
    500
    """

    name = "duckdb"

    def __init__(
        self,
        *,
        memory_limit: str | None = None,
        temp_directory: str | os.PathLike[str] | None = None,
        threads: int | None = None,
    ) -> None:
        self.memory_limit = memory_limit
        self.temp_directory = None if temp_directory is None else os.fspath(temp_directory)
        self.threads = threads
        self._backend: Any = None

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._config().items())
        return f"DuckDBEngine({shown})"

    def _config(self) -> dict[str, Any]:
        config: dict[str, Any] = {}
        if self.memory_limit is not None:
            config["memory_limit"] = self.memory_limit
        if self.temp_directory is not None:
            config["temp_directory"] = self.temp_directory
        if self.threads is not None:
            config["threads"] = int(self.threads)
        return config

    @property
    def backend(self) -> Any:
        """The Ibis DuckDB backend (one in-memory database per engine, opened on first use)."""
        if self._backend is None:
            ibis = require_ibis("lazy")
            # the order of rows does not matter to an aggregate: not keeping it saves memory
            self._backend = ibis.duckdb.connect(preserve_insertion_order=False, **self._config())
            self._backend.con.execute("SET TimeZone = 'UTC'").fetchall()
        return self._backend

    def settings(self) -> dict[str, str]:
        """DuckDB's effective memory limit, spill folder and threads.

        >>> sorted(DuckDBEngine().settings())
        ['memory_limit', 'temp_directory', 'threads']
        """
        names = ("memory_limit", "temp_directory", "threads")
        found = {}
        for name in names:
            rows = self.backend.con.execute(f"SELECT current_setting('{name}')").fetchall()
            found[name] = str(rows[0][0])
        return found

    def execute(self, expr: Any) -> pa.Table:
        """Run an Ibis expression; the result as an Arrow table."""
        with warnings.catch_warnings():
            # Ibis 12 calls a method DuckDB 2.0 deprecated (fetch_arrow_table); harmless
            warnings.filterwarnings(
                "ignore",
                message=r"fetch_arrow_table\(\) is deprecated",
                category=DeprecationWarning,
            )
            return expr.to_pyarrow()

    def read_parquet(self, files: Sequence[str]) -> Any:
        """The Parquet files as one Ibis table (the store's day files: no partition column)."""
        if not files:
            return self.from_arrow(ARROW_COLUMNS.empty_table())
        with _quiet():
            return self.backend.read_parquet(list(files), hive_partitioning=False)

    def from_arrow(self, table: pa.Table) -> Any:
        """An Arrow table as an Ibis table of this engine."""
        name = f"eachlabs_{uuid.uuid4().hex}"
        self.backend.con.register(name, table)
        with _quiet():
            return self.backend.table(name)

    def wall_micros(self, created: Any, zone: str) -> Any:
        """``created`` (UTC) as wall-clock microseconds since the epoch in ``zone``."""
        return self.epoch_micros(self.local_time(created, zone))

    def local_time(self, created: Any, zone: str) -> Any:
        """``created`` (UTC) as a naive wall-clock timestamp in ``zone``."""
        from eachlabs_analytics.engines import _functions

        return _functions.duckdb_timezone(zone, created)

    def epoch_micros(self, naive: Any) -> Any:
        """A naive timestamp as microseconds since the epoch."""
        from eachlabs_analytics.engines import _functions

        return _functions.duckdb_epoch_us(naive)


class SparkEngine:
    """Spark (PySpark) through Ibis: for tables and stores larger than one machine.

    Parameters
    ----------
    session
        A ``SparkSession`` (default: ``SparkSession.builder.getOrCreate()``). Ibis sets its
        ``spark.sql.session.timeZone`` to UTC, which the period keys rely on.

    Percentiles are exact (Spark's ``percentile``, linear interpolation like
    ``np.percentile``); no approximate mode is offered.

    >>> SparkEngine.name
    'spark'
    """

    name = "spark"

    def __init__(self, session: Any = None) -> None:
        self._session = session
        self._backend: Any = None

    def __repr__(self) -> str:
        return f"SparkEngine({self._session!r})"

    @property
    def backend(self) -> Any:
        """The Ibis PySpark backend over the session."""
        if self._backend is None:
            ibis = require_ibis("spark")
            try:
                from pyspark.sql import SparkSession
            except ImportError as exc:
                raise ImportError(
                    "SparkEngine needs PySpark, an optional dependency: install "
                    "eachlabs-analytics[spark] (pip install 'eachlabs-analytics[spark]')"
                ) from exc
            session = self._session or SparkSession.builder.getOrCreate()
            self._session = session
            self._backend = ibis.pyspark.connect(session)
        return self._backend

    @property
    def session(self) -> Any:
        """The SparkSession."""
        return self.backend._session

    def execute(self, expr: Any) -> pa.Table:
        """Run an Ibis expression; the result as an Arrow table."""
        return expr.to_pyarrow()

    def read_parquet(self, files: Sequence[str]) -> Any:
        """The Parquet files as one Ibis table."""
        if not files:
            return self.from_arrow(ARROW_COLUMNS.empty_table())
        frame = self.session.read.parquet(*files)
        return self.from_spark(frame)

    def from_spark(self, frame: Any) -> Any:
        """A Spark DataFrame as an Ibis table (a temporary view of the session)."""
        name = f"eachlabs_{uuid.uuid4().hex}"
        frame.createOrReplaceTempView(name)
        return self.backend.table(name)

    def from_arrow(self, table: pa.Table) -> Any:
        """An Arrow table as an Ibis table of this engine (through a Parquet file: Spark's
        own conversion from pandas loses time zones and nulls in ways that differ by version).
        """
        import pyarrow.parquet as pq

        folder = tempfile.mkdtemp(prefix="eachlabs-spark-")
        path = os.path.join(folder, "part-0.parquet")
        pq.write_table(table, path, coerce_timestamps="us", allow_truncated_timestamps=True)
        return self.from_spark(self.session.read.parquet(path))

    def wall_micros(self, created: Any, zone: str) -> Any:
        """``created`` (UTC) as wall-clock microseconds since the epoch in ``zone``."""
        return self.epoch_micros(self.local_time(created, zone))

    def local_time(self, created: Any, zone: str) -> Any:
        """``created`` (UTC) as a wall-clock timestamp in ``zone`` (session time zone UTC)."""
        from eachlabs_analytics.engines import _functions

        return _functions.spark_from_utc_timestamp(created, zone)

    def epoch_micros(self, naive: Any) -> Any:
        """A timestamp as microseconds since the epoch."""
        from eachlabs_analytics.engines import _functions

        return _functions.spark_unix_micros(naive)


Engine = DuckDBEngine | SparkEngine
