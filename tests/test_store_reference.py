"""What a store keeps beside its executions: the workflows' names on every sync, the list
prices with ``prices=True`` (or ``refresh_prices``), read back offline, written whole or not at
all. The API is a scripted fake: executions from tests/fake_api.py, the rest from
tests/fake_reference_api.py."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eachlabs_analytics as ea
from eachlabs_analytics.schema import PRICE_COLUMNS
from eachlabs_analytics.store import SyncResult, reference
from tests.fake_api import rows, serve, session_with
from tests.fake_reference_api import KEY, MODELS, ReferenceAPI, mounted_session, workflows

BASE = "https://api.example.test"
WINDOW = {"start": "2026-09-01T00:00:00Z", "end": "2026-10-02T00:00:00Z"}
#: the models of the stored rows: two the catalogue prices, one it does not know
STORED_MODELS = ("flux-2-pro", "veo-3", "retired-model")


def executions() -> list[dict]:
    data = rows(30)
    for i, row in enumerate(data):
        row["model"] = STORED_MODELS[i % 3]
    return data


def client_for(api: ReferenceAPI, data: list[dict] | None = None, **options) -> ea.Client:
    """Executions from ``data``; balance, models and workflows from ``api``."""
    listing = serve(executions() if data is None else data)
    reference_session = mounted_session(api)
    other = reference_session.get_adapter(BASE)

    def handler(request):
        if "/executions" in request.url:
            return listing(request)
        response = other.send(request)
        return response.status_code, dict(response.headers), response.content

    session, _ = session_with(handler)
    client = ea.Client(
        api_key=options.pop("api_key", KEY), base_url=BASE, session=session, backoff=0.0, **options
    )
    client._sleep = lambda seconds: None
    return client


def sync(store: ea.ExecutionStore, client: ea.Client, **options) -> SyncResult:
    return store.sync(**WINDOW, client=client, progress=False, **options)


def test_a_sync_keeps_the_workflow_names(tmp_path):
    api = ReferenceAPI(listed_workflows=workflows(130))
    store = ea.ExecutionStore(tmp_path / "store")
    assert store.workflow_names() == {}
    result = sync(store, client_for(api))
    want = {w["workflow_id"]: w["name"] for w in workflows(130) if w["name"]}
    assert store.workflow_names() == want
    assert result.workflow_names == len(want) and result.prices is None
    assert (tmp_path / "store" / "reference" / "workflow-names.json").is_file()
    assert api.seen("/v1/models") == []  # prices only when asked
    assert len(store.prices()) == 0
    assert store.prices().dtypes.astype(str).to_dict() == PRICE_COLUMNS
    manifest = json.loads(store.manifest_path.read_text())
    assert manifest["last_sync"]["workflow_names"] == len(want)


def test_prices_true_keeps_the_prices_of_the_stored_models_without_the_key(tmp_path):
    api = ReferenceAPI()
    store = ea.ExecutionStore(tmp_path / "store")
    result = sync(store, client_for(api), prices=True)
    kept = store.prices()
    want = ea.model_prices(["flux-2-pro", "veo-3"], client=client_for(ReferenceAPI()))
    pd.testing.assert_frame_equal(kept, want)
    assert kept.attrs["not_found"] == ["retired-model"] and kept.attrs["source"] == "store"
    assert kept.attrs["fetched_at"] == want.attrs["fetched_at"]
    assert result.prices == 2
    asked = sorted(s.path for s in api.seen("/v1/models/"))
    assert asked == [f"/v1/models/{m}" for m in sorted(STORED_MODELS)]
    assert all("authorization" not in s.headers for s in api.seen("/v1/models/"))


def test_later_syncs_price_every_stored_model_not_only_the_new_rows(tmp_path):
    store = ea.ExecutionStore(tmp_path / "store")
    sync(store, client_for(ReferenceAPI()))
    api = ReferenceAPI()
    only_flux = [dict(row, model="flux-2-pro") for row in rows(3)]  # the new rows: one model
    store.sync(end="2026-10-03T00:00:00Z", overlap="48h", client=client_for(api, only_flux),
               prices=True, progress=False)  # fmt: skip
    assert store.prices()["slug"].tolist() == ["flux-2-pro", "veo-3"]


def test_names_the_api_cannot_give_leave_the_kept_ones_and_the_sync_goes_on(tmp_path, caplog):
    store = ea.ExecutionStore(tmp_path / "store")
    sync(store, client_for(ReferenceAPI(listed_workflows=workflows(5))))
    kept = store.workflow_names()
    assert len(kept) == 4
    failing = ReferenceAPI()
    failing.script("/v1/workflows", *[(503, {}, b'{"error": "down"}')] * 3)
    result = sync(store, client_for(failing, max_retries=2), overlap="48h")
    assert result.workflow_names is None and result.fetched == 30
    assert store.workflow_names() == kept
    assert "workflow names not refreshed" in caplog.text


def test_names_false_asks_nothing_of_the_workflows(tmp_path):
    api = ReferenceAPI()
    result = sync(ea.ExecutionStore(tmp_path / "store"), client_for(api), names=False)
    assert api.seen("/v1/workflows") == [] and result.workflow_names is None


def test_a_prices_failure_fails_the_sync_before_it_writes(tmp_path):
    api = ReferenceAPI()
    api.script("/v1/models/veo-3", *[(503, {}, b'{"error": "down"}')] * 3)
    store = ea.ExecutionStore(tmp_path / "store")
    with pytest.raises(ea.APIError) as info:
        sync(store, client_for(api, max_retries=2), prices=True)
    assert info.value.status == 503
    assert store.manifest is None and store.partitions() == []
    assert store.workflow_names() == {} and len(store.prices()) == 0
    result = sync(store, client_for(ReferenceAPI()), prices=True)  # the next one does it all
    assert result.rows == 30 and result.prices == 2


@pytest.mark.parametrize("flag", ["names", "prices"])
def test_the_flags_must_be_booleans(tmp_path, flag):
    api = ReferenceAPI()
    with pytest.raises(ea.InvalidQueryError, match=f"{flag} must be True or False"):
        sync(ea.ExecutionStore(tmp_path), client_for(api), **{flag: "yes"})
    assert api.requests == []


def test_refresh_prices_is_keyless_and_needs_a_synced_store(tmp_path, monkeypatch):
    store = ea.ExecutionStore(tmp_path / "store")
    monkeypatch.delenv("EACHLABS_API_KEY", raising=False)
    keyless = ea.Client(base_url=BASE, session=mounted_session(ReferenceAPI()), require_key=False)
    with pytest.raises(ea.StoreError, match="no completed sync"):
        store.refresh_prices(client=keyless)
    sync(store, client_for(ReferenceAPI()))
    api = ReferenceAPI()
    keyless = ea.Client(base_url=BASE, session=mounted_session(api), require_key=False)
    got = store.refresh_prices(client=keyless)
    assert got["slug"].tolist() == ["flux-2-pro", "veo-3"]
    pd.testing.assert_frame_equal(got, store.prices())
    one = store.refresh_prices(["eachlabs-llm-router"], client=keyless)
    assert one["cost_type"].tolist() == ["none"]
    with pytest.raises(ea.InvalidQueryError):
        store.refresh_prices(["not a slug"], client=keyless)


def test_a_store_directory_left_with_only_its_reference_is_still_a_store(tmp_path):
    root = tmp_path / "store"
    reference.write_names(root, {"wf_1": "Ad video"}, pd.Timestamp("2026-10-01", tz="UTC"))
    result = sync(ea.ExecutionStore(root), client_for(ReferenceAPI()))
    assert result.rows == 30


def test_a_write_that_dies_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    root = tmp_path
    reference.write_names(root, {"wf_1": "Ad video"}, pd.Timestamp("2026-10-01", tz="UTC"))
    before = reference.names_path(root).read_bytes()

    def dies(self, text, *args, **kwargs):
        with open(self, "w", encoding="utf-8") as handle:
            handle.write(text[: len(text) // 2])  # half of it, then the process "dies"
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", dies)
    with pytest.raises(OSError, match="disk full"):
        reference.write_names(root, {"wf_2": "Product shots"}, pd.Timestamp.now(tz="UTC"))
    monkeypatch.undo()
    assert reference.names_path(root).read_bytes() == before
    assert [p.name for p in (root / "reference").iterdir()] == ["workflow-names.json"]


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("workflow-names.json", "{not json", "is not valid JSON"),
        ("workflow-names.json", '{"format": "x"}', "not an eachlabs-analytics reference"),
        ("prices.json", '{"format": "eachlabs-analytics-reference", "version": 1}', "no list"),
        ("prices.json", '{"format": "eachlabs-analytics-reference", "version": 9}', "version 9"),
    ],
)
def test_a_damaged_reference_file_is_named_with_the_repair(tmp_path, name, text, says):
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / name).write_text(text)
    store = ea.ExecutionStore(tmp_path)
    with pytest.raises(ea.StoreError, match=says) as info:
        store.workflow_names() if name.startswith("workflow") else store.prices()
    assert name in str(info.value) and "sync again" in str(info.value)


def test_every_cost_shape_round_trips_through_the_file(tmp_path):
    prices = ea.model_prices(list(MODELS), client=client_for(ReferenceAPI()))
    prices.attrs["not_found"] = ["retired-model"]
    reference.write_prices(tmp_path, prices)
    back = reference.read_prices(tmp_path)
    pd.testing.assert_frame_equal(back, prices)
    assert back.attrs["not_found"] == ["retired-model"]
    document = json.loads(reference.prices_path(tmp_path).read_text())
    router = next(r for r in document["prices"] if r["slug"] == "eachlabs-llm-router")
    assert router["amount"] is None and router["tiers"] == []  # null, never 0


NUMBERS = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    titles=st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=4),
    estimate=st.one_of(st.none(), st.text()),
    amount=NUMBERS,
    tiers=st.lists(st.tuples(st.text(), st.text()), max_size=3),
)
def test_any_text_and_number_round_trip_exactly(tmp_path, titles, estimate, amount, tiers):
    from eachlabs_analytics.loader.prices import prices_frame

    now = pd.Timestamp("2026-10-31T12:00:00.123456Z")
    frame = prices_frame([
        {"slug": f"m-{i}", "title": title, "cost_type": "fixed", "amount": amount,
         "estimate": estimate, "tiers": tuple(tiers), "fetched_at": now}
        for i, title in enumerate(titles)
    ])  # fmt: skip
    reference.write_prices(tmp_path, frame)
    back = reference.read_prices(tmp_path)
    pd.testing.assert_frame_equal(back, frame)
    assert back["tiers"].tolist() == [tuple(tiers)] * len(titles)
