"""Each fault switch of the sandbox happens when on, and ends within ``max_faults``."""

from __future__ import annotations

import http.client
from email.utils import parsedate_to_datetime

import pandas as pd
import pytest
import requests

from eachlabs_analytics import schema
from eachlabs_analytics.local_api import DEFAULT_API_KEY, Faults, Sandbox

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
END = "2026-10-31T00:00:00Z"


def make(faults: Faults, **kwargs) -> Sandbox:
    params = {"executions": 400, "seed": 3, "end": END, "faults": faults, **kwargs}
    return Sandbox(**params)


def statuses(api: Sandbox, n: int, params: dict | None = None) -> list[int]:
    with requests.Session() as http:
        return [
            http.get(
                api.base_url + "/v1/executions", params=params, headers=AUTH, timeout=10
            ).status_code
            for _ in range(n)
        ]


def test_latency_delays_every_request_until_switched_off():
    with make(Faults(latency=1.0)) as api:
        url = api.base_url + "/v1/executions"
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(url, headers=AUTH, timeout=(2, 0.1))
        api.faults.latency = 0
        assert requests.get(url, headers=AUTH, timeout=10).status_code == 200
    assert api.faults.injected == 0  # latency is not a fault


def test_rate_limit_every_nth_request_is_bounded(openapi_validator):
    with make(Faults(rate_limit_every=2, retry_after=3, max_faults=2)) as api:
        with requests.Session() as http:
            responses = [
                http.get(api.base_url + "/v1/executions", headers=AUTH, timeout=10)
                for _ in range(6)
            ]
    assert [r.status_code for r in responses] == [200, 429, 200, 429, 200, 200]
    limited = responses[1]
    assert limited.headers["Retry-After"] == "3"
    assert limited.headers["X-Request-Id"]
    openapi_validator("Error").validate(limited.json())
    assert limited.json()["status"] == 429
    assert api.faults.injected == 2 and api.faults.injected_by_kind == {"rate_limit": 2}
    assert [e["fault"] for e in api.request_log] == [None, "rate_limit"] * 2 + [None, None]


def test_retry_after_as_http_date_and_absent():
    with make(Faults(rate_limit_every=1, retry_after="http-date", retry_after_seconds=30)) as api:
        before = pd.Timestamp.now(tz="UTC").floor("s")
        response = requests.get(api.base_url + "/v1/executions", headers=AUTH, timeout=10)
        after = pd.Timestamp.now(tz="UTC").ceil("s")
        assert response.status_code == 429
        when = pd.Timestamp(parsedate_to_datetime(response.headers["Retry-After"]))
        assert before + pd.Timedelta(seconds=29) <= when <= after + pd.Timedelta(seconds=31)
        api.faults.retry_after = None
        response = requests.get(api.base_url + "/v1/executions", headers=AUTH, timeout=10)
        assert response.status_code == 429 and "Retry-After" not in response.headers


def test_server_error_bursts_are_bounded(openapi_validator):
    faults = Faults(server_error_every=3, server_error_burst=2, max_faults=4, retry_after=1)
    with make(faults) as api:
        with requests.Session() as http:
            responses = [
                http.get(api.base_url + "/v1/executions", headers=AUTH, timeout=10)
                for _ in range(12)
            ]
    codes = [r.status_code for r in responses]
    # bursts start at requests 3 and 6 (1-based), two answers each; then the budget is spent
    assert codes == [200, 200, 503, 500, 200, 502, 503, 200, 200, 200, 200, 200]
    for response in responses:
        if response.status_code >= 500:
            openapi_validator("Error").validate(response.json())
            assert ("Retry-After" in response.headers) == (response.status_code == 503)
    assert api.faults.injected_by_kind == {"server_error": 4}


def test_truncated_body_announces_the_full_length():
    with make(Faults(truncate_every=2, max_faults=1)) as api:
        received = []
        for _ in range(4):
            conn = http.client.HTTPConnection(api.host, api.port, timeout=10)
            conn.request("GET", "/v1/executions?limit=50", headers=AUTH)
            response = conn.getresponse()
            announced = int(response.headers["Content-Length"])
            assert response.status == 200
            try:
                received.append(len(response.read()) == announced)
            except http.client.IncompleteRead as exc:
                assert 0 < len(exc.partial) < announced
                received.append(False)
            conn.close()
    assert received == [True, False, True, True]  # the 4th would be cut: budget spent
    assert [e["fault"] for e in api.request_log] == [None, "truncate", None, None]


