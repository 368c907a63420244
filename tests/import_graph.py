"""One import walker for the architecture tests: which modules of the package each file
imports, at any depth of its code (lazy imports inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "eachlabs_analytics"
TOP = "eachlabs_analytics"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every ``eachlabs_analytics`` module a file imports, at any depth of its code."""
    found: set[str] = set()
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith(TOP))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith(TOP):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if _is_module(name)}


def _is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (PACKAGE.parent / relative).with_suffix(".py").exists() or (
        PACKAGE.parent / relative / "__init__.py"
    ).exists()


GRAPH = {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def part(name: str) -> str:
    """The top-level part of the package a module belongs to (``loader``, ``schema``, ...)."""
    pieces = name.split(".")
    return pieces[1] if len(pieces) > 1 else ""


def offenders(modules: str, forbidden: set[str]) -> list[str]:
    """Every import from a module of part ``modules`` into a part in ``forbidden``."""
    return sorted(
        f"{source} imports {target}"
        for source, targets in GRAPH.items()
        if part(source) == modules
        for target in targets
        if part(target) in forbidden
    )
