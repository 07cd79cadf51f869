"""Approval forms: the request, the reason for returning one, a comment."""

from __future__ import annotations

from handlers.listener import Call, FormError, Reply, form
from handlers.parsing import parse_date
from handlers.requests import Submission
from kit.blocks import approvals as blocks
from kit.ids import Block, Callback
from services import approvals
from services.approvals import Outcome
from services.errors import DomainError

REQUEST_ERRORS = {
    "approval.title_missing": Block.APPROVAL_TITLE,
    "approval.title_too_long": Block.APPROVAL_TITLE,
    "approval.final_not_in_line": Block.APPROVAL_FINAL,
    "approval.after_final": Block.APPROVAL_FINAL,
    "approval.agreement_after_final": Block.APPROVAL_AGREEMENT_POSITION,
}


def _draft(sub: Submission) -> approvals.Draft:
    raw_position = sub.text(Block.APPROVAL_AGREEMENT_POSITION).strip()
    raw_due = sub.date(Block.APPROVAL_DUE)
    return approvals.Draft(
        title=sub.text(Block.APPROVAL_TITLE),
        details=sub.text(Block.APPROVAL_DETAILS),
        links=sub.text(Block.APPROVAL_LINKS),
        approvers=sub.users(Block.APPROVAL_APPROVERS),
        agreement=sub.users(Block.APPROVAL_AGREEMENT),
        agreement_position=int(raw_position) if raw_position.isascii() and raw_position.isdigit() else None,
        final=sub.user(Block.APPROVAL_FINAL),
        readers=sub.users(Block.APPROVAL_READERS),
        due_date=parse_date(raw_due) if raw_due else None,
        resubmission_of=sub.metadata_int("resubmission_of"),
    )


@form(Callback.APPROVAL_REQUEST, errors=REQUEST_ERRORS, default_block=Block.APPROVAL_APPROVERS)
def requested(call: Call) -> Reply:
    sub = call.submitted
    key = sub.option(Block.APPROVAL_PROJECT) or ""
    info = approvals.create(call.db, call.team_id, call.user_id, key, _draft(sub), now=call.now)
    return Reply(blocks.outcome_message("approval.requested", info, call.reader))


@form(Callback.APPROVAL_REJECT, default_block=Block.APPROVAL_REASON, once=False)
def returned(call: Call) -> Reply | FormError:
    """A decision is exactly-once in the service itself; a state that moved on while the form was open is
    said under the reason, and the form stays."""
    sub = call.submitted
    step_id = sub.metadata_int("step_id")
    if step_id is None:
        raise DomainError("approval.not_found", id="-")
    result = approvals.decide(
        call.db,
        call.team_id,
        call.user_id,
        step_id,
        approvals.Decision.REJECT,
        now=call.now,
        comment=sub.text(Block.APPROVAL_REASON),
    )
    answer = blocks.decision_answer(result, call.reader, approving=False)
    if result.outcome is not Outcome.DECIDED:
        return FormError(Block.APPROVAL_REASON, str(answer["text"]))
    return Reply(answer)


@form(Callback.APPROVAL_COMMENT, default_block=Block.APPROVAL_COMMENT)
def commented(call: Call) -> Reply:
    sub = call.submitted
    request_id = sub.metadata_int("request_id")
    if request_id is None:
        raise DomainError("approval.not_found", id="-")
    info = approvals.comment(
        call.db, call.team_id, call.user_id, request_id, sub.text(Block.APPROVAL_COMMENT), now=call.now
    )
    return Reply(blocks.outcome_message("approval.commented_ok", info, call.reader))
