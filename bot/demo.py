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
    # (id, handle, name, department, title)
    (ADMIN, "admin", "정현우", "정보화정책관", "정보화정책관실 주무관"),
    ("U0KIM", "kim", "김민수", "정책기획관", "정책기획관실 기획팀장"),
    ("U0LEE", "lee", "이서연", "환경국", "기후환경정책과 주무관"),
    ("U0PARK", "park", "박지호", "보건복지국", "보건건강과장"),
    ("U0CHOI", "choi", "최유진", "경제실", "일자리정책과장"),
    ("U0JUNG", "jung", "정하늘", "문화체육관광국", "관광산업과장"),
    ("U0KANG", "kang", "강도윤", "도시주택실", "주택정책과 사무관"),
    ("U0CHO", "cho", "조은비", "농정해양국", "농식품유통과장"),
    ("U0YOON", "yoon", "윤재원", "교육협력국", "교육협력과장"),
    ("U0JANG", "jang", "장미래", "안전관리실", "재난안전과장"),
    ("U0LIM", "lim", "임소영", "자치행정국", "자치행정과장"),
    ("U0HAN", "han", "한지훈", "건설국", "건설정책과장"),
    ("U0SMITH", "smith", "Alex Smith", "국제협력관", "국제협력관실 전문관"),
]
ENGLISH = {"U0SMITH"}

