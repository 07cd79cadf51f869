"""Nothing lost and nothing shown twice, whatever Slack does: a post Slack accepted whose answer was lost or
came after the client stopped waiting, a thread reply likewise, a process killed in the middle of delivering a
digest to 200 people, a five-minute outage, a 429 asking for a day; and what cannot be delivered is given up
at once, where doctor and /healthz show it."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import date, timedelta

import pytest
from slack_bolt import App
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, select

from bot import doctor
from bot.compose import client as client_for
from bot.compose import organisation
from bot.web import make_wsgi_app
from kit.client import OUTBOX_TIMEOUT_SECONDS
from models import OutboxChannel, OutboxMessage, OutboxStatus
from models.base import utcnow
from scheduler import delivery as delivery_module
from scheduler import notifications
from scheduler.delivery import LOOKUP_SETTLE, METADATA_EVENT, RETRY_AFTER_CAP, OutboxDelivery
from services import discussions, notices, outbox, projects, users
from services.outbox import CLAIM_LEASE, DEAD_AFTER, PACE_CAP

TEAM = "T1"
PEOPLE = 200


class Killed(BaseException):
    """The process dies: nothing after it runs, not even an except Exception."""


@pytest.fixture
def project_id(session_factory):
    with session_factory.begin() as session:
        created = projects.create(
            session,
            TEAM,
            "U1",
            projects.ProjectDraft(name="일자리 창출", key="JOBS", channel_id="C0JOBS"),
            now=utcnow(),
        ).id
        session.execute(delete(OutboxMessage))
    return created


def queue(session_factory, project_id, recipients, kind="project.member_added", batch="fault"):
    with session_factory.begin() as session:
        for n, recipient in enumerate(recipients):
            outbox.enqueue(
                session,
                team_id=TEAM,
                kind=kind,
                recipient=recipient,
                dedupe_key=f"{batch}:{n}:{recipient}",
                payload={"project_id": project_id, "by": "U1"},
            )


def worker(session_factory, settings, client=None, **kwargs):
    kwargs.setdefault("retry_base_seconds", 0.01)
    kwargs.setdefault("settle", timedelta(0))  # the fake's reads do not lag its writes unless a test says so
    return OutboxDelivery(
        session_factory,
        client or client_for(settings, retries=False),
        organisation(settings),
        channel_spacing=timedelta(0),
        **kwargs,
    )


def impatient_client(settings, seconds=1):
    """The outbox's client, waiting `seconds` rather than OUTBOX_TIMEOUT_SECONDS: a test need not wait 30 s."""
    client = client_for(settings, retries=False)
    client.timeout = seconds
    return client


def visible(fake, channel):
    return [m for m in fake.messages(channel)]


def statuses(session_factory):
    with session_factory() as session:
        return Counter(session.scalars(select(OutboxMessage.status)))


@pytest.mark.parametrize("recipient, channel", [("U2", "D2"), ("C0JOBS", "C0JOBS")], ids=["dm", "channel"])
def test_a_post_slack_took_whose_answer_was_lost_is_not_posted_again(
    session_factory, settings, fake_slack, project_id, recipient, channel
):
    queue(session_factory, project_id, [recipient])
    fake_slack.reset_connection("chat.postMessage", after_processing=True)
    worker(session_factory, settings).drain(timeout=10)
    assert len(visible(fake_slack, channel)) == 1  # Slack has it once ...
    assert len([c for c in fake_slack.calls if c.method == "chat.postMessage"]) == 1  # ... posted once
    with session_factory() as session:
        row = session.scalar(select(OutboxMessage))
    assert row.status is OutboxStatus.SENT and row.sent_ts == visible(fake_slack, channel)[0]["ts"]


def test_a_post_that_never_reached_slack_is_posted_on_retry(session_factory, settings, fake_slack, project_id):
    queue(session_factory, project_id, ["U2"])
    fake_slack.reset_connection("chat.postMessage")  # dropped before Slack did anything
    worker(session_factory, settings).drain(timeout=10)
    assert len(visible(fake_slack, "D2")) == 1
    assert statuses(session_factory) == Counter({OutboxStatus.SENT: 1})


