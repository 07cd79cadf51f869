"""Discussions end to end: the card and its thread, replies arriving as (retried) events, a poll with
a changed vote and a double click, an anonymous poll, and closing with a conclusion."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.fakeslack.payloads import SlackRequests as R
from kit.blocks.discussions import vote_action
from kit.ids import Action, Block, Callback
from models import Discussion, DiscussionReply, DiscussionStatus, PollVote
from tests.conftest import ADMIN, start_bot, stop_bot

CHANNEL = "C0ATOPY"


def setup(bot):
    bot.fake.add_user("U9", name="u9", team_id="T1")
    bot.command("/project", f"new 아토피 없는 경기도 key=ATOPY <#{CHANNEL}|atopy> <@U2|lee> <@U3|park>")


def card(bot, discussion_id=1):
    """The discussion's card as first posted in the channel."""
    return bot.fake.wait_for(
        "chat.postMessage",
        lambda c: (
            c.params["channel"] == CHANNEL
            and f'"{Action.DISCUSSION_CLOSE}"' in json.dumps(c.params["blocks"])
            and f'"{discussion_id}"' in json.dumps(c.params["blocks"])
        ),
    )[-1]


def latest_card(bot, first):
    """What the card shows now: the last chat.update of it, or the first post."""
    updates = bot.fake.calls_to("chat.update", ts=first.response["ts"])
    return json.dumps((updates[-1] if updates else first).params["blocks"], ensure_ascii=False)


def reply_event(bot, user, ts, thread_ts, *, event_id, retry_num=None):
    event = {"type": "message", "channel": CHANNEL, "user": user, "text": "의견", "ts": ts, "thread_ts": thread_ts}
    answer = bot.slack.event(event, event_id=event_id, retry_num=retry_num)
    assert answer.status == 200
    bot.settle()  # the listener runs after the ack
    return answer


def vote(bot, user, position, option_id, ts):
    reply = bot.slack.block_action(
        vote_action(position), value=str(option_id), user_id=user, channel_id=CHANNEL, message_ts=ts
    )
    assert reply.status == 200
    return bot.answer(reply)["text"]


