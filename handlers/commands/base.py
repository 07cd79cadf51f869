"""What every slash command shares: the parsed request, replies, and turning refusals into text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.deps import Deps, answer_domain_error
from handlers.interaction import MalformedPayload, identity
from handlers.parsing import split_subcommand
from kit.i18n import t
from kit.reader import Reader
from kit.text import plain
from services import idempotency
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

    @property
    def first_arg(self) -> str:
        """The first word after the subcommand, as the person meant it (Slack markup flattened)."""
        words = self.args.split()
        return plain(words[0], from_command=True) if words else ""

    def first_time(self, session) -> bool:
        """False when this very command was carried out before (a replayed request changes nothing)."""
        return not self.cmd.trigger_id or idempotency.first_time(
            session, self.cmd.team_id, f"cmd:{self.cmd.trigger_id}"
        )

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

    def listener(ack, body, respond, client, logger) -> None:
        ack()
        try:
            cmd = SlashCommand.from_body(body)
        except MalformedPayload as error:
            logger.warning("ignored %s: %s", name, error)
            return
        reader = deps.reader(client, cmd.team_id, cmd.user_id)
        sub, rest = split_subcommand(cmd.text)
        run = default if not sub else subcommands.get(sub, unknown)
        if run is None:
            text = t("common.unknown_subcommand", reader.locale, command=name, sub=plain(sub, from_command=True)[:30])
            respond(response_type="ephemeral", text=text)
        else:
            invocation = Invocation(
                deps=deps, cmd=cmd, args=rest if sub else "", reader=reader, respond=respond, client=client
            )
            try:
                run(invocation)
            except DomainError as error:
                answer_domain_error(respond, error, reader.locale)
        deps.refresh_profile(client, cmd.team_id, cmd.user_id)

    app.command(name)(listener)


def help_for(topic: str) -> Subcommand:
    def show_help(inv: Invocation) -> None:
        inv.say(f"help.{topic}")

    return show_help
