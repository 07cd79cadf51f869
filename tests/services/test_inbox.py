"""The inbox: a request recorded once, claimed by one process at a time, taken up when its process is lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services import inbox

TEAM = "T1"
NOW = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


def record(sf, key="trigger:1", owner="A", now=NOW, route="command:/progress"):
    with sf.begin() as s:
        return inbox.record(s, team_id=TEAM, key=key, route=route, priority=2, body={"k": key}, owner=owner, now=now)


def claim(sf, request_id, owner, now):
    with sf.begin() as s:
        return inbox.claim(s, request_id, owner, now)


def test_a_request_is_recorded_once_and_a_retry_finds_it_unfinished(session_factory):
    first = record(session_factory)
    assert first is not None
    assert record(session_factory) is None  # Slack's retry of the same trigger
    with session_factory() as s:
        assert inbox.unfinished(s, TEAM, "trigger:1") == first
    with session_factory.begin() as s:
        inbox.finish(s, first, NOW)
    with session_factory() as s:
        assert inbox.unfinished(s, TEAM, "trigger:1") is None
        assert inbox.unfinished_count(s) == 0


def test_the_recorder_carries_it_out_and_nobody_else_while_its_claim_holds(session_factory):
    request_id = record(session_factory, owner="A")
    assert claim(session_factory, request_id, "B", NOW + timedelta(seconds=5)) is None
    received = claim(session_factory, request_id, "A", NOW + timedelta(seconds=5))
    assert received is not None and received.body == {"k": "trigger:1"} and received.route == "command:/progress"
    assert claim(session_factory, request_id, "A", NOW + timedelta(seconds=6)) is None  # not twice


def test_a_lost_process_leaves_its_request_for_another_once_the_claim_lapses(session_factory):
    request_id = record(session_factory, owner="A")
    later = NOW + inbox.CLAIM + timedelta(seconds=1)
    with session_factory() as s:
        assert inbox.lapsed(s, NOW + timedelta(seconds=1)) == []
        assert inbox.lapsed(s, later) == [(request_id, 2)]
    assert claim(session_factory, request_id, "B", later) is not None
    assert claim(session_factory, request_id, "A", later) is None  # the old owner, resumed, does not run it too


def test_a_request_that_keeps_failing_is_given_up_after_its_attempts(session_factory):
    request_id = record(session_factory, owner="A")
    moment = NOW
    for _ in range(inbox.MAX_ATTEMPTS):
        moment += timedelta(seconds=1)
        assert claim(session_factory, request_id, "A", moment) is not None
        with session_factory.begin() as s:
            inbox.let_go(s, request_id, moment)
    moment += timedelta(seconds=1)
    assert claim(session_factory, request_id, "A", moment) is None
    with session_factory() as s:
        assert inbox.lapsed(s, moment) == []


def test_finished_rows_are_forgotten_after_a_day(session_factory):
    done = record(session_factory, key="trigger:done")
    record(session_factory, key="trigger:open")
    with session_factory.begin() as s:
        inbox.finish(s, done, NOW)
    with session_factory.begin() as s:
        assert inbox.forget_finished(s, NOW + timedelta(hours=23)) == 0
        assert inbox.forget_finished(s, NOW + inbox.KEEP + timedelta(minutes=1)) == 1
    with session_factory() as s:
        assert inbox.unfinished_count(s) == 1
