"""/project: the register of cross-department projects."""

from __future__ import annotations

from handlers.listener import Call, Modal, Reply, command
from handlers.parsing import CONFIRM_WORDS, named_people, tokenize
from kit.blocks import projects as blocks
from kit.ids import Command
from services import discussions, progress, projects
from services.errors import DomainError
from services.terms import ProjectStatus


def _key(call: Call, example: str) -> str:
    if not call.first_arg:
        raise DomainError("project.key_missing", example=example)
    return call.first_arg


@command(Command.PROJECT, default=True)
def open_form(call: Call) -> Modal:
    return Modal(blocks.project_modal(call.reader, channel_id=call.channel_id))


@command(Command.PROJECT, "new", "새로", "등록", writes=True, once=True)
def new(call: Call) -> Reply | Modal:
    if not call.args:
        return open_form(call)
    tokens = tokenize(call.args, option_names=("key",))
    draft = projects.ProjectDraft(
        name=tokens.text,
        key=tokens.options.get("key"),
        channel_id=tokens.channels[0] if tokens.channels else None,
        member_ids=named_people(tokens),
        timezone=call.reader.tz,
    )
    info = projects.create(call.db, call.team_id, call.user_id, draft, now=call.now)
    return Reply(blocks.created(info, call.locale, key_generated=draft.key is None))


@command(Command.PROJECT, "list", "목록")
def list_(call: Call) -> Reply:
    return Reply(blocks.project_list(projects.list_active(call.db, call.team_id, call.user_id), call.reader))


def detail(call: Call, key: str) -> Reply:
    """The project's card: its registration for anyone, its work (progress, decisions) for members and admins."""
    info = projects.get(call.db, call.team_id, key)
    if not projects.may_read_work(info, call.user_id, is_admin=call.is_admin):
        return Reply(blocks.detail(info, call.reader, members_only=True))
    status = progress.project_progress(call.db, call.team_id, info.key, now=call.now, calendar=call.deps.calendar)
    return Reply(blocks.detail(info, call.reader, status, discussions.decisions(call.db, call.team_id, info.id)))


@command(Command.PROJECT, "show", "보기")
def show(call: Call) -> Reply:
    return detail(call, _key(call, "/project show ATOPY"))


@command(Command.PROJECT, "edit", "수정")
def edit(call: Call) -> Modal:
    key = _key(call, "/project edit ATOPY")
    info = projects.check_can_edit(call.db, call.team_id, call.user_id, key, is_admin=call.is_admin)
    return Modal(blocks.project_modal(call.reader, info, channel_id=call.channel_id))


@command(Command.PROJECT, "join", "참여", writes=True)
def join(call: Call) -> Reply:
    key = _key(call, "/project join ATOPY")
    outcome, info = projects.join(call.db, call.team_id, call.user_id, key, now=call.now)
    answer = "project.joined" if outcome is projects.JoinOutcome.JOINED else "project.already_member"
    return Reply(blocks.reply(answer, info, call.locale))


@command(Command.PROJECT, "leave", "나가기", writes=True)
def leave(call: Call) -> Reply:
    key = _key(call, "/project leave ATOPY")
    outcome, info = projects.leave(call.db, call.team_id, call.user_id, key, now=call.now)
    answer = "project.left" if outcome is projects.LeaveOutcome.LEFT else "project.not_member"
    return Reply(blocks.reply(answer, info, call.locale))


def closing(call: Call, key: str) -> Reply:
    """Closes the project (leads, admins) and says so; the command and the button both end here."""
    outcome, info = projects.close(call.db, call.team_id, call.user_id, key, is_admin=call.is_admin, now=call.now)
    answer = "project.closed_ok" if outcome is projects.CloseOutcome.CLOSED else "project.already_closed"
    return Reply(blocks.reply(answer, info, call.locale))


def reopening(call: Call, key: str) -> Reply:
    outcome, info = projects.reopen(call.db, call.team_id, call.user_id, key, is_admin=call.is_admin, now=call.now)
    answer = "project.reopened_ok" if outcome is projects.ReopenOutcome.REOPENED else "project.already_active"
    return Reply(blocks.reply(answer, info, call.locale))


@command(Command.PROJECT, "close", "종료", writes=True)
def close(call: Call) -> Reply:
    """`/project close KEY` asks first (a button closes); `/project close KEY confirm` closes at once."""
    key = _key(call, "/project close ATOPY")
    if any(word.lower() in CONFIRM_WORDS for word in call.args.split()[1:2]):
        return closing(call, key)
    info = projects.check_can_close(call.db, call.team_id, call.user_id, key, is_admin=call.is_admin)
    if info.status is ProjectStatus.CLOSED:
        return Reply(blocks.reply("project.already_closed", info, call.locale))
    return Reply(blocks.close_question(info, call.locale))


@command(Command.PROJECT, "reopen", "재개", writes=True)
def reopen(call: Call) -> Reply:
    return reopening(call, _key(call, "/project reopen ATOPY"))
