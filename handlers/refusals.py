"""A refusal (DomainError) in the reader's words: the catalog's sentence, with the people among its
parameters named (mentions in messages; names in form errors, which Slack shows as plain text)."""

from __future__ import annotations

from collections.abc import Callable

from kit.i18n import t
from kit.text import Raw, mention
from services.errors import DomainError, People

Name = Callable[[str], str]


def error_text(error: DomainError, locale: str, *, plain: bool = False, name: Name | None = None) -> str:
    def people(value: People) -> str:
        if plain:
            return ", ".join(f"@{name(person) if name else person}" for person in value)
        return Raw(", ".join(mention(person) for person in value))

    params = {key: people(value) if isinstance(value, People) else value for key, value in error.params.items()}
    return t(f"error.{error.code}", locale, plain=plain, **params)
