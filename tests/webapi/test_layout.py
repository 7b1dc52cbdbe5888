"""The package layout's rules: no import cycle between the feature packages of `webapi/` (nor between
the subpackages of one feature); imports under `TYPE_CHECKING` do not count."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import webapi

ROOT = Path(webapi.__file__).parent


def _module_name(path: Path) -> str:
    return ".".join(("webapi", *path.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__")


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            inside.update(id(child) for child in ast.walk(node))
    return inside


def imports() -> list[tuple[str, str]]:
    """(importing module, imported name) for every run-time import of a `webapi` name."""
    found = []
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [(_module_name(path), name) for name in names if name.startswith("webapi.")]
    return found


def _package(name: str, depth: int) -> str | None:
    """The package `depth` levels under `webapi` that holds `name`, None for a module at a higher level."""
    parts = name.split(".")
    if len(parts) <= depth or not ROOT.joinpath(*parts[1 : depth + 1]).is_dir():
        return None
    return ".".join(parts[: depth + 1])


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path, or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target] if target in path else [node, target]
            if target not in state and (found := visit(target, [*path, target])):
                return found
        state[node] = "done"
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def package_graph(depth: int) -> dict[str, set[str]]:
    """Edges between the packages at `depth` (1: the features; 2: the subpackages of one feature)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for importer, imported in imports():
        source, target = _package(importer, depth), _package(imported, depth)
        if source is None or target is None or source == target:
            continue
        if depth > 1 and _package(importer, depth - 1) != _package(imported, depth - 1):
            continue
        edges[source].add(target)
    return edges


def test_the_graph_sees_the_imports_between_features():
    assert "webapi.core" in package_graph(1)["webapi.monitoring"]
    assert "webapi.monitoring.collection" in package_graph(2)["webapi.monitoring.alerting"]


def test_no_import_cycle_between_feature_packages():
    assert _cycle(package_graph(1)) is None


def test_no_import_cycle_between_the_subpackages_of_a_feature():
    assert _cycle(package_graph(2)) is None


def test_a_cycle_is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


def test_only_the_dependencies_read_app_state():
    """Routers and services get the runtime and the feature handles through `webapi.core.dependencies`."""
    readers = {
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if "app.state" in path.read_text(encoding="utf-8")
    }
    # app.py puts the runtime there; runtime.py says so in its docstring.
    assert readers <= {"core/dependencies.py", "app.py", "core/runtime.py"}
    assert "core/dependencies.py" in readers
