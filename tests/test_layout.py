"""The repository's layout rules: imports among its own modules form no cycle, and no tracked file
holds an absolute path of the machine it was written on, and no runtime function is longer than
forty lines.

An import inside a function counts (hiding a cycle there is what this guards against); one under
`if TYPE_CHECKING:` does not (it never runs), nor does a module importing a package that
contains it (the package's `__init__` runs first either way).
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("taskhawk", "codegen", "tools")

# Absolute paths of a developer's or CI machine, not preceded by anything that makes them part
# of a URL or a longer relative path.
MACHINE_PATH = re.compile(r"(?<![\w.:/-])/(?:work|tmp|home|root|Users)/[\w.-]")
# Tracked files allowed to hold such text, with the reason. Keep this tiny; it is empty while
# nothing needs it (this file writes its sample paths with `\x2f` for the slash).
MACHINE_PATH_ALLOWED: dict[str, str] = {}

Graph = dict[str, set[str]]


def module_files(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name -> file, for every module of `packages` under `root`."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _typing_only(tree: ast.AST) -> set[int]:
    """Ids of nodes inside `if TYPE_CHECKING:` blocks."""
    return {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }


def _imported_names(node: ast.AST, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        anchor = parts[: len(parts) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_graph(modules: dict[str, Path]) -> Graph:
    """Module -> the repository modules it imports (outside TYPE_CHECKING, ancestors left out)."""
    graph: Graph = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _typing_only(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            for imported in _imported_names(node, package):
                target = imported
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(f"{target}."):
                    graph[name].add(target)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while not component or component[-1] != node:
                        component.append(stack.pop())
                        on_stack.discard(component[-1])
                    if len(component) > 1:
                        found.append(sorted(component))
            elif target not in index:
                index[target] = low[target] = len(index)
                stack.append(target)
                on_stack.add(target)
                work.append((target, iter(sorted(graph[target]))))
            elif target in on_stack:
                low[node] = min(low[node], index[target])
    return found


GRAPH = import_graph(module_files(ROOT, PACKAGES))


def test_no_import_cycles() -> None:
    found = cycles(GRAPH)
    assert found == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_graph_sees_imports_inside_functions_but_not_type_checking(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg.a import A\n")
    (package / "a.py").write_text("import pkg\nA = 1\ndef f():\n    from pkg import b\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.c import C\n"
        "from . import a\n"
    )
    (package / "c.py").write_text("from pkg.b import x\n")
    graph = import_graph(module_files(tmp_path, ("pkg",)))
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg.c": {"pkg.b"}}
    assert cycles(graph) == [["pkg.a", "pkg.b"]]
    (package / "a.py").write_text("import pkg\nA = 1\n")
    assert cycles(import_graph(module_files(tmp_path, ("pkg",)))) == []


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: no list of tracked files")
    return [name for name in listed.stdout.split("\0") if name]


def machine_paths(root: Path, names: list[str]) -> list[str]:
    found = []
    for name in names:
        path = root / name
        if name in MACHINE_PATH_ALLOWED or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary files hold no paths worth reading
        hits = MACHINE_PATH.findall(text)
        if hits:
            found.append(f"{name}: {hits[0]}... ({len(hits)} in all)")
    return found


def test_no_tracked_file_holds_an_absolute_machine_path() -> None:
    assert machine_paths(ROOT, tracked_files()) == []


def test_machine_paths_are_found_and_urls_are_not(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"f": "\x2ftmp/fresh/taskhawk/wire.py:1"}')
    (tmp_path / "b.py").write_text('URL = "https://example.com/home/x"  # build\x2ftmp/x too\n')
    (tmp_path / "c.md").write_text("ran from \x2fhome/ada/taskhawk\n")
    found = machine_paths(tmp_path, ["a.json", "b.py", "c.md"])
    assert found == ["a.json: \x2ftmp/f... (1 in all)", "c.md: \x2fhome/a... (1 in all)"]


MAX_FUNCTION_LINES = 40


def test_no_runtime_function_is_longer_than_forty_lines() -> None:
    """Generated code aside; a longer function wants a helper with a name saying its job."""
    long: list[str] = []
    for name, path in module_files(ROOT, ("taskhawk",)).items():
        if "._generated" in name:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert long == []
