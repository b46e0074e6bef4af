"""The development app sits on top: no domain module imports it, and its benchmark floor is
mounted only when its setting asks."""

import ast
import importlib
from pathlib import Path

import pytest
from django.urls import Resolver404, clear_url_caches, resolve

import wangge

SRC = Path(wangge.__file__).resolve().parent
# The command and the project's URL table stand above every app, like the dev app itself.
ON_TOP = {SRC / "urls.py"}  # and the packages below


def _imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def test_no_domain_module_imports_the_dev_app():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path in ON_TOP or any(top in path.parents for top in (SRC / "dev", SRC / "cli")):
            continue
        for name in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if name == "wangge.dev" or name.startswith("wangge.dev."):
                offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert not offenders


def test_the_check_sees_an_import_inside_a_function():
    tree = ast.parse("def f():\n    from wangge.dev import history\n")
    assert "wangge.dev.history" in _imports(tree)


@pytest.fixture
def reload_urls(settings):
    yield
    settings.WANGGE_BENCH_FLOOR = False
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


def test_bench_floor_is_mounted_only_by_its_setting(settings, reload_urls):
    settings.WANGGE_BENCH_FLOOR = False
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()
    with pytest.raises(Resolver404):
        resolve("/dev/bench-floor/")
    settings.WANGGE_BENCH_FLOOR = True
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()
    assert resolve("/dev/bench-floor/").url_name == "bench-floor"
