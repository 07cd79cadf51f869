"""Discussion forms: opening one, adding a poll, closing with a conclusion."""

from __future__ import annotations

from datetime import date

from handlers.listener import Call, Reply, form
from handlers.parsing import parse_date
from handlers.requests import Submission
from kit.blocks import discussions as blocks
from kit.ids import Block, Callback
from kit.text import channel_link
from services import discussions, polls
from services.discussions import Outcome
from services.errors import DomainError

POLL_ERRORS = {"poll.closes_past": Block.DISCUSSION_CLOSES_ON}  # the rest are about the options
ERRORS = POLL_ERRORS | {
    "discussion.topic_missing": Block.DISCUSSION_TOPIC,
    "discussion.topic_too_long": Block.DISCUSSION_TOPIC,
    "discussion.not_member": Block.DISCUSSION_PROJECT,
    "discussion.no_channel": Block.DISCUSSION_PROJECT,
    "project.not_found": Block.DISCUSSION_PROJECT,
    "project.closed": Block.DISCUSSION_PROJECT,
    "poll.too_few": Block.DISCUSSION_OPTIONS,
    "poll.too_many": Block.DISCUSSION_OPTIONS,
    "poll.option_too_long": Block.DISCUSSION_OPTIONS,
}


def _poll_fields(sub: Submission) -> tuple[list[str], bool, date | None]:
    raw_date = sub.date(Block.DISCUSSION_CLOSES_ON)
    options = sub.text(Block.DISCUSSION_OPTIONS).splitlines()
    anonymous = "anonymous" in sub.checked(Block.DISCUSSION_ANONYMOUS)
    return options, anonymous, parse_date(raw_date) if raw_date else None


def _discussion_id(sub: Submission) -> int:
    found = sub.metadata_int("discussion_id")
    if found is None:
        raise DomainError("discussion.not_found", id="-")
    return found


@form(Callback.DISCUSSION_NEW, errors=ERRORS, default_block=Block.DISCUSSION_TOPIC)
def opened(call: Call) -> Reply:
    sub = call.submitted
    options, anonymous, closes_on = _poll_fields(sub)
    info = discussions.open_(
        call.db,
        call.team_id,
        call.user_id,
        sub.option(Block.DISCUSSION_PROJECT) or "",
        topic=sub.text(Block.DISCUSSION_TOPIC),
        background=sub.text(Block.DISCUSSION_BACKGROUND),
        poll_options=options,
        anonymous=anonymous,
        closes_on=closes_on,
        fallback_channel=call.channel_id,
        is_admin=call.is_admin,
        today=call.reader.local_date(call.now),
        now=call.now,
    )
    return Reply(blocks.outcome("discussion.opened", info, call.reader, channel=channel_link(info.channel_id)))


@form(Callback.DISCUSSION_POLL, errors=POLL_ERRORS, default_block=Block.DISCUSSION_OPTIONS, once=False)
def poll_added(call: Call) -> Reply:
    sub = call.submitted
    options, anonymous, closes_on = _poll_fields(sub)
    info = polls.add_poll(
        call.db,
        call.team_id,
        call.user_id,
        _discussion_id(sub),
        options,
        anonymous=anonymous,
        closes_on=closes_on,
        is_admin=call.is_admin,
        today=call.reader.local_date(call.now),
        now=call.now,
    )
    return Reply(blocks.outcome("discussion.poll_added", info, call.reader))


@form(Callback.DISCUSSION_CLOSE, default_block=Block.DISCUSSION_CONCLUSION, once=False)
def closed(call: Call) -> Reply:
    sub = call.submitted
    outcome, info = discussions.close(
        call.db,
        call.team_id,
        call.user_id,
        _discussion_id(sub),
        sub.text(Block.DISCUSSION_CONCLUSION),
        is_admin=call.is_admin,
        now=call.now,
    )
    key = "discussion.closed_ok" if outcome is Outcome.DONE else "discussion.closed_already"
    return Reply(blocks.outcome(key, info, call.reader))
