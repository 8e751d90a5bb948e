"""No import cycles inside the product, function-level imports included.

import-linter sees only the imports Python runs at module level when asked;
a cycle held together by an import inside a function still couples the two
modules both ways (and once broke `commandmap` into cli ⇄ app ⇄ ui ⇄ commands).
This reads every module's source, takes every `import`/`from … import` it
contains — in functions too, except under `if TYPE_CHECKING:` — and fails
naming the modules of any strongly connected group.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("commandmap", "layers", "routing")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            if "migrations" in path.parts:      # alembic scripts are loaded by alembic, not imported
                continue
            found[_module_name(path)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool, known: set[str] | None = None) -> set[str]:
    """Modules `module` imports. `from pkg import sub` names only `pkg.sub` when that is a module
    (a package's own `__init__` running first is Python's mechanics, not a dependency)."""
    out: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                out.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                subs = {f"{target}.{alias.name}" for alias in child.names}
                modules = subs & known if known is not None else subs
                out.update(modules)
                if known is None or len(modules) < len(subs):
                    out.add(target)
            visit(child)

    visit(tree)
    return out


def import_graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target in _imports(tree, name, path.name == "__init__.py", set(modules)):
            if target in modules and target != name:
                graph.add_edge(name, target)
    return graph


def test_the_scanner_sees_function_level_imports() -> None:
    tree = ast.parse("def f():\n    from .b import c\n\nif TYPE_CHECKING:\n    from .d import e\n")
    found = _imports(tree, "pkg.a", False)
    assert "pkg.b" in found and "pkg.b.c" in found
    assert not any(t.startswith("pkg.d") for t in found)


def test_no_import_cycles_in_the_product() -> None:
    graph = import_graph()
    assert graph.number_of_nodes() > 100 and graph.number_of_edges() > 200   # it really read the tree
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, "import cycles (function-level imports included):\n" + "\n".join(
        " ⇄ ".join(c) for c in cycles)
