"""Acting on a request once: a retried or replayed request finds its key already taken."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from models import ProcessedRequest
from services import idempotency, users
from tests.fakes.locks import wait_until_another_transaction_waits_on

TEAM = "T1"
OTHER_TEAM = "T2"


def first_time(sf, key: str, team: str = TEAM) -> bool:
    with sf.begin() as s:
        return idempotency.first_time(s, team, key)


def test_first_time_is_true_once_then_false(session_factory):
    assert first_time(session_factory, "view:V1") is True
    assert first_time(session_factory, "view:V1") is False
    assert first_time(session_factory, "view:V2") is True


def test_first_time_twice_in_one_transaction(session_factory):
    with session_factory.begin() as s:
        assert idempotency.first_time(s, TEAM, "action:A1") is True
        assert idempotency.first_time(s, TEAM, "action:A1") is False


def test_keys_are_per_team(session_factory):
    assert first_time(session_factory, "view:V1", TEAM) is True
    assert first_time(session_factory, "view:V1", OTHER_TEAM) is True
    assert first_time(session_factory, "view:V1", OTHER_TEAM) is False


def test_the_key_is_released_when_the_surrounding_transaction_rolls_back(session_factory):
    with pytest.raises(RuntimeError), session_factory.begin() as s:
        assert idempotency.first_time(s, TEAM, "view:V1") is True
        raise RuntimeError("the action failed after claiming its key")

    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(ProcessedRequest)) == 0
    assert first_time(session_factory, "view:V1") is True
    assert first_time(session_factory, "view:V1") is False


def test_a_repeated_key_leaves_the_transaction_usable(session_factory):
    assert first_time(session_factory, "view:V1")

    with session_factory.begin() as s:
        assert idempotency.first_time(s, TEAM, "view:V1") is False
        users.ensure(s, TEAM, "U1")  # the caller's other work still commits

    with session_factory() as s:
        assert users.find(s, TEAM, "U1") is not None
        assert s.scalar(select(func.count()).select_from(ProcessedRequest)) == 1


def test_a_concurrent_replay_waits_and_then_finds_the_key_taken(engine, session_factory):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN, so the two claims cannot interleave")
    replay: list[object] = []

    def replayed_request() -> None:
        try:
            with session_factory.begin() as s:
                replay.append(idempotency.first_time(s, TEAM, "view:V1"))
        except BaseException as error:  # handed to the test thread
            replay.append(error)

    with session_factory.begin() as s:
        assert idempotency.first_time(s, TEAM, "view:V1") is True
        other = threading.Thread(target=replayed_request)
        other.start()
        wait_until_another_transaction_waits_on(s)  # the replay's insert waits on our unique key
    other.join(10)

    assert replay == [False]
