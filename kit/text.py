"""Showing user text safely in Slack mrkdwn.

Slack delivers slash-command text with `should_escape: true`: literal &, <, > arrive as
entities and mentions, channels and links arrive as <...> tokens. Onnuri stores what the
person meant as plain text (tokens become @name, #channel, the bare URL, @channel) and
escapes it again whenever it is shown, so nothing the bot echoes can ping or hide a link.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"<([^<>]*)>")
_ENTITY = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}


class Raw(str):
    """Bot-made mrkdwn (a mention the bot means to make, a formatted link) that must not be escaped."""


def escape(text: str) -> str:
    if isinstance(text, Raw):
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain_token(body: str) -> str:
    target, _, label = body.partition("|")
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!subteam^"):
        return label or "@team"
    if target.startswith("!date^"):
        return label or target
    if target.startswith("!"):
        return "@" + target[1:]
    return target  # a link: show the real address, never a disguising label


def plain(text: str, *, from_command: bool = False) -> str:
    """What the person typed, as plain text: Slack's tokens flattened; entities decoded for command text."""
    flattened = _TOKEN.sub(lambda m: _plain_token(m.group(1)), text)
    if from_command:
        flattened = re.sub(r"&(lt|gt|amp);", lambda m: _ENTITY[m.group(0)], flattened)
    return flattened


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def mention(slack_user_id: str) -> Raw:
    return Raw(f"<@{slack_user_id}>")


def channel_link(channel_id: str) -> Raw:
    return Raw(f"<#{channel_id}>")


def escape_within(text: str, limit: int) -> str:
    """The text escaped for mrkdwn and cut to `limit` characters after escaping, never inside an entity."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    if limit <= 1:
        return "…"[: max(limit, 0)]
    keep = limit - 1
    while keep > 0 and len(escape(text[:keep])) > limit - 1:
        keep -= max(1, (len(escape(text[:keep])) - (limit - 1)) // 5)
    return escape(text[:keep]) + "…"
