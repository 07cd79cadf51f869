"""Approval buttons: Approve, Return (asks for a reason), Comment, Withdraw, Resubmit, Details.

Buttons carry only an id; who may do what is decided by the service from the database."""

from __future__ import annotations

from handlers.listener import Call, Modal, Reply, click
from kit.blocks import approvals as blocks
from kit.ids import Action
from services import approvals, projects
from services.approvals import Outcome


@click(Action.APPROVAL_APPROVE, writes=True)
def approve(call: Call) -> Reply:
    result = approvals.decide(
        call.db, call.team_id, call.user_id, call.record, approvals.Decision.APPROVE, now=call.now
    )
    return Reply(blocks.decision_answer(result, call.reader, approving=True))


@click(Action.APPROVAL_REJECT)
def reject(call: Call) -> Reply | Modal:
    """Returning needs a reason: the form opens only for someone who may return it now."""
    result = approvals.check(call.db, call.team_id, call.user_id, call.record, now=call.now)
    if result.outcome is not Outcome.DECIDED or result.step is None:
        return Reply(blocks.decision_answer(result, call.reader, approving=False))
    return Modal(blocks.reason_modal(call.reader, result.step, call.channel_id))


@click(Action.APPROVAL_COMMENT)
def comment(call: Call) -> Modal:
    return Modal(blocks.comment_modal(call.reader, call.record, call.channel_id))


@click(Action.APPROVAL_WITHDRAW, writes=True)
def withdraw(call: Call) -> Reply:
    info = approvals.withdraw(call.db, call.team_id, call.user_id, call.record, now=call.now)
    return Reply(blocks.outcome_message("approval.withdrawn_ok", info, call.reader))


@click(Action.APPROVAL_RESUBMIT)
def resubmit(call: Call) -> Modal:
    earlier = approvals.resubmission_of(
        call.db, call.team_id, call.user_id, call.record, is_admin=call.is_admin, now=call.now
    )
    choices = projects.list_mine(call.db, call.team_id, call.user_id)
    return Modal(blocks.request_modal(call.reader, choices, earlier=earlier, channel_id=call.channel_id))


@click(Action.APPROVAL_SHOW)
def show(call: Call) -> Reply:
    info, events = approvals.get_for(
        call.db, call.team_id, call.user_id, call.record, is_admin=call.is_admin, now=call.now
    )
    return Reply(blocks.show(info, events, call.reader))
