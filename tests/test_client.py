"""The client against a scripted fake: status mapping, retries, Retry-After, parsing edge cases."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pandas as pd
import pytest
import requests

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.loader.retry import parse_retry_after
from tests.fake_api import page_body, query_of, rows, serve, session_with

KEY = "smk_test_secret_key_123"
BASE = "https://api.example.test"
WINDOW = {"start": "2026-09-01T00:00:00Z", "end": "2026-10-02T00:00:00Z"}


def make_client(handler, **options) -> tuple[ea.Client, object]:
    session, adapter = session_with(handler)
    client = ea.Client(api_key=KEY, base_url=BASE, session=session, backoff=0.0, **options)
    client._sleep = lambda seconds: None
    return client, adapter


serve_rows = serve


def test_v1_pages_until_a_short_page_even_when_total_is_capped():
    data = rows(250)
    client, adapter = make_client(serve(data, total_count=100, total_capped=True), api_version="v1")
    df = ea.load_executions(client=client, **WINDOW, progress=False, max_workers=1)
    assert sorted(df["id"]) == sorted(r["id"] for r in data)
    offsets = sorted(int(query_of(r).get("offset", 0)) for r in adapter.requests)
    assert 200 in offsets  # went past the capped total of 100
    assert all(r.url.startswith(BASE + "/v1/executions?") for r in adapter.requests)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, ea.InvalidQueryError),
        (401, ea.AuthenticationError),
        (403, ea.AuthenticationError),
        (404, ea.APIError),
    ],
)
def test_status_codes_map_to_typed_errors_without_retry(status, error):
    client, adapter = make_client(
        lambda r: (status, {"X-Request-Id": "req-42"}, b'{"error": "nope", "status": 1}')
    )
    with pytest.raises(error) as info:
        client.get_page({"limit": "100", "offset": "0"}, version="v1")
    assert len(adapter.requests) == 1
    assert f"HTTP {status}" in str(info.value) and "req-42" in str(info.value)
    assert "nope" in str(info.value)
    assert info.value.request_id == "req-42"


def test_retries_5xx_then_raises_api_error_naming_the_request():
    client, adapter = make_client(
        lambda r: (503, {"X-Request-Id": "r-503"}, b'{"error":"down"}'), max_retries=3
    )
    with pytest.raises(ea.APIError) as info:
        client.get_page({"limit": "100", "offset": "0"})
    assert len(adapter.requests) == 4
    assert "HTTP 503" in str(info.value) and "r-503" in str(info.value)
    assert "gave up after 3 retries" in str(info.value)


def test_rate_limit_after_retries_is_a_rate_limit_error():
    client, adapter = make_client(
        lambda r: (429, {"Retry-After": "0"}, b'{"error":"slow down"}'), max_retries=2
    )
    with pytest.raises(ea.RateLimitError) as info:
        client.get_page({"limit": "100", "offset": "0"})
    assert len(adapter.requests) == 3
    assert "HTTP 429" in str(info.value)


@pytest.mark.parametrize("header_kind", ["seconds", "http-date"])
def test_retry_after_is_honoured_and_capped(header_kind):
    answers = iter([429, 429, 200])
    value = (
        "7"
        if header_kind == "seconds"
        else format_datetime(datetime.now(timezone.utc) + timedelta(seconds=8), usegmt=True)
    )

    def handler(request):
        status = next(answers)
        if status == 429:
            return 429, {"Retry-After": value}, b'{"error":"slow"}'
        return 200, {}, page_body(rows(3))

    client, _ = make_client(handler, max_retry_after=60)
    slept: list[float] = []
    client._sleep = slept.append
    page = client.get_page({"limit": "100", "offset": "0"})
    assert page.rows == 3
    retry_waits = [s for s in slept if s >= 1]
    assert len(retry_waits) >= 2 and all(5 <= s <= 8 for s in retry_waits)

    capped, _ = make_client(
        lambda r: (429, {"Retry-After": "3600"}, b"{}"), max_retries=1, max_retry_after=2.5
    )
    waits: list[float] = []
    capped._sleep = waits.append
    with pytest.raises(ea.RateLimitError):
        capped.get_page({"limit": "100", "offset": "0"})
    assert waits and max(waits) <= 2.5


def test_parse_retry_after_forms():
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=timezone.utc)
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 21 Oct 2026 07:27:30 GMT", now=now) == 0.0
    assert parse_retry_after("later") is None and parse_retry_after(None) is None


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ChunkedEncodingError("truncated"),
        requests.exceptions.ConnectionError("read timed out while reading the body"),
        requests.exceptions.ReadTimeout("read timeout"),
        requests.exceptions.ConnectTimeout("connect timeout"),
        "not-json",
        "truncated-json",
    ],
)
def test_transport_and_body_failures_are_retried(failure):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if calls["n"] == 1:
            if failure == "not-json":
                return 200, {}, b"<html>gateway</html>"
            if failure == "truncated-json":
                return 200, {}, page_body(rows(5))[:-40]
            return failure, {}, b""
        return 200, {}, page_body(rows(5))

    client, adapter = make_client(handler)
    page = client.get_page({"limit": "100", "offset": "0"})
    assert page.rows == 5 and len(adapter.requests) == 2


def test_budget_spent_on_bad_bodies_raises_not_partial():
    client, _ = make_client(lambda r: (200, {}, b"{not json"), max_retries=2)
    with pytest.raises(ea.APIError, match="malformed response body"):
        ea.load_executions(client=client, **WINDOW, progress=False, classify_errors=False)


def test_v1_server_ignoring_offset_raises_pagination_error():
    data = rows(100)
    client, adapter = make_client(lambda r: (200, {}, page_body(data)), api_version="v1")
    with pytest.raises(ea.PaginationError, match="ignores offset"):
        ea.load_executions(client=client, **WINDOW, progress=False, max_workers=1)
    assert len(adapter.requests) <= 4


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_never_ending_server_hits_the_page_cap(monkeypatch, version):
    calls = {"n": 0}
    newest = datetime(2026, 10, 1, 12, 0, tzinfo=timezone.utc)

    def handler(request):  # always a full page of new, older rows: never a last page
        calls["n"] += 1
        fresh = [
            {**row, "id": f"{row['id']}_{calls['n']}",
             "created_at": (newest - timedelta(seconds=100 * calls["n"] + i)).isoformat()}
            for i, row in enumerate(rows(100))
        ]  # fmt: skip
        # v1 claims an exact total of 500 (under its 1,000-row limit) but never ends
        body = page_body(fresh, has_more=True, next_cursor=f"c{calls['n']}", total_count=500)
        return 200, {}, body

    monkeypatch.setattr("eachlabs_analytics.loader.pagination.MAX_PAGES", 5)
    client, _ = make_client(handler, api_version=version)
    with pytest.raises(ea.PaginationError, match="more than 5 pages"):
        ea.load_executions(
            client=client, **WINDOW, progress=False, max_workers=1, classify_errors=False
        )
    assert calls["n"] <= 7


def test_malformed_values_become_na_counted_with_one_warning():
    data = rows(4)
    data[1]["execution_cost"] = "0.05"  # cost as text
    data[2]["started_at"] = "yesterday"  # not a timestamp
    client, _ = make_client(serve_rows(data))
    with pytest.warns(ea.DataQualityWarning) as caught:
        df = ea.load_executions(client=client, **WINDOW, progress=False)
    assert len(caught) == 1
    assert len(df) == 4
    assert df.attrs["malformed_values"] == {"execution_cost": 1, "started_at": 1}
    by_id = df.set_index("id")
    assert pd.isna(by_id.loc["exec_0001", "execution_cost"])
    assert pd.isna(by_id.loc["exec_0002", "started_at"])
    assert by_id.loc["exec_0000", "execution_cost"] == 0.05
    assert str(df["created_at"].dtype) == "datetime64[us, UTC]"


def test_unknown_fields_are_kept_as_columns_and_noted():
    data = [dict(r, region="eu-west") for r in rows(3)]
    client, _ = make_client(serve_rows(data))
    df = ea.load_executions(client=client, **WINDOW, progress=False)
    assert list(df.columns[: len(schema.COLUMNS)]) == list(schema.COLUMNS)
    assert list(df["region"]) == ["eu-west"] * 3
    assert df.attrs["extra_columns"] == ["region"]
    assert any("region" in issue for issue in df.attrs["data_issues"])


def test_rows_that_carry_the_class_skip_the_class_queries():
    data = rows(3, status="error")
    data[0]["error_classification"] = "provider_error"
    data[1]["error_classification"] = "execution_timeout"
    data[2]["error_classification"] = None
    client, adapter = make_client(serve_rows(data))
    df = ea.load_executions(client=client, **WINDOW, progress=False)
    assert not any("error_classification" in query_of(r) for r in adapter.requests)
    classes = df.set_index("id")["error_classification"]
    assert classes["exec_0000"] == "provider_error"
    assert classes["exec_0001"] == "execution_timeout"
    assert pd.isna(classes["exec_0002"])
    assert df.attrs["classification"] == "row-field" and df.attrs["unclassified_errors"] == 1


def test_unknown_statuses_are_kept_as_data():
    data = rows(3)
    data[0]["status"] = "paused"
    client, _ = make_client(serve_rows(data))
    df = ea.load_executions(client=client, **WINDOW, progress=False)
    assert df.set_index("id").loc["exec_0000", "status"] == "paused"
    assert set(schema.KNOWN_STATUSES) <= set(df["status"].cat.categories)


def test_no_key_fails_before_any_request(monkeypatch):
    monkeypatch.delenv("EACHLABS_API_KEY", raising=False)
    with pytest.raises(ea.AuthenticationError, match="EACHLABS_API_KEY"):
        ea.Client(base_url=BASE)


@pytest.mark.parametrize(
    "url",
    ["http://api.eachlabs.ai", "ftp://127.0.0.1", "not a url", "https://user:pw@api.eachlabs.ai"],
)
def test_unsafe_base_urls_are_refused(url):
    with pytest.raises(ea.InvalidQueryError):
        ea.Client(api_key=KEY, base_url=url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:1", "http://localhost:8765", "http://[::1]:9"])
def test_plain_http_is_fine_on_loopback(url):
    assert ea.Client(api_key=KEY, base_url=url).base_url == url


def test_key_never_in_repr_errors_logs_or_attrs(caplog):
    caplog.set_level(logging.DEBUG)
    client, _ = make_client(serve_rows(rows(3)))
    assert KEY not in repr(client) and KEY not in str(vars(client))
    df = ea.load_executions(client=client, **WINDOW, progress=False)
    assert KEY not in json.dumps(df.attrs, default=str)
    failing, _ = make_client(lambda r: (401, {}, b'{"error":"Invalid or missing API key"}'))
    with pytest.raises(ea.AuthenticationError) as info:
        failing.get_page({"limit": "1", "offset": "0"})
    assert KEY not in str(info.value) and KEY not in repr(info.value)
    assert KEY not in caplog.text
    assert caplog.records  # debug logging was on and did log requests


@pytest.mark.parametrize("scheme", ["bearer", "x-api-key"])
def test_auth_schemes_send_the_key_in_the_right_header(scheme):
    client, adapter = make_client(serve_rows(rows(1)), auth_scheme=scheme)
    client.get_page({"limit": "100", "offset": "0"})
    headers = adapter.requests[0].headers
    if scheme == "bearer":
        assert headers["Authorization"] == f"Bearer {KEY}" and "X-API-Key" not in headers
    else:
        assert headers["X-API-Key"] == KEY and "Authorization" not in headers
    assert headers["X-Request-Id"]


def test_window_is_sent_and_recorded():
    client, adapter = make_client(serve_rows(rows(2)))
    df = ea.load_executions(
        client=client, start="2026-09-01T02:00:00+02:00", end="2026-10-02T00:00:00Z", progress=False
    )
    sent = [query_of(r) for r in adapter.requests]
    # [start, end) goes to the API's inclusive from/to exactly: to is one microsecond earlier
    # (cut into slices for the workers: together they span exactly that)
    assert min(pd.Timestamp(q["from"]) for q in sent) == pd.Timestamp("2026-09-01T00:00:00Z")
    assert max(q["to"] for q in sent) == "2026-10-01T23:59:59.999999Z"
    assert df.attrs["window"]["start"] == "2026-09-01T00:00:00Z"
    assert df.attrs["window"]["end"] == "2026-10-02T00:00:00Z"
    assert df.attrs["window"]["start_source"] == "argument"


def test_defaults_pin_the_end_and_use_the_90_day_window():
    client, adapter = make_client(serve_rows([]))
    before = pd.Timestamp.now(tz="UTC")
    with pytest.warns(ea.DataQualityWarning, match=r"no executions were created in \[.*\)"):
        df = ea.load_executions(client=client, progress=False)  # an empty result is said
    after = pd.Timestamp.now(tz="UTC")
    window = df.attrs["window"]
    end = pd.Timestamp(window["end"])
    assert before - pd.Timedelta(seconds=1) <= end <= after
    assert pd.Timestamp(window["start"]) == end - pd.Timedelta(days=90)
    assert window["end_source"] == "load-start" and window["start_source"] == "api-default-90d"
    last = end - pd.Timedelta(microseconds=1)  # [start, end): the API's inclusive to
    assert max(pd.Timestamp(query_of(r)["to"]) for r in adapter.requests) == last
    assert list(df.columns) == list(schema.COLUMNS) and len(df) == 0
    assert df.dtypes.to_dict() == schema.empty_frame().dtypes.to_dict()


def test_a_malformed_created_at_on_a_full_first_page_keeps_the_row():
    data = rows(250)
    data[99]["created_at"] = "yesterday"  # the probe's oldest row: used to plan slices
    data[120]["created_at"] = "2026-10-01T11:58:21"  # no offset: not RFC 3339
    client, _ = make_client(serve_rows(data))
    with pytest.warns(ea.DataQualityWarning):
        df = ea.load_executions(client=client, **WINDOW, progress=False)
    assert sorted(df["id"]) == sorted(r["id"] for r in data)  # no row lost
    assert df.attrs["malformed_values"]["created_at"] >= 1
    assert pd.isna(df.set_index("id").loc["exec_0099", "created_at"])


def test_key_echoed_by_the_server_is_redacted_from_errors():
    echo = f"API key {KEY} is not valid".encode()
    for status, error in [(401, ea.AuthenticationError), (400, ea.InvalidQueryError)]:
        client, _ = make_client(lambda r, s=status: (s, {}, b'{"error": "%s"}' % echo))
        with pytest.raises(error) as info:
            client.get_page({"limit": "1", "offset": "0"})
        assert KEY not in str(info.value) and "not valid" in str(info.value)


@pytest.mark.parametrize("bad", ["smk_abc\nxyz", "smk_abc def", "smk_äbc"])
def test_keys_with_stray_characters_are_refused_without_echo(bad):
    with pytest.raises(ea.AuthenticationError) as info:
        ea.Client(api_key=bad, base_url=BASE)
    assert bad not in str(info.value) and "smk_abc" not in str(info.value)


@pytest.mark.parametrize("url", ["http://127.attacker.example", "http://127.0.0.1.nip.io:8080"])
def test_names_that_look_like_loopback_are_not_loopback(url):
    with pytest.raises(ea.InvalidQueryError, match="only allowed for loopback"):
        ea.Client(api_key=KEY, base_url=url)


@pytest.mark.parametrize("name", ["model", "status", "error_classification"])
def test_an_empty_list_filter_is_an_error_not_no_filter(name):
    client, adapter = make_client(serve_rows(rows(1)))
    with pytest.raises(ea.InvalidQueryError, match="empty list"):
        ea.load_executions(client=client, **WINDOW, progress=False, **{name: []})
    assert adapter.requests == []


def test_an_unknown_class_carried_by_a_row_is_counted_as_malformed():
    data = rows(2, status="error")
    data[0]["error_classification"] = "cosmic_rays"
    data[1]["error_classification"] = "provider_error"
    client, _ = make_client(serve_rows(data))
    with pytest.warns(ea.DataQualityWarning):
        df = ea.load_executions(client=client, **WINDOW, progress=False)
    assert df.attrs["malformed_values"] == {"error_classification": 1}
    assert df.set_index("id")["error_classification"].isna().tolist() == [True, False]


def test_rows_without_an_id_are_kept_not_merged():
    data = rows(3)
    data[0]["id"] = None
    data[1]["id"] = None
    client, _ = make_client(serve_rows(data))
    df = ea.load_executions(client=client, **WINDOW, progress=False)
    assert len(df) == 3 and df["id"].isna().sum() == 2
    # the catch-up pass re-read the newest row (no id): equal in every field, so merged
    assert df.attrs["duplicates_dropped"] == 1


def test_retry_after_with_non_ascii_digits_is_ignored():
    assert parse_retry_after("\u00b2") is None


def test_a_429_pauses_every_worker_sharing_the_client():
    import threading
    import time

    answers = iter([429])

    def handler(request):
        if query_of(request)["offset"] == "0" and next(answers, None) == 429:
            return 429, {"Retry-After": "1"}, b'{"error": "slow down"}'
        return 200, {}, page_body(rows(1))

    client, adapter = make_client(handler)
    client._sleep = time.sleep  # real waiting: the point is when the other worker may send
    first = threading.Thread(target=client.get_page, args=({"limit": "1", "offset": "0"},))
    first.start()
    while not adapter.requests:
        time.sleep(0.001)
    time.sleep(0.05)  # the 429 has been answered and the shared pause set
    started = time.monotonic()
    client.get_page({"limit": "1", "offset": "1"})  # another worker, never rate limited itself
    waited = time.monotonic() - started
    first.join()
    assert waited >= 0.8


def test_the_version_fetched_last_wins_and_duplicates_are_counted():
    data = rows(150)
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        current = [dict(r) for r in data]
        if calls["n"] > 1:  # after the first page, row 5 finished and rows shifted by one
            current[5]["status"] = "error"
            current.insert(100, dict(current[5]))
        return serve(current)(request)

    client, _ = make_client(handler, api_version="v1")
    df = ea.load_executions(
        client=client, **WINDOW, progress=False, max_workers=1, classify_errors=False
    )
    assert len(df) == 150 and df["id"].is_unique
    assert df.set_index("id").loc["exec_0005", "status"] == "error"
    assert df.attrs["duplicates_dropped"] >= 1


def test_failed_rows_no_class_query_returned_stay_na_and_are_counted():
    data = rows(4, status="error")

    def handler(request):
        q = query_of(request)
        if q.get("error_classification") == "provider_error":
            return serve(data[:2])(request)
        if "error_classification" in q:
            return serve([])(request)
        return serve(data)(request)

    client, adapter = make_client(handler)
    df = ea.load_executions(client=client, **WINDOW, progress=False)
    classes = df.set_index("id")["error_classification"]
    assert classes[["exec_0000", "exec_0001"]].tolist() == ["provider_error"] * 2
    assert classes[["exec_0002", "exec_0003"]].isna().all()
    assert df.attrs["unclassified_errors"] == 2
    asked = {query_of(r).get("error_classification") for r in adapter.requests} - {None}
    assert asked == set(schema.ERROR_CLASSES)


def test_attrs_record_the_query_and_fetch_time_and_progress_false_is_silent(capsys):
    client, _ = make_client(serve_rows(rows(3)))
    before = pd.Timestamp.now(tz="UTC")
    df = ea.load_executions(
        client=client, **WINDOW, model=["veo-3", "flux-2-pro"], status="success", progress=False
    )
    assert capsys.readouterr().err == ""
    assert df.attrs["query"] == {
        "model": ["flux-2-pro", "veo-3"],
        "status": ["success"],
        "workflow_id": None,
        "workflow_execution_id": None,
        "error_classification": None,
    }
    fetched = pd.Timestamp(df.attrs["fetched_at"])
    assert before - pd.Timedelta(seconds=1) <= fetched <= pd.Timestamp.now(tz="UTC")


@pytest.mark.parametrize(
    "naive", [datetime(2026, 10, 1), pd.Timestamp("2026-10-01"), "2026-10-01T00:00:00"]
)
def test_tz_naive_datetimes_are_refused(naive):
    client, adapter = make_client(serve_rows(rows(1)))
    with pytest.raises(ea.InvalidQueryError, match="no time zone"):
        ea.load_executions(client=client, start=naive, progress=False)
    assert adapter.requests == []


def test_a_host_that_does_not_resolve_fails_at_once_naming_it():
    import time

    client = ea.Client(api_key=KEY, base_url="https://api.no-such-host.invalid", backoff=1.0)
    started = time.monotonic()
    with pytest.raises(ea.APIError, match="cannot resolve the API host 'api.no-such-host.invalid'"):
        ea.load_executions(client=client, **WINDOW, progress=False)
    assert time.monotonic() - started < 1.0  # no retries with backoff for a name that is not


def test_an_unreachable_host_is_retried_and_named():
    client = ea.Client(
        api_key=KEY, base_url="http://127.0.0.1:9", max_retries=2, backoff=0.001, timeout=1
    )
    with pytest.raises(ea.APIError) as info:
        client.get_page({"limit": "1"})
    message = str(info.value)
    assert "http://127.0.0.1:9" in message and "gave up after 2 retries" in message
    assert KEY not in message
