"""Discussions (토론): opened on a project as a card in its channel whose thread is the discussion;
replies are counted (who and when, never the text), and closing records a conclusion in the
project's decision log."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from models import (
    Discussion,
    DiscussionReply,
    DiscussionStatus,
    MemberRole,
    PollVote,
    Project,
    ProjectStatus,
)
from services import audit, notices, outbox, projects, users
from services.errors import DomainError
from services.limits import fitted
from services.poll_options import add_options, check_closing_date, clean_options

TOPIC_MAX = 300
TEXT_MAX = 3000
DECISIONS_SHOWN = 5


class Outcome(enum.Enum):
    DONE = "done"
    ALREADY = "already"


@dataclass(frozen=True)
class OptionInfo:
    id: int
    position: int
    label: str
    voters: tuple[str, ...]  # slack ids, oldest vote first


@dataclass(frozen=True)
class DiscussionInfo:
    id: int
    team_id: str
    project_key: str
    project_name: str
    opener: str
    topic: str
    background: str
    channel_id: str
    thread_ts: str | None
    status: DiscussionStatus
    closes_on: date | None
    anonymous: bool
    conclusion: str
    closed_by: str | None
    closed_at: datetime | None
    created_at: datetime
    options: tuple[OptionInfo, ...]
    replies: tuple[tuple[str, int], ...]  # (slack id, replies), most first

    @property
    def is_open(self) -> bool:
        return self.status is DiscussionStatus.OPEN

    @property
    def has_poll(self) -> bool:
        return bool(self.options)

    @property
    def votes(self) -> int:
        return sum(len(o.voters) for o in self.options)

    @property
    def reply_count(self) -> int:
        return sum(count for _, count in self.replies)

    @property
    def participants(self) -> tuple[str, ...]:
        """Everyone who took part: the opener, repliers and voters, each once."""
        voters = (v for o in self.options for v in o.voters)
        return tuple(dict.fromkeys([self.opener, *(who for who, _ in self.replies), *voters]))

    def voting_open(self, today: date) -> bool:
        return self.is_open and self.has_poll and (self.closes_on is None or today <= self.closes_on)

    def vote_of(self, slack_user_id: str) -> OptionInfo | None:
        return next((o for o in self.options if slack_user_id in o.voters), None)


def _infos(session: Session, rows: Sequence[Discussion]) -> list[DiscussionInfo]:
    """Infos for many discussions in a fixed number of queries."""
    ids = [d.id for d in rows]
    if not ids:
        return []
    project_rows = {
        p.id: p for p in session.scalars(select(Project).where(Project.id.in_({d.project_id for d in rows})))
    }
    votes: dict[int, list[str]] = {}
    for vote in session.scalars(
        select(PollVote).where(PollVote.discussion_id.in_(ids)).order_by(PollVote.created_at, PollVote.id)
    ):
        votes.setdefault(vote.option_id, []).append(vote.user.slack_user_id)
    replies: dict[int, Counter[str]] = {}
    for reply in session.scalars(
        select(DiscussionReply).where(DiscussionReply.discussion_id.in_(ids)).order_by(DiscussionReply.id)
    ):
        replies.setdefault(reply.discussion_id, Counter())[reply.user.slack_user_id] += 1
    return [
        DiscussionInfo(
            id=d.id,
            team_id=d.team_id,
            project_key=project_rows[d.project_id].key,
            project_name=project_rows[d.project_id].name,
            opener=d.opener.slack_user_id,
            topic=d.topic,
            background=d.background,
            channel_id=d.channel_id,
            thread_ts=d.thread_ts,
            status=d.status,
            closes_on=d.closes_on,
            anonymous=d.anonymous,
            conclusion=d.conclusion,
            closed_by=d.closed_by.slack_user_id if d.closed_by else None,
            closed_at=d.closed_at,
            created_at=d.created_at,
            options=tuple(OptionInfo(o.id, o.position, o.label, tuple(votes.get(o.id, ()))) for o in d.options),
            replies=tuple(replies.get(d.id, Counter()).most_common()),
        )
        for d in rows
    ]


def load(session: Session, team_id: str, discussion_id: int, *, for_update: bool = False) -> Discussion:
    query = (
        select(Discussion)
        .where(Discussion.team_id == team_id, Discussion.id == discussion_id)
        .options(selectinload(Discussion.options))
    )
    found = session.scalar(query.with_for_update(of=Discussion) if for_update else query)
    if found is None:
        raise DomainError("discussion.not_found", id=discussion_id)
    return found


def info_of(session: Session, discussion: Discussion) -> DiscussionInfo:
    return _infos(session, [discussion])[0]


def get(session: Session, team_id: str, discussion_id: int) -> DiscussionInfo:
    return info_of(session, load(session, team_id, discussion_id))


def refresh_card(session: Session, discussion: Discussion, reason: str) -> None:
    """The card in the channel redraws itself. Bursts (a flurry of votes) collapse into one chat.update."""
    discussion.version += 1
    notices.send(
        session,
        discussion.team_id,
        discussion.channel_id,
        notices.DiscussionRefresh(discussion.id, card=card_key(discussion.id), reason=reason),
        f"discussion:{discussion.id}:refresh:{discussion.version}",
    )


def card_key(discussion_id: int) -> str:
    return f"discussion:{discussion_id}:card"


def open_(
    session: Session,
    team_id: str,
    actor: str,
    key: str,
    *,
    topic: str,
    background: str = "",
    poll_options: Sequence[str] = (),
    anonymous: bool = False,
    closes_on: date | None = None,
    fallback_channel: str | None = None,
    is_admin: bool,
    today: date,
    now: datetime,
) -> DiscussionInfo:
    """Members of the project (or an admin) open a discussion; its card goes to the project's
    channel, or to the channel the command came from when the project has none."""
    project = projects.load(session, team_id, key)
    if project.status is ProjectStatus.CLOSED:
        raise DomainError("project.closed", key=project.key)
    if not is_admin and projects.membership(project, actor) is None:
        raise DomainError("discussion.not_member", key=project.key)
    topic = topic.strip()
    if not topic:
        raise DomainError("discussion.topic_missing")
    if len(topic) > TOPIC_MAX:
        raise DomainError("discussion.topic_too_long", limit=TOPIC_MAX)
    channel = project.channel_id or (fallback_channel if (fallback_channel or "")[:1] in ("C", "G") else None)
    if not channel:
        raise DomainError("discussion.no_channel", key=project.key)
    labels = clean_options(poll_options)
    check_closing_date(closes_on, today)
    discussion = Discussion(
        team_id=team_id,
        project_id=project.id,
        opener=users.ensure(session, team_id, actor),
        topic=topic,
        background=fitted(background, TEXT_MAX),
        channel_id=channel,
        anonymous=anonymous and bool(labels),
        closes_on=closes_on,
        created_at=now,
    )
    session.add(discussion)
    session.flush()
    add_options(discussion, labels)
    session.flush()
    audit.record(
        session,
        team_id,
        actor,
        "discussion.opened",
        "discussion",
        discussion.id,
        key=project.key,
        poll=len(labels),
        at=now,
    )
    notices.send(session, team_id, channel, notices.DiscussionCard(discussion.id), card_key(discussion.id))
    return info_of(session, discussion)


def thread_started(session: Session, team_id: str, discussion_id: int, channel: str | None, ts: str | None) -> None:
    """The card is out: its ts is the thread whose replies belong to the discussion."""
    discussion = session.scalar(select(Discussion).where(Discussion.team_id == team_id, Discussion.id == discussion_id))
    if discussion is not None and ts and discussion.thread_ts is None:
        discussion.thread_ts = ts
        discussion.channel_id = channel or discussion.channel_id


def _by_thread(session: Session, team_id: str, channel: str, thread_ts: str) -> Discussion | None:
    return session.scalar(
        select(Discussion).where(
            Discussion.team_id == team_id, Discussion.channel_id == channel, Discussion.thread_ts == thread_ts
        )
    )


def is_open_thread(session: Session, team_id: str, channel: str, thread_ts: str) -> bool:
    found = _by_thread(session, team_id, channel, thread_ts)
    return found is not None and found.status is DiscussionStatus.OPEN


def card_in_flight(session: Session, team_id: str, channel: str, now: datetime) -> bool:
    """A card is being posted to the channel and its ts is not recorded yet: a reply may be to it."""
    return outbox.in_flight(session, team_id, notices.DiscussionCard.kind, channel, now)


def record_reply(
    session: Session, team_id: str, *, channel: str, thread_ts: str, author: str, message_ts: str, at: datetime
) -> bool:
    """Counts a reply in a discussion's thread while it is open; the same message counts once."""
    discussion = _by_thread(session, team_id, channel, thread_ts)
    if discussion is None or discussion.status is not DiscussionStatus.OPEN:
        return False
    try:
        with session.begin_nested():
            session.add(
                DiscussionReply(
                    team_id=team_id,
                    discussion_id=discussion.id,
                    user=users.ensure(session, team_id, author),
                    message_ts=message_ts,
                    posted_at=at,
                )
            )
    except IntegrityError:
        return False
    return True


