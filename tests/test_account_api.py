"""The balance, the workflows' names and ``Client.get_json`` against a scripted fake of the
documented endpoints (tests/fake_reference_api.py): values, retries, 503 as unknown, paging,
and the key kept out of keyless requests and of every error."""

from __future__ import annotations

import logging

import orjson
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics.loader import account
from tests.fake_reference_api import KEY, NOW, ReferenceAPI, mounted_session, workflows

BASE = "https://api.example.test"


def client_for(api: ReferenceAPI, **options) -> tuple[ea.Client, list[float]]:
    """A client whose requests ``api`` answers; its waits are recorded, not slept."""
    client = ea.Client(
        api_key=options.pop("api_key", KEY),
        base_url=BASE,
        session=mounted_session(api),
        backoff=0.0,
        **options,
    )
    waits: list[float] = []
    client._sleep = waits.append
    return client, waits


def error_json(message: str) -> bytes:
    return orjson.dumps({"error": message})


# --- balance ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [123.45, 0, 0.0, -12.5, 7])
def test_the_balance_is_the_served_value_zero_and_negative_included(value):
    api = ReferenceAPI(balance=value)
    client, _ = client_for(api)
    got = ea.balance(client=client)
    assert isinstance(got, ea.Balance)
    assert got.balance_usd == float(value) and isinstance(got.balance_usd, float)
    assert got.read_at == pd.Timestamp(NOW)  # the server's Date header
    (seen,) = api.seen("/v1/billing/balance")
    assert got.request_id == "req-1"
    assert seen.headers["authorization"] == f"Bearer {KEY}"


def test_a_balance_without_a_date_header_is_read_at_our_clock():
    api = ReferenceAPI()
    api.script("/v1/billing/balance", (200, {"Date": ""}, b'{"balance_usd": 5}'))
    client, _ = client_for(api)
    before = pd.Timestamp.now(tz="UTC")
    got = ea.balance(client=client)
    assert before - pd.Timedelta(seconds=1) <= got.read_at <= pd.Timestamp.now(tz="UTC")
    assert str(got.read_at.tz) == "UTC"


def test_429_is_retried_after_its_retry_after():
    api = ReferenceAPI(balance=42.0)
    slow = (429, {"Retry-After": "1"}, error_json("rate limit: 3 requests per second"))
    api.script("/v1/billing/balance", slow, slow)
    client, waits = client_for(api)
    assert ea.balance(client=client).balance_usd == 42.0
    assert len(api.seen("/v1/billing/balance")) == 3
    # each retry waited the Retry-After exactly (the backoff is 0 here); the shared pause a
    # 429 sets makes the next send wait out the rest of it too (just under 1 s: time passed)
    assert [w for w in waits if w == 1.0] == [1.0, 1.0]
    assert all(w <= 1.0 for w in waits)


def test_a_503_is_unknown_never_zero():
    api = ReferenceAPI(balance=0.0)
    api.script("/v1/billing/balance", *[(503, {"Retry-After": "0"}, error_json("down"))] * 3)
    client, _ = client_for(api, max_retries=2)
    with pytest.raises(ea.BalanceUnavailable) as info:
        ea.balance(client=client)
    error = info.value
    assert isinstance(error, ea.APIError) and error.status == 503
    assert "unknown" in str(error) and "not zero" in str(error)
    assert error.request_id == "req-3" and "req-3" in str(error)
    assert len(api.seen("/v1/billing/balance")) == 3  # retried before saying so


def test_a_503_that_clears_gives_the_balance():
    api = ReferenceAPI(balance=9.99)
    api.script("/v1/billing/balance", (503, {}, error_json("down")))
    client, _ = client_for(api)
    assert ea.balance(client=client).balance_usd == 9.99


@pytest.mark.parametrize(
    "body",
    [
        b'{"balance_usd": "12.5"}',
        b'{"balance_usd": null}',
        b'{"balance_usd": true}',
        b"{}",
        b"[1]",
        b'{"balance": 5}',
    ],  # fmt: skip
)
def test_a_body_without_a_numeric_balance_is_an_api_error_not_a_value(body):
    api = ReferenceAPI()
    api.script("/v1/billing/balance", (200, {}, body))
    client, _ = client_for(api)
    with pytest.raises(ea.APIError, match="without a numeric balance_usd") as info:
        ea.balance(client=client)
    assert not isinstance(info.value, ea.BalanceUnavailable)


def test_other_failures_keep_their_type():
    api = ReferenceAPI()
    api.script("/v1/billing/balance", (401, {}, error_json("Invalid or missing API key")))
    client, _ = client_for(api)
    with pytest.raises(ea.AuthenticationError):
        ea.balance(client=client)
    api.script("/v1/billing/balance", *[(500, {}, error_json("boom"))] * 2)
    client, _ = client_for(api, max_retries=1)
    with pytest.raises(ea.APIError) as info:
        ea.balance(client=client)
    assert info.value.status == 500 and not isinstance(info.value, ea.BalanceUnavailable)


