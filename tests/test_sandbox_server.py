"""Conformance of the sandbox to the contract of GET /v2/executions and GET /v1/executions.

Every response is validated with ``jsonschema`` against the document's schemas; expected
rows come from pandas masks over the sandbox's ground truth (``api.truth``). The listing
tests run on both paths: v2 by cursor on the shared sandbox, v1 by offset on a sandbox
without v1's 1,000-row limit (``v1_row_limit=None``, the v1 of before September 2026).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.local_api import DEFAULT_API_KEY, Sandbox, generate_executions
from eachlabs_analytics.local_api.sample import write_executions
from tests.conftest import SANDBOX_PARAMS

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
Z_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
DAY = pd.Timedelta(days=1)
FULLWIDTH_YEAR = "\uff12\uff10\uff12\uff16-10-01T00:00:00Z"  # "２０２６-10-01T00:00:00Z"


@pytest.fixture(scope="module")
def http() -> requests.Session:
    with requests.Session() as session:
        yield session


def get(
    http: requests.Session,
    api: Sandbox,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = AUTH,
    path: str = "/v1/executions",
) -> requests.Response:
    return http.get(api.base_url + path, params=params, headers=headers, timeout=10)


@dataclass(frozen=True)
class Listing:
    api: Sandbox
    version: str


@pytest.fixture(scope="module")
def unlimited_v1() -> Iterator[Sandbox]:
    """The shared sandbox's data, with the v1 of before September 2026 (no row limit)."""
    with Sandbox(**SANDBOX_PARAMS, v1_row_limit=None) as api:
        yield api


@pytest.fixture(params=["v2", "v1"])
def listing(request, sandbox_api, unlimited_v1) -> Listing:
    return Listing(sandbox_api if request.param == "v2" else unlimited_v1, request.param)


def fetch_all(http: requests.Session, listing: Listing, params: dict[str, Any]) -> list[dict]:
    """Page with each listing's documented stop rule: v2 while ``has_more`` (sending
    ``next_cursor`` back), v1 until a page is shorter than ``limit``."""
    rows: list[dict] = []
    offset, cursor = 0, None
    path = f"/{listing.version}/executions"
    while True:
        paging = {"offset": offset} if listing.version == "v1" else {"cursor": cursor}
        page = get(http, listing.api, {**params, "limit": 100, **paging}, path=path)
        assert page.status_code == 200, page.text
        body = page.json()
        batch = body["executions"]
        rows.extend(batch)
        if listing.version == "v2":
            if not body["has_more"]:
                return rows
            cursor = body["next_cursor"]
        elif len(batch) < 100:
            return rows
        offset += 100


def iso(stamp: pd.Timestamp) -> str:
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def expected_ids(truth: pd.DataFrame, mask: pd.Series) -> list[str]:
    """Ids matching ``mask``, in the documented order (created_at desc, then id desc)."""
    chosen = truth.loc[mask, ["created_at", "id"]]
    return chosen.sort_values(["created_at", "id"], ascending=False)["id"].tolist()


def in_default_window(truth: pd.DataFrame, now: pd.Timestamp) -> pd.Series:
    return truth["created_at"] >= now - 90 * DAY


# --- shape -------------------------------------------------------------------------------
def test_pages_validate_against_the_openapi_schemas(sandbox_api, http, openapi_validator):
    validator = openapi_validator("ListExecutionsResponse")
    for params in ({}, {"limit": 100, "offset": 40}, {"status": "error", "limit": 7}):
        response = get(http, sandbox_api, params)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        assert b"\n" not in response.content  # compact JSON
        body = response.json()
        validator.validate(body)
        assert body["limit"] == params.get("limit", 20)
        assert body["offset"] == params.get("offset", 0)
        assert len(body["executions"]) == body["limit"]


def test_rows_have_exactly_the_api_fields_and_z_timestamps(sandbox_api, http, listing):
    rows = fetch_all(http, listing, {"from": "2020-01-01T00:00:00Z"})
    assert len(rows) == len(sandbox_api.truth)
    for row in rows:
        assert tuple(row) == schema.API_FIELDS  # no error_classification, nothing extra
        assert Z_STAMP.fullmatch(row["created_at"])
        for name in ("started_at", "completed_at"):
            assert row[name] is None or Z_STAMP.fullmatch(row[name])
        assert (row["requested_model"] is not None) == (row["model"] == "eachlabs-llm-router")


