"""Checking what the bot sent against Slack's rules, with slack_sdk's own Block Kit models."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.fakeslack.web_api import Call

MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"}
VIEW_METHODS = {"views.open", "views.update", "views.push", "views.publish"}
# What a user may type that must never come back to Slack live: a broadcast, a mention, a disguised link.
RAW_INJECTIONS = ("<!channel>", "<!here>", "<!everyone>", "<http://evil.example|", "<https://phish.example|", "<@U666>")
DOUBLE_ESCAPED = re.compile(r"&amp;(?:lt|gt|amp);")


def problems(call: Call) -> list[str]:
    if call.method in MESSAGE_METHODS:
        return _message_problems(call.params)
    if call.method in VIEW_METHODS:
        return _view_problems(call.params.get("view") or {})
    return []


def _message_problems(params: dict[str, Any]) -> list[str]:
    found = []
    if params.get("delete_original"):
        return found
    if not str(params.get("text") or "").strip():
        found.append("no text fallback")
    blocks = params.get("blocks") or []
    if len(blocks) > 50:
        found.append(f"{len(blocks)} blocks (max 50)")
    found += _block_problems(blocks)
    return found


def _view_problems(view: dict[str, Any]) -> list[str]:
    try:
        View(**view).to_dict()
    except (SlackObjectFormationError, TypeError) as error:
        return [f"invalid view: {error}"]
    return _block_problems(view.get("blocks") or [])


def _block_problems(blocks: list[dict[str, Any]]) -> list[str]:
    found = []
    for block in blocks:
        parsed = Block.parse(block)
        if parsed is None:
            found.append(f"unknown block type {block.get('type')!r}")
            continue
        try:
            parsed.to_dict()
        except SlackObjectFormationError as error:
            found.append(f"invalid {block.get('type')} block: {error}")
    return found


def _mrkdwn_texts(value: Any) -> list[str]:
    """Every string Slack parses as markup: mrkdwn text objects and a message's text fallback."""
    if isinstance(value, dict):
        found = [value["text"]] if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str) else []
        return found + [text for item in value.values() for text in _mrkdwn_texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _mrkdwn_texts(item)]
    return []


def injections(call: Call) -> list[str]:
    """User-typed markup that came back live, or text escaped twice, in what Slack will parse."""
    if call.method not in MESSAGE_METHODS | VIEW_METHODS:
        return []
    texts = _mrkdwn_texts(call.params)
    if isinstance(call.params.get("text"), str):
        texts.append(call.params["text"])
    found = [needle for needle in RAW_INJECTIONS for text in texts if needle in text]
    found += [f"escaped twice: {m.group(0)}" for text in texts for m in DOUBLE_ESCAPED.finditer(text)]
    return found


def all_problems(calls: list[Call]) -> list[str]:
    return [f"{call.method}: {problem}" for call in calls for problem in problems(call) + injections(call)]
