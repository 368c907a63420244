"""The headline numbers of a frame, as one small object that prints well in a notebook.

>>> from eachlabs_analytics import schema
>>> summary(schema.empty_frame()).executions
0
"""

from __future__ import annotations

import html
import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from eachlabs_analytics._util import money
from eachlabs_analytics._util.formats import fmt_money, fmt_pct, fmt_seconds, fmt_window, plural
from eachlabs_analytics.exceptions import InvalidQueryError
from eachlabs_analytics.metrics import lazy as _lazy
from eachlabs_analytics.metrics import rows as _rows
from eachlabs_analytics.metrics.aggregates import (
    cost_by_model,
    error_breakdown,
    latency_percentiles,
)
from eachlabs_analytics.metrics.frame_partials import answerer
from eachlabs_analytics.metrics.lazy import Executions
from eachlabs_analytics.metrics.periods import window_of

_ERROR_COLUMNS = ("errors", "executions", "error_rate")


@dataclass(frozen=True)
class Summary:
    """Headline numbers of an executions frame (see :func:`summary` for each field's meaning).

    Prints as a few readable lines; in Jupyter it renders as a small HTML table with every
    value that came from the data escaped.
    """

    start: pd.Timestamp | None
    end: pd.Timestamp | None
    window_source: str
    executions: int
    spend: float
    succeeded: int
    failed: int
    cancelled: int
    finished: int
    in_flight: int
    other: int
    success_rate: float
    error_rate: float
    failed_cost: float
    cost_per_success: float
    p50_seconds: float
    p95_seconds: float
    models: int
    top_models: tuple[tuple[str, float], ...]
    top_error_classes: tuple[tuple[str, int], ...]
    unclassified_errors: int

    def to_dict(self) -> dict[str, object]:
        """Every field as a plain dict (for JSON, reports, tests).

        >>> from eachlabs_analytics import schema
        >>> summary(schema.empty_frame()).to_dict()["spend"]
        0.0
        """
        return asdict(self)

    def _lines(self) -> list[tuple[str, str]]:
        n = self.executions
        outcomes = (
            f"succeeded {self.succeeded:,} of {self.finished:,} finished "
            f"({fmt_pct(self.success_rate)}), failed {self.failed:,} "
            f"({fmt_pct(self.error_rate)} of all), "
            f"cancelled {self.cancelled:,}, in flight {self.in_flight:,}"
            + (f", unknown status {self.other:,}" if self.other else "")
        )
        spend = (
            f"{fmt_money(self.spend)} (on failures {fmt_money(self.failed_cost)}; "
            f"per success {fmt_money(self.cost_per_success)})"
        )
        models = ", ".join(
            f"{name} {fmt_money(cost)} ({fmt_pct(cost / self.spend if self.spend else math.nan)})"
            for name, cost in self.top_models
        )
        classes = ", ".join(f"{name} {count:,}" for name, count in self.top_error_classes)
        if self.unclassified_errors:
            classes += (", " if classes else "") + f"unclassified {self.unclassified_errors:,}"
        return [
            ("window", f"{self._window()}"),
            ("executions", f"{n:,} across {plural(self.models, 'model')}"),
            ("spend", spend),
            ("outcomes", outcomes),
            (
                "end to end",
                f"p50 {fmt_seconds(self.p50_seconds)}, p95 {fmt_seconds(self.p95_seconds)}",
            ),
            ("top models", models or "none"),
            ("top errors", classes or "none"),
        ]

    def _window(self) -> str:
        if self.start is None or self.end is None:
            return "no executions"
        source = {"query": "the query's window", "data": "first to last execution"}
        return f"{fmt_window(self.start, self.end)}, {source[self.window_source]}"

    def __repr__(self) -> str:
        lines = self._lines()
        width = max(len(label) for label, _ in lines)
        body = "\n".join(f"  {label:<{width}}  {value}" for label, value in lines)
        return f"eachlabs summary\n{body}"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
            f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
            for label, value in self._lines()
        )
        return f"<table class='eachlabs-summary'><caption>eachlabs summary</caption>{rows}</table>"


