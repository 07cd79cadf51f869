"""/directive: issue (one line or the form), list, show."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands.base import Invocation, help_for, register_command
from handlers.deps import Deps
from handlers.interaction import MAX_ID
from handlers.parsing import parse_date, tokenize
from kit.blocks import directives as blocks
from kit.ids import Command
from kit.text import plain
from services import directives, projects
from services.errors import DomainError
from services.terms import DirectiveKind


def _directive_id(inv: Invocation) -> int:
    raw = inv.first_arg.lstrip("#")
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID):
        raise DomainError("directive.bad_id", value=inv.first_arg[:20] or "-")
    return int(raw)


def open_form(inv: Invocation) -> None:
    with inv.deps.session_factory() as session:
        choices = projects.list_mine(session, inv.cmd.team_id, inv.cmd.user_id)
    if not choices:
        raise DomainError("progress.no_projects")
    inv.open_modal(blocks.directive_modal(inv.reader, choices, channel_id=inv.cmd.channel_id))


def issue(inv: Invocation) -> None:
    tokens = tokenize(inv.cmd.text, option_names=("due", "kind"))
    key = plain(tokens.words[0], from_command=True) if tokens.words else ""
    raw_kind = tokens.options.get("kind", "action").lower()
    if raw_kind not in {k.value for k in DirectiveKind}:
        raise DomainError("directive.bad_kind", value=raw_kind[:20])
    raw_due = tokens.options.get("due")
    due = parse_date(raw_due) if raw_due else None
    if raw_due and due is None:
        raise DomainError("project.bad_date", value=raw_due)
    text = tokenize(" ".join(tokens.words[1:])).text
    with inv.deps.transaction() as session:
        if not inv.first_time(session):
            return
        info = directives.issue(
            session,
            inv.cmd.team_id,
            inv.cmd.user_id,
            key,
            assignees=tokens.users,
            text=text,
            kind=DirectiveKind(raw_kind),
            due_date=due,
            is_admin=inv.deps.is_admin(inv.cmd.user_id),
            now=inv.deps.clock(),
            calendar=inv.deps.calendar,
        )
    inv.reply(blocks.outcome("directive.issued", info, inv.reader, text=info.text[:200], due=info.due_date.isoformat()))


def list_(inv: Invocation) -> None:
    today = inv.reader.local_date(inv.deps.clock())
    with inv.deps.session_factory() as session:
        assigned, issued = directives.for_person(session, inv.cmd.team_id, inv.cmd.user_id, today=today)
    inv.reply(blocks.directive_list(assigned, issued, inv.reader, today))


def show(inv: Invocation) -> None:
    directive_id = _directive_id(inv)
    with inv.deps.session_factory() as session:
        info = directives.get_for(
            session, inv.cmd.team_id, inv.cmd.user_id, directive_id, is_admin=inv.deps.is_admin(inv.cmd.user_id)
        )
        events = directives.history(session, inv.cmd.team_id, directive_id)
    inv.reply(blocks.show(info, events, inv.reader, inv.reader.local_date(inv.deps.clock())))


def register(app: App, deps: Deps) -> None:
    register_command(
        app,
        deps,
        Command.DIRECTIVE,
        {"list": list_, "show": show, "help": help_for("directive")},
        default=open_form,
        unknown=issue,
    )
