"""A scheduler tick and the cross-project digest cost a fixed number of queries, whatever the size of
the organisation (the benchmark in bench/scheduler_tick.py prints the figures for 2,000 projects)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bench.organisation import seed
from bench.queries import counting
from bot.compose import organisation
from bot.settings import Settings
from models import OutboxMessage
from scheduler import jobs
from services import digests
from services.calendar import WorkCalendar

NOW = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)  # Monday 10:30 in Seoul: nudges and digests are all due
WEEK = date(2026, 12, 7)


def _measure(session_factory, engine, users: int, projects: int) -> tuple[int, int, int]:
    org = seed(session_factory, users=users, projects=projects, now=NOW, week_start=WEEK)
    settings = Settings(admins=frozenset({org.admin}))
    calendar = WorkCalendar("KR")
    with counting(engine) as tick_queries:
        queued = jobs.tick(session_factory, organisation(settings), NOW)
    with session_factory() as session, counting(engine) as digest_queries:
        lines = digests.cross_project(session, org.team_id, now=NOW, calendar=calendar)
    assert len(lines) == projects
    with session_factory() as session:
        rows = session.query(OutboxMessage).count()
    assert queued["nudges"] > 0 and queued["digests"] >= projects and queued["reminders"] > 0
    assert rows == sum(queued.values())
    return tick_queries.statements, digest_queries.statements, rows


@pytest.fixture
def wipe_between(engine):
    from tests.conftest import _wipe

    yield lambda: _wipe(engine)


def test_query_counts_do_not_grow_with_the_organisation(session_factory, engine, wipe_between):
    small_tick, small_digest, small_rows = _measure(session_factory, engine, users=60, projects=12)
    wipe_between()
    large_tick, large_digest, large_rows = _measure(session_factory, engine, users=600, projects=120)
    assert large_rows > small_rows * 5  # ten times the work ...
    assert large_tick == small_tick  # ... in the same number of statements
    assert large_digest == small_digest


def test_a_second_tick_at_the_same_instant_queues_nothing(session_factory, engine):
    org = seed(session_factory, users=60, projects=12, now=NOW, week_start=WEEK)
    settings = Settings(admins=frozenset({org.admin}))
    first = jobs.tick(session_factory, organisation(settings), NOW)
    again = jobs.tick(session_factory, organisation(settings), NOW)
    assert sum(first.values()) > 0
    assert again == {name: 0 for name in first}
