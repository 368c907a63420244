"""The sandbox's account endpoints: balance, model catalogue with list prices, workflows.

Expected values come from the catalogue's own numbers (``local_api.catalog``), the ground
truth frame (``api.truth``) and plain pandas, never from the modules that build the answers.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

from eachlabs_analytics.local_api import DEFAULT_API_KEY, Faults, Incident, Sandbox, catalog
from eachlabs_analytics.local_api.generator import generate_executions
from eachlabs_analytics.local_api.incidents import inject_incidents

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
END = "2026-10-31T00:00:00Z"
FREE = "eachlabs-face-detect"
UNITS = {
    "execution", "second", "processing_second", "minute", "hour", "image", "megapixel",
    "million_tokens", "character", "step", "generation",
}  # fmt: skip
COST_KEYS = {"currency", "type", "amount", "unit", "estimate", "min", "max", "depends_on", "rows"}
PAGE_KEYS = {"title", "slug", "version", "output_type", "request_schema", "cost"}
IN_FLIGHT = {"created", "starting", "running"}


@pytest.fixture(scope="module")
def api():
    """Read-only: models and workflows only (balance tests start their own sandbox, since
    the balance's rate limit is the sandbox's state)."""
    with Sandbox(executions=2_000, seed=5, end=END) as running:
        yield running


@pytest.fixture(scope="module")
def http():
    with requests.Session() as session:
        yield session


def get(http: requests.Session, api: Sandbox, path: str, **kwargs: Any) -> requests.Response:
    return http.get(api.base_url + path, timeout=10, **kwargs)


@pytest.fixture(scope="module")
def pages(api, http) -> dict[str, dict]:
    slugs = [m["slug"] for m in get(http, api, "/v1/models").json()]
    return {slug: get(http, api, f"/v1/models/{slug}").json() for slug in slugs}


# --- models -----------------------------------------------------------------------------------
def test_the_catalogue_lists_every_model_with_no_cost(api, http):
    response = get(http, api, "/v1/models")
    assert response.status_code == 200 and response.headers["X-Request-Id"]
    listed = response.json()
    assert all(set(m) == {"title", "slug", "output_type"} for m in listed)
    slugs = [m["slug"] for m in listed]
    assert len(slugs) == len(set(slugs))
    assert set(slugs) == set(catalog.MODELS) | {FREE}
    assert FREE not in set(api.truth["model"])  # listed, never run


def test_every_page_has_the_documented_fields(pages):
    for slug, page in pages.items():
        assert set(page) == PAGE_KEYS and page["slug"] == slug
        assert page["request_schema"]["type"] == "object"
        cost = page["cost"]
        if cost is None:
            continue
        assert set(cost) == COST_KEYS and cost["currency"] == "USD"
        assert cost["type"] in ("fixed", "usage_based")
        assert cost["unit"] is None or cost["unit"] in UNITS
        if cost["type"] == "fixed":
            assert cost["amount"] >= 0 and cost["min"] is None and cost["max"] is None
        else:
            assert cost["amount"] is None
            assert (cost["min"] is None) == (cost["max"] is None)
            assert cost["min"] is None or cost["min"] <= cost["max"]
        for row in cost["rows"] or []:
            assert set(row) == {"label", "value"} and all(isinstance(v, str) for v in row.values())


def test_every_documented_cost_shape_is_in_the_catalogue(pages):
    costs = {slug: page["cost"] for slug, page in pages.items()}
    shapes = {
        "fixed per execution": lambda c: c["type"] == "fixed" and c["amount"] > 0,
        "free": lambda c: c["type"] == "fixed" and c["amount"] == 0,
        "per second, tiers": lambda c: c["unit"] == "second" and c["rows"] and c["depends_on"],
        "per megapixel, tiers": lambda c: c["unit"] == "megapixel" and len(c["rows"]) >= 2,
        "per character, min = max": lambda c: c["unit"] == "character" and c["min"] == c["max"],
        "estimate only": lambda c: (
            c["type"] == "usage_based" and c["unit"] is None and c["min"] is None and c["estimate"]
        ),
    }
    found = {
        name: sorted(s for s, c in costs.items() if c and test(c)) for name, test in shapes.items()
    }
    assert all(found.values()), found
    assert found["free"] == [FREE]
    assert [s for s, c in costs.items() if c is None] == [catalog.ROUTER_MODEL]


def test_list_prices_follow_the_catalogue(pages):
    for slug in ("flux-1-1-pro", "nano-banana-pro", "eachlabs-bg-remover-v1", "kling-3-0"):
        cost = pages[slug]["cost"]
        assert (cost["type"], cost["unit"]) == ("fixed", "execution")
        assert cost["amount"] == catalog.MODELS[slug].price
    for slug in ("veo-3", "veo3-1-fast", "sora-2-pro"):
        model = catalog.MODELS[slug]
        cost = pages[slug]["cost"]
        assert cost["min"] == pytest.approx(0.6 * model.price / model.run_median)
        assert cost["max"] == pytest.approx(1.6 * model.price / model.run_median)
        assert [r["label"] for r in cost["rows"]] == ["720p", "1080p"]
    tts = pages["elevenlabs-tts"]["cost"]
    assert tts["min"] == pytest.approx(catalog.TTS_PRICE_PER_CHAR, rel=1e-9)


def test_an_unknown_model_answers_404(api, http, openapi_validator):
    for headers in ({}, AUTH):
        response = get(http, api, "/v1/models/no-such-model", headers=headers)
        assert response.status_code == 404
        assert response.json()["error"] == "model not found"
        assert response.headers["X-Request-Id"]
        openapi_validator("Error").validate(response.json())


def test_model_routes_answer_get_only_and_take_a_trailing_slash(api, http):
    post = http.post(api.base_url + "/v1/models", timeout=10)
    assert post.status_code == 405 and post.headers["Allow"] == "GET"
    assert get(http, api, "/v1/models/").json() == get(http, api, "/v1/models").json()
    assert get(http, api, "/v1/models/veo-3/").json()["slug"] == "veo-3"


def test_models_need_no_key_ignore_a_wrong_one_and_log_whether_one_was_sent(api, http):
    sent = [
        ({}, False),
        ({"Authorization": "Bearer smk_wrong"}, True),
        ({"X-API-Key": DEFAULT_API_KEY}, True),
        ({"Accept": "application/json"}, False),
    ]
    for headers, carried in sent:
        response = get(http, api, "/v1/models/flux-2-pro", headers=headers)
        assert response.status_code == 200
        entry = api.request_log[-1]
        assert entry["path"] == "/v1/models/flux-2-pro"
        assert entry["key_sent"] is carried, headers
    in_query = get(http, api, "/v1/models", params={"api_key": DEFAULT_API_KEY})
    assert in_query.status_code == 200 and api.request_log[-1]["key_sent"] is True
    assert DEFAULT_API_KEY not in repr(api.request_log)


def test_unknown_paths_name_the_account_routes(api, http):
    message = get(http, api, "/v1/nothing", headers=AUTH).json()["error"]
    for path in ("/v1/billing/balance", "/v1/models/{slug}", "/v1/workflows", "/v2/executions"):
        assert f"GET {path}" in message


# --- workflows -------------------------------------------------------------------------------
def all_workflows(http: requests.Session, api: Sandbox, limit: int) -> list[dict]:
    """Page with ``limit`` until a short page; every page's offset is the next start."""
    rows: list[dict] = []
    offset = 0
    for _ in range(1_000):
        params = {"limit": limit, "offset": offset}
        response = get(http, api, "/v1/workflows", params=params, headers=AUTH)
        assert response.status_code == 200
        body = response.json()
        page = body["workflows"]
        rows += page
        if len(page) < limit:
            assert "offset" not in body
            return rows
        assert body["offset"] == offset + limit
        offset = body["offset"]
    raise AssertionError("the listing never ended")


