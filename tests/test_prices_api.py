"""``ea.model_prices`` against a scripted fake of ``GET /v1/models`` and
``GET /v1/models/{slug}`` (tests/fake_reference_api.py): every documented cost shape read as
published (a null number NA, never 0; a null cost "none", never free), 404s left out and
said, retries, the exact columns and dtypes, and no key on any of these requests."""

from __future__ import annotations

import warnings

import orjson
import pandas as pd
import pytest

import eachlabs_analytics as ea
from eachlabs_analytics import schema
from eachlabs_analytics.loader.prices import PRICE_COLUMNS
from tests.fake_reference_api import (
    KEY,
    MODELS,
    NOW,
    ReferenceAPI,
    model_body,
    mounted_session,
    serve_http,
)

BASE = "https://api.example.test"
EXPECTED_DTYPES = {
    "slug": "string", "title": "string", "cost_type": "string", "currency": "string",
    "amount": "Float64", "unit": "string", "min": "Float64", "max": "Float64",
    "depends_on": "string", "tiers": "object", "estimate": "string",
    "fetched_at": "datetime64[us, UTC]",
}  # fmt: skip


def client_for(api: ReferenceAPI, **options) -> ea.Client:
    client = ea.Client(
        api_key=options.pop("api_key", KEY),
        base_url=BASE,
        session=mounted_session(api),
        backoff=0.0,
        **options,
    )
    client._sleep = lambda seconds: None
    return client


def expected(slug: str) -> dict:
    """The row of ``slug`` written out from the fake's cost object by hand."""
    cost = MODELS[slug]
    row = {"slug": slug, "title": model_body(slug, None)["title"], "tiers": (),
           "fetched_at": pd.Timestamp(NOW)}  # fmt: skip
    if cost is None:
        return {**row, "cost_type": "none", "currency": None, "amount": None, "unit": None,
                "min": None, "max": None, "depends_on": None, "estimate": None}  # fmt: skip
    tiers = tuple((t["label"], t["value"]) for t in cost["rows"] or [])
    return {**row, "cost_type": cost["type"], "currency": cost["currency"],
            "amount": cost["amount"], "unit": cost["unit"], "min": cost["min"],
            "max": cost["max"], "depends_on": cost["depends_on"], "tiers": tiers,
            "estimate": cost["estimate"]}  # fmt: skip


