"""/discuss: open a discussion (one line or the form), close it with a conclusion, list a project's."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands.base import Invocation, help_for, register_command
from handlers.deps import Deps
from handlers.interaction import MAX_ID
from handlers.parsing import tokenize
from kit.blocks import discussions as blocks
from kit.ids import Command
from kit.text import channel_link
from services import discussions, projects
from services.discussions import Outcome
from services.errors import DomainError


def _discussion_id(inv: Invocation) -> int:
    raw = inv.first_arg.lstrip("#")
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID):
        raise DomainError("discussion.bad_id", value=inv.first_arg[:20] or "-")
    return int(raw)


def open_form(inv: Invocation, chosen: str | None = None) -> None:
    with inv.deps.session_factory() as session:
        choices = projects.list_mine(session, inv.cmd.team_id, inv.cmd.user_id)
    if not choices:
        raise DomainError("progress.no_projects")
    inv.open_modal(blocks.discuss_modal(inv.reader, choices, channel_id=inv.cmd.channel_id, chosen=chosen))


def open_(inv: Invocation) -> None:
    """`/discuss KEY <topic>`; `/discuss KEY` alone opens the form for that project."""
    words = inv.cmd.text.split()
    key = tokenize(words[0]).text if words else ""
    topic = tokenize(" ".join(words[1:])).text
    if not topic:
        with inv.deps.session_factory() as session:
            projects.get(session, inv.cmd.team_id, key)  # an unknown key is said at once, not after the form
        open_form(inv, chosen=key)
        return
    with inv.deps.transaction() as session:
        if not inv.first_time(session):
            return
        info = discussions.open_(
            session,
            inv.cmd.team_id,
            inv.cmd.user_id,
            key,
            topic=topic,
            fallback_channel=inv.cmd.channel_id,
            is_admin=inv.deps.is_admin(inv.cmd.user_id),
            today=inv.reader.local_date(inv.deps.clock()),
            now=inv.deps.clock(),
        )
    inv.reply(blocks.outcome("discussion.opened", info, inv.reader, channel=channel_link(info.channel_id)))


def close(inv: Invocation) -> None:
    discussion_id = _discussion_id(inv)
    conclusion = tokenize(inv.args.partition(" ")[2]).text
    if not conclusion.strip():  # no conclusion given: ask for it in the closing form
        with inv.deps.session_factory() as session:
            discussions.check_can_manage(
                session, inv.cmd.team_id, inv.cmd.user_id, discussion_id, is_admin=inv.deps.is_admin(inv.cmd.user_id)
            )
        inv.open_modal(blocks.close_modal(inv.reader, discussion_id, inv.cmd.channel_id))
        return
    with inv.deps.transaction() as session:
        outcome, info = discussions.close(
            session,
            inv.cmd.team_id,
            inv.cmd.user_id,
            discussion_id,
            conclusion,
            is_admin=inv.deps.is_admin(inv.cmd.user_id),
            now=inv.deps.clock(),
        )
    key = "discussion.closed_ok" if outcome is Outcome.DONE else "discussion.closed_already"
    inv.reply(blocks.outcome(key, info, inv.reader))


def list_(inv: Invocation) -> None:
    if not inv.first_arg:
        inv.say("common.missing_key", example="/discuss list ATOPY")
        return
    with inv.deps.session_factory() as session:
        project, found = discussions.for_project(
            session,
            inv.cmd.team_id,
            inv.first_arg,
            viewer=inv.cmd.user_id,
            is_admin=inv.deps.is_admin(inv.cmd.user_id),
        )
    inv.reply(blocks.discussion_list(project, found, inv.reader, inv.reader.local_date(inv.deps.clock())))


def register(app: App, deps: Deps) -> None:
    register_command(
        app,
        deps,
        Command.DISCUSS,
        {"close": close, "list": list_, "help": help_for("discuss")},
        default=open_form,
        unknown=open_,
    )
