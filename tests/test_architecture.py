"""Dependencies point one way (DESIGN.md, "Layers of the code"), read from the source with
`ast`: no app imports one to its right, no domain module imports the command or the web
layer, and no new import cycle appears between modules."""

import ast
from pathlib import Path

import wangge

SRC = Path(wangge.__file__).resolve().parent

# Left to right: an app may import those at its left and in its own group, never to its right.
ORDER = [
    {"regions"},
    {"accounts"},
    {"people"},
    {"events"},
    {"intake", "open311", "portal", "suggest", "fieldwork", "notices"},
    {"stats", "staff"},  # staff onboarding reads fieldwork's open tasks
    {"web"},
    {"cli", "dev"},
]
RANK = {app: i for i, group in enumerate(ORDER) for app in group}
# Above every domain app: the command, the web layer and the project's URL table and API.
ON_TOP = {"wangge.cli", "wangge.web", "wangge.urls", "wangge.api", "wangge.dev"}

# Cycles not opened yet: each may lose members or go, never grow; a new one fails.
KNOWN_CYCLES: list[set[str]] = []


def _module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every name imported anywhere in the module (in functions too), relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    """Module -> the wangge modules it imports (a name resolves to its longest module)."""
    paths = {_module_name(p, src): p for p in src.rglob("*.py") if "migrations" not in p.parts}
    graph = {}
    for module, path in paths.items():
        names = _imports(
            ast.parse(path.read_text(encoding="utf-8")), module, path.stem == "__init__"
        )
        targets = set()
        for name in names:
            while name and name not in paths:
                name = name.rpartition(".")[0]
            if name.startswith("wangge.") and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def _app(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def _within(module: str, roots: set[str]) -> bool:
    return any(module == r or module.startswith(r + ".") for r in roots)


def wrong_way_edges(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in sorted(graph.items()):
        if _app(module) not in RANK:
            continue
        for target in sorted(targets):
            rightward = _app(target) in RANK and RANK[_app(target)] > RANK[_app(module)]
            upward = not _within(module, ON_TOP) and _within(target, ON_TOP)
            if rightward or upward:
                found.append(f"{module} -> {target}")
    return found


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def test_no_app_imports_one_to_its_right_nor_the_command_or_web_layer():
    assert wrong_way_edges(import_graph()) == []


def test_no_new_import_cycle():
    found = cycles(import_graph())
    new = [sorted(c) for c in found if not any(c <= known for known in KNOWN_CYCLES)]
    assert new == []
    # The allow-list only shrinks: an entry wider than what remains must be narrowed.
    stale = [sorted(k) for k in KNOWN_CYCLES if k not in found]
    assert stale == []


def test_the_checks_see_wrong_way_edges_and_cycles(tmp_path):
    pkg = tmp_path / "wangge"
    for app in ("events", "intake", "cli"):
        (pkg / app).mkdir(parents=True)
        (pkg / app / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "events" / "a.py").write_text("def f():\n    from wangge.intake.b import x\n")
    (pkg / "intake" / "b.py").write_text("from wangge.events import a\nfrom . import c\n")
    (pkg / "intake" / "c.py").write_text("from .b import y\nfrom wangge.cli import main\n")
    graph = import_graph(pkg)
    assert graph["wangge.events.a"] == {"wangge.intake.b"}
    assert wrong_way_edges(graph) == [
        "wangge.events.a -> wangge.intake.b",
        "wangge.intake.c -> wangge.cli",
    ]
    assert sorted(sorted(c) for c in cycles(graph)) == [
        ["wangge.events.a", "wangge.intake.b", "wangge.intake.c"]
    ]


def test_test_modules_import_helpers_not_other_test_modules():
    """Shared steps live in helper modules (factories, helpers, worlds), so that a test module
    can be renamed or deleted without breaking another."""
    tests_root = Path(__file__).resolve().parent
    offenders = []
    for path in tests_root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("tests"):
                continue
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            offenders += [
                f"{path.relative_to(tests_root)} imports {name}"
                for name in names
                if name.rpartition(".")[2].startswith("test_")
            ]
    assert not offenders, "\n".join(offenders)
