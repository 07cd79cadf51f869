"""Parsing slash-command text (sent with should_escape: true) into plain values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from kit.text import plain
from services.errors import DomainError

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_OPTION = re.compile(r"^([a-z]+|[가-힣]+)=(\S+)$")
_TYPED_NAME = re.compile(r"^@[^\s@]+$")  # `@홍길동` typed as text: Slack found nobody to make a mention of
_UNIT = r"(?:%|％|퍼센트)"
_LEADING_PERCENT = re.compile(rf"^(?:(\S+?){_UNIT}|(\d+)\s+{_UNIT})(?:\s+|$)")

# Korean words accepted wherever the grammar has an English one (DESIGN.md glossary)
OPTION_WORDS = {"키": "key", "기한": "due", "종류": "kind", "까지": "until"}
DIRECTIVE_KINDS = {"보고": "report", "계획": "plan", "조치": "action"}
CONFIRM_WORDS = ("confirm", "확인")


@dataclass
class Tokens:
    """A command's words split into mentions, channels, key=value options and the free text."""

    words: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return plain(" ".join(self.words), from_command=True).strip()


def split_subcommand(text: str) -> tuple[str, str]:
    parts = text.strip().split(maxsplit=1)
    return (parts[0].lower() if parts else ""), (parts[1].strip() if len(parts) > 1 else "")


def tokenize(text: str, option_names: tuple[str, ...] = ()) -> Tokens:
    tokens = Tokens()
    for word in text.split():
        if m := _USER.match(word):
            tokens.users.append(m.group(1))
        elif m := _CHANNEL.match(word):
            tokens.channels.append(m.group(1))
        elif (m := _OPTION.match(word)) and (name := OPTION_WORDS.get(m.group(1), m.group(1))) in option_names:
            tokens.options[name] = plain(m.group(2), from_command=True)
        else:
            tokens.words.append(word)
    return tokens


def named_people(tokens: Tokens) -> list[str]:
    """The people a command names. A name typed as plain text (`@홍길동`) is no Slack mention: Slack knew
    nobody by it, so it is refused by name rather than passed over or kept in the text."""
    typed = list(
        dict.fromkeys(plain(w, from_command=True).rstrip(",.;:!?") for w in tokens.words if _TYPED_NAME.match(w))
    )
    if typed:
        raise DomainError("people.not_found", names=", ".join(typed)[:200])
    return tokens.users


def leading_percent(text: str) -> tuple[str | None, str]:
    """A percent the text starts with (`62%`, `62 %`, `62퍼센트`), as written, and the rest of the text."""
    found = _LEADING_PERCENT.match(text.strip())
    if found is None:
        return None, text.strip()
    return found.group(0).strip(), text.strip()[found.end() :]


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
