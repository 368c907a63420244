"""The loader against every kind of server the vendor has run: exact, or a clear error.

Modes of the sandbox: today's API (v2 and a v1 limited to 1,000 rows), a v1-only server with
and without that limit (an older deployment; the loader falls back on v2's 404), and a
v2-only server. Expected rows always come from the sandbox's ground truth with pandas.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.local_api import Faults, generate_executions
from eachlabs_analytics.local_api.catalog import MODELS
from tests.fake_api import page_body, query_of, rows, session_with
from tests.test_load import fast_client

END = "2026-10-31T00:00:00Z"
START = "2026-09-01T00:00:00Z"
MODES = {
    "v2+limited-v1": {"api": "both"},
    "v1-limited": {"api": "v1"},
    "v1-unlimited": {"api": "v1", "v1_row_limit": None},
    "v2-only": {"api": "v2"},
}
SLUGS = sorted(MODELS)


def expected_rows(
    truth: pd.DataFrame, start: str, end: str, filters: dict[str, object] | None = None
) -> pd.DataFrame:
    """The truth in ``[start, end)`` matching ``filters``, in the loader's order."""
    created = truth["created_at"]
    keep = (created >= pd.Timestamp(start)) & (created < pd.Timestamp(end))
    filters = filters or {}
    if "model" in filters:
        keep &= truth["model"] == filters["model"]
    if "status" in filters:
        keep &= truth["status"].isin(filters["status"])
    if "workflow_id" in filters:
        keep &= truth["workflow_id"] == filters["workflow_id"]
    if "error_classification" in filters:
        keep &= truth["status"].isin(schema.FAILED_STATUSES)
        keep &= truth["error_classification"].isin(filters["error_classification"])
    return (
        truth[keep.fillna(False)]
        .sort_values(["created_at", "id"], ascending=[False, True])
        .reset_index(drop=True)
    )


def assert_same_rows(loaded: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert loaded["id"].is_unique
    got = loaded.reset_index(drop=True)[list(schema.COLUMNS)].copy()
    want = expected.reset_index(drop=True)[list(schema.COLUMNS)].copy()
    got["status"] = got["status"].astype(str)
    want["status"] = want["status"].astype(str)
    pd.testing.assert_frame_equal(got, want, check_dtype=True)


def with_burst(base: pd.DataFrame, hour_end: pd.Timestamp, rows: int, seed: int) -> pd.DataFrame:
    """``base`` plus ``rows`` executions created inside the hour before ``hour_end``."""
    burst = generate_executions(executions=rows, seed=seed, end=hour_end, days=1 / 24)
    burst["id"] = burst["id"].astype(str).str.replace("exec_", "burst_", regex=False)
    burst["id"] = burst["id"].astype(schema.STRING_DTYPE)
    both = pd.concat([base, burst], ignore_index=True)
    return both.sort_values(["created_at", "id"], ascending=False, ignore_index=True)


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    base = generate_executions(executions=6_000, seed=21, end=END, days=90)
    return with_burst(base, pd.Timestamp("2026-10-12T15:00:00Z"), 3_000, seed=5)


# --- exact in every mode -------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_every_mode_loads_exactly_the_truth_with_a_burst_of_3000_rows_in_one_hour(truth, mode):
    with ea.sandbox(data=truth, **MODES[mode]) as api, fast_client(api) as client:
        df = ea.load_executions(client=client, start=START, end=END, progress=False)
        served = api.truth
    want = expected_rows(served, START, END)
    burst = want["id"].str.startswith("burst_")
    assert burst.sum() == 3_000  # the burst is inside the window
    assert_same_rows(df, want)
    failed = df["status"].isin(schema.FAILED_STATUSES)
    assert failed.sum() > 100 and df.loc[failed, "error_classification"].notna().all()
    api_attrs = df.attrs["api"]
    assert api_attrs["version"] == ("v1" if mode.startswith("v1") else "v2")
    assert (api_attrs["fallback"] is not None) == mode.startswith("v1")
    assert api_attrs["requests"] == df.attrs["requests"] and api_attrs["slices"] > 1
    if mode == "v1-limited":  # never asked v1 for a row past its 1,000th
        v1 = [e for e in api.request_log if e["path"] == "/v1/executions"]
        assert all(int(e["query"].get("offset", 0)) + 100 <= 1000 for e in v1)
        assert all(e["status"] == 200 for e in v1)


modes = st.sampled_from(sorted(MODES))
filters = st.one_of(
    st.just({}),
    st.builds(lambda m: {"model": m}, st.sampled_from([*SLUGS[:6], "no-such-model"])),
    st.builds(
        lambda s: {"status": sorted(s)},
        st.sets(st.sampled_from(schema.STATUS_FILTER_TOKENS), min_size=1),
    ),
    st.builds(
        lambda c: {"error_classification": sorted(c)},
        st.sets(st.sampled_from(schema.ERROR_CLASSES), min_size=1, max_size=3),
    ),
)


@pytest.mark.filterwarnings(
    "ignore:no executions were created:eachlabs_analytics.DataQualityWarning"
)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    mode=modes,
    size=st.integers(0, 2_500),
    days=st.integers(1, 30),
    seed=st.integers(0, 10_000),
    burst_hour=st.one_of(st.none(), st.integers(1, 24 * 30)),
    bounds=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    chosen=filters,
    insert=st.booleans(),
)
def test_random_windows_filters_and_data_equal_the_truth(
    mode, size, days, seed, burst_hour, bounds, chosen, insert
):
    end = pd.Timestamp(END)
    data = generate_executions(executions=size, seed=seed, end=END, days=days)
    if burst_hour is not None:
        data = with_burst(data, end - pd.Timedelta(hours=burst_hour), 3_000, seed + 1)
    span_start = end - pd.Timedelta(days=days + 1)
    low, high = sorted(bounds)
    start = (span_start + (end - span_start) * low).floor("us")
    stop = (span_start + (end - span_start) * high + pd.Timedelta(hours=1)).floor("us")
    # rows inserted while loading land at the sandbox clock (the data's end), inside a window
    # that ends now; two requests insert them, both before the error-class queries
    faults = Faults(new_rows_per_request=3, max_faults=2) if insert else None
    with ea.sandbox(data=data, faults=faults, **MODES[mode]) as api, fast_client(api) as client:
        df = ea.load_executions(
            client=client,
            start=start,
            end=None if insert else stop,
            progress=False,
            **chosen,
        )
        served = api.truth
    window_end = df.attrs["window"]["end"]
    assert_same_rows(df, expected_rows(served, start.isoformat(), window_end, chosen))
    if insert:  # the rows did appear (whether the window holds them is the truth's say)
        assert len(served) == len(data) + 6


