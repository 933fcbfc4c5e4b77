"""The house plan (docs/architecture.md), checked on the source: layers import downwards only,
no import cycles, SQL only in storage/, no transactions in handlers, small functions and
modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGES = ("bot", "handlers", "storage")
# The composition root and the entry points may reach the handlers; nothing else in bot/ may.
ENTRY_POINTS = {"bot.app", "bot.runner", "bot.demo", "bot.cli", "bot.__main__"}
SQL_NAMES = {"select", "update", "insert", "delete", "col", "func", "or_", "and_", "text"}
SESSION_CALLS = {"exec", "execute", "get", "scalar", "scalars", "add", "add_all", "delete",
                 "merge", "flush"}
MAX_FUNCTION, MAX_MODULE = 50, 400


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "versions" in path.parts:  # generated migrations
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _imports(name: str) -> set[str]:
    """Project modules `name` imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in MODULES and t != name}
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in GRAPH[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return components


def test_the_checks_see_the_project():
    assert {"bot.app", "handlers.registry", "storage.models", "bot.ops.calendar"} <= set(MODULES)
    assert "storage.models" in GRAPH["bot.ops.calendar"] | GRAPH["storage.meetings"]


def test_no_import_cycles():
    assert _cycles() == []


def test_layers_import_downwards():
    wrong = []
    for name, imported in GRAPH.items():
        layer = name.split(".")[0]
        for target in imported:
            other = target.split(".")[0]
            # storage's one exception: bot.i18n, a leaf that imports nothing of the project,
            # so that a refusal is worded in the reader's language when it is raised
            if layer == "storage" and other != "storage" and target != "bot.i18n":
                wrong.append(f"{name} -> {target}")
            if layer == "bot" and other == "handlers" and name not in ENTRY_POINTS:
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_i18n_is_a_leaf():
    """storage may import bot.i18n only because it imports nothing of the project."""
    assert {t for t in GRAPH["bot.i18n"] if t.split(".")[0] in PACKAGES} == set()


def _sql_uses(name: str) -> list[str]:
    uses = []
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
                "sqlalchemy", "sqlmodel"):
            uses += [f"imports {a.name}" for a in node.names if a.name in SQL_NAMES]
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "session"
                and node.func.attr in SESSION_CALLS):
            uses.append(f"session.{node.func.attr}() on line {node.lineno}")
    return uses


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.startswith("storage")))
def test_no_sql_outside_storage(name):
    assert _sql_uses(name) == []


def test_handlers_open_no_transactions():
    opened = [f"{name}:{node.lineno}" for name in MODULES if name.startswith("handlers")
              for node in ast.walk(TREES[name])
              if isinstance(node, ast.Attribute) and node.attr in ("sessions", "begin")]
    assert opened == []


def test_functions_and_modules_stay_small():
    too_long = []
    for name, tree in TREES.items():
        lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE:
            too_long.append(f"module {name}: {lines} lines")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION:
                    too_long.append(f"{name}.{node.name}: {size} lines")
    assert too_long == []


def test_a_command_is_written_once():
    """Name and role live in the registry only: no handler names its own role any more."""
    from handlers.registry import COMMANDS

    pairs = [(c.name, c.role) for c in COMMANDS]
    assert len(pairs) == len(set(pairs))
    for name, tree in TREES.items():
        if name in ("handlers.registry", "handlers.commands"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("guard",
                                                                                 "Command"):
                pytest.fail(f"{name}:{node.lineno} declares a command outside the registry")
