"""Quick polls on a discussion: one vote per person, changeable until the poll closes."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import DiscussionStatus, PollOption, PollVote
from services import audit, discussions, users
from services.discussions import DiscussionInfo
from services.errors import DomainError
from services.poll_options import MIN_OPTIONS, add_options, check_closing_date, clean_options


class VoteOutcome(enum.Enum):
    VOTED = "voted"
    CHANGED = "changed"
    SAME = "same"  # the same choice again: a double click or a retry


def add_poll(
    session: Session,
    team_id: str,
    actor: str,
    discussion_id: int,
    options: Sequence[str],
    *,
    anonymous: bool,
    closes_on: date | None,
    is_admin: bool,
    today: date,
    now: datetime,
) -> DiscussionInfo:
    discussion = discussions.load(session, team_id, discussion_id, for_update=True)
    discussions.require_manager(session, discussion, actor, is_admin)
    if discussion.status is DiscussionStatus.CLOSED:
        raise DomainError("discussion.closed", id=discussion.id)
    if discussion.options:
        raise DomainError("poll.exists", id=discussion.id)
    labels = clean_options(options)
    if not labels:
        raise DomainError("poll.too_few", minimum=MIN_OPTIONS)
    check_closing_date(closes_on, today)
    add_options(discussion, labels)
    discussion.anonymous = anonymous
    discussion.closes_on = closes_on
    session.flush()
    audit.record(
        session, team_id, actor, "discussion.poll_added", "discussion", discussion.id, options=len(labels), at=now
    )
    discussions.refresh_card(session, discussion, "poll")
    return discussions.info_of(session, discussion)


def vote(
    session: Session, team_id: str, actor: str, option_id: int, *, today: date, now: datetime
) -> tuple[VoteOutcome, DiscussionInfo, str]:
    """Records the actor's choice; returns the outcome, the discussion and the chosen label."""
    option = session.scalar(select(PollOption).where(PollOption.team_id == team_id, PollOption.id == option_id))
    if option is None:
        raise DomainError("poll.not_found")
    # the row lock serialises voters, so the version and the vote stay in step
    discussion = discussions.load(session, team_id, option.discussion_id, for_update=True)
    if discussion.status is DiscussionStatus.CLOSED or (discussion.closes_on and today > discussion.closes_on):
        raise DomainError("poll.closed", id=discussion.id)
    voter = users.ensure(session, team_id, actor)
    existing = session.scalar(
        select(PollVote).where(PollVote.discussion_id == discussion.id, PollVote.user_id == voter.id)
    )
    if existing is not None and existing.option_id == option.id:
        return VoteOutcome.SAME, discussions.info_of(session, discussion), option.label
    if existing is None:
        session.add(
            PollVote(team_id=team_id, discussion_id=discussion.id, user=voter, option_id=option.id, created_at=now)
        )
        outcome = VoteOutcome.VOTED
    else:
        existing.option_id = option.id
        existing.changed_at = now
        outcome = VoteOutcome.CHANGED
    session.flush()
    discussions.refresh_card(session, discussion, "vote")
    return outcome, discussions.info_of(session, discussion), option.label
