"""Check and normalise a loader query before any request is sent.

>>> q = build_query(start="2026-10-01T00:00:00Z", end="2026-10-08T00:00:00Z",
...                 filters=Filters.parse(model=["veo-3", "flux-2-pro"], status="success,error"))
>>> q.models, q.filters.statuses
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

import numpy as np
import pandas as pd

from eachlabs_analytics._util.timestamps import ONE_US, format_timestamp, parse_timestamp
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.schema import ERROR_CLASSES, STATUS_FILTER_TOKENS

#: When ``start`` is omitted the API uses the 90 days ending at ``to``.
DEFAULT_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Filters:
    """The API filters of a query, checked once; empty means "no filter".

    The one home of the five filter arguments (``model``, ``status``, ``workflow_id``,
    ``workflow_execution_id``, ``error_classification``): the loader, the store and the CLI
    build one with :meth:`parse` and pass it on instead of re-listing them.

    >>> f = Filters.parse(model="veo-3,flux-2-pro", status=["error"])
    >>> f.models, f.arguments()["status"]
    (('flux-2-pro', 'veo-3'), ['error'])
    """

    models: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    workflow_id: str | None = None
    workflow_execution_id: str | None = None
    error_classes: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls,
        model: str | Iterable[str] | None = None,
        status: str | Iterable[str] | None = None,
        workflow_id: str | None = None,
        workflow_execution_id: str | None = None,
        error_classification: str | Iterable[str] | None = None,
        *,
        any_status: bool = False,
    ) -> Filters:
        """Check the filter arguments; ``any_status`` accepts every status, not only the API's
        filter tokens (for data already loaded)."""
        return cls(
            models=_tokens(model, "model", allowed=None),
            statuses=_tokens(status, "status", None if any_status else STATUS_FILTER_TOKENS),
            workflow_id=_identifier(workflow_id, "workflow_id"),
            workflow_execution_id=_identifier(workflow_execution_id, "workflow_execution_id"),
            error_classes=_tokens(error_classification, "error_classification", ERROR_CLASSES),
        )

    def arguments(self) -> dict[str, Any]:
        """The filters as keyword arguments of ``load_executions`` (JSON-ready; no secrets)."""
        return {
            "model": list(self.models) or None,
            "status": list(self.statuses) or None,
            "workflow_id": self.workflow_id,
            "workflow_execution_id": self.workflow_execution_id,
            "error_classification": list(self.error_classes) or None,
        }

    def columns(self) -> dict[str, tuple[str, ...]]:
        """Each filtered column and the values it keeps (only filters that are set)."""
        wanted = {
            "model": self.models,
            "status": self.statuses,
            "workflow_id": (self.workflow_id,) if self.workflow_id else (),
            "workflow_execution_id": (
                (self.workflow_execution_id,) if self.workflow_execution_id else ()
            ),
            "error_classification": self.error_classes,
        }
        return {column: values for column, values in wanted.items() if values}

    def mask(self, df: pd.DataFrame) -> np.ndarray:
        """Which rows of a loaded frame the filters keep, as the API would match them.

        >>> import eachlabs_analytics as ea
        >>> df = ea.generate_executions(executions=500, seed=1)
        >>> int(Filters.parse(model="veo-3").mask(df).sum()) == int((df.model == "veo-3").sum())
        True
        """
        keep = np.ones(len(df), dtype=bool)
        for column, values in self.columns().items():
            keep &= df[column].isin(values).to_numpy(dtype=bool, na_value=False)
        return keep

    def select(self, df: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``df`` the filters keep (``df`` itself when none are set), attrs kept."""
        if not self.columns():
            return df
        out = df[self.mask(df)].reset_index(drop=True)
        out.attrs = dict(df.attrs)
        return out

    def base_params(self, model: str | None = None) -> dict[str, str]:
        """The API parameters shared by every request of a query (no window, no paging)."""
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


@dataclass(frozen=True)
class Query:
    """A validated query: the half-open creation-time window ``[start, end)`` and the filters.

    The API's ``from``/``to`` are both inclusive; timestamps have microsecond resolution, so
    ``[start, end)`` is sent exactly as ``from=start, to=end - 1 µs`` (:attr:`last`).
    """

    start: pd.Timestamp
    end: pd.Timestamp
    start_source: str  # "argument" or "api-default-90d"
    end_source: str  # "argument" or "load-start"
    filters: Filters = field(default_factory=Filters)

    @property
    def last(self) -> pd.Timestamp:
        """The last instant inside the window (``end`` minus one microsecond): the API's ``to``."""
        return self.end - ONE_US

    @property
    def models(self) -> tuple[str, ...]:
        return self.filters.models

    @property
    def error_classes(self) -> tuple[str, ...]:
        return self.filters.error_classes

    def base_params(self, model: str | None = None) -> dict[str, str]:
        """The API parameters shared by every request of this query (no window, no paging)."""
        return self.filters.base_params(model)

    def describe(self) -> dict[str, Any]:
        """JSON-ready description for ``df.attrs['query']`` (no secrets)."""
        return self.filters.arguments()

    def window(self) -> dict[str, str]:
        """The window actually used, ``[start, end)``, as RFC 3339 strings, with where each end
        came from."""
        return {
            "start": format_timestamp(self.start),
            "end": format_timestamp(self.end),
            "start_source": self.start_source,
            "end_source": self.end_source,
        }


def build_query(
    start: Any = None,
    end: Any = None,
    filters: Filters | None = None,
    now: pd.Timestamp | None = None,
) -> Query:
    """A checked window ``[start, end)`` around checked ``filters``; raise
    :class:`InvalidQueryError` naming what is allowed.

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
        filters=filters if filters is not None else Filters(),
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
