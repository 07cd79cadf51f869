"""What every slash command shares: the parsed request, replies, and turning refusals into text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import t
from bot.reader import Reader
from handlers.deps import Deps, answer_domain_error
from handlers.parsing import split_subcommand
from services.errors import DomainError

EXPIRED_TRIGGER_ERRORS = {"expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"}


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
        return cls(
            command=str(body.get("command", "")),
            text=str(body.get("text", "")),
            team_id=str(body.get("team_id", "")),
            user_id=str(body.get("user_id", "")),
            channel_id=str(body.get("channel_id", "")),
            trigger_id=str(body.get("trigger_id", "")),
        )


@dataclass(frozen=True)
class Invocation:
    """One run of a command: the request, who reads the answer, and how to answer."""

    deps: Deps
    cmd: SlashCommand
    args: str
    reader: Reader
    respond: Callable[..., Any]
    client: WebClient

    @property
    def locale(self) -> str:
        return self.reader.locale

    def reply(self, payload: dict[str, Any]) -> None:
        self.respond(response_type="ephemeral", replace_original=False, **payload)

    def say(self, key: str, **values: Any) -> None:
        self.reply({"text": t(key, self.locale, **values)})

    def open_modal(self, view: dict[str, Any]) -> None:
        try:
            self.client.views_open(trigger_id=self.cmd.trigger_id, view=view)
        except SlackApiError as error:
            if error.response.get("error") in EXPIRED_TRIGGER_ERRORS:
                self.say("common.trigger_expired")
                return
            raise


Subcommand = Callable[[Invocation], None]


def register_command(
    app: App,
    deps: Deps,
    name: str,
    subcommands: dict[str, Subcommand],
    *,
    default: Subcommand,
    unknown: Subcommand | None = None,
) -> None:
    """Routes `/name sub args` to subcommands[sub]; an empty text goes to `default`, anything
    else to `unknown` or, without one, to a clear "no such subcommand" answer."""

    def listener(ack, body, respond, client) -> None:
        ack()
        cmd = SlashCommand.from_body(body)
        reader = deps.reader(client, cmd.team_id, cmd.user_id)
        sub, rest = split_subcommand(cmd.text)
        run = default if not sub else subcommands.get(sub, unknown)
        if run is None:
            respond(
                response_type="ephemeral",
                text=t("common.unknown_subcommand", reader.locale, command=name, sub=sub[:30]),
            )
            return
        invocation = Invocation(
            deps=deps, cmd=cmd, args=rest if sub else "", reader=reader, respond=respond, client=client
        )
        try:
            run(invocation)
        except DomainError as error:
            answer_domain_error(respond, error, reader.locale)

    app.command(name)(listener)
    deps.registered_commands.append(name)


def help_for(topic: str) -> Subcommand:
    def show_help(inv: Invocation) -> None:
        inv.say(f"help.{topic}")

    return show_help
