"""The progress form: posting a new update, or editing one within its period."""

from __future__ import annotations

from handlers.listener import Call, Reply, form
from handlers.requests import Submission
from kit.blocks import progress as blocks
from kit.ids import Block, Callback
from services import progress
from services.terms import Health


def _entry(sub: Submission) -> progress.Entry:
    health = sub.option(Block.PROGRESS_HEALTH)
    return progress.Entry(
        done=sub.text(Block.PROGRESS_DONE),
        next=sub.text(Block.PROGRESS_NEXT),
        blockers=sub.text(Block.PROGRESS_BLOCKERS),
        percent=progress.validate_percent(sub.text(Block.PROGRESS_PERCENT)),
        health=Health(health) if health in {h.value for h in Health} else None,
    )


@form(Callback.PROGRESS, errors={"progress.bad_percent": Block.PROGRESS_PERCENT}, default_block=Block.PROGRESS_DONE)
def submitted(call: Call) -> Reply:
    sub, calendar = call.submitted, call.deps.calendar
    entry = _entry(sub)
    update_id = sub.metadata_int("update_id")
    if update_id is not None:
        update = progress.edit(call.db, call.team_id, call.user_id, update_id, entry, now=call.now, calendar=calendar)
        return Reply(blocks.edited(update, call.locale))
    key = sub.option(Block.PROGRESS_PROJECT) or ""
    update = progress.post(call.db, call.team_id, call.user_id, key, entry, now=call.now, calendar=calendar)
    return Reply(blocks.posted(update, call.locale))
