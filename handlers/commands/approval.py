"""/approval: request, list, show, withdraw, away, back."""

from __future__ import annotations

from handlers.listener import Call, Modal, Reply, command
from handlers.parsing import named_people, parse_date, tokenize
from kit.blocks import approvals as blocks
from kit.i18n import t
from kit.ids import Command
from kit.text import mention, plain
from services import approvals, projects
from services.errors import DomainError


@command(Command.APPROVAL, default=True)
def open_form(call: Call) -> Modal:
    choices = projects.list_mine(call.db, call.team_id, call.user_id)
    if not choices:
        raise DomainError("progress.no_projects")
    return Modal(blocks.request_modal(call.reader, choices, selected=choices[0].key, channel_id=call.channel_id))


@command(Command.APPROVAL, "request", "요청", "상신", writes=True, once=True)
def request(call: Call) -> Reply | Modal:
    if not call.args:
        return open_form(call)
    tokens = tokenize(call.args)
    approvers = named_people(tokens)
    key = plain(tokens.words[0], from_command=True) if tokens.words else ""
    draft = approvals.Draft(title=tokenize(" ".join(tokens.words[1:])).text, approvers=approvers)
    info = approvals.create(call.db, call.team_id, call.user_id, key, draft, now=call.now)
    return Reply(blocks.outcome_message("approval.requested", info, call.reader))


@command(Command.APPROVAL, "list", "목록")
def list_(call: Call) -> Reply:
    waiting = approvals.waiting_for(call.db, call.team_id, call.user_id, now=call.now)
    mine = approvals.requested_by(call.db, call.team_id, call.user_id)
    return Reply(blocks.request_list(waiting, mine, call.reader))


@command(Command.APPROVAL, "show", "보기")
def show(call: Call) -> Reply:
    info, events = approvals.get_for(
        call.db, call.team_id, call.user_id, call.numbered("approval.bad_id"), is_admin=call.is_admin, now=call.now
    )
    return Reply(blocks.show(info, events, call.reader))


@command(Command.APPROVAL, "withdraw", "회수", writes=True)
def withdraw(call: Call) -> Reply:
    info = approvals.withdraw(call.db, call.team_id, call.user_id, call.numbered("approval.bad_id"), now=call.now)
    return Reply(blocks.outcome_message("approval.withdrawn_ok", info, call.reader))


@command(Command.APPROVAL, "away", "부재", writes=True)
def away(call: Call) -> Reply:
    tokens = tokenize(call.args, option_names=("until",))
    if not named_people(tokens):
        return call.say("approval.usage_away")
    raw_until = tokens.options.get("until")
    until = parse_date(raw_until) if raw_until else None
    if raw_until and until is None:
        raise DomainError("project.bad_date", value=raw_until)
    approvals.set_away(call.db, call.team_id, call.user_id, tokens.users[0], until, now=call.now)
    suffix = t("approval.away_until", call.locale, until=until.isoformat()) if until else ""
    return call.say("approval.away_set", proxy=mention(tokens.users[0]), until=suffix)


@command(Command.APPROVAL, "back", "복귀", writes=True)
def back(call: Call) -> Reply:
    ended = approvals.set_back(call.db, call.team_id, call.user_id, now=call.now)
    return call.say("approval.back_ok" if ended else "approval.not_away")
