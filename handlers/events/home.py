"""App Home: published when opened, and again when what it shows changes (the department)."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from handlers.deps import Deps
from handlers.interaction import MalformedPayload, Submission, identity, open_form, team_of
from kit.blocks import home as blocks
from kit.home_view import home_view
from kit.ids import Action, Block, Callback
from services import users


def publish_home(deps: Deps, client: WebClient, team_id: str, user_id: str) -> None:
    reader = deps.reader(client, team_id, user_id)
    with deps.session_factory() as session:
        view = home_view(
            session,
            team_id,
            reader,
            now=deps.clock(),
            calendar=deps.calendar,
            rules=deps.org.rules,
        )
    client.views_publish(user_id=user_id, view=view)


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(event, body, client) -> None:
        user_id, team_id = event.get("user"), team_of(body)
        if event.get("tab", "home") != "home" or not isinstance(user_id, str) or not team_id:
            return
        publish_home(deps, client, team_id, user_id)

    @app.action(Action.HOME_SET_DEPARTMENT)
    def set_department_clicked(ack, body, client, logger) -> None:
        ack()
        try:
            team_id, user_id = identity(body)
        except MalformedPayload as error:
            logger.warning("ignored a department click: %s", error)
            return
        reader = deps.cached_reader(team_id, user_id)
        with deps.session_factory() as session:
            person = users.get_person(session, team_id, user_id)
            known = users.list_departments(session, team_id)
        open_form(client, body, blocks.department_modal(reader, person, known))

    @app.view(Callback.DEPARTMENT)
    def department_submitted(ack, body, client, logger) -> None:
        ack()
        try:
            sub = Submission.from_body(body)
        except MalformedPayload as error:
            logger.warning("ignored a department form: %s", error)
            return
        with deps.transaction() as session:
            users.set_department(session, sub.team_id, sub.user_id, sub.text(Block.DEPARTMENT))
        publish_home(deps, client, sub.team_id, sub.user_id)
