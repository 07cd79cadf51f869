"""Directive buttons: Acknowledge, Interim / Completion report (forms), Accept, Send back (form), Details."""

from __future__ import annotations

from slack_bolt import App

from handlers.deps import Deps, error_message
from handlers.interaction import answer_click, id_click, open_form
from kit.blocks import directives as blocks
from kit.ids import Action
from services import directives
from services.directives import Outcome
from services.errors import DomainError
from services.terms import ReportKind


def register(app: App, deps: Deps) -> None:
    def act(body, client, respond, logger, run) -> None:
        if (click := id_click(body, logger)) is None:
            return
        reader = deps.cached_reader(click.team_id, click.user_id)
        try:
            payload = run(click, reader)
        except DomainError as error:
            payload = error_message(error, reader.locale)
        if payload is not None:
            answer_click(client, click, respond, payload)

    @app.action(Action.DIRECTIVE_ACK)
    def acknowledge(ack, body, client, respond, logger) -> None:
        ack()

        def run(click, reader):
            with deps.transaction() as session:
                outcome, info = directives.acknowledge(
                    session, click.team_id, click.user_id, int(click.value), now=deps.clock()
                )
            key = "directive.ack_ok" if outcome is Outcome.DONE else "directive.ack_already"
            return blocks.outcome(key, info, reader)

        act(body, client, respond, logger, run)

    def report_form(kind: ReportKind):
        def clicked(ack, body, client, respond, logger) -> None:
            ack()

            def run(click, reader):
                with deps.session_factory() as session:
                    info = directives.get(session, click.team_id, int(click.value))
                if not info.is_assignee(click.user_id):
                    raise DomainError("directive.not_assignee", id=info.id)
                open_form(
                    client,
                    body,
                    blocks.report_modal(reader, info.id, kind, click.channel_id),
                )
                return None

            act(body, client, respond, logger, run)

        return clicked

    app.action(Action.DIRECTIVE_INTERIM)(report_form(ReportKind.INTERIM))
    app.action(Action.DIRECTIVE_COMPLETION)(report_form(ReportKind.COMPLETION))

    @app.action(Action.DIRECTIVE_ACCEPT)
    def accept(ack, body, client, respond, logger) -> None:
        ack()

        def run(click, reader):
            with deps.transaction() as session:
                outcome, info = directives.accept(
                    session,
                    click.team_id,
                    click.user_id,
                    int(click.value),
                    is_admin=deps.is_admin(click.user_id),
                    now=deps.clock(),
                )
            key = "directive.accepted_ok" if outcome is Outcome.DONE else "directive.accepted_already"
            return blocks.outcome(key, info, reader)

        act(body, client, respond, logger, run)

    @app.action(Action.DIRECTIVE_RETURN)
    def send_back(ack, body, client, respond, logger) -> None:
        ack()

        def run(click, reader):
            with deps.session_factory() as session:
                info = directives.get(session, click.team_id, int(click.value))
            if info.issuer != click.user_id and not deps.is_admin(click.user_id):
                raise DomainError("directive.not_issuer", id=info.id)
            open_form(client, body, blocks.return_modal(reader, info.id, click.channel_id))
            return None

        act(body, client, respond, logger, run)

    @app.action(Action.DIRECTIVE_SHOW)
    def show(ack, body, client, respond, logger) -> None:
        ack()

        def run(click, reader):
            with deps.session_factory() as session:
                info = directives.get_for(
                    session, click.team_id, click.user_id, int(click.value), is_admin=deps.is_admin(click.user_id)
                )
                events = directives.history(session, click.team_id, info.id)
            return blocks.show(info, events, reader, reader.local_date(deps.clock()))

        act(body, client, respond, logger, run)
