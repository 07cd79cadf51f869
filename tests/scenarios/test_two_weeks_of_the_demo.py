"""Two weeks of the demo organisation, the clock moved hour by hour from Monday 7 December 2026: a member
away over the first due day, someone joining mid-week, an approval its first approver sits on, a 전결 line
with 합의, a returned request resubmitted, a poll vote. Every nudge, reminder and digest line is checked
against what a person in the office would expect, in Korean (nudges and reminders as each person's one DM
of the morning says them), and December's scores against hand-computed figures.

The organisation (bot/demo.py): 14 projects, 48 (member, project) pairs. Times are Seoul time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import demo
from bot.compose import organisation
from bot.settings import Settings
from kit.reader import Reader
from models import OutboxMessage
from models.db import write_transaction
from scheduler.jobs import tick
from scheduler.notifications import Outgoing, render
from services import approvals, discussions, ledger, polls, progress, projects
from services.approvals import Decision, Draft
from services.calendar import WorkCalendar
from services.outbox import Pending
from services.progress import Entry

SEOUL = ZoneInfo("Asia/Seoul")
KR = WorkCalendar("KR")
TEAM = demo.TEAM
SETTINGS = Settings(admins=frozenset({demo.ADMIN}))
ORG = organisation(SETTINGS)
RULES = ORG.rules
TIMED = ("nudge.progress", "nudge.escalation", "reminder.approval", "reminder.approval_overdue", "reminder.directive")
DAILY = "nudge.daily"
PAIRS = sum(1 + len(members) for _, _, _, members, _, _ in demo.PROJECTS)

KIM, LEE, PARK, CHOI, YOON, JANG, CHO, SMITH, LIM = (
    "U0KIM",
    "U0LEE",
    "U0PARK",
    "U0CHOI",
    "U0YOON",
    "U0JANG",
    "U0CHO",
    "U0SMITH",
    "U0LIM",
)


def kst(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SEOUL).astimezone(UTC)


@dataclass(frozen=True)
class Sent:
    at: datetime
    kind: str
    recipient: str
    text: str
    payload: dict
    blocks: tuple = ()


class Office:
    """The demo organisation on a database, driven through the services at given moments; the scheduler
    ticks every hour of office days, and whatever it queues is rendered as its recipient would read it. The
    nudges and reminders (TIMED) are recorded as gathered, with no text: what people read of them is the DM
    of the morning (DAILY) that carries them."""

    def __init__(self, sf) -> None:
        self.sf = sf
        self.sent: list[Sent] = []
        self._seen = 0

    def do(self, moment: datetime, action) -> object:
        with write_transaction(self.sf) as s:
            return action(s, moment)

    def tick(self, moment: datetime) -> None:
        tick(self.sf, ORG, moment)
        with self.sf() as s:
            rows = s.scalars(select(OutboxMessage).where(OutboxMessage.id > self._seen).order_by(OutboxMessage.id))
            for row in rows:
                self._seen = row.id
                if row.kind in TIMED:
                    assert row.status.value == "sent" and row.last_error.startswith("daily:"), row.dedupe_key
                    self.sent.append(Sent(moment, row.kind, row.recipient, "", dict(row.payload)))
                    continue
                if row.kind not in (DAILY, "digest.project"):
                    continue
                pending = Pending(row.id, row.team_id, row.kind, row.recipient, dict(row.payload), 0)
                out = render(s, pending, Reader(row.recipient, "ko", "Asia/Seoul"), moment, RULES)
                if isinstance(out, Outgoing):
                    blocks = tuple(out.args.get("blocks", ()))
                    self.sent.append(Sent(moment, row.kind, row.recipient, out.args["text"], dict(row.payload), blocks))

    def at(self, moment: datetime, kind: str, recipient: str | None = None) -> list[Sent]:
        return [m for m in self.sent if m.at == moment and m.kind == kind and recipient in (None, m.recipient)]

    def of(self, recipient: str, kind: str | None = None) -> list[Sent]:
        return [m for m in self.sent if m.recipient == recipient and kind in (None, m.kind)]

    def dm(self, moment: datetime, recipient: str) -> Sent:
        """The one DM of the morning that person was sent at that moment."""
        [found] = self.at(moment, DAILY, recipient)
        return found


def report(who: str, key: str, percent: int | None = None):
    return lambda s, now: progress.post(
        s, TEAM, who, key, Entry(done="주간 진척", percent=percent), now=now, calendar=KR
    )


def project_name(key: str) -> str:
    return next(name for k, name, *_ in demo.PROJECTS if k == key)


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Office:
    """Runs the two weeks once; each test reads what happened."""
    from models import migrate
    from models.db import make_engine, make_session_factory

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('weeks') / 'office.db'}")
    migrate.upgrade(engine)
    sf = make_session_factory(engine)
    seeded = demo.seed(sf, kst(7, 9, 30))
    assert seeded.opens_at == kst(7, 9, 30)
    o = Office(sf)

    def vote(s, now):
        found = discussions.for_project(s, TEAM, "ATOPY", viewer=KIM, is_admin=False)[1][0]
        return polls.vote(s, TEAM, KIM, found.options[0].id, today=now.astimezone(SEOUL).date(), now=now)

    events = {
        # week 1
        kst(7, 9, 35): [lambda s, now: approvals.set_away(s, TEAM, YOON, LIM, date(2026, 12, 8), now=now)],
        kst(7, 9, 40): [report(KIM, "ATOPY", 40)],
        kst(7, 11): [report(KIM, "VILLAGE")],  # after 10:00: late
        kst(7, 11, 5): [vote],
        kst(8, 10, 30): [
            lambda s, now: approvals.create(
                s,
                TEAM,
                KIM,
                "JOBS",
                Draft(title="청년 인턴 협약", approvers=[CHOI], agreement=[SMITH], final=CHOI),
                now=now,
            )
        ],
        kst(8, 14): [lambda s, now: approvals.decide(s, TEAM, SMITH, _step(s, 2, SMITH), Decision.APPROVE, now=now)],
        kst(8, 16): [lambda s, now: approvals.decide(s, TEAM, CHOI, _step(s, 2, CHOI), Decision.APPROVE, now=now)],
        kst(9, 11): [
            lambda s, now: approvals.create(s, TEAM, CHO, "FARM", Draft(title="직거래 장터", approvers=[CHOI]), now=now)
        ],
        kst(9, 14): [lambda s, now: projects.join(s, TEAM, JANG, "ATOPY", now=now)],
        kst(10, 10): [
            lambda s, now: approvals.decide(
                s, TEAM, CHOI, _step(s, 3, CHOI), Decision.REJECT, now=now, comment="예산 근거 보완"
            )
        ],
        kst(10, 11): [
            lambda s, now: approvals.create(
                s, TEAM, CHO, "FARM", Draft(title="직거래 장터", approvers=[CHOI], resubmission_of=3), now=now
            )
        ],
        kst(10, 14): [lambda s, now: approvals.decide(s, TEAM, CHOI, _step(s, 4, CHOI), Decision.APPROVE, now=now)],
        # week 2
        kst(14, 9, 10): [report(KIM, key) for key in ("ATOPY", "VILLAGE", "JOBS", "HALL", "DATA")],
        kst(14, 10, 30): [report(JANG, "ATOPY")],
    }
    moments = sorted(
        set(events)
        | {kst(day, hour) for day in range(7, 21) for hour in range(8, 19)}
        | {kst(day, hour, 30) for day in range(7, 21) for hour in range(8, 19)}
    )
    for moment in moments:
        for action in events.get(moment, []):
            o.do(moment, action)
        if moment.astimezone(SEOUL).minute == 0 or moment in events:
            o.tick(moment)
    yield o
    engine.dispose()


def _step(session, request_id: int, approver: str) -> int:
    info = approvals.get(session, TEAM, request_id)
    return next(s.id for s in info.steps if s.approver == approver)


# -- week 1: nudges -------------------------------------------------------------------------------------


def test_monday_ten_oclock_nudges_everyone_who_owes_and_not_who_reported_or_was_away(office):
    nudged = office.at(kst(7, 10), "nudge.progress")
    # all pairs, less 이서연 and 김민수 on ATOPY (reported before 10:00) and 윤재원's five (away over the due time)
    assert len(nudged) == PAIRS - 2 - 5
    assert not [m for m in nudged if m.recipient == YOON]
    assert sorted(m.payload["project_id"] for m in office.at(kst(7, 10), "nudge.progress", KIM)) == sorted(
        _ids(office, "VILLAGE", "JOBS", "HALL", "DATA")
    )
    dm = office.dm(kst(7, 10), KIM)
    assert dm.text.splitlines()[0] == ":sunrise: 오늘 처리하실 일이 4건 있습니다."
    assert dm.text.count("진척 보고가 아직 없습니다") == 4
    assert all(f"*{project_name(key)}* (`{key}`)" in dm.text for key in ("VILLAGE", "JOBS", "HALL", "DATA"))
    assert _buttons(dm, "progress_open") == ["VILLAGE", "JOBS", "HALL", "DATA"]
    assert _buttons(dm, "nudge_snooze") == [f"{i}:2026-12-07" for i in _ids(office, "VILLAGE", "JOBS", "HALL", "DATA")]
    assert not office.at(kst(7, 10), DAILY, YOON)


def test_the_second_nudge_goes_the_next_working_day_only_to_who_is_still_missing(office):
    second = office.at(kst(8, 10), "nudge.progress", KIM)
    assert sorted(m.payload["project_id"] for m in second) == sorted(_ids(office, "JOBS", "HALL", "DATA"))
    assert {m.payload["stage"] for m in second} == {2}
    dm = office.dm(kst(8, 10), KIM)
    assert dm.text.splitlines()[0] == ":sunrise: 오늘 처리하실 일이 3건 있습니다."
    assert dm.text.count("다시 알려 드립니다") == 3 and "우리 마을 만들기" not in dm.text  # VILLAGE reported at 11:00
    assert _buttons(dm, "progress_open") == ["JOBS", "HALL", "DATA"]
    assert not office.at(kst(8, 10), "nudge.progress", YOON)  # back from Wednesday, and the week was excused


def test_leads_hear_on_wednesday_who_is_still_missing_naming_only_who_owed(office):
    data = [
        m for m in office.at(kst(9, 10), "nudge.escalation", KIM) if m.payload["project_id"] in _ids(office, "DATA")
    ]
    assert len(data) == 1
    [data_line] = [line for line in office.dm(kst(9, 10), KIM).text.splitlines() if "(`DATA`)" in line]
    assert "두 번 알린 뒤에도" in data_line
    assert all(f"<@{person}>" in data_line for person in (demo.ADMIN, CHOI, KIM))
    atopy = [
        m for m in office.at(kst(9, 10), "nudge.escalation", PARK) if m.payload["project_id"] in _ids(office, "ATOPY")
    ]
    assert len(atopy) == 1
    [atopy_line] = [line for line in office.dm(kst(9, 10), PARK).text.splitlines() if "(`ATOPY`)" in line]
    assert "두 번 알린 뒤에도" in atopy_line and "<@U0PARK>" in atopy_line
    assert "<@U0YOON>" not in atopy_line and "<@U0JANG>" not in atopy_line  # away at the due time; not yet a member
    assert not [m for m in office.of(YOON, "nudge.progress") if m.at < kst(14, 0)]  # nothing piled up on return


# -- week 1: approvals and directives ----------------------------------------------------------------------


def test_the_approver_sitting_on_a_request_is_reminded_after_24_office_hours_then_the_requester_is_told(office):
    reminders = office.of(PARK, "reminder.approval")
    # turn began Monday 09:30: 8.5 + 9 + 6.5 office hours is Wednesday 15:30, but 박지호's DM of Wednesday went
    # at 10:00 (the ATOPY escalation), so Thursday's carries it: 9 more hours on Wednesday, 1 on Thursday
    assert [m.at for m in reminders] == [kst(10, 10)]
    assert [line for line in office.dm(kst(10, 10), PARK).text.splitlines() if "결재 #1" in line] == [
        ":hourglass: 결재 #1 “시범 학교 공기청정기 구매”가 근무시간 기준 27시간째 결재를 기다리고 있습니다."
    ]
    overdue = office.of(LEE, "reminder.approval_overdue")
    # 72 office hours: Thursday 17 December 09:30 (the lead is the approver himself, so only the requester)
    assert [m.at for m in overdue] == [kst(17, 10)]
    [overdue_line] = [line for line in office.dm(kst(17, 10), LEE).text.splitlines() if "결재 #1" in line]
    assert "<@U0PARK> 결재 단계에서 근무시간 기준 72시간째 대기 중입니다." in overdue_line
    assert not office.of(PARK, "reminder.approval_overdue") and not office.of(KIM, "reminder.approval")


def test_a_jeongyeol_line_with_agreement_completes_once_the_agreement_is_in(office):
    with office.sf() as s:
        jobs = approvals.get(s, TEAM, 2)
        history = [e.action for e in approvals.history(s, TEAM, 2)]
    assert [(x.approver, x.kind.value, x.final, x.status.value) for x in jobs.steps] == [
        (SMITH, "agree", False, "approved"),
        (CHOI, "approve", True, "approved"),
    ]
    assert jobs.status.value == "approved"
    assert history == ["approval.requested", "approval.agreed", "approval.approved", "approval.completed"]


def test_a_returned_request_is_resubmitted_and_approved_with_its_history(office):
    with office.sf() as s:
        first, second = approvals.get(s, TEAM, 3), approvals.get(s, TEAM, 4)
        history = [(e.action, e.detail["request"]) for e in approvals.history(s, TEAM, 4)]
    assert (first.status.value, first.reason) == ("rejected", "예산 근거 보완")
    assert (second.status.value, second.resubmission_of) == ("approved", 3)
    assert history[0] == ("approval.requested", 3) and history[-1] == ("approval.completed", 4)


def test_directive_reminders_reach_the_assignees_each_stage_once_and_then_the_issuer(office):
    for person in (YOON, LEE):
        stages = [(m.payload["stage"], m.at) for m in office.of(person, "reminder.directive")]
        # due Thursday 10 December: three working days after Monday
        assert stages == [("before", kst(9, 10)), ("due", kst(10, 10)), ("overdue", kst(11, 10))]
    assert [(m.payload["stage"], m.at) for m in office.of(PARK, "reminder.directive")] == [("issuer", kst(14, 10))]


# -- week 2 -------------------------------------------------------------------------------------------------


def test_mondays_digest_describes_last_week(office):
    [digest] = [m for m in office.at(kst(14, 9), "digest.project") if m.recipient == "C0ATOPY"]
    assert digest.payload["week_start"] == "2026-12-07"
    with office.sf() as s:
        from services import digests

        week = digests.project_week(
            s, TEAM, digest.payload["project_id"], week_start=date(2026, 12, 7), now=kst(14, 9), calendar=KR
        )
    assert (week.week_start, week.week_end) == (date(2026, 12, 7), date(2026, 12, 13))
    assert {m.slack_user_id: m.reported for m in week.members} == {
        PARK: False,
        LEE: True,
        YOON: False,
        KIM: True,
        JANG: False,
    }
    assert week.missing == (PARK,) and week.late  # 윤재원 was away, 장미래 joined on Wednesday
    assert week.approvals.opened == 1 and week.directives.opened == 1
    assert Counter(m.recipient for m in office.at(kst(14, 9), "digest.project")) == Counter(
        f"C0{key}" for key, *_ in demo.PROJECTS
    )


def test_someone_who_joined_midweek_owes_from_the_next_week(office):
    jang = {m.payload["project_id"] for m in office.at(kst(14, 10), "nudge.progress", JANG)}
    assert jang == set(_ids(office, "ATOPY", "SAFE", "HALL", "SEA"))
    assert not office.at(kst(14, 10), "nudge.progress", KIM)  # reported everything at 09:10


# -- December's scores ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def december(office) -> dict[str, ledger.PersonMonth]:
    with office.sf() as s:
        # as the month stands on Saturday 19 December: two weekly reports have fallen due
        found = ledger.month_records(s, TEAM, ledger.Month(2026, 12), now=kst(19, 12), rules=RULES)
    return {r.person: r for r in found}


def test_december_scores_match_the_hand_computed_figures(december):
    # 김민수: 10 reports due, 6 on time + 1 late (half) = 0.65 x 50; one vote of four = 0.25 x 10 -> 35 / 60
    assert december[KIM].score == 58.3
    # 최유진: 10 reports missed (0 x 50); three decisions, each within 24 office hours (1.0 x 20) -> 20 / 70
    assert december[CHOI].score == 28.6
    # 박지호: 4 reports missed; sat on #1 past its deadline (0 x 20); opened a discussion (2 of 4 x 10) -> 5 / 80
    assert december[PARK].score == 6.2
    # 장미래: 7 due (ATOPY's first week excused: joined after it fell due), one late report -> 0.5 / 7 x 50 / 60
    assert december[JANG].score == 6.0
    jang_atopy = next(line for line in december[JANG].lines if line.project_key == "ATOPY")
    assert (jang_atopy.progress_due, jang_atopy.late, jang_atopy.not_due) == (1, 1, 1)
    # 윤재원: away over the first due day (excused on all five), then nothing; the directive overdue -> 0
    assert december[YOON].score == 0.0
    assert sum(line.not_due for line in december[YOON].lines) == 5


def test_the_score_is_the_same_from_every_surface(office, december):
    with office.sf() as s:
        mine = ledger.person_month(s, TEAM, KIM, ledger.Month(2026, 12), now=kst(19, 12), rules=RULES)
    assert mine.score == december[KIM].score
    assert [c.value for c in mine.components] == [c.value for c in december[KIM].components]


def _ids(office: Office, *keys: str) -> list[int]:
    with office.sf() as s:
        return [projects.get(s, TEAM, key).id for key in keys]


def _buttons(dm: Sent, action_id: str) -> list[str]:
    return [
        e["value"] for b in dm.blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id
    ]


def test_every_nudge_names_its_project_in_its_recipients_dm_of_that_morning(office):
    names = {_ids(office, key)[0]: project_name(key) for key, *_ in demo.PROJECTS}
    for m in office.sent:
        if m.kind == "nudge.progress":
            assert names[m.payload["project_id"]] in office.dm(m.at, m.recipient).text


def test_each_person_gets_at_most_one_dm_a_day_listing_every_item_gathered_into_it(office):
    days = Counter((m.recipient, m.at.astimezone(SEOUL).date()) for m in office.sent if m.kind == DAILY)
    assert days and max(days.values()) == 1
    for m in office.sent:
        if m.kind == DAILY:
            items = [i for i in office.sent if i.kind in TIMED and (i.at, i.recipient) == (m.at, m.recipient)]
            assert m.text.splitlines()[0] == f":sunrise: 오늘 처리하실 일이 {len(items)}건 있습니다."
            assert len(m.text.splitlines()) == 1 + len(items)
    # who was sent what on the first Monday at 10:00: one DM each, one line a project owed
    monday = Counter(m.recipient for m in office.at(kst(7, 10), "nudge.progress"))
    assert Counter({m.recipient: 1 for m in office.at(kst(7, 10), DAILY)}) == Counter(dict.fromkeys(monday, 1))
    assert monday[KIM] == 4 and YOON not in monday


def test_nobody_is_messaged_outside_office_days_or_inside_quiet_hours(office):
    for m in office.sent:
        local = m.at.astimezone(SEOUL)
        assert KR.is_working_day(local.date()) and 8 <= local.hour < 19, m
    assert max(m.at for m in office.sent) < kst(21, 0) + timedelta(days=1)