def forget_reply(session: Session, team_id: str, *, channel: str, thread_ts: str, message_ts: str) -> bool:
    """A reply deleted from the thread no longer counts."""
    discussion = _by_thread(session, team_id, channel, thread_ts)
    if discussion is None or discussion.status is not DiscussionStatus.OPEN:
        return False
    result = session.execute(
        delete(DiscussionReply).where(
            DiscussionReply.discussion_id == discussion.id, DiscussionReply.message_ts == message_ts
        )
    )
    return result.rowcount > 0


def _may_manage(session: Session, discussion: Discussion, actor: str, is_admin: bool) -> bool:
    if is_admin or discussion.opener.slack_user_id == actor:
        return True
    project = session.get(Project, discussion.project_id)
    member = projects.membership(project, actor) if project else None
    return member is not None and member.role is MemberRole.LEAD


def check_can_manage(session: Session, team_id: str, actor: str, discussion_id: int, *, is_admin: bool) -> None:
    """Before a form opens: only the opener, a lead of the project or an admin adds a poll or closes."""
    discussion = load(session, team_id, discussion_id)
    if not _may_manage(session, discussion, actor, is_admin):
        raise DomainError("discussion.not_allowed", id=discussion_id)
    if discussion.status is DiscussionStatus.CLOSED:
        raise DomainError("discussion.closed", id=discussion_id)


