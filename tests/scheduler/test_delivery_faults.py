"""Nothing lost and nothing shown twice: a post Slack accepted whose answer was lost, and a process
killed in the middle of delivering a digest to 200 people, are each delivered exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from bot.compose import client as client_for
from bot.compose import organisation
from models import OutboxMessage, OutboxStatus
from models.base import utcnow
from scheduler.delivery import OutboxDelivery
from services import notices, outbox, projects

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


def queue(session_factory, project_id, recipients, kind="project.member_added"):
    with session_factory.begin() as session:
        for n, recipient in enumerate(recipients):
            outbox.enqueue(
                session,
                team_id=TEAM,
                kind=kind,
                recipient=recipient,
                dedupe_key=f"fault:{n}:{recipient}",
                payload={"project_id": project_id, "by": "U1"},
            )


def worker(session_factory, settings, client=None, **kwargs):
    return OutboxDelivery(
        session_factory,
        client or client_for(settings, retries=False),
        organisation(settings),
        retry_base_seconds=0.01,
        channel_spacing=timedelta(0),
        **kwargs,
    )


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
        fake.delay(method, 11, times=1)  # longer than the client's 10 s timeout


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
    worker(session_factory, settings).drain(timeout=40)
    (after,) = visible(fake_slack, "C0JOBS")
    assert after["ts"] == card["ts"] and "1 (100%)" in str(after["blocks"])
    assert statuses(session_factory)[OutboxStatus.PENDING] == 0


@pytest.mark.parametrize("fault", FAULTS)
def test_an_app_home_publish_survives_slack_faults(session_factory, settings, fake_slack, project_id, fault):
    with session_factory.begin() as session:
        notices.refresh_homes(session, TEAM, ["U2"], "fault")
    inject(fake_slack, "views.publish", fault)
    worker(session_factory, settings).drain(timeout=40)
    published = [c for c in fake_slack.calls if c.method == "views.publish" and c.ok]
    assert [c.params["user_id"] for c in published] == ["U2"]
    assert statuses(session_factory) == Counter({OutboxStatus.SENT: 1})
