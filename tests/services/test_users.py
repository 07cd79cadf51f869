"""People as Onnuri knows them: a cached Slack profile and a department, kept per team."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Department, User
from models.base import utcnow
from services import users
from services.users import PROFILE_MAX_AGE, Person
from tests.fakes.locks import wait_until_another_transaction_waits_on

TEAM = "T1"
OTHER_TEAM = "T2"


def user_count(sf) -> int:
    with sf() as s:
        return s.scalar(select(func.count()).select_from(User)) or 0


def test_ensure_is_idempotent(session_factory):
    with session_factory.begin() as s:
        first = users.ensure(s, TEAM, "U1")
        same = users.ensure(s, TEAM, "U1")
        assert same is first
        first_id = first.id
    with session_factory.begin() as s:
        later = users.ensure(s, TEAM, "U1")
        assert later.id == first_id

    assert user_count(session_factory) == 1


def test_ensure_keeps_teams_apart(session_factory):
    with session_factory.begin() as s:
        here = users.ensure(s, TEAM, "U1")
        there = users.ensure(s, OTHER_TEAM, "U1")
        assert here.id != there.id

    assert user_count(session_factory) == 2


def test_save_profile_stores_the_profile_and_returns_the_person(session_factory):
    before = datetime.now(UTC)
    with session_factory.begin() as s:
        person = users.save_profile(s, TEAM, "U1", display_name="김민수", tz="Asia/Seoul", locale="ko-KR", now=utcnow())

    assert person == Person("U1", "김민수", "Asia/Seoul", "ko-KR", None, profile_known=True)
    with session_factory() as s:
        assert users.get_person(s, TEAM, "U1") == person
        assert users.get_person(s, OTHER_TEAM, "U1") is None
        stored = users.find(s, TEAM, "U1")
    assert stored is not None and stored.profile_fetched_at is not None
    assert before <= stored.profile_fetched_at <= datetime.now(UTC)


def test_save_profile_updates_the_same_user_and_truncates_a_long_name(session_factory):
    with session_factory.begin() as s:
        users.save_profile(s, TEAM, "U1", display_name="old", tz="Asia/Seoul", locale="ko-KR", now=utcnow())
    with session_factory.begin() as s:
        person = users.save_profile(s, TEAM, "U1", display_name="가" * 300, tz=None, locale="en-US", now=utcnow())

    assert person.display_name == "가" * 120
    assert (person.tz, person.locale) == (None, "en-US")
    assert user_count(session_factory) == 1


def test_a_profile_never_fetched_is_stale(session_factory):
    assert users.profile_is_stale(None, utcnow())
    with session_factory.begin() as s:
        assert users.profile_is_stale(users.ensure(s, TEAM, "U1"), utcnow())


def test_a_profile_is_fresh_for_a_day_then_stale(session_factory):
    with session_factory.begin() as s:
        users.save_profile(s, TEAM, "U1", display_name="kim", tz=None, locale=None, now=utcnow())
    with session_factory() as s:
        user = users.find(s, TEAM, "U1")
    fetched = user.profile_fetched_at

    assert not users.profile_is_stale(user, now=fetched)
    assert not users.profile_is_stale(user, now=fetched + timedelta(hours=23))
    assert not users.profile_is_stale(user, now=fetched + PROFILE_MAX_AGE)
    assert users.profile_is_stale(user, now=fetched + PROFILE_MAX_AGE + timedelta(seconds=1))


def test_set_department_registers_a_department_once_per_team(session_factory):
    with session_factory.begin() as s:
        kim = users.set_department(s, TEAM, "U1", "기획조정실")
        lee = users.set_department(s, TEAM, "U2", "  기획조정실 ")
        park = users.set_department(s, OTHER_TEAM, "U3", "기획조정실")

    assert kim.department == lee.department == park.department == "기획조정실"
    with session_factory() as s:
        rows = s.execute(select(Department.team_id, Department.name).order_by(Department.team_id)).all()
        u1, u2 = users.find(s, TEAM, "U1"), users.find(s, TEAM, "U2")
        u3 = users.find(s, OTHER_TEAM, "U3")
    assert [tuple(r) for r in rows] == [(TEAM, "기획조정실"), (OTHER_TEAM, "기획조정실")]
    assert u1.department_id == u2.department_id != u3.department_id


def test_set_department_to_nothing_clears_it_and_keeps_the_department(session_factory):
    with session_factory.begin() as s:
        users.set_department(s, TEAM, "U1", "예산과")
    with session_factory.begin() as s:
        person = users.set_department(s, TEAM, "U1", "  ")

    assert person.department is None
    with session_factory() as s:
        assert users.get_person(s, TEAM, "U1").department is None
        assert users.list_departments(s, TEAM) == ["예산과"]


def test_department_names_are_normalised_and_capped(session_factory):
    with session_factory.begin() as s:
        spaced = users.department(s, TEAM, " 정보화   담당관 ")
        again = users.department(s, TEAM, "정보화 담당관")
        long_name = users.department(s, TEAM, "과" * 100)
        assert spaced.id == again.id

    assert spaced.name == "정보화 담당관"
    assert long_name.name == "과" * 80


def test_list_departments_is_sorted_and_per_team(session_factory):
    with session_factory.begin() as s:
        for name in ("예산과", "기획조정실", "정보화 담당관"):
            users.department(s, TEAM, name)
        users.department(s, OTHER_TEAM, "감사관")

    with session_factory() as s:
        assert users.list_departments(s, TEAM) == sorted(["예산과", "기획조정실", "정보화 담당관"])
        assert users.list_departments(s, OTHER_TEAM) == ["감사관"]
        assert users.list_departments(s, "T3") == []


def test_ensure_racing_another_transaction_returns_the_row_it_committed(engine, session_factory):
    """Two requests meet a new person at once: the loser of the insert finds the winner's row."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN, so the two inserts cannot interleave")
    found: list[int] = []
    errors: list[BaseException] = []

    def second_request() -> None:
        try:
            with session_factory.begin() as s:
                found.append(users.ensure(s, TEAM, "U1").id)
        except BaseException as error:  # reported to the test thread below
            errors.append(error)

    with session_factory.begin() as s:
        winner = users.ensure(s, TEAM, "U1")
        racer = threading.Thread(target=second_request)
        racer.start()
        wait_until_another_transaction_waits_on(s)  # the racer's insert waits on our unique key
    racer.join(10)

    assert errors == []
    assert found == [winner.id]
    assert user_count(session_factory) == 1


def test_someone_only_mentioned_has_no_known_profile_yet(session_factory):
    with session_factory.begin() as s:
        users.ensure(s, TEAM, "U7")
    with session_factory() as s:
        assert users.get_person(s, TEAM, "U7").profile_known is False
