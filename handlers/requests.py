"""What Slack sends, read into small typed values: who and where, a slash command, a click, a submitted form.

Anything a request carries is checked here before a listener sees it: a payload naming no workspace or
no person is malformed; a record id is a positive database integer; form values are read as the types
their inputs produce, whatever the payload claims."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_ID = 2**31 - 1  # a database integer: a larger "id" in a button is forged


class MalformedPayload(ValueError):
    """A payload without the workspace or the person it is about; it is acknowledged and ignored."""


def team_of(body: dict[str, Any]) -> str:
    """The workspace the request happened in (not the person's home team on Enterprise Grid)."""
    team = body.get("team")
    candidates = (
        team.get("id") if isinstance(team, dict) else None,
        body.get("team_id"),
        (body.get("view") or {}).get("team_id") if isinstance(body.get("view"), dict) else None,
        (body.get("user") or {}).get("team_id") if isinstance(body.get("user"), dict) else None,
    )
    return next((str(c) for c in candidates if isinstance(c, str) and c), "")


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    found = user.get("id") if isinstance(user, dict) else body.get("user_id")
    return found if isinstance(found, str) else ""


def channel_of(body: dict[str, Any]) -> str | None:
    channel = body.get("channel")
    found = channel.get("id") if isinstance(channel, dict) else body.get("channel_id")
    return found if isinstance(found, str) and found else None


def identity(body: dict[str, Any]) -> tuple[str, str]:
    team_id, user_id = team_of(body), user_of(body)
    if not team_id or not user_id:
        raise MalformedPayload("payload names no team or no user")
    return team_id, user_id


def record_id(text: str) -> int | None:
    """A positive database id written in ASCII digits (a leading # allowed), else None."""
    raw = text.strip().lstrip("#")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID else None


def metadata_of(view: dict[str, Any]) -> dict[str, Any]:
    """A view's private_metadata as a dict (empty when missing or not ours)."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return metadata if isinstance(metadata, dict) else {}


@dataclass(frozen=True)
class SlashCommand:
    command: str
    text: str
    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> SlashCommand:
        team_id, user_id = identity(body)
        return cls(
            command=str(body.get("command", "")),
            text=str(body.get("text", "")),
            team_id=team_id,
            user_id=user_id,
            channel_id=str(body.get("channel_id", "")),
            trigger_id=str(body.get("trigger_id", "")),
        )


@dataclass(frozen=True)
class Click:
    team_id: str
    user_id: str
    action_id: str
    value: str
    selected: str  # the chosen option's value, for selects
    channel_id: str | None
    has_response_url: bool
    trigger_id: str
    view: dict[str, Any]  # the modal or Home the click came from ({} for a message)

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Click:
        team_id, user_id = identity(body)
        actions = body.get("actions")
        action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
        selected = action.get("selected_option")
        view = body.get("view")
        trigger = body.get("trigger_id")
        return cls(
            team_id=team_id,
            user_id=user_id,
            action_id=str(action.get("action_id", "")),
            value=str(action.get("value") or ""),
            selected=str(selected.get("value") or "") if isinstance(selected, dict) else "",
            channel_id=channel_of(body),
            has_response_url=bool(body.get("response_url")),
            trigger_id=trigger if isinstance(trigger, str) else "",
            view=view if isinstance(view, dict) else {},
        )


@dataclass(frozen=True)
class Submission:
    team_id: str
    user_id: str
    view_id: str
    callback_id: str
    values: dict[str, Any]
    metadata: dict[str, Any]

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Submission:
        team_id, user_id = identity(body)
        view = body.get("view") if isinstance(body.get("view"), dict) else {}
        state = view.get("state") if isinstance(view.get("state"), dict) else {}
        values = state.get("values") if isinstance(state.get("values"), dict) else {}
        return cls(
            team_id=team_id,
            user_id=user_id,
            view_id=str(view.get("id", "")),
            callback_id=str(view.get("callback_id", "")),
            values=values,
            metadata=metadata_of(view),
        )

    def element(self, block_id: str) -> dict[str, Any]:
        block = self.values.get(block_id)
        element = next(iter(block.values()), {}) if isinstance(block, dict) and block else {}
        return element if isinstance(element, dict) else {}

    def text(self, block_id: str) -> str:
        """What the person typed, as typed: modal input is literal text, escaped when it is shown."""
        value = self.element(block_id).get("value")
        return value if isinstance(value, str) else ""

    def users(self, block_id: str) -> list[str]:
        found = self.element(block_id).get("selected_users")
        return [u for u in found if isinstance(u, str)] if isinstance(found, list) else []

    def user(self, block_id: str) -> str | None:
        found = self.element(block_id).get("selected_user")
        return found if isinstance(found, str) and found else None

    def option(self, block_id: str) -> str | None:
        selected = self.element(block_id).get("selected_option")
        value = selected.get("value") if isinstance(selected, dict) else None
        return value if isinstance(value, str) and value else None

    def conversation(self, block_id: str) -> str | None:
        element = self.element(block_id)
        value = element.get("selected_conversation") or element.get("selected_channel")
        return value if isinstance(value, str) and value else None

    def checked(self, block_id: str) -> set[str]:
        """The values of the ticked checkboxes."""
        found = self.element(block_id).get("selected_options")
        options = found if isinstance(found, list) else []
        return {str(o.get("value")) for o in options if isinstance(o, dict) and o.get("value")}

    def date(self, block_id: str) -> str | None:
        value = self.element(block_id).get("selected_date")
        return value if isinstance(value, str) and value else None

    def metadata_int(self, name: str) -> int | None:
        value = self.metadata.get(name)
        valid = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
        return value if valid else None

    def metadata_ids(self, name: str) -> list[str]:
        value = self.metadata.get(name)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def metadata_str(self, name: str) -> str | None:
        value = self.metadata.get(name)
        return value if isinstance(value, str) and value else None
