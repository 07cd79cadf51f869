"""`onnuri demo`: a lived-in organisation for the console, after the article: the province's 14
convergence projects, people in several departments, some progress history, an approval line
waiting, an open directive and a discussion with a poll.

Everything goes through the services, as if people had typed it. Seeding twice changes nothing:
a project that already exists (by key) is left as it is, with its history.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.console.session import TEAM, Person
from models import DirectiveKind, Health
from models.db import write_transaction
from services import approvals, directives, discussions, progress, projects, users
from services.calendar import WorkCalendar
from services.errors import DomainError

ADMIN = "U0ADMIN"
SEOUL = ZoneInfo("Asia/Seoul")

PEOPLE = [
    # (id, handle, name, department)
    (ADMIN, "admin", "정관리", "정보화정책관"),
    ("U0KIM", "kim", "김민수", "정책기획관"),
    ("U0LEE", "lee", "이서연", "환경국"),
    ("U0PARK", "park", "박지호", "보건복지국"),
    ("U0CHOI", "choi", "최유진", "경제실"),
    ("U0JUNG", "jung", "정하늘", "문화체육관광국"),
    ("U0KANG", "kang", "강도윤", "도시주택실"),
    ("U0CHO", "cho", "조은비", "농정해양국"),
    ("U0YOON", "yoon", "윤재원", "교육협력국"),
    ("U0JANG", "jang", "장미래", "안전관리실"),
    ("U0LIM", "lim", "임소망", "자치행정국"),
    ("U0HAN", "han", "한결", "건설국"),
    ("U0SMITH", "smith", "Alex Smith", "국제협력관"),
]
ENGLISH = {"U0SMITH"}

# (key, name, lead, members, lead department, cooperating departments)
PROJECTS = [
    (
        "VILLAGE",
        "우리 마을 만들기",
        "U0LIM",
        ["U0KANG", "U0JUNG", "U0KIM"],
        "자치행정국",
        ["도시주택실", "문화체육관광국"],
    ),
    ("JOBS", "일자리 창출", "U0CHOI", ["U0KIM", "U0YOON", "U0SMITH"], "경제실", ["교육협력국", "국제협력관"]),
    ("TOUR", "관광 활성화", "U0JUNG", ["U0CHO", "U0SMITH", "U0HAN"], "문화체육관광국", ["농정해양국", "건설국"]),
    ("ATOPY", "아토피 없는 경기도", "U0PARK", ["U0LEE", "U0YOON", "U0KIM"], "보건복지국", ["환경국", "교육협력국"]),
    ("HALL", "신청사 건립", "U0HAN", ["U0KANG", "U0JANG", "U0KIM"], "건설국", ["도시주택실", "안전관리실"]),
    ("CARE", "돌봄 통합 지원", "U0PARK", ["U0LIM", "U0YOON"], "보건복지국", ["자치행정국", "교육협력국"]),
    ("AIR", "미세먼지 저감", "U0LEE", ["U0CHOI", "U0KANG"], "환경국", ["경제실", "도시주택실"]),
    ("FARM", "로컬푸드 직거래", "U0CHO", ["U0CHOI", "U0YOON"], "농정해양국", ["경제실", "교육협력국"]),
    ("SAFE", "재난 안전망 구축", "U0JANG", ["U0LIM", "U0HAN"], "안전관리실", ["자치행정국", "건설국"]),
    ("YOUTH", "청년 주거 지원", "U0KANG", ["U0CHOI", "U0JUNG"], "도시주택실", ["경제실", "문화체육관광국"]),
    ("DATA", "공공데이터 개방", "U0KIM", [ADMIN, "U0CHOI"], "정책기획관", ["정보화정책관", "경제실"]),
    ("SEA", "깨끗한 바다 만들기", "U0CHO", ["U0LEE", "U0JANG"], "농정해양국", ["환경국", "안전관리실"]),
    ("SCHOOL", "마을 교육 공동체", "U0YOON", ["U0LIM", "U0JUNG"], "교육협력국", ["자치행정국", "문화체육관광국"]),
    ("BUS", "광역버스 준공영제", "U0HAN", ["U0KANG", "U0SMITH"], "건설국", ["도시주택실", "국제협력관"]),
]


@dataclass(frozen=True)
class Seeded:
    created: list[str]
    kept: list[str]
    opens_at: datetime  # the demo's "now": Monday morning of its week, before the reports fall due


def opening(now: datetime) -> datetime:
    """09:30 on the Monday of `now`'s week in Seoul: the week's reports are not yet due (10:00), so the
    console's first suggested report is on time."""
    local = now.astimezone(SEOUL)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(9, 30), tzinfo=SEOUL).astimezone(UTC)


