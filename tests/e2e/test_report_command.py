"""/report end to end: my record in ko and en, the organisation's and a project's with the CSV and XLSX
uploaded to the caller's DM, refusals for members and for leads of other projects, admin adjustments
(audited, replayed once), bad months, help, and the App Home section."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select, update

from models import ApprovalStep, AuditEvent, LedgerAdjustment, Project, ProjectMember
from models.db import write_transaction
from services import progress, users
from services.calendar import WorkCalendar
from services.progress import Entry
from tests.conftest import ADMIN

KR = WorkCalendar("KR")


def kst(month, day, hour=0, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Seoul")).astimezone(UTC)


def setup(bot):
    """ATOPY (lead U1; U2, U3) and JOBS (lead U3; U2), members since August; September 2026:
    U2 reports 3 on time and 2 late of 8 (score 50); U3, in New York, 1 on time of 8 (12.5); U1 none (0)."""
    bot.command("/project", "new 아토피 없는 경기도 key=ATOPY <@U2|lee> <@U3|park>")
    bot.command("/project", "new 일자리 창출 key=JOBS <@U2|lee>", user="U3")
    joined = datetime(2026, 8, 1, tzinfo=UTC)
    bot.settle()
    with write_transaction(bot.session_factory) as s:
        s.execute(update(ProjectMember).values(joined_at=joined))
        # JOBS took its creator's zone (New York); both projects report on Seoul time here
        s.execute(update(Project).values(created_at=joined, timezone="Asia/Seoul"))
    for actor, key, at in (
        ("U2", "ATOPY", kst(9, 7, 9)),
        ("U2", "ATOPY", kst(9, 14, 9)),
        ("U2", "ATOPY", kst(9, 21, 11)),
        ("U2", "JOBS", kst(9, 7, 9)),
        ("U2", "JOBS", kst(9, 14, 11)),
        ("U3", "ATOPY", kst(9, 7, 10, 30)),  # 21:30 Sunday in New York: on time for U3
    ):
        with write_transaction(bot.session_factory) as s:
            progress.post(s, "T1", actor, key, Entry(done="진척 보고"), now=at, calendar=KR)
    bot.clock.set(datetime(2026, 10, 15, tzinfo=UTC))  # every September period is due


def text_of(answer) -> str:
    return answer.get("text", "") + json.dumps(answer.get("blocks", []), ensure_ascii=False)


def uploads(bot, user):
    """(filename, bytes) of every file completed into the user's DM."""
    names = {}
    for call in bot.fake.calls:
        if call.method == "files.getUploadURLExternal" and call.ok:
            names[call.response["file_id"]] = call.params["filename"]
    contents = {c.params["file_id"]: c.params["content"] for c in bot.fake.calls if c.method == "upload"}
    found = []
    for call in bot.fake.calls:
        if (
            call.method == "files.completeUploadExternal"
            and call.ok
            and call.params.get("channel_id") == f"D{user[1:]}"
        ):
            found += [(names[f["id"]], contents[f["id"]]) for f in call.params["files"]]
    return found


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def stored_adjustments(bot):
    with bot.session_factory() as s:
        rows = s.execute(select(LedgerAdjustment.points, LedgerAdjustment.reason, LedgerAdjustment.author)).all()
        audited = s.execute(
            select(AuditEvent.actor, AuditEvent.detail).where(AuditEvent.action == "ledger.adjusted")
        ).all()
    return [tuple(r) for r in rows], [tuple(a) for a in audited]


# -- my record ---------------------------------------------------------------------------------------


def test_report_me_in_korean(bot):
    setup(bot)
    answer = bot.command("/report", "me 2026-09", user="U2")
    shown = text_of(answer)
    assert answer["response_type"] == "ephemeral"
    assert "내 참여 실적 · 2026년 9월" in shown and "점수: *50* / 100" in shown
    assert "ATOPY" in shown and "JOBS" in shown and "아토피 없는 경기도" in shown
    assert "보고 4건 중 기한 내 2 · 지연 1 · 누락 1" in shown  # ATOPY
    assert "해당 없음" in shown  # approvals, directives, discussions had nothing due
    assert "가중치 50" in shown


def test_report_me_in_english_for_a_member_in_new_york(bot):
    setup(bot)
    shown = text_of(bot.command("/report", "me 2026-09", user="U3"))
    assert "My participation · September 2026" in shown and "Score: *12.5* / 100" in shown
    assert "reports 1 on time, 0 late, 3 missed of 4" in shown
    assert "점수" not in shown


