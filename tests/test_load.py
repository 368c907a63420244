"""The loader against the sandbox: exact ground truth under capped totals, faults, live data."""

from __future__ import annotations

import http.server
import json
import logging
import threading
import time

import pandas as pd
import pytest
import requests

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.local_api import Faults, generate_executions

END = "2026-10-31T00:00:00Z"
START = "2026-09-01T00:00:00Z"


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return generate_executions(executions=6_000, seed=21, end=END, days=90)


def fast_client(api, **options) -> ea.Client:
    """A client that backs off for milliseconds, not seconds (the faults are many)."""
    client = ea.Client(
        api_key=api.api_key,
        base_url=api.base_url,
        backoff=0.001,
        max_backoff=0.01,
        max_retry_after=0.05,
        **options,
    )
    return client


def expected_rows(api, start=START, end=END) -> pd.DataFrame:
    frame = api.truth
    inside = (frame["created_at"] >= pd.Timestamp(start)) & (
        frame["created_at"] <= pd.Timestamp(end)
    )
    return (
        frame[inside]
        .sort_values(["created_at", "id"], ascending=[False, True])
        .reset_index(drop=True)
    )


def assert_same_rows(loaded: pd.DataFrame, expected: pd.DataFrame, ignore=()) -> None:
    assert loaded["id"].is_unique
    columns = [c for c in schema.COLUMNS if c not in ignore]
    got = loaded.reset_index(drop=True)[columns]
    want = expected.reset_index(drop=True)[columns]
    # the status categories of the truth may be the plain known set
    got["status"] = got["status"].astype(str)
    want["status"] = want["status"].astype(str)
    pd.testing.assert_frame_equal(got, want, check_dtype=True)


def test_loads_exactly_the_truth_with_classes_under_a_capped_total(truth):
    with ea.sandbox(data=truth, total_cap=200) as api:
        df = ea.load_executions(
            start=START, end=END, base_url=api.base_url, api_key=api.api_key, progress=False
        )
        capped = [e for e in api.request_log if e["status"] == 200]
    assert_same_rows(df, expected_rows(api))
    assert df.attrs["unclassified_errors"] == 0
    assert df.attrs["classification"] == "filter-queries"
    failed = df["status"].isin(schema.FAILED_STATUSES)
    assert failed.sum() > 50 and df.loc[failed, "error_classification"].notna().all()
    assert df.loc[~failed, "error_classification"].isna().all()
    assert len(capped) > 20  # many pages: the cap of 200 was far below the rows


def test_dtypes_and_attrs(truth):
    with ea.sandbox(data=truth) as api:
        df = ea.load_executions(
            start=START, end=END, base_url=api.base_url, api_key=api.api_key, progress=False
        )
    assert list(df.columns) == list(schema.COLUMNS)
    assert df.dtypes.to_dict() == schema.empty_frame().dtypes.to_dict()
    ordered = df.sort_values(["created_at", "id"], ascending=[False, True], ignore_index=True)
    assert df["id"].tolist() == ordered["id"].tolist()
    attrs = df.attrs
    assert attrs["window"] == {
        "start": START,
        "end": END,
        "start_source": "argument",
        "end_source": "argument",
    }
    assert attrs["rows"] == len(df) and attrs["requests"] >= attrs["pages"] > 0
    assert attrs["in_flight_rows"] == int(df["status"].isin(schema.IN_FLIGHT_STATUSES).sum())
    json.dumps(attrs)  # parquet and reports store attrs as JSON


def test_rows_created_inside_the_window_while_loading_are_caught_up(truth):
    # the sandbox clock (its data's end) is behind ours: new rows land inside [start, now]
    faults = Faults(new_rows_per_request=2, max_faults=60)
    with ea.sandbox(data=truth, faults=faults, total_cap=300) as api:
        with fast_client(api) as client:
            df = ea.load_executions(
                client=client, start=START, progress=False, max_workers=4, classify_errors=False
            )
        expected = expected_rows(api, end=df.attrs["window"]["end"])
        new_rows = len(api.truth) - len(truth)
    assert new_rows > 0 and faults.injected_by_kind["new_rows"] == new_rows // 2
    assert_same_rows(df, expected, ignore=("error_classification",))
    assert df["error_classification"].isna().all()  # classify_errors=False
    assert 0 < df.attrs["appeared_while_loading"] <= new_rows
    assert any("while loading" in issue for issue in df.attrs["data_issues"])


