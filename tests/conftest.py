"""Shared fixtures: a running sandbox over fixed data, and OpenAPI schema validators.

``sandbox_api`` is session-scoped: tests that use it must not change its faults or data
(start their own ``Sandbox`` for that). Every sandbox a test starts is watched for v2 cursor
misuse (a cursor it never issued, or one sent back with other filters or limit): each test
must end with none recorded; a test that misuses cursors on purpose clears
``api.cursor_misuse`` after asserting on it. ``openapi_validator("ListExecutionsResponse")``
returns a ``jsonschema`` validator for one schema of the official OpenAPI document.
``jsonschema`` is an optional test tool: it is imported by that fixture only, so the tests
that use it skip when it is missing and the rest of the suite still runs.
"""

from __future__ import annotations

import copy
import json
import os
import re
import weakref
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import pytest

matplotlib.use("Agg")

from eachlabs_analytics.local_api import Sandbox  # noqa: E402

#: every sandbox started in this test run (weakly held), for the cursor-hygiene check
STARTED_SANDBOXES: weakref.WeakSet[Sandbox] = weakref.WeakSet()
_start = Sandbox.start


def _watched_start(self: Sandbox) -> Sandbox:
    STARTED_SANDBOXES.add(self)
    return _start(self)


Sandbox.start = _watched_start  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def no_leaked_environment() -> Iterator[None]:
    """Fail a test that leaves an ``EACHLABS_*`` variable behind (a command run in-process may
    set one): the next tests would read another key, host or API version."""
    before = {k: v for k, v in os.environ.items() if k.startswith("EACHLABS_")}
    yield
    after = {k: v for k, v in os.environ.items() if k.startswith("EACHLABS_")}
    if after != before:
        for name in set(after) - set(before):
            del os.environ[name]
        os.environ.update(before)
        raise AssertionError(
            f"the test changed the environment: {sorted(set(after) ^ set(before))}"
        )


@pytest.fixture(autouse=True)
def no_cursor_misuse() -> Iterator[None]:
    """Fail any test after which a sandbox recorded a cursor it never issued (or issued for
    other filters or another limit): the loader must only follow cursors as given."""
    yield
    misused = [(api, list(api.cursor_misuse)) for api in list(STARTED_SANDBOXES)]
    misused = [(api, entries) for api, entries in misused if entries]
    for api, _ in misused:
        api.cursor_misuse.clear()  # report once, in the test that caused it
    assert not misused, f"cursor misuse recorded by the sandbox: {misused[0][1][:3]}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leftover = sum(len(api.cursor_misuse) for api in list(STARTED_SANDBOXES))
    if leftover:  # pragma: no cover - the autouse fixture fails first
        session.exitstatus = 1


if TYPE_CHECKING:
    import jsonschema

OPENAPI_PATH = Path(__file__).parent / "fixtures" / "eachlabs-executions-openapi.json"
#: The data behind ``sandbox_api``: 120 days, so the API's 90-day default window excludes some.
SANDBOX_END = "2026-10-31T00:00:00Z"
SANDBOX_PARAMS: dict[str, Any] = {
    "executions": 3_000,
    "seed": 11,
    "end": SANDBOX_END,
    "days": 120,
    "total_cap": 500,
}


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.fullmatch(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))  # raises on 2026-13-45
    return True


def _format_checker() -> jsonschema.FormatChecker:
    """Checks ``date-time`` itself (jsonschema only does with an optional extra installed)."""
    import jsonschema

    formats = jsonschema.FormatChecker(formats=())
    formats.checks("date-time", raises=ValueError)(_is_rfc3339)
    return formats


def _nullable_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` -> JSON Schema ``type: [..., "null"]``; refs -> $defs."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable_to_json_schema(value) for key, value in node.items()}
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    for key in ("example",):
        out.pop(key, None)
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        out["$ref"] = "#/$defs/" + ref.rsplit("/", 1)[1]
    return out


@pytest.fixture(scope="session")
def openapi_document() -> dict[str, Any]:
    """The official OpenAPI document (tests/fixtures copy)."""
    return json.loads(OPENAPI_PATH.read_text())


@pytest.fixture(scope="session")
def openapi_validator(
    openapi_document: dict[str, Any],
) -> Callable[[str], jsonschema.protocols.Validator]:
    """``openapi_validator(name)``: a strict (format-checking) validator for one schema."""
    jsonschema = pytest.importorskip("jsonschema")
    formats = _format_checker()
    defs = {
        name: _nullable_to_json_schema(copy.deepcopy(schema))
        for name, schema in openapi_document["components"]["schemas"].items()
    }

    def make(name: str) -> jsonschema.protocols.Validator:
        root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": defs}
        root["$ref"] = f"#/$defs/{name}"
        cls = jsonschema.Draft202012Validator
        cls.check_schema(root)
        return cls(root, format_checker=formats)

    return make


@pytest.fixture(scope="session")
def sandbox_api() -> Iterator[Sandbox]:
    """A running sandbox over ``SANDBOX_PARAMS`` (read-only: do not flip its faults)."""
    with Sandbox(**SANDBOX_PARAMS) as api:
        yield api
