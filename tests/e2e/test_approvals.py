"""Approvals end to end: the line with agreement and 전결, return and resubmission, withdrawal, proxy,
intruders, double clicks and stale cards, through signed payloads and the fake Slack."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.fakeslack.payloads import SlackRequests as R
from kit.ids import Action, Block, Callback
from models import ApprovalRequest, ApprovalStep, AuditEvent, RequestStatus, StepStatus


def setup(bot):
    for user in ("U4", "U5", "U9"):
        bot.fake.add_user(user, name=user.lower(), team_id="T1")
    bot.command("/project", "new 일자리 창출 key=JOBS <#C9|jobs> <@U2|lee> <@U3|park>")


def card_for(bot, user, count=1):
    """The approval card asking `user`, and the step id its Approve button carries."""
    calls = bot.fake.wait_for(
        "chat.postMessage",
        lambda c: c.params["channel"] == user and Action.APPROVAL_APPROVE in json.dumps(c.params.get("blocks", [])),
        count=count,
    )
    call = calls[-1]
    buttons = [e for b in call.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    step = next(e["value"] for e in buttons if e["action_id"] == Action.APPROVAL_APPROVE)
    return call, int(step)


def asked(bot, user) -> bool:
    bot.settle()
    bot.runtime.delivery.drain(timeout=10)
    return any(
        c.method == "chat.postMessage"
        and c.params["channel"] == user
        and Action.APPROVAL_APPROVE in json.dumps(c.params.get("blocks", []))
        for c in bot.fake.calls
    )


def click(bot, action, value, user, channel=None):
    reply = bot.slack.block_action(action, value=str(value), user_id=user, channel_id=channel or f"D{user[1:]}")
    assert reply.status == 200
    return bot.answer(reply)


def request_status(bot, request_id=1):
    with bot.session_factory() as session:
        request = session.get(ApprovalRequest, request_id)
        if request is None:
            return None, {}
        return request.status, {s.approver.slack_user_id: s.status for s in request.steps}


def buttons_of(call):
    return [e for b in call.params["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_form_with_approvers_after_the_final_authority_says_who_would_never_be_asked(bot):
    setup(bot)
    values = {
        Block.APPROVAL_PROJECT: {"value": R.static_select("JOBS")},
        Block.APPROVAL_TITLE: {"value": R.plain("2027 협약안")},
        Block.APPROVAL_APPROVERS: {"value": R.multi_users(["U3", "UADMIN"])},
        Block.APPROVAL_AGREEMENT: {"value": R.multi_users(["U2"])},
        Block.APPROVAL_FINAL: {"value": R.users_select("U3")},
    }
    reply = bot.slack.view_submission(Callback.APPROVAL_REQUEST, values, private_metadata='{"channel_id": "C1"}')
    errors = json.loads(reply.body)["errors"]
    assert list(errors) == [Block.APPROVAL_FINAL]
    assert errors[Block.APPROVAL_FINAL].startswith(
        "전결권자 @park 뒤에 둔 결재자(@admin)에게는 결재 차례가 오지 않습니다."
    )
    status, _ = request_status(bot)
    assert status is None


def test_line_with_agreement_and_final_authority_completes_at_the_final_step(bot):
    setup(bot)
    values = {
        Block.APPROVAL_PROJECT: {"value": R.static_select("JOBS")},
        Block.APPROVAL_TITLE: {"value": R.plain("2027 협약안")},
        Block.APPROVAL_DETAILS: {"value": R.plain("예산 <10억> & 인력")},
        Block.APPROVAL_APPROVERS: {"value": R.multi_users(["U2", "U3"])},
        Block.APPROVAL_AGREEMENT: {"value": R.multi_users(["U4", "U5"])},
        Block.APPROVAL_FINAL: {"value": R.users_select("U3")},
        Block.APPROVAL_READERS: {"value": R.multi_users(["U9"])},
    }
    reply = bot.slack.view_submission(Callback.APPROVAL_REQUEST, values, private_metadata='{"channel_id": "C1"}')
    assert reply.status == 200 and not reply.body
    _, step = card_for(bot, "U2")
    assert not asked(bot, "U4") and not asked(bot, "U3")  # later approvers wait for their turn
    assert "승인했습니다" in click(bot, Action.APPROVAL_APPROVE, step, "U2")["text"]
    card_u4, step_u4 = card_for(bot, "U4")
    assert [b["text"]["text"] for b in buttons_of(card_u4)][:2] == ["동의", "이견"]  # 합의, not 승인 / 반려
    _, step_u5 = card_for(bot, "U5")
    assert "동의했습니다" in click(bot, Action.APPROVAL_APPROVE, step_u4, "U4")["text"]
    assert not asked(bot, "U3")  # agreement needs everyone
    click(bot, Action.APPROVAL_APPROVE, step_u5, "U5")
    _, step_u3 = card_for(bot, "U3")
    click(bot, Action.APPROVAL_APPROVE, step_u3, "U3")
    status, steps = request_status(bot)
    assert status is RequestStatus.APPROVED
    assert set(steps.values()) == {StepStatus.APPROVED}
    bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U1" and "결재가 완료" in c.params["text"])
    bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U9" and "결재가 완료" in c.params["text"])
    record = bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "C9" and "#1" in c.params["text"])
    assert "<@U2> → <@U4>, <@U5> → <@U3>" in record[0].params["text"]
    history = json.dumps(bot.command("/approval", "show 1"), ensure_ascii=False)
    assert "합의 동의" in history and "(시스템) 결재 완료" in history


def test_return_with_reason_then_resubmission_keeps_the_history(bot):
    setup(bot)
    answer = bot.command("/approval", "request JOBS <@U2|lee> <@U3|park> 협약안 결재")
    assert "#1" in answer["text"]
    _, step = card_for(bot, "U2")
    reply = bot.slack.block_action(
        Action.APPROVAL_REJECT, value=str(step), user_id="U2", channel_id="D2", trigger_id="trig-reject"
    )
    assert reply.status == 200
    view = bot.modal_opened().params["view"]
    assert view["callback_id"] == Callback.APPROVAL_REJECT
    empty = bot.slack.view_submission(
        Callback.APPROVAL_REJECT,
        {Block.APPROVAL_REASON: {"value": R.plain(" ")}},
        user_id="U2",
        private_metadata=view["private_metadata"],
    )
    assert empty.json["response_action"] == "errors"
    done = bot.slack.view_submission(
        Callback.APPROVAL_REJECT,
        {Block.APPROVAL_REASON: {"value": R.plain("예산 근거 보완")}},
        user_id="U2",
        private_metadata=view["private_metadata"],
    )
    assert done.status == 200 and not done.body
    status, steps = request_status(bot)
    assert status is RequestStatus.REJECTED and steps["U3"] is StepStatus.SKIPPED
    returned = bot.fake.wait_for(
        "chat.postMessage", lambda c: c.params["channel"] == "U1" and "반려" in c.params["text"]
    )
    assert "예산 근거 보완" in returned[0].params["text"]
    assert not asked(bot, "U3")
    bot.slack.block_action(Action.APPROVAL_RESUBMIT, value="1", user_id="U1", channel_id="D1", trigger_id="trig-re")
    form = bot.modal_opened(count=2).params["view"]
    assert json.loads(form["private_metadata"])["resubmission_of"] == 1
    values = {
        Block.APPROVAL_PROJECT: {"value": R.static_select("JOBS")},
        Block.APPROVAL_TITLE: {"value": R.plain("협약안 결재 (보완)")},
        Block.APPROVAL_APPROVERS: {"value": R.multi_users(["U2", "U3"])},
    }
    resubmitted = bot.slack.view_submission(
        Callback.APPROVAL_REQUEST, values, private_metadata=form["private_metadata"]
    )
    assert resubmitted.status == 200 and not resubmitted.body
    shown = json.dumps(bot.command("/approval", "show 2")["blocks"], ensure_ascii=False)
    assert "#1의 재상신" in shown and "예산 근거 보완" in shown and "상신(#1)" in shown and "<@U1> 재상신" in shown


def test_withdrawal_before_any_decision_updates_every_card(bot):
    setup(bot)
    bot.command("/approval", "request JOBS <@U2|lee> 철회할 요청")
    card, step = card_for(bot, "U2")
    assert "회수했습니다" in bot.command("/approval", "withdraw 1")["text"]
    update = bot.fake.wait_for("chat.update", lambda c: c.params["ts"] == card.response["ts"])[-1].params
    assert Action.APPROVAL_APPROVE not in json.dumps(update["blocks"]) and "회수" in update["text"]
    assert "이미 회수 상태" in click(bot, Action.APPROVAL_APPROVE, step, "U2")["text"]
    assert request_status(bot)[0] is RequestStatus.WITHDRAWN


def test_withdrawal_is_told_to_the_approver_asked_and_the_reader_but_not_to_a_later_approver(bot):
    setup(bot)
    values = {
        Block.APPROVAL_PROJECT: {"value": R.static_select("JOBS")},
        Block.APPROVAL_TITLE: {"value": R.plain("2027 협약안")},
        Block.APPROVAL_APPROVERS: {"value": R.multi_users(["U2", "U3"])},
        Block.APPROVAL_READERS: {"value": R.multi_users(["U5"])},
    }
    reply = bot.slack.view_submission(Callback.APPROVAL_REQUEST, values, private_metadata='{"channel_id": "C1"}')
    assert reply.status == 200 and not reply.body
    card_for(bot, "U2")

    assert "회수했습니다" in bot.command("/approval", "withdraw 1")["text"]
    assert "회수했습니다" in bot.command("/approval", "withdraw 1")["text"]  # a second time: nobody told again

    [line] = bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U2" and "회수" in c.params["text"])
    assert "<@U1>님이 *2027 협약안* (#1) 결재를 회수했습니다. 더 결재하실 일은 없습니다." in line.params["text"]
    [cc] = bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U5" and "회수" in c.params["text"])
    assert "[참조] <@U1>님이" in cc.params["text"]
    bot.settle()
    bot.runtime.delivery.drain(timeout=10)
    told = [
        c.params["channel"] for c in bot.fake.calls if c.method == "chat.postMessage" and "회수" in c.params["text"]
    ]
    assert sorted(told) == ["U2", "U5"]


def test_withdrawal_after_a_decision_is_refused(bot):
    setup(bot)
    bot.command("/approval", "request JOBS <@U2|lee> <@U3|park> 진행 중")
    _, step = card_for(bot, "U2")
    click(bot, Action.APPROVAL_APPROVE, step, "U2")
    assert "회수할 수 없습니다" in bot.command("/approval", "withdraw 1")["text"]
    assert request_status(bot)[0] is RequestStatus.PENDING


def test_proxy_decides_for_an_absent_approver_and_both_are_told(bot):
    setup(bot)
    assert "대결합니다" in bot.command("/approval", "away <@U5|choi> until=2099-12-31", user="U2")["text"]
    bot.command("/approval", "request JOBS <@U2|lee> 부재 중 결재")
    _, step = card_for(bot, "U5")
    bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U2" and "대결을 요청" in c.params["text"])
    click(bot, Action.APPROVAL_APPROVE, step, "U5")
    assert request_status(bot)[0] is RequestStatus.APPROVED
    with bot.session_factory() as session:
        decided = session.scalar(select(ApprovalStep).where(ApprovalStep.id == step))
        assert (decided.approver.slack_user_id, decided.decided_by.slack_user_id) == ("U2", "U5")
    told = bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U2" and "대결로" in c.params["text"])
    assert "<@U5>" in told[0].params["text"]
    assert "<@U5> 대결" in json.dumps(bot.command("/approval", "show 1")["blocks"], ensure_ascii=False)
    assert "해제했습니다" in bot.command("/approval", "back", user="U2")["text"]


def test_intruder_is_refused_and_nothing_changes(bot):
    setup(bot)
    bot.command("/approval", "request JOBS <@U2|lee> 남의 결재")
    _, step = card_for(bot, "U2")
    # someone not on the request learns nothing, not even that it exists
    assert "결재 #" in click(bot, Action.APPROVAL_APPROVE, step, "U9")["text"]
    assert "찾을 수 없습니다" in click(bot, Action.APPROVAL_APPROVE, step, "U9")["text"]
    assert "결재하실 건이 아닙니다" in click(bot, Action.APPROVAL_REJECT, step, "U1")["text"]
    assert request_status(bot)[1]["U2"] is StepStatus.PENDING
    assert not [c for c in bot.fake.calls if c.method == "views.open"]


def test_double_click_and_stale_card_decide_once_and_say_who_decided(bot):
    setup(bot)
    bot.command("/approval", "request JOBS <@U2|lee> <@U3|park> 두 번 누름")
    _, step = card_for(bot, "U2")
    first = click(bot, Action.APPROVAL_APPROVE, step, "U2")
    second = click(bot, Action.APPROVAL_APPROVE, step, "U2")
    stale = click(bot, Action.APPROVAL_REJECT, step, "U2")
    assert "승인했습니다" in first["text"]
    assert "이미 <@U2>님이" in second["text"] and "결정했습니다(승인)" in second["text"]
    assert "이미 <@U2>님이" in stale["text"]
    with bot.session_factory() as session:
        decisions = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "approval.approved")
        )
    assert decisions == 1
    bot.settle()
    bot.runtime.delivery.drain(timeout=10)
    assert (
        len(
            [
                c
                for c in bot.fake.calls
                if c.method == "chat.postMessage"
                and c.params["channel"] == "U3"
                and Action.APPROVAL_APPROVE in json.dumps(c.params.get("blocks", []))
            ]
        )
        == 1
    )


def test_list_and_home_show_what_waits_with_buttons_inline_in_english(bot):
    setup(bot)
    bot.command("/approval", "request JOBS <@U3|park> English line")
    listing = bot.command("/approval", "list", user="U3")
    assert "Waiting for you: 1" in listing["text"]
    assert '"style": "danger"' in json.dumps(listing["blocks"]) and '"style": "primary"' in json.dumps(
        listing["blocks"]
    )
    bot.settle()
    bot.runtime.delivery.drain(timeout=10)
    bot.slack.event({"type": "app_home_opened", "user": "U3", "tab": "home", "channel": "D3", "event_ts": "1.3"})
    home = bot.fake.wait_for(
        "views.publish",
        lambda c: c.params["user_id"] == "U3" and "Approvals waiting for me* (1)" in json.dumps(c.params["view"]),
    )[-1]
    assert Action.APPROVAL_APPROVE in json.dumps(home.params["view"]["blocks"])


def test_bad_requests_are_explained(bot):
    setup(bot)
    assert "결재자를 한 명 이상" in bot.command("/approval", "request JOBS 결재자 없음")["text"]
    assert "본인은 결재선에" in bot.command("/approval", "request JOBS <@U1|kim> 셀프")["text"]
    assert "참여자만 결재를" in bot.command("/approval", "request JOBS <@U2|lee> 외부인", user="U9")["text"]
    assert "#99" in bot.command("/approval", "show 99")["text"]
    assert "알아볼 수 없습니다" in bot.command("/approval", "show abc")["text"]
    with bot.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ApprovalRequest)) == 0


def test_an_approver_named_in_plain_text_is_reported_not_found_by_name(bot):
    setup(bot)
    answer = bot.command("/approval", "request JOBS <@U2|lee> @홍길동 협약안 결재")
    assert "Slack에서 찾을 수 없는 이름입니다: @홍길동." in answer["text"]  # not "name at least one approver"
    assert "@김과장" in bot.command("/approval", "away @김과장 until=2026-12-31")["text"]
    with bot.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ApprovalRequest)) == 0


def test_korean_subcommands_request_list_and_withdraw(bot):
    setup(bot)
    assert "#1" in bot.command("/approval", "상신 JOBS <@U2|lee> 협약안 결재")["text"]
    assert "협약안 결재" in json.dumps(bot.command("/approval", "목록")["blocks"], ensure_ascii=False)
    assert "회수" in bot.command("/approval", "회수 1")["text"]
    assert request_status(bot)[0] is RequestStatus.WITHDRAWN
