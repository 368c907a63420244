"""The watch subpackage's import rules: it works on frames only (no loader, store, sandbox or
face), says so in its docstring, and imports statsmodels only when a forecast needs it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from import_graph import GRAPH, module_name, part

WATCH = Path(__file__).parents[1] / "eachlabs_analytics" / "watch"
FORBIDDEN = {"loader", "store", "local_api", "report", "notebook", "cli", "app"}


def _imported_parts(path: Path) -> set[str]:
    return {part(name) for name in GRAPH[module_name(path)]}


def test_watch_never_imports_the_loader_store_sandbox_or_faces():
    modules = sorted(WATCH.glob("*.py"))
    assert {m.name for m in modules} >= {"__init__.py", "forecast.py", "anomalies.py", "budgets.py"}
    for module in modules:
        assert _imported_parts(module) & FORBIDDEN == set(), module.name


def test_the_docstring_says_what_it_owns_and_must_never_import():
    doc = ast.get_docstring(ast.parse((WATCH / "__init__.py").read_text())) or ""
    assert "never import" in doc.lower()
    for name in ("loader", "store", "local_api", "report", "notebook", "cli"):
        assert name in doc


def test_importing_watch_does_not_import_statsmodels():
    code = "import sys, eachlabs_analytics.watch; print('statsmodels' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
