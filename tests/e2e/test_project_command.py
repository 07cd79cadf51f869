"""/project end to end: signed requests in, what the fake Slack recorded out."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.fakeslack.payloads import SlackRequests as R
from kit.ids import Action, Block, Callback
from models import AuditEvent, OutboxMessage, OutboxStatus, Project, ProjectStatus
from services import projects


def _project(bot, key):
    with bot.session_factory() as session:
        return projects.get(session, "T1", key)


def _count(bot, model):
    with bot.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_new_registers_project_with_members_and_channel(bot):
    answer = bot.command("/project", "new 아토피 없는 경기도 key=atopy <#C9|atopy> <@U2|lee>")
    assert "`ATOPY`" in answer["text"] and answer["response_type"] == "ephemeral"
    info = _project(bot, "ATOPY")
    assert info.name == "아토피 없는 경기도"
    assert info.channel_id == "C9"
    assert {(m.slack_user_id, m.role.value) for m in info.members} == {("U1", "lead"), ("U2", "member")}
    dm = bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U2")[0]
    assert "아토피 없는 경기도" in dm.params["text"] and "<@U1>" in dm.params["text"]
    card = bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "C9")[0]
    assert "ATOPY" in card.params["text"]


def test_new_without_key_generates_sequential_keys(bot):
    assert "`P-1`" in bot.command("/project", "new 일자리 창출")["text"]
    assert "`P-2`" in bot.command("/project", "new 관광 활성화")["text"]


def test_new_with_taken_key_is_refused_and_changes_nothing(bot):
    bot.command("/project", "new 신청사 건립 key=HALL")
    answer = bot.command("/project", "new 다른 과제 key=HALL", user="U2")
    assert "HALL" in answer["text"] and "이미 사용 중" in answer["text"]
    assert _count(bot, Project) == 1


def test_new_with_invalid_key_or_missing_name_explains(bot):
    assert "쓸 수 없습니다" in bot.command("/project", "new 과제 key=한글키")["text"]
    assert "이름을 입력" in bot.command("/project", "new key=ONLYKEY")["text"]
    assert _count(bot, Project) == 0


def test_replayed_command_with_same_trigger_registers_once(bot):
    first = bot.slack.command("/project", "new 우리 마을 만들기", trigger_id="1234.5678.abc")
    bot.answer(first)
    second = bot.slack.command("/project", "new 우리 마을 만들기", trigger_id="1234.5678.abc")
    assert second.status == 200
    bot.settle()
    assert _count(bot, Project) == 1


def test_project_alone_opens_registration_modal(bot):
    reply = bot.slack.command("/project", "", trigger_id="trig-1", channel_id="C5")
    assert reply.status == 200
    opened = bot.modal_opened()
    assert opened.params["trigger_id"] == "trig-1"
    assert opened.params["view"]["callback_id"] == Callback.PROJECT_NEW
    assert '"channel_id": "C5"' in opened.params["view"]["private_metadata"]


def test_modal_submission_registers_and_confirms_in_channel(bot):
    values = {
        Block.PROJECT_NAME: {"value": R.plain("아토피 없는 경기도")},
        Block.PROJECT_KEY: {"value": R.plain("ATOPY")},
        Block.PROJECT_DESCRIPTION: {"value": R.plain("아토피 예방·치료 협업")},
        Block.PROJECT_LEAD_DEPARTMENT: {"value": R.plain("보건정책과")},
        Block.PROJECT_COOPERATING: {"value": R.plain("환경정책과, 교육협력과, 환경정책과")},
        Block.PROJECT_CHANNEL: {"value": {"type": "conversations_select", "selected_conversation": "C7"}},
        Block.PROJECT_MEMBERS: {"value": R.multi_users(["U2", "U3"])},
        Block.PROJECT_TARGET_DATE: {"value": R.datepicker("2027-06-30")},
    }
    reply = bot.slack.view_submission(Callback.PROJECT_NEW, values, private_metadata='{"channel_id": "C5"}')
    assert reply.status == 200 and not reply.body
    info = _project(bot, "ATOPY")
    assert info.lead_department == "보건정책과"
    assert info.cooperating_departments == ("환경정책과", "교육협력과")
    assert info.target_date.isoformat() == "2027-06-30"
    assert len(info.members) == 3
    confirmation = bot.fake.wait_for("chat.postEphemeral", lambda c: c.params["channel"] == "C5")[0]
    assert confirmation.params["user"] == "U1" and "ATOPY" in confirmation.params["text"]


def test_modal_submission_with_taken_key_shows_error_on_key_field(bot):
    bot.command("/project", "new 기존 과제 key=TAKEN")
    values = {
        Block.PROJECT_NAME: {"value": R.plain("새 과제")},
        Block.PROJECT_KEY: {"value": R.plain("taken")},
    }
    reply = bot.slack.view_submission(Callback.PROJECT_NEW, values)
    assert reply.json["response_action"] == "errors"
    assert "TAKEN" in reply.json["errors"][Block.PROJECT_KEY]
    assert _count(bot, Project) == 1


def test_list_shows_my_projects_first_with_join_buttons_for_others(bot):
    bot.command("/project", "new 남의 과제 key=OTHER", user="U2")
    bot.command("/project", "new 내 과제 key=MINE")
    listing = bot.command("/project", "list")
    sections = [b for b in listing["blocks"] if b["type"] == "section"]
    assert "MINE" in sections[0]["text"]["text"]
    assert sections[0]["accessory"]["action_id"] == Action.PROJECT_SHOW
    assert sections[1]["accessory"]["action_id"] == Action.PROJECT_JOIN


def test_list_when_empty_invites_registration(bot):
    assert "/project new" in bot.command("/project", "list")["text"]


def test_show_gives_details_and_members_by_department(bot):
    bot.command("/project", "new 관광 활성화 key=TOUR <@U2|lee>")
    detail = bot.command("/project", "show tour", user="U3")
    assert detail["text"] == "관광 활성화 (TOUR)"
    blob = str(detail["blocks"])
    assert "<@U1> (lead)" in blob and "<@U2>" in blob
    assert Action.PROJECT_JOIN in blob  # U3 is not a member and may join


def test_unknown_key_is_explained_in_the_readers_language(bot):
    assert "`NOPE` 과제를 찾을 수 없습니다" in bot.command("/project", "show NOPE")["text"]
    assert "There is no project `NOPE`" in bot.command("/project", "show NOPE", user="U3")["text"]


def test_join_tells_the_lead_once_and_second_join_changes_nothing(bot):
    bot.command("/project", "new 일자리 창출 key=JOBS")
    assert "joined" in bot.command("/project", "join JOBS", user="U3")["text"]
    dm = bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U1")[0]
    assert "<@U3>" in dm.params["text"]
    assert "already" in bot.command("/project", "join JOBS", user="U3")["text"]
    with bot.session_factory() as session:
        kinds = session.scalars(select(OutboxMessage.kind)).all()
    assert kinds.count("project.member_joined") == 1


def test_join_button_joins_and_answers_through_response_url(bot):
    bot.command("/project", "new 일자리 창출 key=JOBS")
    reply = bot.slack.block_action(Action.PROJECT_JOIN, value="JOBS", user_id="U2")
    assert reply.status == 200
    answer = bot.answer(reply)
    assert "참여했습니다" in answer["text"]
    assert _project(bot, "JOBS").role_of("U2") is not None


def test_sole_lead_cannot_leave_but_member_can(bot):
    bot.command("/project", "new 일자리 창출 key=JOBS <@U2|lee>")
    assert "유일한 주관 책임자" in bot.command("/project", "leave JOBS")["text"]
    assert "나왔습니다" in bot.command("/project", "leave JOBS", user="U2")["text"]
    assert _project(bot, "JOBS").role_of("U2") is None
    assert "참여자가 아닙니다" in bot.command("/project", "leave JOBS", user="U2")["text"]


def test_close_only_by_lead_or_admin(bot):
    bot.command("/project", "new 신청사 건립 key=HALL <#C9|hall> <@U2|lee>")
    refused = bot.command("/project", "close HALL", user="U2")
    assert "주관 책임자나 관리자만" in refused["text"]
    assert _project(bot, "HALL").status is ProjectStatus.ACTIVE
    assert "종료했습니다" in bot.command("/project", "close HALL confirm", user="UADMIN")["text"]
    assert "이미 종료" in bot.command("/project", "close HALL")["text"]
    closed = bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "C9" and "종료" in c.params["text"])
    assert len(closed) == 1


def test_edit_opens_prefilled_form_for_lead_and_refuses_others(bot):
    bot.command("/project", "new 관광 활성화 key=TOUR <@U2|lee>")
    assert "주관 책임자나 관리자만" in bot.command("/project", "edit TOUR", user="U2")["text"]
    reply = bot.slack.command("/project", "edit TOUR", trigger_id="trig-edit")
    assert reply.status == 200
    view = bot.modal_opened().params["view"]
    assert view["callback_id"] == Callback.PROJECT_EDIT
    name_block = next(b for b in view["blocks"] if b["block_id"] == Block.PROJECT_NAME)
    assert name_block["element"]["initial_value"] == "관광 활성화"


def test_edit_submission_updates_project_and_audits(bot):
    bot.command("/project", "new 관광 활성화 key=TOUR <@U2|lee>")
    info = _project(bot, "TOUR")
    values = {
        Block.PROJECT_NAME: {"value": R.plain("관광 활성화 2단계")},
        Block.PROJECT_LEADS: {"value": R.multi_users(["U1"])},
        Block.PROJECT_MEMBERS: {"value": R.multi_users(["U3"])},
    }
    metadata = f'{{"project_id": {info.id}, "channel_id": "C1", "members_shown": ["U2"]}}'
    reply = bot.slack.view_submission(Callback.PROJECT_EDIT, values, private_metadata=metadata)
    assert reply.status == 200 and not reply.body
    after = _project(bot, "TOUR")
    assert after.name == "관광 활성화 2단계"
    assert {m.slack_user_id for m in after.members} == {"U1", "U3"}
    with bot.session_factory() as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["project.created", "project.edited"]


def test_help_and_unknown_subcommand(bot):
    assert "/project new" in bot.command("/project", "help")["text"]
    assert "Try `/project help`" in bot.command("/project", "frobnicate", user="U3")["text"]


def test_every_change_is_delivered_once(bot):
    bot.command("/project", "new 일자리 창출 key=JOBS <#C9|jobs> <@U2|lee> <@U3|park>")
    bot.command("/project", "join JOBS", user="UADMIN")
    bot.runtime.delivery.drain(timeout=10)
    with bot.session_factory() as session:
        rows = session.execute(select(OutboxMessage.kind, OutboxMessage.status)).all()
    assert rows and all(status is OutboxStatus.SENT for _, status in rows)
    posted = [c for c in bot.fake.calls if c.method == "chat.postMessage" and c.ok]
    messages = [kind for kind, _ in rows if not kind.startswith("home.")]
    assert len(posted) == len(messages) == 4  # U2, U3, channel C9, lead U1
    published = [c for c in bot.fake.calls if c.method == "views.publish" and c.ok]
    assert len(published) == len(rows) - len(messages)  # App Homes refreshed by the same changes


def test_projects_of_another_workspace_are_invisible(bot):
    bot.command("/project", "new 일자리 창출 key=JOBS")
    other = bot.slack.command("/project", "show JOBS", user_id="U1", team_id="T2")
    assert "찾을 수 없습니다" in bot.answer(other)["text"]
    listing = bot.answer(bot.slack.command("/project", "list", user_id="U1", team_id="T2"))
    assert "/project new" in listing["text"]  # the empty-list invitation
    again = bot.answer(bot.slack.command("/project", "new 다른 곳 key=JOBS", user_id="U1", team_id="T2"))
    assert "JOBS" in again["text"] and "등록" in again["text"]


def test_unexpected_error_gets_an_apology_not_silence(bot, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(projects, "list_active", broken)
    answer = bot.command("/project", "list")
    assert "죄송합니다" in answer["text"] and "fire" not in answer["text"]


def test_edit_form_with_a_forged_project_id_is_refused_on_the_form(bot):
    bot.command("/project", "new 관광 활성화 key=TOUR")
    values = {Block.PROJECT_NAME: {"value": R.plain("탈취")}, Block.PROJECT_LEADS: {"value": R.multi_users(["U1"])}}
    for metadata in ('{"project_id": "abc"}', '{"project_id": null}', "not json", '{"project_id": 424242}'):
        reply = bot.slack.view_submission(Callback.PROJECT_EDIT, values, private_metadata=metadata)
        assert reply.status == 200
        assert reply.json["response_action"] == "errors"
        assert "다시 실행" in reply.json["errors"][Block.PROJECT_NAME]
    assert _project(bot, "TOUR").name == "관광 활성화"


def test_payloads_without_a_user_change_nothing(bot):
    bot.command("/project", "new 일자리 창출 key=JOBS")
    body = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "actions": [
            {"action_id": Action.PROJECT_JOIN, "value": "JOBS", "type": "button", "block_id": "b", "action_ts": "1"}
        ],
        "trigger_id": "t",
    }
    import json as _json
    from urllib.parse import urlencode

    reply = bot.slack.raw(urlencode({"payload": _json.dumps(body)}), content_type="application/x-www-form-urlencoded")
    assert reply.status == 200
    bot.settle()
    assert [m.slack_user_id for m in _project(bot, "JOBS").members] == ["U1"]
    assert not [c for c in bot.fake.calls if c.method == "chat.postMessage"]


def test_commands_without_trigger_id_are_each_carried_out(bot):
    for name in ("첫째", "둘째"):
        reply = bot.slack.command("/project", f"new {name}", trigger_id="")
        bot.answer(reply)
    assert _count(bot, Project) == 2


def test_echoed_keys_show_what_the_person_typed(bot):
    assert "`a&amp;b`" in bot.command("/project", "show a&amp;b")["text"]
    assert "`@lee`" in bot.command("/project", "show <@U2|lee>")["text"]
    answer = bot.command("/project", "<!channel>")
    assert "@channel" in answer["text"] and "<!channel>" not in answer["text"]


def test_cadence_is_chosen_in_the_form_and_shown(bot):
    values = {
        Block.PROJECT_NAME: {"value": R.plain("매일 보고 과제")},
        Block.PROJECT_KEY: {"value": R.plain("DAILY")},
        Block.PROJECT_CADENCE: {"value": R.static_select("daily")},
    }
    assert bot.slack.view_submission(Callback.PROJECT_NEW, values).status == 200
    from models import Cadence

    assert _project(bot, "DAILY").cadence is Cadence.DAILY
    assert "매일" in str(bot.command("/project", "show DAILY")["blocks"])


def test_close_asks_first_its_button_closes_and_a_lead_reopens(bot):
    bot.command("/project", "new 신청사 건립 key=HALL <#C9|hall> <@U2|lee>")
    asked = bot.command("/project", "close HALL")
    assert "종료하시겠습니까" in asked["text"] and "/project reopen HALL" in asked["text"]
    [button] = [e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"], button["style"]) == (Action.PROJECT_CLOSE, "HALL", "danger")
    assert _project(bot, "HALL").status is ProjectStatus.ACTIVE  # asking changed nothing

    clicked = bot.slack.block_action(Action.PROJECT_CLOSE, value="HALL", user_id="U1", channel_id="C9")
    assert "종료했습니다" in bot.answer(clicked)["text"]
    assert _project(bot, "HALL").status is ProjectStatus.CLOSED
    assert "/project reopen HALL" in bot.command("/project", "edit HALL")["text"]  # how to change it now
    assert "주관 책임자나 관리자만" in bot.command("/project", "reopen HALL", user="U2")["text"]

    assert "다시 열었습니다" in bot.command("/project", "재개 HALL")["text"]
    assert _project(bot, "HALL").status is ProjectStatus.ACTIVE
    told = bot.fake.wait_for(
        "chat.postMessage", lambda c: c.params["channel"] == "C9" and "다시 열었" in c.params["text"]
    )
    assert len(told) == 1
    assert "종료했습니다" in bot.command("/project", "종료 HALL 확인")["text"]  # in Korean, confirmed at once
    assert "다시 열었습니다" in bot.command("/project", "reopen HALL")["text"]
    assert "이미 진행 중" in bot.command("/project", "reopen HALL")["text"]


def test_the_project_card_closes_behind_slacks_own_dialog(bot):
    bot.command("/project", "new 신청사 건립 key=HALL <@U2|lee>")
    shown = bot.command("/project", "보기 HALL")
    [close] = [e for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert close["action_id"] == Action.PROJECT_CLOSE and close["confirm"]["style"] == "danger"
    member = bot.command("/project", "show HALL", user="U2")
    assert Action.PROJECT_CLOSE not in json.dumps(member["blocks"])


def test_a_second_active_project_of_the_same_name_is_refused_naming_the_first(bot):
    bot.command("/project", "new 일자리 창출 key=JOBS")
    refused = bot.command("/project", "새로 일자리창출", user="U2")
    assert (
        "이미 있습니다" in refused["text"] and "`JOBS`" in refused["text"] and "/project join JOBS" in refused["text"]
    )
    values = {Block.PROJECT_NAME: {"value": R.plain("일자리  창출")}}
    form = bot.slack.view_submission(Callback.PROJECT_NEW, values, user_id="U2", private_metadata="{}")
    assert form.json["response_action"] == "errors" and "JOBS" in form.json["errors"][Block.PROJECT_NAME]
    assert _count(bot, Project) == 1


def test_a_generated_key_is_shown_and_explained(bot):
    answer = bot.command("/project", "등록 청년 창업 지원")
    assert "`P-1`" in answer["text"]
    assert "`P-1`이라는 키가 만들어졌습니다. 명령에서는 이 키로 과제를 가리킵니다" in json.dumps(
        answer["blocks"], ensure_ascii=False
    )
    given = bot.command("/project", "new 관광 활성화 키=TOUR")
    assert "`TOUR`" in given["text"] and "키가 만들어졌습니다" not in json.dumps(given["blocks"], ensure_ascii=False)


def test_a_member_named_in_plain_text_is_reported_not_found_by_name(bot):
    answer = bot.command("/project", "new 청년 창업 지원 <@U2|lee> @홍길동")
    assert "Slack에서 찾을 수 없는 이름입니다: @홍길동." in answer["text"]
    assert _count(bot, Project) == 0
    listed = bot.command("/project", "목록")
    assert "진행 중인 과제가 없습니다" in listed["text"]
