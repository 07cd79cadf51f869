"""Directives end to end: issue to acceptance, a returned one, the default deadline across a public
holiday, and refusals for the wrong issuer or reporter."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.fakeslack.payloads import SlackRequests as R
from kit.ids import Action, Block, Callback
from models import Directive, DirectiveStatus, Project


def setup(bot):
    bot.fake.add_user("U9", name="u9", team_id="T1")
    bot.command("/project", "new 아토피 없는 경기도 key=ATOPY <@U2|lee> <@U3|park>")


def card_for(bot, user):
    call = bot.fake.wait_for(
        "chat.postMessage",
        lambda c: c.params["channel"] == user and Action.DIRECTIVE_COMPLETION in json.dumps(c.params.get("blocks", [])),
    )[-1]
    return call


def stored(bot, directive_id=1):
    with bot.session_factory() as session:
        return session.scalar(select(Directive).where(Directive.id == directive_id))


def click(bot, action, user, value="1", **kwargs):
    reply = bot.slack.block_action(action, value=value, user_id=user, channel_id=f"D{user[1:]}", **kwargs)
    assert reply.status == 200
    return reply


def report(bot, user, kind, text, directive_id=1):
    metadata = json.dumps({"directive_id": directive_id, "kind": kind, "channel_id": None})
    return bot.slack.view_submission(
        Callback.DIRECTIVE_REPORT,
        {Block.DIRECTIVE_REPORT_TEXT: {"value": R.plain(text)}},
        user_id=user,
        private_metadata=metadata,
    )


def test_directive_from_issue_to_acceptance(bot):
    setup(bot)
    answer = bot.command("/directive", "ATOPY <@U2|lee> <@U3|park> due=2099-01-15 kind=plan 추진 계획 수립")
    assert "지시 #1" in answer["text"] and "2099-01-15" in answer["text"]
    card = card_for(bot, "U2")
    assert "(주무)" in json.dumps(card.params["blocks"], ensure_ascii=False)
    card_for(bot, "U3")
    assert "확인했습니다" in bot.answer(click(bot, Action.DIRECTIVE_ACK, "U2"))["text"]
    assert "이미 확인" in bot.answer(click(bot, Action.DIRECTIVE_ACK, "U2"))["text"]
    assert stored(bot).status is DirectiveStatus.ACKNOWLEDGED
    click(bot, Action.DIRECTIVE_COMPLETION, "U2", trigger_id="trig-done")
    assert bot.modal_opened().params["view"]["callback_id"] == Callback.DIRECTIVE_REPORT
    assert report(bot, "U2", "completion", "계획 초안 첨부").status == 200
    assert stored(bot).status is DirectiveStatus.REPORTED
    told = bot.fake.wait_for(
        "chat.postMessage", lambda c: c.params["channel"] == "U1" and "계획 초안 첨부" in c.params["text"]
    )[0]
    # the issuer decides from the notification itself: accept (primary) or send back (danger)
    buttons = [e for b in told.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b.get("style")) for b in buttons] == [
        (Action.DIRECTIVE_ACCEPT, "primary"),
        (Action.DIRECTIVE_RETURN, "danger"),
        (Action.DIRECTIVE_SHOW, None),
    ]
    assert (
        "완료를 확인했습니다"
        in bot.answer(click(bot, Action.DIRECTIVE_ACCEPT, "U1", value=buttons[0]["value"]))["text"]
    )
    assert "이미 완료" in bot.answer(click(bot, Action.DIRECTIVE_ACCEPT, "U1"))["text"]
    assert stored(bot).status is DirectiveStatus.DONE
    bot.fake.wait_for(
        "chat.update",
        lambda c: (
            c.params["ts"] == card.response["ts"] and Action.DIRECTIVE_COMPLETION not in json.dumps(c.params["blocks"])
        ),
    )
    shown = json.dumps(bot.command("/directive", "show 1")["blocks"], ensure_ascii=False)
    assert "완료 보고" in shown and "완료 확인" in shown


def test_returned_directive_reopens_for_another_report(bot):
    setup(bot)
    bot.command("/directive", "ATOPY <@U2|lee> kind=report 현황 보고")
    card_for(bot, "U2")
    report(bot, "U2", "completion", "1차 보고")
    click(bot, Action.DIRECTIVE_RETURN, "U1", trigger_id="trig-back")
    view = bot.modal_opened().params["view"]
    metadata = view["private_metadata"]
    empty = bot.slack.view_submission(
        Callback.DIRECTIVE_RETURN, {Block.DIRECTIVE_NOTE: {"value": R.plain(" ")}}, private_metadata=metadata
    )
    assert empty.json["response_action"] == "errors"
    back = bot.slack.view_submission(
        Callback.DIRECTIVE_RETURN,
        {Block.DIRECTIVE_NOTE: {"value": R.plain("통계 근거 보완")}},
        private_metadata=metadata,
    )
    assert back.status == 200 and not back.body
    assert stored(bot).status is DirectiveStatus.RETURNED and stored(bot).note == "통계 근거 보완"
    bot.fake.wait_for(
        "chat.postMessage", lambda c: c.params["channel"] == "U2" and "통계 근거 보완" in c.params["text"]
    )
    assert report(bot, "U2", "completion", "보완 보고").status == 200
    assert stored(bot).status is DirectiveStatus.REPORTED


def test_default_deadline_counts_working_days_across_a_public_holiday(bot):
    setup(bot)
    bot.clock.set(datetime(2026, 9, 23, 3, 0, tzinfo=UTC))  # Wednesday; Chuseok is Thu 24 - Sat 26 September
    bot.command("/directive", "ATOPY <@U2|lee> kind=report 추석 전 보고")
    # working days after Wed 23 Sep: Mon 28, Tue 29, Wed 30
    assert stored(bot).due_date == date(2026, 9, 30)


def test_only_a_lead_issues_and_only_assignees_report(bot):
    setup(bot)
    refused = bot.command("/directive", "ATOPY <@U3|park> 권한 없음", user="U2")
    assert "주관 책임자·관리 담당이나 관리자만 지시" in refused["text"]
    assert stored(bot) is None
    bot.command("/directive", "ATOPY <@U2|lee> 담당자만 보고")
    card_for(bot, "U2")
    intruder = report(bot, "U9", "completion", "남이 보고")
    assert intruder.json["response_action"] == "errors"
    assert stored(bot).status is DirectiveStatus.ISSUED
    assert "찾을 수 없습니다" in bot.answer(click(bot, Action.DIRECTIVE_ACK, "U9"))["text"]  # not theirs to see
    assert "담당자만" in bot.answer(click(bot, Action.DIRECTIVE_ACK, "U1"))["text"]  # the issuer sees it, may not ack
    assert "지시한 사람이나 관리자만" in bot.answer(click(bot, Action.DIRECTIVE_ACCEPT, "U2"))["text"]


def test_list_in_english_puts_overdue_first(bot):
    setup(bot)
    bot.command("/directive", "ATOPY <@U3|park> due=2099-12-31 later one")
    bot.clock.set(datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    bot.command("/directive", "ATOPY <@U3|park> due=2026-11-27 due today")
    bot.clock.set(datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    listing = bot.command("/directive", "list", user="U3")
    blob = json.dumps(listing["blocks"])
    assert "Assigned to me: 2" in listing["text"]
    assert blob.index("due today") < blob.index("later one") and "Overdue" in blob


def test_home_lists_open_directives_with_due_dates_and_overdue_marks(bot):
    setup(bot)
    bot.clock.set(datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    bot.command("/directive", "ATOPY <@U2|lee> due=2026-11-27 오늘까지 보고")
    bot.clock.set(datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    bot.settle()
    bot.runtime.delivery.drain(timeout=15)
    bot.slack.event({"type": "app_home_opened", "user": "U2", "tab": "home", "channel": "D2", "event_ts": "1.4"})
    home = bot.fake.wait_for(
        "views.publish",
        lambda c: c.params["user_id"] == "U2" and "지시 사항* (1)" in json.dumps(c.params["view"], ensure_ascii=False),
    )[-1]
    blob = json.dumps(home.params["view"]["blocks"], ensure_ascii=False)
    assert "오늘까지 보고" in blob and "2026-11-27" in blob and "기한 지남" in blob


def test_a_manager_marked_on_the_project_may_issue(bot):
    setup(bot)
    with bot.session_factory() as session:
        project_id = session.scalar(select(Project.id).where(Project.key == "ATOPY"))
    form = bot.slack.view_submission(
        Callback.PROJECT_EDIT,
        {
            Block.PROJECT_NAME: {"value": R.plain("아토피 없는 경기도")},
            Block.PROJECT_LEADS: {"value": R.multi_users(["U1"])},
            Block.PROJECT_MANAGERS: {"value": R.multi_users(["U3", "U9"])},
            Block.PROJECT_MEMBERS: {"value": R.multi_users(["U2", "U3"])},
        },
        private_metadata=json.dumps({"project_id": project_id, "channel_id": "C1", "members_shown": ["U2", "U3"]}),
    )
    assert form.status == 200 and not form.body, form.body
    answer = bot.command("/directive", "ATOPY <@U2|lee> kind=report manager's directive", user="U3")
    assert "Directive #1 issued" in answer["text"]
    assert stored(bot).issuer.slack_user_id == "U3"
    shown = json.dumps(bot.command("/project", "show ATOPY")["blocks"], ensure_ascii=False)
    assert "<@U9> (관리 담당)" in shown  # named a manager, so made a member too


def test_kinds_and_options_in_korean_and_a_name_typed_as_text(bot):
    setup(bot)
    answer = bot.command("/directive", "ATOPY <@U2|lee> 종류=계획 기한=2026-12-15 추진 계획 수립")
    assert "#1" in answer["text"] and "2026-12-15" in answer["text"]
    bot.command("/directive", "ATOPY <@U3|park> kind=보고 현황 보고")
    assert (stored(bot, 1).kind.value, stored(bot, 1).due_date) == ("plan", date(2026, 12, 15))
    assert stored(bot, 2).kind.value == "report"
    assert "`검토`" in bot.command("/directive", "ATOPY <@U2|lee> 종류=검토 현황")["text"]
    unknown = bot.command("/directive", "ATOPY <@U2|lee> @홍길동 현황 보고")
    assert "Slack에서 찾을 수 없는 이름입니다: @홍길동." in unknown["text"]
    assert stored(bot, 3) is None
    assert "추진 계획 수립" in json.dumps(bot.command("/directive", "목록")["blocks"], ensure_ascii=False)
