"""Check and normalise a loader query before any request is sent.

>>> q = build_query(start="2026-10-01T00:00:00Z", end="2026-10-08T00:00:00Z",
...                 model=["veo-3", "flux-2-pro"], status="success,error")
>>> q.models, q.statuses
(('flux-2-pro', 'veo-3'), ('error', 'success'))
>>> q.base_params("veo-3")["status"]
'error,success'
>>> build_query(start="2026-10-01")
Traceback (most recent call last):
...
eachlabs_analytics.exceptions.InvalidQueryError: start has no time zone: '2026-10-01'. Pass a \
tz-aware datetime or an RFC 3339 string with an offset, e.g. '2026-10-01T00:00:00Z'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pandas as pd

from eachlabs_analytics._util.timestamps import format_timestamp, parse_timestamp
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.schema import ERROR_CLASSES, STATUS_FILTER_TOKENS

#: When ``start`` is omitted the API uses the 90 days ending at ``to``.
DEFAULT_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Query:
    """A validated query: a closed creation-time window and the API filters."""

    start: pd.Timestamp
    end: pd.Timestamp
    start_source: str  # "argument" or "api-default-90d"
    end_source: str  # "argument" or "load-start"
    models: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    workflow_id: str | None = None
    workflow_execution_id: str | None = None
    error_classes: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    def base_params(self, model: str | None = None) -> dict[str, str]:
        """The API parameters shared by every request of this query (no window, no paging)."""
        params: dict[str, str] = {}
        if model:
            params["model"] = model
        if self.statuses:
            params["status"] = ",".join(self.statuses)
        if self.workflow_id:
            params["workflow_id"] = self.workflow_id
        if self.workflow_execution_id:
            params["workflow_execution_id"] = self.workflow_execution_id
        if self.error_classes:
            params["error_classification"] = ",".join(self.error_classes)
        return params

    def describe(self) -> dict[str, Any]:
        """JSON-ready description for ``df.attrs['query']`` (no secrets)."""
        return {
            "model": list(self.models) or None,
            "status": list(self.statuses) or None,
            "workflow_id": self.workflow_id,
            "workflow_execution_id": self.workflow_execution_id,
            "error_classification": list(self.error_classes) or None,
        }

    def window(self) -> dict[str, str]:
        """The window actually used, as RFC 3339 strings, with where each end came from."""
        return {
            "start": format_timestamp(self.start),
            "end": format_timestamp(self.end),
            "start_source": self.start_source,
            "end_source": self.end_source,
        }


def build_query(
    start: Any = None,
    end: Any = None,
    model: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
    workflow_id: str | None = None,
    workflow_execution_id: str | None = None,
    error_classification: str | Iterable[str] | None = None,
    now: pd.Timestamp | None = None,
) -> Query:
    """Validate loader arguments; raise :class:`InvalidQueryError` naming what is allowed.

    ``end=None`` pins the window's end at ``now`` (the moment the load starts), so paging runs
    over a fixed set; ``start=None`` means the API's default, the 90 days before ``end``.
    """
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    end_ts = parse_timestamp(end, "end") if end is not None else now.floor("us")
    start_ts = parse_timestamp(start, "start") if start is not None else end_ts - DEFAULT_WINDOW
    if start_ts >= end_ts:
        raise InvalidQueryError(
            f"start ({format_timestamp(start_ts)}) must be before end ({format_timestamp(end_ts)})"
        )
    return Query(
        start=start_ts,
        end=end_ts,
        start_source="argument" if start is not None else "api-default-90d",
        end_source="argument" if end is not None else "load-start",
        models=_tokens(model, "model", allowed=None),
        statuses=_tokens(status, "status", allowed=STATUS_FILTER_TOKENS),
        workflow_id=_identifier(workflow_id, "workflow_id"),
        workflow_execution_id=_identifier(workflow_execution_id, "workflow_execution_id"),
        error_classes=_tokens(error_classification, "error_classification", allowed=ERROR_CLASSES),
    )


def _tokens(
    value: str | Iterable[str] | None, name: str, allowed: tuple[str, ...] | None
) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",")]
    else:
        try:
            items = list(value)
        except TypeError:
            raise InvalidQueryError(
                f"{name} must be a string or a list of strings, not {type(value).__name__}"
            ) from None
        for item in items:
            if not isinstance(item, str):
                raise InvalidQueryError(
                    f"{name} must be a string or a list of strings; got {item!r} in the list"
                )
        items = [item.strip() for item in items]
        if not items:
            raise InvalidQueryError(f"{name} is an empty list; pass None for no {name} filter")
    if any(not item for item in items):
        raise InvalidQueryError(f"{name} contains an empty value: {value!r}")
    if allowed is not None:
        bad = [item for item in items if item not in allowed]
        if bad:
            raise InvalidQueryError(
                f"{name} {', '.join(repr(b) for b in bad)} not allowed; allowed values: "
                f"{', '.join(allowed)}"
            )
    return tuple(sorted(set(items)))


def _identifier(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidQueryError(f"{name} must be a non-empty string, not {value!r}")
    return value.strip()
