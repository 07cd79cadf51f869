"""String catalogs (ko first, en second) and `t()`.

Placeholder values are escaped for mrkdwn unless they are text.Raw, so a catalog string
can never be used to echo user text unescaped; plain_text contexts pass plain=True.

Two things a catalog string may say besides `{name}`, resolved after the values are in (and escaped):

- a Korean particle as a field of its own, where it goes: `*{title}*{을} 승인했습니다` (see korean.py);
- a count with its noun in the right number: `{count:# member|# members}` is "1 member" or "3 members"
  (`#` stands for the number; a form without it is the noun alone). Korean needs none: `{count}명`.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

from kit.i18n.korean import PARTICLES, particle
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
    """The values a string takes (particle fields are not values)."""
    return {field for _, field, _, _ in Formatter().parse(template) if field and field not in PARTICLES}


def plural(count: Any, spec: str) -> str:
    """`one|other` by the count: "# member|# members" with 1 is "1 member"; `#` stands for the count."""
    one, _, other = spec.partition("|")
    try:
        single = abs(int(str(count))) == 1
    except ValueError:
        single = False
    return (one if single else other).replace("#", str(count))


def render(template: str, values: dict[str, Any]) -> str:
    """The template with its values, plural forms and particles filled in, left to right."""
    out: list[str] = []
    for literal, field, spec, conversion in Formatter().parse(template):
        out.append(literal)
        if field is None:
            continue
        if field in PARTICLES:
            out.append(particle("".join(out), field))
            continue
        value = values[field]
        if conversion:
            value = repr(value) if conversion == "r" else str(value)
        out.append(plural(value, spec) if "|" in (spec or "") else format(value, spec or ""))
    return "".join(out)


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
        return render(template, values)
    # The result is safe mrkdwn, so it is Raw: passing it into another t() must not escape it twice.
    return Raw(render(template, {name: escape(v) if isinstance(v, str) else v for name, v in values.items()}))
