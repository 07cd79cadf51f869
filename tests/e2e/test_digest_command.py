"""/digest end to end, in Korean (U1) and English (U3): the cross-project digest now, one project's week,
subscribing, unknown keys; and the two digest kinds the scheduler queues, delivered from the outbox."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from models import DigestSubscription, OutboxMessage, OutboxStatus
from models.db import write_transaction
from services import outbox, projects

MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 09:00 in Seoul, before the week's reports fall due
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 12:00 in Seoul, 22:00 Tuesday in New York


def setup(bot):
    bot.clock.set(MONDAY)
    bot.command("/project", "new 아토피 없는 경기도 key=ATOPY <#C9|atopy> <@U2|lee> <@U3|park>")
    bot.command("/project", "new 일자리 창출 key=JOBS", user="U2")
    assert (
        "지시 #1" in bot.command("/directive", "JOBS <@U2|lee> due=2026-11-24 kind=report 현황 보고", user="U2")["text"]
    )
    bot.clock.set(NOW)
    bot.command("/progress", "ATOPY 40% 협약서 초안 완료", user="U2")


def shown(answer) -> str:
    return json.dumps(answer.get("blocks", []), ensure_ascii=False)


def subscriptions(bot) -> int:
    with bot.session_factory() as session:
        return session.scalar(select(func.count()).select_from(DigestSubscription))


def test_digest_shows_a_member_their_projects_and_an_admin_every_project(bot):
    setup(bot)
    mine = bot.command("/digest")
    assert mine["response_type"] == "ephemeral"
    assert mine["blocks"][0]["text"]["text"] == "과제 한눈에 보기"
    assert "`ATOPY` `▓▓▓▓░░░░░░` 40%" in shown(mine) and "JOBS" not in shown(mine)
    everything = bot.command("/digest", user="UADMIN")
    assert everything["response_type"] == "ephemeral"
    assert "ATOPY" in shown(everything) and "`JOBS`" in shown(everything)
    assert "기한 지난 지시 1건" in shown(everything)  # JOBS: due yesterday in Seoul
    assert "과제 2개" in everything["blocks"][1]["elements"][0]["text"]
    english = bot.command("/digest", user="U3")
    assert english["blocks"][0]["text"]["text"] == "Projects at a glance" and "JOBS" not in shown(english)


def test_digest_of_one_project_this_week_in_korean_and_english(bot):
    setup(bot)
    korean = bot.command("/digest", "atopy")
    assert korean["response_type"] == "ephemeral"
    assert korean["blocks"][0]["text"]["text"] == "주간 요약 · 아토피 없는 경기도"
    assert "`ATOPY` · 11월 4주차(11. 23.~11. 29.)" in shown(korean)
    assert "`▓▓▓▓░░░░░░` 40%" in shown(korean) and "참여자별 진척" in shown(korean)
    assert "이번 기간 미보고 (마감 지남): <@U1>, <@U3>" in shown(korean)
    english = bot.command("/digest", "ATOPY", user="U3")
    assert english["blocks"][0]["text"]["text"] == "Weekly digest · 아토피 없는 경기도"
    assert "Not reported this period, past the due time: <@U1>, <@U3>" in shown(english)
    assert english["text"].startswith("Weekly digest — 아토피 없는 경기도 (ATOPY): 40%")


def test_unknown_key_and_no_projects_are_explained(bot):
    setup(bot)
    assert "`nope` 과제를 찾을 수 없습니다" in bot.command("/digest", "nope")["text"]
    assert "There is no project `NOPE`" in bot.command("/digest", "NOPE", user="U3")["text"]
    bot.fake.add_user("U9", name="newcomer", tz="Asia/Seoul", locale="ko-KR", team_id="T1")
    assert "참여 중인 과제가 없어" in bot.command("/digest", user="U9")["text"]


def test_subscribe_twice_then_unsubscribe(bot):
    first = bot.command("/digest", "subscribe", user="U3")
    assert first["response_type"] == "ephemeral" and "every week by DM" in first["text"]
    assert "already subscribed" in bot.command("/digest", "subscribe", user="U3")["text"]
    assert subscriptions(bot) == 1
    assert "매주 DM으로" in bot.command("/digest", "subscribe")["text"]
    assert subscriptions(bot) == 2
    assert "no longer" in bot.command("/digest", "unsubscribe", user="U3")["text"]
    assert "not subscribed" in bot.command("/digest", "unsubscribe", user="U3")["text"]
    assert "해지했습니다" in bot.command("/digest", "unsubscribe")["text"]
    assert subscriptions(bot) == 0
    admin = bot.command("/digest", "subscribe", user="UADMIN")["text"]
    assert "관리자는 구독과 관계없이 받습니다" in admin


def test_help_describes_every_subcommand(bot):
    text = bot.command("/digest", "help", user="U3")["text"]
    assert "`/digest KEY`" in text and "`/digest subscribe`" in text and "coming" not in text
    assert "준비 중" not in bot.command("/digest", "help")["text"]


def queue(bot, kind, recipient, dedupe_key, payload):
    with write_transaction(bot.session_factory) as session:
        outbox.enqueue(session, team_id="T1", kind=kind, recipient=recipient, dedupe_key=dedupe_key, payload=payload)


def status_of(bot, dedupe_key, timeout=5.0) -> OutboxStatus:
    deadline = time.monotonic() + timeout
    while True:
        with bot.session_factory() as session:
            status = session.scalar(select(OutboxMessage.status).where(OutboxMessage.dedupe_key == dedupe_key))
        if status is not OutboxStatus.PENDING or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def test_queued_digests_are_delivered_in_the_readers_language_and_closed_projects_are_skipped(bot):
    setup(bot)
    with bot.session_factory() as session:
        atopy = projects.get(session, "T1", "ATOPY")
        jobs = projects.get(session, "T1", "JOBS")
    queue(bot, "digest.project", "C9", "test:before", {"project_id": atopy.id, "week_start": "2026-11-16"})
    queue(bot, "digest.project", "C9", "test:project", {"project_id": atopy.id, "week_start": "2026-11-23"})
    card = bot.fake.wait_for(
        "chat.postMessage", lambda c: c.params["channel"] == "C9" and "주간 요약" in c.params["text"]
    )
    assert "11월 4주차(11. 23.~11. 29.)" in json.dumps(card[0].params["blocks"], ensure_ascii=False)
    assert status_of(bot, "test:before") is OutboxStatus.DEAD  # no digest of a week before the project existed
    queue(bot, "digest.cross", "U3", "test:cross", {"week_start": "2026-11-23"})
    dm = bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U3" and "glance" in c.params["text"])
    assert "`JOBS`" in json.dumps(dm[0].params["blocks"])  # every project, for a subscriber
    bot.command("/project", f"close {jobs.key}", user="U2")
    queue(bot, "digest.project", "C7", "test:closed", {"project_id": jobs.id, "week_start": "2026-11-16"})
    queue(bot, "digest.project", "C7", "test:gone", {"project_id": 999, "week_start": "2026-11-16"})
    assert status_of(bot, "test:closed") is OutboxStatus.DEAD and status_of(bot, "test:gone") is OutboxStatus.DEAD
    assert not [c for c in bot.fake.calls if c.method == "chat.postMessage" and c.params["channel"] == "C7"]
