"""App Home: published on open, department set from it, members then shown by department."""

from __future__ import annotations

from bot.fakeslack.payloads import SlackRequests as R
from kit.ids import Action, Block, Callback


def published(bot, user):
    return [c for c in bot.fake.calls if c.method == "views.publish" and c.ok and c.params["user_id"] == user]


def open_home(bot, user="U1"):
    """Opens App Home once everything queued before has been delivered; returns the view published."""
    bot.settle()
    bot.runtime.delivery.drain(timeout=10)
    before = len(published(bot, user))
    event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1.1"}
    assert bot.slack.event(event).status == 200
    calls = bot.fake.wait_for("views.publish", lambda c: c.params["user_id"] == user, count=before + 1)
    return calls[-1].params["view"]


def test_home_lists_my_projects_and_offers_department(bot):
    bot.command("/project", "new 일자리 창출 key=JOBS <@U2|lee>")
    bot.command("/project", "new 관광 활성화 key=TOUR", user="U3")
    view = open_home(bot, "U2")
    blob = str(view["blocks"])
    assert view["type"] == "home"
    assert "JOBS" in blob and "TOUR" not in blob
    assert Action.HOME_SET_DEPARTMENT in blob and "부서가 지정되지 않았습니다" in blob


def test_home_in_english_for_an_english_user_with_no_projects(bot):
    view = open_home(bot, "U3")
    assert "My projects (0)" in str(view["blocks"]) and "/project list" in str(view["blocks"])


def test_home_with_many_projects_stays_within_view_limits(bot):
    for n in range(40):
        bot.command("/project", f"new 과제 {n}")
    view = open_home(bot)
    assert len(view["blocks"]) <= 100
    assert "외 20건은 `/project list`에서 확인하십시오." in str(view["blocks"])  # 20 shown, the rest summarised


def test_setting_department_updates_home_and_project_detail(bot):
    bot.command("/project", "new 아토피 없는 경기도 key=ATOPY")
    open_home(bot)
    reply = bot.slack.block_action(
        Action.HOME_SET_DEPARTMENT, user_id="U1", container_type="view", trigger_id="trig-dept"
    )
    assert reply.status == 200
    modal = bot.modal_opened().params["view"]
    assert modal["callback_id"] == Callback.DEPARTMENT
    submitted = bot.slack.view_submission(Callback.DEPARTMENT, {Block.DEPARTMENT: {"value": R.plain(" 보건정책과 ")}})
    assert submitted.status == 200
    bot.settle()
    home = published(bot, "U1")[-1].params["view"]
    assert "보건정책과" in str(home["blocks"])
    detail = bot.command("/project", "show ATOPY")
    assert "*보건정책과*: <@U1>" in str(detail["blocks"])


def test_home_shows_the_directives_i_issued_and_where_my_requests_wait(bot):
    bot.command("/project", "new 일자리 창출 key=JOBS <@U2|lee> <@U3|park>")
    bot.command("/directive", "JOBS <@U2|lee> due=2099-12-31 협약 초안을 검토하십시오")
    bot.command("/approval", "request JOBS <@U3|park> <@U2|lee> 2027 협약안")
    view = open_home(bot, "U1")
    blob = str(view["blocks"])
    assert len(view["blocks"]) <= 100
    assert "*내가 내린 지시* (1)" in blob and "협약 초안을 검토하십시오 · `JOBS` · <@U2> · 2099-12-31" in blob
    assert "*내가 상신한 결재* (1)" in blob and "2027 협약안 · `JOBS` · <@U3> 결재 단계에서 대기 중" in blob
    assert "내가 내린 지시" not in str(open_home(bot, "U2")["blocks"])  # U2 issued nothing
