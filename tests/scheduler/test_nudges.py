"""The scheduler's tick with frozen time: progress nudges at 10:00 in each person's own zone (across both
2026 US daylight-saving changes), never on weekends, Korean holidays, inside quiet hours or while away,
the second nudge, the escalation to the lead, snooze, a three-day outage, approval and directive
reminders, and each of them rendered in Korean and English."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.compose import organisation
from bot.settings import Settings
from kit.reader import Reader
from models import Cadence, DirectiveKind, MemberRole, OutboxMessage, ProjectMember, User
from models.base import utcnow
from models.db import write_transaction
from scheduler.jobs import tick
from scheduler.notifications import Outgoing, render
from services import approvals, directives, nudges, progress, projects, users
from services.approvals import Draft
from services.calendar import WorkCalendar
from services.errors import DomainError
from services.outbox import Pending
from services.progress import Entry
from services.working_time import WorkingTime

TEAM = "T1"
LEAD = "U1"
SEOUL = "Asia/Seoul"
NEW_YORK = "America/New_York"
KR = WorkCalendar("KR")
SETTINGS = Settings(admins=frozenset())
ORG = organisation(SETTINGS)
RULES = ORG.rules

REGISTERED = datetime(2026, 1, 5, tzinfo=UTC)  # long before any period the tests look at
NUDGE, ESCALATION = "nudge.progress", "nudge.escalation"
APPROVAL_REMINDER, APPROVAL_OVERDUE = "reminder.approval", "reminder.approval_overdue"
DIRECTIVE_REMINDER = "reminder.directive"
DAILY = "nudge.daily"


# --- helpers ------------------------------------------------------------------------------------


def local(tz: str, year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A local wall-clock moment, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def kst(*args: int) -> datetime:
    return local(SEOUL, *args)


def nyt(*args: int) -> datetime:
    return local(NEW_YORK, *args)


def hours(start: datetime, end: datetime, step: timedelta = timedelta(hours=1)) -> list[datetime]:
    """Every `step` from start up to and including end."""
    moments = []
    while start <= end:
        moments.append(start)
        start += step
    return moments


def people(sf: sessionmaker[Session], **zones: str) -> None:
    """Profiles with time zones: U2="America/New_York"; the locale follows the zone."""
    with write_transaction(sf) as s:
        for slack_id, tz in zones.items():
            locale = "ko-KR" if tz == SEOUL else "en-US"
            users.save_profile(s, TEAM, slack_id, display_name=slack_id.lower(), tz=tz, locale=locale, now=utcnow())


def make_project(
    sf: sessionmaker[Session],
    members: Iterable[str],
    *,
    key: str = "YOUTH",
    tz: str = SEOUL,
    channel: str | None = "C1",
    cadence: Cadence = Cadence.WEEKLY,
    lead: str = LEAD,
    started: datetime | None = None,
) -> projects.ProjectInfo:
    with write_transaction(sf) as s:
        info = projects.create(
            s,
            TEAM,
            lead,
            projects.ProjectDraft(
                name=f"청년 일자리 {key}",
                key=key,
                channel_id=channel,
                member_ids=list(members),
                timezone=tz,
                cadence=cadence,
            ),
            now=started or REGISTERED,  # fortnights count from the week the project started
        )
    return info


def report(sf: sessionmaker[Session], actor: str, now: datetime, key: str = "YOUTH") -> None:
    with write_transaction(sf) as s:
        progress.post(s, TEAM, actor, key, Entry(done="협약 초안 검토"), now=now, calendar=KR)


def away(sf: sessionmaker[Session], actor: str, until: date | None, now: datetime, proxy: str = LEAD) -> None:
    with write_transaction(sf) as s:
        approvals.set_away(s, TEAM, actor, proxy, until, now=now)


def set_role(sf: sessionmaker[Session], project_id: int, slack_id: str, role: MemberRole) -> None:
    with write_transaction(sf) as s:
        user_id = s.scalar(select(User.id).where(User.team_id == TEAM, User.slack_user_id == slack_id))
        s.execute(
            update(ProjectMember)
            .where(ProjectMember.project_id == project_id, ProjectMember.user_id == user_id)
            .values(role=role)
        )


def run(sf: sessionmaker[Session], *moments: datetime | Iterable[datetime]) -> list[dict[str, int]]:
    """Ticks at each moment, in order."""
    flat: list[datetime] = []
    for moment in moments:
        flat.extend([moment] if isinstance(moment, datetime) else moment)
    return [tick(sf, ORG, moment) for moment in flat]


@dataclass(frozen=True)
class Sent:
    recipient: str
    key: str
    payload: dict
    at: datetime

    @property
    def stage(self):
        return self.payload.get("stage")


def sent(sf: sessionmaker[Session], kind: str, recipient: str | None = None) -> list[Sent]:
    with sf() as s:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        if recipient is not None:
            query = query.where(OutboxMessage.recipient == recipient)
        return [Sent(m.recipient, m.dedupe_key, dict(m.payload), m.created_at) for m in s.scalars(query)]


def nudged(sf: sessionmaker[Session], recipient: str | None = None) -> list[tuple[str, str, int, datetime]]:
    """(recipient, period start, stage, queued at) of every progress nudge."""
    return [(n.recipient, n.payload["period_start"], n.stage, n.at) for n in sent(sf, NUDGE, recipient)]


def count(sf: sessionmaker[Session], kind: str) -> int:
    return len(sent(sf, kind))


def rendered(sf: sessionmaker[Session], kind: str, recipient: str, locale: str, now: datetime, tz: str = SEOUL):
    """What delivering the (only) row of that kind to that person would send, in the reader's language."""
    with sf() as s:
        row = s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind, OutboxMessage.recipient == recipient)
        ).one()
        pending = Pending(row.id, row.team_id, row.kind, row.recipient, dict(row.payload), row.attempts)
        return render(s, pending, Reader(recipient, locale, tz), now, RULES)


def rendered_text(*args, **kwargs) -> str:
    out = rendered(*args, **kwargs)
    assert isinstance(out, Outgoing) and out.method == "chat.postMessage", out
    assert out.args["channel"] == args[2]
    return out.args["text"]


# --- 10:00 local, exactly once, across daylight-saving changes ----------------------------------------