def test_report_me_defaults_to_the_current_month_in_the_readers_zone(bot):
    setup(bot)
    bot.clock.set(kst(10, 1, 9))  # 1 October in Seoul, still 30 September in New York
    assert "내 참여 실적 · 2026년 10월" in text_of(bot.command("/report", "me", user="U2"))
    assert "My participation · September 2026" in text_of(bot.command("/report", "me", user="U3"))


def test_report_me_with_nothing_due_says_so(bot):
    shown = text_of(bot.command("/report", "me 2026-09", user="U2"))
    assert "이번 달에는 해당 업무가 없어 점수가 없습니다." in shown


@pytest.mark.parametrize("text", ["me <@U2|lee>", "me 2026-09 <@U2|lee>", "me U2"])
def test_a_member_cannot_see_someone_elses_record(bot, text):
    setup(bot)
    answer = bot.command("/report", text, user="U1")
    shown = text_of(answer)
    # refused (today as "not a month"), and nothing of U2's record, nor of U1's own, is shown
    assert answer["response_type"] == "ephemeral" and "header" not in shown
    assert "참여 실적" not in shown and "점수" not in shown and "ATOPY" not in shown and "50" not in shown
    assert uploads(bot, "U1") == []


# -- the organisation's and a project's record, with files ---------------------------------------------


def test_admin_gets_the_summary_and_both_files_in_their_dm(bot):
    setup(bot)
    answer = bot.command("/report", "participation 2026-09", user=ADMIN)
    shown = text_of(answer)
    assert answer["response_type"] == "ephemeral"
    assert "참여 실적 · 2026년 9월" in shown and "3명 · 평균 20.8점" in shown
    assert "CSV와 엑셀 파일을 온누리 DM으로 보냈습니다" in shown
    files = dict(uploads(bot, ADMIN))
    assert sorted(files) == ["participation-2026-09.csv", "participation-2026-09.xlsx"]
    table = csv_rows(files["participation-2026-09.csv"])
    assert table[0][:6] == ["월", "Slack ID", "이름", "부서", "과제", "과제명"]
    pairs = sorted((r[1], r[4]) for r in table[1:])
    assert pairs == [("U1", "ATOPY"), ("U2", "ATOPY"), ("U2", "JOBS"), ("U3", "ATOPY"), ("U3", "JOBS")]
    assert {r[5] for r in table[1:]} == {"아토피 없는 경기도", "일자리 창출"}
    sheet = openpyxl.load_workbook(io.BytesIO(files["participation-2026-09.xlsx"])).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == table[0] and len(values) == len(table)
    assert "아토피 없는 경기도" in {row[5] for row in values[1:]}
    completed = [c for c in bot.fake.calls if c.method == "files.completeUploadExternal" and c.ok]
    assert len(completed) == 1 and "참여 실적 2026-09" in completed[0].params.get("initial_comment", "")


def test_a_lead_gets_their_own_project_only(bot):
    setup(bot)
    shown = text_of(bot.command("/report", "participation 2026-09 atopy", user="U1"))
    # one project's figures, by person, and no score: a total over one project is not the person's score
    assert "참여 실적 · 2026년 9월 · ATOPY" in shown and "과제별 실적입니다" in shown and "평균" not in shown
    assert shown.count("`ATOPY` 아토피 없는 경기도:") == 3
    files = dict(uploads(bot, "U1"))
    assert sorted(files) == ["participation-2026-09-ATOPY.csv", "participation-2026-09-ATOPY.xlsx"]
    table = csv_rows(files["participation-2026-09-ATOPY.csv"])
    assert {r[4] for r in table[1:]} == {"ATOPY"} and len(table) == 4
    # without a key, a lead gets the projects they lead
    bot.command("/report", "participation 2026-09", user="U3")
    led = dict(uploads(bot, "U3"))
    rows = csv_rows(led["participation-2026-09-JOBS.csv"])
    assert {r[4] for r in rows[1:]} == {"JOBS"}
    score = rows[0].index("score")  # U3 reads English
    assert {r[score] for r in rows[1:]} == {""}  # no partial score under the score's name


def test_a_lead_asking_about_another_project_is_refused(bot):
    setup(bot)
    shown = text_of(bot.command("/report", "participation 2026-09 JOBS", user="U1"))
    assert "`JOBS` 과제의 주관 책임자나 관리자만 참여 실적을 볼 수 있습니다." in shown
    assert uploads(bot, "U1") == []
    english = text_of(bot.command("/report", "participation 2026-09 ATOPY", user="U3"))  # U3 is a member there
    assert "Only a lead of `ATOPY` or an admin can see its participation." in english
    assert uploads(bot, "U3") == []


