"""/progress end to end: inline and form posting, the channel card and its edit in place, late
marks, refusals, and App Home for a member and a lead, in Korean and English."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.fakeslack.payloads import SlackRequests as R
from kit.ids import Action, Block, Callback
from models import ProgressUpdate

MONDAY_9_KST = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
MONDAY_11_KST = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def setup_project(bot, *members: str) -> None:
    mentions = " ".join(f"<@{m}|{m.lower()}>" for m in members)
    bot.command("/project", f"new 일자리 창출 key=JOBS <#C9|jobs> {mentions}")


def card_in_channel(bot):
    return bot.fake.wait_for(
        "chat.postMessage",
        lambda c: (
            c.params["channel"] == "C9" and "blocks" in c.params and "progress_edit" in json.dumps(c.params["blocks"])
        ),
    )[-1]


def updates(bot):
    with bot.session_factory() as session:
        return session.scalars(select(ProgressUpdate).order_by(ProgressUpdate.id)).all()


def test_inline_update_is_stored_confirmed_and_carded_in_the_channel(bot):
    bot.clock.set(MONDAY_9_KST)
    setup_project(bot, "U2")
    answer = bot.command("/progress", "jobs 40% 협약서 초안 완료 <!channel>", user="U2")
    assert "진척을 보고했습니다" in answer["text"] and "늦은" not in answer["text"]
    assert answer["blocks"][0]["accessory"]["action_id"] == Action.PROGRESS_EDIT
    [stored] = updates(bot)
    assert (stored.percent, stored.done, stored.late) == (40, "협약서 초안 완료 @channel", False)
    card = card_in_channel(bot).params
    blob = json.dumps(card["blocks"], ensure_ascii=False)
    assert "@lee" in blob and "▓▓▓▓░░░░░░" in blob and "협약서 초안 완료 @channel" in blob
    assert card["text"] and "<!channel>" not in blob


def test_update_after_the_due_time_is_marked_late(bot):
    bot.clock.set(MONDAY_9_KST)
    setup_project(bot, "U2")
    bot.clock.set(MONDAY_11_KST)
    answer = bot.command("/progress", "JOBS 50% 늦었지만 보고", user="U2")
    assert "늦은 보고로 기록됩니다" in answer["text"]
    assert ":alarm_clock:" in json.dumps(card_in_channel(bot).params["blocks"])
    assert updates(bot)[0].late is True


def test_non_member_gets_a_join_button_and_nothing_is_stored(bot):
    setup_project(bot)
    answer = bot.command("/progress", "JOBS 10% 몰래 보고", user="U3")
    assert "Only members of `JOBS`" in answer["text"]
    assert answer["blocks"][0]["accessory"]["action_id"] == Action.PROJECT_JOIN
    assert updates(bot) == []


def test_bad_percent_is_explained(bot):
    setup_project(bot, "U2")
    assert "0에서 100 사이의 정수" in bot.command("/progress", "JOBS 150% 너무 많이", user="U2")["text"]
    assert "0에서 100 사이의 정수" in bot.command("/progress", "JOBS 12.5% 소수", user="U2")["text"]
    assert updates(bot) == []


def test_progress_alone_opens_the_form_prefilled_with_the_last_update(bot):
    setup_project(bot, "U2")
    bot.command("/progress", "JOBS 40% 지난주 보고", user="U2")
    reply = bot.slack.command("/progress", "", user_id="U2", trigger_id="trig-p")
    assert reply.status == 200
    view = bot.modal_opened().params["view"]
    assert view["callback_id"] == Callback.PROGRESS
    elements = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert elements[Block.PROGRESS_PROJECT]["initial_option"]["value"] == "JOBS"
    assert elements[Block.PROGRESS_PERCENT]["initial_value"] == "40"


def test_form_submission_posts_and_confirms(bot):
    setup_project(bot, "U2")
    values = {
        Block.PROGRESS_PROJECT: {Action.PROGRESS_PROJECT_PICKED: R.static_select("JOBS")},
        Block.PROGRESS_PERCENT: {"value": {"type": "number_input", "value": "60"}},
        Block.PROGRESS_HEALTH: {"value": R.static_select("at_risk")},
        Block.PROGRESS_DONE: {"value": R.plain("기관 협의 완료")},
        Block.PROGRESS_NEXT: {"value": R.plain("예산 확보")},
        Block.PROGRESS_BLOCKERS: {"value": R.plain("<예산> 부족 & 인력")},
    }
    reply = bot.slack.view_submission(Callback.PROGRESS, values, user_id="U2", private_metadata='{"channel_id": "C1"}')
    assert reply.status == 200 and not reply.body
    [stored] = updates(bot)
    assert (stored.percent, stored.health.value, stored.blockers) == (60, "at_risk", "<예산> 부족 & 인력")
    bot.fake.wait_for("chat.postEphemeral", lambda c: c.params["user"] == "U2")
    assert "&lt;예산&gt; 부족 &amp; 인력" in json.dumps(card_in_channel(bot).params["blocks"], ensure_ascii=False)


def test_form_with_bad_percent_shows_the_error_on_the_field(bot):
    setup_project(bot, "U2")
    values = {
        Block.PROGRESS_PROJECT: {Action.PROGRESS_PROJECT_PICKED: R.static_select("JOBS")},
        Block.PROGRESS_PERCENT: {"value": {"type": "number_input", "value": "140"}},
        Block.PROGRESS_HEALTH: {"value": R.static_select("on_track")},
        Block.PROGRESS_DONE: {"value": R.plain("x")},
    }
    reply = bot.slack.view_submission(Callback.PROGRESS, values, user_id="U2")
    assert reply.json["response_action"] == "errors" and Block.PROGRESS_PERCENT in reply.json["errors"]
    assert updates(bot) == []


def test_edit_button_updates_the_card_in_place_and_marks_it_edited(bot):
    bot.clock.set(MONDAY_9_KST)
    setup_project(bot, "U2")
    bot.command("/progress", "JOBS 40% 첫 보고", user="U2")
    card = card_in_channel(bot)
    update_id = updates(bot)[0].id
    refused = bot.slack.block_action(
        Action.PROGRESS_EDIT, value=str(update_id), user_id="U1", channel_id="C9", message_ts=card.response["ts"]
    )
    assert "본인이 올린" in bot.answer(refused)["text"]
    reply = bot.slack.block_action(
        Action.PROGRESS_EDIT,
        value=str(update_id),
        user_id="U2",
        channel_id="C9",
        message_ts=card.response["ts"],
        trigger_id="trig-edit",
    )
    assert reply.status == 200
    view = bot.modal_opened().params["view"]
    assert json.loads(view["private_metadata"])["update_id"] == update_id
    values = {
        Block.PROGRESS_PERCENT: {"value": {"type": "number_input", "value": "45"}},
        Block.PROGRESS_HEALTH: {"value": R.static_select("on_track")},
        Block.PROGRESS_DONE: {"value": R.plain("고친 보고")},
    }
    submitted = bot.slack.view_submission(
        Callback.PROGRESS, values, user_id="U2", private_metadata=view["private_metadata"]
    )
    assert submitted.status == 200 and not submitted.body
    update = bot.fake.wait_for("chat.update", lambda c: c.params["ts"] == card.response["ts"])[0].params
    blob = json.dumps(update["blocks"], ensure_ascii=False)
    assert "고친 보고" in blob and "수정됨" in blob and "45%" in blob
    assert (
        len(
            [
                c
                for c in bot.fake.calls
                if c.method == "chat.postMessage"
                and c.params["channel"] == "C9"
                and "progress_edit" in json.dumps(c.params.get("blocks", []))
            ]
        )
        == 1
    )


def test_choosing_another_project_in_the_form_refills_it(bot):
    setup_project(bot, "U2")
    bot.command("/project", "new 관광 활성화 key=TOUR", user="U2")
    bot.command("/progress", "TOUR 70% 관광 보고", user="U2")
    view = {"id": "V1", "hash": "h1", "private_metadata": '{"channel_id": "C1"}', "callback_id": Callback.PROGRESS}
    reply = bot.slack.block_action(
        Action.PROGRESS_PROJECT_PICKED,
        user_id="U2",
        container_type="view",
        view=view,
        action_type="static_select",
        selected_option="TOUR",
        block_id=Block.PROGRESS_PROJECT,
    )
    assert reply.status == 200
    updated = bot.fake.wait_for("views.update")[0].params
    assert updated["view_id"] == "V1"
    elements = {b["block_id"]: b["element"] for b in updated["view"]["blocks"]}
    assert elements[Block.PROGRESS_PERCENT]["initial_value"] == "70"


def home_of(bot, user):
    bot.settle()
    bot.runtime.delivery.drain(timeout=15)
    before = len([c for c in bot.fake.calls if c.method == "views.publish" and c.params["user_id"] == user])
    bot.slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1", "event_ts": "1.2"})
    return bot.fake.wait_for("views.publish", lambda c: c.params["user_id"] == user, count=before + 1)[-1].params[
        "view"
    ]


def test_a_project_registered_after_the_due_time_marks_nobody_late_that_week(bot):
    bot.clock.set(MONDAY_11_KST)
    setup_project(bot, "U2", "U3")
    answer = bot.command("/progress", "JOBS 50% 첫 보고", user="U2")
    assert "늦은" not in answer["text"] and updates(bot)[0].late is False
    lead = json.dumps(home_of(bot, "U1")["blocks"], ensure_ascii=False)
    assert "미보고: " not in lead
    assert "Late" not in json.dumps(home_of(bot, "U3")["blocks"], ensure_ascii=False)


def test_home_shows_member_status_and_lead_missing_list_in_both_languages(bot):
    bot.clock.set(MONDAY_9_KST)
    setup_project(bot, "U2", "U3")
    bot.clock.set(MONDAY_11_KST)
    bot.command("/progress", "JOBS 30% 보고함", user="U2")
    member = json.dumps(home_of(bot, "U2")["blocks"], ensure_ascii=False)
    assert "기한 후 보고" in member and Action.PROGRESS_OPEN in member and "30%" in member
    lead = json.dumps(home_of(bot, "U1")["blocks"], ensure_ascii=False)
    assert "내가 주관하는 과제" in lead and "미보고: <@U1>, <@U3>" in lead
    # U3 is in New York: their report is on time until 10:00 Monday there, so at 11:00 in Seoul it is only due
    english = json.dumps(home_of(bot, "U3")["blocks"], ensure_ascii=False)
    assert "Late (not reported)" not in english and "Due" in english and "Approvals waiting for me" in english


def test_project_show_has_latest_updates_trend_and_who_has_not_reported(bot):
    bot.clock.set(MONDAY_9_KST)
    setup_project(bot, "U2", "U3")
    bot.command("/progress", "JOBS 30% 보고함", user="U2")
    detail = json.dumps(bot.command("/project", "show JOBS", user="U3")["blocks"], ensure_ascii=False)
    assert "Latest updates" in detail and "<@U2> 30%" in detail
    assert "Not reported this period: <@U1>, <@U3>" in detail and "Progress over the last 8 periods" in detail


def test_replayed_progress_command_posts_once_and_redraws_the_homes_it_changes_of_people_looking(bot):
    setup_project(bot, "U2", "U3")
    for looking in ("U1", "U3"):
        bot.slack.event({"type": "app_home_opened", "user": looking, "tab": "home", "channel": "D1"})
    bot.settle()
    bot.runtime.delivery.drain(timeout=15)
    before = len(bot.fake.calls)
    first = bot.slack.command("/progress", "JOBS 20% 한 번만", user_id="U2", trigger_id="same-trigger")
    bot.answer(first)
    again = bot.slack.command("/progress", "JOBS 20% 한 번만", user_id="U2", trigger_id="same-trigger")
    assert again.status == 200
    bot.settle()
    assert len(updates(bot)) == 1
    bot.runtime.delivery.drain(timeout=15)
    redrawn = [c.params["user_id"] for c in bot.fake.calls[before:] if c.method == "views.publish"]
    # the lead's, once (who has not reported changed); U3's Home shows only U3's own status; U2 has not
    # opened App Home: it is drawn when they do
    assert redrawn == ["U1"]


def test_english_reader_posts_through_the_form_and_edits_it(bot):
    bot.clock.set(MONDAY_9_KST)
    setup_project(bot, "U3")
    bot.command("/progress", "help", user="U3")  # as opening the form would: Slack tells us U3 reads English
    values = {
        Block.PROGRESS_PROJECT: {Action.PROGRESS_PROJECT_PICKED: R.static_select("JOBS")},
        Block.PROGRESS_PERCENT: {"value": {"type": "number_input", "value": "10"}},
        Block.PROGRESS_HEALTH: {"value": R.static_select("on_track")},
        Block.PROGRESS_DONE: {"value": R.plain("kick-off held")},
    }
    assert bot.slack.view_submission(Callback.PROGRESS, values, user_id="U3").status == 200
    confirmation = bot.fake.wait_for(
        "chat.postMessage", lambda c: c.params["channel"] == "U3" and "Progress posted" in c.params["text"]
    )[0]
    assert confirmation.params["blocks"][0]["accessory"]["text"]["text"] == "Edit"
    update_id = updates(bot)[0].id
    metadata = json.dumps({"channel_id": None, "update_id": update_id})
    values[Block.PROGRESS_DONE] = {"value": R.plain("kick-off held, minutes shared")}
    assert bot.slack.view_submission(Callback.PROGRESS, values, user_id="U3", private_metadata=metadata).status == 200
    bot.fake.wait_for(
        "chat.postMessage", lambda c: c.params["channel"] == "U3" and "Updated your progress" in c.params["text"]
    )
    assert updates(bot)[0].done == "kick-off held, minutes shared"


def test_an_unexpected_failure_in_a_form_is_an_error_on_the_form_not_a_500(bot, monkeypatch):
    from services import progress as progress_service

    setup_project(bot, "U2")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(progress_service, "post", broken)
    values = {
        Block.PROGRESS_PROJECT: {Action.PROGRESS_PROJECT_PICKED: R.static_select("JOBS")},
        Block.PROGRESS_HEALTH: {"value": R.static_select("on_track")},
        Block.PROGRESS_DONE: {"value": R.plain("x")},
    }
    reply = bot.slack.view_submission(Callback.PROGRESS, values, user_id="U2")
    assert reply.status == 200
    assert "죄송합니다" in reply.json["errors"][Block.PROGRESS_DONE] and "fire" not in reply.body


def test_a_percent_written_with_a_space_or_in_korean_and_one_that_goes_back_is_said(bot):
    bot.clock.set(MONDAY_9_KST)
    setup_project(bot, "U2")
    bot.command("/progress", "JOBS 62 % 협약서 초안 완료", user="U2")
    bot.command("/progress", "JOBS 70퍼센트 예산 협의", user="U2")
    lower = bot.command("/progress", "JOBS 40% 범위 재조정", user="U2")
    assert [(u.percent, u.done) for u in updates(bot)] == [
        (62, "협약서 초안 완료"),
        (70, "예산 협의"),
        (40, "범위 재조정"),
    ]
    assert "진척률이 지난 보고보다 낮습니다 (70% → 40%)" in json.dumps(lower["blocks"], ensure_ascii=False)
    bot.runtime.delivery.drain(timeout=15)
    cards = [c for c in bot.fake.calls_to("chat.postMessage", channel="C9") if "progress_edit" in json.dumps(c.params)]
    shown = json.dumps([c.params["blocks"] for c in cards], ensure_ascii=False)
    assert shown.count(":small_red_triangle_down: 70% → 40%") == 1 and "62% →" not in shown and "→ 70%" not in shown
    again = bot.command("/progress", "JOBS 45 퍼센트 보완", user="U2")  # up from 40: nothing said
    assert "→" not in json.dumps(again["blocks"], ensure_ascii=False)
