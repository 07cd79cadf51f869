"""The floors of the code hold: each top-level package imports only the floors below it, the Slack-facing
floors name the domain through services/ (never the tables in models/), no two modules import each other
in a circle, and nothing `onnuri run` loads imports the console or the fake Slack.

    bot/         the assembly: settings, composition root, app, front door, runtime, CLI, console
    handlers/    Slack listeners                 scheduler/   timed jobs, outbox delivery
    kit/         the Slack kit: Block Kit, catalogs, ids, text, reader
    services/    the domain
    models/      tables, engine, migrations
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
FLOOR = {"bot": 5, "handlers": 4, "scheduler": 4, "kit": 3, "services": 2, "models": 1}
NEVER = {  # packages a package must not import, even at its own floor or below
    "handlers": {"scheduler", "models"},
    "scheduler": {"handlers", "models"},
    "kit": {"models"},
}
OFFLINE_ONLY = ("bot.console", "bot.fakeslack")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every module the file imports, at the top or inside a function, resolved to its full name."""
    found: set[str] = set()
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


SOURCES = {module_name(p): p for top in FLOOR for p in (ROOT / top).rglob("*.py") if "migrations" not in p.parts}
GRAPH = {name: {i for i in imports(path) if i in SOURCES and i != name} for name, path in SOURCES.items()}


def top(name: str) -> str:
    return name.split(".", 1)[0]


def test_each_floor_imports_only_the_floors_below_it():
    wrong = [
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if FLOOR[top(target)] > FLOOR[top(name)]
        or (FLOOR[top(target)] == FLOOR[top(name)] and top(target) != top(name))
    ]
    assert not wrong, "\n".join(sorted(wrong))


def test_the_slack_facing_floors_never_import_the_tables():
    wrong = [
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if top(target) in NEVER.get(top(name), set())
    ]
    assert not wrong, "\n".join(sorted(wrong))


def test_no_two_modules_import_each_other_in_a_circle():
    modules = {name for name in GRAPH if not name.endswith("__init__")}
    edges = {name: {t for t in GRAPH[name] if t in modules and SOURCES[t].name != "__init__.py"} for name in modules}
    visiting, done, circles = set(), set(), []

    def visit(node: str, path: list[str]) -> None:
        visiting.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt in visiting:
                circles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in done:
                visit(nxt, [*path, nxt])
        visiting.discard(node)
        done.add(node)

    for start in sorted(modules):
        if start not in done:
            visit(start, [start])
    assert not circles, "\n".join(circles)


@pytest.mark.parametrize("entry", ["bot.runtime", "bot.app", "bot.web", "bot.front_door", "bot.compose"])
def test_nothing_the_bot_runs_loads_the_console_or_the_fake_slack(entry):
    code = f"import sys, {entry}; print(sorted(m for m in sys.modules if m.startswith({OFFLINE_ONLY!r})))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_the_scan_sees_the_whole_tree():
    assert {"bot.runtime", "handlers.deps", "kit.blocks.approvals", "services.ledger", "models.db"} <= set(SOURCES)
    assert "kit.blocks.approvals" in GRAPH["handlers.actions.approval"]