def summary(df: Executions, *, top: int = 5) -> Summary:
    """The headline numbers: window, executions, spend, outcomes, latency, top models and errors.

    Fields of the returned :class:`Summary`:

    - ``start``/``end``/``window_source``: ``attrs["window"]`` ("query") when present, else
      first ``created_at`` to just after the last ("data"); None when there are no rows.
    - ``executions``: rows; ``models``: distinct models; ``spend``: sum of ``execution_cost``.
    - ``succeeded``/``failed``/``cancelled``/``in_flight``/``other``: rows per status group
      (``other`` = unknown statuses); ``finished``: succeeded + failed + cancelled.
    - ``success_rate``: succeeded / finished rows (rows in flight have no outcome yet and
      unknown statuses none we can judge; NaN without a finished row); ``error_rate``:
      failed / all rows, as :func:`error_breakdown` computes it.
    - ``failed_cost``: spend on failed rows; ``cost_per_success``: spend / succeeded (spend
      on failures included; NaN without a success).
    - ``p50_seconds``/``p95_seconds``: end-to-end time (``total_seconds``) over rows not in
      flight, as :func:`latency_percentiles` computes it.
    - ``top_models``: up to ``top`` (model, spend) pairs, biggest spend first;
      ``top_error_classes``: up to ``top`` (class, failed rows) pairs, most first;
      ``unclassified_errors``: failed rows without a class.

    >>> import eachlabs_analytics as ea
    >>> df = ea.generate_executions(executions=2_000, seed=7)
    >>> s = ea.summary(df)
    >>> s.executions == len(df), s.succeeded + s.failed + s.cancelled + s.in_flight + s.other
    (True, 2000)
    >>> print(repr(s).splitlines()[0])
    eachlabs summary
    """
    columns = ["model", "status", "execution_cost", "total_seconds", "created_at"]
    rows = answerer(df, "summary", [*columns, "error_classification"])
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 0:
        raise InvalidQueryError(f"top must be an integer >= 0, not {top!r}")
    # spend per model first: over a selection, the totals below are summed from its partials
    # one answerer for every helper below: a frame's codes and answers are computed once
    by_model = cost_by_model(rows)
    table = rows.partials(_lazy.GroupCounts(None, cost=False))
    per_outcome = _rows.per_group_counts(
        _rows.partial_outcomes(table), len(_rows.OUTCOMES), _lazy.ints(table, "rows")
    )
    errors = error_breakdown(rows, by=None)
    latency = latency_percentiles(rows, by=None, percentiles=(50, 95))
    n = int(by_model.attrs["rows"])
    spend = money.total(by_model["total_cost"].to_numpy())
    succeeded = int(per_outcome[_rows.SUCCEEDED])
    failed = int(per_outcome[_rows.FAILED])
    class_counts = errors.drop(columns=[*_ERROR_COLUMNS, "unclassified"], errors="ignore")
    class_counts = class_counts.iloc[0] if len(class_counts) else pd.Series(dtype=np.int64)
    class_counts = class_counts[class_counts > 0].sort_values(ascending=False, kind="stable")
    window, source = window_of(rows)
    unclassified = errors["unclassified"].iloc[0] if "unclassified" in errors.columns else 0
    finished = succeeded + failed + int(per_outcome[_rows.CANCELLED])
    return Summary(
        start=window[0] if window else None,
        end=window[1] if window else None,
        window_source=source,
        executions=n,
        spend=spend,
        succeeded=succeeded,
        failed=failed,
        cancelled=int(per_outcome[_rows.CANCELLED]),
        in_flight=int(per_outcome[_rows.IN_FLIGHT]),
        other=int(per_outcome[_rows.OTHER]),
        finished=finished,
        success_rate=float(_rows.rate(np.asarray(succeeded), np.asarray(finished))),
        error_rate=float(_rows.rate(np.asarray(failed), np.asarray(n))),
        failed_cost=money.total(by_model["failed_cost"].to_numpy()),
        cost_per_success=float(_rows.rate(np.asarray(spend), np.asarray(succeeded))),
        p50_seconds=float(latency["p50"].iloc[0]),
        p95_seconds=float(latency["p95"].iloc[0]),
        models=int(by_model.index.notna().sum()),  # distinct models: one row each
        top_models=tuple(
            (str(name), float(cost)) for name, cost in by_model["total_cost"].head(top).items()
        ),
        top_error_classes=tuple((str(k), int(v)) for k, v in class_counts.head(top).items()),
        unclassified_errors=int(unclassified),
    )
