"""Progress and Home builders as plain data: bars, sparklines, limits, escaping, both languages."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from kit.blocks import home as home_blocks
from kit.blocks import progress as blocks
from kit.blocks.common import section
from kit.ids import Action, Callback
from kit.reader import Reader
from models import Cadence, Health, MemberRole, ProjectStatus
from services.approvals import MyPending, Waiting
from services.periods import Period
from services.progress import MyProject, MyStatus, ProjectProgress, UpdateInfo
from services.projects import Member, ProjectInfo
from services.terms import StepStatus
from tests.kit.blocks.test_approvals import request as approval_request
from tests.kit.blocks.test_approvals import step as approval_step
from tests.kit.blocks.test_directives import directive

KO = Reader("U2", "ko", "Asia/Seoul")
EN = Reader("U2", "en", "Europe/London")
WHEN = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)


def update(**overrides) -> UpdateInfo:
    values = dict(
        id=7,
        team_id="T1",
        project_id=1,
        project_key="JOBS",
        project_name="일자리 창출",
        channel_id="C9",
        author="U2",
        author_name="lee",
        author_department="일자리정책과",
        period_start=date(2026, 11, 23),
        percent=40,
        health=Health.AT_RISK,
        done="협약 완료",
        next="예산",
        blockers="",
        late=False,
        edited=False,
        edits=0,
        created_at=WHEN,
    )
    values.update(overrides)
    return UpdateInfo(**values)


def project(n: int = 1, members=None) -> ProjectInfo:
    members = members or (Member("U1", "kim", None, MemberRole.LEAD), Member("U2", "lee", None, MemberRole.MEMBER))
    return ProjectInfo(
        id=n,
        team_id="T1",
        key=f"P-{n}",
        name=f"과제 {n}",
        description="",
        status=ProjectStatus.ACTIVE,
        channel_id=None,
        target_date=None,
        lead_department=None,
        cooperating_departments=(),
        members=members,
        created_at=WHEN,
        cadence=Cadence.WEEKLY,
        timezone="Asia/Seoul",
    )


def valid(payload):
    assert payload["text"] and len(payload["blocks"]) <= 50
    for block in payload["blocks"]:
        Block.parse(block).to_dict()
    return payload


def test_progress_bar_and_sparkline():
    assert blocks.progress_bar(40, "ko") == "`▓▓▓▓░░░░░░` 40%"
    assert blocks.progress_bar(0, "en") == "`░░░░░░░░░░` 0%" and blocks.progress_bar(100, "en").endswith("100%")
    assert blocks.progress_bar(None, "en") == "no percent yet"
    assert blocks.sparkline((None, 0, 50, 100)) == "·▁▄█"


def test_card_shows_author_department_bar_health_texts_and_edit_button():
    payload = valid(blocks.card(update(), KO))
    blob = str(payload["blocks"])
    assert "@lee (일자리정책과) · *일자리 창출* `JOBS`" in blob and "<@U2>" not in blob  # no ping for the author
    assert "`▓▓▓▓░░░░░░` 40%" in blob and ":large_yellow_circle: 주의" in blob
    assert "*한 일*\\n협약 완료" in blob and "막힌 점" not in blob  # empty texts are left out
    buttons = payload["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == [Action.PROGRESS_EDIT, Action.PROJECT_SHOW]
    assert buttons[0]["value"] == "7"


def test_a_percent_lower_than_last_time_is_marked_on_the_card_the_board_and_to_its_author():
    back = update(percent=30, previous_percent=40)
    card = valid(blocks.card(back, KO))
    assert "`▓▓▓░░░░░░░` 30% · :small_red_triangle_down: 40% → 30% · :large_yellow_circle: 주의" in str(card["blocks"])
    board = valid(blocks.board([back, update(id=8, previous_percent=20)], EN))
    lines = [b["text"]["text"] for b in board["blocks"] if b.get("accessory")]
    assert "40% → 30%" in lines[0] and "→" not in lines[1]  # 20% → 40% went forward: nothing said
    posted = valid(blocks.posted(back, "ko"))
    assert "진척률이 지난 보고보다 낮습니다 (40% → 30%)" in str(posted["blocks"])
    assert "lower than in your previous report (40% → 30%)" in str(blocks.edited(back, "en")["blocks"])
    for same in (update(previous_percent=40), update(previous_percent=None), update(percent=None, previous_percent=9)):
        assert "small_red_triangle_down" not in str(blocks.card(same, KO)) + str(blocks.posted(same, "ko"))


def test_card_marks_late_and_edited_and_shows_long_texts_whole_within_limits():
    long = "가" * 2900
    payload = valid(blocks.card(update(done=long, next=long, blockers=long, late=True, edited=True, edits=2), EN))
    texts = [b["text"]["text"] for b in payload["blocks"][1:4]]
    assert all(long in text and len(text) <= 3000 and "…" not in text for text in texts)  # nothing cut silently
    assert "posted after the due time" in str(payload["blocks"][4]) and "edited" in str(payload["blocks"][4])


def test_card_cuts_escaped_text_without_breaking_an_entity():
    payload = valid(blocks.card(update(done="&" * 3000, next="다음", blockers="막힘"), KO))
    done, later = payload["blocks"][1]["text"]["text"], str(payload["blocks"][2:4])
    assert "다음" in later and "막힘" in later  # nothing pushed out by a long text
    assert "&amp…" not in done and done.count("&amp;") < 3000


def test_edit_form_keeps_long_texts_whole():
    view = blocks.progress_modal(KO, [], selected=None, previous=None, editing=update(done="가" * 2500))
    done = next(b for b in view["blocks"] if b["block_id"] == "progress_done")["element"]
    assert len(done["initial_value"]) == 2500 and done["max_length"] >= 2500


def test_card_escapes_user_text():
    payload = blocks.card(update(done="<!channel> & <@U9>"), KO)
    assert "&lt;!channel&gt; &amp; &lt;@U9&gt;" in str(payload["blocks"])


def test_form_is_a_valid_view_prefilled_from_the_previous_update():
    view = blocks.progress_modal(KO, [project(1), project(2)], selected="P-2", previous=update(percent=55))
    View(**view).to_dict()
    elements = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert view["callback_id"] == Callback.PROGRESS
    assert elements["progress_project"]["initial_option"]["value"] == "P-2"
    assert elements["progress_percent"]["initial_value"] == "55"
    assert elements["progress_health"]["initial_option"]["value"] == "at_risk"
    assert "initial_value" not in elements["progress_done"]  # what was done is new each time
    assert elements["progress_next"]["initial_value"] == "예산"


def test_edit_form_has_no_project_picker_and_keeps_the_update_id():
    view = blocks.progress_modal(EN, [], selected=None, previous=None, editing=update())
    View(**view).to_dict()
    assert "progress_project" not in {b["block_id"] for b in view["blocks"]}
    assert '"update_id": 7' in view["private_metadata"] and view["title"]["text"] == "Edit progress"


def my_project(n: int, *, lead: bool, missing=("U3",)) -> MyProject:
    period = Period(date(2026, 11, 23), date(2026, 11, 30), WHEN)
    progress = ProjectProgress(project(n), period, 40, Health.ON_TRACK, (), (), missing)
    return MyProject(progress, MyStatus.LATE, lead)


def test_home_for_a_lead_with_many_projects_stays_within_one_hundred_blocks():
    """Every section at its fullest at once: projects, approvals waiting, directives received and issued, my
    requests on their lines, and the month's participation."""
    mine = [my_project(n, lead=True, missing=tuple(f"U{m}" for m in range(30))) for n in range(60)]
    waiting = [
        Waiting(info, info.current[0], None)
        for info in (approval_request([approval_step(n, 1, "U2", status=StepStatus.PENDING)], id=n) for n in range(30))
    ]
    many_directives = [dataclasses.replace(directive(), id=n) for n in range(30)]
    pending = [approval_request([approval_step(n, 1, "U3", status=StepStatus.PENDING)], id=n) for n in range(30)]
    participation = [section("*이번 달 내 참여 실적*\n보고 4건 중 기한 내 3건")]
    view = home_blocks.home(
        KO,
        None,
        mine,
        waiting,
        many_directives,
        today=date(2026, 11, 25),
        participation=participation,
        issued=many_directives,
        my_requests=MyPending(pending[: home_blocks.MY_REQUESTS_SHOWN], len(pending)),
    )
    View(**view).to_dict()
    assert len(view["blocks"]) <= 100
    assert all(len(b["text"]["text"]) <= 3000 for b in view["blocks"] if b.get("text"))
    blob = str(view["blocks"])
    assert "외 40건" in blob and "외 20명" in blob and "미보고 (마감 지남)" in blob
    assert "*내가 내린 지시* (30)" in blob and "*내가 상신한 결재* (30)" in blob and "이번 달 내 참여 실적" in blob