def test_truncate_surfaces_in_requests_and_is_bounded():
    with make(Faults(truncate_every=2, max_faults=2)) as api:
        url = api.base_url + "/v1/executions"
        outcomes = []
        for _ in range(6):
            try:
                response = requests.get(url, headers=AUTH, timeout=10)
                response.json()
                outcomes.append("ok")
            except requests.exceptions.RequestException:
                outcomes.append("broken")
    assert outcomes == ["ok", "broken", "ok", "broken", "ok", "ok"]
    assert api.faults.injected_by_kind == {"truncate": 2}


def test_dropped_connection_has_no_response_and_is_bounded():
    with make(Faults(drop_every=2, max_faults=1)) as api:
        url = api.base_url + "/v1/executions"
        outcomes = []
        for _ in range(4):
            try:
                outcomes.append(requests.get(url, headers=AUTH, timeout=10).status_code)
            except requests.exceptions.ConnectionError:
                outcomes.append("dropped")
    assert outcomes == [200, "dropped", 200, 200]
    assert api.request_log[1]["status"] == 0 and api.request_log[1]["fault"] == "drop"


def test_redirect_to_another_host_keeps_path_and_query():
    with make(Faults()) as target:
        other = f"http://localhost:{target.port}"
        with make(Faults(redirect_to=other, max_faults=1)) as api:
            url = api.base_url + "/v1/executions?limit=5&status=success"
            hop = requests.get(url, headers=AUTH, timeout=10, allow_redirects=False)
            assert hop.status_code == 307
            assert hop.headers["Location"] == other + "/v1/executions?limit=5&status=success"
            assert hop.headers["X-Request-Id"]
            after = requests.get(url, headers=AUTH, timeout=10, allow_redirects=False)
            assert after.status_code == 200  # bounded
        # requests forwards a custom key header to another host (the trap the client avoids)
        api2 = make(Faults(redirect_to=other, max_faults=1)).start()
        try:
            followed = requests.get(
                api2.base_url + "/v1/executions?limit=5",
                headers={"X-API-Key": DEFAULT_API_KEY},
                timeout=10,
            )
        finally:
            api2.stop()
        assert followed.status_code == 200 and len(followed.json()["executions"]) == 5
        seen = target.request_log[-1]
        assert "x-api-key" in seen["headers"]
        assert DEFAULT_API_KEY not in repr(target.request_log)


def test_redirect_to_an_alias_on_the_same_host_then_serves():
    with make(Faults(redirect_same_host=True, max_faults=3)) as api:
        url = api.base_url + "/v1/executions?limit=4&offset=2"
        hop = requests.get(url, headers=AUTH, timeout=10, allow_redirects=False)
        assert hop.status_code == 307
        assert hop.headers["Location"] == api.base_url + "/v1/executions/?limit=4&offset=2"
        followed = requests.get(url, headers=AUTH, timeout=10)
        assert followed.status_code == 200
        assert [r.status_code for r in followed.history] == [307]
        ids = [r["id"] for r in followed.json()["executions"]]
        assert ids == api.truth["id"].tolist()[2:6]
        requests.get(url, headers=AUTH, timeout=10)  # third redirect: budget spent
        direct = requests.get(url, headers=AUTH, timeout=10, allow_redirects=False)
        assert direct.status_code == 200
    assert api.faults.injected_by_kind == {"redirect": 3}


def test_new_rows_appear_at_the_head_and_stop_at_the_budget():
    with make(Faults(new_rows_per_request=3, max_faults=2)) as api:
        before, now_before = api.truth, api.now
        pages = [
            requests.get(api.base_url + "/v1/executions", headers=AUTH, timeout=10).json()
            for _ in range(4)
        ]
        after = api.truth
    assert len(after) == len(before) + 6
    new = after[~after["id"].isin(before["id"])]
    assert new.index.tolist() == [0, 1, 2, 3, 4, 5]  # at the head (newest first)
    assert (new["created_at"] > before["created_at"].max()).all()
    assert (new["status"] == "created").all() and new["started_at"].isna().all()
    assert new["created_at"].is_unique and new["created_at"].max() <= api.now
    assert api.now > now_before
    heads = [[r["id"] for r in page["executions"][:3]] for page in pages]
    assert heads[0] == new["id"].tolist()[3:6] and heads[1] == new["id"].tolist()[0:3]
    assert heads[2] == heads[3] == heads[1]  # bounded: no more rows after two requests
    assert after["id"].is_unique