def test_rows_carry_the_ground_truth_values(sandbox_api, http, listing):
    rows = fetch_all(http, listing, {"from": "2020-01-01T00:00:00Z"})
    served = pd.DataFrame(rows)
    truth = sandbox_api.truth
    assert served["id"].tolist() == truth["id"].tolist()
    for name in ("model", "requested_model", "workflow_id", "workflow_execution_id", "output"):
        expected = truth[name].astype(object).where(truth[name].notna(), None).tolist()
        assert [row[name] for row in rows] == expected, name
    assert served["status"].tolist() == truth["status"].astype(str).tolist()
    for name in ("execution_cost", "run_time"):
        np.testing.assert_array_equal(served[name].to_numpy(float), truth[name].to_numpy())
    for name in schema.TIMESTAMP_FIELDS:
        parsed = pd.to_datetime(served[name], utc=True, format="ISO8601")
        assert parsed.astype(schema.TIMESTAMP_DTYPE).equals(truth[name]), name


# --- order, window, cap ------------------------------------------------------------------
@pytest.mark.parametrize("version", ["v2", "v1"])
def test_newest_first_with_id_tiebreak(version):
    end = pd.Timestamp("2026-10-31T00:00:00Z")
    frame = generate_executions(300, seed=5, end=end)
    # force ties on created_at so the id tiebreak matters
    frame.loc[:99, "created_at"] = frame.loc[0, "created_at"]
    frame.loc[:99, ["started_at", "completed_at"]] = pd.NaT
    with Sandbox(data=frame, now=end) as api, requests.Session() as http:
        ids = [r["id"] for r in fetch_all(http, Listing(api, version), {})]
        truth = api.truth
    manual = sorted(zip(truth["created_at"], truth["id"], strict=True), reverse=True)
    assert ids == [i for _, i in manual]
    assert ids[:100] == sorted(ids[:100], reverse=True)


def test_default_window_is_the_90_days_before_now(sandbox_api, http, listing):
    truth, now = sandbox_api.truth, sandbox_api.now
    assert truth["created_at"].min() < now - 90 * DAY  # the fixture holds older rows
    served = [r["id"] for r in fetch_all(http, listing, {})]
    assert served == expected_ids(truth, in_default_window(truth, now))


