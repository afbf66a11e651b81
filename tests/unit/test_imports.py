"""The package's shape: no module imports another in a cycle, and every module stays small."""

from __future__ import annotations

import ast
from pathlib import Path

# The repository: the nearest directory above that holds the package, wherever tests/ nests this.
ROOT = next(path for path in Path(__file__).resolve().parents if (path / "zkcontainer").is_dir())
PACKAGE = ROOT / "zkcontainer"
MAX_LINES = 500

Graph = dict[str, set[str]]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(package: Path) -> Graph:
    """Each module of `package` -> the modules of `package` it imports, wherever the
    import statement is (a function's lazy import counts as much as the top's)."""
    root = package.parent
    paths = {module_name(path, root): path for path in sorted(package.rglob("*.py"))}
    graph: Graph = {}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, name, is_package)
                for alias in node.names:
                    # `from zkcontainer import start` names a module; `import ProbeError`
                    # from the package is an import of the package's __init__.
                    submodule = f"{base}.{alias.name}" if base else alias.name
                    imported.add(submodule if submodule in paths else base)
        graph[name] = {module for module in imported if module in paths and module != name}
    return graph


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The module a `from ... import` reads from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = importer.split(".")
    if not is_package:
        package.pop()
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, node.module] if node.module else package)


def find_cycle(graph: Graph) -> list[str] | None:
    """A cycle of `graph` as the modules along it, the first again at the end; None if none."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            cycle = visit(imported)
            if cycle:
                return cycle
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module)
        if cycle:
            return cycle
    return None


def test_no_module_imports_another_in_a_cycle() -> None:
    cycle = find_cycle(import_graph(PACKAGE))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_a_cycle_through_a_lazy_or_relative_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("class Problem(Exception):\n    pass\n")
    (package / "a.py").write_text("from pkg import Problem, b\n")
    (package / "b.py").write_text("def later():\n    from pkg.sub import c\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "c.py").write_text("from .. import a\n")
    graph = import_graph(package)
    assert graph["pkg.a"] == {"pkg", "pkg.b"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]
    (package / "sub" / "c.py").write_text("from . import d\n")
    assert find_cycle(import_graph(package)) is None


def test_every_module_has_at_most_500_lines() -> None:
    lines = {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    over = {path: count for path, count in lines.items() if count > MAX_LINES}
    assert not over, f"over {MAX_LINES} lines: {over}"
