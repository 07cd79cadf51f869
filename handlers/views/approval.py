"""Approval forms: the request, the reason for returning one, a comment."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions.approval import answer_for
from handlers.deps import Deps
from handlers.interaction import MalformedPayload, Submission, never_fails_a_submission, refuse_form, tell_user
from handlers.parsing import parse_date
from kit.blocks import approvals as blocks
from kit.ids import Block, Callback
from services import approvals
from services.approvals import Outcome
from services.errors import DomainError

ERROR_TEXT_MAX = 150
ERROR_BLOCKS = {
    "approval.title_missing": Block.APPROVAL_TITLE,
    "approval.title_too_long": Block.APPROVAL_TITLE,
    "approval.final_not_in_line": Block.APPROVAL_FINAL,
    "approval.after_final": Block.APPROVAL_FINAL,
    "approval.agreement_after_final": Block.APPROVAL_AGREEMENT_POSITION,
    "approval.reason_missing": Block.APPROVAL_REASON,
    "approval.comment_missing": Block.APPROVAL_COMMENT,
}


def _draft(sub: Submission) -> approvals.Draft:
    raw_position = sub.text(Block.APPROVAL_AGREEMENT_POSITION).strip()
    raw_due = sub.date(Block.APPROVAL_DUE)
    final = sub.element(Block.APPROVAL_FINAL).get("selected_user")
    return approvals.Draft(
        title=sub.text(Block.APPROVAL_TITLE),
        details=sub.text(Block.APPROVAL_DETAILS),
        links=sub.text(Block.APPROVAL_LINKS),
        approvers=sub.users(Block.APPROVAL_APPROVERS),
        agreement=sub.users(Block.APPROVAL_AGREEMENT),
        agreement_position=int(raw_position) if raw_position.isdigit() else None,
        final=final if isinstance(final, str) and final else None,
        readers=sub.users(Block.APPROVAL_READERS),
        due_date=parse_date(raw_due) if raw_due else None,
        resubmission_of=sub.metadata_int("resubmission_of"),
    )


def register(app: App, deps: Deps) -> None:
    def refuse(ack, error: DomainError, reader, default_block: str, team_id: str, client) -> None:
        name = lambda person: deps.display_name(client, team_id, person)  # noqa: E731
        refuse_form(ack, error, reader.locale, ERROR_BLOCKS, default_block, name=name)

    @app.view(Callback.APPROVAL_REQUEST)
    @never_fails_a_submission(Block.APPROVAL_TITLE, deps.locale_of)
    def requested(ack, body, client, logger) -> None:
        try:
            sub = Submission.from_body(body)
        except MalformedPayload as error:
            ack()
            logger.warning("ignored an approval form: %s", error)
            return
        reader = deps.cached_reader(sub.team_id, sub.user_id)
        try:
            with deps.transaction() as session:
                if not sub.first_time(session):
                    ack()
                    return
                info = approvals.create(
                    session,
                    sub.team_id,
                    sub.user_id,
                    sub.option(Block.APPROVAL_PROJECT) or "",
                    _draft(sub),
                    now=deps.clock(),
                )
        except DomainError as error:
            refuse(ack, error, reader, Block.APPROVAL_APPROVERS, sub.team_id, client)
            return
        ack()
        tell_user(
            client,
            sub.user_id,
            blocks.outcome_message("approval.requested", info, reader),
            channel_id=sub.metadata_str("channel_id"),
        )

    @app.view(Callback.APPROVAL_REJECT)
    @never_fails_a_submission(Block.APPROVAL_REASON, deps.locale_of)
    def returned(ack, body, client, logger) -> None:
        try:
            sub = Submission.from_body(body)
        except MalformedPayload as error:
            ack()
            logger.warning("ignored a return form: %s", error)
            return
        reader = deps.cached_reader(sub.team_id, sub.user_id)
        step_id = sub.metadata_int("step_id")
        try:
            if step_id is None:
                raise DomainError("approval.not_found", id="-")
            with deps.transaction() as session:
                result = approvals.decide(
                    session,
                    sub.team_id,
                    sub.user_id,
                    step_id,
                    approvals.Decision.REJECT,
                    now=deps.clock(),
                    comment=sub.text(Block.APPROVAL_REASON),
                )
        except DomainError as error:
            refuse(ack, error, reader, Block.APPROVAL_REASON, sub.team_id, client)
            return
        if result.outcome is not Outcome.DECIDED:  # the state moved on while the form was open
            message = answer_for(result, reader, "approval.rejected_ok")["text"]
            ack(response_action="errors", errors={Block.APPROVAL_REASON: str(message)[:ERROR_TEXT_MAX]})
            return
        ack()
        tell_user(
            client,
            sub.user_id,
            answer_for(result, reader, "approval.rejected_ok"),
            channel_id=sub.metadata_str("channel_id"),
        )

    @app.view(Callback.APPROVAL_COMMENT)
    @never_fails_a_submission(Block.APPROVAL_COMMENT, deps.locale_of)
    def commented(ack, body, client, logger) -> None:
        try:
            sub = Submission.from_body(body)
        except MalformedPayload as error:
            ack()
            logger.warning("ignored a comment form: %s", error)
            return
        reader = deps.cached_reader(sub.team_id, sub.user_id)
        request_id = sub.metadata_int("request_id")
        try:
            if request_id is None:
                raise DomainError("approval.not_found", id="-")
            with deps.transaction() as session:
                if not sub.first_time(session):
                    ack()
                    return
                info = approvals.comment(
                    session, sub.team_id, sub.user_id, request_id, sub.text(Block.APPROVAL_COMMENT), now=deps.clock()
                )
        except DomainError as error:
            refuse(ack, error, reader, Block.APPROVAL_COMMENT, sub.team_id, client)
            return
        ack()
        tell_user(
            client,
            sub.user_id,
            blocks.outcome_message("approval.commented_ok", info, reader),
            channel_id=sub.metadata_str("channel_id"),
        )
