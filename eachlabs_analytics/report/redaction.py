"""Redaction for sharing: workflow ids become aliases (``workflow 1``, ...) in what a report shows.

It runs after every number is computed and only relabels text, so no figure depends on it;
the sections themselves leave out execution ids, run ids and outputs when ``redact=True``.

>>> import pandas as pd

from eachlabs_analytics.metrics.frame_partials import rows_of
>>> from eachlabs_analytics.report.render import Section, Table
>>> df = pd.DataFrame({"workflow_id": ["wf-b", "wf-a", "wf-b"]})
>>> section = Section("s", "S", tables=[Table("t", "T", df[["workflow_id"]], {})])
>>> redact([section], None, df)
>>> section.tables[0].frame["workflow_id"].tolist()
['workflow 1', 'workflow 2', 'workflow 1']
"""

from __future__ import annotations

import pandas as pd

from eachlabs_analytics.metrics.frame_partials import rows_of
from eachlabs_analytics.metrics.lazy import Executions
from eachlabs_analytics.report.render import Section


def redact(
    sections: list[Section],
    by_workflow: pd.DataFrame | None,
    df: Executions,
    previous: Executions | None = None,
) -> None:
    """Alias workflow ids in what the report shows, after every number is computed.

    Redaction only relabels or leaves out text (ids and outputs are left out by the sections
    themselves), so no number can depend on it. Aliases follow the order in which workflows
    first appear in ``df``: ``workflow 1``, ``workflow 2``, ..., then those seen only in
    ``previous`` (an anomaly's driver may be a workflow that stopped). Workflows named as an
    anomaly's driver (``driver`` where ``driver_by`` is ``workflow_id``) get the same aliases,
    and so does the index of ``by_workflow`` (``cost_by_workflow``'s figure, relabelled in
    place).
    """
    uniques = rows_of(df, "redact").first_seen("workflow_id")
    if previous is not None:
        known = set(uniques)
        earlier = rows_of(previous, "redact").first_seen("workflow_id")
        uniques += [v for v in earlier if v not in known]
    aliases = {value: f"workflow {i + 1}" for i, value in enumerate(uniques)}
    if by_workflow is not None:
        by_workflow.index = pd.Index(
            [aliases.get(v, "workflow ?") for v in by_workflow.index], name=by_workflow.index.name
        )
    for section in sections:
        for table in section.tables:
            if "workflow_id" in table.frame.columns:
                table.frame = table.frame.assign(
                    workflow_id=[aliases.get(v, "workflow ?") for v in table.frame["workflow_id"]]
                )
            if {"driver_by", "driver"} <= set(table.frame.columns):
                drivers = [
                    aliases.get(v, "workflow ?") if by == "workflow_id" else v
                    for by, v in zip(table.frame["driver_by"], table.frame["driver"], strict=True)
                ]
                table.frame = table.frame.assign(
                    driver=pd.Series(drivers, index=table.frame.index, dtype=object)
                )
