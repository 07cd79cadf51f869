"""The project form: register (new) and edit."""

from __future__ import annotations

from handlers.listener import Call, Reply, form
from handlers.parsing import parse_date
from handlers.requests import Submission
from kit.blocks import projects as blocks
from kit.ids import Block, Callback
from services import projects
from services.errors import DomainError
from services.terms import Cadence

# a key is chosen only when registering, leads only when editing
NEW_ERRORS = {
    "project.key_invalid": Block.PROJECT_KEY,
    "project.key_taken": Block.PROJECT_KEY,
    "project.bad_date": Block.PROJECT_TARGET_DATE,
}
EDIT_ERRORS = {"project.bad_date": Block.PROJECT_TARGET_DATE, "project.lead_required": Block.PROJECT_LEADS}


def _cadence(value: str | None) -> Cadence:
    return Cadence(value) if value in {c.value for c in Cadence} else Cadence.WEEKLY


def _draft(sub: Submission, timezone: str, *, editing: bool) -> projects.ProjectDraft:
    raw_date = sub.date(Block.PROJECT_TARGET_DATE)
    target = parse_date(raw_date) if raw_date else None
    if raw_date and target is None:
        raise DomainError("project.bad_date", value=raw_date)
    return projects.ProjectDraft(
        name=sub.text(Block.PROJECT_NAME),
        key=sub.text(Block.PROJECT_KEY).strip() or None,
        description=sub.text(Block.PROJECT_DESCRIPTION),
        lead_department=sub.text(Block.PROJECT_LEAD_DEPARTMENT).strip() or None,
        cooperating_departments=[d.strip() for d in sub.text(Block.PROJECT_COOPERATING).split(",") if d.strip()],
        channel_id=sub.conversation(Block.PROJECT_CHANNEL),
        member_ids=sub.users(Block.PROJECT_MEMBERS),
        lead_ids=sub.users(Block.PROJECT_LEADS) if editing else None,
        manager_ids=sub.users(Block.PROJECT_MANAGERS) if editing else None,
        target_date=target,
        cadence=_cadence(sub.option(Block.PROJECT_CADENCE)),
        timezone=timezone,
    )


@form(Callback.PROJECT_NEW, errors=NEW_ERRORS, default_block=Block.PROJECT_NAME)
def registered(call: Call) -> Reply:
    draft = _draft(call.submitted, call.reader.tz, editing=False)
    info = projects.create(call.db, call.team_id, call.user_id, draft, now=call.now)
    return Reply(blocks.created(info, call.locale, key_generated=draft.key is None))


@form(Callback.PROJECT_EDIT, errors=EDIT_ERRORS, default_block=Block.PROJECT_NAME)
def edited(call: Call) -> Reply:
    sub = call.submitted
    project_id = sub.metadata_int("project_id")
    if project_id is None:
        raise DomainError("project.form_stale")
    info = projects.edit(
        call.db,
        call.team_id,
        call.user_id,
        project_id,
        _draft(sub, call.reader.tz, editing=True),
        is_admin=call.is_admin,
        members_shown=sub.metadata_ids("members_shown"),
        now=call.now,
    )
    return Reply(blocks.reply("project.edited", info, call.locale))
