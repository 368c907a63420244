"""The executions a sandbox serves: column arrays, pre-rendered JSON rows, filters, pages.

Rows are kept oldest first (so new executions are appended) and served newest first:
``created_at`` descending, then ``id`` descending. Each row's compact JSON is rendered once
(orjson) and a page is the join of those bytes; filter results are cached per filter key
until the data changes. All methods are thread-safe.

>>> from eachlabs_analytics.local_api.generator import generate_executions
>>> data = Executions(generate_executions(300, seed=1, end="2026-10-31T00:00:00Z"))
>>> body, total, _ = data.page(Filter(), offset=0, limit=2)
>>> body.count(b'"id"'), total
(2, 300)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics.local_api import catalog
from eachlabs_analytics.local_api.frame import build_frame

_NAT = np.iinfo(np.int64).min


@dataclass(frozen=True)
class Filter:
    """One listing query's filters (already validated); ``None``/empty means no filter.

    ``created_from``/``created_to`` are microseconds since the epoch, both inclusive.
    """

    statuses: tuple[str, ...] = ()
    error_classes: tuple[str, ...] = ()
    model: str | None = None
    workflow_id: str | None = None
    workflow_execution_id: str | None = None
    created_from: int | None = None
    created_to: int | None = None

    def key(self) -> tuple[Any, ...]:
        """The part of the filter that is cached (everything but the time window)."""
        return (
            self.statuses,
            self.error_classes,
            self.model,
            self.workflow_id,
            self.workflow_execution_id,
        )


def _us(series: pd.Series) -> np.ndarray:
    values = series.to_numpy("datetime64[us]")
    out = values.astype("int64")
    out[np.isnat(values)] = _NAT
    return out


class Executions:
    """The served rows and the ground truth behind them (see the module docstring)."""

    #: columns served as JSON text (or null): the schema's strings, the status and the class
    _OBJECT_COLUMNS = (*schema.STRING_FIELDS, "status", "error_classification")

    def __init__(self, frame: pd.DataFrame) -> None:
        frame = frame.iloc[::-1]  # newest first -> oldest first
        self._lock = threading.RLock()
        self._cols: dict[str, np.ndarray] = {}
        for name in self._OBJECT_COLUMNS:
            values = frame[name].astype(object).to_numpy(dtype=object, copy=True)
            values[pd.isna(values)] = None
            self._cols[name] = values
        for name in ("execution_cost", "run_time"):
            self._cols[name] = frame[name].to_numpy(dtype="float64", copy=True)
        for name in schema.TIMESTAMP_FIELDS:
            self._cols[name] = _us(frame[name])
        created = self._cols["created_at"]
        ids = self._cols["id"].astype(str)
        if len(created) and not (
            np.all(created[1:] >= created[:-1])
            and np.all((created[1:] > created[:-1]) | (ids[1:] > ids[:-1]))
        ):
            raise ValueError(
                "executions must be sorted by created_at descending, then id descending, "
                "with unique ids"
            )
        self._rows: list[bytes] = self._render_range(0, len(created))
        self._cache: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}
        self.version = 0
        #: USD charged for rows inserted or completed since loading (the balance's debits)
        self.charged = 0.0

    def __len__(self) -> int:
        return len(self._rows)

    # --- rendering -----------------------------------------------------------------------
    def _render_range(self, start: int, stop: int) -> list[bytes]:
        """Compact JSON of rows ``start:stop``: columns are prepared vectorised, then orjson."""
        c = self._cols
        values: list[list[Any]] = []
        for name in schema.API_FIELDS:
            column = c[name][start:stop]
            if name in schema.TIMESTAMP_FIELDS:
                text = np.char.add(
                    np.datetime_as_string(column.astype("datetime64[us]"), unit="us"), "Z"
                ).astype(object)
                text[column == _NAT] = None
                values.append(text.tolist())
            else:
                values.append(column.tolist())
        fields = schema.API_FIELDS
        records = [dict(zip(fields, row, strict=True)) for row in zip(*values, strict=True)]
        if len(records) > 1:
            # One dumps call and a split is ~4x faster than a dumps per row. The split is
            # exact: inside a JSON string every '"' is escaped, so ',{"id":' only occurs
            # between rows (each row is a flat object whose first key is "id").
            parts = orjson.dumps(records)[1:-1].split(b',{"id":')
            if len(parts) == len(records):
                return [parts[0]] + [b'{"id":' + part for part in parts[1:]]
        return [orjson.dumps(record) for record in records]

    def _render(self, i: int) -> bytes:
        return self._render_range(i, i + 1)[0]

    # --- queries -------------------------------------------------------------------------
    def _matching(self, flt: Filter) -> tuple[np.ndarray, np.ndarray]:
        """Ascending positions (oldest first) of rows matching the non-time filters, and
        their ``created_at`` (µs), cached per filter key until the data changes."""
        key = flt.key()
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        c = self._cols
        mask = np.ones(len(self._rows), dtype=bool)
        if flt.statuses:
            mask &= np.isin(c["status"], list(flt.statuses))
        if flt.error_classes:
            mask &= np.isin(c["status"], list(schema.FAILED_STATUSES))
            mask &= np.isin(c["error_classification"], list(flt.error_classes))
        for name in ("model", "workflow_id", "workflow_execution_id"):
            value = getattr(flt, name)
            if value is not None:
                mask &= c[name] == value
        positions = np.flatnonzero(mask)
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[key] = (positions, c["created_at"][positions])
        return self._cache[key]

    def _bounds(self, flt: Filter, positions: np.ndarray, created: np.ndarray) -> tuple[int, int]:
        """``[lo, hi)`` of the matches whose ``created_at`` lies in the filter's window."""
        lo = 0 if flt.created_from is None else int(np.searchsorted(created, flt.created_from))
        hi = (
            len(positions)
            if flt.created_to is None
            else int(np.searchsorted(created, flt.created_to, side="right"))
        )
        return lo, max(lo, hi)

    def _body(self, chosen: np.ndarray) -> bytes:
        rows = self._rows
        return b"[" + b",".join([rows[p] for p in chosen.tolist()]) + b"]"

    def page(self, flt: Filter, offset: int, limit: int) -> tuple[bytes, int, int]:
        """Rows ``offset:offset+limit`` (newest first) of the matches, as a JSON array body.

        Returns ``(b"[...]", true_total, rows_in_page)``.
        """
        with self._lock:
            positions, created = self._matching(flt)
            lo, hi = self._bounds(flt, positions, created)
            total = hi - lo
            first = hi - 1 - offset  # newest first: walk down from hi - 1
            last = max(lo, hi - offset - limit)
            chosen = positions[last : first + 1][::-1] if first >= last else positions[:0]
            return self._body(chosen), total, len(chosen)

    def page_after(
        self, flt: Filter, after: tuple[int, str] | None, limit: int
    ) -> tuple[bytes, int, tuple[int, str] | None, bool]:
        """The ``limit`` newest matches strictly older than ``after`` (keyset paging).

        ``after`` is ``(created_at µs, id)`` of the last row already served (None: from the
        newest). Order is ``created_at`` then ``id``, both descending, so rows inserted at the
        head never shift a traversal. Returns ``(b"[...]", rows_in_page, key of the last row,
        whether older matches remain)``.
        """
        with self._lock:
            positions, created = self._matching(flt)
            lo, hi = self._bounds(flt, positions, created)
            if after is not None:
                stamp, row_id = after
                ties_from = int(np.searchsorted(created, stamp, side="left"))
                ties_to = int(np.searchsorted(created, stamp, side="right"))
                tied = self._cols["id"][positions[ties_from:ties_to]]
                # tied rows are stored by id ascending: those below row_id come after it
                older_ties = int(np.searchsorted(tied.astype(str), row_id, side="left"))
                hi = max(lo, min(hi, ties_from + older_ties))
            first = max(lo, hi - limit)
            chosen = positions[first:hi][::-1]
            if not len(chosen):
                return b"[]", 0, None, False
            last = int(chosen[-1])
            key = (int(self._cols["created_at"][last]), str(self._cols["id"][last]))
            return self._body(chosen), len(chosen), key, first > lo

    def truth(self) -> pd.DataFrame:
        """The current ground truth, newest first, typed like ``schema.DTYPES``."""
        with self._lock:
            cols: dict[str, Any] = {k: v[::-1].copy() for k, v in self._cols.items()}
        for name in schema.TIMESTAMP_FIELDS:
            values = cols[name]
            stamps = values.astype("datetime64[us]")
            stamps[values == _NAT] = np.datetime64("NaT")
            cols[name] = stamps
        return build_frame(cols)

    def ids(self) -> list[str]:
        """Every id served (oldest first)."""
        with self._lock:
            return self._cols["id"].tolist()

    def newest_created(self) -> int | None:
        """``created_at`` (µs) of the newest row, None when empty."""
        with self._lock:
            created = self._cols["created_at"]
            return int(created[-1]) if len(created) else None

    # --- changes (faults) ----------------------------------------------------------------
    def _changed(self) -> None:
        self._cache.clear()
        self.version += 1

    def append(self, rows: list[dict[str, Any]]) -> None:
        """Insert new executions at the head (each ``created_at`` >= the newest so far)."""
        if not rows:
            return
        with self._lock:
            for name, values in self._cols.items():
                new = [r.get(name) for r in rows]
                if values.dtype == object:
                    self._cols[name] = np.concatenate([values, np.array(new, dtype=object)])
                else:
                    extra = np.array([_NAT if v is None else v for v in new], dtype=values.dtype)
                    self._cols[name] = np.concatenate([values, extra])
            start = len(self._rows)
            self._rows.extend(self._render(start + i) for i in range(len(rows)))
            self.charged += sum(float(r.get("execution_cost") or 0.0) for r in rows)
            self._changed()

    def advance_in_flight(self, k: int, clock: Clock) -> int:
        """Move up to ``k`` in-flight rows (oldest first) one step; return how many moved."""
        moved = 0
        with self._lock:
            c = self._cols
            candidates = np.flatnonzero(np.isin(c["status"], ["created", "starting", "running"]))
            for i in candidates[:k].tolist():
                now = clock.tick()
                status = c["status"][i]
                if status == "created":
                    c["status"][i] = "starting"
                    c["started_at"][i] = max(now, int(c["created_at"][i]))
                else:
                    clock.finished += 1
                    started = c["started_at"][i]
                    if started == _NAT:
                        started = c["started_at"][i] = int(c["created_at"][i])
                    done = max(now, int(started))
                    c["completed_at"][i] = done
                    c["run_time"][i] = (done - int(started)) / 1e6
                    failed = clock.finished % 5 == 0
                    workflow = status == "running"
                    if failed:
                        c["status"][i] = "failed" if workflow else "error"
                        c["error_classification"][i] = "provider_error"
                        c["execution_cost"][i] = 0.0
                    else:
                        c["status"][i] = "completed" if workflow else "success"
                        model = c["model"][i]
                        c["execution_cost"][i] = catalog.typical_price(model)
                        self.charged += float(c["execution_cost"][i])
                        c["output"][i] = catalog.OUTPUT_URL.format(
                            id=str(c["id"][i]).removeprefix("exec_"), ext=catalog.output_ext(model)
                        )
                self._rows[i] = self._render(i)
                moved += 1
            if moved:
                self._changed()
        return moved


class Clock:
    """The sandbox clock (µs since the epoch); faults advance it 1 ms per event."""

    STEP_US = 1_000

    def __init__(self, now_us: int) -> None:
        self.now_us = now_us
        self.finished = 0
        self._lock = threading.Lock()

    def advance_to(self, us: int) -> None:
        """Move the clock forward to ``us`` (never backwards)."""
        with self._lock:
            self.now_us = max(self.now_us, us)

    def tick(self) -> int:
        with self._lock:
            self.now_us += self.STEP_US
            return self.now_us