def test_a_plain_member_is_refused_the_organisation_and_any_project(bot):
    setup(bot)
    for text in ("participation 2026-09", "participation", "participation 2026-09 ATOPY"):
        shown = text_of(bot.command("/report", text, user="U2"))
        assert "관리자" in shown and "참여 실적 · " not in shown and "평균" not in shown
    assert "전체 참여 실적은 관리자, 또는 주관 책임자가" in text_of(bot.command("/report", "participation", user="U2"))
    assert not [c for c in bot.fake.calls if c.method.startswith("files.")]


def test_an_admin_asking_for_an_unknown_project_is_told_so(bot):
    """A typo in the key is named, rather than answered with an empty summary and two empty files."""
    setup(bot)
    shown = text_of(bot.command("/report", "participation 2026-09 ATOPI", user=ADMIN))
    assert uploads(bot, ADMIN) == []
    assert "`ATOPI` 과제를 찾을 수 없습니다." in shown


# -- adjustments ---------------------------------------------------------------------------------------


def test_admin_adjusts_a_month_audited_once_even_if_replayed(bot):
    setup(bot)
    text = "adjust <@U2|lee> 2026-09 +5 합동 설명회 주관"
    first = bot.slack.command("/report", text, user_id=ADMIN, trigger_id="trig-adjust")
    assert "2026-09 실적에 기록했습니다: +5 (합동 설명회 주관)" in text_of(bot.answer(first))
    replayed = bot.slack.command("/report", text, user_id=ADMIN, trigger_id="trig-adjust")  # Slack retrying
    assert replayed.status == 200
    bot.settle()
    rows, audited = stored_adjustments(bot)
    assert rows == [(5, "합동 설명회 주관", ADMIN)]
    assert audited == [(ADMIN, {"person": "U2", "month": "2026-09", "points": 5})]
    shown = text_of(bot.command("/report", "me 2026-09", user="U2"))
    assert "점수: *55* / 100" in shown and "보정" in shown and "+5 합동 설명회 주관" in shown
    bot.command("/report", "adjust <@U2|lee> 2026-09 국외 출장 중 (메모)", user=ADMIN)  # a note: no points
    assert stored_adjustments(bot)[0][-1] == (0, "국외 출장 중 (메모)", ADMIN)
    assert "점수: *55* / 100" in text_of(bot.command("/report", "me 2026-09", user="U2"))
    bot.command("/report", "participation 2026-09", user=ADMIN)
    table = csv_rows(dict(uploads(bot, ADMIN))["participation-2026-09.csv"])
    u2_rows = [r for r in table[1:] if r[1] == "U2"]
    assert len(u2_rows) == 2 and {r[-2] for r in u2_rows} == {"5"}
    assert all("합동 설명회 주관" in r[-1] and "국외 출장 중" in r[-1] for r in u2_rows)
    assert {r[-2] for r in table[1:] if r[1] != "U2"} == {""}


def test_a_non_admin_cannot_adjust_and_nothing_is_stored(bot):
    setup(bot)
    shown = text_of(bot.command("/report", "adjust <@U2|lee> 2026-09 +5 셀프 보정", user="U1"))
    assert "관리자만 할 수 있습니다." in shown
    english = text_of(bot.command("/report", "adjust <@U2|lee> 2026-09 -5 nope", user="U3"))
    assert "Only an admin can do that." in english
    assert stored_adjustments(bot) == ([], [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("adjust 2026-09 +5 사유", "대상자를 적어 주십시오"),
        ("adjust <@U2|lee> 2026-09 +5", "사유를 적어 주십시오"),
        ("adjust <@U2|lee> 2026-09 +25 너무 큰 보정", "보정은 한 사람의 한 달 합계로 위아래 20점까지입니다"),
        ("adjust <@U2|lee> 2026-09 +1000 아주 큰 보정", "보정은 한 사람의 한 달 합계로 위아래 20점까지입니다"),
        ("adjust <@U2|lee> 2026-09 -99999999999999999999999 사유", "위아래 20점까지입니다"),
        ("adjust <@U2|lee> +5 월 없음", "`+5`는 월 형식이 아닙니다"),
        ("adjust <@U2|lee> 2026-13 +5 사유", "`2026-13`은 월 형식이 아닙니다"),
    ],
)
def test_malformed_adjustments_are_refused_and_nothing_is_stored(bot, text, expected):
    assert expected in text_of(bot.command("/report", text, user=ADMIN))
    assert stored_adjustments(bot) == ([], [])


