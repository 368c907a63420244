"""The Explorer without its widgets: the data, the selection, and the figures each pane shows.

:class:`ExplorerState` holds the executions (a frame, or a store's scan it never loads), the
selection the filter bar describes with its caches, and the figures of that selection: the
headline, each pane's tables (computed by :mod:`eachlabs_analytics.metrics` and
:mod:`~eachlabs_analytics.watch` on the filtered slice) and what failed. It is pandas and the
analytics helpers only, so it is importable and testable without ipywidgets or a kernel;
:mod:`.explorer` shows it with widgets and :mod:`.panes` renders it.

>>> import eachlabs_analytics as ea
>>> df = ea.generate_executions(executions=1_000, seed=3, end="2026-10-31T00:00:00Z")
>>> state = ExplorerState(df)
>>> state.filters = {"status_groups": ["failed"]}
>>> failed = df[df["status"].isin(["error", "failed"])]
>>> int(state.table("cost_by_model")["executions"].sum()) == len(failed) == len(state.filtered)
True
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import pandas as pd

from eachlabs_analytics import schema
from eachlabs_analytics._util.changes import KPI
from eachlabs_analytics._util.formats import FORMATS
from eachlabs_analytics._util.timestamps import ONE_US
from eachlabs_analytics._util.windows import month_to_date
from eachlabs_analytics.exceptions import DataQualityWarning, InvalidQueryError
from eachlabs_analytics.metrics.frame_partials import answerer, unwrapped
from eachlabs_analytics.metrics.lazy import LazyExecutions, RowSource
from eachlabs_analytics.notebook import account, drilldown
from eachlabs_analytics.notebook.filters import (
    NO_WORKFLOW,
    Filters,
    anchor_of,
    narrow_selection,
)

#: Tabs of the Explorer, in order: pane name -> tab title (short: eight fit in 820 px).
PANES: dict[str, str] = {
    "cost_by_model": "By model",
    "cost_over_time": "Over time",
    "month_to_date": "Month to date",
    "latency": "Latency",
    "trends": "Trends",
    "errors": "Errors",
    "forecast": "Forecast",
    "executions": "Executions",
}
#: Panes whose table is one helper's result on the filtered slice (:meth:`ExplorerState.table`).
HELPER_TABLES = ("cost_by_model", "cost_over_time", "latency", "trends", "errors")
#: The tables that are a pane's second one: table name -> the pane that computes it.
SECOND_TABLES = {
    "anomalies": "forecast",
    "month_end": "month_to_date",
    "price_check": "cost_by_model",
}
#: Panes that show a table and no chart.
TABLE_ONLY = ("executions",)
#: Panes computed only when their tab opens (a forecast fits a model: about a second).
ON_DEMAND = ("forecast",)
#: The headline cards: widget attribute, ``Summary`` field, label, format.
CARDS: tuple[tuple[str, str, str, Callable[[Any], str]], ...] = tuple(
    (attribute, measure, KPI[measure][0], FORMATS[KPI[measure][1]])
    for attribute, measure in (
        ("total_spend", "spend"),
        ("executions", "executions"),
        ("success_rate", "success_rate"),
        ("latency_p50", "p50_seconds"),
        ("latency_p95", "p95_seconds"),
        ("failed_cost", "failed_cost"),
    )
)
_Period = tuple[pd.Timestamp, pd.Timestamp]
#: Slices kept with what their answerers computed: the current selection, the undated one
#: and the two before them (a frame's slice holds its rows; a selection only its partials).
_KEPT_SELECTIONS = 4


class Page(NamedTuple):
    """One page of the executions tab: its rows, how many rows match, how many pages, and
    the page's number (0-based)."""

    shown: pd.DataFrame
    total: int
    pages: int
    number: int


