"""Property tests of the running sandbox against its OpenAPI document, with schemathesis 4.

``test_sandbox_conforms_to_its_document`` lets schemathesis generate requests for both
operations of ``eachlabs_analytics/local_api/openapi.json`` (read from the package file, not
the network): ``GET /v2/executions`` and ``GET /v1/executions``, valid (positive) and invalid
(negative) ones, from the document's examples, its coverage phase and Hypothesis (at most 50
examples per operation). The Bearer key is configured for the document's ``BearerAuth``
scheme, so negative cases also go without it or with a broken one. Every response goes
through schemathesis' default checks: no 5xx, documented status code, documented content type
and headers, body valid against the response schema, invalid requests refused, auth not
ignored, unsupported methods answered 405 with ``Allow``.

Decisions, check by check:

- ``cursor`` is left out of generation (v2's parameter is removed from the copy of the document
  handed to schemathesis, which has no per-parameter switch). A cursor is an opaque token the
  server signs: any generated string is refused with a 400 (and counted in
  ``api.cursor_misuse``), so generating it only turns valid requests into errors. Cursors are
  tested separately: a full traversal that follows ``next_cursor`` validates every page
  against the document, and generated or forged cursors are refused with a documented 400 as
  ``malformed`` or ``foreign`` (never ``mismatch``) before ``cursor_misuse`` is cleared.
- ``positive_data_acceptance`` (a schema-valid request must not get a 4xx) is disabled: the
  contract states rules in prose that a JSON schema cannot express (``status`` tokens, v1's
  ``offset + limit <= 1000``; the sandbox also refuses ``from`` after ``to``), so schema-valid
  requests can rightly be answered 400. The test asserts the exact property instead: a
  positive case gets 200 unless it breaks one of those rules, and then a 400 naming it.
- ``negative_data_rejection`` stays on, except for one verdict, dropped by a
  ``filter_failure`` hook: a request whose only invalid values are blank (``to=``,
  ``limit=``, ``error_classification=,``) is answered like one without them: the sandbox
  counts blank parameters as absent (see ``test_blank_parameters_count_as_absent`` in
  ``test_sandbox_server.py``), while the document types them (date-time, integer, enum)
  without ``allowEmptyValue``; only ``status`` documents a blank value.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st

from eachlabs_analytics.local_api import DEFAULT_API_KEY, Sandbox

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
V1, V2 = "/v1/executions", "/v2/executions"
DOCUMENT_TEXT = (resources.files("eachlabs_analytics.local_api") / "openapi.json").read_text()
DOCUMENT: dict[str, Any] = json.loads(DOCUMENT_TEXT)
VENDOR_PATH = Path(__file__).parent / "fixtures" / "eachlabs-executions-openapi.json"
#: the documented ``status`` tokens ("Each token must be one of `created`, `starting`, ...")
STATUS_TOKENS = ("created", "starting", "success", "error")
#: v1's depth limit ("a request for rows beyond the first 1,000 of a result ... is refused")
V1_ROW_LIMIT = 1000
#: parameters whose value is a comma-separated list (blank tokens count for nothing)
TOKEN_LISTS = ("status", "error_classification")
_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"([Zz]|([+-])([0-9]{2}):([0-9]{2}))",
    re.ASCII,
)


def _without_cursor(document: dict[str, Any]) -> dict[str, Any]:
    """The document with v2's ``cursor`` parameter removed (see the module docstring)."""
    trimmed = copy.deepcopy(document)
    operation = trimmed["paths"][V2]["get"]
    operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "cursor"]
    return trimmed