@pytest.mark.parametrize(
    ("monday", "new_york_ten_utc"),
    [
        (date(2026, 3, 9), datetime(2026, 3, 9, 14, 0, tzinfo=UTC)),  # the day after DST begins (EDT, UTC-4)
        (date(2026, 11, 2), datetime(2026, 11, 2, 15, 0, tzinfo=UTC)),  # the day after DST ends (EST, UTC-5)
    ],
)
def test_nudge_at_ten_in_seoul_and_in_new_york_on_the_day_after_a_dst_change_exactly_once(
    session_factory, monday, new_york_ten_utc
):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U3=NEW_YORK)
    info = make_project(sf, ["U2", "U3"])
    report(sf, LEAD, kst(monday.year, monday.month, monday.day, 9, 0))
    seoul_ten = kst(monday.year, monday.month, monday.day)
    assert seoul_ten == datetime.combine(monday, time(1, 0), tzinfo=UTC)

    run(sf, seoul_ten - timedelta(minutes=1))
    assert nudged(sf) == []
    run(sf, seoul_ten)
    assert nudged(sf) == [("U2", monday.isoformat(), 1, seoul_ten)]  # New York is still at Sunday evening
    run(sf, seoul_ten, seoul_ten + timedelta(minutes=30))
    assert len(nudged(sf)) == 1

    run(sf, new_york_ten_utc - timedelta(minutes=1))
    assert nudged(sf, "U3") == []
    run(sf, new_york_ten_utc, new_york_ten_utc, new_york_ten_utc + timedelta(minutes=30))
    assert nudged(sf, "U3") == [("U3", monday.isoformat(), 1, new_york_ten_utc)]
    assert [n.key for n in sent(sf, NUDGE)] == [
        f"nudge:{info.id}:{monday.isoformat()}:U2:1",
        f"nudge:{info.id}:{monday.isoformat()}:U3:1",
    ]
    run(sf, hours(new_york_ten_utc, new_york_ten_utc + timedelta(hours=8), timedelta(minutes=30)))
    assert len(nudged(sf)) == 2 and count(sf, ESCALATION) == 0


@pytest.mark.parametrize(
    ("monday", "new_york_ten_utc"),
    [
        (date(2026, 3, 9), datetime(2026, 3, 9, 14, 0, tzinfo=UTC)),
        (date(2026, 11, 2), datetime(2026, 11, 2, 15, 0, tzinfo=UTC)),
    ],
)
def test_a_new_york_project_is_due_and_nudges_at_ten_new_york_time_after_a_dst_change(
    session_factory, monday, new_york_ten_utc
):
    sf = session_factory
    people(sf, U1=NEW_YORK, U3=NEW_YORK)
    make_project(sf, ["U3"], tz=NEW_YORK)
    report(sf, LEAD, new_york_ten_utc - timedelta(hours=1))
    run(
        sf, hours(new_york_ten_utc - timedelta(hours=3), new_york_ten_utc - timedelta(minutes=1), timedelta(minutes=20))
    )
    assert nudged(sf) == []
    run(sf, new_york_ten_utc, new_york_ten_utc, new_york_ten_utc + timedelta(minutes=30))
    assert nudged(sf) == [("U3", monday.isoformat(), 1, new_york_ten_utc)]


# --- never on weekends, holidays, inside quiet hours or while away ----------------------------------------