class ExplorerState:
    """The data, the selection and the figures of an Explorer, without widgets.

    Args:
        df: a loaded executions frame (``schema.COLUMNS``), a slice of one, an
            ``ExecutionStore`` or a store's scan (never loaded: every figure is re-queried).
        anchor: the moment quick ranges count back from; default the data's window end.
        top: how many models the cost-over-time table names before folding the rest.
        balance: the pre-paid balance in USD (or an ``ea.balance()`` result), or None.
        prices: list prices (``ea.model_prices()``), or None: a store's kept ones if any.
        names: ``{workflow_id: name}`` (``ea.workflow_names()``), or None: a store's kept
            ones if any.

    The figures of the current selection are kept as the panes compute them: ``summary`` and
    ``previous`` (the headline and the one the cards compare with), ``tables`` (what each
    pane shows, by name), ``projection`` (the month-end projection), ``errors`` (step ->
    what failed) and ``stale`` (the panes not computed since the selection changed);
    ``runway`` is the balance's runway (:meth:`runway_now`), None without a balance.
    """

    def __init__(
        self,
        df: Any,
        *,
        anchor: pd.Timestamp | str | None = None,
        top: int = 8,
        balance: object = None,
        prices: object = None,
        names: object = None,
    ) -> None:
        store = None
        if not isinstance(df, pd.DataFrame) and callable(getattr(df, "scan", None)):
            store, df = df, df.scan()  # an ExecutionStore: explore all of it, lazily
        #: The balance in USD (None: not known), the list prices (None: none) and the
        #: workflows' names (``{}``: none); a store's kept prices and names stand in.
        self.balance = account.check_balance(balance)
        self.prices = account.check_prices(
            account.kept_by(store, "prices") if prices is None else prices
        )
        self.names = account.check_names(
            account.kept_by(store, "workflow_names") if names is None else names
        )
        #: What answers the figures and the rows: a frame's answerer (model and workflow
        #: encoded once: every pane then groups on their codes) or the store's selection.
        self.source: RowSource = answerer(  # type: ignore[assignment]
            df, "explore", schema.COLUMNS, encoded=("model", "workflow_id")
        )
        #: The data explored: the (encoded) frame, or the selection.
        self.df = unwrapped(self.source)
        #: True when the figures are re-queried from an engine (a store scan), for the user's
        #: information: nothing below branches on it.
        self.lazy = not isinstance(self.df, pd.DataFrame)
        spend = _spend(self.source, "model")
        self.rows = int(spend.attrs.get("rows", 0))
        by_model = dict(spend.items())
        by_workflow = dict(_spend(self.source, "workflow_id").items())
        has_no_workflow = any(pd.isna(w) for w in by_workflow)
        self.anchor = (
            anchor_of(df) if anchor is None else anchor_of(schema.empty_frame(), now=anchor)
        )
        self.anchor_given = anchor is not None
        #: The first and last UTC day of the data's window (None without data).
        self.days = _data_days(self.df)
        self.top = int(top)
        #: Spend per model, biggest first (the order of ``models``).
        self.model_spend = {str(k): v for k, v in by_model.items() if not pd.isna(k)}
        self.models = list(self.model_spend)
        self.workflows = [str(w) for w in by_workflow if not pd.isna(w)]
        if has_no_workflow:
            self.workflows.insert(0, NO_WORKFLOW)
        self.tables: dict[str, pd.DataFrame] = {}
        self.summary: Any = None
        self.previous: Any = None
        self.projection: Any = None
        self.runway: Any = None
        self._runway: tuple[Filters, Any] | None = None
        self.errors: dict[str, str] = {}
        self.stale: set[str] = set()
        self.month_rows = -1  # rows in the month-to-date view (-1: not computed yet)
        self.page = 0  # the executions tab's page (0-based)
        self._filters = Filters()
        self._cache: tuple[Filters, RowSource] | None = None
        self._undated_cache: tuple[Filters, RowSource] | None = None
        # the last few slices, with what their answerers computed: going back to an earlier
        # selection (a reset, an undo) computes nothing again
        self._selections: dict[Filters, RowSource] = {}

    # --- the selection -------------------------------------------------------------------
    @property
    def filters(self) -> Filters:
        """The current selection: assign a ``Filters``, a mapping of the fields to change or
        None to clear (a model or workflow the data does not hold is refused). The tables of
        the selection before are dropped."""
        return self._filters

    @filters.setter
    def filters(self, value: Filters | Mapping[str, Any] | None) -> None:
        filters = Filters.coerce(value, base=self._filters)
        _check_known(filters.models, self.models, "model")
        _check_known(filters.workflows, self.workflows, "workflow")
        self._filters = filters
        self.tables.clear()

    @property
    def filtered(self) -> Any:
        """The rows the current selection keeps (a frame; ``attrs["filters"]`` says which).

        Over a store scan, a narrower lazy selection (``.to_pandas()`` for its rows)."""
        return unwrapped(self.current)

    @property
    def current(self) -> RowSource:
        """What answers the current selection's figures and rows (kept while it is current)."""
        if self._cache is None or self._cache[0] != self._filters:
            self._cache = (self._filters, self.select(self._filters))
        return self._cache[1]

    def select(self, filters: Filters) -> RowSource:
        """What answers the rows ``filters`` keeps (the last few selections are kept)."""
        if filters == Filters():
            return self.source  # with the answers it has already computed
        found = self._selections.pop(filters, None)
        if found is None:
            found = narrow_selection(self.source, filters)
        self._selections[filters] = found
        while len(self._selections) > _KEPT_SELECTIONS:
            self._selections.pop(next(iter(self._selections)))
        return found

    def answers(self, data: Any) -> LazyExecutions:
        """What answers the helpers on ``data``: a slice this state made answers for itself;
        a frame is wrapped (:func:`~eachlabs_analytics.metrics.frame_partials.answerer`)."""
        return answerer(data, "explore")

    def undated(self) -> RowSource:
        """What answers the rows every filter but the day range keeps (the month-to-date
        view's)."""
        undated = self._filters.replace(start=None, end=None)
        if undated == self._filters:
            return self.current
        if self._undated_cache is None or self._undated_cache[0] != undated:
            self._undated_cache = (undated, self.select(undated))
        return self._undated_cache[1]

    def previous_period(self) -> Filters | None:
        """The selection the cards compare with: the same filters over the same number of
        days just before the selected ones (the data's window stands for a day range not
        set); None without data.

        >>> import eachlabs_analytics as ea
        >>> df = ea.generate_executions(executions=500, seed=1, end="2026-06-11T00:00:00Z")
        >>> state = ExplorerState(df)
        >>> state.filters = {"start": "2026-06-04"}
        >>> before = state.previous_period()
        >>> str(before.start), str(before.end)
        ('2026-05-28', '2026-06-03')
        """
        if self.days is None:
            return None
        first = self._filters.start or self.days[0]
        last = self._filters.end or max(self.days[1], first)
        days = (last - first).days + 1
        if days < 1:  # only an end, before the data starts: no days selected at all
            return None
        return self._filters.replace(
            start=first - dt.timedelta(days=days), end=first - dt.timedelta(days=1)
        )

    # --- the figures ---------------------------------------------------------------------
    def forget(self) -> None:
        """Drop the figures computed so far: every pane is stale until computed again."""
        self.errors = {}
        self.summary = self.previous = None
        self.stale = set(PANES)
        self.tables.clear()
        self.projection = self.runway = None
        self.page = 0

    def guard(self, step: str, run: Callable[[], object]) -> None:
        """Run one step of a render; a failure is kept in ``errors`` (the pane shows it)."""
        try:
            run()
        except Exception as exc:  # noqa: BLE001 - shown to the user, kept in self.errors
            self.errors[step] = f"{type(exc).__name__}: {exc}"

    def headline_before(self, before: Filters) -> Any:
        """The headline of ``before`` (``previous_period()``), or None when its days are all
        before the data's window: they hold nothing, no need to ask (an engine)."""
        from eachlabs_analytics import metrics

        assert before.end is not None
        known_empty = self.days is not None and before.end < self.days[0]
        return None if known_empty else metrics.summary(self.select(before))

    def table(self, name: str) -> pd.DataFrame:
        """Pane ``name``'s table, one helper on the filtered slice (``HELPER_TABLES``; kept)."""
        from eachlabs_analytics import metrics

        data = self.current
        tables: dict[str, Callable[[], pd.DataFrame]] = {
            "cost_by_model": lambda: metrics.cost_by_model(data),
            "cost_over_time": lambda: metrics.cost_over_time(data, freq="D", top=self.top),
            "latency": lambda: metrics.latency_percentiles(data),
            "trends": lambda: trends(data),
            "errors": lambda: metrics.error_breakdown(data),
        }
        self.tables[name] = table = tables[name]()
        return table

    def month_to_date(self) -> tuple[pd.DataFrame, pd.DataFrame, _Period, _Period]:
        """This month so far against the same point of last month, of every filter but the
        day range: the totals, the table per model (kept), and the two periods."""
        from eachlabs_analytics import metrics

        now, then = month_to_date(self.anchor)
        data = self.undated()
        with warnings.catch_warnings():  # an empty month is said in the pane, not warned
            warnings.simplefilter("ignore", DataQualityWarning)
            overall = metrics.compare_periods(data, current=now, previous=then, by=None)
            per_model = metrics.compare_periods(data, current=now, previous=then)
        self.tables["month_to_date"] = per_model
        self.month_rows = int(per_model[["executions_current", "executions_previous"]].sum().sum())
        return overall, per_model, now, then

    def month_end(self) -> Any:
        """The month-end projection (``month_end_projection``) of the data every filter but
        the day range keeps, as of the data's end (kept); ``InvalidQueryError`` when there is
        too little data."""
        from eachlabs_analytics import watch

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            projection = watch.month_end_projection(
                self.undated(), as_of=self.anchor if self.anchor_given else None
            )
        self.projection = projection
        self.tables["month_end"] = projection.to_frame()
        return projection

    def narrowed(self) -> bool:
        """Whether a filter other than the day range is set (the runway and the month-end
        projection then forecast part of the spend)."""
        return self._filters.replace(start=None, end=None) != Filters()

    def runway_now(self) -> Any:
        """The balance's runway (``runway_from``) against the spend every filter but the day
        range keeps, as of the month-end projection's instant (kept per such selection); None
        without a balance; ``InvalidQueryError`` when there is too little data."""
        from eachlabs_analytics.watch.runway import runway_from

        if self.balance is None:
            return None
        undated = self._filters.replace(start=None, end=None)
        if self._runway is None or self._runway[0] != undated:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataQualityWarning)
                found = runway_from(
                    self.undated(), self.balance, as_of=self.anchor if self.anchor_given else None
                )
            self._runway = (undated, found)
        self.runway = self._runway[1]
        return self.runway

    def price_check(self) -> pd.DataFrame:
        """``price_check`` of the filtered slice against the list prices (kept)."""
        from eachlabs_analytics import watch

        assert self.prices is not None
        self.tables["price_check"] = table = watch.price_check(self.current, self.prices)
        return table

    def forecast_as_of(self) -> pd.Timestamp:
        """The instant the Forecast tab judges as of: the selection's end, or the data's
        when it ends first (so it agrees with the Month to date tab's projection)."""
        from eachlabs_analytics.watch._frame import resolve_as_of

        data, source = self.filtered, self.undated()
        return min(resolve_as_of(data, None, "explore"), resolve_as_of(source, None, "explore"))

    def anomalies(self, as_of: pd.Timestamp) -> pd.DataFrame:
        """The unusual days of spend per model of the selected days, learned from the data
        every filter but the day range keeps, as the report does (kept)."""
        from eachlabs_analytics import watch

        found = watch.detect_anomalies(self.undated(), metric="spend", by="model")
        window = self.filtered.attrs.get("window") or {}
        first = pd.Timestamp(window["start"]) if window.get("start") else None
        shown = found["period"] + pd.Timedelta(days=1) <= as_of
        if first is not None:
            shown &= found["period"] >= first
        self.tables["anomalies"] = anomalies = found.loc[shown].reset_index(drop=True)
        anomalies.attrs = found.attrs
        return anomalies

    def forecast(self, as_of: pd.Timestamp) -> pd.DataFrame:
        """Spend per day with its forecast to the month's end, from the data every filter but
        the day range keeps (kept)."""
        from eachlabs_analytics import watch

        forecast = watch.forecast_spend(self.undated(), as_of=as_of)
        self.tables["forecast"] = forecast
        return forecast

    def drilled(self, search: str, sort: str) -> pd.DataFrame:
        """The executions of the current filters that ``search`` keeps, sorted by ``sort``
        (every matching row; over a store scan, fetched from the engine)."""
        rows, _ = self.current.page(search, sort=sort, size=None)
        return rows

    def executions_page(self, search: str, sort: str) -> Page:
        """Page ``self.page`` of the executions ``search`` keeps, clipped to the last page (the
        table kept is that page: over a store scan, only that page leaves the engine)."""
        shown, total = self.current.page(search, sort=sort, number=self.page)
        pages = max(1, -(-total // drilldown.PAGE_SIZE))
        if self.page > pages - 1:
            self.page = pages - 1
            shown, total = self.current.page(search, sort=sort, number=self.page)
        self.tables["executions"] = shown
        return Page(shown, total, pages, self.page)


def trends(data: pd.DataFrame) -> pd.DataFrame:
    """Per UTC day: latency p50/p95 (end to end) and the error rate, side by side."""
    from eachlabs_analytics import metrics

    latency = metrics.latency_over_time(data, freq="D")
    errors = metrics.error_rate_over_time(data, freq="D")
    out = pd.concat([latency[["p50", "p95"]], errors], axis=1)
    out.attrs = errors.attrs
    return out


def describe(filters: Filters, names: Mapping[str, str] | None = None) -> str:
    """The selection in words (the status line's; workflows with their ``names``).

    >>> describe(Filters(start="2026-06-01", models=["veo-3"]))
    '2026-06-01 to … (UTC); models: veo-3'
    >>> describe(Filters(workflows=["wf_1"]), {"wf_1": "Ad video"})
    'workflows: Ad video (wf_1)'
    """
    parts = []
    if filters.start or filters.end:
        parts.append(f"{filters.start or '…'} to {filters.end or '…'} (UTC)")
    for name in ("models", "status_groups", "error_classes", "workflows"):
        values = getattr(filters, name)
        if name == "workflows":
            values = [label for label, _ in account.workflow_options(list(values), names or {})]
        if values:
            parts.append(f"{name.replace('_', ' ')}: {', '.join(values)}")
    return "; ".join(parts) if parts else "no filters"


def _spend(source: LazyExecutions, column: str) -> pd.Series:
    """Spend per value of ``column`` (one grouped request), biggest first, ties by name,
    missing values included (as NA); ``attrs["rows"]`` counts every row."""
    from eachlabs_analytics import metrics

    table = metrics.cost_by_model(source, by=column)
    spend = table["total_cost"]
    order = sorted(spend.items(), key=lambda item: (-item[1], str(item[0])))
    out = pd.Series(dict(order), dtype="float64")
    out.attrs = table.attrs
    return out


def _check_known(values: tuple[str, ...], known: list[str], what: str) -> None:
    for value in values:
        if value not in known:
            sample = ", ".join(known[:10]) + (
                f" … ({len(known)} in all)" if len(known) > 10 else ""
            )
            raise InvalidQueryError(
                f"unknown {what} {value!r}; {what}s in this data: {sample or 'none'}"
            )


def _data_days(df: Any) -> tuple[dt.date, dt.date] | None:
    """The first and last UTC day of the data's window (``attrs["window"]``, else its rows)."""
    from eachlabs_analytics.metrics.periods import window_of

    window, _ = window_of(df)
    if window is None:
        return None
    return window[0].date(), (window[1] - ONE_US).date()