def test_home_in_english_shows_status_and_post_button():
    view = home_blocks.home(EN, None, [my_project(1, lead=False)], today=date(2026, 11, 25))
    blob = str(view["blocks"])
    assert (
        "My status for week 4 of November (Nov 23 – Nov 29): *Late (not reported)*" in blob
        and Action.PROGRESS_OPEN in blob
    )
    assert "Projects I lead" not in blob


def test_one_report_on_its_own_is_the_full_card():
    assert blocks.board([update()], KO) == blocks.card(update(), KO)


def test_a_board_lists_each_report_with_its_own_marks_and_edit_button_within_block_kit_limits():
    reports = [
        update(id=n, author=f"U{n}", author_name=f"p{n}", late=n % 3 == 0, edited=n % 5 == 0, done="가" * 3000)
        for n in range(1, blocks.BOARD_MAX + 6)
    ]
    board = valid(blocks.board(reports, KO))
    sections = [b for b in board["blocks"] if b["type"] == "section"]
    assert len(sections) == blocks.BOARD_MAX  # the rest go on the next board
    assert [s["accessory"]["value"] for s in sections] == [str(n) for n in range(1, blocks.BOARD_MAX + 1)]
    assert all(s["accessory"]["action_id"] == Action.PROGRESS_EDIT for s in sections)
    assert "마감 후 보고" in sections[2]["text"]["text"] and "마감 후 보고" not in sections[0]["text"]["text"]
    assert "수정됨" in sections[4]["text"]["text"]
    assert all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert "길어서 줄인 보고" in board["blocks"][-1]["elements"][0]["text"]  # shortened, and it says so
    assert "진척 보고 40건" in board["text"]


def test_a_board_escapes_what_people_wrote_and_reads_in_english():
    board = valid(blocks.board([update(id=1, done="<!channel> & co"), update(id=2, author="U3")], EN))
    text = json.dumps(board, ensure_ascii=False)
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; co" in text
    assert "2 progress updates" in board["text"] and "Shortened" not in text
