"""Parsing slash-command text (sent with should_escape: true) into plain values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from kit.text import plain

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_OPTION = re.compile(r"^([a-z]+)=(\S+)$")


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
        elif (m := _OPTION.match(word)) and m.group(1) in option_names:
            tokens.options[m.group(1)] = plain(m.group(2), from_command=True)
        else:
            tokens.words.append(word)
    return tokens


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
