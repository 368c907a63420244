"""Workflow names in cost_by_workflow and the one label every face writes: the id stays the
index, a name the names lack is NA (never guessed), a store scan gives the same table, and a
label is one line whatever text the API gives as a name."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics._util.columns import NO_WORKFLOW, workflow_label, workflow_name
from eachlabs_analytics.exceptions import InvalidQueryError


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return ea.generate_executions(executions=6_000, seed=4, end="2026-10-31T00:00:00Z")


def test_names_add_a_first_column_and_leave_the_rest_as_it_was(frame):
    plain = ea.cost_by_workflow(frame)
    ids = list(plain.index)
    names = {ids[0]: "Product shots", ids[1]: "Ad\nvideo ", "wf_gone": "Deleted"}
    named = ea.cost_by_workflow(frame, names=names)
    assert list(named.columns) == ["name", *plain.columns]
    assert named["name"].dtype == schema.STRING_DTYPE
    pd.testing.assert_frame_equal(named.drop(columns="name"), plain)
    assert named.attrs == plain.attrs
    assert named.loc[ids[0], "name"] == "Product shots"
    assert named.loc[ids[1], "name"] == "Ad video"  # on one line
    assert named["name"].iloc[2:].isna().all()  # ids the names lack: NA, not guessed
    assert "wf_gone" not in named.index  # a name without executions adds no row


def test_empty_names_give_an_all_na_column(frame):
    named = ea.cost_by_workflow(frame, names={})
    assert named["name"].isna().all() and len(named) == len(ea.cost_by_workflow(frame))


@pytest.mark.parametrize("names", [["wf_1"], {1: "x"}, {"wf_1": 3}, "wf_1=x"])
def test_names_that_are_not_a_mapping_of_ids_to_names_are_refused(frame, names):
    with pytest.raises(InvalidQueryError, match="names=.* is not allowed"):
        ea.cost_by_workflow(frame, names=names)


def test_a_store_scan_names_the_same_workflows(frame, tmp_path):
    pytest.importorskip("ibis", reason="the lazy extra (ibis-framework[duckdb]) is not installed")
    from scan_stores import write_store

    store = write_store(tmp_path, frame)
    first = ea.cost_by_workflow(frame).index[0]
    names = {first: "Story reel"}
    lazy = ea.cost_by_workflow(store.scan(), names=names)
    eager = ea.cost_by_workflow(store.load(), names=names)
    pd.testing.assert_frame_equal(lazy, eager, rtol=1e-9)
    assert eager.loc[first, "name"] == "Story reel"


ids = st.from_regex(r"wf_[0-9a-f]{10}", fullmatch=True)


@given(workflow_id=ids, name=st.one_of(st.none(), st.text(max_size=40)))
def test_a_label_is_the_name_and_the_id_on_one_line(workflow_id, name):
    label = workflow_label(workflow_id, {workflow_id: name} if name is not None else {})
    assert len(label.splitlines()) == 1
    if name is None or not name.split():
        assert label == workflow_id
        assert workflow_name(workflow_id, {workflow_id: name} if name is not None else {}) is None
    else:
        assert label == f"{' '.join(name.split())} ({workflow_id})"
    assert workflow_label(workflow_id) == workflow_id
    assert workflow_label(None, {workflow_id: "x"}) == NO_WORKFLOW
