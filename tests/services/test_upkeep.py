"""The admins' daily notice of notifications given up: only when some were, once a day, when they can be told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from kit.blocks.upkeep import dead_report
from kit.reader import Reader
from models import OutboxMessage
from models.base import utcnow
from services import audience, notices, outbox, upkeep
from services.calendar import WorkCalendar
from services.working_time import OfficeHours, QuietHours, WorkingTime

TEAM = "T1"
ADMINS = frozenset({"UADMIN"})
MONDAY_10_KST = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
SATURDAY_10_KST = datetime(2026, 12, 12, 1, 0, tzinfo=UTC)
ANY_TIME = WorkingTime(WorkCalendar("KR"), QuietHours.parse(""), OfficeHours.parse("09:00-18:00"))


def give_up(sf, key: str, at: datetime, error: str = "channel_not_found") -> None:
    with sf.begin() as s:
        notices.send(s, TEAM, "C404", notices.ProjectClosed(project_id=1, by="U1"), key)
    with sf.begin() as s:
        [pending] = outbox.claim_due(s, utcnow() + timedelta(seconds=1), 1, notices.urgencies())
        outbox.mark_failed(s, pending.id, error=error, retry_at=None)
        s.execute(update(OutboxMessage).where(OutboxMessage.id == pending.id).values(dead_at=at))


def due(sf, now, working_time=ANY_TIME):
    with sf() as s:
        return upkeep.due(s, now, audience.load(s, working_time, "Asia/Seoul"), ADMINS)


def test_nothing_given_up_means_no_notice(session_factory):
    assert due(session_factory, utcnow()) == []


def test_each_admin_is_told_once_a_day_what_was_given_up_and_why(session_factory):
    give_up(session_factory, "a", MONDAY_10_KST - timedelta(hours=3))
    give_up(session_factory, "b", MONDAY_10_KST - timedelta(hours=2))
    now = MONDAY_10_KST
    [row] = due(session_factory, now)
    assert row["recipient"] == "UADMIN" and row["kind"] == "outbox.dead"
    assert row["dedupe_key"] == "outbox.dead:UADMIN:2026-12-07"  # one a day
    with session_factory() as s:
        report = outbox.dead_report(s, TEAM, now - timedelta(days=1))
    assert report is not None and report.count == 2 and report.by_error == {"channel_not_found": 2}
    shown = dead_report(report, Reader("UADMIN", "ko", "Asia/Seoul"))
    assert "2건" in shown["text"] and "channel_not_found" in str(shown["blocks"])
    english = dead_report(report, Reader("UADMIN", "en", "Europe/London"))
    assert english["text"] == "2 notifications not delivered in the last day"


def test_what_died_more_than_a_day_ago_is_not_told_again(session_factory):
    give_up(session_factory, "a", MONDAY_10_KST)
    assert due(session_factory, MONDAY_10_KST + timedelta(days=1, minutes=1)) == []


def test_on_a_weekend_the_admins_are_not_disturbed(session_factory):
    give_up(session_factory, "a", SATURDAY_10_KST - timedelta(hours=1))
    assert due(session_factory, SATURDAY_10_KST) == []
