"""SQL functions of each engine that Ibis has no portable name for, as Ibis builtins.

Imported only when an engine buckets rows by period (Ibis must be installed). No
``from __future__ import annotations`` here: Ibis reads these annotations at definition time.
"""

import ibis
import ibis.expr.datatypes as dt

_UTC = dt.Timestamp(timezone="UTC")
_NAIVE = dt.Timestamp()


@ibis.udf.scalar.builtin(name="timezone")
def duckdb_timezone(zone: str, ts: _UTC) -> _NAIVE:  # type: ignore[valid-type,empty-body]
    """DuckDB ``timezone(zone, timestamptz)``: the wall-clock time in ``zone`` (naive)."""


@ibis.udf.scalar.builtin(name="epoch_us")
def duckdb_epoch_us(ts: _NAIVE) -> dt.int64:  # type: ignore[valid-type,empty-body]
    """DuckDB ``epoch_us(timestamp)``: microseconds since the epoch."""


@ibis.udf.scalar.builtin(name="from_utc_timestamp")
def spark_from_utc_timestamp(ts: _NAIVE, zone: str) -> _NAIVE:  # type: ignore[valid-type,empty-body]
    """Spark ``from_utc_timestamp(ts, zone)``: the wall-clock time in ``zone``."""


@ibis.udf.scalar.builtin(name="unix_micros")
def spark_unix_micros(ts: _NAIVE) -> dt.int64:  # type: ignore[valid-type,empty-body]
    """Spark ``unix_micros(ts)``: microseconds since the epoch."""
