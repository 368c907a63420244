"""The pure logic behind the Explorer's filter bar: a selection and the rows it keeps.

A :class:`Filters` is a small frozen selection: a range of UTC days on ``created_at`` (both ends
included), and sets of models, status groups, error classes and workflows (an empty set means
"all"). :func:`apply_filters` turns it into exactly the rows an equivalent pandas mask keeps;
:func:`quick_range` gives the day ranges behind "yesterday", "last 7 days" and so on. No
widgets here, so all of it is testable with plain pandas.

>>> import pandas as pd
>>> from eachlabs_analytics import schema
>>> df = schema.empty_frame()
>>> f = Filters(start="2026-05-01", end="2026-05-31", status_groups=["failed"])
>>> f.start, f.end, f.status_groups
(datetime.date(2026, 5, 1), datetime.date(2026, 5, 31), ('failed',))
>>> len(apply_filters(df, f))
0
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics._util.timestamps import ONE_US, format_timestamp, require_ascii, to_utc
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics.frame_partials import answerer, unwrapped
from eachlabs_analytics.metrics.frame_rows import narrow_mask

#: The choice in the workflow filter that keeps rows not triggered by any workflow.
NO_WORKFLOW = "(no workflow)"

#: Every status group a row can fall in: the schema's groups, then the group of unknown statuses.
STATUS_GROUP_NAMES: tuple[str, ...] = (*schema.STATUS_GROUPS, schema.UNKNOWN_STATUS_GROUP)

#: Quick date ranges: name -> label shown on its button.
QUICK_RANGES: dict[str, str] = {
    "all": "All",
    "yesterday": "Yesterday",
    "last_7_days": "Last 7 days",
    "last_30_days": "Last 30 days",
    "this_month": "This month",
}

_SET_FIELDS = ("models", "status_groups", "error_classes", "workflows")


@dataclasses.dataclass(frozen=True)
class Filters:
    """What the Explorer shows: UTC days ``start``..``end`` (inclusive) and value sets.

    Empty sets and ``None`` days mean "no restriction". Values are normalised on creation
    (strings and dates become ``datetime.date``, lists become tuples without duplicates) and
    checked: unknown status groups or error classes, or ``start`` after ``end``, raise
    :class:`~eachlabs_analytics.InvalidQueryError` naming what is allowed.

    >>> Filters(models="veo-3", start=pd.Timestamp("2026-05-02 23:00", tz="UTC"))
    Filters(start=datetime.date(2026, 5, 2), end=None, models=('veo-3',), status_groups=(), error_classes=(), workflows=())
    >>> Filters(status_groups=["done"])
    Traceback (most recent call last):
    ...
    eachlabs_analytics.exceptions.InvalidQueryError: unknown status group 'done'; allowed: succeeded, failed, cancelled, in_flight, other
    """  # noqa: E501

    start: dt.date | None = None
    end: dt.date | None = None
    models: tuple[str, ...] = ()
    status_groups: tuple[str, ...] = ()
    error_classes: tuple[str, ...] = ()
    workflows: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        start, end = _to_date(self.start, "start"), _to_date(self.end, "end")
        if start is not None and end is not None and start > end:
            raise InvalidQueryError(
                f"start {start} is after end {end}; the date range needs start <= end"
            )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        for name in _SET_FIELDS:
            object.__setattr__(self, name, _to_tuple(getattr(self, name), name))
        _check_allowed(self.status_groups, STATUS_GROUP_NAMES, "status group")
        _check_allowed(self.error_classes, schema.ERROR_CLASSES, "error class")

    def replace(self, **changes: Any) -> Filters:
        """A copy with some fields changed (validated like a new one).

        >>> Filters(models=["veo-3"]).replace(models=[]).models
        ()
        """
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise InvalidQueryError(
                f"unknown filter field(s) {', '.join(sorted(unknown))}; "
                f"allowed: {', '.join(f.name for f in dataclasses.fields(self))}"
            )
        return dataclasses.replace(self, **changes)

    @classmethod
    def coerce(
        cls, value: Filters | Mapping[str, Any] | None, base: Filters | None = None
    ) -> Filters:
        """A ``Filters`` from a ``Filters`` (as is), a mapping (a partial update of ``base``) or None.

        >>> Filters.coerce({"models": ["veo-3"]}, base=Filters(status_groups=["failed"]))
        Filters(start=None, end=None, models=('veo-3',), status_groups=('failed',), error_classes=(), workflows=())
        """  # noqa: E501
        if value is None:
            return cls()
        if isinstance(value, Filters):
            return value
        if isinstance(value, Mapping):
            return (base or cls()).replace(**dict(value))
        raise InvalidQueryError(
            "filters must be a Filters, a mapping of its fields or None, "
            f"not {type(value).__name__}"
        )

    def conditions(self) -> dict[str, Any]:
        """The rows it keeps, as the keyword arguments of ``narrow`` (a frame's answerer's or a
        selection's): a half-open window on ``created_at`` (midnight after the last day) and
        the choices, the workflow ``NO_WORKFLOW`` as ``no_workflow``.

        >>> Filters(end="2026-05-31", workflows=[NO_WORKFLOW]).conditions()["no_workflow"]
        True
        """
        start, end = self.start, self.end
        return {
            "start": _day_start(start) if start is not None else None,
            "end": _day_start(end + dt.timedelta(days=1)) if end is not None else None,
            "models": self.models,
            "status_groups": self.status_groups,
            "error_classes": self.error_classes,
            "workflows": [w for w in self.workflows if w != NO_WORKFLOW],
            "no_workflow": NO_WORKFLOW in self.workflows,
        }

    def as_dict(self) -> dict[str, Any]:
        """The selection as plain Python values (dates as ISO strings, sets as lists).

        >>> Filters(start="2026-05-01", models=["veo-3"]).as_dict()["start"]
        '2026-05-01'
        """
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[field.name] = value
        return out


def filter_mask(df: pd.DataFrame, filters: Filters) -> np.ndarray:
    """A boolean array: which rows of ``df`` the selection keeps.

    Days are UTC days on ``created_at``; a status group keeps the statuses the schema puts in it
    (``other``: any status the schema does not know); ``NO_WORKFLOW`` keeps rows with no
    ``workflow_id``.

    >>> df = schema.empty_frame()
    >>> filter_mask(df, Filters(models=["veo-3"])).tolist()
    []
    """
    return narrow_mask(df, **filters.conditions())


def apply_filters(df: pd.DataFrame, filters: Filters | Mapping[str, Any] | None) -> pd.DataFrame:
    """The rows of ``df`` the selection keeps, in their order, with ``df.attrs`` kept: what
    :func:`narrow_selection` keeps, as a frame.

    ``attrs["filters"]`` records the selection (as :meth:`Filters.as_dict`).

    >>> out = apply_filters(schema.empty_frame(), {"status_groups": ["succeeded"]})
    >>> out.attrs["filters"]["status_groups"], list(out.columns) == list(schema.COLUMNS)
    (['succeeded'], True)
    """
    return unwrapped(narrow_selection(answerer(df, "apply_filters"), filters))


def _filtered_attrs(attrs: Mapping[str, Any], filters: Filters) -> dict[str, Any]:
    """The ``attrs`` of the rows ``filters`` keeps: ``filters`` records them, and the window
    is cut to their days (summary() and compare_periods() then describe the slice)."""
    out = {**attrs, "filters": filters.as_dict()}
    window = _narrowed_window(attrs.get("window"), filters)
    if window is not None:
        out["window"] = window
    return out


def narrow_selection(selection: Any, filters: Filters | Mapping[str, Any] | None) -> Any:
    """What :func:`apply_filters` keeps, for a lazy selection (``store.scan()``): a narrower
    selection, filtered in its engine, with the same ``attrs`` a filtered frame gets.

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=500, seed=3, end="2026-10-31T00:00:00Z")
    >>> chosen = {"models": ["veo-3"], "status_groups": ["failed"], "start": "2026-10-20"}
    >>> narrow_selection(ea.scan_table(df), chosen).count() == len(apply_filters(df, chosen))
    True
    """
    filters = Filters.coerce(filters)
    return selection.narrow(**filters.conditions(), attrs=_filtered_attrs(selection.attrs, filters))


def _narrowed_window(window: object, filters: Filters) -> dict[str, str] | None:
    """The data's window cut to the filter's days, or None if unchanged.

    Half-open like every window, ``[start, end)``: the filter's days are inclusive, so the end
    is midnight after the last day.
    """
    if filters.start is None and filters.end is None:
        return None
    out = dict(window) if isinstance(window, Mapping) else {}
    cuts = {}
    if filters.start is not None:
        cuts["start"] = _day_start(filters.start)
    if filters.end is not None:
        cuts["end"] = _day_start(filters.end + dt.timedelta(days=1))
    for side, cut in cuts.items():
        try:
            current = _known_utc(pd.Timestamp(out[side]))
        except (KeyError, TypeError, ValueError):
            current = None
        if current is None or (cut > current if side == "start" else cut < current):
            out[side] = format_timestamp(cut)
            out[f"{side}_source"] = "filter"
    return out if "start" in out and "end" in out else None


def anchor_of(df: pd.DataFrame, now: pd.Timestamp | None = None) -> pd.Timestamp:
    """The moment quick ranges count back from: the last instant of the data's window
    ``[start, end)`` (its end minus a microsecond), else ``now`` (UTC).

    So a window ending at midnight ends on the day before: "last 7 days" of data that ends
    ``2026-06-01T00:00:00Z`` are May 25 to May 31, seven whole days.

    >>> df = schema.empty_frame()
    >>> df.attrs["window"] = {"start": "2026-03-03T00:00:00Z", "end": "2026-06-01T00:00:00Z"}
    >>> quick_range("last_7_days", anchor_of(df))
    (datetime.date(2026, 5, 25), datetime.date(2026, 5, 31))
    """
    window = df.attrs.get("window")
    end = window.get("end") if isinstance(window, Mapping) else None
    if end is not None:
        try:
            return _known_utc(pd.Timestamp(end)) - ONE_US
        except (TypeError, ValueError):
            pass  # an unreadable window end: fall back to now rather than fail the widget
    return _known_utc(pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now))


def quick_range(name: str, anchor: pd.Timestamp) -> tuple[dt.date | None, dt.date | None]:
    """The (first, last) UTC days, both included, of a quick range ending on the anchor's day.

    ``yesterday`` is the day before the anchor's; ``last_7_days`` and ``last_30_days`` end on
    the anchor's day (included); ``this_month`` runs from the 1st of its month; ``all`` is
    unbounded.

    >>> anchor = pd.Timestamp("2026-06-10 08:00", tz="UTC")
    >>> quick_range("last_7_days", anchor)
    (datetime.date(2026, 6, 4), datetime.date(2026, 6, 10))
    >>> quick_range("yesterday", anchor)
    (datetime.date(2026, 6, 9), datetime.date(2026, 6, 9))
    """
    day = _known_utc(pd.Timestamp(anchor)).date()
    if name == "all":
        return None, None
    if name == "yesterday":
        return day - dt.timedelta(days=1), day - dt.timedelta(days=1)
    if name == "last_7_days":
        return day - dt.timedelta(days=6), day
    if name == "last_30_days":
        return day - dt.timedelta(days=29), day
    if name == "this_month":
        return day.replace(day=1), day
    raise InvalidQueryError(f"unknown quick range {name!r}; allowed: {', '.join(QUICK_RANGES)}")


def _day_start(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day.year, day.month, day.day, tz="UTC")


def _known_utc(ts: pd.Timestamp) -> pd.Timestamp:
    if pd.isna(ts):
        raise ValueError("missing timestamp")
    return to_utc(ts)


def _to_date(value: object, name: str) -> dt.date | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, (str, dt.datetime, np.datetime64)):
        raise InvalidQueryError(
            f"{name} {value!r} is not a date; use a datetime.date, a Timestamp or 'YYYY-MM-DD'"
        )
    if isinstance(value, str):
        require_ascii(value, name, "a datetime.date, a Timestamp or 'YYYY-MM-DD'")
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InvalidQueryError(
            f"{name} {value!r} is not a date; use a datetime.date, a Timestamp or 'YYYY-MM-DD'"
        ) from exc
    if pd.isna(ts):
        return None
    return _known_utc(ts).date()


def _to_tuple(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise InvalidQueryError(f"{name} must be a string or a list of strings, not {value!r}")
    out: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise InvalidQueryError(f"{name} must contain strings, got {item!r}")
        if item not in out:
            out.append(item)
    return tuple(out)


def _check_allowed(values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> None:
    for value in values:
        if value not in allowed:
            raise InvalidQueryError(f"unknown {what} {value!r}; allowed: {', '.join(allowed)}")
