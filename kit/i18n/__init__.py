"""String catalogs (ko first, en second) and `t()`.

Placeholder values are escaped for mrkdwn unless they are text.Raw, so a catalog string
can never be used to echo user text unescaped; plain_text contexts pass plain=True.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

from kit.text import Raw, escape

LOCALES = ("ko", "en")
_HERE = Path(__file__).parent


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = str(value)
    return flat


@cache
def catalog(locale: str) -> dict[str, str]:
    with (_HERE / f"{locale}.toml").open("rb") as fh:
        return _flatten(tomllib.load(fh))


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(template) if field}


def resolve_locale(slack_locale: str | None, default: str) -> str:
    """Slack's "ko-KR" / "en-US" to a catalog name; anything else falls back to the default."""
    if slack_locale:
        language = slack_locale.split("-")[0].lower()
        if language in LOCALES:
            return language
    return default if default in LOCALES else LOCALES[0]


def t(key: str, locale: str, /, *, plain: bool = False, **values: Any) -> str:
    template = catalog(locale if locale in LOCALES else LOCALES[0]).get(key)
    if template is None:
        template = catalog(LOCALES[0])[key]
    if plain:
        return template.format(**values)
    # The result is safe mrkdwn, so it is Raw: passing it into another t() must not escape it twice.
    return Raw(template.format(**{name: escape(v) if isinstance(v, str) else v for name, v in values.items()}))
