"""/progress: a one-line update, or the form."""

from __future__ import annotations

from handlers.listener import Call, Modal, Reply, command
from handlers.parsing import leading_percent
from kit.blocks import progress as blocks
from kit.i18n import t
from kit.ids import Command
from kit.text import plain
from services import progress
from services.errors import DomainError


def _form(call: Call, key: str | None) -> Modal:
    """The form, on `key` when given; refused at once when there is nothing to report on."""
    found = progress.form_for(call.db, call.team_id, call.user_id, key)
    return Modal(
        blocks.progress_modal(
            call.reader, found.choices, selected=found.selected, previous=found.previous, channel_id=call.channel_id
        )
    )


def _not_member(call: Call, error: DomainError) -> Reply:
    """Not being a member gets a Join button, not just words."""
    text = t("error.progress.not_member", call.locale, **error.params)
    return Reply(blocks.not_member(error.params["key"], text, call.locale))


@command(Command.PROGRESS, default=True)
def open_form(call: Call) -> Modal | Reply:
    try:
        return _form(call, None)
    except DomainError as error:
        if error.code != "progress.not_member":
            raise
        return _not_member(call, error)


@command(Command.PROGRESS, otherwise=True, writes=True, once=True)
def post(call: Call) -> Reply | Modal:
    """`/progress KEY [NN%] text` (`62 %`, `62퍼센트` too); a key alone opens the form on it."""
    words = call.args.split(maxsplit=1)
    key = plain(words[0], from_command=True)
    written, rest = leading_percent(words[1] if len(words) > 1 else "")
    percent = progress.validate_percent(plain(written, from_command=True)) if written else None
    text = plain(rest, from_command=True)
    try:
        if percent is None and not text:
            return _form(call, key)
        entry = progress.Entry(done=text, percent=percent)
        update = progress.post(
            call.db, call.team_id, call.user_id, key, entry, now=call.now, calendar=call.deps.calendar
        )
    except DomainError as error:
        if error.code != "progress.not_member":
            raise
        return _not_member(call, error)
    return Reply(blocks.posted(update, call.locale))