def as_plain(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values, NA as None (to compare with hand-written rows)."""
    return [
        {name: (None if not isinstance(v, tuple) and pd.isna(v) else v) for name, v in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]


def test_every_cost_shape_is_read_as_published():
    api = ReferenceAPI()
    prices = ea.model_prices(list(MODELS), client=client_for(api))
    assert prices.dtypes.astype(str).to_dict() == EXPECTED_DTYPES == PRICE_COLUMNS
    assert list(prices.columns) == list(EXPECTED_DTYPES)
    assert as_plain(prices) == [expected(slug) for slug in sorted(MODELS)]
    assert prices.attrs["not_found"] == [] and prices.attrs["fetched_at"] == "2026-10-31T12:00:00Z"
    assert "malformed_values" not in prices.attrs


def test_unknown_is_na_never_zero_and_free_is_fixed_zero():
    prices = ea.model_prices(list(MODELS), client=client_for(ReferenceAPI())).set_index("slug")
    router = prices.loc["eachlabs-llm-router"]
    assert router["cost_type"] == "none" and pd.isna(router["amount"])
    assert pd.isna(router["min"]) and pd.isna(router["max"]) and router["tiers"] == ()
    free = prices.loc["eachlabs-face-detect"]
    assert free["cost_type"] == "fixed" and free["amount"] == 0.0
    unknown_amount = prices.loc["pixverse-v4-1"]
    assert unknown_amount["cost_type"] == "fixed" and pd.isna(unknown_amount["amount"])
    music = prices.loc["mureka-generate-music"]
    assert music["cost_type"] == "usage_based" and pd.isna(music["unit"])
    assert pd.isna(music["min"]) and music["estimate"] == "varies with length"
    # only the free model reads as 0: every other NA stayed NA through the Float64 columns
    assert (prices["amount"] == 0).sum() == 1
    assert prices["amount"].isna().sum() == sum(
        1 for cost in MODELS.values() if cost is None or cost["amount"] is None
    )


def test_none_reads_every_slug_of_the_catalogue():
    api = ReferenceAPI()
    prices = ea.model_prices(client=client_for(api))
    assert prices["slug"].tolist() == sorted(MODELS)
    assert api.requests[0].path == "/v1/models"
    asked = sorted(r.path.removeprefix("/v1/models/") for r in api.seen("/v1/models/"))
    assert asked == sorted(MODELS)  # one request per slug, each once


def test_a_404_slug_is_left_out_listed_and_warned():
    api = ReferenceAPI(catalogue=[*MODELS, "retired-model"])
    with pytest.warns(UserWarning, match="retired-model.*HTTP 404.*not free"):
        prices = ea.model_prices(client=client_for(api))
    assert "retired-model" not in set(prices["slug"])
    assert prices.attrs["not_found"] == ["retired-model"]
    assert len(prices) == len(MODELS)


def test_no_key_goes_to_the_models_endpoints_even_from_a_keyed_client(monkeypatch):
    monkeypatch.setenv("EACHLABS_API_KEY", KEY)
    api = ReferenceAPI()
    ea.model_prices(client=client_for(api, auth_scheme="x-api-key"))
    ea.model_prices(["veo-3"], client=client_for(api))
    assert len(api.requests) == len(MODELS) + 2
    for seen in api.requests:
        assert "authorization" not in seen.headers and "x-api-key" not in seen.headers
        assert KEY not in str(seen.headers)


def test_model_prices_works_with_no_key_configured_at_all(monkeypatch):
    monkeypatch.delenv("EACHLABS_API_KEY", raising=False)
    api = ReferenceAPI()
    with serve_http(api) as base_url:  # a real socket: the headers as they went on the wire
        prices = ea.model_prices(["veo-3", "eachlabs-llm-router"], base_url=base_url)
    assert prices["cost_type"].tolist() == ["none", "usage_based"]
    assert all("authorization" not in s.headers and "x-api-key" not in s.headers
               for s in api.requests)  # fmt: skip


def test_a_configured_key_is_not_sent_over_the_wire_either(monkeypatch):
    monkeypatch.setenv("EACHLABS_API_KEY", KEY)
    api = ReferenceAPI()
    with serve_http(api) as base_url:
        ea.model_prices(base_url=base_url)
        ea.model_prices(["flux-2-pro"], api_key=KEY, base_url=base_url)
    assert len(api.requests) == len(MODELS) + 2
    assert not any(KEY in str(s.headers) or "authorization" in s.headers for s in api.requests)


@pytest.mark.parametrize(
    "models",
    [[], ["../billing/balance"], ["veo 3"], ["veo-3", ""], [None], ["vеo-3"], 42, ["a/b"]],
)
def test_bad_slugs_are_refused_before_any_request(models):
    api = ReferenceAPI()
    with pytest.raises(ea.InvalidQueryError):
        ea.model_prices(models, client=client_for(api))
    assert api.requests == []


def test_one_slug_as_text_and_duplicates():
    api = ReferenceAPI()
    one = ea.model_prices("veo-3", client=client_for(api))
    assert one["slug"].tolist() == ["veo-3"]
    twice = ea.model_prices(["veo-3", "veo-3", "flux-2-pro"], client=client_for(api))
    assert twice["slug"].tolist() == ["flux-2-pro", "veo-3"]
    assert len(api.requests) == 3


def test_429_and_503_are_retried_per_model():
    api = ReferenceAPI()
    api.script("/v1/models/veo-3", (429, {"Retry-After": "1"}, b'{"error": "slow"}'),
               (503, {}, b'{"error": "down"}'))  # fmt: skip
    client = client_for(api)
    waits: list[float] = []
    client._sleep = waits.append
    prices = ea.model_prices(["veo-3", "flux-2-pro"], client=client)
    assert as_plain(prices) == [expected("flux-2-pro"), expected("veo-3")]
    assert len(api.seen("/v1/models/veo-3")) == 3 and 1.0 in waits


def test_a_failure_other_than_404_raises_rather_than_leaving_a_model_out():
    api = ReferenceAPI()
    api.script("/v1/models/veo-3", *[(503, {}, b'{"error": "down"}')] * 3)
    with pytest.raises(ea.APIError) as info:
        ea.model_prices(list(MODELS), client=client_for(api, max_retries=2))
    assert info.value.status == 503 and "/v1/models/veo-3" in str(info.value)


def test_malformed_values_become_na_counted_with_one_warning():
    api = ReferenceAPI()
    api.bodies["veo-3"] = model_body("veo-3", {**MODELS["veo-3"], "min": "0.4", "max": True,
                                               "rows": [{"label": "720p"}, "x"]})  # fmt: skip
    api.bodies["flux-2-pro"] = model_body("flux-2-pro", "0.05 USD")  # cost of the wrong type
    api.bodies["elevenlabs-tts"] = ["not", "an", "object"]
    with pytest.warns(ea.DataQualityWarning, match="wrong type") as caught:
        prices = ea.model_prices(list(MODELS), client=client_for(api))
    assert len(caught) == 1
    assert prices.attrs["malformed_values"] == {"body": 1, "cost": 1, "max": 1, "min": 1,
                                                "rows": 2}  # fmt: skip
    rows = prices.set_index("slug")
    veo = rows.loc["veo-3"]
    assert pd.isna(veo["min"]) and pd.isna(veo["max"]) and veo["tiers"] == ()
    assert veo["unit"] == "second"  # the well-formed values of the row are kept
    assert pd.isna(rows.loc["flux-2-pro", "cost_type"])  # unknown, not "none" (no list price)
    assert pd.isna(rows.loc["elevenlabs-tts", "cost_type"])
    assert rows.loc["eachlabs-llm-router", "cost_type"] == "none"


def test_an_unknown_cost_type_or_unit_is_kept_as_data():
    api = ReferenceAPI(models={"new-model": {"type": "subscription", "unit": "seat",
                                             "amount": 20}})  # fmt: skip
    prices = ea.model_prices(client=client_for(api))
    assert prices.loc[0, "cost_type"] == "subscription" and prices.loc[0, "unit"] == "seat"
    assert prices.loc[0, "amount"] == 20.0 and pd.isna(prices.loc[0, "currency"])


@pytest.mark.parametrize("body", [b'{"models": []}', b'"veo-3"'])
def test_a_catalogue_that_is_not_a_list_raises(body):
    api = ReferenceAPI()
    api.script("/v1/models", (200, {}, body))
    with pytest.raises(ea.APIError, match="not a list of models"):
        ea.model_prices(client=client_for(api))


def test_an_empty_catalogue_gives_the_typed_empty_frame():
    api = ReferenceAPI(catalogue=[])
    prices = ea.model_prices(client=client_for(api))
    assert len(prices) == 0
    assert prices.dtypes.astype(str).to_dict() == PRICE_COLUMNS
    assert prices.dtypes.to_dict() == schema.empty_prices().dtypes.to_dict()


def test_many_models_are_fetched_concurrently_each_once():
    models = {f"model-{i:02d}": {"type": "fixed", "amount": i / 100, "unit": "execution"}
              for i in range(40)}  # fmt: skip
    api = ReferenceAPI(models=models)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prices = ea.model_prices(client=client_for(api))
    assert prices["slug"].tolist() == sorted(models)
    assert prices["amount"].tolist() == [models[s]["amount"] for s in sorted(models)]
    assert len(api.seen("/v1/models/")) == 40


def test_the_key_never_appears_in_a_prices_error():
    api = ReferenceAPI()
    api.script("/v1/models/veo-3", (500, {}, orjson.dumps({"error": f"bad {KEY}"})))
    with pytest.raises(ea.APIError) as info:
        ea.model_prices(["veo-3"], client=client_for(api, max_retries=0))
    assert KEY not in str(info.value) and KEY not in repr(info.value)
