"""Delivery under a burst: the most urgent kinds first, reports for one channel together on one board (each
still editable on its own), a board whose answer was lost not posted twice, workers that never share a row."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import OutboxMessage, OutboxStatus
from models.base import utcnow
from services import notices, outbox, progress, projects, users
from services.calendar import WorkCalendar
from services.progress import Entry
from services.unit_of_work import write_transaction
from tests.scheduler.test_delivery import project_id, queue, worker  # noqa: F401 (a fixture)

KR = WorkCalendar("KR")

TEAM = "T1"
CHANNEL = "C9"


@pytest.fixture
def reports(session_factory):
    """Five members' reports on one project with a channel, queued as five cards."""
    members = ("U2", "U3", "U4", "U5", "U6")
    now = utcnow()
    with session_factory.begin() as session:
        projects.create(
            session,
            TEAM,
            "U1",
            projects.ProjectDraft(name="일자리 창출", key="JOBS", member_ids=members, channel_id=CHANNEL),
            now=now - timedelta(days=30),
        )
        session.execute(OutboxMessage.__table__.delete())
    ids = []
    for n, member in enumerate(members):
        with session_factory.begin() as session:
            entry = Entry(percent=10 * (n + 1), done=f"주간 보고 {n}")
            ids.append(progress.post(session, TEAM, member, "JOBS", entry, now=now, calendar=KR).id)
    return ids


def channel_calls(fake, method):
    return [c for c in fake.calls if c.method == method and c.params.get("channel") == CHANNEL and c.ok]


def test_reports_queued_for_one_channel_go_out_together_as_one_board(session_factory, settings, fake_slack, reports):
    worker(session_factory, settings).drain(timeout=10)
    [post] = channel_calls(fake_slack, "chat.postMessage")
    text = json.dumps(post.params["blocks"], ensure_ascii=False)
    assert all(f"주간 보고 {n}" in text for n in range(5))
    edits = [b["accessory"]["value"] for b in post.params["blocks"] if b.get("accessory")]
    assert edits == [str(i) for i in reports]  # an Edit button each, in the order they came
    with session_factory() as session:
        cards = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "progress.card")).all()
    assert {(c.status, c.sent_ts) for c in cards} == {(OutboxStatus.SENT, post.response["ts"])}


def test_editing_one_report_on_a_board_redraws_the_board_with_every_report(
    session_factory, settings, fake_slack, reports
):
    delivery = worker(session_factory, settings)
    delivery.drain(timeout=10)
    with session_factory.begin() as session:
        progress.edit(session, TEAM, "U4", reports[2], Entry(percent=35, done="고친 보고"), now=utcnow(), calendar=KR)
    delivery.drain(timeout=10)
    [post] = channel_calls(fake_slack, "chat.postMessage")
    [redraw] = channel_calls(fake_slack, "chat.update")
    assert redraw.params["ts"] == post.response["ts"]
    text = json.dumps(redraw.params["blocks"], ensure_ascii=False)
    assert "고친 보고" in text and "수정됨" in text and "주간 보고 0" in text and "주간 보고 4" in text
    assert "주간 보고 2" not in text


def test_a_board_whose_answer_was_lost_is_found_and_not_posted_again(session_factory, settings, fake_slack, reports):
    fake_slack.reset_connection("chat.postMessage", after_processing=True)
    worker(session_factory, settings).drain(timeout=10)
    assert len(fake_slack.messages(CHANNEL)) == 1  # Slack took it once; the retry found it by its rows' tags
    with session_factory() as session:
        statuses = session.scalars(select(OutboxMessage.status).where(OutboxMessage.kind == "progress.card")).all()
    assert statuses == [OutboxStatus.SENT] * 5


def test_cards_people_must_act_on_go_before_digests_and_home_redraws(session_factory, settings, fake_slack):
    with session_factory.begin() as session:
        for n in range(6):
            users.home_opened(session, TEAM, f"U{n + 10}")
            notices.send(session, TEAM, f"U{n + 10}", notices.HomeRefresh(), f"home:U{n + 10}:x")
        notices.send(session, TEAM, "U1", notices.ApprovalStatus(request_id=1), "approval:1:status")
    with session_factory.begin() as session:
        [first] = outbox.claim_due(session, utcnow(), 1, notices.urgencies())
    assert first.kind == "approval.status"


def test_workers_claiming_at_the_same_time_never_take_the_same_row(session_factory, engine):
    with session_factory.begin() as session:
        for n in range(40):
            notices.send(session, TEAM, f"U{n}", notices.LedgerAdjusted(adjustment_id=n + 1), f"k{n}")
    taken: list[list[int]] = []
    barrier = threading.Barrier(4)

    def claim():
        barrier.wait()
        with write_transaction(session_factory) as session:
            taken.append([p.id for p in outbox.claim_due(session, utcnow(), 10, notices.urgencies())])

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for ids in taken for i in ids]
    assert len(every) == len(set(every)) == 40


def test_when_slack_answers_again_what_waited_out_a_backoff_goes_at_once(
    session_factory,
    settings,
    fake_slack,
    project_id,  # noqa: F811 (the fixture)
):
    def dm(n: int) -> None:
        queue(session_factory, project_id, recipient=f"U{n + 10}", key=f"dm{n}")

    delivery = worker(session_factory, settings, retry_base_seconds=600)  # a backoff of ten minutes
    for n in range(3):
        dm(n)
    fake_slack.outage(status=503)
    assert delivery.deliver_pass().retried == 3
    fake_slack.end_outage()
    dm(3)
    assert delivery.deliver_pass().sent == 1  # the first answer after the outage...
    assert delivery.drain(timeout=5).sent == 3  # ...brings the others forward, minutes early


def test_a_board_slack_refuses_for_good_sends_each_report_alone_and_gives_none_up(
    session_factory, settings, fake_slack, reports
):
    fake_slack.error("chat.postMessage", "invalid_blocks", times=1)
    worker(session_factory, settings).drain(timeout=10)
    posted = channel_calls(fake_slack, "chat.postMessage")
    assert len(posted) == 5  # the board was refused once; each report then went on its own card
    with session_factory() as session:
        statuses = session.scalars(select(OutboxMessage.status).where(OutboxMessage.kind == "progress.card")).all()
    assert statuses == [OutboxStatus.SENT] * 5


def test_a_call_that_breaks_in_an_unexpected_way_is_an_unknown_outcome_for_that_row_only():
    from http.client import IncompleteRead

    from scheduler.delivery import Failure

    failure = Failure.of(IncompleteRead(b""))
    assert failure.uncertain and not failure.permanent and failure.error == "unexpected: IncompleteRead"