# --- faults on every path ------------------------------------------------------------------
FAULTS = {
    "429": lambda: Faults(rate_limit_every=3, retry_after=0, max_faults=15),
    "5xx-bursts": lambda: Faults(server_error_every=4, server_error_burst=2, max_faults=16),
    "truncated": lambda: Faults(truncate_every=5, max_faults=10),
    "dropped": lambda: Faults(drop_every=6, max_faults=10),
    "same-host-redirect": lambda: Faults(redirect_same_host=True, max_faults=10),
    # one rejection: a slice restarts once; a second rejection of one slice fails (below)
    "expired-cursor": lambda: Faults(expire_cursor_every=4, max_faults=1),
    "all-together": lambda: Faults(
        rate_limit_every=7,
        retry_after=0,
        server_error_every=5,
        truncate_every=9,
        drop_every=11,
        max_faults=30,
    ),
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("mode", MODES)
def test_faults_on_every_path_still_give_exactly_the_truth(truth, mode, fault):
    faults = FAULTS[fault]()
    with ea.sandbox(data=truth, total_cap=300, faults=faults, **MODES[mode]) as api:
        with fast_client(api, max_retries=faults.max_faults + 1) as client:
            df = ea.load_executions(
                client=client, start=START, end=END, progress=False, max_workers=4
            )
        served = api.truth
    if fault != "expired-cursor" or not mode.startswith("v1"):
        assert faults.injected > 0
    assert_same_rows(df, expected_rows(served, START, END))


def test_a_cursor_rejected_twice_fails_with_the_server_message_never_short(truth):
    with ea.sandbox(data=truth, faults=Faults(expire_cursor_every=1)) as api:
        with fast_client(api) as client, pytest.raises(ea.PaginationError) as info:
            ea.load_executions(client=client, start=START, end=END, progress=False)
    message = str(info.value)
    assert "again after one restart" in message and "cursor expired" in message
    assert "request id" in message


def test_rows_inserted_and_finishing_while_paging_over_the_v1_fallback(truth):
    faults = Faults(new_rows_per_request=3, mutate_in_flight=2, max_faults=200)
    with ea.sandbox(data=truth, faults=faults, api="v1") as api:
        pinned_end = api.now  # new rows are created after this instant
        before = expected_rows(api.truth, START, pinned_end.isoformat())
        with fast_client(api) as client:
            df = ea.load_executions(
                client=client, start=START, end=pinned_end, progress=False, max_workers=4
            )
        after = expected_rows(api.truth, START, pinned_end.isoformat())
    assert faults.injected_by_kind.get("new_rows", 0) > 0
    assert set(df["id"]) == set(before["id"]) == set(after["id"])
    stable = before.loc[~before["status"].isin(schema.IN_FLIGHT_STATUSES), "id"]
    assert_same_rows(
        df[df["id"].isin(stable)], after[after["id"].isin(stable)].reset_index(drop=True)
    )


def test_rows_created_inside_the_window_while_loading_are_caught_up_on_v2(truth):
    faults = Faults(new_rows_per_request=2, max_faults=40)
    with ea.sandbox(data=truth, faults=faults, api="v2") as api, fast_client(api) as client:
        df = ea.load_executions(client=client, start=START, progress=False, classify_errors=False)
        served = api.truth
    new_rows = len(served) - len(truth)
    assert new_rows == 80
    want = expected_rows(served, START, df.attrs["window"]["end"])
    assert set(df["id"]) == set(want["id"])
    assert 0 < df.attrs["appeared_while_loading"] <= new_rows


# --- the v1 fallback -----------------------------------------------------------------------
def test_auto_falls_back_once_on_404_and_says_so(truth, caplog):
    caplog.set_level(logging.WARNING, logger="eachlabs_analytics")
    with ea.sandbox(data=truth, api="v1") as api, fast_client(api) as client:
        first = ea.load_executions(client=client, start=START, end=END, progress=False)
        second = ea.load_executions(client=client, start=START, end=END, progress=False)
        v2_requests = [e for e in api.request_log if e["path"] == "/v2/executions"]
    notes = [r for r in caplog.records if "answered 404" in r.getMessage()]
    assert len(notes) == 1 and api.api_key not in caplog.text
    for df in (first, second):
        assert df.attrs["api"]["version"] == "v1"
        assert "404" in df.attrs["api"]["fallback"]
    assert 1 <= len(v2_requests) <= 8  # only the first load's first requests asked v2


def test_explicit_versions_do_not_fall_back(truth):
    with ea.sandbox(data=truth, api="v1") as api:
        with fast_client(api, api_version="v2") as client, pytest.raises(ea.APIError) as info:
            ea.load_executions(client=client, start=START, end=END, progress=False)
        assert info.value.status == 404 and "api_version" in str(info.value)
    with ea.sandbox(data=truth, api="both") as api, fast_client(api, api_version="v1") as client:
        df = ea.load_executions(client=client, start=START, end=END, progress=False)
        assert {e["path"] for e in api.request_log} == {"/v1/executions"}
        assert df.attrs["api"] == {
            "version": "v1",
            "requests": df.attrs["requests"],
            "slices": df.attrs["api"]["slices"],
            "fallback": None,
        }
        assert_same_rows(df, expected_rows(api.truth, START, END))


def test_more_than_1000_rows_in_one_microsecond_cannot_be_read_over_v1():
    frame = generate_executions(executions=1_500, seed=2, end=END, days=1)
    frame["created_at"] = pd.Timestamp("2026-10-30T12:00:00.000001Z")
    frame[["started_at", "completed_at"]] = pd.NaT
    with ea.sandbox(data=frame, api="v1") as api, fast_client(api) as client:
        with pytest.raises(ea.PaginationError, match="cannot be cut") as info:
            ea.load_executions(client=client, start=START, end=END, progress=False)
        assert info.value.request_id
    with ea.sandbox(data=frame) as api, fast_client(api) as client:
        df = ea.load_executions(client=client, start=START, end=END, progress=False)
        assert_same_rows(df, expected_rows(api.truth, START, END))


@pytest.mark.parametrize("mode", ["v2+limited-v1", "v1-limited"])
def test_iter_pages_streams_every_row_newest_first(truth, mode):
    with ea.sandbox(data=truth, **MODES[mode]) as api, fast_client(api) as client:
        pages = list(client.iter_pages(start="2026-10-05T00:00:00Z", end="2026-10-20T00:00:00Z"))
        want = expected_rows(api.truth, "2026-10-05T00:00:00Z", "2026-10-20T00:00:00Z")
    assert {page.version for page in pages} == {mode[:2]}
    frame = pd.concat([page.to_frame() for page in pages], ignore_index=True)
    assert set(frame["id"]) == set(want["id"])
    if mode.startswith("v2"):  # one traversal: each row exactly once, in the API's order
        assert (
            frame["id"].tolist()
            == want.sort_values(["created_at", "id"], ascending=False)["id"].tolist()
        )
    stamps = frame.drop_duplicates("id")["created_at"].to_numpy("datetime64[us]")
    assert (np.diff(stamps.astype("int64")) <= 0).all()  # newest first across slices too


# --- a misbehaving cursor server: an error, never a short frame ---------------------------
def cursor_server(misbehaviour: str):
    data = rows(300)

    def handler(request):
        q = query_of(request)
        start = int(q["cursor"].removeprefix("after-")) if "cursor" in q else 0
        chunk = data[start : start + 100]
        more, cursor = start + 100 < len(data), f"after-{start + 100}"
        if start > 0 and misbehaviour == "repeats":
            cursor = "after-100"
        if start > 0 and misbehaviour == "no-cursor":
            cursor = None
        if start > 0 and misbehaviour == "out-of-window":
            chunk = [{**row, "created_at": "2026-12-31T00:00:00Z"} for row in chunk]
        return (
            200,
            {"X-Request-Id": f"req-{start}"},
            page_body(chunk, has_more=more, next_cursor=cursor),
        )

    return handler


@pytest.mark.parametrize(
    ("misbehaviour", "message"),
    [
        ("repeats", "already given"),
        ("no-cursor", "has_more without a next_cursor"),
        ("out-of-window", "outside the requested window"),
    ],
)
def test_a_misbehaving_cursor_server_raises_naming_the_request(misbehaviour, message):
    session, _ = session_with(cursor_server(misbehaviour))
    client = ea.Client(api_key="smk_test", base_url="https://api.example.test", session=session)
    with pytest.raises(ea.PaginationError, match=message) as info:
        ea.load_executions(
            client=client,
            start="2026-09-01T00:00:00Z",
            end="2026-10-02T00:00:00Z",
            progress=False,
            max_workers=1,
        )
    assert info.value.request_id and info.value.request_id.startswith("req-")


def test_bad_api_versions_are_refused_before_any_request(monkeypatch):
    with pytest.raises(ea.InvalidQueryError, match="api_version must be one of auto, v2, v1"):
        ea.load_executions(start=START, end=END, api_key="smk_x", api_version="v3")
    monkeypatch.setenv("EACHLABS_API_VERSION", "v1")
    assert ea.Client(api_key="smk_x").version == "v1"
    monkeypatch.setenv("EACHLABS_API_VERSION", "latest")
    with pytest.raises(ea.InvalidQueryError, match="not 'latest'"):
        ea.Client(api_key="smk_x")
    client = ea.Client(api_key="smk_x", api_version="v2")
    with pytest.raises(ea.InvalidQueryError, match="not both"):
        ea.load_executions(start=START, end=END, client=client, api_version="v1")


def test_slices_start_spread_over_the_workers_but_never_shorter_than_an_hour(truth):
    with ea.sandbox(data=truth) as api, fast_client(api) as client:
        short = ea.load_executions(
            client=client, start="2026-10-12T14:00:00Z", end="2026-10-12T14:30:00Z",
            progress=False, classify_errors=False,
        )  # fmt: skip
        quiet = ea.load_executions(
            client=client, start="2026-10-20T12:00:00Z", end="2026-10-20T14:00:00Z",
            progress=False, classify_errors=False,
        )  # fmt: skip
        long = ea.load_executions(
            client=client, start="2026-10-20T00:00:00Z", end="2026-10-21T00:00:00Z",
            progress=False, classify_errors=False,
        )  # fmt: skip
    # a half-hour window of the burst (1,500 rows): one slice to start, cut once pages show
    # how dense it is; two quiet hours are two slices of one request each (+ the catch-up); a day
    # starts as eight slices of three hours
    assert len(short) > 1_000 and short.attrs["api"]["slices"] > 2
    assert 0 < len(quiet) < 100 and quiet.attrs["api"] == {
        "version": "v2",
        "requests": 3,
        "slices": 3,
        "fallback": None,
    }
    assert len(long) < 200 and long.attrs["api"]["slices"] == 8 + 1
