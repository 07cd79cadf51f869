"""Commands of DESIGN.md whose features are still to come: they answer help, and say so."""

from __future__ import annotations

from slack_bolt import App

from bot.i18n import t
from bot.ids import Command
from handlers.commands.base import Invocation, Subcommand, help_for, register_command
from handlers.deps import Deps

PENDING = {
    Command.REPORT: "report",
}


def _not_yet(command: str, topic: str) -> Subcommand:
    def answer(inv: Invocation) -> None:
        text = t(f"help.{topic}", inv.locale) + "\n\n" + t("common.not_yet", inv.locale, command=command)
        inv.reply({"text": text})

    return answer


def register(app: App, deps: Deps) -> None:
    for command, topic in PENDING.items():
        not_yet = _not_yet(command, topic)
        register_command(app, deps, command, {"help": help_for(topic)}, default=not_yet, unknown=not_yet)
