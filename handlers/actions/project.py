"""Buttons on project cards: Join and Details."""

from __future__ import annotations

from slack_bolt import App

from handlers.deps import Deps, error_message
from handlers.interaction import Click, MalformedPayload, tell_user
from kit.blocks import projects as blocks
from kit.ids import Action
from services import progress, projects
from services.errors import DomainError


def register(app: App, deps: Deps) -> None:
    @app.action(Action.PROJECT_JOIN)
    def join_clicked(ack, body, client, respond, logger) -> None:
        ack()
        try:
            click = Click.from_body(body)
        except MalformedPayload as error:
            logger.warning("ignored a Join click: %s", error)
            return
        reader = deps.reader(client, click.team_id, click.user_id)
        try:
            with deps.transaction() as session:
                outcome, info = projects.join(session, click.team_id, click.user_id, click.value, now=deps.clock())
            key = "project.joined" if outcome is projects.JoinOutcome.JOINED else "project.already_member"
            answer = blocks.reply(key, info, reader.locale)
        except DomainError as error:
            answer = error_message(error, reader.locale)
        tell_user(
            client,
            click.user_id,
            answer,
            channel_id=click.channel_id,
            respond=respond if click.has_response_url else None,
        )

    @app.action(Action.PROJECT_SHOW)
    def show_clicked(ack, body, client, respond, logger) -> None:
        ack()
        try:
            click = Click.from_body(body)
        except MalformedPayload as error:
            logger.warning("ignored a Details click: %s", error)
            return
        reader = deps.reader(client, click.team_id, click.user_id)
        try:
            with deps.session_factory() as session:
                info = projects.get(session, click.team_id, click.value)
                status = progress.project_progress(
                    session, click.team_id, info.key, now=deps.clock(), calendar=deps.calendar
                )
            answer = blocks.detail(info, reader, status)
        except DomainError as error:
            answer = error_message(error, reader.locale)
        tell_user(
            client,
            click.user_id,
            answer,
            channel_id=click.channel_id,
            respond=respond if click.has_response_url else None,
        )