def test_the_key_never_appears_in_errors_reprs_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    api = ReferenceAPI()
    echo = error_json(f"balance unknown for key {KEY}")
    api.script("/v1/billing/balance", *[(503, {}, echo)] * 2)
    client, _ = client_for(api, max_retries=1)
    with pytest.raises(ea.BalanceUnavailable) as info:
        ea.balance(client=client)
    assert KEY not in str(info.value) and KEY not in repr(info.value)
    assert "balance unknown for key" in str(info.value)
    got = ea.balance(client=client)
    assert KEY not in repr(got) and KEY not in str(vars(client))
    assert KEY not in caplog.text and caplog.records


def test_without_a_key_balance_fails_before_any_request(monkeypatch):
    monkeypatch.delenv("EACHLABS_API_KEY", raising=False)
    with pytest.raises(ea.AuthenticationError, match="EACHLABS_API_KEY"):
        ea.balance(base_url=BASE)


def test_a_keyless_client_refuses_an_authenticated_request_with_the_usual_message(monkeypatch):
    monkeypatch.delenv("EACHLABS_API_KEY", raising=False)
    with pytest.raises(ea.AuthenticationError) as at_construction:
        ea.Client(base_url=BASE)
    api = ReferenceAPI()
    keyless = ea.Client(base_url=BASE, session=mounted_session(api), require_key=False)
    for call in (lambda: ea.balance(client=keyless),
                 lambda: ea.workflow_names(client=keyless),
                 lambda: keyless.get_page({"limit": "1"})):  # fmt: skip
        with pytest.raises(ea.AuthenticationError) as info:
            call()
        assert str(info.value) == str(at_construction.value)
    assert api.requests == []  # refused before anything was sent


def test_client_and_connection_options_are_exclusive():
    client, _ = client_for(ReferenceAPI())
    with pytest.raises(ea.InvalidQueryError, match="not both"):
        ea.balance(api_key=KEY, client=client)
    with pytest.raises(ea.InvalidQueryError, match="not both"):
        ea.workflow_names(base_url=BASE, client=client)


# --- workflow names -------------------------------------------------------------------------
def expected_names(listed: list[dict]) -> dict[str, str]:
    return {w["workflow_id"]: w["name"] for w in listed if w["name"]}


@pytest.mark.parametrize(("n", "requests_sent"), [(0, 1), (12, 1), (250, 3), (200, 3)])
def test_workflow_names_page_until_a_short_page(n, requests_sent):
    api = ReferenceAPI(listed_workflows=workflows(n))
    client, _ = client_for(api)
    names = ea.workflow_names(client=client)
    assert names == expected_names(workflows(n))
    sent = api.seen("/v1/workflows")
    assert len(sent) == requests_sent  # a full last page (200) is followed by an empty one
    assert [s.query for s in sent] == [
        {"limit": "100", "offset": str(100 * i)} for i in range(requests_sent)
    ]
    assert all(s.headers["authorization"] == f"Bearer {KEY}" for s in sent)


def test_the_next_page_starts_at_the_offset_the_response_gives():
    api = ReferenceAPI(listed_workflows=workflows(230), next_offset="half")
    client, _ = client_for(api)
    assert ea.workflow_names(client=client) == expected_names(workflows(230))
    assert [s.query["offset"] for s in api.seen("/v1/workflows")] == ["0", "50", "100", "150"]


def test_a_full_page_without_an_offset_continues_after_its_rows():
    api = ReferenceAPI(listed_workflows=workflows(150), next_offset="absent")
    client, _ = client_for(api)
    assert ea.workflow_names(client=client) == expected_names(workflows(150))
    assert [s.query["offset"] for s in api.seen("/v1/workflows")] == ["0", "100"]


@pytest.mark.parametrize(("kind", "says"), [("same", "repeats"), ("skip", "skipped")])
def test_a_server_that_repeats_or_skips_an_offset_raises(kind, says):
    api = ReferenceAPI(listed_workflows=workflows(300), next_offset=kind)
    client, _ = client_for(api)
    with pytest.raises(ea.PaginationError, match=says) as info:
        ea.workflow_names(client=client)
    assert len(api.seen("/v1/workflows")) == 1
    assert info.value.request_id == "req-1"


def test_a_listing_that_never_ends_raises(monkeypatch):
    monkeypatch.setattr(account, "MAX_WORKFLOW_PAGES", 4)
    api = ReferenceAPI(listed_workflows=workflows(1_000))
    client, _ = client_for(api)
    with pytest.raises(ea.PaginationError, match="more than 4 full pages"):
        ea.workflow_names(client=client)
    assert len(api.seen("/v1/workflows")) == 4


def test_unnamed_and_repeated_workflows_newest_name_wins():
    listed = [
        {"workflow_id": "wf_a", "name": "Newest"},
        {"workflow_id": "wf_b", "name": ""},
        {"workflow_id": "wf_a", "name": "Older"},  # listed twice while paging: newest wins
        {"workflow_id": None, "name": "No id"},
        {"workflow_id": "wf_c"},
        "not a workflow",
        {"workflow_id": "wf_d", "name": "Ad video"},
    ]
    api = ReferenceAPI(listed_workflows=listed)  # type: ignore[arg-type]
    client, _ = client_for(api)
    assert ea.workflow_names(client=client) == {"wf_a": "Newest", "wf_d": "Ad video"}