def test_an_unsigned_number_at_the_start_of_a_reason_is_not_points(bot):
    """Points need a sign ([+N|-N]), so a reason may start with a number."""
    bot.command("/report", "adjust <@U2|lee> 2026-09 2 reports were filed on paper", user=ADMIN)
    assert stored_adjustments(bot)[0] == [(0, "2 reports were filed on paper", ADMIN)]


# -- bad months and help ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "text", "expected"),
    [
        ("U2", "me 2026-13", "`2026-13`은 월 형식이 아닙니다. YYYY-MM 형식으로 적어 주십시오."),
        ("U2", "me 9월", "`9월`은 월 형식이 아닙니다"),
        ("U2", "me 1999-12", "`1999-12`는 월 형식이 아닙니다"),
        ("U3", "me 2026-00", "`2026-00` is not a month: use YYYY-MM"),
        (ADMIN, "participation 2026-13", "`2026-13`은 월 형식이 아닙니다"),
    ],
)
def test_a_bad_month_is_refused(bot, user, text, expected):
    assert expected in text_of(bot.command("/report", text, user=user))
    assert not [c for c in bot.fake.calls if c.method.startswith("files.")]


def test_help_in_korean_and_english(bot):
    for text in ("", "help"):
        shown = text_of(bot.command("/report", text, user="U2"))
        assert "`/report me [YYYY-MM]` 내 실적과 산정 방식" in shown and "/report adjust" in shown
    assert "your own record and how it is counted" in text_of(bot.command("/report", "help", user="U3"))
    assert "`/report nope`는 없는 명령입니다" in text_of(bot.command("/report", "nope", user="U2"))


# -- App Home ------------------------------------------------------------------------------------------


def open_home(bot, user):
    bot.settle()
    bot.runtime.delivery.drain(timeout=10)
    before = len([c for c in bot.fake.calls if c.method == "views.publish" and c.params["user_id"] == user])
    event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1.1"}
    assert bot.slack.event(event).status == 200
    calls = bot.fake.wait_for("views.publish", lambda c: c.params["user_id"] == user, count=before + 1)
    return json.dumps(calls[-1].params["view"]["blocks"], ensure_ascii=False)


def test_app_home_shows_my_current_month(bot):
    setup(bot)
    bot.clock.set(kst(9, 30, 12))
    home = open_home(bot, "U2")
    assert "이번 달 내 참여 실적" in home and "보고 8건 중 기한 내 3건" in home
    assert "보고 4건 중 기한 내 0건" in open_home(bot, "U1")  # U1 is on ATOPY only and reported nothing


def test_the_person_adjusted_is_told_who_changed_their_month_by_how_much_and_why(bot):
    setup(bot)
    bot.command("/report", "adjust <@U2|lee> 2026-09 +5 합동 설명회 주관", user=ADMIN)
    dm = bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U2" and ":memo:" in c.params["text"])[
        0
    ]
    assert dm.params["text"] == ":memo: <@UADMIN>님이 2026년 9월 참여 실적을 +5점 보정했습니다. 사유: 합동 설명회 주관"
    bot.command("/report", "adjust <@U3|park> 2026-09 -3 Late report excused in part", user=ADMIN)
    english = bot.fake.wait_for(
        "chat.postMessage", lambda c: c.params["channel"] == "U3" and ":memo:" in c.params["text"]
    )[0]
    assert "<@UADMIN> adjusted your participation for September 2026 by -3 points" in english.params["text"]
    # a second correction that would take the month past the bound is refused, and nothing more is told
    refused = text_of(bot.command("/report", "adjust <@U2|lee> 2026-09 +16 더 많이", user=ADMIN))
    assert "위아래 20점까지입니다(지금까지 5점)" in refused
    assert [r[0] for r in stored_adjustments(bot)[0]] == [5, -3]


def test_one_person_one_score_in_app_home_report_me_and_the_full_report(bot):
    setup(bot)
    bot.clock.set(kst(9, 30, 12))
    me = text_of(bot.command("/report", "me", user="U2"))
    assert "점수: *50* / 100" in me
    home = open_home(bot, "U2")
    assert "보고 8건 중 기한 내 3건" in home
    bot.command("/report", "participation 2026-09", user=ADMIN)
    table = csv_rows(dict(uploads(bot, ADMIN))["participation-2026-09.csv"])
    score = table[0].index("점수")
    assert {float(r[score]) for r in table[1:] if r[1] == "U2"} == {50.0}