def test_workflows_need_a_key(api, http, openapi_validator):
    for headers in ({}, {"Authorization": "Bearer smk_wrong"}):
        response = get(http, api, "/v1/workflows", headers=headers)
        assert response.status_code == 401
        openapi_validator("Error").validate(response.json())
    ok = get(http, api, "/v1/workflows", headers={"X-API-Key": DEFAULT_API_KEY})
    assert ok.status_code == 200 and api.request_log[-1]["key_sent"] is True


@pytest.mark.parametrize("limit", [1, 2, 3, 4])
def test_small_pages_list_every_workflow_exactly_once(api, http, limit):
    whole = get(http, api, "/v1/workflows", headers=AUTH).json()
    rows = all_workflows(http, api, limit)
    ids = [w["workflow_id"] for w in rows]
    assert len(ids) == len(set(ids)) == whole["total_count"] == len(whole["workflows"])
    assert ids == [w["workflow_id"] for w in whole["workflows"]]
    stamps = [w["created_at"] for w in rows]
    assert stamps == sorted(stamps, reverse=True)  # newest first


def test_a_full_last_page_is_followed_by_an_empty_one(api, http):
    total = get(http, api, "/v1/workflows", headers=AUTH).json()["total_count"]
    full = get(http, api, "/v1/workflows", params={"limit": total}, headers=AUTH).json()
    assert len(full["workflows"]) == total and full["offset"] == total
    after = get(http, api, "/v1/workflows", params={"offset": total}, headers=AUTH).json()
    assert after["workflows"] == [] and "offset" not in after


