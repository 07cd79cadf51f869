"""Parsing interactive payloads (buttons, modal submissions) and answering the person."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.text import plain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Click:
    team_id: str
    user_id: str
    action_id: str
    value: str
    channel_id: str | None
    trigger_id: str
    action_ts: str
    has_response_url: bool

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Click:
        user = body.get("user") or {}
        action = (body.get("actions") or [{}])[0]
        return cls(
            team_id=str(user.get("team_id") or (body.get("team") or {}).get("id") or ""),
            user_id=str(user.get("id", "")),
            action_id=str(action.get("action_id", "")),
            value=str(action.get("value") or ""),
            channel_id=(body.get("channel") or {}).get("id"),
            trigger_id=str(body.get("trigger_id", "")),
            action_ts=str(action.get("action_ts", "")),
            has_response_url=bool(body.get("response_url")),
        )


@dataclass(frozen=True)
class Submission:
    team_id: str
    user_id: str
    view_id: str
    callback_id: str
    values: dict[str, dict[str, Any]]
    metadata: dict[str, Any]

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Submission:
        view = body.get("view") or {}
        user = body.get("user") or {}
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            metadata = {}
        return cls(
            team_id=str(user.get("team_id") or (body.get("team") or {}).get("id") or view.get("team_id") or ""),
            user_id=str(user.get("id", "")),
            view_id=str(view.get("id", "")),
            callback_id=str(view.get("callback_id", "")),
            values=(view.get("state") or {}).get("values") or {},
            metadata=metadata if isinstance(metadata, dict) else {},
        )

    def element(self, block_id: str) -> dict[str, Any]:
        block = self.values.get(block_id) or {}
        return next(iter(block.values()), {}) if isinstance(block, dict) else {}

    def text(self, block_id: str) -> str:
        """What the person typed, with any Slack markup in it flattened to plain text."""
        value = self.element(block_id).get("value")
        return plain(value) if isinstance(value, str) else ""

    def users(self, block_id: str) -> list[str]:
        found = self.element(block_id).get("selected_users") or []
        return [u for u in found if isinstance(u, str)]

    def conversation(self, block_id: str) -> str | None:
        value = self.element(block_id).get("selected_conversation") or self.element(block_id).get("selected_channel")
        return value if isinstance(value, str) and value else None

    def date(self, block_id: str) -> str | None:
        value = self.element(block_id).get("selected_date")
        return value if isinstance(value, str) and value else None


def tell_user(
    client: WebClient, user_id: str, payload: dict[str, Any], *, channel_id: str | None = None, respond=None
) -> None:
    """An answer only the person sees: in place of a response_url, as an ephemeral in the
    channel they were in, or else in their DM with the bot."""
    if respond is not None:
        respond(response_type="ephemeral", replace_original=False, **payload)
        return
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, **payload)
            return
        except SlackApiError as error:
            log.info("ephemeral answer not possible in %s: %s", channel_id, error.response.get("error"))
    client.chat_postMessage(channel=user_id, **payload)
