"""summary(): the headline numbers, their text and HTML renderings (snapshot), escaping."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_metrics import END, FAILED, IN_FLIGHT, SUCCEEDED, row, typed_frame

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.local_api.generator import generate_executions

WINDOW = {"start": "2026-10-01T00:00:00Z", "end": "2026-10-02T00:00:00Z"}


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return generate_executions(executions=8_000, seed=21, end=END, days=30)


def test_summary_matches_independent_numbers(df):
    s = ea.summary(df)
    statuses = df["status"].astype(object)
    n = len(df)
    succeeded = int(statuses.isin(SUCCEEDED).sum())
    failed = int(statuses.isin(FAILED).sum())
    spend = math.fsum(df["execution_cost"].fillna(0.0))
    assert s.executions == n and s.models == df["model"].nunique()
    assert s.spend == pytest.approx(spend)
    assert (s.succeeded, s.failed) == (succeeded, failed)
    assert s.cancelled == int((statuses == "cancelled").sum())
    assert s.in_flight == int(statuses.isin(IN_FLIGHT).sum())
    finished = succeeded + failed + int((statuses == "cancelled").sum())
    assert s.finished == finished < n  # the frame has rows in flight: they are not finished
    assert s.success_rate == pytest.approx(succeeded / finished)
    assert s.error_rate == pytest.approx(failed / n)
    assert s.failed_cost == pytest.approx(df.loc[statuses.isin(FAILED), "execution_cost"].sum())
    assert s.cost_per_success == pytest.approx(spend / succeeded)
    done = df.loc[~statuses.isin(IN_FLIGHT), "total_seconds"].dropna()
    assert s.p50_seconds == np.percentile(done, 50)
    assert s.p95_seconds == np.percentile(done, 95)
    per_model = df.groupby("model", observed=True)["execution_cost"].sum()
    top = per_model.sort_values(ascending=False).head(5)
    assert [name for name, _ in s.top_models] == list(top.index)
    assert [cost for _, cost in s.top_models] == pytest.approx(list(top.to_numpy()))
    classes = df.loc[statuses.isin(FAILED), "error_classification"].astype(object).value_counts()
    assert dict(s.top_error_classes) == classes.head(5).to_dict()
    assert (s.start, s.end, s.window_source) == (
        pd.Timestamp(df.attrs["window"]["start"]),
        pd.Timestamp(df.attrs["window"]["end"]),
        "query",
    )


SNAPSHOT = """\
eachlabs summary
  window      2026-10-01 to 2026-10-01 (1 day, UTC), the query's window
  executions  5 across 2 models
  spend       $7.50 (on failures $2.00; per success $3.75)
  outcomes    succeeded 2 of 4 finished (50.0%), failed 2 (40.0% of all), cancelled 0, in flight 0, unknown status 1
  end to end  p50 8.0 s, p95 1.7 min
  top models  <script>alert(1)</script> $5.00 (66.7%), veo-3 $2.50 (33.3%)
  top errors  provider_error 1, unclassified 1"""  # noqa: E501


@pytest.fixture
def small() -> pd.DataFrame:
    return typed_frame(
        [
            row("<script>alert(1)</script>", "success", cost=4.0, queue=1, run=5),
            row("<script>alert(1)</script>", "error", cost=1.0, queue=1, run=2,
                error_classification="provider_error"),
            row("veo-3", "success", cost=0.5, queue=2, run=118),
            row("veo-3", "failed", cost=1.0, queue=1, run=9),
            row("veo-3", "paused", cost=1.0, queue=None),
        ],
        attrs={"window": WINDOW},
    )  # fmt: skip


def test_repr_snapshot(small):
    assert repr(ea.summary(small)) == SNAPSHOT


def test_html_escapes_every_value_from_the_data(small):
    html = ea.summary(small)._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; $5.00" in html
    assert html.startswith("<table") and html.count("<tr>") == 7


def test_summary_window_from_data_or_none():
    no_attrs = typed_frame(
        [row(created="2026-10-05T12:00:00Z"), row(created="2026-10-01T00:00:00Z")]
    )
    s = ea.summary(no_attrs)
    assert s.window_source == "data"
    assert s.start == pd.Timestamp("2026-10-01", tz="UTC")
    assert s.end > pd.Timestamp("2026-10-05T12:00:00Z")
    assert "first to last execution" in repr(s)
    empty = ea.summary(schema.empty_frame())
    assert (empty.start, empty.window_source, empty.executions) == (None, "none", 0)
    assert math.isnan(empty.success_rate) and "no executions" in repr(empty)
    assert empty.to_dict()["top_models"] == ()
    filtered_empty = schema.empty_frame()
    filtered_empty.attrs["window"] = WINDOW
    assert ea.summary(filtered_empty).window_source == "query"


def test_summary_top_and_bad_top(df):
    assert len(ea.summary(df, top=2).top_models) == 2
    assert ea.summary(df, top=0).top_models == ()
    with pytest.raises(ea.InvalidQueryError, match="top must be an integer >= 0"):
        ea.summary(df, top=-1)
