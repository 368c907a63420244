"""``eachlabs-analytics prices`` against the scripted fake served on loopback
(tests/fake_reference_api.py): what it prints equals the fake's prices, no key goes out, a
store keeps them for ``--offline``, and text the API wrote comes out safe in every format
(property-based: CSV records and formula guards, JSON, one table line per model)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eachlabs_analytics as ea
from eachlabs_analytics.cli import main
from eachlabs_analytics.schema import PRICE_COLUMNS
from tests.fake_api import rows, serve, session_with
from tests.fake_reference_api import KEY, MODELS, ReferenceAPI, mounted_session, serve_http
from tests.test_csv_safety import _GUARD_AT_LINE_START, TEXT, assert_safe, unguard


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[ReferenceAPI, str]]:
    api = ReferenceAPI()
    with serve_http(api) as base_url:
        yield api, base_url


@pytest.fixture
def api(served, monkeypatch) -> ReferenceAPI:
    reference_api, base_url = served
    reference_api.models = dict(MODELS)
    reference_api.catalogue = None
    reference_api.bodies = {}
    reference_api.executions = []
    reference_api.requests.clear()
    monkeypatch.setenv("EACHLABS_BASE_URL", base_url)
    monkeypatch.setenv("EACHLABS_API_KEY", KEY)  # configured, and still never sent
    return reference_api


def run(*args: str):
    result = CliRunner().invoke(main, ["prices", *args], prog_name="eachlabs-analytics")
    assert KEY not in result.output and KEY not in result.stderr
    return result


def no_key_went_out(api: ReferenceAPI) -> bool:
    return bool(api.requests) and not any(
        "authorization" in s.headers or "x-api-key" in s.headers or KEY in str(s.headers)
        for s in api.requests
    )


def expected_records(slugs: list[str]) -> list[dict]:
    """What the JSON output must hold, written out from the fake's cost objects."""
    out = []
    for slug in sorted(slugs):
        cost = MODELS[slug] or {}
        title = " ".join(part.capitalize() for part in slug.split("-"))
        record = {name: cost.get(name) for name in PRICE_COLUMNS}
        record.update(slug=slug, title=title, cost_type=cost.get("type", "none"),
                      tiers=[[t["label"], t["value"]] for t in cost.get("rows") or []],
                      fetched_at="2026-10-31T12:00:00Z")  # fmt: skip
        record["amount"] = None if cost.get("amount") is None else float(cost["amount"])
        out.append(record)
    return out