def require_manager(session: Session, discussion: Discussion, actor: str, is_admin: bool) -> None:
    if not _may_manage(session, discussion, actor, is_admin):
        raise DomainError("discussion.not_allowed", id=discussion.id)


def close(
    session: Session, team_id: str, actor: str, discussion_id: int, conclusion: str, *, is_admin: bool, now: datetime
) -> tuple[Outcome, DiscussionInfo]:
    """Records the conclusion and freezes the poll; a summary goes to the thread, once."""
    discussion = load(session, team_id, discussion_id, for_update=True)
    require_manager(session, discussion, actor, is_admin)
    if discussion.status is DiscussionStatus.CLOSED:
        return Outcome.ALREADY, info_of(session, discussion)
    conclusion = conclusion.strip()
    if not conclusion:
        raise DomainError("discussion.conclusion_missing", id=discussion.id)
    discussion.status = DiscussionStatus.CLOSED
    discussion.conclusion = fitted(conclusion, TEXT_MAX)
    discussion.closed_by = users.ensure(session, team_id, actor)
    discussion.closed_at = now
    session.flush()
    audit.record(
        session, team_id, actor, "discussion.closed", "discussion", discussion.id, conclusion=conclusion[:500], at=now
    )
    summary = notices.DiscussionSummary(discussion.id, card=card_key(discussion.id))
    if not notices.send(session, team_id, discussion.channel_id, summary, f"discussion:{discussion.id}:summary"):
        # closed before and reopened since: this conclusion gets a summary of its own
        again = f"discussion:{discussion.id}:summary:{discussion.version}"
        notices.send(session, team_id, discussion.channel_id, summary, again)
    refresh_card(session, discussion, "closed")
    return Outcome.DONE, info_of(session, discussion)


def reopen(
    session: Session, team_id: str, actor: str, discussion_id: int, *, is_admin: bool, now: datetime
) -> tuple[Outcome, DiscussionInfo]:
    """A closed discussion open again, by whoever may close it; its conclusion leaves the decision log (the
    audit trail keeps it) and the card takes replies and votes again."""
    discussion = load(session, team_id, discussion_id, for_update=True)
    require_manager(session, discussion, actor, is_admin)
    if discussion.status is DiscussionStatus.OPEN:
        return Outcome.ALREADY, info_of(session, discussion)
    project = session.get(Project, discussion.project_id)
    if project is not None and project.status is ProjectStatus.CLOSED:
        raise DomainError("project.closed", key=project.key)
    audit.record(
        session,
        team_id,
        actor,
        "discussion.reopened",
        "discussion",
        discussion.id,
        conclusion=discussion.conclusion[:500],
        at=now,
    )
    discussion.status = DiscussionStatus.OPEN
    discussion.conclusion = ""
    discussion.closed_by = None
    discussion.closed_at = None
    session.flush()
    refresh_card(session, discussion, "reopened")
    return Outcome.DONE, info_of(session, discussion)


def get_for(session: Session, team_id: str, viewer: str, discussion_id: int, *, is_admin: bool) -> DiscussionInfo:
    """One discussion, for the members of its project and admins; to anyone else it does not exist."""
    discussion = load(session, team_id, discussion_id)
    project = projects.get_by_id(session, team_id, discussion.project_id)
    if project is None or not projects.may_read_work(project, viewer, is_admin=is_admin):
        raise DomainError("discussion.not_found", id=discussion_id)
    return info_of(session, discussion)


def for_project(
    session: Session, team_id: str, key: str, *, viewer: str, is_admin: bool
) -> tuple[projects.ProjectInfo, list[DiscussionInfo]]:
    """A project's discussions, for its members and admins: open ones first (newest first), then the
    decision log, newest first."""
    project = projects.get(session, team_id, key)
    projects.check_can_read_work(project, viewer, is_admin=is_admin)
    rows = session.scalars(
        select(Discussion)
        .where(Discussion.team_id == team_id, Discussion.project_id == project.id)
        .options(selectinload(Discussion.options))
        .order_by(Discussion.id.desc())
    ).all()
    infos = _infos(session, rows)
    return project, sorted(infos, key=lambda d: (not d.is_open, -(d.closed_at or d.created_at).timestamp()))


def decisions(session: Session, team_id: str, project_id: int, limit: int = DECISIONS_SHOWN) -> list[DiscussionInfo]:
    """The project's most recent conclusions, newest first."""
    rows = session.scalars(
        select(Discussion)
        .where(
            Discussion.team_id == team_id,
            Discussion.project_id == project_id,
            Discussion.status == DiscussionStatus.CLOSED,
        )
        .options(selectinload(Discussion.options))
        .order_by(Discussion.closed_at.desc(), Discussion.id.desc())
        .limit(limit)
    ).all()
    return _infos(session, rows)
