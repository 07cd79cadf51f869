"""Project Block Kit builders, as plain data: limits, escaping, language, buttons."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from kit.blocks import projects as blocks
from kit.ids import Action, Callback
from kit.reader import Reader
from models import Cadence, MemberRole, ProjectStatus
from services.projects import Member, ProjectInfo

KO = Reader("U1", "ko", "Asia/Seoul")
EN = Reader("U1", "en", "America/New_York")


def info(n: int = 1, *, name: str = "아토피 없는 경기도", members=None, **overrides) -> ProjectInfo:
    values = dict(
        id=n,
        team_id="T1",
        key=f"P-{n}",
        name=name,
        description="",
        status=ProjectStatus.ACTIVE,
        channel_id=None,
        target_date=None,
        lead_department=None,
        cooperating_departments=(),
        members=members
        if members is not None
        else (Member("U1", "kim", "보건정책과", MemberRole.LEAD), Member("U2", "lee", None, MemberRole.MEMBER)),
        created_at=datetime(2026, 11, 26, 16, 0, tzinfo=UTC),
        cadence=Cadence.WEEKLY,
        timezone="Asia/Seoul",
    )
    values.update(overrides)
    return ProjectInfo(**values)


def valid(payload):
    for block in payload["blocks"]:
        Block.parse(block).to_dict()
    return payload


def test_list_of_many_projects_stays_within_fifty_blocks_and_says_so():
    payload = valid(blocks.project_list([info(n) for n in range(1, 80)], KO))
    assert len(payload["blocks"]) <= 50
    assert "20건만" in str(payload["blocks"][-1])
    assert payload["text"] == "진행 중인 융합행정 과제 79건"


def test_list_offers_join_to_outsiders_and_details_to_members():
    payload = blocks.project_list([info(1), info(2, members=())], Reader("U1", "en", "UTC"))
    accessories = [b["accessory"]["action_id"] for b in payload["blocks"] if b.get("accessory")]
    assert accessories == [Action.PROJECT_SHOW, Action.PROJECT_JOIN]
    assert "My projects" in str(payload["blocks"][1]) and "Other projects" in str(payload["blocks"][3])


def test_detail_escapes_user_text_and_truncates_long_description():
    payload = valid(blocks.detail(info(name="<!here> & co", description="<@U9> " + "가" * 5000), KO))
    assert payload["text"] == "&lt;!here&gt; &amp; co (P-1)"  # the fallback is mrkdwn too
    mrkdwn = [b["text"]["text"] for b in payload["blocks"] if b.get("text", {}).get("type") == "mrkdwn"]
    assert not any("<!here>" in text for text in mrkdwn)
    assert payload["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "<!here> & co", "emoji": True},
    }
    description = next(b for b in payload["blocks"] if "개요" in str(b))
    assert len(description["text"]["text"]) <= 3000 and description["text"]["text"].endswith("…")
    assert "&lt;@U9&gt;" in description["text"]["text"]


def test_detail_shows_dates_in_the_readers_zone_and_members_by_department():
    payload = blocks.detail(info(target_date=date(2027, 6, 30)), EN)
    fields = str(payload["blocks"][1])
    assert "2026-11-26" in fields  # 16:00 UTC is still the 26th in New York
    assert "2026-11-27" in str(blocks.detail(info(), KO)["blocks"][1])  # and already the 27th in Seoul
    assert "2027-06-30" in fields
    members = str(payload["blocks"][-2])  # the lead reading it has the Close button below
    assert "*No department*: <@U2>" in members and "*보건정책과*: <@U1> (lead)" in members


def test_detail_of_a_project_i_am_not_in_has_a_primary_join_button():
    payload = blocks.detail(info(), Reader("U7", "ko", "Asia/Seoul"))
    button = payload["blocks"][-1]["elements"][0]
    assert button["action_id"] == Action.PROJECT_JOIN and button["style"] == "primary"


def test_modal_is_a_valid_view_in_both_languages_and_prefills_when_editing():
    for reader in (KO, EN):
        new = blocks.project_modal(reader, channel_id="C1")
        View(**new).to_dict()
        assert new["callback_id"] == Callback.PROJECT_NEW
    edit = blocks.project_modal(KO, info(lead_department="보건정책과", target_date=date(2027, 1, 2)))
    View(**edit).to_dict()
    assert edit["callback_id"] == Callback.PROJECT_EDIT
    assert '"project_id": 1' in edit["private_metadata"]
    elements = {b["block_id"]: b["element"] for b in edit["blocks"]}
    assert elements["project_lead_department"]["initial_value"] == "보건정책과"
    assert elements["project_members"]["initial_users"] == ["U2"]
    assert elements["project_target_date"]["initial_date"] == "2027-01-02"
    assert "project_key" not in elements  # keys are fixed once registered


def test_notifications_have_text_fallback_and_button_in_recipients_language():
    ko = valid(blocks.notification("project.member_joined", info(), "ko", {"member": "U3"}))
    en = valid(blocks.notification("project.member_joined", info(), "en", {"member": "U3"}))
    assert "<@U3>님이" in ko["text"] and "<@U3> joined" in en["text"]
    assert ko["blocks"][0]["accessory"]["value"] == "P-1"


# --- closing and reopening, generated keys ---------------------------------------------------------


def _actions(payload) -> list[dict]:
    return [e for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_lead_sees_close_behind_a_danger_confirmation_and_a_member_does_not():
    lead = valid(blocks.detail(info(), KO))
    [close] = _actions(lead)
    assert (close["action_id"], close["value"], close["style"]) == (Action.PROJECT_CLOSE, "P-1", "danger")
    dialog = close["confirm"]
    assert dialog["style"] == "danger" and dialog["confirm"]["text"] == "과제 종료" and dialog["deny"]["text"] == "취소"
    assert "아토피 없는 경기도 (P-1)를 종료하시겠습니까?" in dialog["text"]["text"]  # 도 ends in a vowel: 를
    assert "/project reopen P-1" in dialog["text"]["text"] and len(dialog["text"]["text"]) <= 300
    assert [b["action_id"] for b in _actions(blocks.detail(info(), Reader("U2", "ko", "Asia/Seoul")))] == []
    admin = blocks.detail(info(), Reader("U9", "en", "UTC", is_admin=True))
    assert [b["action_id"] for b in _actions(admin)] == [Action.PROJECT_JOIN, Action.PROJECT_CLOSE]
    assert _actions(admin)[1]["confirm"]["title"]["text"] == "Close the project"


def test_a_closed_project_offers_its_lead_reopening_and_nobody_joining():
    closed = info(status=ProjectStatus.CLOSED)
    assert [(b["action_id"], b["value"]) for b in _actions(blocks.detail(closed, KO))] == [
        (Action.PROJECT_REOPEN, "P-1")
    ]
    assert _actions(blocks.detail(closed, Reader("U7", "ko", "Asia/Seoul"))) == []


def test_closing_by_command_asks_first_with_a_button_that_closes():
    for reader, question in ((KO, "종료하시겠습니까?"), (EN, "Close *아토피 없는 경기도* (`P-1`)?")):
        payload = valid(blocks.close_question(info(), reader.locale))
        assert question in payload["text"] and "/project reopen P-1" in payload["text"]
        [close] = _actions(payload)
        assert (close["action_id"], close["style"]) == (Action.PROJECT_CLOSE, "danger") and "confirm" not in close


def test_a_generated_key_is_shown_and_explained_a_given_one_is_not():
    made = valid(blocks.created(info(), "ko", key_generated=True))
    hint = made["blocks"][1]["elements"][0]["text"]
    assert hint.startswith("`P-1`이라는 키가 만들어졌습니다. 명령에서는 이 키로 과제를 가리킵니다")  # 1 일: 이라는
    jobs = blocks.created(info(key="JOBS"), "ko", key_generated=True)["blocks"][1]["elements"][0]["text"]
    assert jobs.startswith("`JOBS`라는 키가")
    assert "made up for it" in str(blocks.created(info(), "en", key_generated=True)["blocks"])
    given = blocks.created(info(), "ko")
    assert "키가 만들어졌습니다" not in json.dumps(given, ensure_ascii=False)


def test_a_reopened_project_is_told_to_its_channel_in_both_languages():
    for locale, said in (
        ("ko", "<@U1>님이 과제 *아토피 없는 경기도* (`P-1`)를 다시 열었습니다."),
        ("en", "<@U1> reopened"),
    ):
        payload = blocks.notification("project.reopened", info(), locale, {"project_id": 1, "by": "U1"})
        assert said in payload["text"]


def test_a_removed_member_is_told_by_whom_and_the_leads_who_left_in_both_languages():
    removed_ko = valid(blocks.notification("project.member_removed", info(), "ko", {"by": "U1"}))["text"]
    removed_en = valid(blocks.notification("project.member_removed", info(), "en", {"by": "U1"}))["text"]
    left_ko = valid(blocks.notification("project.member_left", info(), "ko", {"member": "U3"}))["text"]
    left_en = valid(blocks.notification("project.member_left", info(), "en", {"member": "U3"}))["text"]
    assert removed_ko.endswith("과제 *아토피 없는 경기도* (`P-1`)의 참여자에서 제외되셨습니다. 제외한 사람: <@U1>님")
    assert removed_en.endswith("<@U1> removed you from *아토피 없는 경기도* (`P-1`).")
    assert left_ko.endswith("<@U3>님이 과제 *아토피 없는 경기도* (`P-1`)에서 나갔습니다.")
    assert left_en.endswith("<@U3> left *아토피 없는 경기도* (`P-1`).")