# (key, name, lead, members, lead department, cooperating departments): every member's department is the
# lead department or a cooperating one (정책기획관 coordinates the projects 김민수 sits in on)
PROJECTS = [
    (
        "VILLAGE",
        "우리 마을 만들기",
        "U0LIM",
        ["U0KANG", "U0JUNG", "U0KIM"],
        "자치행정국",
        ["도시주택실", "문화체육관광국", "정책기획관"],
    ),
    (
        "JOBS",
        "일자리 창출",
        "U0CHOI",
        ["U0KIM", "U0YOON", "U0SMITH"],
        "경제실",
        ["정책기획관", "교육협력국", "국제협력관"],
    ),
    (
        "TOUR",
        "관광 활성화",
        "U0JUNG",
        ["U0CHO", "U0SMITH", "U0HAN"],
        "문화체육관광국",
        ["농정해양국", "국제협력관", "건설국"],
    ),
    (
        "ATOPY",
        "아토피 없는 경기도",
        "U0PARK",
        ["U0LEE", "U0YOON", "U0KIM"],
        "보건복지국",
        ["환경국", "교육협력국", "정책기획관"],
    ),
    (
        "HALL",
        "신청사 건립",
        "U0HAN",
        ["U0KANG", "U0JANG", "U0KIM"],
        "건설국",
        ["도시주택실", "안전관리실", "정책기획관"],
    ),
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

G, Y, R = Health.ON_TRACK, Health.AT_RISK, Health.BLOCKED

# Three weeks of reports per project, oldest first: (lead's percent, lead's health, first member's health,
# what the lead did). The first member reports 5 points behind the lead. HALL is blocked.
HISTORY: dict[str, list[tuple[int, Health, Health, str]]] = {
    "VILLAGE": [(15, G, G, "주민 공모 접수 시작"), (30, G, G, "마을 계획단 구성"), (45, G, G, "마을별 사업계획 심사")],
    "JOBS": [
        (20, G, G, "채용박람회 일정 확정"),
        (30, Y, Y, "참여 기업 모집"),
        (40, Y, Y, "참여 기업 38곳 확정"),
    ],
    "TOUR": [(10, G, G, "관광 자원 현황 조사"), (20, G, G, "시·군 협의회 개최"), (35, G, G, "관광 코스 시안 작성")],
    "ATOPY": [(10, G, G, "시범 학교 후보 조사"), (25, G, G, "교육청 협의"), (40, G, Y, "실내 공기질 측정 계획 수립")],
    "HALL": [
        (20, G, G, "기본 계획 수립"),
        (25, Y, Y, "부지 보상 협의"),
        (25, R, R, "보상 협의 결렬, 재감정 요청"),
    ],
    "CARE": [(30, G, G, "돌봄 수요 조사 완료"), (45, G, G, "통합 창구 시범 운영"), (60, G, G, "시범 운영 결과 분석")],
    "AIR": [(5, G, G, "배출 사업장 목록 정리"), (10, Y, G, "측정 장비 입찰 유찰"), (15, Y, Y, "재입찰 공고")],
    "FARM": [
        (40, G, G, "직매장 입점 농가 모집"),
        (55, G, G, "학교 급식 연계 협약"),
        (70, G, G, "2호 직매장 준비"),
    ],
    "SAFE": [(25, G, G, "재난 취약 시설 점검"), (35, G, G, "비상 연락망 정비"), (50, G, Y, "합동 훈련 계획 수립")],
    "YOUTH": [(10, Y, Y, "임대 주택 후보지 검토"), (15, Y, Y, "LH 협의 지연"), (30, G, G, "LH 협약 체결")],
    "DATA": [
        (20, G, G, "개방 대상 목록 작성"),
        (30, G, G, "개인정보 비식별 검토"),
        (40, G, G, "포털 시범 개방"),
    ],
    "SEA": [(15, G, G, "해안 쓰레기 실태 조사"), (20, G, G, "정화 활동 단체 모집"), (30, G, Y, "수거 장비 구매 지연")],
    "SCHOOL": [(35, G, G, "마을 강사 모집"), (50, G, G, "방과후 프로그램 개설"), (65, G, G, "학부모 만족도 조사")],
    "BUS": [(5, G, G, "노선 수요 분석"), (15, Y, Y, "운송 사업자 협의"), (20, Y, Y, "요금 체계 이견 조정 중")],
}
BLOCKERS = {"HALL": "토지 소유자 3명과 보상가 합의 실패. 재감정 결과가 나올 때까지 설계 공모를 미룹니다."}
MEMBER_DONE = ("현장 조사", "관계 기관 의견 수렴", "자료 정리")
# (project, weeks ago): reports that came in on the Wednesday afternoon, after the Monday 10:00 due time
LATE = {("TOUR", 2), ("SEA", 3), ("YOUTH", 2), ("BUS", 3), ("AIR", 2)}


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
    return [
        Person(uid, handle, name, locale="en-US" if uid in ENGLISH else "ko-KR", department=department, title=title)
        for uid, handle, name, department, title in PEOPLE
    ]


def _channel(key: str) -> str:
    return f"C0{key}"


def _post(
    session: Session, key: str, who: str, percent: int, done: str, now: datetime, health: Health, blockers: str = ""
) -> None:
    entry = progress.Entry(done=done, next="다음 단계 준비", percent=percent, health=health, blockers=blockers)
    with contextlib.suppress(DomainError):  # a period already reported is simply kept
        progress.post(session, TEAM, who, key, entry, now=now, calendar=WorkCalendar("KR"))


def seed(session_factory: sessionmaker[Session], now: datetime) -> Seeded:
    """Seeds the organisation as it stands on the Monday morning of `now`'s week: projects registered four
    weeks earlier, three weeks of reports (varied progress and health, a few late, one project blocked), and
    this morning's approval, directive and discussion."""
    now = opening(now)
    registered = now - timedelta(weeks=3, minutes=60)  # 08:30 three Mondays ago: that week's report is owed
    created: list[str] = []
    kept: list[str] = []
    with write_transaction(session_factory) as session:
        for uid, _handle, name, department, _title in PEOPLE:
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
            for weeks_ago, (percent, health, member_health, done) in zip((3, 2, 1), HISTORY[key], strict=True):
                moment = now - timedelta(weeks=weeks_ago, minutes=15)  # 09:15, before the 10:00 due time
                if (key, weeks_ago) in LATE:
                    moment += timedelta(days=2, hours=6)  # Wednesday 15:15
                blockers = BLOCKERS.get(key, "") if health is Health.BLOCKED else ""
                _post(session, key, lead, percent, done, moment, health, blockers)
                _post(
                    session,
                    key,
                    members[0],
                    max(percent - 5, 0),
                    MEMBER_DONE[3 - weeks_ago],
                    moment + timedelta(minutes=5),
                    member_health,
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
