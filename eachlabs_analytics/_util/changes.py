"""The headline figures and how each one's change against an earlier period is said, the
same on the report's cards and the Explorer's.

>>> c = change_of(0.05, 0.06, "pct", "down")
>>> c.direction, c.tone, c.text, c.arrow
('down', 'better', '-1.0 pp', '▼')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eachlabs_analytics._util.formats import FORMATS, fmt_points, fmt_signed_pct, missing

#: The headline figures: a :class:`~eachlabs_analytics.Summary` field, its label, its value
#: kind (a key of ``FORMATS``), and which way is better (None: neither; more executions is
#: use, not a problem).
KPIS: tuple[tuple[str, str, str, str | None], ...] = (
    ("spend", "Spend", "money", "down"),
    ("executions", "Executions", "int", None),
    ("success_rate", "Success rate", "pct", "up"),
    ("error_rate", "Error rate", "pct", "down"),
    ("failed_cost", "Spent on failures", "money", "down"),
    ("cost_per_success", "Cost per success", "money", "down"),
    ("p50_seconds", "End to end p50", "seconds", "down"),
    ("p95_seconds", "End to end p95", "seconds", "down"),
)
#: Each headline figure's ``(label, kind, better)`` by its field.
KPI: dict[str, tuple[str, str, str | None]] = {k: (label, kind, b) for k, label, kind, b in KPIS}

_ARROWS = {"up": "▲", "down": "▼", "flat": "→", "none": "·"}


@dataclass(frozen=True)
class Change:
    """A figure against an earlier period: which way it went, and whether that is good.

    ``direction`` is ``up``, ``down``, ``flat`` or ``none`` (nothing to compare with);
    ``tone`` is ``better``, ``worse`` or ``neutral``; ``text`` is the visible change
    (``+7.4%``, ``+1.2 pp``), ``spoken`` the sentence a screen reader reads, ``before``
    the earlier value as shown (``$2,415.95``).
    """

    direction: str
    tone: str
    text: str
    spoken: str
    before: str

    @property
    def arrow(self) -> str:
        return _ARROWS[self.direction]


def change_of(
    now: Any, then: Any, kind: str, better: str | None, period: str = "the previous period"
) -> Change:
    """``now`` against ``then``: rates in percentage points, other values relative (or, from
    nothing, the difference itself); a change that rounds away still shows its direction.

    >>> change_of(110.0, 100.0, "money", "down").spoken
    'up 10.0% against the previous period ($100.00)'
    >>> change_of(0.9500, 0.9502, "pct", "up").text
    '-<0.1 pp'
    """
    show = FORMATS[kind]
    if missing(now) or missing(then):
        where = "this period" if missing(now) else period
        before = "" if missing(then) else show(then)
        return Change("none", "neutral", "n/a", f"no change to show: no value in {where}", before)
    diff = float(now) - float(then)
    direction = "up" if diff > 0 else "down" if diff < 0 else "flat"
    if kind == "pct":
        text, amount, unit = fmt_points(diff), f"{abs(diff) * 100:.1f} percentage points", " pp"
    elif then == 0:  # from nothing: the difference itself
        amount, unit = show(abs(diff)), ""
        text = f"{'-' if diff < 0 else '+'}{amount}" if diff else amount
    else:
        ratio = diff / abs(float(then))
        text, amount, unit = fmt_signed_pct(ratio), f"{abs(ratio):.1%}", "%"
    if direction != "flat" and text[:1] not in "+-":  # rounds to 0.0: say less than 0.1
        sign = "+" if diff > 0 else "-"
        text = f"{sign}<0.1{unit}"
        amount = "less than " + ("0.1 percentage points" if kind == "pct" else "0.1%")
    before = show(then)
    if direction == "flat":
        spoken = f"no change against {period} ({before})"
    else:
        spoken = f"{direction} {amount} against {period} ({before})"
    tone = "neutral"
    if better is not None and direction in ("up", "down"):
        tone = "better" if direction == better else "worse"
    return Change(direction, tone, text, spoken, before)