def test_default_window_ends_at_to(sandbox_api, http, listing):
    truth = sandbox_api.truth
    to = truth["created_at"].iloc[len(truth) // 3]  # an exact row time: `to` is inclusive
    served = [r["id"] for r in fetch_all(http, listing, {"to": iso(to)})]
    mask = (truth["created_at"] >= to - 90 * DAY) & (truth["created_at"] <= to)
    assert served == expected_ids(truth, mask)
    assert served[0] == truth.loc[truth["created_at"] == to, "id"].max()


def test_from_and_to_are_inclusive_and_accept_offsets(sandbox_api, http, listing):
    truth = sandbox_api.truth
    start, stop = truth["created_at"].iloc[900], truth["created_at"].iloc[100]
    shifted = (start + pd.Timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "+02:00"
    served = [r["id"] for r in fetch_all(http, listing, {"from": shifted, "to": iso(stop)})]
    mask = truth["created_at"].between(start, stop)
    assert served == expected_ids(truth, mask)
    assert len(served) == 801


def test_total_count_is_capped_until_the_last_page(unlimited_v1, http):
    sandbox_api = unlimited_v1
    truth, cap = sandbox_api.truth, sandbox_api.total_cap
    total = int(in_default_window(truth, sandbox_api.now).sum())
    assert total > cap
    first = get(http, sandbox_api, {"limit": 100}).json()
    assert (first["total_count"], first["total_capped"]) == (cap, True)
    middle = get(http, sandbox_api, {"limit": 100, "offset": 1000}).json()
    assert (middle["total_count"], middle["total_capped"]) == (cap, True)
    for offset, limit, rows in ((total - 5, 10, 5), (total - 5, 5, 5), (total - 1, 100, 1)):
        last = get(http, sandbox_api, {"limit": limit, "offset": offset}).json()
        assert len(last["executions"]) == rows
        assert (last["total_count"], last["total_capped"]) == (total, False)
    past = get(http, sandbox_api, {"limit": 100, "offset": total}).json()
    assert past["executions"] == []
    assert (past["total_count"], past["total_capped"]) == (cap, True)


def test_small_results_report_the_exact_total(sandbox_api, http):
    truth = sandbox_api.truth
    mask = in_default_window(truth, sandbox_api.now) & (truth["model"] == "veo-3")
    body = get(http, sandbox_api, {"model": "veo-3", "limit": 5}).json()
    assert 5 < mask.sum() < sandbox_api.total_cap
    assert (body["total_count"], body["total_capped"]) == (int(mask.sum()), False)
    empty = get(http, sandbox_api, {"model": "no-such-model"}).json()
    assert (empty["executions"], empty["total_count"], empty["total_capped"]) == ([], 0, False)


def test_stop_rule_collects_every_row_despite_the_cap(sandbox_api, http, listing):
    truth = sandbox_api.truth
    rows = fetch_all(http, listing, {})
    assert len(rows) == int(in_default_window(truth, sandbox_api.now).sum()) > 500
    assert len({r["id"] for r in rows}) == len(rows)


# --- filters -----------------------------------------------------------------------------
FILTER_CASES = [
    {"status": "success"},
    {"status": "error"},
    {"status": "created"},
    {"status": "starting"},
    {"status": "success,error"},
    {"status": " error , created ,"},
    {"status": ""},
    {"model": "flux-1-1-pro"},
    {"model": "eachlabs-llm-router"},
    {"error_classification": "execution_timeout"},
    {"error_classification": "content_moderation,provider_rate_limit"},
    {"model": "flux-2-pro", "status": "success", "from": "2026-09-15T00:00:00Z"},
    {"error_classification": "invalid_user_input", "model": "flux-2-edit"},
    {"status": "error", "error_classification": "provider_error", "to": "2026-10-15T00:00:00Z"},
    {"status": "success", "from": "2026-10-01T00:00:00Z", "to": "2026-10-02T12:00:00Z"},
]


def truth_mask(truth: pd.DataFrame, now: pd.Timestamp, params: dict[str, str]) -> pd.Series:
    """The documented semantics, written independently of the server with pandas."""
    to = pd.Timestamp(params["to"]) if params.get("to") else None
    start = pd.Timestamp(params["from"]) if params.get("from") else (to or now) - 90 * DAY
    mask = truth["created_at"] >= start
    if to is not None:
        mask &= truth["created_at"] <= to
    statuses = [t.strip() for t in params.get("status", "").split(",") if t.strip()]
    if statuses:
        mask &= truth["status"].astype(str).isin(statuses)
    classes = [c for c in params.get("error_classification", "").split(",") if c]
    if classes:
        failed = truth["status"].astype(str).isin(list(schema.FAILED_STATUSES))
        mask &= failed & truth["error_classification"].astype(object).isin(classes)
    if params.get("model"):
        mask &= truth["model"] == params["model"]
    return mask.fillna(False).astype(bool)


@pytest.mark.parametrize(
    "params", FILTER_CASES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())
)
def test_filters_match_pandas_masks(sandbox_api, http, params, listing):
    truth = sandbox_api.truth
    expected = expected_ids(truth, truth_mask(truth, sandbox_api.now, params))
    served = [r["id"] for r in fetch_all(http, listing, params)]
    assert served == expected
    assert expected or params.get("status") in ("starting",)  # cases are not vacuous


def test_error_classification_filter_includes_workflow_failed_rows(sandbox_api, http, listing):
    truth = sandbox_api.truth
    failed_wf = truth[(truth["status"] == "failed") & truth["error_classification"].notna()]
    assert len(failed_wf) > 0
    cls = failed_wf["error_classification"].iloc[0]
    served = {
        r["id"]
        for r in fetch_all(
            http, listing, {"error_classification": cls, "from": "2020-01-01T00:00:00Z"}
        )
    }
    assert set(failed_wf.loc[failed_wf["error_classification"] == cls, "id"]) <= served
    assert {r for r in served} == set(
        truth.loc[
            truth["status"].isin(["error", "failed"]) & (truth["error_classification"] == cls), "id"
        ]
    )


def test_workflow_filters(sandbox_api, http, listing):
    truth = sandbox_api.truth
    runs = truth.dropna(subset=["workflow_execution_id"])
    run_id = runs["workflow_execution_id"].value_counts().index[0]
    everything = {"from": "2020-01-01T00:00:00Z"}
    params = {**everything, "workflow_execution_id": run_id}
    by_run = [r["id"] for r in fetch_all(http, listing, params)]
    assert len(by_run) >= 2
    assert by_run == expected_ids(truth, truth["workflow_execution_id"] == run_id)
    succeeded = runs[runs["status"] == "success"]
    workflow_id = succeeded["workflow_id"].value_counts().index[0]
    params = {**everything, "workflow_id": workflow_id, "status": "success"}
    by_workflow = fetch_all(http, listing, params)
    mask = (truth["workflow_id"] == workflow_id) & (truth["status"] == "success")
    assert [r["id"] for r in by_workflow] == expected_ids(truth, mask.fillna(False))
    assert by_workflow and all(r["workflow_id"] == workflow_id for r in by_workflow)


# --- errors ------------------------------------------------------------------------------
BAD_REQUESTS = [
    ({"limit": "0"}, "limit", "between 1 and 100"),
    ({"limit": "101"}, "limit", "between 1 and 100"),
    ({"limit": "-1"}, "limit", "between 1 and 100"),
    ({"limit": "abc"}, "limit", "between 1 and 100"),
    ({"limit": "2.5"}, "limit", "between 1 and 100"),
    ({"limit": "1e2"}, "limit", "between 1 and 100"),
    ({"offset": "-1"}, "offset", ">= 0"),
    ({"offset": "ten"}, "offset", ">= 0"),
    ({"offset": "1.0"}, "offset", ">= 0"),
    ({"status": "done"}, "status", "created, starting, success, error"),
    ({"status": "SUCCESS"}, "status", "created, starting, success, error"),
    ({"status": "success,failed"}, "status", "created, starting, success, error"),
    ({"status": "cancelled"}, "status", "created, starting, success, error"),
    ({"error_classification": "timeout"}, "error_classification", ", ".join(schema.ERROR_CLASSES)),
    ({"error_classification": "unknown,nope"}, "error_classification", "provider_auth"),
    ({"from": "2026-01-01"}, "from", "RFC 3339"),
    ({"from": "2026-01-01T00:00:00"}, "from", "RFC 3339"),
    ({"to": "yesterday"}, "to", "RFC 3339"),
    ({"to": "2026-13-01T00:00:00Z"}, "to", "RFC 3339"),
    ({"from": "2026-01-01T00:00:00 02:00"}, "from", "RFC 3339"),  # an unencoded '+'
    ({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "from", "from must be <= to"),
]


@pytest.mark.parametrize("params,name,allowed", BAD_REQUESTS, ids=lambda v: str(v))
def test_bad_parameters_answer_400_naming_what_is_allowed(
    sandbox_api, http, openapi_validator, params, name, allowed
):
    response = get(http, sandbox_api, params)
    assert response.status_code == 400
    assert response.headers["X-Request-Id"]
    body = response.json()
    openapi_validator("Error").validate(body)
    assert body["status"] == 400
    assert name in body["error"] and allowed in body["error"]
    assert body["details"]["parameter"] == name


def test_400_lists_every_allowed_status_token_and_class(sandbox_api, http):
    status = get(http, sandbox_api, {"status": "paused"}).json()
    assert status["details"]["allowed"] == list(schema.STATUS_FILTER_TOKENS)
    classes = get(http, sandbox_api, {"error_classification": "oops"}).json()
    assert classes["details"]["allowed"] == list(schema.ERROR_CLASSES)
    assert classes["details"]["invalid"] == ["oops"]


def test_blank_parameters_count_as_absent(sandbox_api, http):
    blank = get(http, sandbox_api, {"limit": "", "offset": "", "model": "", "from": ""}).json()
    default = get(http, sandbox_api).json()
    assert blank == default
    assert len(blank["executions"]) == 20


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {"Authorization": "Bearer smk_wrong"},
        {"X-API-Key": "smk_wrong"},
        {"Authorization": f"Basic {DEFAULT_API_KEY}"},
        {"Authorization": DEFAULT_API_KEY},
        {"X-API-Key": ""},
    ],
    ids=["missing", "wrong-bearer", "wrong-x-api-key", "basic-scheme", "no-scheme", "blank"],
)
def test_missing_or_wrong_key_answers_401(sandbox_api, http, openapi_validator, headers):
    response = get(http, sandbox_api, {"limit": 1}, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid or missing API key", "status": 401}
    openapi_validator("Error").validate(response.json())
    assert response.headers["X-Request-Id"]


def test_key_in_the_query_string_is_not_accepted_nor_logged(sandbox_api, http):
    response = get(http, sandbox_api, {"api_key": DEFAULT_API_KEY}, headers=None)
    assert response.status_code == 401
    entry = next(e for e in reversed(sandbox_api.request_log) if "api_key" in e["query"])
    assert DEFAULT_API_KEY not in repr(entry)


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {DEFAULT_API_KEY}"},
        {"Authorization": f"bearer {DEFAULT_API_KEY}"},
        {"X-API-Key": DEFAULT_API_KEY},
    ],
    ids=["bearer", "bearer-lowercase", "x-api-key"],
)
def test_both_auth_schemes_are_accepted(sandbox_api, http, headers):
    response = get(http, sandbox_api, {"limit": 1}, headers=headers)
    assert response.status_code == 200
    assert len(response.json()["executions"]) == 1