def test_v1_server_that_ignores_offset_ends_in_a_clear_error(truth):
    with ea.sandbox(data=truth, faults=Faults(ignore_offset=True)) as api:
        with (
            fast_client(api, api_version="v1") as client,
            pytest.raises(ea.PaginationError, match="offset"),
        ):
            ea.load_executions(client=client, start=START, end=END, progress=False, max_workers=2)
        assert len(api.request_log) < 60


def test_persistent_failures_raise_typed_errors_not_partial_frames(truth):
    with ea.sandbox(data=truth, faults=Faults(server_error_every=1)) as api:
        with fast_client(api, max_retries=2) as client, pytest.raises(ea.APIError) as info:
            ea.load_executions(client=client, start=START, end=END, progress=False)
    assert "HTTP 5" in str(info.value) and "request id" in str(info.value)
    with ea.sandbox(data=truth, faults=Faults(rate_limit_every=1, retry_after=0)) as api:
        with fast_client(api, max_retries=2) as client, pytest.raises(ea.RateLimitError):
            ea.load_executions(client=client, start=START, end=END, progress=False)


def test_filters_models_status_workflow_and_classes(truth):
    with ea.sandbox(data=truth) as api:
        models = ["veo-3", "flux-2-pro", "eachlabs-llm-router"]
        kw = dict(start=START, end=END, base_url=api.base_url, api_key=api.api_key, progress=False)
        by_model = ea.load_executions(model=models, **kw)
        failed = ea.load_executions(status="error", **kw)
        timeouts = ea.load_executions(error_classification="execution_timeout", **kw)
        two = ea.load_executions(
            error_classification=["provider_error", "content_moderation"], **kw
        )
        expected = expected_rows(api)
        workflow = expected["workflow_id"].dropna().iloc[0]
        by_workflow = ea.load_executions(workflow_id=workflow, **kw)
    assert set(by_model["id"]) == set(expected.loc[expected["model"].isin(models), "id"])
    assert set(by_model["model"]) == set(models)
    assert set(failed["id"]) == set(expected.loc[expected["status"] == "error", "id"])
    want_timeouts = expected[expected["error_classification"] == "execution_timeout"]
    assert set(timeouts["id"]) == set(want_timeouts["id"]) and len(want_timeouts) > 0
    assert (timeouts["error_classification"] == "execution_timeout").all()
    assert timeouts.attrs["classification"] == "filter-argument"
    want_two = expected.set_index("id")["error_classification"]
    assert (
        two.set_index("id")["error_classification"].astype(str)
        == want_two.loc[two["id"]].astype(str).to_numpy()
    ).all()
    assert set(by_workflow["id"]) == set(expected.loc[expected["workflow_id"] == workflow, "id"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "failed"}, "allowed values: created, starting, success, error"),
        ({"status": ["success", 3]}, "list of strings"),
        ({"error_classification": "timeout"}, "content_moderation"),
        ({"start": "2026-10-01"}, "no time zone"),
        ({"start": "last tuesday"}, "RFC 3339"),
        ({"start": 20261001}, "RFC 3339 string, a datetime or a pandas Timestamp"),
        ({"start": "2026-10-05T00:00:00Z", "end": "2026-10-01T00:00:00Z"}, "must be before"),
        ({"model": ""}, "empty"),
        ({"workflow_id": 5}, "non-empty string"),
        ({"max_workers": 0}, "from 1 to 64"),
        ({"progress": "yes"}, "True, False or None"),
        ({"classify_errors": None}, "True or False"),
    ],
)
def test_bad_arguments_fail_before_any_request(kwargs, message):
    with ea.sandbox(executions=200, seed=1, end=END) as api:
        with pytest.raises(ea.InvalidQueryError, match=message) as info:
            ea.load_executions(base_url=api.base_url, api_key=api.api_key, **kwargs)
        assert isinstance(info.value, ValueError)
        assert api.request_log == []


