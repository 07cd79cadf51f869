"""/directive: issue (one line or the form), list, show."""

from __future__ import annotations

from handlers.listener import Call, Modal, Reply, command
from handlers.parsing import DIRECTIVE_KINDS, named_people, parse_date, tokenize
from kit.blocks import directives as blocks
from kit.ids import Command
from kit.text import plain
from services import directives, projects
from services.errors import DomainError
from services.terms import DirectiveKind


@command(Command.DIRECTIVE, default=True)
def open_form(call: Call) -> Modal:
    choices = projects.list_mine(call.db, call.team_id, call.user_id)
    if not choices:
        raise DomainError("progress.no_projects")
    return Modal(blocks.directive_modal(call.reader, choices, channel_id=call.channel_id))


@command(Command.DIRECTIVE, otherwise=True, writes=True, once=True)
def issue(call: Call) -> Reply:
    """`/directive KEY @assignee ... [due=YYYY-MM-DD] [kind=report|plan|action] text` (also `종류=보고|계획|조치`)."""
    tokens = tokenize(call.args, option_names=("due", "kind"))
    assignees = named_people(tokens)
    key = plain(tokens.words[0], from_command=True) if tokens.words else ""
    given = tokens.options.get("kind", "action")
    raw_kind = DIRECTIVE_KINDS.get(given, given.lower())
    if raw_kind not in {k.value for k in DirectiveKind}:
        raise DomainError("directive.bad_kind", value=raw_kind[:20])
    raw_due = tokens.options.get("due")
    due = parse_date(raw_due) if raw_due else None
    if raw_due and due is None:
        raise DomainError("project.bad_date", value=raw_due)
    info = directives.issue(
        call.db,
        call.team_id,
        call.user_id,
        key,
        assignees=assignees,
        text=tokenize(" ".join(tokens.words[1:])).text,
        kind=DirectiveKind(raw_kind),
        due_date=due,
        is_admin=call.is_admin,
        now=call.now,
        calendar=call.deps.calendar,
    )
    return Reply(blocks.issued(info, call.reader))


@command(Command.DIRECTIVE, "list", "목록")
def list_(call: Call) -> Reply:
    today = call.reader.local_date(call.now)
    assigned, issued = directives.for_person(call.db, call.team_id, call.user_id, today=today)
    return Reply(blocks.directive_list(assigned, issued, call.reader, today))


@command(Command.DIRECTIVE, "show", "보기")
def show(call: Call) -> Reply:
    directive_id = call.numbered("directive.bad_id")
    info = directives.get_for(call.db, call.team_id, call.user_id, directive_id, is_admin=call.is_admin)
    events = directives.history(call.db, call.team_id, directive_id)
    return Reply(blocks.show(info, events, call.reader, call.reader.local_date(call.now)))
