"""/progress: a one-line update, or the form."""

from __future__ import annotations

import re

from slack_bolt import App

from handlers.commands.base import Invocation, help_for, register_command
from handlers.deps import Deps
from kit.blocks import progress as blocks
from kit.i18n import t
from kit.ids import Command
from kit.text import plain
from services import progress
from services.errors import DomainError

_PERCENT_WORD = re.compile(r"^\S+%$")


def open_form(inv: Invocation, key: str | None = None) -> None:
    """Opens the form, on `key` when given; refuses at once when there is nothing to report on."""
    with inv.deps.session_factory() as session:
        form = progress.form_for(session, inv.cmd.team_id, inv.cmd.user_id, key)
    inv.open_modal(
        blocks.progress_modal(
            inv.reader, form.choices, selected=form.selected, previous=form.previous, channel_id=inv.cmd.channel_id
        )
    )


def post_or_open(inv: Invocation) -> None:
    words = inv.cmd.text.split(maxsplit=2)
    key = plain(words[0], from_command=True)
    rest = words[1:]
    percent = None
    if rest and _PERCENT_WORD.match(rest[0]):
        percent = progress.validate_percent(plain(rest[0], from_command=True))
        rest = rest[1:]
    text = plain(" ".join(rest), from_command=True)
    if percent is None and not text:
        open_form(inv, key)
        return
    with inv.deps.transaction() as session:
        if not inv.first_time(session):
            return
        update = progress.post(
            session,
            inv.cmd.team_id,
            inv.cmd.user_id,
            key,
            progress.Entry(done=text, percent=percent),
            now=inv.deps.clock(),
            calendar=inv.deps.calendar,
        )
    inv.reply(blocks.posted(update, inv.locale))


def _answer_refusals(run):
    """Not being a member gets a Join button, not just words."""

    def wrapped(inv: Invocation) -> None:
        try:
            run(inv)
        except DomainError as error:
            if error.code != "progress.not_member":
                raise
            text = t("error.progress.not_member", inv.locale, **error.params)
            inv.reply(blocks.not_member(error.params["key"], text, inv.locale))

    return wrapped


def register(app: App, deps: Deps) -> None:
    register_command(
        app,
        deps,
        Command.PROGRESS,
        {"help": help_for("progress")},
        default=_answer_refusals(open_form),
        unknown=_answer_refusals(post_or_open),
    )
