"""The check's result: exit statuses, the alerts, and the verdict in text and JSON.

:class:`CheckResult` is what :func:`~eachlabs_analytics.watch.check.run_check` returns: its
``status`` follows the monitoring-plugin convention (:data:`OK`, :data:`WARNING`,
:data:`CRITICAL`, :data:`UNKNOWN`; the worst of several by :func:`_worst`, where UNKNOWN
outranks OK only), with the budgets, the recent anomalies, one :class:`Alert` per problem and
notes, said as a summary line, as lines for people and monitors (:meth:`CheckResult.text`) or
as JSON-ready values (:meth:`CheckResult.as_json`).

>>> _worst([OK, UNKNOWN, WARNING]) == WARNING, _worst([OK, UNKNOWN]) == UNKNOWN
(True, True)
>>> CheckResult(OK, alerts=[Alert("k", "warning", "t")]).as_json()["alerts"]
[{'key': 'k', 'level': 'warning', 'text': 't'}]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eachlabs_analytics._util.formats import missing
from eachlabs_analytics._util.timestamps import DAY, format_timestamp
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.watch.budgets import COLUMNS as BUDGET_COLUMNS
from eachlabs_analytics.watch.budgets import period_bounds
from eachlabs_analytics.watch.wording import (
    _anomaly_detail,
    _anomaly_line,
    _budget_figures,
    _budget_line,
    _group_label,
    _period_label,
    budget_label,
)

if TYPE_CHECKING:
    from eachlabs_analytics.watch.runway_check import RunwayVerdict

__all__ = ["CRITICAL", "OK", "STATUS_NAMES", "UNKNOWN", "WARNING", "Alert", "CheckResult"]

#: Exit statuses of the monitoring-plugin convention.
OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATUS_NAMES: dict[int, str] = {
    OK: "OK",
    WARNING: "WARNING",
    CRITICAL: "CRITICAL",
    UNKNOWN: "UNKNOWN",
}

# How bad each status is, for "the worst of": UNKNOWN outranks OK only.
_SEVERITY = {OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3}
_BUDGET_STATUS = {"ok": OK, "warning": WARNING, "critical": CRITICAL}
_LEVELS = ("warning", "critical")


@dataclass(frozen=True)
class Alert:
    """One problem to tell someone about.

    ``key`` identifies it for de-duplication and holds its period, so the same problem is
    sent once per period (:class:`~eachlabs_analytics.app.alerts.AlertState`):
    ``budget:<budget key>:<threshold>:<period>`` (the highest threshold crossed),
    ``budget:<budget key>:projected:<period>`` (on course to reach the highest threshold),
    ``anomaly:<metric>:<group>:<day>`` (``<by>=<group>`` for a grouping other than the total
    or the model). ``level`` is ``"warning"`` or
    ``"critical"``; ``text`` one line for people.

    >>> Alert("budget:total:0.8:2026-10", "warning", "total: 82% of $500.00 used").level
    'warning'
    """

    key: str
    level: str
    text: str

    def __post_init__(self) -> None:
        if self.level not in _LEVELS:
            raise InvalidQueryError(
                f"alert level {self.level!r} is not allowed; use warning or critical"
            )

    def as_json(self) -> dict[str, str]:
        """``{"key", "level", "text"}``.

        >>> Alert("k", "critical", "t").as_json()
        {'key': 'k', 'level': 'critical', 'text': 't'}
        """
        return {"key": self.key, "level": self.level, "text": self.text}


@dataclass(eq=False)
class CheckResult:
    """What :func:`~eachlabs_analytics.watch.check.run_check` found.

    ``status`` is the exit status (:data:`OK`, :data:`WARNING`, :data:`CRITICAL`,
    :data:`UNKNOWN`); ``budgets`` the :func:`~eachlabs_analytics.watch.check_budgets` frame
    (no rows when there were no budgets or nothing to judge); ``anomalies`` the recent
    flagged anomalies (None when not asked for): the columns of
    :func:`~eachlabs_analytics.watch.detect_anomalies` plus ``by``; ``alerts`` one
    :class:`Alert` per problem; ``window`` the data's window (``start``/``end``, RFC 3339,
    when known); ``as_of`` the instant judged (None when the frame gave none); ``period`` the
    budget period; ``notes`` what the reader should know (why UNKNOWN, unseen budget keys,
    anomalies not judged).

    >>> CheckResult(UNKNOWN, notes=["no executions"]).text()
    'EACHLABS UNKNOWN - no executions'
    """

    status: int
    budgets: pd.DataFrame = field(default_factory=lambda: _empty_budgets())
    anomalies: pd.DataFrame | None = None
    alerts: list[Alert] = field(default_factory=list)
    window: dict[str, str] = field(default_factory=dict)
    as_of: pd.Timestamp | None = None
    period: str = "month"
    notes: list[str] = field(default_factory=list)
    #: The runway's verdict (:mod:`~eachlabs_analytics.watch.runway_check`), None when not
    #: asked for.
    runway: RunwayVerdict | None = None
    #: Workflow id -> name, to write workflow budgets as ``workflow:name (wf_...)``.
    names: Mapping[str, str] | None = None

    @property
    def status_name(self) -> str:
        """``"OK"``, ``"WARNING"``, ``"CRITICAL"`` or ``"UNKNOWN"``.

        >>> CheckResult(WARNING).status_name
        'WARNING'
        """
        return STATUS_NAMES[self.status]

    def summary(self) -> str:
        """The first line of :meth:`text`, ``EACHLABS <STATUS> - <what matters most>``.

        >>> CheckResult(OK, anomalies=pd.DataFrame()).summary()
        'EACHLABS OK - no anomalies'
        """
        parts: list[str] = []
        if len(self.budgets):
            worst = _worst_budget(self.budgets)
            worst_row = self.budgets.loc[worst]
            parts.append(
                f"{budget_label(worst, self.names)} {_budget_figures(worst_row, self._last_day())}"
            )
            others = sum(
                1
                for key, status in self.budgets["status"].items()
                if key != worst and status != "ok"
            )
            if others:
                parts.append(f"{others} more {'budget' if others == 1 else 'budgets'} alerting")
        if self.anomalies is not None:
            count = len(self.anomalies)
            if not self.anomalies.attrs.get("judged", True):
                if self.status != UNKNOWN:  # else the reason says it
                    parts.append("anomalies not judged")
            elif count == 0:
                parts.append("no anomalies")
            elif parts:
                parts.append(f"{count} {'anomaly' if count == 1 else 'anomalies'}")
            else:
                first = _anomaly_line(self.anomalies.iloc[0])
                more = f" (+{count - 1} more)" if count > 1 else ""
                parts.append(f"{count} {'anomaly' if count == 1 else 'anomalies'}: {first}{more}")
        if self.runway is not None and self.runway.status in (WARNING, CRITICAL):
            parts.insert(0, f"runway {self.runway.reason}")
        if self.status == UNKNOWN and self.notes:
            parts.append(self.notes[0])  # why it could not judge
        head = "; ".join(parts) or "nothing to report"
        return f"EACHLABS {self.status_name} - {head}"

    def text(self) -> str:
        """For people and monitors: the :meth:`summary`, then one line per budget
        (``budget <key>: <STATUS> - ...``), per anomaly (``anomaly <metric> <group> <day>:
        ...``) and per note (``note: ...``), then the data's window.

        >>> print(CheckResult(UNKNOWN, notes=["no executions"], window={"end": "x"}).text())
        EACHLABS UNKNOWN - no executions
        data: ? to x
        """
        lines = [self.summary()]
        last_day = self._last_day()
        for key, row in self.budgets.iterrows():
            status = STATUS_NAMES[_BUDGET_STATUS[str(row["status"])]]
            line = _budget_line(row, last_day)
            lines.append(f"budget {budget_label(key, self.names)}: {status} - {line}")
        if self.anomalies is not None:
            for _, row in self.anomalies.iterrows():
                day = pd.Timestamp(row["period"]).strftime("%Y-%m-%d")
                lines.append(
                    f"anomaly {row['metric']} {_group_label(row)} {day}: {_anomaly_detail(row)}"
                )
        if self.runway is not None and self.runway.runway is not None:
            lines.append(self.runway.line())
        notes = self.notes[1:] if self.status == UNKNOWN else self.notes
        lines.extend(f"note: {note}" for note in notes)
        if self.window or self.as_of is not None:
            data = f"data: {self.window.get('start', '?')} to {self.window.get('end', '?')}"
            if self.as_of is not None:
                data += f", as of {format_timestamp(self.as_of)}"
                if len(self.budgets):
                    data += f"; period {self.period} {_period_label(self.period, self.as_of)}"
            lines.append(data)
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        """JSON-ready (``json.dumps(..., allow_nan=False)`` works): strings, numbers, None.

        Keys: ``status`` (name), ``code`` (exit status), ``summary``, ``as_of``, ``window``,
        ``period`` (``name``, ``start``, ``end``, ``label``; None without an ``as_of``),
        ``budgets`` (one object per budget: ``key``, the columns of
        :func:`~eachlabs_analytics.watch.check_budgets`, ``method`` and ``fallback``),
        ``anomalies`` (one object per recent anomaly, None when not asked for), ``alerts``,
        ``notes`` and ``runway`` (the runway's verdict and figures, None when not asked for).
        Timestamps are RFC 3339 in UTC, a missing value None.

        >>> out = CheckResult(UNKNOWN, notes=["no executions"]).as_json()
        >>> out["status"], out["code"], out["budgets"], out["anomalies"]
        ('UNKNOWN', 3, [], None)
        """
        method = self.budgets.attrs.get("method", {})
        fallback = self.budgets.attrs.get("fallback", {})
        budgets = []
        for key, row in self.budgets.iterrows():
            record: dict[str, Any] = {"key": str(key)}
            record.update({c: _plain(row[c]) for c in BUDGET_COLUMNS})
            record["method"] = method.get(key)
            record["fallback"] = fallback.get(key)
            budgets.append(record)
        anomalies = None
        if self.anomalies is not None:
            anomalies = [
                {c: _plain(row[c]) for c in self.anomalies.columns}
                for _, row in self.anomalies.iterrows()
            ]
        period = None
        if self.as_of is not None:
            start, end = period_bounds(self.period, self.as_of)
            period = {
                "name": self.period,
                "start": format_timestamp(start),
                "end": format_timestamp(end),
                "label": _period_label(self.period, self.as_of),
            }
        return {
            "status": self.status_name,
            "code": self.status,
            "summary": self.summary(),
            "as_of": None if self.as_of is None else format_timestamp(self.as_of),
            "window": dict(self.window),
            "period": period,
            "budgets": budgets,
            "anomalies": anomalies,
            "alerts": [alert.as_json() for alert in self.alerts],
            "notes": list(self.notes),
            "runway": None if self.runway is None else self.runway.as_json(),
        }

    def _last_day(self) -> str:
        if self.as_of is None:
            return "?"
        return (period_bounds(self.period, self.as_of)[1] - DAY).strftime("%Y-%m-%d")


def _plain(value: Any) -> Any:
    """A JSON-ready copy: NaN/NA/NaT -> None, timestamps -> RFC 3339, numpy -> Python."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return format_timestamp(value)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str | int):
        return value
    return str(value)


def _empty_budgets() -> pd.DataFrame:
    out = pd.DataFrame(columns=list(BUDGET_COLUMNS), index=pd.Index([], dtype=object, name="key"))
    return out


def _unjudged() -> pd.DataFrame:
    out = _empty_anomalies()
    out.attrs["judged"] = False
    return out


def _empty_anomalies() -> pd.DataFrame:
    columns = ["period", "by", "group", "metric", "actual", "expected", "lower", "upper"]
    columns += ["score", "direction", "drivers", "across", "hours", "hours_score"]
    out = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    out["period"] = pd.Series([], dtype="datetime64[us, UTC]")
    return out


def _worst_budget(budgets: pd.DataFrame) -> str:
    """The budget the first line is about: worst status, then most used, then most projected."""
    ranked = sorted(
        budgets.index,
        key=lambda k: (
            -_BUDGET_STATUS[str(budgets.at[k, "status"])],
            -float(budgets.at[k, "used"]),
            -float(budgets.at[k, "projected_used"]),
        ),
    )
    return str(ranked[0])


def _worst(statuses: Iterable[int]) -> int:
    return max(statuses, key=lambda s: _SEVERITY[s], default=OK)
