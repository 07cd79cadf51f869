"""Progress buttons: Edit on a card, Post progress on App Home, and choosing a project in the form."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import progress as blocks
from bot.ids import Action
from handlers.deps import Deps, error_message
from handlers.interaction import Click, MalformedPayload, tell_user
from services import progress, projects
from services.errors import DomainError


def register(app: App, deps: Deps) -> None:
    def open_view(client, body, view) -> None:
        client.views_open(trigger_id=body.get("trigger_id", ""), view=view)

    @app.action(Action.PROGRESS_EDIT)
    def edit_clicked(ack, body, client, respond, logger) -> None:
        ack()
        try:
            click = Click.from_body(body)
        except MalformedPayload as error:
            logger.warning("ignored an Edit click: %s", error)
            return
        reader = deps.cached_reader(click.team_id, click.user_id)
        try:
            if not click.value.isdigit():
                raise DomainError("progress.not_found")
            with deps.session_factory() as session:
                update = progress.check_editable(
                    session, click.team_id, click.user_id, int(click.value), now=deps.clock(), calendar=deps.calendar
                )
        except DomainError as error:
            tell_user(
                client,
                click.user_id,
                error_message(error, reader.locale),
                channel_id=click.channel_id,
                respond=respond if click.has_response_url else None,
            )
            return
        open_view(
            client,
            body,
            blocks.progress_modal(
                reader, [], selected=None, previous=None, editing=update, channel_id=click.channel_id
            ),
        )

    @app.action(Action.PROGRESS_OPEN)
    def post_clicked(ack, body, client, logger) -> None:
        ack()
        try:
            click = Click.from_body(body)
        except MalformedPayload as error:
            logger.warning("ignored a Post progress click: %s", error)
            return
        reader = deps.cached_reader(click.team_id, click.user_id)
        with deps.session_factory() as session:
            choices = projects.list_mine(session, click.team_id, click.user_id)
            selected = next((p.key for p in choices if p.key == click.value), choices[0].key if choices else None)
            previous = progress.last_entry(session, click.team_id, click.user_id, selected) if selected else None
        if selected is None:
            return
        open_view(client, body, blocks.progress_modal(reader, choices, selected=selected, previous=previous))

    @app.action(Action.PROGRESS_PROJECT_PICKED)
    def project_picked(ack, body, client, logger) -> None:
        ack()
        try:
            click = Click.from_body(body)
        except MalformedPayload as error:
            logger.warning("ignored a project choice: %s", error)
            return
        view = body.get("view") if isinstance(body.get("view"), dict) else {}
        reader = deps.cached_reader(click.team_id, click.user_id)
        with deps.session_factory() as session:
            choices = projects.list_mine(session, click.team_id, click.user_id)
            if not any(p.key == click.selected for p in choices):
                return
            previous = progress.last_entry(session, click.team_id, click.user_id, click.selected)
        metadata = Click.metadata_of(view)
        client.views_update(
            view_id=view.get("id"),
            hash=view.get("hash"),
            view=blocks.progress_modal(
                reader, choices, selected=click.selected, previous=previous, channel_id=metadata.get("channel_id")
            ),
        )
