"""The Slack app manifest for this build, generated from what the code registers."""

from __future__ import annotations

import re
from typing import Any

import yaml

from kit.i18n import t
from kit.ids import Command

BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:join",
    "users:read",
    "channels:history",  # replies in discussion threads (who and when) through message events
    "groups:history",
    "im:write",  # participation files go to the person's DM
    "im:history",  # a retried DM is looked for (by its metadata) before it is posted again
    "files:write",
)


def command_info(command: Command, locale: str) -> tuple[str, str]:
    """A command's description and usage hint, in the organisation's language (catalog `manifest.*`)."""
    name = command.lstrip("/")
    return t(f"manifest.{name}", locale, plain=True), t(f"manifest.{name}_usage", locale, plain=True)


BOT_EVENTS: tuple[str, ...] = ("app_home_opened", "message.channels", "message.groups")


class InvalidURL(ValueError):
    pass


def request_url_for(base: str) -> str:
    """The events endpoint under a public base URL; a URL that already ends in it is taken as is."""
    base = base.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", base):
        raise InvalidURL(f"{base!r} is not an http(s) URL such as https://onnuri.example.go.kr")
    return base if base.endswith("/slack/events") else f"{base}/slack/events"


def build(url: str | None = None, locale: str = "ko") -> dict[str, Any]:
    """Socket Mode unless a public base URL is given, in which case every request goes to it. Descriptions and
    usage hints are in `locale` (ONNURI_LOCALE): Korean first for a Korean office."""
    request_url = request_url_for(url) if url is not None else None
    commands = []
    for command in Command:
        description, usage = command_info(command, locale)
        entry: dict[str, Any] = {
            "command": str(command),
            "description": description,
            "usage_hint": usage,
            "should_escape": True,
        }
        if request_url:
            entry["url"] = request_url
        commands.append(entry)
    settings: dict[str, Any] = {
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": request_url is None,
        "token_rotation_enabled": False,
    }
    if request_url:
        settings["interactivity"]["request_url"] = request_url
    if BOT_EVENTS:
        settings["event_subscriptions"] = {"bot_events": list(BOT_EVENTS)}
        if request_url:
            settings["event_subscriptions"]["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "Onnuri",
            "description": "융합행정 — cross-department projects: progress, approvals, directives, discussions",
            "background_color": "#1d4e89",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,  # the bot writes to people; it reads no DMs
            },
            "bot_user": {"display_name": "onnuri", "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": settings,
    }


def render(url: str | None = None, locale: str = "ko") -> str:
    return yaml.safe_dump(build(url, locale), allow_unicode=True, sort_keys=False)
