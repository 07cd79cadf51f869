"""Quick polls on a discussion: cleaning the options, the closing date, adding a poll later, and one
changeable vote per person until the poll or the discussion closes."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import Discussion, OutboxMessage, PollOption, PollVote
from models.base import utcnow
from models.db import write_transaction
from services import discussions, poll_options, polls, projects
from services.discussions import DiscussionInfo
from services.errors import DomainError
from services.polls import VoteOutcome

TEAM = "T1"
OTHER_TEAM = "T2"
LEAD = "U1"
OPENER = "U2"
MEMBER = "U3"
OUTSIDER = "U9"
ADMIN = "UADMIN"

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


# --- helpers ------------------------------------------------------------------------------------


def make_project(sf: sessionmaker[Session], key: str = "P", team: str = TEAM) -> projects.ProjectInfo:
    with write_transaction(sf) as s:
        draft = projects.ProjectDraft(name=f"과제 {key}", key=key, member_ids=(OPENER, MEMBER), channel_id="C9")
        return projects.create(s, team, LEAD, draft, now=utcnow())


def open_discussion(sf: sessionmaker[Session], team: str = TEAM, **kwargs: Any) -> DiscussionInfo:
    with write_transaction(sf) as s:
        return discussions.open_(
            s, team, OPENER, "P", topic="시범 학교 선정", is_admin=False, today=TODAY, **kwargs, now=utcnow()
        )


def with_poll(sf: sessionmaker[Session], labels=("A안", "B안", "C안"), **kwargs: Any) -> DiscussionInfo:
    make_project(sf)
    return open_discussion(sf, poll_options=list(labels), **kwargs)


def vote(
    sf: sessionmaker[Session], actor: str, option_id: int, *, today: date = TODAY, now: datetime = NOW
) -> tuple[VoteOutcome, DiscussionInfo, str]:
    with write_transaction(sf) as s:
        return polls.vote(s, TEAM, actor, option_id, today=today, now=now)


def refused(sf: sessionmaker[Session], action) -> DomainError:
    with pytest.raises(DomainError) as caught, write_transaction(sf) as s:
        action(s)
    return caught.value


def refreshes(sf: sessionmaker[Session]) -> list[OutboxMessage]:
    with sf() as s:
        return list(
            s.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "discussion.refresh").order_by(OutboxMessage.id)
            )
        )


def votes_in_db(sf: sessionmaker[Session]) -> list[tuple[str, int]]:
    """(voter, option id) of every PollVote row."""
    with sf() as s:
        return [(v.user.slack_user_id, v.option_id) for v in s.scalars(select(PollVote).order_by(PollVote.id))]


def add_poll(sf: sessionmaker[Session], discussion_id: int, actor: str = OPENER, **kwargs: Any) -> DiscussionInfo:
    kwargs.setdefault("options", ["A안", "B안"])
    kwargs.setdefault("anonymous", False)
    kwargs.setdefault("closes_on", None)
    kwargs.setdefault("is_admin", False)
    with write_transaction(sf) as s:
        return polls.add_poll(s, TEAM, actor, discussion_id, today=TODAY, **kwargs, now=utcnow())


def get_info(sf: sessionmaker[Session], discussion_id: int) -> DiscussionInfo:
    with sf() as s:
        return discussions.get(s, TEAM, discussion_id)


# --- cleaning the options -----------------------------------------------------------------------


@pytest.mark.parametrize("raw", [[], [""], ["  ", "\t"]])
def test_no_options_is_no_poll(raw):
    assert poll_options.clean_options(raw) == []


def test_options_are_trimmed_and_duplicates_collapse_keeping_the_first_order():
    assert poll_options.clean_options([" B안 ", "A안", "", "B안", "A안 ", "C안"]) == ["B안", "A안", "C안"]


def test_a_single_option_is_refused():
    with pytest.raises(DomainError) as caught:
        poll_options.clean_options(["A안"])
    assert (caught.value.code, caught.value.params) == ("poll.too_few", {"minimum": 2})


def test_options_that_collapse_to_one_are_refused():
    with pytest.raises(DomainError) as caught:
        poll_options.clean_options(["A안", " A안", "A안 "])
    assert caught.value.code == "poll.too_few"


def test_ten_options_fit_and_eleven_are_refused():
    assert len(poll_options.clean_options([f"안 {n}" for n in range(10)])) == 10
    with pytest.raises(DomainError) as caught:
        poll_options.clean_options([f"안 {n}" for n in range(11)])
    assert (caught.value.code, caught.value.params) == ("poll.too_many", {"maximum": 10})


def test_eleven_options_with_a_duplicate_are_ten():
    assert len(poll_options.clean_options([f"안 {n}" for n in range(10)] + ["안 0"])) == 10


def test_a_label_of_75_characters_fits_and_76_is_refused():
    assert poll_options.clean_options(["가" * 75, "나"]) == ["가" * 75, "나"]
    with pytest.raises(DomainError) as caught:
        poll_options.clean_options(["나", "가" * 76])
    assert (caught.value.code, caught.value.params) == ("poll.option_too_long", {"limit": 75, "option": "가" * 30})


def test_a_closing_date_today_or_later_or_none_is_fine_and_a_past_one_is_refused():
    poll_options.check_closing_date(None, TODAY)
    poll_options.check_closing_date(TODAY, TODAY)
    poll_options.check_closing_date(TODAY + timedelta(days=30), TODAY)
    with pytest.raises(DomainError) as caught:
        poll_options.check_closing_date(TODAY - timedelta(days=1), TODAY)
    assert (caught.value.code, caught.value.params) == ("poll.closes_past", {"date": "2026-11-22"})


# --- adding a poll later ------------------------------------------------------------------------


def test_the_opener_adds_a_poll_and_the_card_redraws(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    added = add_poll(sf, info.id, options=["A안", "B안", "A안"], anonymous=True, closes_on=TODAY + timedelta(days=3))

    assert [(o.position, o.label) for o in added.options] == [(1, "A안"), (2, "B안")]
    assert added.anonymous and added.closes_on == TODAY + timedelta(days=3)
    with sf() as s:
        assert s.scalars(select(PollOption.label).order_by(PollOption.position)).all() == ["A안", "B안"]
        row = s.get(Discussion, info.id)
        assert row.anonymous and row.closes_on == TODAY + timedelta(days=3) and row.version == 1
    [refresh] = refreshes(sf)
    assert (refresh.recipient, refresh.dedupe_key, refresh.payload) == (
        "C9",
        f"discussion:{info.id}:refresh:1",
        {"discussion_id": info.id, "card": f"discussion:{info.id}:card", "reason": "poll"},
    )


@pytest.mark.parametrize(("actor", "is_admin"), [(LEAD, False), (ADMIN, True)])
def test_a_lead_or_an_admin_may_add_the_poll(session_factory, actor, is_admin):
    make_project(session_factory)
    info = open_discussion(session_factory)

    assert add_poll(session_factory, info.id, actor, is_admin=is_admin).has_poll


def test_another_member_may_not_add_a_poll(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    error = refused(
        sf,
        lambda s: polls.add_poll(
            s,
            TEAM,
            MEMBER,
            info.id,
            ["A", "B"],
            anonymous=False,
            closes_on=None,
            is_admin=False,
            today=TODAY,
            now=utcnow(),
        ),
    )

    assert error.code == "discussion.not_allowed"
    with sf() as s:
        assert s.scalar(select(func.count()).select_from(PollOption)) == 0
    assert refreshes(sf) == []


def test_a_second_poll_is_refused(session_factory):
    sf = session_factory
    info = with_poll(sf, ("A", "B"))

    error = refused(
        sf,
        lambda s: polls.add_poll(
            s,
            TEAM,
            OPENER,
            info.id,
            ["C", "D"],
            anonymous=False,
            closes_on=None,
            is_admin=False,
            today=TODAY,
            now=utcnow(),
        ),
    )

    assert (error.code, error.params) == ("poll.exists", {"id": info.id})
    with sf() as s:
        assert s.scalars(select(PollOption.label).order_by(PollOption.id)).all() == ["A", "B"]


@pytest.mark.parametrize(
    ("options", "closes_on", "code"),
    [
        ([], None, "poll.too_few"),  # adding a poll means giving options
        (["  "], None, "poll.too_few"),
        (["A"], None, "poll.too_few"),
        (["A", "B"], TODAY - timedelta(days=1), "poll.closes_past"),
    ],
)
def test_a_bad_poll_added_later_is_refused(session_factory, options, closes_on, code):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)

    error = refused(
        sf,
        lambda s: polls.add_poll(
            s,
            TEAM,
            OPENER,
            info.id,
            options,
            anonymous=False,
            closes_on=closes_on,
            is_admin=False,
            today=TODAY,
            now=utcnow(),
        ),
    )

    assert error.code == code
    assert not get_info(sf, info.id).has_poll


def test_no_poll_on_a_closed_discussion(session_factory):
    sf = session_factory
    make_project(sf)
    info = open_discussion(sf)
    with write_transaction(sf) as s:
        discussions.close(s, TEAM, OPENER, info.id, "결론", is_admin=False, now=NOW)

    error = refused(
        sf,
        lambda s: polls.add_poll(
            s,
            TEAM,
            OPENER,
            info.id,
            ["A", "B"],
            anonymous=False,
            closes_on=None,
            is_admin=False,
            today=TODAY,
            now=utcnow(),
        ),
    )

    assert error.code == "discussion.closed"


# --- voting -------------------------------------------------------------------------------------


def test_a_first_vote_is_recorded_and_redraws_the_card(session_factory):
    sf = session_factory
    info = with_poll(sf)
    a = info.options[0]

    outcome, after, label = vote(sf, MEMBER, a.id)

    assert (outcome, label) == (VoteOutcome.VOTED, "A안")
    assert after.vote_of(MEMBER) == after.options[0] and after.votes == 1
    assert votes_in_db(sf) == [(MEMBER, a.id)]
    with sf() as s:
        row = s.scalars(select(PollVote)).one()
        assert (row.discussion_id, row.team_id, row.changed_at) == (info.id, TEAM, None)
    [refresh] = refreshes(sf)
    assert (refresh.dedupe_key, refresh.payload["reason"]) == (f"discussion:{info.id}:refresh:1", "vote")


def test_the_same_choice_again_changes_nothing_and_queues_no_redraw(session_factory):
    sf = session_factory
    info = with_poll(sf)
    a = info.options[0]
    vote(sf, MEMBER, a.id)

    outcome, after, label = vote(sf, MEMBER, a.id, now=LATER)

    assert (outcome, label) == (VoteOutcome.SAME, "A안")
    assert after.options[0].voters == (MEMBER,)
    assert votes_in_db(sf) == [(MEMBER, a.id)]
    assert len(refreshes(sf)) == 1
    with sf() as s:
        assert s.get(Discussion, info.id).version == 1
        assert s.scalars(select(PollVote)).one().changed_at is None


def test_another_choice_changes_the_one_vote(session_factory):
    sf = session_factory
    info = with_poll(sf)
    a, b, _ = info.options
    vote(sf, MEMBER, a.id)

    outcome, after, label = vote(sf, MEMBER, b.id, now=LATER)

    assert (outcome, label) == (VoteOutcome.CHANGED, "B안")
    assert [o.voters for o in after.options] == [(), (MEMBER,), ()]
    assert after.votes == 1 and after.vote_of(MEMBER) == after.options[1]
    assert votes_in_db(sf) == [(MEMBER, b.id)]
    with sf() as s:
        assert s.scalars(select(PollVote)).one().changed_at == LATER
    assert [m.dedupe_key for m in refreshes(sf)] == [
        f"discussion:{info.id}:refresh:1",
        f"discussion:{info.id}:refresh:2",
    ]


def test_one_vote_row_per_person_and_voters_oldest_first(session_factory):
    sf = session_factory
    info = with_poll(sf)
    a, b, c = info.options
    vote(sf, MEMBER, a.id)
    vote(sf, LEAD, b.id)
    vote(sf, OUTSIDER, a.id)  # anyone in the channel may vote, not only members
    vote(sf, LEAD, a.id)
    vote(sf, MEMBER, c.id)
    vote(sf, MEMBER, c.id)

    after = get_info(sf, info.id)

    assert sorted(votes_in_db(sf)) == sorted([(MEMBER, c.id), (LEAD, a.id), (OUTSIDER, a.id)])
    # LEAD's vote dates from their first click, so they stay ahead of OUTSIDER
    assert [o.voters for o in after.options] == [(LEAD, OUTSIDER), (), (MEMBER,)]
    assert after.votes == 3
    assert len(refreshes(sf)) == 5  # every vote but the repeated one


def test_votes_on_the_closing_day_count_and_after_it_are_refused(session_factory):
    sf = session_factory
    info = with_poll(sf, closes_on=TODAY + timedelta(days=2))
    a, b, _ = info.options

    assert vote(sf, MEMBER, a.id, today=TODAY + timedelta(days=2))[0] is VoteOutcome.VOTED
    error = refused(
        sf,
        lambda s: polls.vote(s, TEAM, MEMBER, b.id, today=TODAY + timedelta(days=3), now=NOW + timedelta(days=3)),
    )

    assert (error.code, error.params) == ("poll.closed", {"id": info.id})
    assert votes_in_db(sf) == [(MEMBER, a.id)]
    assert len(refreshes(sf)) == 1


def test_votes_after_the_discussion_closes_are_refused(session_factory):
    sf = session_factory
    info = with_poll(sf)
    a, b, _ = info.options
    vote(sf, MEMBER, a.id)
    with write_transaction(sf) as s:
        discussions.close(s, TEAM, OPENER, info.id, "A안으로", is_admin=False, now=NOW)
    before = len(refreshes(sf))

    for actor, option in ((MEMBER, b.id), (MEMBER, a.id), (LEAD, a.id)):
        error = refused(
            sf, lambda s, actor=actor, option=option: polls.vote(s, TEAM, actor, option, today=TODAY, now=NOW)
        )
        assert error.code == "poll.closed"

    assert votes_in_db(sf) == [(MEMBER, a.id)]
    assert len(refreshes(sf)) == before


def test_an_unknown_option_or_another_teams_option_is_not_found(session_factory):
    sf = session_factory
    info = with_poll(sf)

    unknown = refused(sf, lambda s: polls.vote(s, TEAM, MEMBER, info.options[-1].id + 1, today=TODAY, now=NOW))
    other = refused(sf, lambda s: polls.vote(s, OTHER_TEAM, MEMBER, info.options[0].id, today=TODAY, now=NOW))

    assert unknown.code == other.code == "poll.not_found"
    assert votes_in_db(sf) == []


def test_an_anonymous_poll_still_records_who_voted_for_one_vote_each(session_factory):
    """Anonymity is in what the card shows; the service still needs the voter to keep one vote a person."""
    sf = session_factory
    info = with_poll(sf, anonymous=True)
    a, b, _ = info.options

    vote(sf, MEMBER, a.id)
    outcome, after, _ = vote(sf, MEMBER, b.id)

    assert outcome is VoteOutcome.CHANGED and after.anonymous
    assert votes_in_db(sf) == [(MEMBER, b.id)]


# --- clicks at the same moment ------------------------------------------------------------------


def vote_together(sf: sessionmaker[Session], clicks: list[tuple[str, int]]) -> list[Any]:
    """Each click in its own thread and the bot's own write transaction, released at once."""
    barrier = threading.Barrier(len(clicks))
    outcomes: list[Any] = [None] * len(clicks)

    def click(index: int, actor: str, option_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            with write_transaction(sf) as s:
                outcomes[index] = polls.vote(s, TEAM, actor, option_id, today=TODAY, now=NOW)[0]
        except BaseException as error:  # handed to the test thread
            outcomes[index] = error

    threads = [threading.Thread(target=click, args=(n, actor, option)) for n, (actor, option) in enumerate(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_a_double_click_records_one_vote_and_one_redraw(session_factory):
    sf = session_factory
    info = with_poll(sf)
    a = info.options[0]

    outcomes = vote_together(sf, [(MEMBER, a.id)] * 2)

    assert sorted(o.value for o in outcomes) == ["same", "voted"], outcomes
    assert votes_in_db(sf) == [(MEMBER, a.id)]
    assert len(refreshes(sf)) == 1


def test_votes_of_many_people_at_once_each_get_their_own_redraw(session_factory):
    sf = session_factory
    info = with_poll(sf)
    voters = [f"U{n}" for n in range(10, 16)]

    outcomes = vote_together(sf, [(v, info.options[n % 3].id) for n, v in enumerate(voters)])

    assert outcomes == [VoteOutcome.VOTED] * len(voters), outcomes
    assert sorted(v for v, _ in votes_in_db(sf)) == voters
    assert sorted(m.dedupe_key for m in refreshes(sf)) == sorted(
        f"discussion:{info.id}:refresh:{n}" for n in range(1, len(voters) + 1)
    )
    with sf() as s:
        assert s.get(Discussion, info.id).version == len(voters)
