"""The nudge's "Snooze until tomorrow" button."""

from __future__ import annotations

from datetime import date

from handlers.listener import Call, Reply, click
from handlers.requests import record_id
from kit.blocks import nudges as blocks
from kit.ids import Action
from services import nudges, projects
from services.errors import DomainError


def _parse(value: str) -> tuple[int, date]:
    """The button's "project id:period start"; anything else is a nudge that does not exist."""
    project, _, start = value.partition(":")
    project_id = record_id(project)
    try:
        period_start = date.fromisoformat(start)
    except ValueError:
        project_id = None
    if project_id is None:
        raise DomainError("nudge.not_found")
    return project_id, period_start


@click(Action.NUDGE_SNOOZE, writes=True, record=False)
def snooze(call: Call) -> Reply:
    project_id, period_start = _parse(call.value)
    until = call.deps.org.working_time.slot_after(call.now, call.reader.tz)  # the next working day's 10:00 there
    fresh = nudges.snooze(call.db, call.team_id, call.user_id, project_id, period_start, until=until)
    info = projects.get_by_id(call.db, call.team_id, project_id)
    if not fresh or info is None:
        return call.say("nudge.snoozed_already")
    return Reply(blocks.snoozed(info.name, call.reader.format_datetime(until), call.locale))
