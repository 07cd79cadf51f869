"""The project form: register (new) and edit."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import projects as blocks
from bot.i18n import t
from bot.ids import Block, Callback
from handlers.deps import Deps
from handlers.interaction import Submission, tell_user
from handlers.parsing import parse_date
from services import idempotency, projects
from services.errors import DomainError

# Which input shows which refusal; anything else is shown on the name.
ERROR_BLOCKS = {
    "project.key_invalid": Block.PROJECT_KEY,
    "project.key_taken": Block.PROJECT_KEY,
    "project.bad_date": Block.PROJECT_TARGET_DATE,
}


def _draft(sub: Submission) -> projects.ProjectDraft:
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
        target_date=target,
    )


def register(app: App, deps: Deps) -> None:
    def submitted(ack, body, client) -> None:
        sub = Submission.from_body(body)
        reader = deps.cached_reader(sub.team_id, sub.user_id)
        is_admin = deps.is_admin(sub.user_id)
        try:
            draft = _draft(sub)
            with deps.transaction() as session:
                if not idempotency.first_time(session, sub.team_id, f"view:{sub.view_id}"):
                    ack()
                    return
                if sub.callback_id == Callback.PROJECT_EDIT:
                    info = projects.edit(
                        session,
                        sub.team_id,
                        sub.user_id,
                        int(sub.metadata.get("project_id", 0)),
                        draft,
                        is_admin=is_admin,
                    )
                else:
                    info = projects.create(session, sub.team_id, sub.user_id, draft)
        except DomainError as error:
            block = ERROR_BLOCKS.get(error.code, Block.PROJECT_NAME)
            ack(
                response_action="errors",
                errors={block: t(f"error.{error.code}", reader.locale, plain=True, **error.params)[:150]},
            )
            return
        ack()
        answer = (
            blocks.reply("project.edited", info, reader.locale)
            if sub.callback_id == Callback.PROJECT_EDIT
            else blocks.created(info, reader.locale)
        )
        tell_user(client, sub.user_id, answer, channel_id=sub.metadata.get("channel_id"))

    app.view(Callback.PROJECT_NEW)(submitted)
    app.view(Callback.PROJECT_EDIT)(submitted)
