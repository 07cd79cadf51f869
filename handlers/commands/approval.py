"""/approval: request, list, show, withdraw, away, back."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands.base import Invocation, help_for, register_command
from handlers.deps import Deps
from handlers.interaction import MAX_ID
from handlers.parsing import parse_date, tokenize
from kit.blocks import approvals as blocks
from kit.i18n import t
from kit.ids import Command
from kit.text import mention, plain
from services import approvals, projects
from services.errors import DomainError


def _request_id(inv: Invocation) -> int:
    raw = inv.first_arg.lstrip("#")
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID):
        raise DomainError("approval.bad_id", value=inv.first_arg[:20] or "-")
    return int(raw)


def open_form(inv: Invocation) -> None:
    with inv.deps.session_factory() as session:
        choices = projects.list_mine(session, inv.cmd.team_id, inv.cmd.user_id)
    if not choices:
        raise DomainError("progress.no_projects")
    inv.open_modal(blocks.request_modal(inv.reader, choices, selected=choices[0].key, channel_id=inv.cmd.channel_id))


def request(inv: Invocation) -> None:
    if not inv.args:
        open_form(inv)
        return
    tokens = tokenize(inv.args)
    key = plain(tokens.words[0], from_command=True) if tokens.words else ""
    title = tokenize(" ".join(tokens.words[1:])).text
    draft = approvals.Draft(title=title, approvers=tokens.users)
    with inv.deps.transaction() as session:
        if not inv.first_time(session):
            return
        info = approvals.create(session, inv.cmd.team_id, inv.cmd.user_id, key, draft, now=inv.deps.clock())
    inv.reply(blocks.outcome_message("approval.requested", info, inv.reader))


def list_(inv: Invocation) -> None:
    now = inv.deps.clock()
    with inv.deps.session_factory() as session:
        waiting = approvals.waiting_for(session, inv.cmd.team_id, inv.cmd.user_id, now=now)
        mine = approvals.requested_by(session, inv.cmd.team_id, inv.cmd.user_id)
    inv.reply(blocks.request_list(waiting, mine, inv.reader))


def show(inv: Invocation) -> None:
    request_id = _request_id(inv)
    with inv.deps.session_factory() as session:
        info, events = approvals.get_for(
            session,
            inv.cmd.team_id,
            inv.cmd.user_id,
            request_id,
            is_admin=inv.deps.is_admin(inv.cmd.user_id),
            now=inv.deps.clock(),
        )
    inv.reply(blocks.show(info, events, inv.reader))


def withdraw(inv: Invocation) -> None:
    request_id = _request_id(inv)
    with inv.deps.transaction() as session:
        info = approvals.withdraw(session, inv.cmd.team_id, inv.cmd.user_id, request_id, now=inv.deps.clock())
    inv.reply(blocks.outcome_message("approval.withdrawn_ok", info, inv.reader))


def away(inv: Invocation) -> None:
    tokens = tokenize(inv.args, option_names=("until",))
    if not tokens.users:
        inv.say("approval.usage_away")
        return
    raw_until = tokens.options.get("until")
    until = parse_date(raw_until) if raw_until else None
    if raw_until and until is None:
        raise DomainError("project.bad_date", value=raw_until)
    with inv.deps.transaction() as session:
        approvals.set_away(session, inv.cmd.team_id, inv.cmd.user_id, tokens.users[0], until, now=inv.deps.clock())
    suffix = t("approval.away_until", inv.locale, until=until.isoformat()) if until else ""
    inv.say("approval.away_set", proxy=mention(tokens.users[0]), until=suffix)


def back(inv: Invocation) -> None:
    with inv.deps.transaction() as session:
        ended = approvals.set_back(session, inv.cmd.team_id, inv.cmd.user_id, now=inv.deps.clock())
    inv.say("approval.back_ok" if ended else "approval.not_away")


def register(app: App, deps: Deps) -> None:
    register_command(
        app,
        deps,
        Command.APPROVAL,
        {
            "request": request,
            "list": list_,
            "show": show,
            "withdraw": withdraw,
            "away": away,
            "back": back,
            "help": help_for("approval"),
        },
        default=open_form,
    )
