"""The nudge's "snooze until tomorrow" button end to end: snoozed once (Korean and English, until the next
working day's 10:00 where the person is), already snoozed on the second click, and a clear refusal that
stores nothing for a forged value or someone else's project."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from kit.ids import Action
from models import NudgeSnooze, Project, User
from models.base import utcnow
from models.db import write_transaction
from services import users

MONDAY_11_KST = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
FRIDAY_11_KST = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
MONDAY_11_NEW_YORK = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # already Tuesday 01:00 in Seoul
PERIOD = date(2026, 11, 23)
REFUSED_KO = "이 알림은 더 이상 참여 중인 과제에 관한 것이 아닙니다."
REFUSED_EN = "That reminder is no longer about a project of yours."


def setup(bot) -> int:
    bot.fake.add_user("U9", name="u9", team_id="T1")
    bot.command("/project", "new 청년 일자리 key=YOUTH <@U2|lee> <@U3|park>")
    with write_transaction(bot.session_factory) as session:
        # the profile Slack gave for U3 (English, New York), as the bot caches it
        users.save_profile(
            session, "T1", "U3", display_name="park", tz="America/New_York", locale="en-US", now=utcnow()
        )
        return session.scalar(select(Project.id).where(Project.key == "YOUTH"))


def snooze(bot, user: str, value: str, team_id: str | None = None) -> dict:
    reply = bot.slack.block_action(
        Action.NUDGE_SNOOZE, value=value, user_id=user, channel_id=f"D{user[1:]}", team_id=team_id
    )
    assert reply.status == 200
    return bot.answer(reply)


def snoozes(bot) -> list[tuple[str, int, date, datetime]]:
    with bot.session_factory() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(User.slack_user_id, NudgeSnooze.project_id, NudgeSnooze.period_start, NudgeSnooze.until)
                .join(User, User.id == NudgeSnooze.user_id)
                .order_by(NudgeSnooze.id)
            )
        ]


def test_snooze_then_already_snoozed_in_korean(bot):
    project_id = setup(bot)
    bot.clock.set(MONDAY_11_KST)
    first = snooze(bot, "U2", f"{project_id}:{PERIOD}")
    assert first["text"] == ":zzz: *청년 일자리* 알림을 2026-11-24 10:00까지 미뤘습니다."
    assert snoozes(bot) == [("U2", project_id, PERIOD, datetime(2026, 11, 24, 1, 0, tzinfo=UTC))]
    again = snooze(bot, "U2", f"{project_id}:{PERIOD}")
    assert again["text"] == "이미 미룬 알림입니다."
    assert len(snoozes(bot)) == 1


def test_snooze_in_english_lasts_until_ten_the_next_working_day_in_new_york(bot):
    project_id = setup(bot)
    bot.clock.set(MONDAY_11_NEW_YORK)
    first = snooze(bot, "U3", f"{project_id}:{PERIOD}")
    assert first["text"] == ":zzz: Snoozed: no more reminders about *청년 일자리* before 2026-11-24 10:00."
    assert snoozes(bot) == [("U3", project_id, PERIOD, datetime(2026, 11, 24, 15, 0, tzinfo=UTC))]
    assert snooze(bot, "U3", f"{project_id}:{PERIOD}")["text"] == "This reminder was already snoozed."


def test_snooze_on_friday_lasts_over_the_weekend(bot):
    project_id = setup(bot)
    bot.clock.set(FRIDAY_11_KST)
    assert "2026-11-30 10:00까지" in snooze(bot, "U2", f"{project_id}:{PERIOD}")["text"]
    assert snoozes(bot)[0][3] == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "forged",
    ["", "abc", "{id}", "{id}:", "{id}:tomorrow", "x:2026-11-23", "{id}:2026-11-23:1", "{missing}:2026-11-23"],
)
def test_a_forged_value_is_refused_and_stores_nothing(bot, forged):
    project_id = setup(bot)
    bot.clock.set(MONDAY_11_KST)
    answer = snooze(bot, "U2", forged.format(id=project_id, missing=project_id + 1000))
    assert answer["text"] == REFUSED_KO
    assert snoozes(bot) == []


def test_someone_elses_project_is_refused_in_their_language_and_stores_nothing(bot):
    project_id = setup(bot)
    bot.clock.set(MONDAY_11_KST)
    assert snooze(bot, "U9", f"{project_id}:{PERIOD}")["text"] == REFUSED_KO  # not a member
    with write_transaction(bot.session_factory) as session:
        users.save_profile(session, "T1", "U9", display_name="u9", tz="Europe/London", locale="en-GB", now=utcnow())
    assert snooze(bot, "U9", f"{project_id}:{PERIOD}")["text"] == REFUSED_EN
    assert snoozes(bot) == []


def test_a_project_of_another_workspace_is_refused(bot):
    project_id = setup(bot)
    bot.clock.set(MONDAY_11_KST)
    assert snooze(bot, "U2", f"{project_id}:{PERIOD}", team_id="T2")["text"] == REFUSED_KO
    assert snoozes(bot) == []


def test_a_project_id_beyond_the_database_integer_range_is_refused(bot):
    setup(bot)
    bot.clock.set(MONDAY_11_KST)
    assert snooze(bot, "U2", f"{2**63}:{PERIOD}")["text"] == REFUSED_KO
    assert snoozes(bot) == []
