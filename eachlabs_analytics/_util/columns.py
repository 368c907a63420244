"""What every face calls a column and how it shows it: one label and one kind per column name.

The helpers' outputs share column names (``total_cost``, ``error_rate``, ``p95``, ...); the
report, the Explorer and :func:`~eachlabs_analytics.format_table` read their header text and
value format (a key of :data:`~eachlabs_analytics._util.formats.FORMATS`) from here, so a
figure is written the same way in every face.

>>> label("total_cost"), kind("total_cost"), label("p95"), kind("p95")
('spend', 'money', 'p95', 'seconds')
>>> workflow_label("wf_77f9098da0", {"wf_77f9098da0": "Product shots"})
'Product shots (wf_77f9098da0)'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Header text for people, by column name; a name not listed reads with spaces for ``_``.
LABELS: dict[str, str] = {
    "total_cost": "spend",
    "mean_cost": "mean cost",
    "share": "share of spend",
    "failed_cost": "spent on failures",
    "cost_per_success": "cost per success",
    "low_count": "few rows",
    "error_rate": "error rate",
    "execution_cost": "cost",
    "workflow_id": "workflow",
    "name": "name",
    "error_classification": "error class",
    "in_flight": "in flight",
    "count": "executions",
    "mean": "mean",
    "lo_80": "80% low",
    "hi_80": "80% high",
    "lo_95": "95% low",
    "hi_95": "95% high",
    # price_check (the report's words) and what_if
    "list_cost_type": "list price",
    "list_unit": "unit",
    "list_amount": "list",
    "ratio": "charged / list",
    "what_if_spend": "what-if spend",
}

#: Value kind by column name (keys of ``FORMATS``).
KINDS: dict[str, str] = {
    "total_cost": "money",
    "mean_cost": "money",
    "failed_cost": "money",
    "cost_per_success": "money",
    "execution_cost": "money",
    "spend": "money",
    "spent": "money",
    "projected": "money",
    "actual": "money",
    "forecast": "money",
    "expected": "money",
    "lower": "money",
    "upper": "money",
    "budget": "money",
    "lo_80": "money",
    "hi_80": "money",
    "lo_95": "money",
    "hi_95": "money",
    "share": "pct",
    "error_rate": "pct",
    "share_of_failures": "pct",
    "used": "pct",
    "projected_used": "pct",
    "executions": "int",
    "succeeded": "int",
    "failed": "int",
    "canceled": "int",
    "in_flight": "int",
    "errors": "int",
    "count": "int",
    "runs": "int",
    "mean": "seconds",
    "low_count": "flag",
    "created_at": "time",
    "as_of": "time",
    "period": "date",
    "day": "date",
    "month": "date",
    "score": "score",
    # price_check (a charge against its list price, per unit: rates) and what_if
    "charged_per_execution": "rate",
    "charged_per_second": "rate",
    "list_amount": "rate",
    "list_min": "rate",
    "list_max": "rate",
    "ratio": "decimal",
    "successes": "int",
    "price_changed_on": "date",
    "what_if_spend": "money",
    "difference": "signed_money",
}
_PERCENTILE = re.compile(r"p[0-9]{1,2}(\.[0-9]+)?")


def label(column: object) -> str:
    """The header text of ``column``."""
    name = str(column)
    return LABELS.get(name, name.replace("_", " "))


#: The kind of a change of a figure of each kind (a rate changes in percentage points).
_CHANGE = {
    "money": "signed_money",
    "int": "signed_int",
    "pct": "points",
    "seconds": "signed_seconds",
}


def kind(column: object, default: str = "text") -> str:
    """The value kind of ``column``, else ``default``: percentiles (``p95``,
    ``latency_p95``) are durations, ``cost_per_*`` money, and :func:`compare_periods`'
    ``<figure>_previous`` / ``_current`` read as the figure, ``_change`` as its change and
    ``_rel_change`` as a signed percentage.

    >>> kind("spend_change"), kind("error_rate_change"), kind("latency_p95_rel_change")
    ('signed_money', 'points', 'signed_pct')
    """
    name = str(column)
    if name in KINDS:
        return KINDS[name]
    if _PERCENTILE.fullmatch(name.removeprefix("latency_")):
        return "seconds"
    if name.startswith("cost_per_"):
        return "money"
    if name.endswith("_rel_change"):
        return "signed_pct"
    for suffix in ("_previous", "_current"):
        if name.endswith(suffix):
            return kind(name.removesuffix(suffix), default)
    if name.endswith("_change"):
        base = kind(name.removesuffix("_change"), "")
        return _CHANGE.get(base, default)
    return default


#: How a face labels the rows outside any workflow (a missing ``workflow_id``).
NO_WORKFLOW = "no workflow"


def workflow_name(workflow_id: object, names: Mapping[str, str] | None) -> str | None:
    """The name ``names`` (``{workflow_id: name}``, e.g. ``ea.workflow_names()``) holds for
    ``workflow_id``, on one line (whitespace runs read as one space); None when unknown
    (no names, an id they lack, a blank name).

    >>> workflow_name("wf_1", {"wf_1": "  Ad\\nvideo "}), workflow_name("wf_2", {"wf_1": "x"})
    ('Ad video', None)
    """
    if not names or not isinstance(workflow_id, str):
        return None
    name = names.get(workflow_id)
    if not isinstance(name, str):
        return None
    return " ".join(name.split()) or None


def workflow_label(workflow_id: object, names: Mapping[str, str] | None = None) -> str:
    """How every face writes a workflow: ``"name (wf_...)"`` when its name is known, else the
    id; :data:`NO_WORKFLOW` for a missing id.

    >>> workflow_label("wf_2", {"wf_1": "Ad video"}), workflow_label(None)
    ('wf_2', 'no workflow')
    """
    if not isinstance(workflow_id, str):
        return NO_WORKFLOW
    name = workflow_name(workflow_id, names)
    return workflow_id if name is None else f"{name} ({workflow_id})"
