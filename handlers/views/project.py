"""The project form: register (new) and edit."""

from __future__ import annotations

from slack_bolt import App

from handlers.deps import Deps
from handlers.interaction import MalformedPayload, Submission, never_fails_a_submission, tell_user
from handlers.parsing import parse_date
from handlers.refusals import error_text
from kit.blocks import projects as blocks
from kit.ids import Block, Callback
from services import projects
from services.errors import DomainError
from services.terms import Cadence

# Which input shows which refusal; anything else is shown on the name.
ERROR_BLOCKS = {
    "project.key_invalid": Block.PROJECT_KEY,
    "project.key_taken": Block.PROJECT_KEY,
    "project.bad_date": Block.PROJECT_TARGET_DATE,
    "project.lead_required": Block.PROJECT_LEADS,
}
ERROR_TEXT_MAX = 150


def _draft(sub: Submission, timezone: str) -> projects.ProjectDraft:
    raw_date = sub.date(Block.PROJECT_TARGET_DATE)
    target = parse_date(raw_date) if raw_date else None
    if raw_date and target is None:
        raise DomainError("project.bad_date", value=raw_date)
    editing = sub.callback_id == Callback.PROJECT_EDIT
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


def _cadence(value: str | None) -> Cadence:
    return Cadence(value) if value in {c.value for c in Cadence} else Cadence.WEEKLY


def _save(deps: Deps, sub: Submission, timezone: str) -> projects.ProjectInfo | None:
    """Registers or edits; None when this very form was already saved (a replay)."""
    draft = _draft(sub, timezone)
    with deps.transaction() as session:
        if not sub.first_time(session):
            return None
        if sub.callback_id != Callback.PROJECT_EDIT:
            return projects.create(session, sub.team_id, sub.user_id, draft, now=deps.clock())
        project_id = sub.metadata_int("project_id")
        if project_id is None:
            raise DomainError("project.form_stale")
        return projects.edit(
            session,
            sub.team_id,
            sub.user_id,
            project_id,
            draft,
            is_admin=deps.is_admin(sub.user_id),
            members_shown=sub.metadata_ids("members_shown"),
            now=deps.clock(),
        )


def register(app: App, deps: Deps) -> None:
    @never_fails_a_submission(Block.PROJECT_NAME, deps.locale_of)
    def submitted(ack, body, client, logger) -> None:
        try:
            sub = Submission.from_body(body)
        except MalformedPayload as error:
            ack()
            logger.warning("ignored a project form: %s", error)
            return
        reader = deps.cached_reader(sub.team_id, sub.user_id)
        try:
            info = _save(deps, sub, reader.tz)
        except DomainError as error:
            message = error_text(error, reader.locale, plain=True)
            ack(
                response_action="errors",
                errors={ERROR_BLOCKS.get(error.code, Block.PROJECT_NAME): message[:ERROR_TEXT_MAX]},
            )
            return
        ack()
        if info is None:
            return
        answer = (
            blocks.reply("project.edited", info, reader.locale)
            if sub.callback_id == Callback.PROJECT_EDIT
            else blocks.created(info, reader.locale)
        )
        tell_user(client, sub.user_id, answer, channel_id=sub.metadata_str("channel_id"))

    app.view(Callback.PROJECT_NEW)(submitted)
    app.view(Callback.PROJECT_EDIT)(submitted)
