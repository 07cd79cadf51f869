"""Directive buttons: Acknowledge, Interim / Completion report (forms), Accept, Send back (form), Details."""

from __future__ import annotations

from handlers.listener import Call, Modal, Reply, click
from kit.blocks import directives as blocks
from kit.ids import Action
from services import directives
from services.directives import Outcome
from services.terms import ReportKind


@click(Action.DIRECTIVE_ACK, writes=True)
def acknowledge(call: Call) -> Reply:
    outcome, info = directives.acknowledge(call.db, call.team_id, call.user_id, call.record, now=call.now)
    key = "directive.ack_ok" if outcome is Outcome.DONE else "directive.ack_already"
    return Reply(blocks.outcome(key, info, call.reader))


def _report_form(call: Call, kind: ReportKind) -> Modal:
    info = directives.check_can_report(call.db, call.team_id, call.user_id, call.record)
    return Modal(blocks.report_modal(call.reader, info.id, kind, call.channel_id))


@click(Action.DIRECTIVE_INTERIM)
def interim(call: Call) -> Modal:
    return _report_form(call, ReportKind.INTERIM)


@click(Action.DIRECTIVE_COMPLETION)
def completion(call: Call) -> Modal:
    return _report_form(call, ReportKind.COMPLETION)


@click(Action.DIRECTIVE_ACCEPT, writes=True)
def accept(call: Call) -> Reply:
    outcome, info = directives.accept(
        call.db, call.team_id, call.user_id, call.record, is_admin=call.is_admin, now=call.now
    )
    key = "directive.accepted_ok" if outcome is Outcome.DONE else "directive.accepted_already"
    return Reply(blocks.outcome(key, info, call.reader))


@click(Action.DIRECTIVE_RETURN)
def send_back(call: Call) -> Modal:
    info = directives.check_can_send_back(call.db, call.team_id, call.user_id, call.record, is_admin=call.is_admin)
    return Modal(blocks.return_modal(call.reader, info.id, call.channel_id))


@click(Action.DIRECTIVE_SHOW)
def show(call: Call) -> Reply:
    info = directives.get_for(call.db, call.team_id, call.user_id, call.record, is_admin=call.is_admin)
    events = directives.history(call.db, call.team_id, info.id)
    return Reply(blocks.show(info, events, call.reader, call.reader.local_date(call.now)))