def test_killed_in_the_middle_of_a_digest_to_200_people_each_gets_it_once(
    session_factory, settings, fake_slack, project_id
):
    recipients = [f"U{n:04d}" for n in range(PEOPLE)]
    queue(session_factory, project_id, recipients)
    client = client_for(settings, retries=False)
    real_call = client.api_call
    posted = Counter()

    def dying_call(method, *args, **kwargs):
        response = real_call(method, *args, **kwargs)
        if method == "chat.postMessage":
            posted["n"] += 1
            if posted["n"] == PEOPLE // 3:
                raise Killed  # after Slack took the message, before the outbox recorded it
        return response

    client.api_call = dying_call
    with pytest.raises(Killed):
        worker(session_factory, settings, client=client).drain(timeout=60)
    assert 0 < statuses(session_factory)[OutboxStatus.SENT] < PEOPLE
    # the restarted process: the dead one's claim lapses after its lease
    later = utcnow() + outbox.CLAIM_LEASE + timedelta(seconds=1)
    restarted = worker(session_factory, settings, clock=lambda: later)
    restarted.drain(timeout=120)
    per_person = Counter(m["channel"] for m in fake_slack.messages() if m["channel"].startswith("D"))
    assert len(per_person) == PEOPLE and set(per_person.values()) == {1}
    assert statuses(session_factory) == Counter({OutboxStatus.SENT: PEOPLE})


def inject(fake, method: str, fault: str) -> None:
    if fault == "429":
        fake.fail(method, status=429, retry_after=1)
    elif fault == "500":
        fake.fail(method, status=500)
    elif fault == "reset":
        fake.reset_connection(method)
    else:
        fake.delay(method, 5, times=1)  # longer than the test client's 1 s timeout, and than the retry after it


FAULTS = ["429", "500", "reset", "timeout"]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_card_redraw_survives_slack_faults(session_factory, settings, fake_slack, project_id, fault):
    """A vote redraws the discussion card with chat.update; whatever Slack did first, the card ends up
    showing the vote, once."""
    from datetime import date

    from services import discussions, polls

    with session_factory.begin() as session:
        info = discussions.open_(
            session,
            TEAM,
            "U1",
            "JOBS",
            topic="어디부터?",
            poll_options=["북부", "남부"],
            is_admin=False,
            today=date(2026, 11, 27),
            now=utcnow(),
        )
    worker(session_factory, settings).drain(timeout=10)
    (card,) = visible(fake_slack, "C0JOBS")
    with session_factory.begin() as session:
        polls.vote(session, TEAM, "U1", info.options[0].id, today=date(2026, 11, 27), now=utcnow())
    inject(fake_slack, "chat.update", fault)
    worker(session_factory, settings, client=impatient_client(settings)).drain(timeout=40)
    (after,) = visible(fake_slack, "C0JOBS")
    assert after["ts"] == card["ts"] and "1 (100%)" in str(after["blocks"])
    assert statuses(session_factory)[OutboxStatus.PENDING] == 0


@pytest.mark.parametrize("fault", FAULTS)
def test_an_app_home_publish_survives_slack_faults(session_factory, settings, fake_slack, project_id, fault):
    with session_factory.begin() as session:
        users.home_opened(session, TEAM, "U2")  # only a Home someone may be looking at is redrawn
        notices.refresh_homes(session, TEAM, ["U2"], "fault")
    inject(fake_slack, "views.publish", fault)
    worker(session_factory, settings, client=impatient_client(settings)).drain(timeout=40)
    published = [c for c in fake_slack.calls if c.method == "views.publish" and c.ok]
    assert [c.params["user_id"] for c in published] == ["U2"]
    assert statuses(session_factory) == Counter({OutboxStatus.SENT: 1})


# --- the faults of issue 16: outages, late answers, thread replies, permanent errors, 429s, killed senders ------