@pytest.mark.parametrize("body", [b'{"items": []}', b"[]", b'{"workflows": {}}'])
def test_a_body_without_a_list_of_workflows_raises(body):
    api = ReferenceAPI()
    api.script("/v1/workflows", (200, {}, body))
    client, _ = client_for(api)
    with pytest.raises(ea.APIError, match="without a list of workflows"):
        ea.workflow_names(client=client)


def test_workflow_names_retry_a_429_and_a_503():
    api = ReferenceAPI(listed_workflows=workflows(120))
    api.script(
        "/v1/workflows",
        (429, {"Retry-After": "1"}, error_json("slow down")),
        (503, {"Retry-After": "2"}, error_json("down")),
    )
    client, waits = client_for(api)
    assert ea.workflow_names(client=client) == expected_names(workflows(120))
    assert [w for w in waits if w in (1.0, 2.0)] == [1.0, 2.0]  # each answer's Retry-After


# --- Client.get_json ------------------------------------------------------------------------
def test_get_json_without_auth_sends_no_key_whatever_the_session_holds():
    api = ReferenceAPI()
    session = mounted_session(api)
    session.headers["Authorization"] = f"Bearer {KEY}"  # a session set up by the caller
    session.headers["X-API-Key"] = KEY
    session.auth = ("user", KEY)
    client = ea.Client(api_key=KEY, base_url=BASE, session=session)
    reply = client.get_json("/v1/models", auth=False)
    assert isinstance(reply.data, list) and reply.request_id == "req-1"
    (seen,) = api.requests
    assert "authorization" not in seen.headers and "x-api-key" not in seen.headers
    assert KEY not in str(seen.headers)


def test_get_json_sends_its_parameters_and_reads_the_clock():
    api = ReferenceAPI(listed_workflows=workflows(5))
    client, _ = client_for(api)
    reply = client.get_json("/v1/workflows", {"limit": 2, "offset": 1})
    assert [w["workflow_id"] for w in reply.data["workflows"]] == ["wf_0001", "wf_0002"]
    assert api.requests[0].query == {"limit": "2", "offset": "1"}
    assert reply.server_time == pd.Timestamp(NOW)


@pytest.mark.parametrize(
    "path",
    [
        "v1/models",
        "//evil.example/v1/models",
        "/v1/models?x=1",
        "/v1/../billing",
        "https://evil.example/",
        "/v1/models#x",
        "/v1/mödels",
        42,
    ],  # fmt: skip
)
def test_get_json_refuses_paths_that_leave_the_host_before_any_request(path):
    api = ReferenceAPI()
    client, _ = client_for(api)
    with pytest.raises(ea.InvalidQueryError, match="plain absolute path"):
        client.get_json(path)
    assert api.requests == []


def test_get_json_retries_a_body_that_is_not_json_then_gives_up():
    api = ReferenceAPI()
    api.script("/v1/models", *[(200, {}, b"<html>gateway</html>")] * 3)
    client, _ = client_for(api, max_retries=2)
    with pytest.raises(ea.APIError, match="malformed response body for GET /v1/models"):
        client.get_json("/v1/models", auth=False)
    assert len(api.requests) == 3


@pytest.mark.parametrize("status", [401, 403])
def test_get_json_without_auth_says_no_key_was_sent_when_refused(status):
    api = ReferenceAPI()
    api.script("/v1/models", (status, {}, error_json("key required")))
    client, _ = client_for(api)
    with pytest.raises(ea.AuthenticationError, match="no key was sent"):
        client.get_json("/v1/models", auth=False)


def test_get_json_refuses_a_redirect_to_another_host():
    api = ReferenceAPI()
    api.script("/v1/billing/balance", (302, {"Location": "https://elsewhere.example/b"}, b""))
    client, _ = client_for(api)
    with pytest.raises(ea.APIError, match="redirected to another host"):
        client.get_json("/v1/billing/balance")
    assert len(api.requests) == 1


def test_a_keyless_client_picks_up_a_configured_key_for_keyed_requests(monkeypatch):
    monkeypatch.setenv("EACHLABS_API_KEY", KEY)
    api = ReferenceAPI(balance=1.5)
    client = ea.Client(base_url=BASE, session=mounted_session(api), require_key=False)
    assert ea.balance(client=client).balance_usd == 1.5


def test_a_real_connection_error_names_the_host_not_the_key():
    client = ea.Client(
        api_key=KEY, base_url="http://127.0.0.1:9", max_retries=1, backoff=0.001, timeout=1
    )
    with pytest.raises(ea.APIError) as info:
        ea.balance(client=client)
    assert "http://127.0.0.1:9" in str(info.value) and KEY not in str(info.value)
