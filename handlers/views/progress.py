"""The progress form: posting a new update, or editing one within its period."""

from __future__ import annotations

from slack_bolt import App

from handlers.deps import Deps
from handlers.interaction import MalformedPayload, Submission, never_fails_a_submission, tell_user
from handlers.refusals import error_text
from kit.blocks import progress as blocks
from kit.ids import Block, Callback
from services import progress
from services.errors import DomainError
from services.terms import Health

ERROR_BLOCKS = {"progress.bad_percent": Block.PROGRESS_PERCENT}
ERROR_TEXT_MAX = 150


def _entry(sub: Submission) -> progress.Entry:
    health = sub.option(Block.PROGRESS_HEALTH)
    return progress.Entry(
        done=sub.text(Block.PROGRESS_DONE),
        next=sub.text(Block.PROGRESS_NEXT),
        blockers=sub.text(Block.PROGRESS_BLOCKERS),
        percent=progress.validate_percent(sub.text(Block.PROGRESS_PERCENT)),
        health=Health(health) if health in {h.value for h in Health} else None,
    )


def register(app: App, deps: Deps) -> None:
    @app.view(Callback.PROGRESS)
    @never_fails_a_submission(Block.PROGRESS_DONE, deps.locale_of)
    def submitted(ack, body, client, logger) -> None:
        try:
            sub = Submission.from_body(body)
        except MalformedPayload as error:
            ack()
            logger.warning("ignored a progress form: %s", error)
            return
        reader = deps.cached_reader(sub.team_id, sub.user_id)
        update_id = sub.metadata_int("update_id")
        try:
            entry = _entry(sub)
            with deps.transaction() as session:
                if not sub.first_time(session):
                    ack()
                    return
                if update_id is not None:
                    update = progress.edit(
                        session, sub.team_id, sub.user_id, update_id, entry, now=deps.clock(), calendar=deps.calendar
                    )
                else:
                    key = sub.option(Block.PROGRESS_PROJECT) or ""
                    update = progress.post(
                        session, sub.team_id, sub.user_id, key, entry, now=deps.clock(), calendar=deps.calendar
                    )
        except DomainError as error:
            block = ERROR_BLOCKS.get(error.code, Block.PROGRESS_DONE)
            message = error_text(error, reader.locale, plain=True)[:ERROR_TEXT_MAX]
            ack(response_action="errors", errors={block: message})
            return
        ack()
        answer = blocks.edited(update, reader.locale) if update_id is not None else blocks.posted(update, reader.locale)
        tell_user(client, sub.user_id, answer, channel_id=sub.metadata_str("channel_id"))
