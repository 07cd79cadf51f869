"""Checking what the bot sent against Slack's rules, with slack_sdk's own Block Kit models."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.fakes.slack_api import Call

MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"}
VIEW_METHODS = {"views.open", "views.update", "views.push", "views.publish"}
# What a user may type that must never come back to Slack live: a broadcast, a mention, a disguised link.
RAW_INJECTIONS = ("<!channel>", "<!here>", "<!everyone>", "<http://evil.example|", "<@U666>")


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


def injections(call: Call) -> list[str]:
    """Raw user-typed Slack markup found anywhere in what the bot sent."""
    text = repr(call.params)
    return [needle for needle in RAW_INJECTIONS if needle in text] + (
        ["<!channel|...>"] if re.search(r"<!channel\|", text) else []
    )


def all_problems(calls: list[Call]) -> list[str]:
    return [f"{call.method}: {problem}" for call in calls for problem in problems(call) + injections(call)]
