"""Discussion forms: opening one, adding a poll, closing with a conclusion."""

from __future__ import annotations

from slack_bolt import App

from handlers.deps import Deps
from handlers.interaction import Submission, never_fails_a_submission, refuse_form, submission_of, tell_user
from handlers.parsing import parse_date
from kit.blocks import discussions as blocks
from kit.ids import Block, Callback
from kit.text import channel_link
from services import discussions, polls
from services.discussions import Outcome
from services.errors import DomainError

ERROR_BLOCKS = {
    "discussion.topic_missing": Block.DISCUSSION_TOPIC,
    "discussion.topic_too_long": Block.DISCUSSION_TOPIC,
    "discussion.not_member": Block.DISCUSSION_PROJECT,
    "discussion.no_channel": Block.DISCUSSION_PROJECT,
    "project.not_found": Block.DISCUSSION_PROJECT,
    "project.closed": Block.DISCUSSION_PROJECT,
    "poll.too_few": Block.DISCUSSION_OPTIONS,
    "poll.too_many": Block.DISCUSSION_OPTIONS,
    "poll.option_too_long": Block.DISCUSSION_OPTIONS,
    "poll.closes_past": Block.DISCUSSION_CLOSES_ON,
    "discussion.conclusion_missing": Block.DISCUSSION_CONCLUSION,
}


def _poll_fields(sub: Submission) -> tuple[list[str], bool, object]:
    raw_date = sub.date(Block.DISCUSSION_CLOSES_ON)
    options = sub.text(Block.DISCUSSION_OPTIONS).splitlines()
    anonymous = "anonymous" in sub.checked(Block.DISCUSSION_ANONYMOUS)
    return options, anonymous, parse_date(raw_date) if raw_date else None


def register(app: App, deps: Deps) -> None:
    def refuse(ack, error: DomainError, locale: str, default_block: str) -> None:
        refuse_form(ack, error, locale, ERROR_BLOCKS, default_block)

    def submission(ack, body, logger) -> Submission | None:
        return submission_of(ack, body, logger, "a discussion form")

    def discussion_id(sub: Submission) -> int:
        found = sub.metadata_int("discussion_id")
        if found is None:
            raise DomainError("discussion.not_found", id="-")
        return found

    @app.view(Callback.DISCUSSION_NEW)
    @never_fails_a_submission(Block.DISCUSSION_TOPIC, deps.locale_of)
    def opened(ack, body, client, logger) -> None:
        if (sub := submission(ack, body, logger)) is None:
            return
        reader = deps.cached_reader(sub.team_id, sub.user_id)
        options, anonymous, closes_on = _poll_fields(sub)
        try:
            with deps.transaction() as session:
                if not sub.first_time(session):
                    ack()
                    return
                info = discussions.open_(
                    session,
                    sub.team_id,
                    sub.user_id,
                    sub.option(Block.DISCUSSION_PROJECT) or "",
                    topic=sub.text(Block.DISCUSSION_TOPIC),
                    background=sub.text(Block.DISCUSSION_BACKGROUND),
                    poll_options=options,
                    anonymous=anonymous,
                    closes_on=closes_on,
                    fallback_channel=sub.metadata_str("channel_id"),
                    is_admin=deps.is_admin(sub.user_id),
                    today=reader.local_date(deps.clock()),
                    now=deps.clock(),
                )
        except DomainError as error:
            refuse(ack, error, reader.locale, Block.DISCUSSION_TOPIC)
            return
        ack()
        payload = blocks.outcome("discussion.opened", info, reader, channel=channel_link(info.channel_id))
        tell_user(client, sub.user_id, payload, channel_id=sub.metadata_str("channel_id"))

    @app.view(Callback.DISCUSSION_POLL)
    @never_fails_a_submission(Block.DISCUSSION_OPTIONS, deps.locale_of)
    def poll_added(ack, body, client, logger) -> None:
        if (sub := submission(ack, body, logger)) is None:
            return
        reader = deps.cached_reader(sub.team_id, sub.user_id)
        options, anonymous, closes_on = _poll_fields(sub)
        try:
            with deps.transaction() as session:
                info = polls.add_poll(
                    session,
                    sub.team_id,
                    sub.user_id,
                    discussion_id(sub),
                    options,
                    anonymous=anonymous,
                    closes_on=closes_on,
                    is_admin=deps.is_admin(sub.user_id),
                    today=reader.local_date(deps.clock()),
                    now=deps.clock(),
                )
        except DomainError as error:
            refuse(ack, error, reader.locale, Block.DISCUSSION_OPTIONS)
            return
        ack()
        tell_user(
            client,
            sub.user_id,
            blocks.outcome("discussion.poll_added", info, reader),
            channel_id=sub.metadata_str("channel_id"),
        )

    @app.view(Callback.DISCUSSION_CLOSE)
    @never_fails_a_submission(Block.DISCUSSION_CONCLUSION, deps.locale_of)
    def closed(ack, body, client, logger) -> None:
        if (sub := submission(ack, body, logger)) is None:
            return
        reader = deps.cached_reader(sub.team_id, sub.user_id)
        try:
            with deps.transaction() as session:
                outcome, info = discussions.close(
                    session,
                    sub.team_id,
                    sub.user_id,
                    discussion_id(sub),
                    sub.text(Block.DISCUSSION_CONCLUSION),
                    is_admin=deps.is_admin(sub.user_id),
                    now=deps.clock(),
                )
        except DomainError as error:
            refuse(ack, error, reader.locale, Block.DISCUSSION_CONCLUSION)
            return
        ack()
        key = "discussion.closed_ok" if outcome is Outcome.DONE else "discussion.closed_already"
        tell_user(client, sub.user_id, blocks.outcome(key, info, reader), channel_id=sub.metadata_str("channel_id"))