def counted(bot, model):
    bot.settle()
    with bot.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def _texts(node):
    """Every text object in a payload."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def option_ids(first):
    buttons = [e for b in first.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return [int(e["value"]) for e in buttons if e["action_id"].startswith(Action.DISCUSSION_VOTE)]


def open_with_poll(bot, *, anonymous=False, user="U1"):
    reply = bot.slack.view_submission(
        Callback.DISCUSSION_NEW,
        {
            Block.DISCUSSION_PROJECT: {"value": R.static_select("ATOPY")},
            Block.DISCUSSION_TOPIC: {"value": R.plain("시범 학교 선정 순서 <!channel>")},
            Block.DISCUSSION_BACKGROUND: {"value": R.plain("예산 범위 안에서")},
            Block.DISCUSSION_OPTIONS: {"value": R.plain("북부 먼저\n남부 먼저\n동시에")},
            Block.DISCUSSION_ANONYMOUS: {"value": R.checkboxes(["anonymous"] if anonymous else [])},
            Block.DISCUSSION_CLOSES_ON: {"value": R.datepicker(None)},
        },
        user_id=user,
        private_metadata=json.dumps({"channel_id": CHANNEL}),
    )
    assert reply.status == 200 and not reply.body, reply.body
    return card(bot)


def test_a_discussion_from_card_to_conclusion(bot):
    setup(bot)
    answer = bot.command("/discuss", "ATOPY 시범 학교를 어디부터 할까요?", channel_id=CHANNEL)
    assert "토론 #1" in answer["text"]
    first = card(bot)
    assert "시범 학교를 어디부터" in first.params["text"]
    thread = first.response["ts"]
    reply_event(bot, "U2", "1700000001.000100", thread, event_id="EvA")
    reply_event(bot, "U2", "1700000001.000100", thread, event_id="EvA", retry_num=1)  # Slack's retry
    reply_event(bot, "U3", "1700000002.000100", thread, event_id="EvB")
    bot.slack.event({"type": "message", "channel": CHANNEL, "user": "U3", "text": "x", "ts": "1700000003.1"})
    bot.slack.event(  # a reply in some other thread
        {"type": "message", "channel": CHANNEL, "user": "U3", "ts": "1700000004.1", "thread_ts": "1600000000.1"}
    )
    assert counted(bot, DiscussionReply) == 2

    refused = bot.command("/discuss", "close 1 남이 결론", user="U9")
    assert "토론 #1을 연 사람" in refused["text"]
    closed = bot.command("/discuss", "close 1 북부부터 시범 운영", user="U1")
    assert "종료" in closed["text"]
    assert "이미 종료" in bot.command("/discuss", "close 1 다시", user="U1")["text"]
    summary = bot.fake.wait_for("chat.postMessage", lambda c: c.params.get("thread_ts") == thread)
    assert len(summary) == 1
    text = json.dumps(summary[0].params["blocks"], ensure_ascii=False)
    assert "참여자 3명" in text and "댓글: 2개" in text and "북부부터 시범 운영" in text
    bot.fake.wait_for(
        "chat.update", lambda c: c.params["ts"] == thread and "북부부터" in json.dumps(c.params, ensure_ascii=False)
    )
    reply_event(bot, "U9", "1700000009.000100", thread, event_id="EvLate")  # after closing: not counted
    assert counted(bot, DiscussionReply) == 2

    log = json.dumps(bot.command("/project", "show ATOPY")["blocks"], ensure_ascii=False)
    assert "결정 사항" in log and "북부부터 시범 운영" in log
    listing = json.dumps(bot.command("/discuss", "list ATOPY")["blocks"], ensure_ascii=False)
    assert "북부부터 시범 운영" in listing


def test_a_poll_with_a_changed_vote_and_a_double_click(bot):
    setup(bot)
    first = open_with_poll(bot)
    mrkdwn = [t for t in _texts(first.params["blocks"]) if t["type"] == "mrkdwn"]
    assert "&lt;!channel&gt;" in first.params["text"] and "<!channel>" not in first.params["text"]
    assert not any("<!channel>" in t["text"] for t in mrkdwn)  # plain_text headers never ping
    north, south, _both = option_ids(first)
    ts = first.response["ts"]
    assert "북부 먼저" in vote(bot, "U2", 1, north, ts) and "You voted" in vote(bot, "U3", 1, north, ts)
    assert "이미" in vote(bot, "U2", 1, north, ts)  # the double click
    assert "바꾸었습니다" in vote(bot, "U2", 2, south, ts)
    assert counted(bot, PollVote) == 2
    bot.runtime.delivery.drain(timeout=15)
    shown = latest_card(bot, first)
    assert "<@U2>" in shown and "<@U3>" in shown and "투표 2표" in shown
    bot.command("/discuss", "close 1 남부 먼저", user="U1")
    late = vote(bot, "U9", 3, _both, ts)
    assert "마감" in late
    assert counted(bot, PollVote) == 2


def test_an_anonymous_poll_shows_counts_only(bot):
    setup(bot)
    first = open_with_poll(bot, anonymous=True)
    north, *_ = option_ids(first)
    vote(bot, "U2", 1, north, first.response["ts"])
    bot.runtime.delivery.drain(timeout=15)
    shown = latest_card(bot, first)
    assert "무기명" in shown and "1 (100%)" in shown and "<@U2>" not in shown


def test_a_poll_added_from_the_card_by_the_opener_only(bot):
    setup(bot)
    bot.command("/discuss", "ATOPY 회의 일정", user="U2")
    first = card(bot)
    refused = bot.slack.block_action(Action.DISCUSSION_POLL, value="1", user_id="U3", channel_id=CHANNEL)
    assert "Only whoever opened discussion #1" in bot.answer(refused)["text"]
    opened = bot.slack.block_action(Action.DISCUSSION_POLL, value="1", user_id="U2", channel_id=CHANNEL)
    assert opened.status == 200
    assert bot.modal_opened().params["view"]["callback_id"] == Callback.DISCUSSION_POLL
    too_few = bot.slack.view_submission(
        Callback.DISCUSSION_POLL,
        {Block.DISCUSSION_OPTIONS: {"value": R.plain("하나뿐")}},
        user_id="U2",
        private_metadata=json.dumps({"discussion_id": 1, "channel_id": CHANNEL}),
    )
    assert too_few.json["response_action"] == "errors" and Block.DISCUSSION_OPTIONS in too_few.json["errors"]
    added = bot.slack.view_submission(
        Callback.DISCUSSION_POLL,
        {Block.DISCUSSION_OPTIONS: {"value": R.plain("화요일\n목요일")}},
        user_id="U2",
        private_metadata=json.dumps({"discussion_id": 1, "channel_id": CHANNEL}),
    )
    assert added.status == 200 and not added.body
    bot.runtime.delivery.drain(timeout=15)
    assert "화요일" in latest_card(bot, first)


def test_refusals_change_nothing(bot):
    setup(bot)
    assert "참여자" in bot.command("/discuss", "ATOPY 외부인 토론", user="U9")["text"]
    assert "찾을 수 없" in bot.command("/discuss", "NOPE 주제")["text"]
    assert "번호" in bot.command("/discuss", "close abc 결론")["text"]
    assert "/discuss list ATOPY" in bot.command("/discuss", "list")["text"]
    bot.settle()
    bot.runtime.delivery.drain(timeout=15)
    cards = [c for c in bot.fake.calls_to("chat.postMessage", channel=CHANNEL) if "discussion" in json.dumps(c.params)]
    assert cards == []
    bot.command("/discuss", "ATOPY 관리자 토론", user=ADMIN)  # an admin need not be a member
    assert "관리자 토론" in card(bot).params["text"]


@pytest.fixture
def english_bot(fake_slack, english_settings, engine) -> Iterator:
    harness, server = start_bot(fake_slack, english_settings, engine)
    yield harness
    stop_bot(harness, server)


def test_in_english(english_bot):
    bot = english_bot
    setup(bot)
    answer = bot.command("/discuss", "ATOPY which schools first?", user="U3")
    assert "Discussion #1 is open" in answer["text"]
    first = card(bot)
    assert "Reply in this thread" in json.dumps(first.params["blocks"])
    reply_event(bot, "U2", "1700000001.000100", first.response["ts"], event_id="EvE")
    closed = bot.command("/discuss", "close 1 north first", user="U3")
    assert "is closed" in closed["text"]
    summary = bot.fake.wait_for("chat.postMessage", lambda c: c.params.get("thread_ts") == first.response["ts"])[0]
    assert "Replies: 1" in json.dumps(summary.params["blocks"])
    assert "Decision log" in json.dumps(bot.command("/discuss", "list ATOPY", user="U3")["blocks"])


def test_closing_without_a_conclusion_asks_for_it_and_a_blank_form_is_refused_under_the_field(bot):
    setup(bot)
    bot.command("/discuss", "ATOPY 시범 학교를 어디부터 할까요?", channel_id=CHANNEL)
    card(bot)
    reply = bot.slack.command("/discuss", "close 1", user_id="U1", trigger_id="trig-close")
    assert reply.status == 200
    form = bot.modal_opened().params["view"]
    assert form["callback_id"] == Callback.DISCUSSION_CLOSE
    blank = bot.slack.view_submission(
        Callback.DISCUSSION_CLOSE,
        {Block.DISCUSSION_CONCLUSION: {"value": R.plain("   ")}},
        private_metadata=form["private_metadata"],
        user_id="U1",
    )
    errors = json.loads(blank.body)["errors"]
    assert errors[Block.DISCUSSION_CONCLUSION].startswith("결론을 적어 주십시오. 예: `/discuss close 1 ")
    assert "처리하지 못했습니다" not in blank.body
    bot.settle()
    assert not [c for c in bot.fake.calls if c.method == "chat.postMessage" and "unexpected" in json.dumps(c.params)]
    refused = bot.command("/discuss", "close 1", user="U9")  # someone who may not close it gets no form
    assert "토론 #1을 연 사람" in refused["text"] and len(bot.fake.calls_to("views.open")) == 1


def test_show_and_list_link_to_the_card_with_one_question_to_slack(bot):
    setup(bot)
    bot.command("/discuss", "ATOPY 시범 학교를 어디부터 할까요?", channel_id=CHANNEL)
    first_card = card(bot)
    bot.command("/discuss", "ATOPY 예산 배분", channel_id=CHANNEL)
    second_card = card(bot, 2)
    bot.runtime.delivery.drain(timeout=15)
    bot.command("/discuss", "close 2 반반으로", user="U1")
    link = f"https://{bot.fake.team_name.lower()}.slack.com/archives/{CHANNEL}/p"

    shown = json.dumps(bot.command("/discuss", "보기 1", user="U2")["blocks"], ensure_ascii=False)
    assert f"<{link}{first_card.response['ts'].replace('.', '')}|카드 보기>" in shown
    assert "시범 학교를 어디부터" in shown
    asked = len(bot.fake.calls_to("chat.getPermalink"))
    listing = json.dumps(bot.command("/discuss", "목록 ATOPY", user="U2")["blocks"], ensure_ascii=False)
    assert f"<{link}{first_card.response['ts'].replace('.', '')}|카드 보기>" in listing
    assert f"<{link}{second_card.response['ts'].replace('.', '')}|카드 보기>" in listing  # the decision log too
    assert len(bot.fake.calls_to("chat.getPermalink")) == asked + 1
    assert "찾을 수 없습니다" in bot.command("/discuss", "show 1", user="U9")["text"]  # not a member: no such thing


def test_a_closed_discussion_reopens_from_its_card_or_by_command(bot):
    setup(bot)
    bot.command("/discuss", "ATOPY 시범 학교를 어디부터 할까요?", user="U2", channel_id=CHANNEL)
    first = card(bot)
    bot.command("/discuss", "종료 1 북부부터", user="U2")
    bot.runtime.delivery.drain(timeout=15)
    closed_card = json.loads(latest_card(bot, first))
    reopen = next(b["accessory"] for b in closed_card if b.get("accessory", {}).get("action_id"))
    assert (reopen["action_id"], reopen["value"]) == (Action.DISCUSSION_REOPEN, "1")

    refused = bot.slack.block_action(Action.DISCUSSION_REOPEN, value="1", user_id="U3", channel_id=CHANNEL)
    assert "#1" in bot.answer(refused)["text"] and status_of(bot, 1) is DiscussionStatus.CLOSED  # not theirs to reopen
    reopened = bot.slack.block_action(Action.DISCUSSION_REOPEN, value="1", user_id="U2", channel_id=CHANNEL)
    bot.answer(reopened)
    assert status_of(bot, 1) is DiscussionStatus.OPEN
    bot.runtime.delivery.drain(timeout=15)
    assert Action.DISCUSSION_CLOSE in latest_card(bot, first)  # the card takes a conclusion again
    assert "이미 진행 중" in bot.command("/discuss", "재개 1", user="U1")["text"]
    assert "종료" in bot.command("/discuss", "close 1 남부부터", user="U1")["text"]
    assert "다시 열었습니다" in bot.command("/discuss", "reopen 1", user="U1")["text"]


def status_of(bot, discussion_id):
    bot.settle()
    with bot.session_factory() as session:
        return session.get(Discussion, discussion_id).status