CONFIG = schemathesis.Config.from_dict(
    {
        # the key for the document's security scheme; negative cases drop or break it
        "auth": {"openapi": {"BearerAuth": {"bearer": DEFAULT_API_KEY}}},
        # a schema-valid request may break a rule stated in prose (see the module docstring);
        # the test asserts which ones get a 400 instead
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
)
SCHEMA = schemathesis.openapi.from_dict(_without_cursor(DOCUMENT), config=CONFIG)


# --- what the document says about a query -----------------------------------------------
def parse_rfc3339(text: str) -> datetime | None:
    """The instant of an RFC 3339 date-time (a leap second counts as the next second)."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    micro = int((match.group(7) or ".0")[1:7].ljust(6, "0"))
    offset = timedelta(0)
    if match.group(9) is not None:
        hours, minutes = int(match.group(10)), int(match.group(11))
        if hours > 23 or minutes > 59:
            return None
        offset = (1 if match.group(9) == "+" else -1) * timedelta(hours=hours, minutes=minutes)
    if second > 60:
        return None
    try:
        stamp = datetime(year, month, day, hour, minute, min(second, 59), micro)
        return stamp.replace(tzinfo=timezone.utc) - offset + timedelta(seconds=second // 60)
    except (ValueError, OverflowError):
        return None


def document_accepts(schema: dict[str, Any], raw: str) -> bool:
    """Whether a query parameter's schema admits ``raw`` as sent on the wire."""
    assert set(schema) <= {"type", "minimum", "maximum", "default", "enum", "format"}, schema
    if "enum" in schema:
        return raw in schema["enum"]
    if schema["type"] == "integer":
        if not _INTEGER.fullmatch(raw):
            return False
        value = int(raw)
        return schema.get("minimum", value) <= value <= schema.get("maximum", value)
    if schema.get("format") == "date-time":
        return parse_rfc3339(raw) is not None
    return schema["type"] == "string"


def is_blank(name: str, raw: str) -> bool:
    """A value the sandbox counts as absent: empty, or only blank tokens in a list."""
    if name in TOKEN_LISTS:
        return not any(token.strip() for token in raw.split(","))
    return raw == ""


def sent_query(response: schemathesis.Response) -> dict[str, str]:
    """The query string as sent (first value of each parameter, as the server reads it)."""
    query = urlsplit(response.request.url).query
    return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}


def as_integer(raw: str | None, default: int) -> int:
    return int(raw) if raw and _INTEGER.fullmatch(raw) else default


def query_parameters(path: str) -> dict[str, dict[str, Any]]:
    operation = DOCUMENT["paths"][path]["get"]
    return {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}


def prose_rules_broken(path: str, sent: dict[str, str]) -> set[str]:
    """The parameters of a schema-valid query that break a rule the schema cannot express."""
    broken = set()
    tokens = [token.strip() for token in sent.get("status", "").split(",")]
    if any(token and token not in STATUS_TOKENS for token in tokens):
        broken.add("status")
    start, end = parse_rfc3339(sent.get("from", "")), parse_rfc3339(sent.get("to", ""))
    if start is not None and end is not None and start > end:
        broken.add("from")  # a rule of the sandbox: the document does not state it
    if path == V1:
        offset, limit = as_integer(sent.get("offset"), 0), as_integer(sent.get("limit"), 20)
        if offset + limit > V1_ROW_LIMIT:
            broken.add("offset")
    return broken


@SCHEMA.hook
def filter_failure(
    context: schemathesis.HookContext,
    failure: Any,
    case: schemathesis.Case,
    response: schemathesis.Response,
) -> bool:
    """Keep every failure except "invalid request accepted" (ST201) when each invalid value
    of the query as sent is blank: the sandbox counts blank parameters as absent."""
    if failure.code != "ST201":  # schemathesis' code for a negative_data_rejection failure
        return True
    sent = sent_query(response)
    parameters = query_parameters(case.operation.path)
    invalid = [
        name
        for name, raw in sent.items()
        if name in parameters and not document_accepts(parameters[name], raw)
    ]
    return not invalid or not all(is_blank(name, sent[name]) for name in invalid)


# --- fixtures ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api() -> Iterator[Sandbox]:
    with Sandbox(executions=2000, seed=3, end="2026-10-31T00:00:00Z") as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


# --- generated requests ------------------------------------------------------------------
@SCHEMA.parametrize()
@settings(max_examples=50, deadline=None)
def test_sandbox_conforms_to_its_document(
    case: schemathesis.Case, api: Sandbox, http: requests.Session
) -> None:
    # the key comes from CONFIG's auth (or is left out or broken by a negative case)
    response = case.call_and_validate(base_url=api.base_url, session=http)
    meta = case.meta
    if meta is None or meta.generation.mode is not schemathesis.GenerationMode.POSITIVE:
        return
    broken = prose_rules_broken(case.operation.path, sent_query(response))
    answer = f"GET {response.request.url} -> {response.status_code} {response.text[:300]}"
    if not broken:
        assert response.status_code == 200, answer
        return
    assert response.status_code == 400, f"breaks a rule of {sorted(broken)}: {answer}"
    assert response.json()["details"]["parameter"] in broken, answer


# --- cursors -----------------------------------------------------------------------------
#: the whole document, ``cursor`` included, for requests built by hand
FULL_SCHEMA = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


