"""Discussion card buttons: vote, add a poll (form), close with a conclusion (form)."""

from __future__ import annotations

import re

from slack_bolt import App

from handlers.deps import Deps, error_message
from handlers.interaction import answer_click, id_click, open_form
from kit.blocks import discussions as blocks
from kit.ids import Action
from services import discussions, polls
from services.errors import DomainError
from services.polls import VoteOutcome

VOTE_ANSWERS = {
    VoteOutcome.VOTED: "discussion.voted",
    VoteOutcome.CHANGED: "discussion.vote_changed",
    VoteOutcome.SAME: "discussion.vote_same",
}


def register(app: App, deps: Deps) -> None:
    def act(body, client, respond, logger, run) -> None:
        if (click := id_click(body, logger)) is None:
            return
        reader = deps.cached_reader(click.team_id, click.user_id)
        try:
            payload = run(click, reader)
        except DomainError as error:
            payload = error_message(error, reader.locale)
        if payload is not None:
            answer_click(client, click, respond, payload)

    @app.action(re.compile(rf"^{Action.DISCUSSION_VOTE}_\d+$"))
    def vote(ack, body, client, respond, logger) -> None:
        ack()

        def run(click, reader):
            now = deps.clock()
            with deps.transaction() as session:
                outcome, info, label = polls.vote(
                    session, click.team_id, click.user_id, int(click.value), today=reader.local_date(now), now=now
                )
            return blocks.outcome(VOTE_ANSWERS[outcome], info, reader, option=label)

        act(body, client, respond, logger, run)

    def form(opener):
        def listener(ack, body, client, respond, logger) -> None:
            ack()

            def run(click, reader):
                with deps.session_factory() as session:
                    discussions.check_can_manage(
                        session, click.team_id, click.user_id, int(click.value), is_admin=deps.is_admin(click.user_id)
                    )
                open_form(client, body, opener(reader, int(click.value), click.channel_id))
                return None

            act(body, client, respond, logger, run)

        return listener

    app.action(Action.DISCUSSION_POLL)(form(blocks.poll_modal))
    app.action(Action.DISCUSSION_CLOSE)(form(blocks.close_modal))
