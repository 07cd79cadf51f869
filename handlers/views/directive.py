"""Directive forms: issuing one, a report on one, sending one back."""

from __future__ import annotations

from slack_bolt import App

from handlers.deps import Deps
from handlers.interaction import Submission, never_fails_a_submission, refuse_form, submission_of, tell_user
from handlers.parsing import parse_date
from kit.blocks import directives as blocks
from kit.i18n import t
from kit.ids import Block, Callback
from services import directives
from services.directives import Outcome
from services.errors import DomainError
from services.terms import DirectiveKind, ReportKind

ERROR_BLOCKS = {
    "directive.no_assignees": Block.DIRECTIVE_LEAD,
    "directive.due_past": Block.DIRECTIVE_DUE,
    "directive.report_missing": Block.DIRECTIVE_REPORT_TEXT,
    "directive.note_missing": Block.DIRECTIVE_NOTE,
}


def register(app: App, deps: Deps) -> None:
    def refuse(ack, error: DomainError, locale: str, default_block: str) -> None:
        refuse_form(ack, error, locale, ERROR_BLOCKS, default_block)

    def submission(ack, body, logger) -> Submission | None:
        return submission_of(ack, body, logger, "a directive form")

    @app.view(Callback.DIRECTIVE_NEW)
    @never_fails_a_submission(Block.DIRECTIVE_TEXT, deps.locale_of)
    def issued(ack, body, client, logger) -> None:
        if (sub := submission(ack, body, logger)) is None:
            return
        reader = deps.cached_reader(sub.team_id, sub.user_id)
        lead = sub.element(Block.DIRECTIVE_LEAD).get("selected_user")
        assignees = ([lead] if isinstance(lead, str) else []) + sub.users(Block.DIRECTIVE_COOPERATING)
        kind = sub.option(Block.DIRECTIVE_KIND) or DirectiveKind.ACTION.value
        raw_due = sub.date(Block.DIRECTIVE_DUE)
        try:
            with deps.transaction() as session:
                if not sub.first_time(session):
                    ack()
                    return
                info = directives.issue(
                    session,
                    sub.team_id,
                    sub.user_id,
                    sub.option(Block.DIRECTIVE_PROJECT) or "",
                    assignees=assignees,
                    text=sub.text(Block.DIRECTIVE_TEXT),
                    kind=DirectiveKind(kind) if kind in {k.value for k in DirectiveKind} else DirectiveKind.ACTION,
                    due_date=parse_date(raw_due) if raw_due else None,
                    is_admin=deps.is_admin(sub.user_id),
                    now=deps.clock(),
                    calendar=deps.calendar,
                )
        except DomainError as error:
            refuse(ack, error, reader.locale, Block.DIRECTIVE_TEXT)
            return
        ack()
        tell_user(
            client,
            sub.user_id,
            blocks.outcome("directive.issued", info, reader, text=info.text[:200], due=info.due_date.isoformat()),
            channel_id=sub.metadata_str("channel_id"),
        )

    @app.view(Callback.DIRECTIVE_REPORT)
    @never_fails_a_submission(Block.DIRECTIVE_REPORT_TEXT, deps.locale_of)
    def reported(ack, body, client, logger) -> None:
        if (sub := submission(ack, body, logger)) is None:
            return
        reader = deps.cached_reader(sub.team_id, sub.user_id)
        raw_kind = sub.metadata_str("kind")
        kind = ReportKind(raw_kind) if raw_kind in {k.value for k in ReportKind} else ReportKind.INTERIM
        try:
            directive_id = sub.metadata_int("directive_id")
            if directive_id is None:
                raise DomainError("directive.not_found", id="-")
            with deps.transaction() as session:
                if not sub.first_time(session):
                    ack()
                    return
                info = directives.report(
                    session,
                    sub.team_id,
                    sub.user_id,
                    directive_id,
                    kind,
                    sub.text(Block.DIRECTIVE_REPORT_TEXT),
                    now=deps.clock(),
                )
        except DomainError as error:
            refuse(ack, error, reader.locale, Block.DIRECTIVE_REPORT_TEXT)
            return
        ack()
        tell_user(
            client,
            sub.user_id,
            blocks.outcome("directive.reported_ok", info, reader, kind=t(f"directive.{kind.value}", reader.locale)),
            channel_id=sub.metadata_str("channel_id"),
        )

    @app.view(Callback.DIRECTIVE_RETURN)
    @never_fails_a_submission(Block.DIRECTIVE_NOTE, deps.locale_of)
    def sent_back(ack, body, client, logger) -> None:
        if (sub := submission(ack, body, logger)) is None:
            return
        reader = deps.cached_reader(sub.team_id, sub.user_id)
        try:
            directive_id = sub.metadata_int("directive_id")
            if directive_id is None:
                raise DomainError("directive.not_found", id="-")
            with deps.transaction() as session:
                outcome, info = directives.return_(
                    session,
                    sub.team_id,
                    sub.user_id,
                    directive_id,
                    sub.text(Block.DIRECTIVE_NOTE),
                    is_admin=deps.is_admin(sub.user_id),
                    now=deps.clock(),
                )
        except DomainError as error:
            refuse(ack, error, reader.locale, Block.DIRECTIVE_NOTE)
            return
        ack()
        key = "directive.returned_ok" if outcome is Outcome.DONE else "directive.returned_already"
        tell_user(client, sub.user_id, blocks.outcome(key, info, reader), channel_id=sub.metadata_str("channel_id"))