class MovedClock:
    """The delivery's clock, moved by the test: minutes and days of retries pass in an instant."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


def run_until(delivery, clock, session_factory, until=None, passes=2000):
    """Delivery passes, the clock moved each time to when the next row is due; up to `until` (the clock is
    left there), or until nothing is pending."""
    for _ in range(passes):
        delivery.deliver_pass()
        with session_factory() as session:
            due = outbox.next_due_at(session)
        if due is None:
            return
        if until is not None and due > until:
            clock.now = until
            return
        clock.now = max(clock.now, due)
    raise AssertionError(f"still delivering after {passes} passes")


def rows(session_factory):
    with session_factory() as session:
        return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def tag_of(message):
    return ((message.get("metadata") or {}).get("event_payload") or {}).get("outbox")


def successful(fake, method):
    return [c for c in fake.calls if c.method == method and c.ok]


def test_the_outbox_waits_for_slack_longer_than_slack_itself_may_take(settings):
    assert client_for(settings, retries=False).timeout == OUTBOX_TIMEOUT_SECONDS >= 30


def test_a_five_minute_outage_gives_up_nothing_loses_nothing_and_doubles_nothing(
    session_factory, settings, fake_slack, project_id
):
    # Slack takes the first three posts as it goes down, but their answers are lost
    queue(session_factory, project_id, ["U1", "U2", "C0JOBS"], batch="before")
    clock = MovedClock(utcnow())
    start = clock.now
    delivery = worker(session_factory, settings, clock=clock, retry_base_seconds=2.0, settle=LOOKUP_SETTLE)
    fake_slack.reset_connection("chat.postMessage", times=3, after_processing=True)
    delivery.deliver_pass()
    assert len(fake_slack.messages()) == 3 and statuses(session_factory) == Counter({OutboxStatus.PENDING: 3})
    # down for five minutes: 503s, then no answer at all; more is queued meanwhile
    fake_slack.outage(status=503)
    queue(session_factory, project_id, ["U3", "UADMIN", "C0JOBS"], batch="during")
    run_until(delivery, clock, session_factory, until=start + timedelta(minutes=2, seconds=30))
    fake_slack.outage(status=0)
    run_until(delivery, clock, session_factory, until=start + timedelta(minutes=5))
    assert statuses(session_factory) == Counter({OutboxStatus.PENDING: 6})
    # the old rule gave a row up after 8 attempts (4.3 minutes at this backoff)
    assert max(r.attempts for r in rows(session_factory)) >= 8
    fake_slack.end_outage()
    run_until(delivery, clock, session_factory)

    assert statuses(session_factory) == Counter({OutboxStatus.SENT: 6})
    in_slack = Counter(tag_of(m) for m in fake_slack.messages())
    assert sorted(in_slack) == sorted(f"{TEAM}:{r.id}" for r in rows(session_factory))
    assert set(in_slack.values()) == {1}  # each once
    by_tag = {tag_of(m): m["ts"] for m in fake_slack.messages()}
    assert all(r.sent_ts == by_tag[f"{TEAM}:{r.id}"] for r in rows(session_factory))
    assert clock.now - start <= timedelta(minutes=5) + 2 * LOOKUP_SETTLE + timedelta(minutes=10)


@pytest.mark.parametrize("fault", ["late answer", "reset after posting"])
def test_a_post_whose_answer_came_too_late_or_never_is_posted_once(
    session_factory, settings, fake_slack, project_id, fault
):
    queue(session_factory, project_id, ["U2"])
    if fault == "late answer":  # Slack posts at once and answers after 2 s; the client waits 1 s
        fake_slack.delay("chat.postMessage", 2, times=1, after_processing=True)
    else:
        fake_slack.reset_connection("chat.postMessage", after_processing=True)
    worker(session_factory, settings, client=impatient_client(settings)).drain(timeout=15)
    (message,) = visible(fake_slack, "D2")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert fake_slack.calls_to("conversations.history", channel="D2")  # the retry looked before posting
    (row,) = rows(session_factory)
    assert (row.status, row.sent_ts, row.uncertain, row.attempts) == (OutboxStatus.SENT, message["ts"], True, 2)


def test_after_an_unknown_outcome_the_lookup_waits_until_slacks_reads_can_see_the_post(
    session_factory, settings, fake_slack, project_id
):
    queue(session_factory, project_id, ["U2"])
    fake_slack.read_lag(1.5)  # history shows a message 1.5 s after it was posted
    fake_slack.delay("chat.postMessage", 2, times=1, after_processing=True)
    settle = timedelta(seconds=2)
    worker(session_factory, settings, client=impatient_client(settings), settle=settle).drain(timeout=20)
    assert len(visible(fake_slack, "D2")) == 1 and len(fake_slack.calls_to("chat.postMessage")) == 1
    looked = fake_slack.calls_to("conversations.history")
    posted = fake_slack.calls_to("chat.postMessage")[0]
    assert looked[0].at - posted.at >= 1.5  # no sooner than the post could be seen


def test_a_thread_reply_whose_answer_was_lost_is_found_in_its_thread_and_posted_once(
    session_factory, settings, fake_slack, project_id, monkeypatch
):
    with session_factory.begin() as session:
        info = discussions.open_(
            session, TEAM, "U1", "JOBS", topic="어디부터?", is_admin=False, today=date(2026, 11, 27), now=utcnow()
        )
    worker(session_factory, settings).drain(timeout=10)
    (card,) = visible(fake_slack, "C0JOBS")
    people = client_for(settings, retries=False)
    for n in range(5):  # a busy thread, searched a page of two at a time
        people.chat_postMessage(channel="C0JOBS", thread_ts=card["ts"], text=f"의견 {n}")
    monkeypatch.setattr(delivery_module, "HISTORY_LOOKBACK", 2)
    with session_factory.begin() as session:
        discussions.close(session, TEAM, "U1", info.id, "북부부터 합니다", is_admin=False, now=utcnow())
    fake_slack.reset_connection("chat.postMessage", after_processing=True)
    worker(session_factory, settings).drain(timeout=10)

    in_thread = [m for m in fake_slack.messages("C0JOBS") if m.get("thread_ts") == card["ts"]]
    assert len([m for m in in_thread if tag_of(m)]) == 1  # the summary, once
    assert (
        len([c for c in fake_slack.calls_to("chat.postMessage", thread_ts=card["ts"]) if "metadata" in c.params]) == 1
    )
    looked = successful(fake_slack, "conversations.replies")
    assert len(looked) == 4  # the card and 5 replies on three pages, the summary on the fourth
    assert all(c.params["channel"] == "C0JOBS" and c.params["ts"] == card["ts"] for c in looked)
    summary = next(r for r in rows(session_factory) if r.dedupe_key.endswith(":summary"))
    assert (summary.status, summary.sent_ts) == (OutboxStatus.SENT, in_thread[-1]["ts"])
    assert statuses(session_factory)[OutboxStatus.PENDING] == 0


def test_a_permanent_error_gives_the_row_up_at_once_where_doctor_and_healthz_show_it(
    session_factory, engine, settings, fake_slack, project_id
):
    queue(session_factory, project_id, ["C0GONE"])
    fake_slack.error("chat.postMessage", error="channel_not_found")
    stats = worker(session_factory, settings).drain(timeout=5)
    (row,) = rows(session_factory)
    assert stats.dead == 1 and (row.status, row.attempts, row.last_error) == (OutboxStatus.DEAD, 1, "channel_not_found")
    assert row.dead_at is not None

    check = doctor.outbox_check(engine, utcnow())
    assert check.ok and check.notice and "1 given up in all, 1 in the last day" in check.detail
    assert "project.member_added to C0GONE: channel_not_found (1 attempt)" in check.lines[0]

    app = App(token="xoxb-test", signing_secret="secret", token_verification_enabled=False)
    wsgi = make_wsgi_app(app, engine, settings)
    answered = []
    body = b"".join(wsgi({"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, lambda s, h: answered.append(s)))
    health = json.loads(body)
    assert answered == ["200 OK"] and health["status"] == "ok" and health["database"] is True
    assert health["outbox"] == {"pending": 0, "oldest_pending_seconds": None, "dead": 1, "dead_last_day": 1}


def test_a_429_asking_for_a_day_is_waited_out_only_up_to_the_cap_and_the_attempt_counts(
    session_factory, settings, fake_slack, project_id
):
    queue(session_factory, project_id, ["U2"])
    fake_slack.fail("chat.postMessage", status=429, retry_after=86_400)
    clock = MovedClock(utcnow())
    start = clock.now
    delivery = worker(session_factory, settings, clock=clock)
    delivery.deliver_pass()
    (row,) = rows(session_factory)
    assert (row.status, row.attempts, row.rate_limited, row.uncertain) == (OutboxStatus.PENDING, 1, 1, False)
    assert row.next_attempt_at == start + timedelta(seconds=RETRY_AFTER_CAP)
    with session_factory() as session:  # the channel is held too, within the cap
        held = session.scalar(select(OutboxChannel.not_before).where(OutboxChannel.channel == "U2"))
    assert held <= utcnow() + PACE_CAP

    clock.now = start + timedelta(seconds=RETRY_AFTER_CAP - 1)
    delivery.deliver_pass()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    clock.now = start + timedelta(seconds=RETRY_AFTER_CAP)
    delivery.deliver_pass()
    (row,) = rows(session_factory)
    assert (row.status, row.attempts, row.rate_limited) == (OutboxStatus.SENT, 2, 1)
    assert not fake_slack.calls_to("conversations.history")  # a 429 is a sure "not posted": nothing to look for


def test_rate_limits_alone_give_a_row_up_only_after_a_day(session_factory, settings, fake_slack, project_id):
    queue(session_factory, project_id, ["U2"])
    fake_slack.outage(status=429, methods=["chat.postMessage"], retry_after=3600)
    clock = MovedClock(utcnow())
    run_until(worker(session_factory, settings, clock=clock), clock, session_factory)
    (row,) = rows(session_factory)
    assert row.status is OutboxStatus.DEAD and row.last_error == "ratelimited"
    assert DEAD_AFTER <= row.dead_at - row.first_attempt_at <= DEAD_AFTER + timedelta(seconds=RETRY_AFTER_CAP)
    assert row.rate_limited == row.attempts == DEAD_AFTER // timedelta(seconds=RETRY_AFTER_CAP) + 1


@pytest.mark.parametrize("retries", [True, False], ids=["listeners' client", "outbox's client"])
def test_no_client_sleeps_on_a_huge_retry_after(settings, fake_slack, retries):
    fake_slack.fail("chat.postMessage", status=429, retry_after=86_400)
    started = time.monotonic()
    with pytest.raises(SlackApiError) as raised:
        client_for(settings, retries=retries).chat_postMessage(channel="C0JOBS", text="x")
    assert raised.value.response.status_code == 429 and time.monotonic() - started < 5


def test_a_sender_killed_after_slack_took_the_post_is_found_by_the_lookup_not_posted_again(
    session_factory, settings, fake_slack, project_id
):
    queue(session_factory, project_id, ["U2"])
    client = client_for(settings, retries=False)
    real_call = client.api_call

    def dying_call(method, *args, **kwargs):
        response = real_call(method, *args, **kwargs)
        if method == "chat.postMessage":
            raise Killed  # Slack has it; the outbox never hears
        return response

    client.api_call = dying_call
    start = utcnow()
    with pytest.raises(Killed):
        worker(session_factory, settings, client=client, clock=lambda: start).deliver_pass()
    (message,) = visible(fake_slack, "D2")
    (row,) = rows(session_factory)
    assert message["metadata"] == {"event_type": METADATA_EVENT, "event_payload": {"outbox": f"{TEAM}:{row.id}"}}
    # while its lease runs, the row is the dead sender's; then the restarted process takes it
    assert worker(session_factory, settings, clock=lambda: start + CLAIM_LEASE / 2).drain(timeout=1).sent == 0
    later = start + CLAIM_LEASE + timedelta(seconds=1)
    worker(session_factory, settings, clock=lambda: later).drain(timeout=10)

    assert visible(fake_slack, "D2") == [message]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert fake_slack.calls_to("conversations.history", channel="D2")
    (row,) = rows(session_factory)
    assert (row.status, row.sent_ts, row.uncertain, row.attempts) == (OutboxStatus.SENT, message["ts"], True, 2)


def test_a_worker_whose_claim_lapsed_mid_render_leaves_the_row_to_the_worker_that_took_it(
    session_factory, settings, fake_slack, project_id, monkeypatch
):
    queue(session_factory, project_id, ["U2"])
    start = utcnow()
    stalled = MovedClock(start)
    other = worker(session_factory, settings, clock=lambda: start + CLAIM_LEASE + timedelta(seconds=1))
    real_render = notifications.render

    def slow_render(*args, **kwargs):
        monkeypatch.setattr(notifications, "render", real_render)
        stalled.now = start + CLAIM_LEASE + timedelta(seconds=1)  # this worker stalls past its lease ...
        assert other.deliver_pass().sent == 1  # ... and another takes the row and delivers it
        return real_render(*args, **kwargs)

    monkeypatch.setattr(notifications, "render", slow_render)
    worker(session_factory, settings, clock=stalled).deliver_pass()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1 and len(visible(fake_slack, "D2")) == 1
    assert statuses(session_factory) == Counter({OutboxStatus.SENT: 1})