def v2_case(query: dict[str, Any]) -> schemathesis.Case:
    return FULL_SCHEMA[V2]["GET"].Case(query=query)


def test_followed_cursors_give_conforming_pages_and_every_row(
    api: Sandbox, http: requests.Session
) -> None:
    query = {"from": "2020-01-01T00:00:00Z", "limit": 100}
    ids: list[str] = []
    cursor = None
    for _ in range(len(api.truth) // 100 + 2):
        case = v2_case({**query, "cursor": cursor} if cursor else query)
        response = case.call_and_validate(base_url=api.base_url, headers=AUTH, session=http)
        assert response.status_code == 200, response.text
        page = response.json()
        ids.extend(row["id"] for row in page["executions"])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    else:
        pytest.fail("the traversal did not end")
    assert len(ids) == len(set(ids)) == len(api.truth)
    assert api.cursor_misuse == []


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


#: strings no server issued: arbitrary text, or a well-formed ``payload.signature`` pair
#: signed with another secret (blank is absent, not a cursor)
UNISSUED_CURSORS = st.one_of(
    st.text(min_size=1).filter(str.strip),
    st.builds(lambda payload, sig: f"{_b64(payload)}.{_b64(sig)}", st.binary(), st.binary()),
)


@settings(max_examples=50, deadline=None)
@given(cursor=UNISSUED_CURSORS)
def test_unissued_cursors_are_refused_as_malformed_or_foreign(
    api: Sandbox, http: requests.Session, cursor: str
) -> None:
    response = v2_case({"cursor": cursor}).call_and_validate(
        base_url=api.base_url, headers=AUTH, session=http
    )
    assert response.status_code == 400, response.text
    details = response.json()["details"]
    assert details["parameter"] == "cursor"
    assert details["reason"] in ("malformed", "foreign")
    # this misuse is the test's own: check what was recorded, then clear it
    assert [entry["reason"] for entry in api.cursor_misuse] == [details["reason"]]
    api.cursor_misuse.clear()


# --- the document ------------------------------------------------------------------------
def test_the_sandbox_serves_the_package_document(api: Sandbox, http: requests.Session) -> None:
    response = http.get(api.base_url + "/openapi.json", timeout=10)  # no key needed
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.content == DOCUMENT_TEXT.encode()


def test_generation_leaves_out_only_v2_cursor() -> None:
    trimmed = _without_cursor(DOCUMENT)
    names = [p["name"] for p in DOCUMENT["paths"][V2]["get"]["parameters"]]
    kept = [p["name"] for p in trimmed["paths"][V2]["get"]["parameters"]]
    assert "cursor" in names and kept == [name for name in names if name != "cursor"]
    trimmed["paths"][V2]["get"]["parameters"] = DOCUMENT["paths"][V2]["get"]["parameters"]
    assert trimmed == DOCUMENT
    operations = [result.ok() for result in SCHEMA.get_all_operations()]
    assert sorted(f"{op.method.upper()} {op.path}" for op in operations) == [
        f"GET {V1}",
        f"GET {V2}",
    ]
    assert "cursor" not in {p.name for p in SCHEMA[V2]["GET"].query}


def test_v1_is_the_vendors_operation_marked_deprecated() -> None:
    vendor = json.loads(VENDOR_PATH.read_text())
    ours, theirs = DOCUMENT["paths"][V1], vendor["paths"][V1]
    assert set(ours) == set(theirs) == {"get"}
    ours, theirs = dict(ours["get"]), dict(theirs["get"])
    assert ours.pop("deprecated") is True and "deprecated" not in theirs
    description, vendor_description = ours.pop("description"), theirs.pop("description")
    assert ours == theirs
    assert description.startswith(vendor_description) and vendor_description.endswith("\n")
    appended = description[len(vendor_description) :]
    # one paragraph after a blank line: no blank line inside, ends with its line
    assert appended.startswith("\n") and appended.endswith("\n")
    assert appended.strip() and "\n\n" not in appended.strip()
    assert appended.lstrip().startswith("Deprecated since 2026-09-03")


def test_every_vendor_component_is_unchanged() -> None:
    vendor = json.loads(VENDOR_PATH.read_text())
    assert vendor["components"]["schemas"], "the vendor document has component schemas"
    for section, components in vendor["components"].items():
        for name, component in components.items():
            assert DOCUMENT["components"][section].get(name) == component, f"{section}/{name}"
