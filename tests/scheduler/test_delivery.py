"""Outbox delivery against the fake Slack: retries, rate limits, spacing, crashes, two workers."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from bot.compose import client as client_for
from bot.compose import organisation
from models import OutboxMessage, OutboxStatus
from models.base import utcnow
from scheduler.delivery import OutboxDelivery
from services import notices, outbox, projects
from services.outbox import DEAD_AFTER

TEAM = "T1"


@pytest.fixture
def project_id(session_factory):
    """A project to notify about, with the outbox emptied of what registering it queued."""
    with session_factory.begin() as session:
        created = projects.create(
            session, TEAM, "U1", projects.ProjectDraft(name="일자리 창출", key="JOBS"), now=utcnow()
        ).id
        session.execute(delete(OutboxMessage))
    return created


def queue(session_factory, project_id, recipient="U2", key="k1"):
    with session_factory.begin() as session:
        outbox.enqueue(
            session,
            team_id=TEAM,
            kind="project.member_added",
            recipient=recipient,
            dedupe_key=key,
            payload={"project_id": project_id, "by": "U1"},
        )


def worker(session_factory, settings, **kwargs):
    kwargs.setdefault("channel_spacing", timedelta(milliseconds=50))
    kwargs.setdefault("settle", timedelta(0))  # the fake's reads do not lag its writes unless a test says so
    kwargs.setdefault("retry_base_seconds", 0.01)
    return OutboxDelivery(session_factory, client_for(settings, retries=False), organisation(settings), **kwargs)


def rows(session_factory):
    with session_factory() as session:
        return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def posts(fake, channel="U2"):
    return [c for c in fake.calls if c.method == "chat.postMessage" and c.params.get("channel") == channel]


def test_rate_limited_post_waits_retry_after_then_delivers_once(session_factory, settings, fake_slack, project_id):
    queue(session_factory, project_id)
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)
    stats = worker(session_factory, settings).drain(timeout=10)
    attempts = posts(fake_slack)
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0
    assert stats.sent == 1
    assert rows(session_factory)[0].status is OutboxStatus.SENT


def test_server_errors_and_resets_are_retried_until_delivered_once(session_factory, settings, fake_slack, project_id):
    queue(session_factory, project_id)
    fake_slack.fail("chat.postMessage", status=500, times=2)
    fake_slack.reset_connection("chat.postMessage")
    worker(session_factory, settings).drain(timeout=10)
    assert [c.status for c in posts(fake_slack)] == [500, 500, 0, 200]
    assert len(fake_slack.messages("D2")) == 1
    row = rows(session_factory)[0]
    assert row.status is OutboxStatus.SENT and row.attempts == 4 and row.sent_ts


def test_permanent_error_marks_row_dead_at_once(session_factory, settings, fake_slack, project_id):
    queue(session_factory, project_id)
    fake_slack.error("chat.postMessage", error="channel_not_found")
    stats = worker(session_factory, settings).drain(timeout=5)
    row = rows(session_factory)[0]
    assert stats.dead == 1 and row.status is OutboxStatus.DEAD and row.last_error == "channel_not_found"
    assert len(posts(fake_slack)) == 1


def test_a_row_failing_transiently_is_retried_for_a_day_then_given_up_with_its_last_error(
    session_factory, settings, fake_slack, project_id
):
    queue(session_factory, project_id)
    fake_slack.outage(status=500)
    start = utcnow()
    clock = {"now": start}
    delivery = worker(session_factory, settings, clock=lambda: clock["now"], retry_base_seconds=2.0)
    while rows(session_factory)[0].status is OutboxStatus.PENDING:
        delivery.deliver_pass()
        clock["now"] = max(clock["now"], rows(session_factory)[0].next_attempt_at)
    row = rows(session_factory)[0]
    assert row.status is OutboxStatus.DEAD and "internal_error" in row.last_error
    assert DEAD_AFTER <= row.dead_at - row.first_attempt_at <= DEAD_AFTER + timedelta(minutes=10)
    # 2 s doubling to 10 minutes, then every 10 minutes: about 150 attempts; after the first post's 500 (Slack
    # may have taken it) each began by looking for it, which Slack, still down, could not answer
    assert 140 <= row.attempts <= 160 and len(posts(fake_slack)) == 1


def test_not_in_channel_joins_public_channel_and_posts_once(session_factory, settings, fake_slack, project_id):
    queue(session_factory, project_id, recipient="C9")
    fake_slack.error("chat.postMessage", error="not_in_channel")
    worker(session_factory, settings).drain(timeout=5)
    assert fake_slack.calls_to("conversations.join", channel="C9")
    assert [c.ok for c in posts(fake_slack, "C9")] == [False, True]


def test_messages_to_one_channel_are_at_least_a_second_apart(session_factory, settings, fake_slack, project_id):
    for n in range(3):
        queue(session_factory, project_id, key=f"k{n}")
    queue(session_factory, project_id, recipient="U3", key="other")
    worker(session_factory, settings, channel_spacing=timedelta(seconds=1)).drain(timeout=10)
    times = [c.at for c in posts(fake_slack) if c.ok]
    assert len(times) == 3
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))
    assert len(posts(fake_slack, "U3")) == 1


def test_rows_left_by_a_crash_are_delivered_after_restart(session_factory, settings, fake_slack, project_id):
    queue(session_factory, project_id, key="never-tried")
    queue(session_factory, project_id, recipient="U3", key="claimed-then-crashed")
    with session_factory.begin() as session:  # a worker claimed this one, then the process died
        stale = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "claimed-then-crashed"))
        stale.claimed_until = utcnow() - timedelta(seconds=1)
        stale.attempts = 1
    worker(session_factory, settings).drain(timeout=10)
    assert all(r.status is OutboxStatus.SENT for r in rows(session_factory))
    assert len(posts(fake_slack, "U2")) == 1 and len(posts(fake_slack, "U3")) == 1


def test_two_workers_side_by_side_send_each_row_once(session_factory, settings, fake_slack, project_id):
    for n in range(6):
        queue(session_factory, project_id, recipient=f"U{10 + n}", key=f"k{n}")
    workers = [worker(session_factory, settings) for _ in range(2)]
    threads = [threading.Thread(target=w.drain, kwargs={"timeout": 10}) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = [c.params["channel"] for c in fake_slack.calls if c.method == "chat.postMessage" and c.ok]
    assert sorted(sent) == sorted(f"U{10 + n}" for n in range(6))


def test_notification_is_rendered_in_the_recipients_language(session_factory, settings, fake_slack, project_id):
    from services import users

    with session_factory.begin() as session:
        users.save_profile(
            session, TEAM, "U3", display_name="park", tz="America/New_York", locale="en-US", now=utcnow()
        )
    queue(session_factory, project_id, recipient="U3")
    worker(session_factory, settings).drain(timeout=5)
    assert "You were added to" in posts(fake_slack, "U3")[0].params["text"]


def test_commit_wakes_the_running_worker(engine, settings, fake_slack):
    from models.db import make_session_factory

    holder = {}
    factory = make_session_factory(engine, on_outbox_commit=lambda: holder["w"].wake())
    holder["w"] = delivery = worker(factory, settings)
    with factory.begin() as session:
        pid = projects.create(session, TEAM, "U1", projects.ProjectDraft(name="관광", key="TOUR"), now=utcnow()).id
    delivery.start()
    try:
        queue(factory, pid)
        fake_slack.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U2", timeout=3)
    finally:
        delivery.stop()


def test_a_429_holds_every_message_to_that_channel(session_factory, settings, fake_slack, project_id):
    queue(session_factory, project_id, key="first")
    queue(session_factory, project_id, key="second")
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)
    worker(session_factory, settings).drain(timeout=10)
    attempts = posts(fake_slack)
    assert [c.status for c in attempts] == [429, 200, 200]
    assert all(c.at - attempts[0].at >= 1.0 for c in attempts[1:])


def test_pacing_holds_across_two_delivering_processes(session_factory, settings, fake_slack, project_id):
    for n in range(4):
        queue(session_factory, project_id, key=f"k{n}")
    spaced = timedelta(milliseconds=400)
    workers = [worker(session_factory, settings, channel_spacing=spaced) for _ in range(2)]
    threads = [threading.Thread(target=w.drain, kwargs={"timeout": 10}) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times = [c.at for c in posts(fake_slack) if c.ok]
    assert len(times) == 4
    assert all(later - earlier >= 0.4 for earlier, later in itertools.pairwise(times))


def test_home_refreshes_for_one_person_are_coalesced_into_one_publish(
    session_factory, settings, fake_slack, project_id
):
    # several redraws of one Home pending at once (queued before a redraw of it was claimed, say)
    home = notices.HomeRefresh()
    with session_factory.begin() as session:
        outbox.enqueue_rows(session, [notices.row(TEAM, "U1", home, f"home:U1:change-{n}") for n in range(5)])
        outbox.enqueue_rows(session, [notices.row(TEAM, "U2", home, "home:U2:change-0")])
    stats = worker(session_factory, settings).drain(timeout=10)
    published = [c.params["user_id"] for c in fake_slack.calls if c.method == "views.publish" and c.ok]
    assert sorted(published) == ["U1", "U2"]
    assert stats.coalesced == 4
    assert all(r.status is OutboxStatus.SENT for r in rows(session_factory))