def test_custom_api_key():
    with Sandbox(executions=300, seed=1, end="2026-10-31T00:00:00Z", api_key="smk_custom") as api:
        url = api.base_url + "/v1/executions"
        assert requests.get(url, headers=AUTH, timeout=10).status_code == 401
        ok = requests.get(url, headers={"X-API-Key": "smk_custom"}, timeout=10)
        assert ok.status_code == 200
        assert "smk_custom" not in repr(api)


def test_unknown_paths_404_and_other_methods_405(sandbox_api, http, openapi_validator):
    missing = get(http, sandbox_api, path="/v1/nothing-here")
    assert missing.status_code == 404
    openapi_validator("Error").validate(missing.json())
    post = http.post(sandbox_api.base_url + "/v1/executions", headers=AUTH, data=b"{}", timeout=10)
    assert post.status_code == 405
    assert post.headers["Allow"] == "GET"
    openapi_validator("Error").validate(post.json())
    alias = get(http, sandbox_api, {"limit": 3}, path="/v1/executions/")
    assert alias.json() == get(http, sandbox_api, {"limit": 3}).json()


def test_request_id_is_echoed_or_generated(sandbox_api, http):
    for params, headers in (({}, AUTH), ({"limit": 0}, AUTH), ({}, {})):
        echoed = get(http, sandbox_api, params, headers={**headers, "X-Request-Id": "req-abc-1"})
        assert echoed.headers["X-Request-Id"] == "req-abc-1"
    generated = {get(http, sandbox_api, {"limit": 1}).headers["X-Request-Id"] for _ in range(5)}
    assert len(generated) == 5 and all(generated)
    missing = get(http, sandbox_api, path="/nope", headers={})
    assert missing.headers["X-Request-Id"]
    entry = sandbox_api.request_log[-1]
    assert entry["request_id"] == missing.headers["X-Request-Id"]
    assert (entry["path"], entry["status"]) == ("/nope", 404)


