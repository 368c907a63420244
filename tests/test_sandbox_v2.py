"""The sandbox's today's API: v2 cursor pages, v1's 1,000-row limit, modes and retention.

Expected rows come from pandas over the sandbox's ground truth; v2 bodies are validated
against the sandbox's own OpenAPI document (``local_api/openapi.json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from eachlabs_analytics.local_api import DEFAULT_API_KEY, Faults, Sandbox, generate_executions
from tests.conftest import _format_checker, _nullable_to_json_schema

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
END = "2026-10-31T00:00:00Z"
WINDOW = {"from": "2026-09-01T00:00:00Z", "to": "2026-10-30T23:59:59.999999Z"}
DOCUMENT = Path(__file__).parents[1] / "eachlabs_analytics" / "local_api" / "openapi.json"


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return generate_executions(executions=2_500, seed=4, end=END, days=60)


@pytest.fixture(scope="module")
def v2_validator():
    jsonschema = pytest.importorskip("jsonschema")
    document = json.loads(DOCUMENT.read_text())
    defs = {
        name: _nullable_to_json_schema(schema)
        for name, schema in document["components"]["schemas"].items()
    }
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": defs,
        "$ref": "#/$defs/ListExecutionsV2Response",
    }
    return jsonschema.Draft202012Validator(root, format_checker=_format_checker())


def get(api: Sandbox, params: dict[str, Any], path: str = "/v2/executions") -> requests.Response:
    return requests.get(api.base_url + path, params=params, headers=AUTH, timeout=10)


def traverse(api: Sandbox, params: dict[str, Any], limit: int = 100) -> tuple[list[dict], int]:
    """Every row of one v2 traversal, and how many pages it took."""
    rows: list[dict] = []
    cursor, pages = None, 0
    while True:
        response = get(api, {**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        rows.extend(body["executions"])
        pages += 1
        if not body["has_more"]:
            assert body["next_cursor"] is None
            return rows, pages
        cursor = body["next_cursor"]
        assert isinstance(cursor, str) and cursor


def expected(truth: pd.DataFrame, start: str, end: str, **equal: str) -> list[str]:
    frame = truth[(truth["created_at"] >= pd.Timestamp(start)) & (truth["created_at"] <= end)]
    for column, value in equal.items():
        frame = frame[frame[column] == value]
    return frame.sort_values(["created_at", "id"], ascending=False)["id"].tolist()


def test_a_traversal_returns_the_window_newest_first_and_validates(truth, v2_validator):
    with Sandbox(data=truth) as api:
        first = get(api, {**WINDOW, "limit": 100})
        v2_validator.validate(first.json())
        assert set(first.json()) == {"executions", "has_more", "next_cursor"}  # no total
        rows, pages = traverse(api, WINDOW)
        model_rows, _ = traverse(api, {**WINDOW, "model": "flux-2-pro"}, limit=37)
    want = expected(truth, WINDOW["from"], WINDOW["to"])
    assert [r["id"] for r in rows] == want and pages == -(-len(want) // 100)
    assert [r["id"] for r in model_rows] == expected(
        truth, WINDOW["from"], WINDOW["to"], model="flux-2-pro"
    )


def test_keyset_cursors_survive_ties_smaller_than_a_page(truth):
    frame = truth.copy()
    tied = frame.index[:25]  # 25 newest rows share one instant: pages of 7 cut inside them
    frame.loc[tied, "created_at"] = frame.loc[0, "created_at"]
    with Sandbox(data=frame) as api:
        rows, _ = traverse(api, {"from": "2020-01-01T00:00:00Z"}, limit=7)
        served = api.truth
    ordered = served.sort_values(["created_at", "id"], ascending=False)["id"].tolist()
    assert [r["id"] for r in rows] == ordered


def test_rows_inserted_at_the_head_never_shift_a_traversal(truth):
    faults = Faults(new_rows_per_request=7)
    with Sandbox(data=truth, faults=faults) as api:
        before = expected(api.truth, "2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z")
        rows, pages = traverse(api, {"from": "2020-01-01T00:00:00Z"})
        grew = len(api.truth) - len(truth)
    ids = [r["id"] for r in rows]
    assert grew == 7 * pages
    # the rows inserted before the first page are in it; every older row exactly once, in order
    assert len(ids) == len(set(ids))
    assert [i for i in ids if i in set(before)] == before


@pytest.mark.parametrize(
    ("tamper", "reason", "message"),
    [
        (lambda c: "garbage", "malformed", "malformed"),
        (lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"), "foreign", "not issued"),
        (lambda c: "eyJ0IjoxfQ." + c.split(".")[1], "foreign", "not issued"),
    ],
    ids=["garbage", "bad-signature", "forged-payload"],
)
def test_bad_cursors_are_refused_naming_the_problem_and_counted(truth, tamper, reason, message):
    with Sandbox(data=truth) as api:
        cursor = get(api, {**WINDOW, "limit": 100}).json()["next_cursor"]
        response = get(api, {**WINDOW, "limit": 100, "cursor": tamper(cursor)})
        assert response.status_code == 400
        body = response.json()
        assert message in body["error"] and body["details"]["reason"] == reason
        assert [m["reason"] for m in api.cursor_misuse] == [reason]
        assert response.headers["X-Request-Id"] == api.cursor_misuse[0]["request_id"]
        api.cursor_misuse.clear()  # on purpose: the suite checks every test ends with none


@pytest.mark.parametrize(
    "changed",
    [
        {"model": "veo-3"},
        {"limit": 50},
        {"status": "error"},
        {"to": "2026-10-29T00:00:00Z"},
        {"from": None},
    ],  # fmt: skip
    ids=["model", "limit", "status", "to", "from-dropped"],
)
def test_a_cursor_sent_with_other_filters_or_limit_is_refused(truth, changed):
    with Sandbox(data=truth) as api:
        params = {**WINDOW, "limit": 100}
        cursor = get(api, params).json()["next_cursor"]
        other = {k: v for k, v in {**params, **changed, "cursor": cursor}.items() if v is not None}
        response = get(api, other)
        assert response.status_code == 400
        assert "other filters or another limit" in response.json()["error"]
        # the same filters spelled differently (an offset instead of Z) are the same filters
        same = {**params, "from": "2026-09-01T02:00:00+02:00", "cursor": cursor}
        assert get(api, same).status_code == 200
        assert [m["reason"] for m in api.cursor_misuse] == ["mismatch"]
        api.cursor_misuse.clear()


def test_a_cursor_from_another_sandbox_is_foreign(truth):
    with Sandbox(data=truth) as one, Sandbox(data=truth) as other:
        cursor = get(one, {**WINDOW, "limit": 100}).json()["next_cursor"]
        response = get(other, {**WINDOW, "limit": 100, "cursor": cursor})
        assert response.status_code == 400 and other.cursor_misuse[0]["reason"] == "foreign"
        other.cursor_misuse.clear()


def test_v2_refuses_offset_and_validates_like_v1(truth):
    with Sandbox(data=truth) as api:
        offset = get(api, {"offset": 100})
        assert offset.status_code == 400 and "cursor" in offset.json()["error"]
        for params, name in (({"limit": 0}, "limit"), ({"status": "done"}, "status"),
                             ({"from": "2026-10-01"}, "from")):  # fmt: skip
            response = get(api, params)
            assert response.status_code == 400 and name in response.json()["error"]
        unauthorized = requests.get(api.base_url + "/v2/executions", timeout=10)
        assert unauthorized.status_code == 401 and unauthorized.headers["X-Request-Id"]


def test_v1_refuses_rows_past_the_first_1000_with_the_vendor_message(truth):
    with Sandbox(data=truth) as api:
        assert get(api, {"limit": 100, "offset": 900}, "/v1/executions").status_code == 200
        refused = get(api, {"limit": 100, "offset": 901}, "/v1/executions")
        assert refused.status_code == 400
        assert "V1 execution pagination is limited to 1000 rows" in refused.json()["error"]
        assert "v2" in refused.json()["error"]
    with Sandbox(data=truth, v1_row_limit=None) as old:
        deep = get(old, {"limit": 100, "offset": 2000, "from": "2020-01-01T00:00:00Z"},
                   "/v1/executions")  # fmt: skip
        assert deep.status_code == 200 and len(deep.json()["executions"]) == 100


@pytest.mark.parametrize(("mode", "v1", "v2"), [("both", 200, 200), ("v1", 200, 404),
                                                 ("v2", 404, 200)])  # fmt: skip
def test_api_modes_serve_one_or_both_listings(truth, mode, v1, v2):
    with Sandbox(data=truth, api=mode) as api:
        assert get(api, {"limit": 1}, "/v1/executions").status_code == v1
        missing = get(api, {"limit": 1}, "/v2/executions")
        assert missing.status_code == v2
        if v2 == 404:
            assert "/v1/executions" in missing.json()["error"]


def test_retention_hides_old_rows_from_both_listings_but_not_from_the_truth(truth):
    with Sandbox(data=truth) as api:
        everything, _ = traverse(api, {"from": "2020-01-01T00:00:00Z"})
        api.retention_days = 10
        kept, _ = traverse(api, {"from": "2020-01-01T00:00:00Z"})
        v1 = get(api, {"limit": 100, "from": "2020-01-01T00:00:00Z"}, "/v1/executions").json()
        assert len(api.truth) == len(truth)
    horizon = pd.Timestamp(END) - pd.Timedelta(days=10)
    assert len(everything) == len(truth)
    assert [r["id"] for r in kept] == expected(truth, str(horizon), "2030-01-01T00:00:00Z")
    assert 0 < len(kept) < len(truth)
    assert v1["total_count"] == min(len(kept), 1000)
    with pytest.raises(ValueError, match="retention_days"):
        Sandbox(data=truth, retention_days=0)


def test_an_expired_cursor_is_a_fault_not_misuse(truth):
    with Sandbox(data=truth, faults=Faults(expire_cursor_every=1, max_faults=1)) as api:
        cursor = get(api, {**WINDOW, "limit": 100}).json()["next_cursor"]
        expired = get(api, {**WINDOW, "limit": 100, "cursor": cursor})
        assert expired.status_code == 400 and "expired" in expired.json()["error"]
        assert get(api, {**WINDOW, "limit": 100, "cursor": cursor}).status_code == 200
        assert api.cursor_misuse == [] and api.faults.injected_by_kind == {"expire_cursor": 1}


def test_the_openapi_document_is_served_without_a_key():
    with Sandbox(executions=10, seed=1, end=END) as api:
        served = requests.get(api.base_url + "/openapi.json", timeout=10)
    assert served.status_code == 200
    document = served.json()
    assert document == json.loads(DOCUMENT.read_text())
    assert set(document["paths"]) == {"/v1/executions", "/v2/executions"}
    v2 = document["paths"]["/v2/executions"]["get"]
    names = {p["name"] for p in v2["parameters"]}
    assert "cursor" in names and "offset" not in names
    assert document["paths"]["/v1/executions"]["get"]["deprecated"] is True


def test_every_fault_applies_to_v2_too(truth):
    faults = Faults(rate_limit_every=2, retry_after=0, max_faults=1)
    with Sandbox(data=truth, faults=faults) as api:
        statuses = [get(api, {"limit": 1}).status_code for _ in range(3)]
    assert statuses == [200, 429, 200]
    with Sandbox(data=truth, faults=Faults(truncate_every=1, max_faults=1)) as api:
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            get(api, {"limit": 100})
        assert get(api, {"limit": 100}).status_code == 200


def test_repr_names_the_mode(truth):
    with Sandbox(data=truth, api="v2") as api:
        assert "api=v2" in repr(api) and DEFAULT_API_KEY not in repr(api)
    with pytest.raises(ValueError, match="api must be one of both, v1, v2"):
        Sandbox(data=truth, api="v3")
    with pytest.raises(ValueError, match="v1_row_limit"):
        Sandbox(data=truth, v1_row_limit=0)