def test_json_lists_every_model_of_the_catalogue_as_published(api):
    result = run("--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected_records(list(MODELS))
    assert "list prices of 8 model(s) from each::labs" in result.stderr
    assert no_key_went_out(api)


def test_csv_has_every_column_and_empty_cells_for_unknown_numbers(api):
    result = run("--format", "csv", "--model", "eachlabs-llm-router", "--model", "veo-3")
    assert result.exit_code == 0, result.output
    records = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert list(records[0]) == list(PRICE_COLUMNS)
    router, veo = records
    assert router["cost_type"] == "none" and router["amount"] == "" and router["tiers"] == ""
    assert veo["min"] == "0.4" and veo["max"] == "0.75" and veo["unit"] == "second"
    assert json.loads(veo["tiers"]) == [["720p", "$0.40 per second"], ["1080p", "$0.75 per second"]]
    assert veo["fetched_at"] == "2026-10-31T12:00:00.000000Z"
    assert sorted(s.path for s in api.requests) == ["/v1/models/eachlabs-llm-router",
                                                    "/v1/models/veo-3"]  # fmt: skip
    assert no_key_went_out(api)


def test_the_table_shows_one_line_per_model(api):
    result = run()
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["slug", "title", "cost_type", "amount", "min", "max", "unit",
                                "estimate"]  # fmt: skip
    assert [line.split()[0] for line in lines[1:]] == sorted(MODELS)
    router = next(line for line in lines if line.startswith("eachlabs-llm-router"))
    assert router.split()[-6:] == ["none", "-", "-", "-", "-", "-"]  # unknown, never 0


def test_a_model_the_api_does_not_know_is_one_warning_line(api):
    result = run("--model", "veo-3", "--model", "retired-model", "--format", "json")
    assert result.exit_code == 0
    assert [r["slug"] for r in json.loads(result.stdout)] == ["veo-3"]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "retired-model" in warnings[0] and "not free" in warnings[0]


def test_works_with_no_key_configured(api, monkeypatch):
    monkeypatch.delenv("EACHLABS_API_KEY")
    result = run("--model", "flux-2-pro", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["amount"] == 0.05


@pytest.mark.parametrize(
    ("args", "status", "says"),
    [
        (["--offline"], 2, "give --store too"),
        (["--model", "../billing"], 2, "not a model slug"),
        (["--format", "xml"], 2, "xml"),
    ],
)
def test_bad_options_are_one_error_line(api, args, status, says):
    result = run(*args)
    assert result.exit_code == status and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ") and says in line
    assert api.requests == []


def synced_store(tmp_path):
    """A store synced from fake executions of three models (two priced, one unknown)."""
    data = rows(9)
    for i, row in enumerate(data):
        row["model"] = ("flux-2-pro", "veo-3", "retired-model")[i % 3]
    listing = serve(data)
    names = mounted_session(ReferenceAPI()).get_adapter("https://x")

    def handler(request):
        if "/executions" in request.url:
            return listing(request)
        answer = names.send(request)
        return answer.status_code, dict(answer.headers), answer.content

    session, _ = session_with(handler)
    client = ea.Client(api_key=KEY, base_url="https://api.example.test", session=session)
    store = ea.ExecutionStore(tmp_path / "store")
    store.sync(start="2026-09-01T00:00:00Z", end="2026-10-02T00:00:00Z", client=client,
               progress=False)  # fmt: skip
    return store


def test_store_prices_its_models_and_keeps_them_for_offline(api, tmp_path, monkeypatch):
    store = synced_store(tmp_path)
    result = run("--store", str(store.path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected_records(["flux-2-pro", "veo-3"])
    assert "retired-model" in result.stderr  # a warning line
    assert no_key_went_out(api)
    api.requests.clear()
    monkeypatch.setenv("EACHLABS_BASE_URL", "http://127.0.0.1:9")  # nothing listens: offline
    offline = run("--store", str(store.path), "--offline", "--format", "json", "--model", "veo-3")
    assert offline.exit_code == 0, offline.output
    assert json.loads(offline.stdout) == expected_records(["veo-3"])
    assert api.requests == [] and f"kept in {store.path}" in offline.stderr


def test_offline_before_any_prices_were_kept_says_so(api, tmp_path):
    store = synced_store(tmp_path)
    result = run("--store", str(store.path), "--offline", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.strip().split(",") == list(PRICE_COLUMNS)  # the header only
    assert "keeps no list prices yet" in result.stderr


# --- text the API wrote comes out safe ---------------------------------------------------------
NUMBER = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=32))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=st.lists(st.tuples(TEXT, TEXT, TEXT, TEXT), min_size=1, max_size=4),
    amount=NUMBER,
)
def test_any_title_estimate_and_tier_is_written_safely(api, texts, amount):
    slugs = [f"model-{i}" for i in range(len(texts))]
    api.models = {
        slug: {"type": "fixed", "amount": amount, "unit": "execution", "estimate": estimate,
               "rows": [{"label": label, "value": value}]}
        for slug, (_, estimate, label, value) in zip(slugs, texts, strict=True)
    }  # fmt: skip
    api.bodies = {}
    api.requests.clear()
    titles = {slug: title for slug, (title, *_) in zip(slugs, texts, strict=True)}
    for slug, title in titles.items():
        api.bodies[slug] = {"slug": slug, "title": title, "cost": api.models[slug]}

    as_csv = run("--format", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    exact = as_csv.stdout_bytes.decode()  # Result.stdout turns each \r\n into \n
    records = list(csv.reader(io.StringIO(exact, newline="")))
    assert_safe(records, len(slugs), len(PRICE_COLUMNS))
    column = {name: i for i, name in enumerate(records[0])}
    for record, (title, estimate, label, value) in zip(records[1:], texts, strict=True):
        for got, want in ((record[column["title"]], title),
                          (record[column["estimate"]], estimate)):  # fmt: skip
            if _GUARD_AT_LINE_START.search(want):
                assert got.replace("'", "") == want.replace("'", "")  # ambiguous: guards only
            else:
                assert unguard(got) == want
        assert json.loads(record[column["tiers"]]) == [[label, value]]
        assert record[column["amount"]] == ("" if amount is None else repr(float(amount)))

    as_json = run("--format", "json")
    assert as_json.stdout.isascii()  # every control and non-ASCII character escaped
    got = json.loads(as_json.stdout)
    assert [(r["title"], r["estimate"], r["tiers"]) for r in got] == [
        (t, e, [[lab, v]]) for t, e, lab, v in texts
    ]

    table = run().stdout.splitlines()
    assert len(table) == len(slugs) + 1  # one line per model, whatever the text held
    assert all(ch.isprintable() for line in table for ch in line)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", "".join(table))


def test_sync_with_prices_keeps_names_and_prices(api, tmp_path):
    api.executions = [dict(row, model="veo-3") for row in rows(4)]
    store = tmp_path / "store"
    result = CliRunner().invoke(
        main, ["sync", str(store), "--start", "2026-09-01", "--end", "2026-10-02", "--prices"]
    )
    assert result.exit_code == 0, result.output
    assert "kept 10 workflow name(s) and the list prices of 1 model(s)" in result.stderr
    kept = ea.ExecutionStore(store)
    assert kept.prices()["slug"].tolist() == ["veo-3"] and len(kept.workflow_names()) == 10
    assert all("authorization" not in s.headers for s in api.seen("/v1/models/"))
    assert all(s.headers["authorization"] == f"Bearer {KEY}" for s in api.seen("/v1/workflows"))