def test_listed_workflows_against_the_ground_truth(api, http):
    rows = all_workflows(http, api, 100)
    truth = api.truth
    ran = truth.dropna(subset=["workflow_id"])
    runs = ran.groupby(ran["workflow_id"].astype(str))["workflow_execution_id"].nunique()
    listed = {w["workflow_id"]: w for w in rows}
    assert len(set(runs.index) - set(listed)) == 1  # one deleted workflow is not listed
    never_ran = [w for w in rows if w["workflow_id"] not in runs.index]
    assert len(never_ran) >= 3 and all(w["trigger_count"] == 0 for w in never_ran)
    for wid, count in runs.items():
        if wid in listed:
            assert listed[wid]["trigger_count"] == count
    steps = {name: set(models) for name, models, _ in catalog.WORKFLOWS}
    for wid in set(runs.index) & set(listed):
        models = set(ran.loc[ran["workflow_id"] == wid, "model"].astype(str))
        assert models <= steps[listed[wid]["slug"]]  # the name is the workflow that ran
    assert all(w["name"] and not w["name"].startswith("Untitled") for w in rows)


def test_limit_over_100_is_capped(http):
    n = 150  # more workflows than one page may hold
    stamps = pd.date_range("2026-10-01", periods=n, freq="h", tz="UTC")
    frame = pd.DataFrame({
        "id": [f"exec_{i:04d}" for i in range(n)], "model": "flux-2-pro", "status": "success",
        "created_at": stamps, "workflow_id": [f"wf_{i:04d}" for i in range(n)],
        "workflow_execution_id": [f"run_{i:04d}" for i in range(n)],
        "execution_cost": 0.05,
    })  # fmt: skip
    with Sandbox(data=frame) as own:
        for limit in (101, 500):
            body = get(http, own, "/v1/workflows", params={"limit": limit}, headers=AUTH).json()
            assert len(body["workflows"]) == 100 and body["offset"] == 100
            assert body["total_count"] == n - 1 + 4  # one left out, four never run
        default = get(http, own, "/v1/workflows", params={"limit": ""}, headers=AUTH).json()
        assert len(default["workflows"]) == 50 and default["offset"] == 50
        names = [w["name"] for w in all_workflows(http, own, 100)]
        assert sum(name.startswith("Untitled workflow") for name in names) == n - 1


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": -1}, {"limit": "ten"}, {"limit": 1.5}, {"offset": -1},
               {"offset": "x"}]
)  # fmt: skip
def test_a_bad_limit_or_offset_answers_400(api, http, openapi_validator, params):
    response = get(http, api, "/v1/workflows", params=params, headers=AUTH)
    assert response.status_code == 400
    body = response.json()
    openapi_validator("Error").validate(body)
    (name,) = params
    assert body["details"]["parameter"] == name and name in body["error"]


# --- balance ---------------------------------------------------------------------------------
def balance(http: requests.Session, api: Sandbox, **kwargs: Any) -> requests.Response:
    return get(http, api, "/v1/billing/balance", headers=kwargs.pop("headers", AUTH), **kwargs)


def test_the_default_balance_is_ten_days_of_recent_spend(http):
    with Sandbox(executions=2_000, seed=5, end=END) as own:
        truth, now = own.truth, own.now
        recent = (truth["created_at"] >= now - pd.Timedelta(days=28)) & (truth["created_at"] < now)
        expected = round(10 * truth.loc[recent, "execution_cost"].sum() / 28, 2)
        assert expected > 0
        response = balance(http, own)
        assert response.status_code == 200
        assert response.json() == {"balance_usd": expected} and own.balance_usd == expected


def test_the_balance_goes_down_by_what_the_live_faults_complete(http):
    faults = Faults(new_rows_per_request=3, mutate_in_flight=4, balance_rate_limit=False)
    with Sandbox(executions=1_000, seed=2, end=END, faults=faults, balance_usd=100) as own:
        before_truth = own.truth
        before = balance(http, own).json()["balance_usd"]
        assert before == 100
        for _ in range(8):
            assert get(http, own, "/v2/executions", headers=AUTH).status_code == 200
        after = balance(http, own).json()["balance_usd"]
        after_truth = own.truth
    cost = after_truth.set_index("id")["execution_cost"]
    was = before_truth.set_index("id")["execution_cost"].reindex(cost.index, fill_value=0.0)
    charged = cost - was
    assert (charged >= 0).all() and charged.sum() > 0
    was_in_flight = before_truth.loc[before_truth["status"].isin(IN_FLIGHT), "id"]
    new = ~cost.index.isin(before_truth["id"])
    assert set(charged.index[charged > 0]) <= set(was_in_flight) | set(cost.index[new])
    assert before - after == pytest.approx(charged.sum(), abs=1e-6)
    assert own.balance_usd == after


