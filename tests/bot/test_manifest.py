"""The manifest describes exactly what this build serves."""

from __future__ import annotations

import pytest
import yaml

from bot import manifest


def test_socket_mode_manifest_has_every_design_command_escaped():
    data = yaml.safe_load(manifest.render())
    commands = data["features"]["slash_commands"]
    assert {c["command"] for c in commands} == {
        "/project",
        "/progress",
        "/approval",
        "/directive",
        "/discuss",
        "/digest",
        "/report",
    }
    assert all(c["should_escape"] is True and "url" not in c for c in commands)
    assert data["settings"]["socket_mode_enabled"] is True
    assert data["settings"]["interactivity"] == {"is_enabled": True}
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert {"commands", "chat:write", "users:read"} <= set(data["oauth_config"]["scopes"]["bot"])


def test_url_manifest_points_every_request_at_the_events_endpoint():
    data = yaml.safe_load(manifest.render("https://onnuri.example.go.kr/"))
    url = "https://onnuri.example.go.kr/slack/events"
    assert data["settings"]["socket_mode_enabled"] is False
    assert data["settings"]["interactivity"]["request_url"] == url
    assert all(c["url"] == url for c in data["features"]["slash_commands"])


def registered(app, variable: str) -> set[str]:
    """What Bolt's own listeners match on (`command`, or an event's `event_type`), read from their matchers."""
    found = set()
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            if func is None or not func.__closure__:
                continue
            cells = dict(zip(func.__code__.co_freevars, func.__closure__, strict=True))
            if variable in cells:
                found.add(str(cells[variable].cell_contents))
    return found


def registered_commands(app) -> set[str]:
    return registered(app, "command")


def test_registered_commands_are_exactly_the_manifest_commands(bot):
    listed = {c["command"] for c in manifest.build()["features"]["slash_commands"]}
    assert registered_commands(bot.runtime.app) == listed


def test_every_manifest_command_answers_help(bot):
    for entry in manifest.build()["features"]["slash_commands"]:
        answer = bot.command(entry["command"], "help")
        assert entry["command"] in answer["text"], entry["command"]


def test_subscribed_events_are_exactly_the_events_the_bot_listens_to(bot):
    data = manifest.build()
    # message.channels and message.groups both arrive as the "message" event
    subscribed = {name.split(".")[0] for name in data["settings"]["event_subscriptions"]["bot_events"]}
    assert subscribed == registered(bot.runtime.app, "event_type")


def _words(routes, name: str) -> set[str]:
    return {w for spec, _body in routes if spec.key == name for w in spec.words}


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_every_usage_hint_names_only_subcommands_the_bot_hears(locale):
    import handlers
    from handlers.listener import listeners
    from handlers.pipeline import HELP_WORDS

    routes = listeners(handlers.MODULES)
    for entry in manifest.build(locale=locale)["features"]["slash_commands"]:
        heard = _words(routes, entry["command"]) | set(HELP_WORDS)
        for alternative in entry["usage_hint"].split(" | "):
            first = alternative.split()[0]
            assert first in heard or first.strip("[]").isupper(), (entry["command"], first)  # KEY, [KEY]


def test_a_korean_office_gets_korean_descriptions_and_korean_subcommands():
    korean = {c["command"]: c for c in manifest.build(locale="ko")["features"]["slash_commands"]}
    english = {c["command"]: c for c in manifest.build(locale="en")["features"]["slash_commands"]}
    assert korean["/project"]["description"].startswith("융합행정 과제")
    assert korean["/project"]["usage_hint"].startswith("새로 과제명 | 목록 | 보기 KEY")
    assert "종류=보고|계획|조치" in korean["/directive"]["usage_hint"]
    assert english["/project"]["usage_hint"].startswith("new | list | show KEY")
    assert all(c["description"] and len(c["description"]) <= 100 for c in [*korean.values(), *english.values()])
