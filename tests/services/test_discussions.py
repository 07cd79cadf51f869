"""Discussions (토론) on plain values: opening with the card queued to the right channel, who may open and
close, replies counted once from the thread, closing exactly once, and the project's decision log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import AuditEvent, Discussion, DiscussionReply, DiscussionStatus, OutboxMessage, PollOption
from models.base import utcnow
from models.db import write_transaction
from services import discussions, polls, projects
from services import outbox as outbox_service
from services.discussions import DiscussionInfo, Outcome
from services.errors import DomainError

TEAM = "T1"
OTHER_TEAM = "T2"
LEAD = "U1"  # registers the project, so its lead
OPENER = "U2"
MEMBER = "U3"
OUTSIDER = "U9"
ADMIN = "UADMIN"

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 10:00 KST
THREAD = "1763859600.000100"


# --- helpers ------------------------------------------------------------------------------------


def make_project(
    sf: sessionmaker[Session], key: str = "P", channel: str | None = "C9", team: str = TEAM
) -> projects.ProjectInfo:
    with write_transaction(sf) as s:
        draft = projects.ProjectDraft(name=f"과제 {key}", key=key, member_ids=(OPENER, MEMBER), channel_id=channel)
        return projects.create(s, team, LEAD, draft, now=utcnow())


def open_discussion(
    sf: sessionmaker[Session],
    actor: str = OPENER,
    key: str = "P",
    *,
    topic: str = "시범 학교 선정 순서",
    is_admin: bool = False,
    team: str = TEAM,
    **kwargs: Any,
) -> DiscussionInfo:
    with write_transaction(sf) as s:
        return discussions.open_(
            s, team, actor, key, topic=topic, is_admin=is_admin, today=TODAY, **kwargs, now=utcnow()
        )


def refused(sf: sessionmaker[Session], action) -> DomainError:
    """Runs `action` in a transaction that must be refused, and returns the refusal."""
    with pytest.raises(DomainError) as caught, write_transaction(sf) as s:
        action(s)
    return caught.value


def close(
    sf: sessionmaker[Session],
    discussion_id: int,
    actor: str = OPENER,
    conclusion: str = "A안으로 진행",
    *,
    is_admin: bool = False,
    now: datetime = NOW,
) -> tuple[Outcome, DiscussionInfo]:
    with write_transaction(sf) as s:
        return discussions.close(s, TEAM, actor, discussion_id, conclusion, is_admin=is_admin, now=now)


def get(sf: sessionmaker[Session], discussion_id: int, team: str = TEAM) -> DiscussionInfo:
    with sf() as s:
        return discussions.get(s, team, discussion_id)


def outbox(sf: sessionmaker[Session], kind: str | None = None) -> list[OutboxMessage]:
    with sf() as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(s.scalars(query))


def count(sf: sessionmaker[Session], model) -> int:
    with sf() as s:
        return s.scalar(select(func.count()).select_from(model))


def started(sf: sessionmaker[Session], info: DiscussionInfo, ts: str = THREAD) -> None:
    with write_transaction(sf) as s:
        discussions.thread_started(s, TEAM, info.id, info.channel_id, ts)


def reply(
    sf: sessionmaker[Session],
    author: str,
    message_ts: str,
    *,
    channel: str = "C9",
    thread_ts: str = THREAD,
    team: str = TEAM,
) -> bool:
    with write_transaction(sf) as s:
        return discussions.record_reply(
            s, team, channel=channel, thread_ts=thread_ts, author=author, message_ts=message_ts, at=NOW
        )


def forget(sf: sessionmaker[Session], message_ts: str, *, channel: str = "C9", thread_ts: str = THREAD) -> bool:
    with write_transaction(sf) as s:
        return discussions.forget_reply(s, TEAM, channel=channel, thread_ts=thread_ts, message_ts=message_ts)


def vote(sf: sessionmaker[Session], actor: str, option_id: int) -> None:
    with write_transaction(sf) as s:
        polls.vote(s, TEAM, actor, option_id, today=TODAY, now=NOW)


# --- opening ------------------------------------------------------------------------------------


def test_member_opens_a_discussion_and_its_card_is_queued_to_the_project_channel(session_factory):
    sf = session_factory
    make_project(sf)

    info = open_discussion(sf, topic="  시범 학교 선정 순서  ", background="  작년 결과 참고  ")

    assert (info.topic, info.background, info.opener, info.channel_id) == (
        "시범 학교 선정 순서",
        "작년 결과 참고",
        OPENER,
        "C9",
    )
    assert info.status is DiscussionStatus.OPEN and info.is_open and info.thread_ts is None
    assert (info.project_key, info.project_name) == ("P", "과제 P")
    assert not info.has_poll and not info.anonymous and info.replies == () and info.conclusion == ""
    [card] = outbox(sf, "discussion.card")
    assert card.dedupe_key == f"discussion:{info.id}:card" == discussions.card_key(info.id)
    assert (card.recipient, card.team_id, card.payload) == ("C9", TEAM, {"discussion_id": info.id})
    with sf() as s:
        row = s.get(Discussion, info.id)
        assert (row.topic, row.channel_id, row.status, row.opener.slack_user_id) == (
            "시범 학교 선정 순서",
            "C9",
            DiscussionStatus.OPEN,
            OPENER,
        )
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "discussion.opened")).one()
        assert (audit.actor, audit.subject_id, audit.detail["key"]) == (OPENER, info.id, "P")


def test_a_project_without_a_channel_uses_the_channel_the_command_came_from(session_factory):
    sf = session_factory
    make_project(sf, channel=None)

    public = open_discussion(sf, fallback_channel="C77")
    private = open_discussion(sf, fallback_channel="G55")

    assert (public.channel_id, private.channel_id) == ("C77", "G55")
    assert [(m.recipient, m.dedupe_key) for m in outbox(sf, "discussion.card")] == [
        ("C77", f"discussion:{public.id}:card"),
        ("G55", f"discussion:{private.id}:card"),
    ]


def test_the_project_channel_wins_over_the_fallback(session_factory):
    make_project(session_factory, channel="C9")

    info = open_discussion(session_factory, fallback_channel="C77")

    assert info.channel_id == "C9"
    assert [m.recipient for m in outbox(session_factory, "discussion.card")] == ["C9"]


@pytest.mark.parametrize("fallback", ["D0123", None, ""])
def test_no_project_channel_and_no_usable_fallback_is_refused(session_factory, fallback):
    sf = session_factory
    make_project(sf, channel=None)

    error = refused(
        sf,
        lambda s: discussions.open_(
            s, TEAM, OPENER, "P", topic="주제", fallback_channel=fallback, is_admin=False, today=TODAY, now=utcnow()
        ),
    )

    assert (error.code, error.params) == ("discussion.no_channel", {"key": "P"})
    assert count(sf, Discussion) == 0 and outbox(sf, "discussion.card") == []


def test_a_non_member_is_refused_but_an_admin_who_is_no_member_may_open(session_factory):
    sf = session_factory
    make_project(sf)

    error = refused(
        sf, lambda s: discussions.open_(s, TEAM, OUTSIDER, "P", topic="주제", is_admin=False, today=TODAY, now=utcnow())
    )
    assert (error.code, error.params) == ("discussion.not_member", {"key": "P"})
    assert count(sf, Discussion) == 0

    info = open_discussion(sf, ADMIN, is_admin=True)
    assert info.opener == ADMIN and [m.recipient for m in outbox(sf, "discussion.card")] == ["C9"]


def test_the_lead_who_registered_the_project_may_open(session_factory):
    make_project(session_factory)
    assert open_discussion(session_factory, LEAD).opener == LEAD


@pytest.mark.parametrize("topic", ["", "   ", "\n\t"])
def test_an_empty_topic_is_refused(session_factory, topic):
    make_project(session_factory)

    error = refused(
        session_factory,
        lambda s: discussions.open_(s, TEAM, OPENER, "P", topic=topic, is_admin=False, today=TODAY, now=utcnow()),
    )

    assert error.code == "discussion.topic_missing"
    assert count(session_factory, Discussion) == 0


def test_a_topic_longer_than_300_characters_is_refused_and_300_fit(session_factory):
    make_project(session_factory)

    error = refused(
        session_factory,
        lambda s: discussions.open_(s, TEAM, OPENER, "P", topic="가" * 301, is_admin=False, today=TODAY, now=utcnow()),
    )

    assert (error.code, error.params) == ("discussion.topic_too_long", {"limit": 300})
    assert open_discussion(session_factory, topic="가" * 300).topic == "가" * 300


def test_a_background_over_3000_characters_is_refused_with_its_length_not_cut(session_factory):
    make_project(session_factory)

    with pytest.raises(DomainError) as refused:
        open_discussion(session_factory, background="나" * 3500)

    assert refused.value.params == {"limit": 3000, "length": 3500}
    assert open_discussion(session_factory, background="나" * 3000).background == "나" * 3000


def test_unknown_and_closed_projects_are_refused(session_factory):
    sf = session_factory
    make_project(sf)

    unknown = refused(
        sf,
        lambda s: discussions.open_(s, TEAM, OPENER, "NOPE", topic="주제", is_admin=False, today=TODAY, now=utcnow()),
    )
    assert unknown.code == "project.not_found"
    with write_transaction(sf) as s:
        projects.close(s, TEAM, LEAD, "P", is_admin=False, now=utcnow())
    closed = refused(
        sf, lambda s: discussions.open_(s, TEAM, OPENER, "P", topic="주제", is_admin=False, today=TODAY, now=utcnow())
    )
    assert closed.code == "project.closed"
    assert count(sf, Discussion) == 0


def test_a_project_of_another_team_is_not_found(session_factory):
    make_project(session_factory, team=OTHER_TEAM)

    error = refused(
        session_factory,
        lambda s: discussions.open_(s, TEAM, OPENER, "P", topic="주제", is_admin=True, today=TODAY, now=utcnow()),
    )

    assert error.code == "project.not_found"


@pytest.mark.parametrize(
    ("options", "code"),
    [
        (["하나"], "poll.too_few"),
        ([f"안 {n}" for n in range(11)], "poll.too_many"),
        (["같음", " 같음 "], "poll.too_few"),  # duplicates collapse to one option
        (["가" * 76, "나"], "poll.option_too_long"),
    ],
)
def test_a_bad_poll_refuses_the_whole_discussion(session_factory, options, code):
    make_project(session_factory)

    error = refused(
        session_factory,
        lambda s: discussions.open_(
            s, TEAM, OPENER, "P", topic="주제", poll_options=options, is_admin=False, today=TODAY, now=utcnow()
        ),
    )

    assert error.code == code
    assert count(session_factory, Discussion) == 0 and count(session_factory, PollOption) == 0
    assert outbox(session_factory, "discussion.card") == []


def test_a_poll_opened_with_the_discussion_keeps_its_options_in_order(session_factory):
    sf = session_factory
    make_project(sf)

    info = open_discussion(sf, poll_options=[" A안 ", "B안", "", "A안", "C안"], closes_on=TODAY)

    assert [(o.position, o.label, o.voters) for o in info.options] == [(1, "A안", ()), (2, "B안", ()), (3, "C안", ())]
    assert info.has_poll and info.closes_on == TODAY and info.votes == 0
    with sf() as s:
        rows = s.scalars(select(PollOption).order_by(PollOption.position)).all()
        assert [(r.discussion_id, r.team_id, r.position, r.label) for r in rows] == [
            (info.id, TEAM, 1, "A안"),
            (info.id, TEAM, 2, "B안"),
            (info.id, TEAM, 3, "C안"),
        ]


def test_a_closing_date_in_the_past_is_refused(session_factory):
    make_project(session_factory)

    error = refused(
        session_factory,
        lambda s: discussions.open_(
            s,
            TEAM,
            OPENER,
            "P",
            topic="주제",
            poll_options=["A", "B"],
            closes_on=TODAY - timedelta(days=1),
            is_admin=False,
            today=TODAY,
            now=utcnow(),
        ),
    )

    assert (error.code, error.params) == ("poll.closes_past", {"date": "2026-11-22"})
    assert count(session_factory, Discussion) == 0


def test_anonymous_is_only_kept_when_there_is_a_poll(session_factory):
    sf = session_factory
    make_project(sf)

    without_poll = open_discussion(sf, anonymous=True)
    with_poll = open_discussion(sf, anonymous=True, poll_options=["A", "B"])

    assert not without_poll.anonymous and with_poll.anonymous
    with sf() as s:
        assert not s.get(Discussion, without_poll.id).anonymous
        assert s.get(Discussion, with_poll.id).anonymous


# --- the thread and its replies -----------------------------------------------------------------


def test_thread_started_records_the_card_ts_once_only(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    with write_transaction(sf) as s:
        discussions.thread_started(s, TEAM, info.id, "C9", None)  # the post failed: nothing to record
    assert get(sf, info.id).thread_ts is None

    started(sf, info, THREAD)
    started(sf, info, "1763859999.000200")  # a redelivery must not move the thread

    assert get(sf, info.id).thread_ts == THREAD
    with sf() as s:
        assert s.get(Discussion, info.id).thread_ts == THREAD


def test_thread_started_takes_the_channel_slack_answered_with(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    with write_transaction(sf) as s:
        discussions.thread_started(s, TEAM, info.id, "C10", THREAD)
        discussions.thread_started(s, TEAM, info.id + 100, "C10", THREAD)  # unknown: ignored, no error

    assert (get(sf, info.id).channel_id, get(sf, info.id).thread_ts) == ("C10", THREAD)


def test_thread_started_ignores_another_teams_discussion(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    with write_transaction(sf) as s:
        discussions.thread_started(s, OTHER_TEAM, info.id, "C9", THREAD)

    assert get(sf, info.id).thread_ts is None


def test_is_open_thread_only_for_the_thread_of_an_open_discussion(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    started(sf, info)

    with sf() as s:
        assert discussions.is_open_thread(s, TEAM, "C9", THREAD)
        assert not discussions.is_open_thread(s, TEAM, "C9", "1.000")
        assert not discussions.is_open_thread(s, TEAM, "C10", THREAD)
        assert not discussions.is_open_thread(s, OTHER_TEAM, "C9", THREAD)
    close(sf, info.id)
    with sf() as s:
        assert not discussions.is_open_thread(s, TEAM, "C9", THREAD)


def test_a_card_is_in_flight_only_while_it_is_being_posted(session_factory):
    """A reply can beat the recording of the card's ts; the message listener waits only while a card is out."""
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    [card] = outbox(sf, "discussion.card")

    def in_flight(channel: str = "C9", team: str = TEAM) -> bool:
        with sf() as s:
            return discussions.card_in_flight(s, team, channel, NOW)

    assert not in_flight()  # queued, not yet taken by the sender
    with write_transaction(sf) as s:
        assert outbox_service.claim(s, card.id, NOW) is not None
    assert in_flight() and not in_flight("C10") and not in_flight(team=OTHER_TEAM)
    with write_transaction(sf) as s:
        outbox_service.mark_sent(s, card.id, channel="C9", ts=THREAD)
        discussions.thread_started(s, TEAM, info.id, "C9", THREAD)
    assert not in_flight()


