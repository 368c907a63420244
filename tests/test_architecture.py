"""The layout's rules, checked by walking every import of the package (lazy ones included).

- ``schema`` and ``exceptions`` import nothing of ours;
- ``_util`` imports only ``schema``, ``exceptions`` and itself;
- metrics, plots and watch (the analytics) never reach the network: no loader, store or
  sandbox; metrics never import the engines either (a selection answers its contract,
  ``metrics.lazy``);
- the engines (lazy selections) import no loader, store, face or sandbox;
- the report is computed from frames: no loader, no sandbox;
- the loader imports no analytics, files, faces or sandbox, and its network module
  (``loader.client``) never imports the loader above it (``load``, ``fetch``);
- the sandbox (``local_api``) shares no code with the client: only ``schema``,
  ``exceptions`` and itself;
- nothing but ``__main__`` imports the CLI.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from import_graph import GRAPH, PACKAGE, TOP, module_name, offenders, part

EVERYTHING = {part(name) for name in GRAPH} - {""}
RULES = {
    "schema": EVERYTHING - {"schema"},
    "exceptions": EVERYTHING - {"exceptions"},
    "_util": EVERYTHING - {"_util", "schema", "exceptions"},
    "metrics": {
        "loader",
        "plots",
        "watch",
        "store",
        "engines",
        "local_api",
        "report",
        "notebook",
        "cli",
    },
    "engines": {"loader", "store", "local_api", "report", "notebook", "cli"},
    "plots": {"loader", "store", "local_api", "report", "notebook", "cli"},
    "report": {"loader", "store", "local_api", "notebook", "cli"},
    "loader": {
        "metrics",
        "plots",
        "watch",
        "engines",
        "report",
        "store",
        "notebook",
        "cli",
        "local_api",
    },
    "local_api": EVERYTHING - {"local_api", "schema", "exceptions"},
    "store": {"metrics", "plots", "report", "notebook", "cli", "local_api"},
    "watch": {"loader", "store", "local_api", "report", "notebook", "cli"},
    "notebook": {"cli"},
    "app": {"cli"},
}
# the application layer sits above every layer but the faces: none below it imports it
for _below in ("schema", "exceptions", "_util", "loader", "metrics", "engines", "plots",
               "report", "store", "watch", "local_api"):  # fmt: skip
    RULES[_below] = RULES.get(_below, set()) | {"app"}


def test_the_graph_sees_the_whole_package():
    assert {
        "loader",
        "metrics",
        "plots",
        "report",
        "store",
        "engines",
        "notebook",
        "cli",
        "local_api",
    } <= EVERYTHING
    assert "eachlabs_analytics.loader.load" in GRAPH["eachlabs_analytics.store.fetch"]


@pytest.mark.parametrize("modules", sorted(RULES))
def test_import_rules(modules):
    assert offenders(modules, RULES[modules]) == []


def test_the_network_module_imports_nothing_above_it():
    above = {"eachlabs_analytics.loader.load", "eachlabs_analytics.loader.fetch"}
    assert GRAPH["eachlabs_analytics.loader.client"] & above == set()


def third_party_imports(path: Path) -> set[str]:
    """The top-level names of every module outside the package a file imports, at any depth."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found - {TOP}


def test_only_the_network_modules_import_requests():
    """HTTP goes through the loader's client; the only other uses are the check's webhook (the
    application layer's) and
    the dashboard asking its own loopback Voilà server whether the page rendered."""
    users = {module_name(p) for p in PACKAGE.rglob("*.py") if "requests" in third_party_imports(p)}
    assert users == {
        "eachlabs_analytics.loader.client",
        "eachlabs_analytics.app.alerts",
        "eachlabs_analytics.notebook.dashboard",
    }


def test_only_main_imports_the_cli():
    users = {s for s, targets in GRAPH.items() if any(part(t) == "cli" for t in targets)}
    assert {u for u in users if part(u) != "cli"} == {"eachlabs_analytics.__main__"}


def test_every_subpackage_says_what_it_owns_and_must_never_import():
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert "never import" in doc.lower() or "imports nothing" in doc.lower(), init


def test_only_the_application_layer_joins_the_loader_and_the_watch():
    """Fetching and judging meet in ``app`` (sources for report and check), never in a module
    of another layer; the package's ``__init__`` re-exports both and is the one exception."""
    joined = {
        source
        for source, targets in GRAPH.items()
        if {"loader", "watch"} <= {part(t) for t in targets}
    }
    assert {m for m in joined if part(m) != "app"} == {TOP}
    assert "eachlabs_analytics.app.sources" in joined


#: A module holds one job; past this many lines it holds two (issue 19: "none much past 500").
MAX_LINES = 560


def test_no_module_is_much_past_five_hundred_lines():
    long = {
        module_name(path): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
