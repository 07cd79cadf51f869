"""Message events: replies in a discussion's thread are counted (who and when; the text is never kept).

Slack retries an event it thinks was missed; a reply is keyed by its message ts, so a retried or
replayed delivery counts once. Messages outside any discussion thread cost no database write."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from handlers.deps import Deps
from handlers.listener import Call, event
from services import discussions
from services.unit_of_work import utcnow

COUNTED_SUBTYPES = {None, "thread_broadcast", "file_share"}
THREAD_WAITS = 20
THREAD_WAIT_SECONDS = 0.1


def _moment(ts: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class ThreadMessage:
    """A reply in a thread (or the deletion of one): the only messages that can concern a discussion."""

    channel: str
    thread_ts: str
    message_ts: str
    author: str
    at: datetime | None
    deleted: bool

    @classmethod
    def of(cls, found: dict[str, Any]) -> ThreadMessage | None:
        channel, subtype = _text(found.get("channel")), found.get("subtype")
        if not channel:
            return None
        if subtype == "message_deleted":
            previous = found.get("previous_message") if isinstance(found.get("previous_message"), dict) else {}
            thread_ts, message_ts = _text(previous.get("thread_ts")), _text(found.get("deleted_ts"))
            if thread_ts and message_ts and thread_ts != message_ts:
                return cls(channel, thread_ts, message_ts, "", None, deleted=True)
            return None
        if subtype not in COUNTED_SUBTYPES or found.get("bot_id"):
            return None
        thread_ts, message_ts, author = (_text(found.get(k)) for k in ("thread_ts", "ts", "user"))
        at = _moment(message_ts)
        if not thread_ts or thread_ts == message_ts or not author or at is None:
            return None  # not a reply in a thread
        return cls(channel, thread_ts, message_ts, author, at, deleted=False)


def _wait_for_thread(deps: Deps, team_id: str, channel: str, thread_ts: str) -> bool:
    """Whether the thread is an open discussion's. A reply can arrive while the card that started the
    thread is still being recorded as sent; then the answer waits for that, briefly."""
    for _ in range(THREAD_WAITS):
        with deps.session_factory() as session:
            if discussions.is_open_thread(session, team_id, channel, thread_ts):
                return True
            if not discussions.card_in_flight(session, team_id, channel, utcnow()):  # on the sender's clock
                return False
        time.sleep(THREAD_WAIT_SECONDS)
    return False


def _concerns_a_discussion(call: Call) -> bool:
    found = ThreadMessage.of(call.event)
    if found is None:
        return False
    return found.deleted or _wait_for_thread(call.deps, call.team_id, found.channel, found.thread_ts)


def _in_a_thread(found: dict[str, Any]) -> bool:
    return ThreadMessage.of(found) is not None


@event("message", writes=True, relevant=_in_a_thread, when=_concerns_a_discussion)
def message(call: Call) -> None:
    found = ThreadMessage.of(call.event)
    assert found is not None  # checked by _concerns_a_discussion
    if found.deleted:
        discussions.forget_reply(
            call.db, call.team_id, channel=found.channel, thread_ts=found.thread_ts, message_ts=found.message_ts
        )
        return
    assert found.at is not None
    discussions.record_reply(
        call.db,
        call.team_id,
        channel=found.channel,
        thread_ts=found.thread_ts,
        author=found.author,
        message_ts=found.message_ts,
        at=found.at,
    )