def test_three_requests_a_second_then_429_with_retry_after_1(http, openapi_validator):
    with Sandbox(executions=200, seed=1, end=END) as own:
        for _ in range(3):  # refused keys count for nothing
            assert balance(http, own, headers={}).status_code == 401
        responses = [balance(http, own) for _ in range(4)]
        assert [r.status_code for r in responses] == [200, 200, 200, 429]
        limited = responses[-1]
        assert limited.headers["Retry-After"] == "1" and limited.headers["X-Request-Id"]
        openapi_validator("Error").validate(limited.json())
        assert "balance_usd" not in limited.json()
        time.sleep(1.0)  # what Retry-After asks for: then it answers again
        assert balance(http, own).status_code == 200
        assert own.faults.injected == 0  # the endpoint's rule, not a fault
        own.faults.balance_rate_limit = False
        assert {balance(http, own).status_code for _ in range(6)} == {200}


def test_an_unavailable_balance_answers_503_counted_as_a_fault(http, openapi_validator):
    faults = Faults(balance_unavailable=True, max_faults=2, retry_after=2)
    with Sandbox(executions=200, seed=1, end=END, faults=faults, balance_usd=0) as own:
        responses = [balance(http, own) for _ in range(3)]
        assert [r.status_code for r in responses] == [503, 503, 200]
        assert responses[0].headers["Retry-After"] == "2"
        openapi_validator("Error").validate(responses[0].json())
        assert "unknown" in responses[0].json()["error"]
        assert responses[2].json() == {"balance_usd": 0.0}  # zero is a value, 503 is not
        assert own.faults.injected_by_kind == {"balance_unavailable": 2}


def test_the_balance_can_be_set_to_zero_or_negative(http):
    with Sandbox(executions=200, seed=1, end=END, balance_usd=12.5) as own:
        assert balance(http, own).json() == {"balance_usd": 12.5}
        own.balance_usd = -3.25
        assert balance(http, own).json() == {"balance_usd": -3.25}
    for bad in ("12", float("inf"), True):
        with pytest.raises(ValueError, match="balance_usd"):
            Sandbox(executions=10, seed=1, end=END, balance_usd=bad)
    with pytest.raises(ValueError, match="balance_unavailable"):
        Faults(balance_unavailable="yes")  # type: ignore[arg-type]


def test_generic_faults_apply_to_the_new_routes(http):
    faults = Faults(rate_limit_every=2, server_error_every=5, max_faults=3)
    with Sandbox(executions=200, seed=1, end=END, faults=faults) as own:
        paths = ["/v1/models", "/v1/models/veo-3", "/v1/workflows", "/v1/billing/balance",
                 "/v1/models", "/v1/workflows"]  # fmt: skip
        codes = [get(http, own, p, headers=AUTH).status_code for p in paths]
        assert codes == [200, 429, 200, 429, 503, 200]
        assert own.faults.injected_by_kind == {"rate_limit": 2, "server_error": 1}


# --- a price change moves the list price ---------------------------------------------------
def test_a_price_change_in_effect_moves_the_list_price(http):
    frame = generate_executions(3_000, seed=2, end=END)
    start = pd.Timestamp("2026-10-20", tz="UTC")
    changes = [
        Incident("price_change", start, group="flux-2-pro", magnitude=3.0),  # to the end
        Incident("price_change", "2026-10-01", "2026-10-08", group="kling-3-0", magnitude=2.0),
    ]
    hit, _ = inject_incidents(frame, changes)
    with Sandbox(data=hit) as own:
        flux = get(http, own, "/v1/models/flux-2-pro").json()["cost"]
        kling = get(http, own, "/v1/models/kling-3-0").json()["cost"]
        veo = get(http, own, "/v1/models/veo-3").json()["cost"]
        truth = own.truth
    assert flux["amount"] == pytest.approx(3 * catalog.MODELS["flux-2-pro"].price)
    assert flux["estimate"] == "$0.15 per execution"
    assert kling["amount"] == catalog.MODELS["kling-3-0"].price  # that change has ended
    model = catalog.MODELS["veo-3"]
    assert veo["min"] == pytest.approx(0.6 * model.price / model.run_median)
    # the list moved with the charge: the typical charge since the change is the list price
    charged = truth.loc[
        (truth["model"] == "flux-2-pro") & (truth["status"] == "success")
        & (truth["created_at"] >= start),
        "execution_cost",
    ]  # fmt: skip
    assert len(charged) > 5 and np.median(charged) == pytest.approx(flux["amount"])