def test_request_log_never_holds_the_key(sandbox_api, http):
    get(http, sandbox_api, {"limit": 2, "model": "veo-3"})
    entry = sandbox_api.request_log[-1]
    assert entry["query"] == {"limit": "2", "model": "veo-3"}
    assert entry["status"] == 200
    assert "authorization" in entry["headers"]
    assert DEFAULT_API_KEY not in repr(sandbox_api.request_log)
    assert DEFAULT_API_KEY not in repr(sandbox_api)


# --- every answer is JSON with a request id, whatever the request -----------------------
@pytest.fixture(scope="module")
def api():
    with ea.sandbox(executions=200, seed=1, end="2026-10-31T00:00:00Z") as running:
        yield running


@pytest.mark.parametrize("method", ["GET", "POST", "TRACE", "PROPFIND", "OPTIONS", "BREW"])
@pytest.mark.parametrize("path", ["/v1/executions", "/elsewhere"])
def test_every_method_gets_json_and_a_request_id(api, method, path):
    response = requests.request(
        method, api.base_url + path, headers={"Authorization": f"Bearer {api.api_key}"}, timeout=5
    )
    assert response.headers["X-Request-Id"]
    assert response.headers["Content-Type"] == "application/json"
    if method == "GET" and path == "/v1/executions":
        assert response.status_code == 200
    else:
        assert response.status_code == (404 if path == "/elsewhere" else 405)
        assert set(response.json()) >= {"error", "status"}


def test_an_unparseable_request_gets_json_and_a_request_id(api):
    with socket.create_connection((api.host, api.port), timeout=5) as raw:
        raw.sendall(b"NOT A REQUEST LINE AT ALL\r\n\r\n")
        chunks = []
        while chunk := raw.recv(4096):  # the server closes the connection after answering
            chunks.append(chunk)
        answer = b"".join(chunks).decode()
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400")
    assert re.search(r"(?im)^X-Request-Id: [0-9a-f-]{36}\r?$", head)
    assert '"error"' in body and '"status":400' in body


