"""The package's shape: no import cycle, even through imports inside functions (which only hide
one; imports for the type checker alone never run and do not count), and no module too long to
read in one sitting."""
from __future__ import annotations

import ast
import graphlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("matcher", "api")
MAX_LINES = 400


def _modules(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    out = {}
    for pkg in packages:
        for path in (root / pkg).rglob("*.py"):
            if "migrations" in path.relative_to(root).parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom, known: dict[str, Path]) -> set[str]:
    """The package modules an import statement loads (a name imported from a package may be a module)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = module
        if node.level:
            parts = module.split(".")
            if path.name != "__init__.py":
                parts.pop()
            parts = parts[:len(parts) - node.level + 1]
            base = ".".join(parts + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    out = set()
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module:
            out.add(name)
    return out


def _type_only(tree: ast.Module) -> set[int]:
    """Imports under ``if TYPE_CHECKING:``: read by the type checker, never run."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return out


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    known = _modules(root, packages)
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        deps = graph.setdefault(module, set())
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_only(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skip:
                deps |= _targets(module, path, node, known)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return None


def test_no_import_cycle_in_the_package_even_through_imports_inside_functions():
    graph = import_graph()
    assert "matcher.cli.common" in graph["matcher.cli.match"]  # the graph sees relative imports
    assert "matcher.people.access" in graph["matcher.network.service"]
    found = cycle(graph)
    assert found is None, f"import cycle: {' -> '.join(found)}"


def test_a_cycle_hidden_in_a_function_is_found(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..a import g\n    return g\n")
    found = cycle(import_graph(tmp_path, ("pkg",)))
    assert found is not None and set(found) == {"pkg.a", "pkg.sub.b"}


def test_no_module_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in _modules().values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these modules (over {MAX_LINES} lines): {long}"


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_serving_never_imports_training():
    """What serves a match (the matching package, the pathway that serves) loads no training code:
    a worker never needs torch, datasets or the training data readers."""
    graph = import_graph()
    serving = [m for m in graph if m.startswith("matcher.matching")] + ["matcher.pathway.serving", "matcher.vacancies.ranking"]
    for module in serving:
        leaked = sorted(m for m in _reachable(graph, module) if m.startswith(("matcher.training", "matcher.pathway.training")))
        assert not leaked, f"{module} imports training code: {leaked}"


def test_each_feature_keeps_its_tables_services_and_schemas_together():
    for feature in ("accounts", "people", "network", "vacancies", "taxonomy"):
        assert (ROOT / "matcher" / feature / "models.py").exists(), feature
    for feature in ("accounts", "people", "network", "vacancies", "matching", "taxonomy", "registry"):
        assert (ROOT / "matcher" / feature / "schemas.py").exists(), feature
    assert not (ROOT / "api" / "schemas.py").exists() and not (ROOT / "matcher" / "services").exists()


def test_routes_and_pages_check_roles_only_through_the_permission_table():
    """A role compared with a string in the web layer is a second rule that can drift from the table."""
    compare = re.compile(r"\.role\s*(==|!=|not in|in)\s*[\"'(]")
    found = [f"{p.relative_to(ROOT)}:{i}" for p in (ROOT / "api").rglob("*.py")
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if compare.search(line)]
    assert not found, f"use matcher.accounts.permissions (may/ensure) instead: {found}"