def people() -> list[Person]:
    return [Person(uid, handle, name, locale="en-US" if uid in ENGLISH else "ko-KR") for uid, handle, name, _ in PEOPLE]


def _channel(key: str) -> str:
    return f"C0{key}"


def _post(session: Session, key: str, who: str, percent: int, done: str, now: datetime, health: Health) -> None:
    entry = progress.Entry(done=done, next="다음 단계 준비", percent=percent, health=health)
    with contextlib.suppress(DomainError):  # a period already reported is simply kept
        progress.post(session, TEAM, who, key, entry, now=now, calendar=WorkCalendar("KR"))


def seed(session_factory: sessionmaker[Session], now: datetime) -> Seeded:
    """Seeds the organisation as it stands on the Monday morning of `now`'s week: projects registered four
    weeks earlier, three weeks of reports, and this morning's approval, directive and discussion."""
    now = opening(now)
    registered = now - timedelta(weeks=3, minutes=60)  # 08:30 three Mondays ago: that week's report is owed
    created: list[str] = []
    kept: list[str] = []
    with write_transaction(session_factory) as session:
        for uid, _handle, name, department in PEOPLE:
            users.save_profile(
                session,
                TEAM,
                uid,
                display_name=name,
                tz="Asia/Seoul",
                locale="en" if uid in ENGLISH else "ko",
                now=now,
            )
            users.set_department(session, TEAM, uid, department)
        for key, name, lead, members, lead_department, cooperating in PROJECTS:
            try:
                projects.get(session, TEAM, key)
                kept.append(key)
                continue
            except DomainError:
                pass
            projects.create(
                session,
                TEAM,
                lead,
                projects.ProjectDraft(
                    name=name,
                    key=key,
                    channel_id=_channel(key),
                    member_ids=members,
                    lead_department=lead_department,
                    cooperating_departments=cooperating,
                    timezone="Asia/Seoul",
                    target_date=date(now.year + 1, 6, 30),
                ),
                now=registered,
            )
            created.append(key)
            for weeks_ago, percent in ((3, 10), (2, 25), (1, 40)):
                moment = now - timedelta(weeks=weeks_ago, minutes=15)  # 09:15, before the 10:00 due time
                _post(session, key, lead, percent, "관계 부서 협의", moment, Health.ON_TRACK)
                _post(
                    session,
                    key,
                    members[0],
                    percent - 5,
                    "현장 조사",
                    moment,
                    Health.AT_RISK if weeks_ago == 1 else Health.ON_TRACK,
                )
        if "ATOPY" in created:
            _post(session, "ATOPY", "U0LEE", 45, "실내 공기질 측정 완료", now - timedelta(minutes=10), Health.ON_TRACK)
            approvals.create(
                session,
                TEAM,
                "U0LEE",
                "ATOPY",
                approvals.Draft(
                    title="시범 학교 공기청정기 구매", approvers=["U0PARK", "U0KIM"], details="12개 학교, 3천만 원"
                ),
                now=now,
            )
            directives.issue(
                session,
                TEAM,
                "U0PARK",
                "ATOPY",
                assignees=["U0YOON", "U0LEE"],
                text="시범 학교 선정 기준을 정리해 보고",
                kind=DirectiveKind.REPORT,
                due_date=None,
                is_admin=False,
                now=now,
                calendar=WorkCalendar("KR"),
            )
            discussions.open_(
                session,
                TEAM,
                "U0PARK",
                "ATOPY",
                topic="시범 학교를 어디부터 할까요?",
                background="예산은 12개 학교분입니다.",
                poll_options=["북부 먼저", "남부 먼저", "동시에"],
                is_admin=False,
                today=now.date(),
                now=now,
            )
    return Seeded(created, kept, now)
