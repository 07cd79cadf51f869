"""Directive forms: issuing one, a report on one, sending one back."""

from __future__ import annotations

from handlers.listener import Call, Reply, form
from handlers.parsing import parse_date
from handlers.requests import Submission
from kit.blocks import directives as blocks
from kit.i18n import t
from kit.ids import Block, Callback
from services import directives
from services.directives import Outcome
from services.errors import DomainError
from services.terms import DirectiveKind, ReportKind

ERRORS = {
    "directive.no_assignees": Block.DIRECTIVE_LEAD,
    "directive.due_past": Block.DIRECTIVE_DUE,
}


def _directive_id(sub: Submission) -> int:
    found = sub.metadata_int("directive_id")
    if found is None:
        raise DomainError("directive.not_found", id="-")
    return found


@form(Callback.DIRECTIVE_NEW, errors=ERRORS, default_block=Block.DIRECTIVE_TEXT)
def issued(call: Call) -> Reply:
    sub = call.submitted
    lead = sub.user(Block.DIRECTIVE_LEAD)
    kind = sub.option(Block.DIRECTIVE_KIND)
    raw_due = sub.date(Block.DIRECTIVE_DUE)
    info = directives.issue(
        call.db,
        call.team_id,
        call.user_id,
        sub.option(Block.DIRECTIVE_PROJECT) or "",
        assignees=([lead] if lead else []) + sub.users(Block.DIRECTIVE_COOPERATING),
        text=sub.text(Block.DIRECTIVE_TEXT),
        kind=DirectiveKind(kind) if kind in {k.value for k in DirectiveKind} else DirectiveKind.ACTION,
        due_date=parse_date(raw_due) if raw_due else None,
        is_admin=call.is_admin,
        now=call.now,
        calendar=call.deps.calendar,
    )
    return Reply(blocks.issued(info, call.reader))


@form(Callback.DIRECTIVE_REPORT, default_block=Block.DIRECTIVE_REPORT_TEXT)
def reported(call: Call) -> Reply:
    sub = call.submitted
    raw_kind = sub.metadata_str("kind")
    kind = ReportKind(raw_kind) if raw_kind in {k.value for k in ReportKind} else ReportKind.INTERIM
    text = sub.text(Block.DIRECTIVE_REPORT_TEXT)
    info = directives.report(call.db, call.team_id, call.user_id, _directive_id(sub), kind, text, now=call.now)
    said = t(f"directive.{kind.value}", call.locale)
    return Reply(blocks.outcome("directive.reported_ok", info, call.reader, kind=said))


@form(Callback.DIRECTIVE_RETURN, default_block=Block.DIRECTIVE_NOTE, once=False)
def sent_back(call: Call) -> Reply:
    sub = call.submitted
    outcome, info = directives.return_(
        call.db,
        call.team_id,
        call.user_id,
        _directive_id(sub),
        sub.text(Block.DIRECTIVE_NOTE),
        is_admin=call.is_admin,
        now=call.now,
    )
    key = "directive.returned_ok" if outcome is Outcome.DONE else "directive.returned_already"
    return Reply(blocks.outcome(key, info, call.reader))
