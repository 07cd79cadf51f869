"""Small Block Kit pieces that keep every payload inside Slack's limits."""

from __future__ import annotations

import json
from typing import Any

from kit.text import truncate

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
CONTEXT_ELEMENTS = 10
FALLBACK_TEXT = 3000
VIEW_TITLE = 24
OPTION_TEXT = 75
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30

Block = dict[str, Any]


def plain_text(text: str, limit: int | None = None) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit) if limit else text, "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, limit)}


def section(text: str, *, accessory: dict[str, Any] | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def fields_section(fields: list[str]) -> Block:
    # Slack allows 10 fields of 2000 characters each.
    return {"type": "section", "fields": [mrkdwn(f, 2000) for f in fields[:10]]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain_text(text, HEADER_TEXT)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:CONTEXT_ELEMENTS]]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    label: str, action_id: str, value: str = "", style: str | None = None, *, confirm: dict[str, Any] | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain_text(label, BUTTON_TEXT),
        "action_id": action_id,
    }
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, text: str, yes: str, no: str, *, danger: bool = False) -> dict[str, Any]:
    """Slack's own "are you sure?" before a button acts (a confirmation object)."""
    dialog: dict[str, Any] = {
        "title": plain_text(title, CONFIRM_TITLE),
        "text": plain_text(text, CONFIRM_TEXT),
        "confirm": plain_text(yes, CONFIRM_BUTTON),
        "deny": plain_text(no, CONFIRM_BUTTON),
    }
    if danger:
        dialog["style"] = "danger"
    return dialog


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def message(text: str, blocks: list[Block] | None = None) -> dict[str, Any]:
    """A message payload: a text fallback always, and no more blocks than Slack takes."""
    payload: dict[str, Any] = {"text": truncate(text, FALLBACK_TEXT)}
    if blocks:
        payload["blocks"] = blocks[:MAX_MESSAGE_BLOCKS]
    return payload


def modal(
    *,
    title: str,
    blocks: list[Block],
    callback_id: str,
    submit: str | None = None,
    close: str | None = None,
    private_metadata: str = "",
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain_text(title, VIEW_TITLE),
        "blocks": blocks[:MAX_VIEW_BLOCKS],
        "private_metadata": private_metadata[:3000],
    }
    if submit:
        view["submit"] = plain_text(submit, VIEW_TITLE)
    if close:
        view["close"] = plain_text(close, VIEW_TITLE)
    return view


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str | None = None
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain_text(hint, 2000)
    return block


def text_modal(
    *,
    title: str,
    submit: str,
    close: str,
    callback_id: str,
    metadata: dict[str, Any],
    block_id: str,
    label: str,
    max_length: int = 1000,
) -> dict[str, Any]:
    """A form with one multi-line text: a reason, a comment, a report."""
    element = {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": max_length}
    return modal(
        title=title,
        submit=submit,
        close=close,
        callback_id=callback_id,
        private_metadata=json.dumps(metadata),
        blocks=[input_block(block_id, label, element)],
    )
