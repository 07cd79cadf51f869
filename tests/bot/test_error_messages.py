"""Every refusal raised anywhere renders in both languages with the parameters its raiser gives: no catalog
placeholder the raiser leaves unfilled (which would answer "unexpected error" instead of the refusal)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from handlers.refusals import error_text
from kit.i18n import catalog, placeholders  # particle fields ({을}) are not values
from services.errors import DomainError, People

ROOT = Path(__file__).parents[2]
SOURCES = [p for folder in ("services", "handlers", "bot") for p in (ROOT / folder).rglob("*.py")]


def raised() -> list[tuple[str, frozenset[str], str]]:
    """(code, keyword names, where) of every DomainError("code", ...) constructed in the code."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "DomainError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names = frozenset(k.arg for k in node.keywords if k.arg is not None)
                found.append((node.args[0].value, names, f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


RAISED = raised()


def test_the_scan_finds_the_refusals():
    codes = {code for code, _, _ in RAISED}
    assert {"discussion.conclusion_missing", "approval.after_final", "project.not_found"} <= codes
    assert len(RAISED) > 80


@pytest.mark.parametrize("locale", ["ko", "en"])
@pytest.mark.parametrize(("code", "names", "where"), RAISED, ids=[f"{c}@{w}" for c, _, w in RAISED])
def test_every_refusal_has_a_sentence_whose_placeholders_its_raiser_fills(locale, code, names, where):
    template = catalog(locale).get(f"error.{code}")
    assert template is not None, f"{where}: no error.{code} in the {locale} catalog"
    missing = placeholders(template) - names
    assert not missing, f"{where}: error.{code} needs {sorted(missing)} that the raiser does not give"
    values = {name: People(["U1"]) if name in ("final", "people") else "값" for name in names}
    assert error_text(DomainError(code, **values), locale)
    assert error_text(DomainError(code, **values), locale, plain=True)
