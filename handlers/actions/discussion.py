"""Discussion card buttons: vote, add a poll (form), close with a conclusion (form), reopen."""

from __future__ import annotations

import re

from handlers.listener import Call, Modal, Reply, click
from kit.blocks import discussions as blocks
from kit.ids import Action
from services import discussions, polls
from services.discussions import Outcome
from services.polls import VoteOutcome

VOTE_ANSWERS = {
    VoteOutcome.VOTED: "discussion.voted",
    VoteOutcome.CHANGED: "discussion.vote_changed",
    VoteOutcome.SAME: "discussion.vote_same",
}


@click(re.compile(rf"^{Action.DISCUSSION_VOTE}_\d+$"), writes=True)
def vote(call: Call) -> Reply:
    outcome, info, label = polls.vote(
        call.db, call.team_id, call.user_id, call.record, today=call.reader.local_date(call.now), now=call.now
    )
    return Reply(blocks.outcome(VOTE_ANSWERS[outcome], info, call.reader, option=label))


@click(Action.DISCUSSION_POLL)
def add_poll(call: Call) -> Modal:
    discussions.check_can_manage(call.db, call.team_id, call.user_id, call.record, is_admin=call.is_admin)
    return Modal(blocks.poll_modal(call.reader, call.record, call.channel_id))


@click(Action.DISCUSSION_CLOSE)
def close(call: Call) -> Modal:
    discussions.check_can_manage(call.db, call.team_id, call.user_id, call.record, is_admin=call.is_admin)
    return Modal(blocks.close_modal(call.reader, call.record, call.channel_id))


@click(Action.DISCUSSION_REOPEN, writes=True)
def reopen(call: Call) -> Reply:
    outcome, info = discussions.reopen(
        call.db, call.team_id, call.user_id, call.record, is_admin=call.is_admin, now=call.now
    )
    key = "discussion.reopened_ok" if outcome is Outcome.DONE else "discussion.reopened_already"
    return Reply(blocks.outcome(key, info, call.reader))
