"""The house stays plain: no import circles among the project's modules, counting the imports
made inside functions (a lazy import hides a circle from Python, not from a reader)."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("webapp", "generation", "billing")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _absolute(name: str, path: Path, node: ast.ImportFrom) -> str:
    """The module an ImportFrom names, relative imports (`from .x import y`) resolved."""
    if node.level == 0:
        return node.module
    package = name.split(".")
    if path.name != "__init__.py":
        package = package[:-1]  # a module's own package: "." is its siblings
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def _edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    edges = defaultdict(set)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(name, path, node)
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                # A package importing its own submodules is how packages work, not a circle.
                if target and target != name and not name.startswith(target + "."):
                    edges[name].add(target)
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_finder_sees_a_circle_through_a_lazy_import():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back_through_others():
    modules = _modules()
    assert len(modules) > 100
    edges = _edges(modules)
    report = {
        " ⇄ ".join(group): {m: sorted(edges[m] & set(group)) for m in group}
        for group in circles(edges)
    }
    assert report == {}


def test_relative_imports_are_edges_too():
    def resolved(name, filename, source):
        return _absolute(name, Path(filename), ast.parse(source).body[0])

    assert resolved("generation.engine.restore", "restore.py", "from .runner import x") == (
        "generation.engine.runner"
    )
    assert resolved("generation.engine.restore", "restore.py", "from ..media import x") == (
        "generation.media"
    )
    assert resolved("generation.engine", "__init__.py", "from .specs import x") == (
        "generation.engine.specs"
    )
    assert resolved("generation.engine", "__init__.py", "from . import specs") == (
        "generation.engine"
    )