REPORT_ME_LINE = {
    "ko": re.compile(
        r"보고 (\d+)건 중 기한 내 (\d+) · 지연 \d+ · 누락 \d+(?: \(제외 \d+건\))? · 결재 (\d+) · 지시 (\d+)/\d+"
        r" · 댓글 (\d+) · 투표 (\d+)"
    ),
    "en": re.compile(
        r"reports (\d+) on time, \d+ late, \d+ missed of (\d+)(?: \(\d+ excused\))? · approvals (\d+)"
        r" · directives (\d+)/\d+ · replies (\d+) · votes (\d+)"
    ),
}
HOME_LINE = {
    "ko": re.compile(
        r"보고 (\d+)건 중 기한 내 (\d+)건 · 결재 처리 (\d+)건 · 지시 완료 (\d+)건 · 토론 댓글·투표 (\d+)회"
    ),
    "en": re.compile(
        r"Reports on time (\d+) of (\d+) · approvals decided (\d+) · directives done (\d+)"
        r" · discussion replies and votes (\d+)"
    ),
}


def _report_me_figures(text: str, locale: str) -> tuple[int, ...]:
    """/report me's per-project figures summed as App Home sums them: (due, on time, approvals, directives,
    replies and votes); in English the first two come the other way round."""
    rows = [tuple(int(x) for x in m.groups()) for m in REPORT_ME_LINE[locale].finditer(text)]
    assert rows, text
    summed = [sum(col) for col in zip(*rows, strict=True)]
    first, second = (summed[0], summed[1]) if locale == "ko" else (summed[1], summed[0])
    return first, second, summed[2], summed[3], summed[4] + summed[5]


def _home_figures(text: str, locale: str) -> tuple[int, ...]:
    found = HOME_LINE[locale].search(text)
    assert found, text
    figures = [int(x) for x in found.groups()]
    return tuple(figures) if locale == "ko" else (figures[1], figures[0], *figures[2:])


@pytest.mark.parametrize(
    ("person", "locale", "at"),
    [("U2", "ko", kst(9, 30, 12)), ("U3", "en", kst(10, 1, 9))],  # 10/1 09:00 KST is still 9/30 in New York
    ids=["seoul", "new-york-at-the-month-boundary"],
)
def test_app_home_shows_the_same_participation_figures_as_report_me_for_the_same_person_and_month(
    bot, person, locale, at
):
    setup(bot)
    bot.clock.set(kst(9, 8, 9))
    bot.command("/approval", f"request ATOPY <@{person}|p> 협약서 검토", user="U1")
    bot.settle()
    with bot.session_factory() as s:
        step_id = s.scalar(select(ApprovalStep.id))
    assert bot.slack.block_action("approval_approve", value=str(step_id), user_id=person).status == 200
    bot.settle()
    bot.clock.set(at)

    report_me = text_of(bot.command("/report", "me", user=person))
    home = open_home(bot, person)

    assert ("9월" if locale == "ko" else "September") in report_me
    figures = _home_figures(home, locale)
    assert figures == _report_me_figures(report_me, locale)
    assert figures[2] == 1  # the approval decided in September is counted on both


def test_someone_who_acted_on_a_project_without_being_on_it_is_named_with_their_department(bot):
    setup(bot)
    with write_transaction(bot.session_factory) as s:
        users.set_department(s, "T1", ADMIN, "정보화정책관")
    bot.clock.set(kst(9, 8, 9))
    bot.command("/approval", "away <@UADMIN|admin> until=2026-09-30", user="U1")
    bot.command("/approval", "request ATOPY <@U1|kim> 협약서 검토", user="U2")
    bot.settle()
    with bot.session_factory() as s:
        step_id = s.scalar(select(ApprovalStep.id))
    assert bot.slack.block_action("approval_approve", value=str(step_id), user_id=ADMIN).status == 200  # 대결
    bot.settle()
    with bot.session_factory() as s:
        assert s.scalar(select(ApprovalStep.status)).value == "approved"
    bot.clock.set(datetime(2026, 10, 15, tzinfo=UTC))
    shown = text_of(bot.command("/report", "participation 2026-09 ATOPY", user=ADMIN))
    assert "UADMIN" not in shown and "• *admin* (정보화정책관)" in shown  # named as Slack names them
    table = csv_rows(dict(uploads(bot, ADMIN))["participation-2026-09-ATOPY.csv"])
    admin = next(r for r in table[1:] if r[1] == ADMIN)
    assert admin[2:4] == ["admin", "정보화정책관"]
