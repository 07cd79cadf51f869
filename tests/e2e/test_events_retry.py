"""Events API redeliveries: a retry of an event already processed changes nothing (it is not even carried out
again), and an event whose first attempt failed before its commit is processed once, by the retry."""

from __future__ import annotations

from sqlalchemy import func, select

from models import DiscussionReply
from services import discussions
from tests.e2e.test_discussions import CHANNEL, card, counted, reply_event, setup


def test_a_retry_after_a_failed_first_attempt_counts_the_reply_once(bot, monkeypatch):
    setup(bot)
    bot.command("/discuss", "ATOPY 회의 일정", channel_id=CHANNEL)
    thread = card(bot).response["ts"]
    real = discussions.record_reply
    calls = []

    def fails_first(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away mid-write")
        return real(*args, **kwargs)

    monkeypatch.setattr(discussions, "record_reply", fails_first)
    reply_event(bot, "U2", "1700000001.000100", thread, event_id="EvX")
    assert counted(bot, DiscussionReply) == 0  # the first attempt rolled back
    reply_event(bot, "U2", "1700000001.000100", thread, event_id="EvX", retry_num=1)
    reply_event(bot, "U2", "1700000001.000100", thread, event_id="EvX", retry_num=2)
    assert counted(bot, DiscussionReply) == 1
    assert len(calls) == 2  # the second retry found the event carried out


def test_a_home_opened_event_retried_publishes_the_same_home(bot):
    event = {"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"}
    for retry in (None, 1, 2):
        assert bot.slack.event(event, event_id="EvHome", retry_num=retry).status == 200
    bot.settle()
    published = [c for c in bot.fake.calls if c.method == "views.publish" and c.ok]
    assert published and all(c.params["view"] == published[0].params["view"] for c in published)
    with bot.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(DiscussionReply)) == 0


def test_a_form_slack_fails_to_open_gets_an_apology(bot):
    bot.fake.fail("views.open", status=500)
    reply = bot.slack.command("/project", "")
    assert reply.status == 200
    assert "죄송합니다" in bot.answer(reply)["text"]