def test_api_400_is_an_invalid_query_error_with_request_id():
    with ea.sandbox(executions=200, seed=1, end=END) as api, fast_client(api) as client:
        with pytest.raises(ea.InvalidQueryError) as info:
            client.get_page({"limit": "500", "offset": "0"})
    assert "HTTP 400" in str(info.value) and info.value.request_id


def test_wrong_key_is_an_authentication_error_without_the_key():
    with ea.sandbox(executions=200, seed=1, end=END) as api:
        with pytest.raises(ea.AuthenticationError) as info:
            ea.load_executions(
                start=START,
                end=END,
                base_url=api.base_url,
                api_key="smk_wrong_key_999",
                progress=False,
            )
    assert "HTTP 401" in str(info.value) and "smk_wrong_key_999" not in str(info.value)


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self):  # noqa: N802 - stdlib name
        type(self).seen.append(dict(self.headers))
        body = b'{"executions": [], "total_count": 0, "total_capped": false, "offset": 0, '
        body += b'"limit": 100}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("scheme", ["bearer", "x-api-key"])
def test_redirect_to_another_host_never_gets_the_key(truth, scheme):
    _RecordingHandler.seen = []
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RecordingHandler)
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    try:
        other_url = f"http://127.0.0.1:{other.server_address[1]}"
        with ea.sandbox(data=truth, faults=Faults(redirect_to=other_url)) as api:
            with fast_client(api, auth_scheme=scheme) as client:
                with pytest.raises(ea.APIError, match="redirected to another host") as info:
                    ea.load_executions(client=client, start=START, end=END, progress=False)
            key = api.api_key
            assert _RecordingHandler.seen == []  # not followed at all
            # the trap is real: plain requests forwards X-API-Key across hosts
            requests.get(f"{api.base_url}/v1/executions", headers={"X-API-Key": key}, timeout=5)
        assert key not in str(info.value)
        assert any(key in json.dumps(headers) for headers in _RecordingHandler.seen)
    finally:
        other.shutdown()
        other.server_close()


def test_key_stays_out_of_debug_logs_errors_and_attrs(truth, caplog):
    caplog.set_level(logging.DEBUG)
    faults = Faults(rate_limit_every=5, retry_after=0, server_error_every=7, max_faults=6)
    with ea.sandbox(data=truth, faults=faults) as api:
        with fast_client(api) as client:
            df = ea.load_executions(client=client, start=START, end=END, progress=False)
            key = api.api_key
            text = repr(client) + str(df.attrs) + repr(df.head())
    assert key not in caplog.text and key not in text
    assert "urllib3" in caplog.text or "eachlabs" in caplog.text  # debug logging did happen


def test_progress_bar_ends_at_the_row_count_under_a_capped_total(truth, capsys):
    with ea.sandbox(data=truth, total_cap=100) as api:
        df = ea.load_executions(
            start=START, end=END, base_url=api.base_url, api_key=api.api_key, progress=True
        )
    err = capsys.readouterr().err
    assert f"{len(df)}/{len(df)}" in err.replace(",", "")


def test_concurrency_uses_time_slices(truth):
    with ea.sandbox(data=truth, total_cap=100) as api:
        ea.load_executions(
            start=START,
            end=END,
            base_url=api.base_url,
            api_key=api.api_key,
            progress=False,
            max_workers=4,
            classify_errors=False,
        )
        windows = {(e["query"].get("from"), e["query"].get("to")) for e in api.request_log}
    assert len(windows) > 4


