"""Exports for HR and records retention: the participation ledger as CSV (UTF-8 with a BOM) and XLSX,
read back the way a spreadsheet would, and the audit trail between two days."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import update

from kit.blocks.reports import describe
from kit.i18n import t
from models import AuditEvent, Project, ProjectMember
from models.base import utcnow
from services import exports, ledger, progress, projects, users
from services.calendar import WorkCalendar
from services.exports import AUDIT_COLUMNS, PARTICIPATION_COLUMNS
from services.ledger import DEFAULT_WEIGHTS, Month
from services.progress import Entry
from services.working_time import WorkingTime

TEAM = "T1"
ADMIN = "UADMIN"
KR = WorkCalendar("KR")
SEP = Month(2026, 9)
JOINED = datetime(2026, 8, 1, tzinfo=UTC)


def kst(month, day, hour=0):
    return datetime(2026, month, day, hour, tzinfo=ZoneInfo("Asia/Seoul")).astimezone(UTC)


def make_project(s, key, name, lead, members):
    info = projects.create(
        s,
        TEAM,
        lead,
        projects.ProjectDraft(name=name, key=key, member_ids=members, timezone="Asia/Seoul"),
        now=utcnow(),
    )
    s.execute(update(ProjectMember).where(ProjectMember.project_id == info.id).values(joined_at=JOINED))
    s.execute(update(Project).where(Project.id == info.id).values(created_at=JOINED))
    return info


@pytest.fixture
def organisation(session_factory):
    with session_factory.begin() as s:
        for person, name, department in (
            ("U1", "김민수", "보건정책과"),
            ("U2", "이서연", "복지정책과"),
            ("U3", "Park Jiho", None),
        ):
            users.save_profile(s, TEAM, person, display_name=name, tz="Asia/Seoul", locale="ko", now=utcnow())
            users.set_department(s, TEAM, person, department)
        make_project(s, "ATOPY", "아토피 없는 경기도", "U1", ["U2"])
        make_project(s, "JOBS", '일자리 창출, "청년" 우선', "U3", ["U2"])
    with session_factory.begin() as s:
        progress.post(s, TEAM, "U2", "ATOPY", Entry(done="협약서 초안"), now=kst(9, 7, 9), calendar=KR)
        ledger.adjust(s, TEAM, ADMIN, "U2", SEP, 5, "합동 설명회 주관", is_admin=True, now=utcnow())
        ledger.adjust(s, TEAM, ADMIN, "U2", SEP, -2, "보고 지연 소명", is_admin=True, now=utcnow())
        ledger.adjust(s, TEAM, ADMIN, "U7", SEP, 0, "타 부서 파견 중", is_admin=True, now=utcnow())
    return session_factory


def month_records(sf, **scope):
    with sf() as s:
        return ledger.month_records(
            s,
            TEAM,
            SEP,
            now=datetime(2026, 10, 15, tzinfo=UTC),
            rules=ledger.Rules(KR, WorkingTime(KR), "Asia/Seoul", DEFAULT_WEIGHTS, 24),
            **scope,
        )


def header(locale="ko"):
    return [t(f"report.column.{c}", locale, plain=True) for c in PARTICIPATION_COLUMNS]


def rows_of(records, locale="ko"):
    return exports.participation_rows(records, lambda c: describe(c, locale, plain=True))


def col(name):
    return PARTICIPATION_COLUMNS.index(name)


def test_csv_starts_with_the_bom_and_reads_back_with_korean_intact(organisation, tmp_path):
    data = exports.to_csv(header(), rows_of(month_records(organisation)))
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    path = tmp_path / "participation-2026-09.csv"
    path.write_bytes(data)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == header() and table[0][:4] == ["월", "Slack ID", "이름", "부서"]
    body = {(row[col("person")], row[col("project")]): row for row in table[1:]}
    # one row a person and project (U2 is on both); an adjustment without any line gets a row of its own
    assert sorted(body) == [("U1", "ATOPY"), ("U2", "ATOPY"), ("U2", "JOBS"), ("U3", "JOBS"), ("U7", "")]
    assert len(table) == 6
    atopy = body[("U2", "ATOPY")]
    assert (atopy[col("name")], atopy[col("department")], atopy[col("project_name")]) == (
        "이서연",
        "복지정책과",
        "아토피 없는 경기도",
    )
    assert body[("U2", "JOBS")][col("project_name")] == '일자리 창출, "청년" 우선'  # quoted, comma kept
    assert body[("U3", "JOBS")][col("department")] == ""
    assert [atopy[col(c)] for c in ("month", "progress_due", "on_time", "late", "missed")] == [
        "2026-09",
        "4",
        "1",
        "0",
        "3",
    ]
    assert body[("U2", "JOBS")][col("missed")] == "4"
    assert "진척 보고" in atopy[col("breakdown")] and "가중치 50" in atopy[col("breakdown")]


def test_adjustments_are_in_their_columns_on_each_of_the_persons_rows(organisation):
    records = month_records(organisation)
    table = list(csv.reader(io.StringIO(exports.to_csv(header(), rows_of(records)).decode("utf-8-sig"))))
    by_person = {}
    for row in table[1:]:
        by_person.setdefault(row[col("person")], []).append(row)
    u2 = by_person["U2"]
    assert [r[col("adjustment")] for r in u2] == ["3", "3"]
    assert {r[col("adjustment_reason")] for r in u2} == {"합동 설명회 주관 (+5, UADMIN) / 보고 지연 소명 (-2, UADMIN)"}
    u2_score = next(r for r in records if r.person == "U2").score
    assert u2_score == 15.5  # progress: 1 on time of 8 due across both projects = 12.5, plus 3
    assert {r[col("score")] for r in u2} == {"15.5"}
    assert by_person["U1"][0][col("adjustment")] == "" and by_person["U1"][0][col("adjustment_reason")] == ""
    u7 = by_person["U7"][0]
    assert (u7[col("adjustment")], u7[col("score")], u7[col("project")]) == ("0", "", "")
    assert u7[col("adjustment_reason")] == "타 부서 파견 중 (+0, UADMIN)"


def test_xlsx_reads_back_with_the_header_and_korean_cells(organisation):
    rows = rows_of(month_records(organisation), "en")
    data = exports.to_xlsx(header("en"), rows, "2026-09")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.title == "2026-09" and sheet.freeze_panes == "A2"
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == header("en") and values[0][2:4] == ["name", "department"]
    assert len(values) == 1 + len(rows) == 6
    u2_atopy = next(r for r in values[1:] if r[col("person")] == "U2" and r[col("project")] == "ATOPY")
    assert u2_atopy[col("name")] == "이서연" and u2_atopy[col("department")] == "복지정책과"
    assert u2_atopy[col("project_name")] == "아토피 없는 경기도"
    assert u2_atopy[col("on_time")] == 1 and isinstance(u2_atopy[col("progress_due")], int)  # numbers stay numbers
    assert u2_atopy[col("score")] == 15.5 and u2_atopy[col("adjustment")] == 3
    assert "Progress reports" in u2_atopy[col("breakdown")]


def test_a_project_report_exports_only_that_projects_people(organisation):
    rows = rows_of(month_records(organisation, keys=["JOBS"]))
    assert sorted((r[col("person")], r[col("project")]) for r in rows) == [("U2", "JOBS"), ("U3", "JOBS")]


def test_a_name_that_looks_like_a_formula_stays_text_in_the_xlsx(session_factory):
    name = '=HYPERLINK("http://example.invalid","보고서")'
    with session_factory.begin() as s:
        make_project(s, "EVIL", name, "U1", [])
    rows = rows_of(month_records(session_factory))
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(header(), rows, "2026-09"))).active
    cell = sheet.cell(row=2, column=col("project_name") + 1)
    assert cell.data_type == "s" and cell.value == name


def test_a_control_character_in_a_name_does_not_break_the_xlsx(session_factory):
    with session_factory.begin() as s:
        make_project(s, "ESC", "사업\x1b계획", "U1", [])
    rows = rows_of(month_records(session_factory))
    data = exports.to_xlsx(header(), rows, "2026-09")
    assert openpyxl.load_workbook(io.BytesIO(data)).active.max_row == 2


# -- audit trail ---------------------------------------------------------------------------------------


def add_events(sf, *events):
    with sf.begin() as s:
        for team, at, action in events:
            s.add(
                AuditEvent(
                    team_id=team,
                    actor=ADMIN,
                    action=action,
                    subject_type="project",
                    subject_id=1,
                    detail={"key": "ATOPY", "name": "아토피 없는 경기도"},
                    created_at=at,
                )
            )


def test_audit_rows_between_two_days_both_included(session_factory):
    add_events(
        session_factory,
        (TEAM, datetime(2026, 8, 31, 23, 59, 59, tzinfo=UTC), "before"),
        (TEAM, datetime(2026, 9, 1, 0, 0, tzinfo=UTC), "first"),
        ("T2", datetime(2026, 9, 15, 12, 0, tzinfo=UTC), "other.team"),
        (TEAM, datetime(2026, 9, 30, 23, 59, 59, tzinfo=UTC), "last"),
        (TEAM, datetime(2026, 10, 1, 0, 0, tzinfo=UTC), "after"),
    )
    with session_factory() as s:
        everything = exports.audit_rows(s, date(2026, 9, 1), date(2026, 9, 30))
        one_team = exports.audit_rows(s, date(2026, 9, 1), date(2026, 9, 30), TEAM)
        one_day = exports.audit_rows(s, date(2026, 9, 30), date(2026, 9, 30))
        backwards = exports.audit_rows(s, date(2026, 9, 30), date(2026, 9, 1))
    assert [r[3] for r in everything] == ["first", "other.team", "last"]
    assert [r[3] for r in one_team] == ["first", "last"]
    assert [r[3] for r in one_day] == ["last"] and backwards == []
    first = everything[0]
    assert len(first) == len(AUDIT_COLUMNS)
    assert first[:6] == ["2026-09-01T00:00:00+00:00", TEAM, ADMIN, "first", "project", 1]
    assert json.loads(first[6]) == {"key": "ATOPY", "name": "아토피 없는 경기도"}
    assert "아토피" in first[6]  # not \\u-escaped


def test_audit_csv_reads_back(session_factory):
    add_events(session_factory, (TEAM, datetime(2026, 9, 2, 3, 0, tzinfo=UTC), "project.created"))
    with session_factory() as s:
        data = exports.to_csv(AUDIT_COLUMNS, exports.audit_rows(s, date(2026, 9, 1), date(2026, 9, 30)))
    assert data.startswith(exports.BOM.encode("utf-8"))
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == list(AUDIT_COLUMNS)
    assert table[1][3] == "project.created" and json.loads(table[1][6])["name"] == "아토피 없는 경기도"