def test_a_reply_counts_once_even_when_its_event_comes_twice(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    started(sf, info)

    assert reply(sf, MEMBER, "1763859700.000001") is True
    assert reply(sf, MEMBER, "1763859700.000001") is False  # Slack retried the event

    assert count(sf, DiscussionReply) == 1
    with sf() as s:
        row = s.scalars(select(DiscussionReply)).one()
        assert (row.discussion_id, row.user.slack_user_id, row.message_ts, row.posted_at) == (
            info.id,
            MEMBER,
            "1763859700.000001",
            NOW,
        )
    assert get(sf, info.id).replies == ((MEMBER, 1),)


def test_replies_are_counted_per_person_most_first(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    started(sf, info)

    for n, author in enumerate([MEMBER, LEAD, LEAD, OUTSIDER, LEAD, MEMBER]):
        assert reply(sf, author, f"1763859700.00000{n}")

    found = get(sf, info.id)
    assert found.replies == ((LEAD, 3), (MEMBER, 2), (OUTSIDER, 1))
    assert found.reply_count == 6 == count(sf, DiscussionReply)
    assert found.participants == (OPENER, LEAD, MEMBER, OUTSIDER)


def test_replies_elsewhere_are_ignored(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    assert reply(sf, MEMBER, "1.1") is False  # the card is not out yet: no thread to match
    started(sf, info)
    assert reply(sf, MEMBER, "1.2", thread_ts="1763859999.999999") is False
    assert reply(sf, MEMBER, "1.3", channel="C10") is False
    assert reply(sf, MEMBER, "1.4", team=OTHER_TEAM) is False

    assert count(sf, DiscussionReply) == 0 and get(sf, info.id).reply_count == 0


def test_replies_after_closing_are_not_counted(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    started(sf, info)
    assert reply(sf, MEMBER, "1.1")
    close(sf, info.id)

    assert reply(sf, LEAD, "1.2") is False

    assert count(sf, DiscussionReply) == 1 and get(sf, info.id).replies == ((MEMBER, 1),)


def test_a_deleted_reply_no_longer_counts(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    started(sf, info)
    reply(sf, MEMBER, "1.1")
    reply(sf, MEMBER, "1.2")

    assert forget(sf, "1.1") is True
    assert forget(sf, "1.1") is False  # already gone
    assert forget(sf, "1.2", thread_ts="9.9") is False  # not this discussion's thread

    with sf() as s:
        assert s.scalars(select(DiscussionReply.message_ts)).all() == ["1.2"]
    assert get(sf, info.id).replies == ((MEMBER, 1),)


def test_a_deleted_reply_still_counts_once_the_discussion_is_closed(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    started(sf, info)
    reply(sf, MEMBER, "1.1")
    close(sf, info.id)

    assert forget(sf, "1.1") is False

    assert count(sf, DiscussionReply) == 1


# --- who may manage -----------------------------------------------------------------------------


def test_check_can_manage_lets_the_opener_a_lead_and_an_admin_through(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    with sf() as s:
        discussions.check_can_manage(s, TEAM, OPENER, info.id, is_admin=False)
        discussions.check_can_manage(s, TEAM, LEAD, info.id, is_admin=False)
        discussions.check_can_manage(s, TEAM, OUTSIDER, info.id, is_admin=True)
        with pytest.raises(DomainError) as member:
            discussions.check_can_manage(s, TEAM, MEMBER, info.id, is_admin=False)
        with pytest.raises(DomainError) as unknown:
            discussions.check_can_manage(s, TEAM, OPENER, info.id + 1, is_admin=False)

    assert (member.value.code, member.value.params) == ("discussion.not_allowed", {"id": info.id})
    assert unknown.value.code == "discussion.not_found"


def test_check_can_manage_refuses_a_closed_discussion(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    close(sf, info.id)

    with sf() as s, pytest.raises(DomainError) as caught:
        discussions.check_can_manage(s, TEAM, OPENER, info.id, is_admin=False)

    assert caught.value.code == "discussion.closed"


def test_lead_rights_follow_the_role_now_not_when_the_discussion_opened(session_factory):
    sf = session_factory
    project = make_project(sf)
    info = open_discussion(sf)
    handed_over = projects.ProjectDraft(name="과제 P", channel_id="C9", lead_ids=(MEMBER,))
    with write_transaction(sf) as s:
        projects.edit(s, TEAM, LEAD, project.id, handed_over, is_admin=False, now=utcnow())

    with sf() as s:
        discussions.check_can_manage(s, TEAM, MEMBER, info.id, is_admin=False)
        with pytest.raises(DomainError) as caught:
            discussions.check_can_manage(s, TEAM, LEAD, info.id, is_admin=False)

    assert caught.value.code == "discussion.not_allowed"


# --- closing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "is_admin"), [(OPENER, False), (LEAD, False), (ADMIN, True)])
def test_the_opener_a_lead_or_an_admin_closes_with_a_conclusion(session_factory, actor, is_admin):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    outcome, closed = close(sf, info.id, actor, "  A안으로 진행  ", is_admin=is_admin)

    assert outcome is Outcome.DONE
    assert (closed.status, closed.conclusion, closed.closed_by, closed.closed_at) == (
        DiscussionStatus.CLOSED,
        "A안으로 진행",
        actor,
        NOW,
    )
    with sf() as s:
        row = s.get(Discussion, info.id)
        assert (row.status, row.conclusion, row.closed_by.slack_user_id, row.closed_at) == (
            DiscussionStatus.CLOSED,
            "A안으로 진행",
            actor,
            NOW,
        )
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "discussion.closed")).one()
        assert (audit.actor, audit.subject_id) == (actor, info.id)
    [summary] = outbox(sf, "discussion.summary")
    assert (summary.recipient, summary.dedupe_key, summary.payload) == (
        "C9",
        f"discussion:{info.id}:summary",
        {"discussion_id": info.id, "card": f"discussion:{info.id}:card"},
    )
    [refresh] = outbox(sf, "discussion.refresh")
    assert refresh.payload == {"discussion_id": info.id, "card": f"discussion:{info.id}:card", "reason": "closed"}


@pytest.mark.parametrize("actor", [MEMBER, OUTSIDER])
def test_anyone_else_is_refused_and_nothing_changes(session_factory, actor):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    error = refused(sf, lambda s: discussions.close(s, TEAM, actor, info.id, "결론", is_admin=False, now=NOW))

    assert (error.code, error.params) == ("discussion.not_allowed", {"id": info.id})
    assert get(sf, info.id).is_open
    assert outbox(sf, "discussion.summary") == [] and outbox(sf, "discussion.refresh") == []


def test_closing_twice_records_the_first_conclusion_and_one_summary(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    close(sf, info.id, OPENER, "A안")

    outcome, again = close(sf, info.id, LEAD, "B안", now=NOW + timedelta(hours=1))

    assert outcome is Outcome.ALREADY
    assert (again.conclusion, again.closed_by, again.closed_at) == ("A안", OPENER, NOW)
    assert len(outbox(sf, "discussion.summary")) == 1
    assert len(outbox(sf, "discussion.refresh")) == 1
    with sf() as s:
        assert s.scalar(select(func.count()).where(AuditEvent.action == "discussion.closed")) == 1


def reopen(sf: sessionmaker[Session], discussion_id: int, actor: str = OPENER, *, is_admin: bool = False):
    with write_transaction(sf) as s:
        return discussions.reopen(s, TEAM, actor, discussion_id, is_admin=is_admin, now=NOW + timedelta(hours=2))


@pytest.mark.parametrize(("actor", "is_admin"), [(OPENER, False), (LEAD, False), (ADMIN, True)])
def test_whoever_may_close_reopens_and_the_conclusion_leaves_the_decision_log(session_factory, actor, is_admin):
    sf = session_factory
    project = make_project(sf)
    info = open_discussion(sf)
    close(sf, info.id, OPENER, "A안")

    outcome, reopened = reopen(sf, info.id, actor, is_admin=is_admin)

    assert outcome is Outcome.DONE and reopened.is_open
    assert (reopened.conclusion, reopened.closed_by, reopened.closed_at) == ("", None, None)
    with sf() as s:
        assert discussions.decisions(s, TEAM, project.id) == []
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "discussion.reopened")).one()
        assert (audit.actor, audit.detail["conclusion"]) == (actor, "A안")
    assert [r.payload["reason"] for r in outbox(sf, "discussion.refresh")] == ["closed", "reopened"]
    assert reopen(sf, info.id, actor, is_admin=is_admin)[0] is Outcome.ALREADY


@pytest.mark.parametrize("actor", [MEMBER, OUTSIDER])
def test_anyone_else_may_not_reopen(session_factory, actor):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    close(sf, info.id)

    error = refused(sf, lambda s: discussions.reopen(s, TEAM, actor, info.id, is_admin=False, now=NOW))

    assert (error.code, error.params) == ("discussion.not_allowed", {"id": info.id})
    assert not get(sf, info.id).is_open


def test_a_discussion_of_a_closed_project_is_not_reopened(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    close(sf, info.id)
    with write_transaction(sf) as s:
        projects.close(s, TEAM, LEAD, "P", is_admin=False, now=NOW)

    error = refused(sf, lambda s: discussions.reopen(s, TEAM, LEAD, info.id, is_admin=False, now=NOW))

    assert (error.code, error.params) == ("project.closed", {"key": "P"})


def test_closing_again_after_reopening_records_the_new_conclusion_with_a_summary_of_its_own(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    started(sf, info)
    close(sf, info.id, OPENER, "A안")
    assert not reply(sf, MEMBER, "1763859700.000200")  # closed: not counted
    reopen(sf, info.id)
    assert reply(sf, MEMBER, "1763859700.000300")  # open again: the thread counts again

    outcome, closed = close(sf, info.id, LEAD, "B안", now=NOW + timedelta(hours=3))

    assert outcome is Outcome.DONE and (closed.conclusion, closed.closed_by) == ("B안", LEAD)
    summaries = outbox(sf, "discussion.summary")
    assert len(summaries) == 2 and len({r.dedupe_key for r in summaries}) == 2
    assert closed.reply_count == 1


def test_get_for_shows_a_discussion_to_members_and_admins_only(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    with sf() as s:
        assert discussions.get_for(s, TEAM, MEMBER, info.id, is_admin=False).topic == info.topic
        assert discussions.get_for(s, TEAM, ADMIN, info.id, is_admin=True).id == info.id
        for hidden in (info.id, info.id + 100):  # a refusal never tells whether the number exists
            with pytest.raises(DomainError) as caught:
                discussions.get_for(s, TEAM, OUTSIDER, hidden, is_admin=False)
            assert (caught.value.code, caught.value.params) == ("discussion.not_found", {"id": hidden})


def test_an_empty_conclusion_is_refused(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    error = refused(sf, lambda s: discussions.close(s, TEAM, OPENER, info.id, "  \n ", is_admin=False, now=NOW))

    assert error.code == "discussion.conclusion_missing"
    assert get(sf, info.id).is_open and outbox(sf, "discussion.summary") == []


def test_a_conclusion_over_3000_characters_is_refused_and_the_discussion_stays_open(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    with pytest.raises(DomainError) as refused:
        close(sf, info.id, conclusion="결" * 3500)

    assert refused.value.code == "text.too_long" and not get(sf, info.id).conclusion


def test_closing_an_unknown_or_another_teams_discussion_is_not_found(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    unknown = refused(sf, lambda s: discussions.close(s, TEAM, OPENER, info.id + 1, "결론", is_admin=True, now=NOW))
    other = refused(sf, lambda s: discussions.close(s, OTHER_TEAM, OPENER, info.id, "결론", is_admin=True, now=NOW))

    assert unknown.code == other.code == "discussion.not_found"
    assert get(sf, info.id).is_open


def test_get_of_another_teams_discussion_is_not_found(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    with sf() as s, pytest.raises(DomainError) as caught:
        discussions.get(s, OTHER_TEAM, info.id)

    assert (caught.value.code, caught.value.params) == ("discussion.not_found", {"id": info.id})


# --- lists and the decision log -----------------------------------------------------------------


def test_for_project_lists_open_ones_newest_first_then_closed_ones_newest_closed_first(session_factory):
    sf = session_factory
    make_project(sf)
    make_project(sf, "Q")
    first, second, third, fourth = (open_discussion(sf, topic=f"주제 {n}") for n in range(1, 5))
    elsewhere = open_discussion(sf, key="Q")
    close(sf, first.id, now=NOW + timedelta(hours=2))  # closed last, though opened first
    close(sf, third.id, now=NOW + timedelta(hours=1))

    with sf() as s:
        project, found = discussions.for_project(s, TEAM, "P", viewer="U1", is_admin=False)

    assert project.key == "P"
    assert [d.id for d in found] == [fourth.id, second.id, first.id, third.id]
    assert [d.is_open for d in found] == [True, True, False, False]
    assert elsewhere.id not in {d.id for d in found}


def test_for_project_of_a_project_without_discussions_is_empty(session_factory):
    make_project(session_factory)

    with session_factory() as s:
        project, found = discussions.for_project(s, TEAM, "P", viewer="U1", is_admin=False)

    assert (project.key, found) == ("P", [])


def test_decisions_are_the_closed_discussions_newest_first_with_their_conclusions(session_factory):
    sf = session_factory
    project = make_project(sf)
    other = make_project(sf, "Q")
    infos = [open_discussion(sf, topic=f"주제 {n}") for n in range(7)]
    for n, info in enumerate(infos[:6]):
        close(sf, info.id, conclusion=f"결론 {n}", now=NOW + timedelta(hours=n))
    close(sf, open_discussion(sf, key="Q").id, conclusion="다른 과제")

    with sf() as s:
        shown = discussions.decisions(s, TEAM, project.id)
        two = discussions.decisions(s, TEAM, project.id, limit=2)
        theirs = discussions.decisions(s, TEAM, other.id)
        none = discussions.decisions(s, OTHER_TEAM, project.id)

    assert [(d.id, d.conclusion) for d in shown] == [(infos[n].id, f"결론 {n}") for n in (5, 4, 3, 2, 1)]
    assert [d.id for d in two] == [infos[5].id, infos[4].id]
    assert [d.conclusion for d in theirs] == ["다른 과제"]
    assert none == []


# --- what an info says --------------------------------------------------------------------------


def test_participants_are_the_opener_repliers_and_voters_each_once(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf, poll_options=["A", "B"], closes_on=TODAY)
    started(sf, info)
    reply(sf, MEMBER, "1.1")
    reply(sf, OPENER, "1.2")
    a, b = info.options
    vote(sf, MEMBER, a.id)
    vote(sf, OUTSIDER, b.id)
    vote(sf, LEAD, a.id)

    found = get(sf, info.id)

    assert found.participants == (OPENER, MEMBER, LEAD, OUTSIDER)  # then voters, option by option
    assert found.votes == 3 and found.reply_count == 2
    assert [o.voters for o in found.options] == [(MEMBER, LEAD), (OUTSIDER,)]
    assert found.vote_of(LEAD) == found.options[0] and found.vote_of(OUTSIDER) == found.options[1]
    assert found.vote_of(OPENER) is None
    assert found.voting_open(TODAY) and not found.voting_open(TODAY + timedelta(days=1))


def test_voting_is_never_open_without_a_poll_or_once_closed(session_factory):
    sf = session_factory
    make_project(sf)
    plain = open_discussion(sf)
    poll = open_discussion(sf, poll_options=["A", "B"])  # no closing date: open until the discussion closes

    assert not plain.voting_open(TODAY)
    assert poll.voting_open(TODAY + timedelta(days=365))
    _, closed = close(sf, poll.id)
    assert not closed.voting_open(TODAY)
