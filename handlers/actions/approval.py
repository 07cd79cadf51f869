"""Approval buttons: Approve, Return (asks for a reason), Comment, Withdraw, Resubmit, Details.

Buttons carry only an id; who may do what is decided by the service from the database."""

from __future__ import annotations

from slack_bolt import App

from handlers.deps import Deps, error_message
from handlers.interaction import answer_click, id_click, open_form
from kit.blocks import approvals as blocks
from kit.ids import Action
from services import approvals, projects
from services.approvals import Outcome, StepKind
from services.errors import DomainError


def answer_for(result: approvals.Result, reader, decided_key: str):
    """What the clicker is told, whoever they are and however late they clicked."""
    info, step = result.request, result.step
    if result.outcome is Outcome.DECIDED:
        if step is not None and step.kind is StepKind.AGREE:  # 동의 / 이견, not 승인 / 반려
            decided_key = decided_key.replace("approved_ok", "agreed_ok").replace("rejected_ok", "disagreed_ok")
        return blocks.outcome_message(decided_key, info, reader)
    if result.outcome is Outcome.ALREADY_DECIDED and step is not None:
        return blocks.already(info, step, reader)
    if result.outcome is Outcome.CLOSED:
        return blocks.closed(info, reader)
    key = "approval.not_yet" if result.outcome is Outcome.NOT_YET else "approval.not_yours"
    return blocks.outcome_message(key, info, reader)


def register(app: App, deps: Deps) -> None:
    @app.action(Action.APPROVAL_APPROVE)
    def approve(ack, body, client, respond, logger) -> None:
        ack()
        if (click := id_click(body, logger)) is None:
            return
        reader = deps.cached_reader(click.team_id, click.user_id)
        try:
            with deps.transaction() as session:
                result = approvals.decide(
                    session,
                    click.team_id,
                    click.user_id,
                    int(click.value),
                    approvals.Decision.APPROVE,
                    now=deps.clock(),
                )
            payload = answer_for(result, reader, "approval.approved_ok")
        except DomainError as error:
            payload = error_message(error, reader.locale)
        answer_click(client, click, respond, payload)

    @app.action(Action.APPROVAL_REJECT)
    def reject(ack, body, client, respond, logger) -> None:
        ack()
        if (click := id_click(body, logger)) is None:
            return
        reader = deps.cached_reader(click.team_id, click.user_id)
        try:
            with deps.session_factory() as session:
                result = approvals.check(session, click.team_id, click.user_id, int(click.value), now=deps.clock())
        except DomainError as error:
            answer_click(client, click, respond, error_message(error, reader.locale))
            return
        if result.outcome is not Outcome.DECIDED:
            answer_click(client, click, respond, answer_for(result, reader, "approval.rejected_ok"))
            return
        assert result.step is not None  # a decision the clicker may make is on a step
        open_form(client, body, blocks.reason_modal(reader, result.step, click.channel_id))

    @app.action(Action.APPROVAL_COMMENT)
    def comment(ack, body, client, logger) -> None:
        ack()
        if (click := id_click(body, logger)) is None:
            return
        reader = deps.cached_reader(click.team_id, click.user_id)
        open_form(client, body, blocks.comment_modal(reader, int(click.value), click.channel_id))

    @app.action(Action.APPROVAL_WITHDRAW)
    def withdraw(ack, body, client, respond, logger) -> None:
        ack()
        if (click := id_click(body, logger)) is None:
            return
        reader = deps.cached_reader(click.team_id, click.user_id)
        try:
            with deps.transaction() as session:
                info = approvals.withdraw(session, click.team_id, click.user_id, int(click.value), now=deps.clock())
            payload = blocks.outcome_message("approval.withdrawn_ok", info, reader)
        except DomainError as error:
            payload = error_message(error, reader.locale)
        answer_click(client, click, respond, payload)

    @app.action(Action.APPROVAL_RESUBMIT)
    def resubmit(ack, body, client, respond, logger) -> None:
        ack()
        if (click := id_click(body, logger)) is None:
            return
        reader = deps.cached_reader(click.team_id, click.user_id)
        try:
            with deps.session_factory() as session:
                earlier = approvals.resubmission_of(
                    session,
                    click.team_id,
                    click.user_id,
                    int(click.value),
                    is_admin=deps.is_admin(click.user_id),
                    now=deps.clock(),
                )
                choices = projects.list_mine(session, click.team_id, click.user_id)
        except DomainError as error:
            answer_click(client, click, respond, error_message(error, reader.locale))
            return
        open_form(
            client,
            body,
            blocks.request_modal(reader, choices, earlier=earlier, channel_id=click.channel_id),
        )

    @app.action(Action.APPROVAL_SHOW)
    def show(ack, body, client, respond, logger) -> None:
        ack()
        if (click := id_click(body, logger)) is None:
            return
        reader = deps.cached_reader(click.team_id, click.user_id)
        try:
            with deps.session_factory() as session:
                info, events = approvals.get_for(
                    session,
                    click.team_id,
                    click.user_id,
                    int(click.value),
                    is_admin=deps.is_admin(click.user_id),
                    now=deps.clock(),
                )
            payload = blocks.show(info, events, reader)
        except DomainError as error:
            payload = error_message(error, reader.locale)
        answer_click(client, click, respond, payload)
