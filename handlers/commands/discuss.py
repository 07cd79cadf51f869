"""/discuss: open a discussion (one line or the form), show one, close it with a conclusion, reopen it, list a
project's."""

from __future__ import annotations

from handlers.listener import Call, Modal, Reply, command
from handlers.parsing import tokenize
from kit.blocks import discussions as blocks
from kit.ids import Command
from kit.text import channel_link
from services import discussions, projects
from services.discussions import Outcome
from services.errors import DomainError


@command(Command.DISCUSS, default=True)
def open_form(call: Call, chosen: str | None = None) -> Modal:
    choices = projects.list_mine(call.db, call.team_id, call.user_id)
    if not choices:
        raise DomainError("progress.no_projects")
    return Modal(blocks.discuss_modal(call.reader, choices, channel_id=call.channel_id, chosen=chosen))


@command(Command.DISCUSS, otherwise=True, writes=True, once=True)
def open_(call: Call) -> Reply | Modal:
    """`/discuss KEY <topic>`; `/discuss KEY` alone opens the form for that project."""
    words = call.args.split()
    key = tokenize(words[0]).text if words else ""
    topic = tokenize(" ".join(words[1:])).text
    if not topic:
        projects.get(call.db, call.team_id, key)  # an unknown key is said at once, not after the form
        return open_form(call, chosen=key)
    info = discussions.open_(
        call.db,
        call.team_id,
        call.user_id,
        key,
        topic=topic,
        fallback_channel=call.channel_id,
        is_admin=call.is_admin,
        today=call.reader.local_date(call.now),
        now=call.now,
    )
    return Reply(blocks.outcome("discussion.opened", info, call.reader, channel=channel_link(info.channel_id)))


@command(Command.DISCUSS, "close", "종료", writes=True)
def close(call: Call) -> Reply | Modal:
    discussion_id = call.numbered("discussion.bad_id")
    conclusion = tokenize(call.args.partition(" ")[2]).text
    if not conclusion.strip():  # no conclusion given: ask for it in the closing form
        discussions.check_can_manage(call.db, call.team_id, call.user_id, discussion_id, is_admin=call.is_admin)
        return Modal(blocks.close_modal(call.reader, discussion_id, call.channel_id))
    outcome, info = discussions.close(
        call.db, call.team_id, call.user_id, discussion_id, conclusion, is_admin=call.is_admin, now=call.now
    )
    key = "discussion.closed_ok" if outcome is Outcome.DONE else "discussion.closed_already"
    return Reply(blocks.outcome(key, info, call.reader))


@command(Command.DISCUSS, "reopen", "재개", writes=True)
def reopen(call: Call) -> Reply:
    outcome, info = discussions.reopen(
        call.db, call.team_id, call.user_id, call.numbered("discussion.bad_id"), is_admin=call.is_admin, now=call.now
    )
    key = "discussion.reopened_ok" if outcome is Outcome.DONE else "discussion.reopened_already"
    return Reply(blocks.outcome(key, info, call.reader))


def _cards(found: list[discussions.DiscussionInfo]) -> list[tuple[int, str, str]]:
    """Where each discussion's card is, for links to it (a card not posted yet has none)."""
    return [(d.id, d.channel_id, d.thread_ts) for d in found if d.thread_ts]


@command(Command.DISCUSS, "show", "보기")
def show(call: Call) -> Reply:
    info = discussions.get_for(
        call.db, call.team_id, call.user_id, call.numbered("discussion.bad_id"), is_admin=call.is_admin
    )
    link = call.links(_cards([info])).get(info.id)
    return Reply(blocks.show(info, call.reader, call.reader.local_date(call.now), link))


@command(Command.DISCUSS, "list", "목록")
def list_(call: Call) -> Reply:
    if not call.first_arg:
        return call.say("common.missing_key", example="/discuss list ATOPY")
    project, found = discussions.for_project(
        call.db, call.team_id, call.first_arg, viewer=call.user_id, is_admin=call.is_admin
    )
    links = call.links(_cards(found))  # one question to Slack, whatever the number
    return Reply(blocks.discussion_list(project, found, call.reader, call.reader.local_date(call.now), links))
