"""/project: the register of cross-department projects."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands.base import Invocation, help_for, register_command
from handlers.deps import Deps
from handlers.parsing import tokenize
from kit.blocks import projects as blocks
from kit.ids import Command
from services import discussions, progress, projects


def _key_arg(inv: Invocation, example: str) -> str | None:
    if not inv.first_arg:
        inv.say("common.missing_key", example=example)
        return None
    return inv.first_arg


def new(inv: Invocation) -> None:
    if not inv.args:
        open_form(inv)
        return
    tokens = tokenize(inv.args, option_names=("key",))
    draft = projects.ProjectDraft(
        name=tokens.text,
        key=tokens.options.get("key"),
        channel_id=tokens.channels[0] if tokens.channels else None,
        member_ids=tokens.users,
        timezone=inv.reader.tz,
    )
    with inv.deps.transaction() as session:
        if not inv.first_time(session):
            return
        info = projects.create(session, inv.cmd.team_id, inv.cmd.user_id, draft, now=inv.deps.clock())
    inv.reply(blocks.created(info, inv.locale))


def open_form(inv: Invocation) -> None:
    inv.open_modal(blocks.project_modal(inv.reader, channel_id=inv.cmd.channel_id))


def list_(inv: Invocation) -> None:
    with inv.deps.session_factory() as session:
        found = projects.list_active(session, inv.cmd.team_id, inv.cmd.user_id)
    inv.reply(blocks.project_list(found, inv.reader))


def show(inv: Invocation) -> None:
    if (key := _key_arg(inv, "/project show ATOPY")) is None:
        return
    with inv.deps.session_factory() as session:
        info = projects.get(session, inv.cmd.team_id, key)
        if not projects.may_read_work(info, inv.cmd.user_id, is_admin=inv.deps.is_admin(inv.cmd.user_id)):
            inv.reply(blocks.detail(info, inv.reader, members_only=True))  # the registration, not the work
            return
        status = progress.project_progress(
            session, inv.cmd.team_id, key, now=inv.deps.clock(), calendar=inv.deps.calendar
        )
        decided = discussions.decisions(session, inv.cmd.team_id, info.id)
    inv.reply(blocks.detail(info, inv.reader, status, decided))


def edit(inv: Invocation) -> None:
    if (key := _key_arg(inv, "/project edit ATOPY")) is None:
        return
    with inv.deps.session_factory() as session:
        info = projects.check_can_edit(
            session, inv.cmd.team_id, inv.cmd.user_id, key, is_admin=inv.deps.is_admin(inv.cmd.user_id)
        )
    inv.open_modal(blocks.project_modal(inv.reader, info, channel_id=inv.cmd.channel_id))


def join(inv: Invocation) -> None:
    if (key := _key_arg(inv, "/project join ATOPY")) is None:
        return
    with inv.deps.transaction() as session:
        outcome, info = projects.join(session, inv.cmd.team_id, inv.cmd.user_id, key, now=inv.deps.clock())
    message_key = "project.joined" if outcome is projects.JoinOutcome.JOINED else "project.already_member"
    inv.reply(blocks.reply(message_key, info, inv.locale))


def leave(inv: Invocation) -> None:
    if (key := _key_arg(inv, "/project leave ATOPY")) is None:
        return
    with inv.deps.transaction() as session:
        outcome, info = projects.leave(session, inv.cmd.team_id, inv.cmd.user_id, key, now=inv.deps.clock())
    message_key = "project.left" if outcome is projects.LeaveOutcome.LEFT else "project.not_member"
    inv.reply(blocks.reply(message_key, info, inv.locale))


def close(inv: Invocation) -> None:
    if (key := _key_arg(inv, "/project close ATOPY")) is None:
        return
    with inv.deps.transaction() as session:
        outcome, info = projects.close(
            session,
            inv.cmd.team_id,
            inv.cmd.user_id,
            key,
            is_admin=inv.deps.is_admin(inv.cmd.user_id),
            now=inv.deps.clock(),
        )
    message_key = "project.closed_ok" if outcome is projects.CloseOutcome.CLOSED else "project.already_closed"
    inv.reply(blocks.reply(message_key, info, inv.locale))


def register(app: App, deps: Deps) -> None:
    register_command(
        app,
        deps,
        Command.PROJECT,
        {
            "new": new,
            "list": list_,
            "show": show,
            "edit": edit,
            "join": join,
            "leave": leave,
            "close": close,
            "help": help_for("project"),
        },
        default=open_form,
    )
