"""The nudge's "Snooze until tomorrow" button."""

from __future__ import annotations

from datetime import date

from slack_bolt import App

from handlers.deps import Deps, error_message
from handlers.interaction import Click, MalformedPayload, answer_click
from kit.blocks import nudges as blocks
from kit.i18n import t
from kit.ids import Action
from services import nudges, projects
from services.errors import DomainError

MAX_ID = 2**31 - 1  # a database integer; anything larger is forged


def _parse(value: str) -> tuple[int, date] | None:
    project, _, start = value.partition(":")
    try:
        project_id, period_start = int(project), date.fromisoformat(start)
    except ValueError:
        return None
    return (project_id, period_start) if 0 < project_id <= MAX_ID else None


def register(app: App, deps: Deps) -> None:
    @app.action(Action.NUDGE_SNOOZE)
    def snooze(ack, body, client, respond, logger) -> None:
        ack()
        try:
            click = Click.from_body(body)
        except MalformedPayload as error:
            logger.warning("ignored a snooze: %s", error)
            return
        reader = deps.cached_reader(click.team_id, click.user_id)
        parsed = _parse(click.value)
        if parsed is None:
            answer_click(client, click, respond, error_message(DomainError("nudge.not_found"), reader.locale))
            return
        project_id, period_start = parsed
        now = deps.clock()
        # until the next working day's 10:00 where the person is
        until = deps.org.working_time.slot_after(now, reader.tz)
        try:
            with deps.transaction() as session:
                fresh = nudges.snooze(session, click.team_id, click.user_id, project_id, period_start, until=until)
                info = projects.get_by_id(session, click.team_id, project_id)
        except DomainError as error:
            answer_click(client, click, respond, error_message(error, reader.locale))
            return
        if not fresh or info is None:
            answer_click(client, click, respond, {"text": t("nudge.snoozed_already", reader.locale)})
            return
        when = reader.format_datetime(until)
        answer_click(client, click, respond, blocks.snoozed(info.name, when, reader.locale))