def test_nothing_on_a_weekend_and_the_new_week_starts_on_monday(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"])
    report(sf, LEAD, kst(2026, 11, 23, 9))
    away(sf, "U2", date(2026, 11, 26), kst(2026, 11, 23, 9))
    run(sf, hours(kst(2026, 11, 23, 9), kst(2026, 11, 26, 23)))
    assert nudged(sf) == []
    run(sf, hours(kst(2026, 11, 27, 0), kst(2026, 11, 30, 9, 59)))  # Friday through the weekend
    # back on Friday: away on Monday's due day, so that week is not theirs to report; nothing on the weekend
    assert nudged(sf) == []
    run(sf, kst(2026, 11, 30))
    assert nudged(sf, "U2") == [("U2", "2026-11-30", 1, kst(2026, 11, 30))]


def test_a_daily_project_nudges_nobody_on_saturday_or_sunday(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"], cadence=Cadence.DAILY)
    run(sf, hours(kst(2026, 11, 27, 9), kst(2026, 11, 30, 9, 59)))
    assert [(who, start, stage) for who, start, stage, _ in nudged(sf)] == [
        ("U1", "2026-11-27", 1),
        ("U2", "2026-11-27", 1),
    ]
    run(sf, kst(2026, 11, 30))
    assert [n[1] for n in nudged(sf)] == ["2026-11-27", "2026-11-27", "2026-11-30", "2026-11-30"]


@pytest.mark.parametrize(
    ("holidays_", "due"),
    [
        # 설날: Mon 16 - Wed 18 February 2026, so the week's report is due on Thursday
        ([date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18)], kst(2026, 2, 19)),
        # 대체공휴일 for 삼일절 (Sunday 1 March): Monday 2 March
        ([date(2026, 3, 2)], kst(2026, 3, 3)),
        # 대체공휴일 for 개천절 (Saturday 3 October): Monday 5 October
        ([date(2026, 10, 5)], kst(2026, 10, 6)),
    ],
)
def test_no_nudge_on_a_public_or_substitute_holiday_then_one_on_the_next_working_day(session_factory, holidays_, due):
    sf = session_factory
    assert all(KR.holiday_name(day) for day in holidays_)
    people(sf, U1=SEOUL, U2=SEOUL, U3=NEW_YORK)
    make_project(sf, ["U2", "U3"])
    first = holidays_[0]
    run(sf, hours(kst(first.year, first.month, first.day, 0), due - timedelta(minutes=1)))
    assert nudged(sf) == []
    run(sf, due, due + timedelta(hours=1))
    assert sorted(n[0] for n in nudged(sf)) == ["U1", "U2"]
    assert {n[3] for n in nudged(sf)} == {due}
    assert {n[1] for n in nudged(sf)} == {(first - timedelta(days=first.weekday())).isoformat()}


@pytest.mark.parametrize(
    ("first_at", "skipped", "second_at"),
    [
        # the scheduler is back on Wednesday 23 September at 08:00, as quiet hours end (the first nudge in that
        # morning's DM at 10:00); 추석 is Thu 24 - Sat 26 September 2026, so the second nudge waits for Monday 28
        (kst(2026, 9, 23), [date(2026, 9, 24), date(2026, 9, 25)], kst(2026, 9, 28)),
        # back on Friday 2 October, then the weekend and the substitute Monday 5 October: the second on Tuesday
        (kst(2026, 10, 2), [date(2026, 10, 5)], kst(2026, 10, 6)),
    ],
)
def test_second_nudge_skips_holidays_in_a_fortnight(session_factory, first_at, skipped, second_at):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    monday = first_at.astimezone(ZoneInfo(SEOUL)).date()
    monday -= timedelta(days=monday.weekday())
    started = kst(monday.year, monday.month, monday.day, 9) - timedelta(weeks=2)
    make_project(sf, ["U2"], cadence=Cadence.BIWEEKLY, started=started)
    report(sf, LEAD, kst(monday.year, monday.month, monday.day, 9))
    run(sf, hours(first_at - timedelta(hours=2), second_at + timedelta(hours=2)))  # down until that 08:00
    assert nudged(sf) == [("U2", monday.isoformat(), 1, first_at), ("U2", monday.isoformat(), 2, second_at)]
    assert all(n[3].astimezone(ZoneInfo(SEOUL)).date() not in skipped for n in nudged(sf))


def test_nothing_inside_quiet_hours_then_once_in_the_next_mornings_dm(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"])
    report(sf, LEAD, kst(2026, 11, 23, 9))
    # the scheduler was down at 10:00 and comes back at 20:00, inside quiet hours
    run(sf, kst(2026, 11, 23, 20), kst(2026, 11, 23, 23, 30), kst(2026, 11, 24, 3), kst(2026, 11, 24, 7, 59))
    assert nudged(sf) == []
    run(sf, kst(2026, 11, 24, 8), kst(2026, 11, 24, 8), kst(2026, 11, 24, 9))
    assert nudged(sf) == []  # quiet hours are over, but the day's one DM goes at 10:00
    run(sf, kst(2026, 11, 24, 10), kst(2026, 11, 24, 10))
    assert nudged(sf) == [("U2", "2026-11-23", 1, kst(2026, 11, 24, 10))]
    run(sf, hours(kst(2026, 11, 24, 11), kst(2026, 11, 25, 9, 59)))
    assert len(nudged(sf)) == 1  # the second nudge waits for the next working day's 10:00
    run(sf, kst(2026, 11, 25))
    assert nudged(sf)[-1] == ("U2", "2026-11-23", 2, kst(2026, 11, 25))


def test_quiet_hours_are_the_recipients_own(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U3=NEW_YORK)
    make_project(sf, ["U3"])
    report(sf, LEAD, kst(2026, 11, 23, 9))
    # Monday 20:00 in New York is Tuesday 10:00 in Seoul
    run(sf, nyt(2026, 11, 23, 20), nyt(2026, 11, 24, 7, 30))
    assert nudged(sf) == []
    run(sf, nyt(2026, 11, 24, 8), nyt(2026, 11, 24, 9, 59))
    assert nudged(sf) == []
    run(sf, nyt(2026, 11, 24, 10))
    assert nudged(sf) == [("U3", "2026-11-23", 1, nyt(2026, 11, 24, 10))]


def test_settings_quiet_hours_are_used(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"])
    report(sf, LEAD, kst(2026, 11, 23, 9))
    evenings = Settings(admins=frozenset(), quiet_hours="22:00-07:00")
    tick(sf, organisation(evenings), kst(2026, 11, 23, 20))
    assert nudged(sf) == [("U2", "2026-11-23", 1, kst(2026, 11, 23, 20))]


def test_away_on_the_due_day_is_never_nudged_for_that_period_nor_after_coming_back(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U3=SEOUL)
    make_project(sf, ["U2", "U3"])
    report(sf, LEAD, kst(2026, 11, 23, 9))
    away(sf, "U2", date(2026, 11, 24), kst(2026, 11, 23, 9))  # away Monday and Tuesday
    run(sf, hours(kst(2026, 11, 23, 9), kst(2026, 11, 27, 18)))
    assert [(n[0], n[2]) for n in nudged(sf)] == [("U3", 1), ("U3", 2)]
    escalations = sent(sf, ESCALATION)
    assert [m.recipient for m in escalations] == [LEAD]
    with sf() as s:
        project_id = escalations[0].payload["project_id"]
        found = nudges.still_missing(s, TEAM, project_id, date(2026, 11, 23), kst(2026, 11, 26, 10), KR)
    assert found is not None and found[1] == ["U3"]  # the lead's list names only who owed the report


def test_away_until_further_notice_over_the_due_day_owes_nothing_after_coming_back(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"])
    report(sf, LEAD, kst(2026, 11, 23, 9))
    away(sf, "U2", None, kst(2026, 11, 20, 9))
    run(sf, hours(kst(2026, 11, 23, 9), kst(2026, 11, 24, 15)))
    assert nudged(sf) == []
    with write_transaction(sf) as s:
        assert approvals.set_back(s, TEAM, "U2", now=kst(2026, 11, 24, 15, 10))
    run(sf, hours(kst(2026, 11, 24, 15, 15), kst(2026, 11, 27, 18)))
    assert nudged(sf) == []
    assert count(sf, ESCALATION) == 0


def test_away_after_the_due_day_is_nudged_once_back_within_the_period(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"])
    report(sf, LEAD, kst(2026, 11, 23, 9))
    run(sf, kst(2026, 11, 23, 10))
    away(sf, "U2", date(2026, 11, 25), kst(2026, 11, 23, 17))  # owed Monday's report, then away Tue-Wed
    run(sf, hours(kst(2026, 11, 23, 11), kst(2026, 11, 26, 12)))
    assert [(n[2], n[3]) for n in nudged(sf, "U2")] == [(1, kst(2026, 11, 23, 10)), (2, kst(2026, 11, 26, 10))]


# --- who is nudged ----------------------------------------------------------------------------


def test_someone_who_reported_gets_nothing_and_reporting_after_the_first_nudge_stops_the_second(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U3=SEOUL)
    make_project(sf, ["U2", "U3"])
    report(sf, LEAD, kst(2026, 11, 23, 8))
    report(sf, "U2", kst(2026, 11, 23, 9, 30))  # before the due time
    run(sf, kst(2026, 11, 23, 10))
    assert [n[0] for n in nudged(sf)] == ["U3"]
    report(sf, "U3", kst(2026, 11, 23, 15))  # after the first nudge
    run(sf, hours(kst(2026, 11, 23, 11), kst(2026, 11, 27, 18)))
    assert [(n[0], n[2]) for n in nudged(sf)] == [("U3", 1)]
    assert count(sf, ESCALATION) == 0


def test_a_late_report_from_last_week_does_not_count_for_this_week(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"])
    report(sf, LEAD, kst(2026, 11, 23, 8))
    report(sf, "U2", kst(2026, 11, 22, 23))  # Sunday night: last week's period
    run(sf, kst(2026, 11, 23, 10))
    assert nudged(sf) == [("U2", "2026-11-23", 1, kst(2026, 11, 23))]


def test_observers_get_nothing(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U4=SEOUL)
    info = make_project(sf, ["U2", "U4"])
    set_role(sf, info.id, "U4", MemberRole.OBSERVER)
    report(sf, LEAD, kst(2026, 11, 23, 8))
    run(sf, hours(kst(2026, 11, 23, 9), kst(2026, 11, 27, 18)))
    assert {n[0] for n in nudged(sf)} == {"U2"}
    assert nudged(sf, "U4") == [] and sent(sf, ESCALATION, "U4") == []
    text = rendered_text(sf, ESCALATION, LEAD, "ko", kst(2026, 11, 26, 10))
    assert "<@U2>" in text and "<@U4>" not in text and "1명" in text


def test_the_lead_who_has_not_reported_is_nudged_like_any_member(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"])
    run(sf, kst(2026, 11, 23, 10))
    assert sorted(n[0] for n in nudged(sf)) == ["U1", "U2"]


# --- second nudge, escalation and snooze ---------------------------------------------------------------


def test_second_nudge_the_next_working_day_then_escalation_to_the_lead_the_day_after(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U3=NEW_YORK, U5=SEOUL)
    info = make_project(sf, ["U2", "U3", "U5"])
    report(sf, LEAD, kst(2026, 11, 23, 8))
    report(sf, "U5", kst(2026, 11, 23, 8))
    run(sf, hours(kst(2026, 11, 23, 0), kst(2026, 11, 27, 23), timedelta(minutes=30)))
    assert nudged(sf, "U2") == [
        ("U2", "2026-11-23", 1, kst(2026, 11, 23)),
        ("U2", "2026-11-23", 2, kst(2026, 11, 24)),
    ]
    assert nudged(sf, "U3") == [
        ("U3", "2026-11-23", 1, nyt(2026, 11, 23)),
        ("U3", "2026-11-23", 2, nyt(2026, 11, 24)),
    ]
    escalations = sent(sf, ESCALATION)
    # the working day after the earliest second nudge (U2's, Tuesday in Seoul), to the lead only, once
    assert [(e.recipient, e.at, e.key) for e in escalations] == [
        (LEAD, kst(2026, 11, 25), f"nudge:{info.id}:2026-11-23:escalation:{LEAD}")
    ]
    assert escalations[0].payload == {"project_id": info.id, "period_start": "2026-11-23"}


def two_leads_one_in_new_york(sf: sessionmaker[Session]) -> None:
    people(sf, U1=SEOUL, U2=SEOUL, U6=NEW_YORK)
    info = make_project(sf, ["U2", "U6"])
    set_role(sf, info.id, "U6", MemberRole.LEAD)
    report(sf, LEAD, kst(2026, 11, 23, 8))
    report(sf, "U6", kst(2026, 11, 23, 8))
    run(sf, hours(kst(2026, 11, 23, 0), kst(2026, 11, 27, 23)))


def test_escalation_goes_to_every_lead_once_at_ten_in_their_own_zone(session_factory):
    sf = session_factory
    two_leads_one_in_new_york(sf)
    second = nudged(sf, "U2")[-1]
    assert second[2:] == (2, kst(2026, 11, 24))
    escalations = {e.recipient: e.at for e in sent(sf, ESCALATION)}
    assert len(sent(sf, ESCALATION)) == 2
    assert escalations[LEAD] == kst(2026, 11, 25)
    assert escalations["U6"].astimezone(ZoneInfo(NEW_YORK)).time() == time(10, 0)
    assert escalations["U6"] > second[3]


def test_a_lead_in_another_zone_is_not_told_before_the_member_has_had_a_working_day_after_the_second_nudge(
    session_factory,
):
    sf = session_factory
    two_leads_one_in_new_york(sf)
    member_next_day = WorkingTime(KR).slot_after(nudged(sf, "U2")[-1][3], SEOUL)
    assert member_next_day == kst(2026, 11, 25)
    escalations = {e.recipient: e.at for e in sent(sf, ESCALATION)}
    assert escalations["U6"] >= member_next_day  # Wednesday 10:00 in New York, not Tuesday


def test_snooze_before_the_second_nudge_postpones_it_until_after_the_snooze(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    info = make_project(sf, ["U2"])
    report(sf, LEAD, kst(2026, 11, 23, 8))
    run(sf, kst(2026, 11, 23, 10))
    clicked = kst(2026, 11, 24, 9)  # Tuesday morning, before the second nudge
    until = WorkingTime(KR).slot_after(clicked, SEOUL)
    assert until == kst(2026, 11, 25)
    with write_transaction(sf) as s:
        assert nudges.snooze(s, TEAM, "U2", info.id, date(2026, 11, 23), until=until) is True
    with write_transaction(sf) as s:
        assert nudges.snooze(s, TEAM, "U2", info.id, date(2026, 11, 23), until=kst(2026, 11, 27)) is False
    run(sf, hours(kst(2026, 11, 24, 9), kst(2026, 11, 25, 9, 59), timedelta(minutes=30)))
    assert [n[2] for n in nudged(sf)] == [1]
    run(sf, kst(2026, 11, 25), kst(2026, 11, 25, 11))
    assert nudged(sf)[1:] == [("U2", "2026-11-23", 2, kst(2026, 11, 25))]
    run(sf, hours(kst(2026, 11, 25, 11), kst(2026, 11, 26, 10)))
    assert [(e.recipient, e.at) for e in sent(sf, ESCALATION)] == [(LEAD, kst(2026, 11, 26))]


def test_snooze_is_refused_for_someone_outside_the_project(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U9=SEOUL)
    info = make_project(sf, ["U2"])
    for actor, team, project_id in (("U9", TEAM, info.id), ("U2", "T2", info.id), ("U2", TEAM, info.id + 100)):
        with pytest.raises(DomainError) as caught, write_transaction(sf) as s:
            nudges.snooze(s, team, actor, project_id, date(2026, 11, 23), until=kst(2026, 11, 25))
        assert caught.value.code == "nudge.not_found"


# --- outages: what was missed, once ---------------------------------------------------------------


def test_after_a_three_day_outage_one_tick_queues_at_most_one_nudge_per_person_and_one_digest(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U3=NEW_YORK, U7=SEOUL, U8=SEOUL)
    youth = make_project(sf, ["U2", "U3"], key="YOUTH", channel="C1")
    care = make_project(sf, ["U7"], key="CARE", channel="C2", lead="U8")
    make_project(sf, [], key="QUIET", channel=None, lead="U9")
    run(sf, kst(2026, 11, 23, 8))  # the last tick before the outage: nothing is due yet
    assert nudged(sf) == [] and count(sf, "digest.project") == 0

    comeback = kst(2026, 11, 26, 10)  # Thursday: Monday, Tuesday and Wednesday were missed
    queued = run(sf, comeback)[0]
    per_person = Counter(n[0] for n in nudged(sf))
    assert set(per_person) == {"U1", "U2", "U7", "U8", "U9"}  # U3 is asleep in New York
    assert max(per_person.values()) == 1
    assert {n[2] for n in nudged(sf)} == {1}
    assert count(sf, ESCALATION) == 0
    # last week's digest belonged to Monday: on Thursday it would be stale news, so it is not sent late
    assert count(sf, "digest.project") == 0
    assert queued == {"nudges": 5, "reminders": 0, "daily": 5, "digests": 0, "upkeep": 0}
    run(sf, kst(2026, 11, 30, 9))
    digests = sent(sf, "digest.project")
    assert sorted((d.recipient, d.key) for d in digests) == [
        ("C1", f"digest:project:{youth.id}:2026-11-30"),
        ("C2", f"digest:project:{care.id}:2026-11-30"),
    ]
    assert all(d.payload["week_start"] == "2026-11-23" for d in digests)  # covering last week

    assert run(sf, comeback, comeback + timedelta(minutes=5))[0] == {
        "nudges": 0,
        "reminders": 0,
        "daily": 0,
        "digests": 0,
        "upkeep": 0,
    }
    run(sf, hours(comeback, kst(2026, 11, 29, 23)))
    assert count(sf, "digest.project") == 2


def test_an_outage_over_the_second_nudge_and_a_weekend_sends_one_stage_and_one_digest_per_week(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    info = make_project(sf, ["U2"])
    report(sf, LEAD, kst(2026, 11, 23, 8))
    run(sf, hours(kst(2026, 11, 23, 8), kst(2026, 11, 23, 12)))
    assert [n[2] for n in nudged(sf)] == [1] and count(sf, "digest.project") == 1
    # down from Monday noon to Thursday 10:00: the second nudge is sent once, not together with the escalation
    assert run(sf, kst(2026, 11, 26))[0]["nudges"] == 1
    assert [n[2] for n in nudged(sf)] == [1, 2] and count(sf, ESCALATION) == 0
    # down again from Thursday to Wednesday 2 December: Monday's digest is not sent late, last week's not again
    run(sf, hours(kst(2026, 12, 2, 10), kst(2026, 12, 4, 18)))
    assert [d.key for d in sent(sf, "digest.project")] == [f"digest:project:{info.id}:2026-11-23"]
    assert nudged(sf, "U2")[2:] == [
        ("U2", "2026-11-30", 1, kst(2026, 12, 2)),
        ("U2", "2026-11-30", 2, kst(2026, 12, 3)),
    ]


def test_digest_goes_at_nine_on_the_first_working_day_of_the_week(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL)
    info = make_project(sf, [], channel="C1")
    run(sf, hours(kst(2026, 3, 2, 0), kst(2026, 3, 3, 8, 59), timedelta(minutes=30)))  # Monday is a holiday
    assert count(sf, "digest.project") == 0
    run(sf, kst(2026, 3, 3, 9), kst(2026, 3, 3, 9, 30))
    assert [(d.recipient, d.key, d.at) for d in sent(sf, "digest.project")] == [
        ("C1", f"digest:project:{info.id}:2026-03-02", kst(2026, 3, 3, 9))
    ]


# --- approval reminders ---------------------------------------------------------------------------


def make_request(sf: sessionmaker[Session], now: datetime, approvers=("U2",), requester="U5") -> approvals.RequestInfo:
    with write_transaction(sf) as s:
        return approvals.create(
            s, TEAM, requester, "YOUTH", Draft(title="청년 주거 지원 협약안 결재", approvers=approvers), now=now
        )


def test_approval_reminder_after_24_and_72_office_hours_with_nights_and_the_weekend_not_counted(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U5=SEOUL)
    make_project(sf, ["U2", "U5"])
    request = make_request(sf, kst(2026, 11, 20, 10))  # Friday 10:00
    step = request.steps[0]
    base = f"approval:{request.id}:step:{step.id}"
    # 8 office hours on Friday, none on the weekend, 9 on Monday, 7 more by Tuesday 16:00
    run(sf, hours(kst(2026, 11, 20, 10), kst(2026, 11, 24, 15, 30), timedelta(minutes=30)))
    assert sent(sf, APPROVAL_REMINDER) == []
    run(sf, kst(2026, 11, 24, 15, 59), kst(2026, 11, 24, 16), kst(2026, 11, 24, 16, 30))
    # due at 16:00, but U2's one DM of Tuesday went at 10:00 (the second nudge): Wednesday's carries it
    assert sent(sf, APPROVAL_REMINDER) == []
    assert [d.at for d in sent(sf, DAILY, "U2")] == [kst(2026, 11, 20), kst(2026, 11, 23), kst(2026, 11, 24)]
    run(sf, hours(kst(2026, 11, 24, 17), kst(2026, 11, 25, 10), timedelta(minutes=30)))
    reminders = sent(sf, APPROVAL_REMINDER)
    assert [(r.recipient, r.key, r.at) for r in reminders] == [("U2", f"{base}:remind", kst(2026, 11, 25))]
    # 24 by Tuesday 16:00, 2 more on Tuesday and 1 on Wednesday morning
    assert reminders[0].payload == {"request_id": request.id, "step_id": step.id, "hours": 27}
    # 72 office hours: Tuesday 2 more, Wednesday to Friday 27, Monday 9, Tuesday 1 December 9, Wednesday 1
    run(sf, hours(kst(2026, 11, 25, 10, 30), kst(2026, 12, 2, 9, 30), timedelta(minutes=30)))
    assert sent(sf, APPROVAL_OVERDUE) == []
    run(sf, kst(2026, 12, 2, 9, 59), kst(2026, 12, 2, 10))
    overdue = sent(sf, APPROVAL_OVERDUE)
    assert sorted((o.recipient, o.key, o.at) for o in overdue) == [
        (LEAD, f"{base}:overdue:{LEAD}", kst(2026, 12, 2, 10)),
        ("U5", f"{base}:overdue:U5", kst(2026, 12, 2, 10)),
    ]
    assert {o.payload["hours"] for o in overdue} == {72}
    assert len(sent(sf, APPROVAL_REMINDER)) == 1


def test_approval_reminder_waits_for_the_approvers_morning_and_stops_once_decided(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U3=NEW_YORK, U5=SEOUL)
    make_project(sf, ["U3", "U5"])
    # Monday 10:00 in Seoul: 24 office hours (in the organisation's zone) by Wednesday 16:00, 02:00 in New York
    request = make_request(sf, kst(2026, 11, 23, 10), approvers=("U3",))
    run(sf, hours(kst(2026, 11, 25, 16), nyt(2026, 11, 25, 9, 59), timedelta(minutes=30)))
    assert sent(sf, APPROVAL_REMINDER) == []  # due, but that is night in New York, then before the morning DM
    run(sf, nyt(2026, 11, 25, 10))
    assert [(r.recipient, r.at) for r in sent(sf, APPROVAL_REMINDER)] == [("U3", nyt(2026, 11, 25, 10))]
    with write_transaction(sf) as s:
        approvals.decide(s, TEAM, "U3", request.steps[0].id, approvals.Decision.APPROVE, now=nyt(2026, 11, 25, 11))
    run(sf, hours(nyt(2026, 11, 25, 11), kst(2026, 12, 4, 18)))
    assert sent(sf, APPROVAL_OVERDUE) == []


def test_the_second_approver_waits_from_the_first_decision(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U3=SEOUL, U5=SEOUL)
    make_project(sf, ["U2", "U3", "U5"])
    request = make_request(sf, kst(2026, 11, 23, 10), approvers=("U2", "U3"))
    with write_transaction(sf) as s:
        approvals.decide(s, TEAM, "U2", request.steps[0].id, approvals.Decision.APPROVE, now=kst(2026, 11, 24, 15))
    # from Tuesday 15:00: 3 + 9 + 9 = 21 by Thursday 18:00, 24 at Friday 12:00
    run(sf, hours(kst(2026, 11, 24, 15), kst(2026, 11, 27, 11, 59)))
    assert sent(sf, APPROVAL_REMINDER) == []
    run(sf, kst(2026, 11, 27, 12))
    assert [(r.recipient, r.payload["hours"]) for r in sent(sf, APPROVAL_REMINDER)] == [("U3", 24)]


def test_the_proxy_of_an_away_approver_is_reminded(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U3=SEOUL, U5=SEOUL)
    make_project(sf, ["U2", "U3", "U5"])
    away(sf, "U2", date(2026, 12, 31), kst(2026, 11, 20, 9), proxy="U3")
    make_request(sf, kst(2026, 11, 23, 10))
    # U3's DM of Wednesday goes at 15:00 with a nudge; the reminder due at 16:00 goes in Thursday's
    run(sf, hours(kst(2026, 11, 25, 15), kst(2026, 11, 26, 10)))
    assert [(r.recipient, r.at) for r in sent(sf, APPROVAL_REMINDER)] == [("U3", kst(2026, 11, 26))]


# --- directive reminders ----------------------------------------------------------------------------


def issue(sf: sessionmaker[Session], now: datetime, due: date, assignees=("U2", "U3")) -> directives.DirectiveInfo:
    with write_transaction(sf) as s:
        return directives.issue(
            s,
            TEAM,
            LEAD,
            "YOUTH",
            assignees=list(assignees),
            text="청년 주거 실태 조사 결과 보고",
            kind=DirectiveKind.REPORT,
            due_date=due,
            is_admin=False,
            now=now,
            calendar=KR,
        )


def test_directive_reminders_before_due_overdue_then_issuer_each_exactly_once(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U3=NEW_YORK)
    make_project(sf, ["U2", "U3"])
    directive = issue(sf, kst(2026, 11, 23, 9), date(2026, 11, 25))  # due Wednesday
    run(sf, hours(kst(2026, 11, 23, 9), kst(2026, 11, 29, 23), timedelta(minutes=30)))
    base = f"directive:{directive.id}:remind"
    got = sorted((r.at, r.recipient, r.payload["stage"], r.key) for r in sent(sf, DIRECTIVE_REMINDER))
    assert got == [
        (kst(2026, 11, 24), "U2", "before", f"{base}:before:U2"),
        (nyt(2026, 11, 24), "U3", "before", f"{base}:before:U3"),
        (kst(2026, 11, 25), "U2", "due", f"{base}:due:U2"),
        (nyt(2026, 11, 25), "U3", "due", f"{base}:due:U3"),
        (kst(2026, 11, 26), "U2", "overdue", f"{base}:overdue:U2"),
        (nyt(2026, 11, 26), "U3", "overdue", f"{base}:overdue:U3"),
        (kst(2026, 11, 27), LEAD, "issuer", f"{base}:overdue-issuer:{LEAD}"),
    ]
    assert all(r.payload["directive_id"] == directive.id for r in sent(sf, DIRECTIVE_REMINDER))


def test_directive_due_monday_is_reminded_on_friday_and_not_over_the_weekend(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"])
    directive = issue(sf, kst(2026, 11, 25, 9), date(2026, 11, 30), assignees=("U2",))
    run(sf, hours(kst(2026, 11, 25, 9), kst(2026, 12, 2, 23)))
    got = [(r.at, r.recipient, r.payload["stage"]) for r in sent(sf, DIRECTIVE_REMINDER)]
    assert got == [
        (kst(2026, 11, 27), "U2", "before"),
        (kst(2026, 11, 30), "U2", "due"),
        (kst(2026, 12, 1), "U2", "overdue"),
        (kst(2026, 12, 2), LEAD, "issuer"),
    ]
    assert directive.due_date == date(2026, 11, 30)


def test_after_an_outage_only_the_directive_stage_that_applies_now_is_sent(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"])
    issue(sf, kst(2026, 11, 23, 9), date(2026, 11, 24), assignees=("U2",))
    run(sf, kst(2026, 11, 23, 9), kst(2026, 11, 27, 10))  # down from Monday to Friday
    assert [(r.recipient, r.payload["stage"]) for r in sent(sf, DIRECTIVE_REMINDER)] == [("U2", "overdue")]
    run(sf, hours(kst(2026, 11, 27, 10), kst(2026, 11, 30, 10)))
    assert [(r.recipient, r.payload["stage"], r.at) for r in sent(sf, DIRECTIVE_REMINDER)][1:] == [
        (LEAD, "issuer", kst(2026, 11, 30))
    ]


def test_a_directive_reported_before_its_due_date_is_not_reminded(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"])
    directive = issue(sf, kst(2026, 11, 23, 9), date(2026, 11, 25), assignees=("U2",))
    run(sf, hours(kst(2026, 11, 23, 9), kst(2026, 11, 24, 12)))
    assert [r.payload["stage"] for r in sent(sf, DIRECTIVE_REMINDER)] == ["before"]
    with write_transaction(sf) as s:
        directives.report(
            s,
            TEAM,
            "U2",
            directive.id,
            kind=directives.ReportKind.COMPLETION,
            text="조사 완료",
            now=kst(2026, 11, 24, 13),
        )
    run(sf, hours(kst(2026, 11, 24, 13), kst(2026, 11, 27, 18)))
    assert [r.payload["stage"] for r in sent(sf, DIRECTIVE_REMINDER)] == ["before"]


def test_the_issuer_hears_of_an_overdue_directive_whose_only_assignee_is_away(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U3=SEOUL)
    make_project(sf, ["U2", "U3"])
    issue(sf, kst(2026, 11, 23, 9), date(2026, 11, 25), assignees=("U2",))
    away(sf, "U2", date(2026, 12, 31), kst(2026, 11, 23, 9), proxy="U3")
    run(sf, hours(kst(2026, 11, 23, 9), kst(2026, 11, 30, 18)))
    assert sent(sf, DIRECTIVE_REMINDER, "U2") == []
    assert [r.payload["stage"] for r in sent(sf, DIRECTIVE_REMINDER, LEAD)] == ["issuer"]


# --- rendering, in the reader's language ---------------------------------------------------------------


def test_nudges_render_in_korean_and_english_and_not_once_the_person_has_reported(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U3=NEW_YORK)
    info = make_project(sf, ["U2", "U3"])
    report(sf, LEAD, kst(2026, 11, 23, 8))
    run(sf, kst(2026, 11, 23, 10), nyt(2026, 11, 23, 10))
    ko = rendered(sf, NUDGE, "U2", "ko", kst(2026, 11, 23, 10, 1))
    assert isinstance(ko, Outgoing) and ko.args["channel"] == "U2"
    assert "*청년 일자리 YOUTH* (`YOUTH`)의 11월 4주차(11. 23.~11. 29.) 진척 보고가 아직 없습니다" in ko.args["text"]
    buttons = [e for b in ko.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["progress_open", "nudge_snooze"]
    assert buttons[1]["value"] == f"{info.id}:2026-11-23"
    assert [b["text"]["text"] for b in buttons] == ["진척 보고", "내일 다시 알림"]
    en = rendered_text(sf, NUDGE, "U3", "en", nyt(2026, 11, 23, 10, 1), tz=NEW_YORK)
    assert (
        "Your progress update on *청년 일자리 YOUTH* (`YOUTH`) for week 4 of November (Nov 23 – Nov 29) is not in yet"
        in en
    )

    report(sf, "U2", kst(2026, 11, 23, 11))
    assert rendered(sf, NUDGE, "U2", "ko", kst(2026, 11, 23, 11, 1)) is None
    assert rendered(sf, NUDGE, "U3", "en", kst(2026, 11, 23, 11, 1), tz=NEW_YORK) is not None
    # a nudge delivered after its period is over says nothing
    assert rendered(sf, NUDGE, "U3", "en", kst(2026, 11, 30, 11), tz=NEW_YORK) is None


def test_second_nudge_and_escalation_render_in_korean_and_english(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U3=NEW_YORK)
    make_project(sf, ["U2", "U3"])
    report(sf, LEAD, kst(2026, 11, 23, 8))
    run(sf, hours(kst(2026, 11, 23, 9), kst(2026, 11, 25, 10)))
    with sf() as s:
        second = s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("nudge:%:U2:2"))).one()
        pending = Pending(second.id, second.team_id, second.kind, second.recipient, dict(second.payload), 1)
        out = render(s, pending, Reader("U2", "ko", SEOUL), kst(2026, 11, 24, 10), RULES)
    assert isinstance(out, Outgoing) and out.args["text"].startswith(":memo: 다시 알려 드립니다")
    ko = rendered_text(sf, ESCALATION, LEAD, "ko", kst(2026, 11, 25, 10))
    assert "두 번 알린 뒤에도 11월 4주차(11. 23.~11. 29.) 진척 보고가 없는 참여자 2명: <@U2>, <@U3>" in ko
    en = rendered_text(sf, ESCALATION, LEAD, "en", kst(2026, 11, 25, 10))
    assert (
        "2 members have not reported for week 4 of November (Nov 23 – Nov 29) after two reminders: <@U2>, <@U3>" in en
    )
    report(sf, "U3", kst(2026, 11, 25, 10, 30))
    assert "<@U3>" not in rendered_text(sf, ESCALATION, LEAD, "en", kst(2026, 11, 25, 10, 31))
    report(sf, "U2", kst(2026, 11, 25, 10, 40))
    assert rendered(sf, ESCALATION, LEAD, "ko", kst(2026, 11, 25, 10, 41)) is None


def test_approval_reminders_render_in_korean_and_english_and_not_once_decided(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U5=SEOUL)
    make_project(sf, ["U2", "U5"])
    request = make_request(sf, kst(2026, 11, 20, 10))
    run(sf, kst(2026, 11, 24, 16), kst(2026, 12, 2, 10))
    now = kst(2026, 12, 2, 10, 1)
    assert f"결재 #{request.id} “청년 주거 지원 협약안 결재”가 근무시간 기준 24시간째" in rendered_text(
        sf, APPROVAL_REMINDER, "U2", "ko", now
    )
    assert "has been waiting for you for 24 working hours" in rendered_text(sf, APPROVAL_REMINDER, "U2", "en", now)
    assert "<@U2> 결재 단계에서 근무시간 기준 72시간째 대기 중입니다" in rendered_text(
        sf, APPROVAL_OVERDUE, "U5", "ko", now
    )
    assert "has been waiting at <@U2>'s step for 72 working hours" in rendered_text(
        sf, APPROVAL_OVERDUE, LEAD, "en", now
    )
    with write_transaction(sf) as s:
        approvals.decide(s, TEAM, "U2", request.steps[0].id, approvals.Decision.APPROVE, now=now)
    assert rendered(sf, APPROVAL_REMINDER, "U2", "ko", now) is None
    assert rendered(sf, APPROVAL_OVERDUE, "U5", "ko", now) is None


@pytest.mark.parametrize(
    ("stage", "recipient", "ko", "en"),
    [
        ("before", "U2", "기한이 내일(2026-11-25)입니다: 청년 주거", "is due tomorrow (2026-11-25): 청년 주거"),
        ("due", "U2", "기한이 오늘(2026-11-25)입니다: 청년 주거", "is due today (2026-11-25): 청년 주거"),
        ("overdue", "U2", "기한(2026-11-25)이 지났습니다: 청년 주거", "is overdue (due 2026-11-25): 청년 주거"),
        ("issuer", LEAD, "내리신 지시 #{id}의 기한(2026-11-25)이 지났습니다. 담당: <@U2>", "you issued is overdue"),
    ],
)
def test_directive_reminders_render_each_stage_in_korean_and_english(session_factory, stage, recipient, ko, en):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"])
    directive = issue(sf, kst(2026, 11, 23, 9), date(2026, 11, 25), assignees=("U2",))
    run(sf, hours(kst(2026, 11, 23, 9), kst(2026, 11, 27, 12)))
    with sf() as s:
        (row,) = [
            m
            for m in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == DIRECTIVE_REMINDER))
            if m.payload["stage"] == stage and m.recipient == recipient
        ]
        pending = Pending(row.id, row.team_id, row.kind, row.recipient, dict(row.payload), 1)
        texts = {}
        for locale in ("ko", "en"):
            out = render(s, pending, Reader(recipient, locale, SEOUL), kst(2026, 11, 27, 12), RULES)
            assert isinstance(out, Outgoing) and out.args["channel"] == recipient
            texts[locale] = out.args["text"]
    assert f"#{directive.id}" in texts["ko"] and ko.format(id=directive.id) in texts["ko"]
    assert f"#{directive.id}" in texts["en"] and en in texts["en"]


def test_a_directive_reminder_renders_nothing_once_it_is_done(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    make_project(sf, ["U2"])
    directive = issue(sf, kst(2026, 11, 23, 9), date(2026, 11, 25), assignees=("U2",))
    run(sf, kst(2026, 11, 24, 10))
    with write_transaction(sf) as s:
        directives.report(
            s, TEAM, "U2", directive.id, kind=directives.ReportKind.COMPLETION, text="완료", now=kst(2026, 11, 24, 11)
        )
        directives.accept(s, TEAM, LEAD, directive.id, is_admin=False, now=kst(2026, 11, 24, 12))
    assert rendered(sf, DIRECTIVE_REMINDER, "U2", "ko", kst(2026, 11, 24, 12, 1)) is None


# --- one DM a morning ---------------------------------------------------------------------------------

SIX = ("YOUTH", "CARE", "FARM", "SEA", "DATA", "HALL")


def daily_dm(sf: sessionmaker[Session], recipient: str, at: datetime, locale: str = "ko", tz: str = SEOUL):
    """What delivering that person's (only) DM of the morning queued at `at` would send then."""
    with sf() as s:
        row = s.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == DAILY, OutboxMessage.recipient == recipient, OutboxMessage.created_at == at
            )
        ).one()
        pending = Pending(row.id, row.team_id, row.kind, row.recipient, dict(row.payload), row.attempts)
        return render(s, pending, Reader(recipient, locale, tz), at, RULES)


def buttons_of(out: Outgoing, action_id: str) -> list[str]:
    blocks = out.args["blocks"]
    return [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id]


def test_a_person_in_six_projects_gets_one_dm_on_monday_listing_the_six_with_six_buttons(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    infos = [make_project(sf, ["U2"], key=key, channel=f"C{key}") for key in SIX]
    for key in SIX:
        report(sf, LEAD, kst(2026, 11, 23, 9), key=key)
    run(sf, kst(2026, 11, 23, 9, 59), kst(2026, 11, 23, 10), kst(2026, 11, 23, 10), kst(2026, 11, 23, 10, 30))
    assert [(d.recipient, d.key, d.at) for d in sent(sf, DAILY)] == [("U2", "daily:U2:2026-11-23", kst(2026, 11, 23))]
    assert sorted(n[2] for n in nudged(sf, "U2")) == [1] * 6  # each project's item, recorded as gathered
    with sf() as s:
        items = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == NUDGE)).all()
    assert {(m.status.value, m.last_error) for m in items} == {("sent", "daily:U2:2026-11-23")}

    out = daily_dm(sf, "U2", kst(2026, 11, 23))
    assert isinstance(out, Outgoing) and out.method == "chat.postMessage" and out.args["channel"] == "U2"
    lines = out.args["text"].splitlines()
    assert lines[0] == ":sunrise: 오늘 처리하실 일이 6건 있습니다."
    assert lines[1:] == [
        f":memo: *청년 일자리 {key}* (`{key}`)의 11월 4주차(11. 23.~11. 29.) 진척 보고가 아직 없습니다. "
        "한두 줄이면 충분합니다."
        for key in SIX
    ]
    assert buttons_of(out, "progress_open") == list(SIX)
    assert buttons_of(out, "nudge_snooze") == [f"{info.id}:2026-11-23" for info in infos]
    assert len(out.args["blocks"]) == 1 + 6 * 2  # the title, then each project's line and its two buttons

    en = daily_dm(sf, "U2", kst(2026, 11, 23), locale="en")
    assert isinstance(en, Outgoing) and en.args["text"].splitlines()[0] == ":sunrise: 6 things need you today."

    # reported on two before the DM went out: it lists the other four; on all six: nothing is sent
    for key in ("CARE", "SEA"):
        report(sf, "U2", kst(2026, 11, 23, 10, 40), key=key)
    out = daily_dm(sf, "U2", kst(2026, 11, 23))
    assert isinstance(out, Outgoing) and buttons_of(out, "progress_open") == ["YOUTH", "FARM", "DATA", "HALL"]
    assert out.args["text"].splitlines()[0] == ":sunrise: 오늘 처리하실 일이 4건 있습니다."
    for key in ("YOUTH", "FARM", "DATA", "HALL"):
        report(sf, "U2", kst(2026, 11, 23, 10, 50), key=key)
    assert daily_dm(sf, "U2", kst(2026, 11, 23)) is None


def test_six_second_nudges_then_six_escalations_come_as_one_dm_a_day_each(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL)
    for key in SIX:
        make_project(sf, ["U2"], key=key, channel=f"C{key}")
        report(sf, LEAD, kst(2026, 11, 23, 9), key=key)
    run(sf, hours(kst(2026, 11, 23, 9), kst(2026, 11, 25, 18)))
    assert [(d.recipient, d.at) for d in sent(sf, DAILY)] == [
        ("U2", kst(2026, 11, 23)),
        ("U2", kst(2026, 11, 24)),
        (LEAD, kst(2026, 11, 25)),
    ]
    tuesday = daily_dm(sf, "U2", kst(2026, 11, 24))
    assert isinstance(tuesday, Outgoing) and buttons_of(tuesday, "progress_open") == list(SIX)
    assert tuesday.args["text"].count("다시 알려 드립니다") == 6
    wednesday = daily_dm(sf, LEAD, kst(2026, 11, 25))
    assert isinstance(wednesday, Outgoing)
    assert wednesday.args["text"].splitlines()[1:] == [
        f":bell: *청년 일자리 {key}* (`{key}`): 두 번 알린 뒤에도 11월 4주차(11. 23.~11. 29.) 진척 보고가 없는 "
        "참여자 1명: <@U2>"
        for key in SIX
    ]
    assert buttons_of(wednesday, "progress_open") == []
    # run again over the same three days: nothing queued twice
    assert all(not any(q.values()) for q in run(sf, hours(kst(2026, 11, 23, 9), kst(2026, 11, 25, 18))))


def test_a_reminder_due_after_the_mornings_dm_waits_for_the_next_mornings(session_factory):
    sf = session_factory
    people(sf, U1=SEOUL, U2=SEOUL, U5=SEOUL)
    make_project(sf, ["U2", "U5"])
    for who in (LEAD, "U5"):
        report(sf, who, kst(2026, 11, 23, 9))
    make_request(sf, kst(2026, 11, 23, 10))  # 24 office hours on Wednesday 16:00
    run(sf, hours(kst(2026, 11, 23, 9), kst(2026, 11, 26, 9, 30), timedelta(minutes=30)))
    # U2's DMs: Monday's and Tuesday's nudges; Wednesday's nothing, so the reminder goes alone at 16:00
    assert [d.at for d in sent(sf, DAILY, "U2")] == [kst(2026, 11, 23), kst(2026, 11, 24), kst(2026, 11, 25, 16)]
    out = daily_dm(sf, "U2", kst(2026, 11, 25, 16))
    assert isinstance(out, Outgoing)
    assert out.args["text"].splitlines() == [
        ":sunrise: 오늘 처리하실 일이 1건 있습니다.",
        ":hourglass: 결재 #1 “청년 주거 지원 협약안 결재”가 근무시간 기준 24시간째 결재를 기다리고 있습니다.",
    ]
