"""`onnuri report participation|audit` as a subprocess against a SQLite file seeded through the services."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import update

from models import AuditEvent, Project, ProjectMember, migrate
from models.base import utcnow
from models.db import make_engine, make_session_factory
from services import ledger, progress, projects, users
from services.calendar import WorkCalendar
from services.exports import AUDIT_COLUMNS
from services.progress import Entry

ROOT = Path(__file__).parents[2]
TEAM = "T1"
KR = WorkCalendar("KR")
BOM = b"\xef\xbb\xbf"


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={"PATH": "", "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def kst(month, day, hour=0):
    return datetime(2026, month, day, hour, tzinfo=ZoneInfo("Asia/Seoul")).astimezone(UTC)


def seed_database(url: str, *, other_team: bool = False) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    sf = make_session_factory(engine)
    joined = datetime(2026, 8, 1, tzinfo=UTC)
    with sf.begin() as s:
        for person, name, department in (("U1", "김민수", "보건정책과"), ("U2", "이서연", "복지정책과")):
            users.save_profile(s, TEAM, person, display_name=name, tz="Asia/Seoul", locale="ko", now=utcnow())
            users.set_department(s, TEAM, person, department)
        projects.create(
            s,
            TEAM,
            "U1",
            projects.ProjectDraft(name="아토피 없는 경기도", key="ATOPY", member_ids=["U2"], timezone="Asia/Seoul"),
            now=utcnow(),
        )
        if other_team:
            projects.create(s, "T2", "U9", projects.ProjectDraft(name="다른 워크스페이스", key="OTHER"), now=utcnow())
        s.execute(update(ProjectMember).values(joined_at=joined))
        s.execute(update(Project).values(created_at=joined))
    with sf.begin() as s:
        for at in (kst(9, 7, 9), kst(9, 14, 9)):
            progress.post(s, TEAM, "U2", "ATOPY", Entry(done="협약서 초안"), now=at, calendar=KR)
        ledger.adjust(
            s, TEAM, "UADMIN", "U2", ledger.Month(2026, 9), 5, "합동 설명회 주관", is_admin=True, now=kst(10, 2, 9)
        )
        for at, action in (
            (datetime(2026, 8, 31, 23, 59, tzinfo=UTC), "before.range"),
            (datetime(2026, 9, 1, 0, 0, tzinfo=UTC), "project.edited"),
            (datetime(2026, 9, 30, 23, 59, tzinfo=UTC), "directive.accepted"),
            (datetime(2026, 10, 1, 0, 0, tzinfo=UTC), "after.range"),
        ):
            s.add(
                AuditEvent(
                    team_id=TEAM,
                    actor="U1",
                    action=action,
                    subject_type="project",
                    subject_id=1,
                    detail={"name": "아토피 없는 경기도"},
                    created_at=at,
                )
            )
    engine.dispose()


@pytest.fixture
def seeded(tmp_path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'onnuri.db'}"
    seed_database(url)
    return {"DATABASE_URL": url}


def read_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(BOM)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_participation_csv(seeded, tmp_path):
    out = tmp_path / "out" / "9월.csv"
    out.parent.mkdir()
    result = run_cli(
        "report", "participation", "--month", "2026-09", "--format", "csv", "--out", str(out), env=seeded, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out) and result.stderr == ""
    table = read_csv(out)
    assert table[0][:6] == ["월", "Slack ID", "이름", "부서", "과제", "과제명"]
    rows = {r[1]: r for r in table[1:]}
    assert sorted(rows) == ["U1", "U2"]
    u2 = rows["U2"]
    assert u2[2:6] == ["이서연", "복지정책과", "ATOPY", "아토피 없는 경기도"]
    assert u2[6:10] == ["4", "2", "0", "2"]  # due, on time, late, missed
    assert (u2[-4], u2[-2]) == ("55.0", "5") and "합동 설명회 주관" in u2[-1]
    assert rows["U1"][3] == "보건정책과" and rows["U1"][-4] == "0.0"


def test_participation_csv_in_english_with_the_default_file_name(seeded, tmp_path):
    result = run_cli(
        "report", "participation", "--month", "2026-9", env={**seeded, "ONNURI_LOCALE": "en"}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "participation-2026-09.csv"
    table = read_csv(tmp_path / "participation-2026-09.csv")
    assert table[0][:4] == ["month", "Slack ID", "name", "department"]
    assert "아토피 없는 경기도" in {r[5] for r in table[1:]}


def test_participation_xlsx(seeded, tmp_path):
    out = tmp_path / "ledger.xlsx"
    result = run_cli(
        "report", "participation", "--month", "2026-09", "--format", "xlsx", "--out", str(out), env=seeded, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    sheet = openpyxl.load_workbook(io.BytesIO(out.read_bytes())).active
    values = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "2026-09"
    assert values[0][:4] == ("월", "Slack ID", "이름", "부서") and len(values) == 3
    u2 = next(v for v in values[1:] if v[1] == "U2")
    assert u2[2:6] == ("이서연", "복지정책과", "ATOPY", "아토피 없는 경기도")
    assert u2[6] == 4 and u2[-4] == 55


def test_audit_between_two_days_included(seeded, tmp_path):
    out = tmp_path / "audit.csv"
    result = run_cli(
        "report", "audit", "--from", "2026-09-01", "--to", "2026-09-30", "--out", str(out), env=seeded, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    table = read_csv(out)
    assert table[0] == list(AUDIT_COLUMNS)
    # every event carries the time of the action that caused it: the two reports were posted in September
    assert [r[3] for r in table[1:]] == ["progress.posted", "progress.posted", "project.edited", "directive.accepted"]
    assert table[3][0] == "2026-09-01T00:00:00+00:00" and "아토피 없는 경기도" in table[3][6]
    # the project was registered today (the seed's clock); a range including today finds it and the adjustment
    today = datetime.now(UTC).date().isoformat()
    result = run_cli("report", "audit", "--from", "2026-09-01", "--to", today, env=seeded, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    default = tmp_path / f"audit-2026-09-01-{today}.csv"
    assert result.stdout.strip() == default.name
    actions = [r[3] for r in read_csv(default)[1:]]
    assert "ledger.adjusted" in actions and "project.created" in actions and "before.range" not in actions


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("participation", "--month", "2026-13"), "onnuri: --month: not a month (YYYY-MM): '2026-13'"),
        (("participation", "--month", "September"), "onnuri: --month: not a month (YYYY-MM): 'September'"),
        (("participation", "--month", "2026-09-01", "--format", "xlsx"), "onnuri: --month: not a month"),
        (("audit", "--from", "2026-09-31", "--to", "2026-10-01"), "onnuri: --from: not a date (YYYY-MM-DD)"),
        (("audit", "--from", "2026-10-01", "--to", "2026-09-01"), "onnuri: --to is before --from"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(seeded, tmp_path, args, message):
    result = run_cli("report", *args, "--out", str(tmp_path / "never.csv"), env=seeded, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not (tmp_path / "never.csv").exists()


def test_several_workspaces_need_a_team(tmp_path):
    url = f"sqlite:///{tmp_path / 'two.db'}"
    seed_database(url, other_team=True)
    env = {"DATABASE_URL": url}
    refused = run_cli("report", "participation", "--month", "2026-09", env=env, cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("onnuri: --team: the database holds 2 workspaces")
    out = tmp_path / "t1.csv"
    chosen = run_cli(
        "report", "participation", "--month", "2026-09", "--team", "T1", "--out", str(out), env=env, cwd=tmp_path
    )
    assert chosen.returncode == 0, chosen.stderr
    assert {r[4] for r in read_csv(out)[1:]} == {"ATOPY"}


def test_an_unwritable_file_fails_in_one_line(seeded, tmp_path):
    out = tmp_path / "missing-dir" / "ledger.csv"
    result = run_cli("report", "participation", "--month", "2026-09", "--out", str(out), env=seeded, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("onnuri: cannot write the file") and result.stderr.count("\n") == 1