def test_in_flight_rows_move_along_and_stop_at_the_budget():
    with make(Faults(mutate_in_flight=2, max_faults=3)) as api:
        before = api.truth.set_index("id")
        in_flight = before[before["status"].isin(["created", "starting", "running"])]
        assert len(in_flight) >= 2
        for _ in range(5):
            requests.get(api.base_url + "/v1/executions", headers=AUTH, timeout=10)
        after = api.truth.set_index("id")
    assert api.faults.injected_by_kind == {"mutate": 3}
    changed = after.index[(after["status"] != before["status"]).to_numpy()]
    assert 2 <= len(changed) <= 6
    assert (after.loc[changed, "created_at"] == before.loc[changed, "created_at"]).all()
    order = {"created": 0, "starting": 1, "running": 1}
    for exec_id in changed:
        old, new = str(before.at[exec_id, "status"]), str(after.at[exec_id, "status"])
        assert order[old] < order.get(new, 2)
        row = after.loc[exec_id]
        assert row["started_at"] >= row["created_at"]
        if new in ("success", "completed"):
            assert row["execution_cost"] > 0 and isinstance(row["output"], str)
        if new in schema.FAILED_STATUSES:
            assert row["error_classification"] == "provider_error"
        if pd.notna(row["completed_at"]):
            expected = (row["completed_at"] - row["started_at"]).total_seconds()
            assert row["run_time"] == pytest.approx(expected, abs=1e-6)
            assert row["completed_at"] <= api.now


def test_ignore_offset_serves_the_first_page_and_is_bounded():
    with make(Faults(ignore_offset=True, max_faults=1)) as api:
        url = api.base_url + "/v1/executions"
        first = requests.get(url, headers=AUTH, params={"limit": 10}, timeout=10).json()
        ignored = requests.get(url, headers=AUTH, params={"limit": 10, "offset": 10}, timeout=10)
        honoured = requests.get(url, headers=AUTH, params={"limit": 10, "offset": 10}, timeout=10)
        ids = api.truth["id"].tolist()
    assert ignored.json()["executions"] == first["executions"]
    assert ignored.json()["offset"] == 10  # the body still echoes the requested offset
    assert [r["id"] for r in honoured.json()["executions"]] == ids[10:20]
    assert api.faults.injected_by_kind == {"ignore_offset": 1}


def test_every_nth_counts_all_requests_server_wide():
    with make(Faults(rate_limit_every=3)) as api:
        url = api.base_url
        codes = [
            requests.get(url + "/v1/executions", timeout=10).status_code,  # 401
            requests.get(url + "/elsewhere", headers=AUTH, timeout=10).status_code,  # 404
            requests.get(url + "/v1/executions", headers=AUTH, timeout=10).status_code,  # 3rd
        ]
    assert codes == [401, 404, 429]


def test_faults_can_be_flipped_while_serving():
    with make(Faults()) as api:
        assert statuses(api, 2) == [200, 200]
        api.faults.rate_limit_every = 1
        api.faults.max_faults = 1
        assert statuses(api, 2) == [429, 200]


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"latency": -0.1}, "latency"),
        ({"rate_limit_every": -1}, "rate_limit_every"),
        ({"drop_every": 1.5}, "drop_every"),
        ({"server_error_burst": 0}, "server_error_burst"),
        ({"retry_after": "soon"}, "retry_after"),
        ({"max_faults": -1}, "max_faults"),
        ({"redirect_to": "ftp://x"}, "redirect_to"),
        ({"new_rows_per_request": True}, "new_rows_per_request"),
    ],
)
def test_bad_fault_values_are_refused(kwargs, name):
    with pytest.raises(ValueError, match=f"Faults.{name}"):
        Faults(**kwargs)


def test_concurrent_clients_with_changing_data_keep_the_rows_consistent(openapi_validator):
    from concurrent.futures import ThreadPoolExecutor

    validator = openapi_validator("ListExecutionsResponse")
    with make(Faults(new_rows_per_request=2, mutate_in_flight=1)) as api:
        initial = len(api.truth)

        def worker(k: int) -> list[dict]:
            with requests.Session() as http:
                return [
                    http.get(
                        api.base_url + "/v1/executions",
                        params={"limit": 50, "offset": (k * 7 + i) % 300},
                        headers=AUTH,
                        timeout=10,
                    ).json()
                    for i in range(15)
                ]

        with ThreadPoolExecutor(4) as pool:
            bodies = [body for batch in pool.map(worker, range(4)) for body in batch]
        truth = api.truth
    for body in bodies:
        validator.validate(body)
    assert len(truth) == initial + 2 * 60
    assert truth["id"].is_unique
    manual = truth.sort_values(["created_at", "id"], ascending=False, ignore_index=True)
    assert truth["id"].tolist() == manual["id"].tolist()
    assert truth["created_at"].max() <= api.now