def test_iter_pages_streams_one_query(truth):
    with ea.sandbox(data=truth) as api, fast_client(api) as client:
        pages = list(client.iter_pages(start=START, end=END, model="veo-3"))
        expected = expected_rows(api)
    want = expected[expected["model"] == "veo-3"]
    assert sum(p.rows for p in pages) == len(want)
    assert pages[-1].is_last and all(not p.is_last for p in pages[:-1])
    frame = pages[0].to_frame()
    assert list(frame.columns) == list(schema.COLUMNS)
    assert frame["id"].tolist() == want["id"].head(len(frame)).tolist() or set(frame["id"]) <= set(
        want["id"]
    )
    assert all(p.request_id for p in pages)


class _StallingHandler(http.server.BaseHTTPRequestHandler):
    """Sends headers and half a body, then stalls (first request only); then serves rows."""

    protocol_version = "HTTP/1.1"
    calls = 0

    def do_GET(self):  # noqa: N802 - stdlib name
        type(self).calls += 1
        body = (
            b'{"executions": [], "total_count": 0, "total_capped": false, '
            b'"offset": 0, "limit": 100}'
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if type(self).calls == 1:
            self.wfile.write(body[:20])
            self.wfile.flush()
            time.sleep(1.5)  # longer than the client's read timeout
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_read_timeout_in_the_middle_of_the_body_is_retried():
    _StallingHandler.calls = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StallingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        client = ea.Client(api_key="smk_x", base_url=url, timeout=0.3, backoff=0.001)
        page = client.get_page({"limit": "100", "offset": "0"}, version="v1")
    finally:
        server.shutdown()
        server.server_close()
    assert page.rows == 0 and _StallingHandler.calls == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"model": ["a", "b"]}, "one model slug"), ({"limit": 500}, "from 1 to 100")],
)
def test_iter_pages_refuses_bad_arguments_before_any_request(kwargs, message):
    with ea.sandbox(executions=200, seed=1, end=END) as api, fast_client(api) as client:
        with pytest.raises(ea.InvalidQueryError, match=message):
            next(client.iter_pages(start=START, end=END, **kwargs))
        assert api.request_log == []


def test_v1_ignored_offset_is_caught_even_while_rows_arrive_at_the_head(truth):
    faults = Faults(ignore_offset=True, new_rows_per_request=1)
    with ea.sandbox(data=truth, faults=faults) as api:
        with (
            fast_client(api, api_version="v1") as client,
            pytest.raises(ea.PaginationError, match="offset"),
        ):
            ea.load_executions(
                client=client, start="2026-10-25T00:00:00Z", progress=False, max_workers=2
            )
        assert len(api.request_log) < 40


def test_a_window_reaching_past_the_apis_clock_covers_up_to_that_clock():
    """A month asked on its 7th covers the 7th, not 24 days that have not happened (they
    would read as days of $0.00): the window's end is cut back to the API's clock (its
    ``Date`` header), never below the newest row; within an hour of it, nothing changes."""
    data = ea.generate_executions(executions=2_000, seed=3, end="2026-12-07T12:00:00Z", days=20)
    with ea.Sandbox(data=data) as api:
        assert api.now == pd.Timestamp("2026-12-07T12:00:00Z")
        month = ea.load_executions(
            start="2026-12-01T00:00:00Z", end="2027-01-01T00:00:00Z",
            base_url=api.base_url, api_key=api.api_key, progress=False,
        )  # fmt: skip
        near = ea.load_executions(
            start="2026-12-01T00:00:00Z", end="2026-12-07T12:30:00Z",
            base_url=api.base_url, api_key=api.api_key, progress=False,
        )  # fmt: skip
    december = data[data["created_at"] >= "2026-12-01"]
    assert len(month) == len(december)
    assert month.attrs["window"]["end"] == "2026-12-07T12:00:00Z"
    assert month.attrs["window"]["end_source"] == "server clock"
    assert near.attrs["window"]["end"] == "2026-12-07T12:30:00Z"
    assert near.attrs["window"]["end_source"] == "argument"