def test_the_sandbox_answers_400_for_a_fullwidth_from(api):
    response = requests.get(
        api.base_url + "/v1/executions",
        params={"from": FULLWIDTH_YEAR},
        headers={"Authorization": f"Bearer {api.api_key}"},
        timeout=5,
    )
    assert response.status_code == 400 and "RFC 3339" in response.json()["error"]


# --- construction ------------------------------------------------------------------------
def test_serves_a_dataframe_or_parquet_file(tmp_path):
    frame = generate_executions(400, seed=2, end="2026-10-31T00:00:00Z", days=30)
    path = write_executions(frame, tmp_path / "x.parquet")
    for data in (frame, path, str(path)):
        with Sandbox(data=data, total_cap=None) as api, requests.Session() as http:
            assert api.now == pd.Timestamp("2026-10-31T00:00:00Z")
            body = get(http, api, {"limit": 100, "offset": 300}).json()
            assert (body["total_count"], body["total_capped"]) == (400, False)
            assert api.truth["id"].tolist() == frame["id"].tolist()


def test_now_defaults_to_the_newest_timestamp_without_a_window():
    frame = generate_executions(50, seed=2, end="2026-10-31T00:00:00Z")
    frame.attrs.clear()
    api = Sandbox(data=frame)
    newest = pd.concat([frame[c] for c in schema.TIMESTAMP_FIELDS]).max()
    assert api.now == newest.ceil("s")
    assert Sandbox(data=frame, now="2027-01-01T00:00:00Z").now == pd.Timestamp(
        "2027-01-01", tz="UTC"
    )


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"host": "0.0.0.0"}, "loopback"),
        ({"host": "example.com"}, "loopback"),
        ({"total_cap": 0}, "total_cap"),
        ({"port": 70000}, "port"),
        ({"api_key": ""}, "api_key"),
        ({"data": "data.csv"}, ".parquet"),
        ({"data": 42}, "DataFrame"),
        ({"faults": {"latency": 1}}, "Faults"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Sandbox(executions=10, seed=1, end="2026-10-31T00:00:00Z", **kwargs)


def test_base_url_needs_a_running_server_and_stop_is_idempotent():
    api = Sandbox(executions=10, seed=1, end="2026-10-31T00:00:00Z")
    with pytest.raises(RuntimeError, match="not running"):
        api.base_url  # noqa: B018
    with api:
        url = api.base_url
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + "/v1/executions", headers=AUTH, timeout=10).status_code == 200
    api.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/v1/executions", headers=AUTH, timeout=2)


def test_public_names_are_exported():
    import eachlabs_analytics as ea
    import eachlabs_analytics.local_api as sandbox_module

    assert sorted(sandbox_module.__all__) == [
        "DEFAULT_API_KEY",
        "Faults",
        "Incident",
        "Sandbox",
        "generate_executions",
        "inject_incidents",
        "load_sample",
        "sandbox",
    ]
    assert ea.Sandbox is Sandbox and ea.generate_executions is generate_executions
    with ea.sandbox(executions=10, seed=1, end="2026-10-31T00:00:00Z") as api:
        assert isinstance(api, Sandbox) and api.api_key == DEFAULT_API_KEY


def test_the_schema_validator_rejects_what_the_contract_forbids(openapi_validator):
    """The validator used above is strict enough to catch a wrong page (not vacuous)."""
    validator = openapi_validator("ListExecutionsResponse")
    row = {
        "id": "exec_1",
        "model": "veo-3",
        "requested_model": None,
        "status": "success",
        "workflow_id": None,
        "workflow_execution_id": None,
        "execution_cost": 1.0,
        "run_time": 2.0,
        "created_at": "2026-10-30T10:00:00Z",
        "started_at": None,
        "completed_at": None,
        "output": None,
    }
    page = {"executions": [row], "total_count": 1, "total_capped": False, "offset": 0, "limit": 20}
    validator.validate(page)
    bad_rows = [
        {**row, "created_at": "2026-10-30 10:00"},
        {**row, "created_at": "2026-13-30T10:00:00Z"},
        {**row, "execution_cost": None},
        {**row, "id": 5},
    ]
    for bad in bad_rows:
        assert not validator.is_valid({**page, "executions": [bad]}), bad
    assert not validator.is_valid({k: v for k, v in page.items() if k != "total_capped"})
    assert not openapi_validator("Error").is_valid({"status": 400})
