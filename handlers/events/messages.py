"""Message events: replies in a discussion's thread are counted (who and when; the text is never kept).

Slack retries an event it thinks was missed; a reply is keyed by its message ts, so a retried or
replayed delivery counts once. Messages outside any discussion thread cost no database write."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App

from handlers.deps import Deps
from handlers.interaction import team_of
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


def register(app: App, deps: Deps) -> None:
    @app.event("message")
    def message(event, body, logger) -> None:
        team_id = team_of(body)
        channel = _text(event.get("channel"))
        if not team_id or not channel:
            return
        subtype = event.get("subtype")
        if subtype == "message_deleted":
            previous = event.get("previous_message") if isinstance(event.get("previous_message"), dict) else {}
            thread_ts, message_ts = _text(previous.get("thread_ts")), _text(event.get("deleted_ts"))
            if thread_ts and message_ts and thread_ts != message_ts:
                with deps.transaction() as session:
                    discussions.forget_reply(
                        session, team_id, channel=channel, thread_ts=thread_ts, message_ts=message_ts
                    )
            return
        if subtype not in COUNTED_SUBTYPES or event.get("bot_id"):
            return
        thread_ts, message_ts, author = (_text(event.get(k)) for k in ("thread_ts", "ts", "user"))
        at = _moment(message_ts)
        if not thread_ts or thread_ts == message_ts or not author or at is None:
            return  # not a reply in a thread
        if not _wait_for_thread(deps, team_id, channel, thread_ts):
            return
        with deps.transaction() as session:
            counted = discussions.record_reply(
                session, team_id, channel=channel, thread_ts=thread_ts, author=author, message_ts=message_ts, at=at
            )
        logger.debug("discussion reply in %s %s", channel, "counted" if counted else "already counted")
