"""Progress buttons: Edit on a card, Post progress on App Home, and choosing a project in the form."""

from __future__ import annotations

from slack_bolt import App

from handlers.deps import Deps, error_message
from handlers.interaction import MAX_ID, Click, MalformedPayload, metadata_of, open_form, tell_user
from kit.blocks import progress as blocks
from kit.ids import Action
from services import progress
from services.errors import DomainError


def register(app: App, deps: Deps) -> None:
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
            if not (click.value.isascii() and click.value.isdigit() and 0 < int(click.value) <= MAX_ID):
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
        open_form(
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
        try:
            with deps.session_factory() as session:
                form = progress.form_for(session, click.team_id, click.user_id, click.value or None)
        except DomainError as error:
            tell_user(client, click.user_id, error_message(error, reader.locale))
            return
        open_form(
            client, body, blocks.progress_modal(reader, form.choices, selected=form.selected, previous=form.previous)
        )

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
        try:
            with deps.session_factory() as session:
                form = progress.form_for(session, click.team_id, click.user_id, click.selected)
        except DomainError:
            return  # the choice came from this very form; there is nothing sensible to redraw
        client.views_update(
            view_id=view.get("id"),
            hash=view.get("hash"),
            view=blocks.progress_modal(
                reader,
                form.choices,
                selected=form.selected,
                previous=form.previous,
                channel_id=metadata_of(view).get("channel_id"),
            ),
        )
