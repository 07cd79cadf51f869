"""Who may read what, through the real commands: an approval its requester, line, proxies, readers (참조)
and admins; a directive its issuer, assignees, the project's leads and admins; a project's progress,
discussions and digests its members and admins. A refusal reads exactly as for a number that does not exist."""

from __future__ import annotations

import json

from models.db import write_transaction
from services import approvals
from tests.conftest import ADMIN


def setup(bot):
    for user in ("U4", "U5", "U9"):
        bot.fake.add_user(user, name=user.lower(), team_id="T1")
    bot.command("/project", "new 일자리 창출 key=JOBS <#C9|jobs> <@U2|lee> <@U3|park> <@U4|u4>")
    bot.command("/approval", "request JOBS <@U2|lee> 청년 인턴 협약", user="U3")
    bot.command("/directive", "JOBS <@U2|lee> due=2099-01-15 현황 보고")
    bot.command("/progress", "JOBS 30% 착수", user="U2")
    bot.settle()


def shown(answer) -> str:
    return answer.get("text", "") + json.dumps(answer.get("blocks", []), ensure_ascii=False)


def test_an_approval_is_read_by_its_people_and_admins_and_does_not_exist_for_anyone_else(bot):
    setup(bot)
    for reader in ("U3", "U2", ADMIN):  # requester, approver, admin
        assert "청년 인턴 협약" in shown(bot.command("/approval", "show 1", user=reader))
    outsider = bot.command("/approval", "show 1", user="U9")["text"]
    member = bot.command("/approval", "show 1", user="U4")["text"]  # on the project, not on the request
    nothing = bot.command("/approval", "show 91", user="U9")["text"]  # 91 is read as 1 is: the same particle
    assert outsider == member == nothing.replace("#91", "#1")
    assert "청년 인턴" not in outsider


def test_a_reader_of_a_request_may_read_it(bot):
    setup(bot)
    bot.fake.add_user("U5", name="u5", team_id="T1")
    bot.settle()
    with write_transaction(bot.session_factory) as s:
        draft = approvals.Draft(title="참조 확인", approvers=["U2"], readers=["U5"])
        approvals.create(s, "T1", "U3", "JOBS", draft, now=bot.clock())
    assert "참조 확인" in shown(bot.command("/approval", "show 2", user="U5"))


def test_a_directive_is_read_by_its_issuer_assignees_leads_and_admins_only(bot):
    setup(bot)
    for reader in ("U1", "U2", ADMIN):  # issuer and lead, assignee, admin
        assert "현황 보고" in shown(bot.command("/directive", "show 1", user=reader))
    member = bot.command("/directive", "show 1", user="U3")["text"]
    nothing = bot.command("/directive", "show 91", user="U3")["text"]
    assert member == nothing.replace("#91", "#1") and "현황 보고" not in member


def test_a_projects_work_is_for_its_members_its_registration_for_anyone(bot):
    setup(bot)
    outsider = shown(bot.command("/project", "show JOBS", user="U9"))
    assert "일자리 창출" in outsider and "착수" not in outsider and "30%" not in outsider
    assert "참여자와 관리자만 볼 수 있습니다" in outsider
    assert "30%" in shown(bot.command("/project", "show JOBS", user="U3"))
    assert "30%" in shown(bot.command("/project", "show JOBS", user=ADMIN))
    refused = bot.command("/digest", "JOBS", user="U9")["text"]
    assert "참여자와 관리자만" in refused
    assert "참여자와 관리자만" in bot.command("/discuss", "list JOBS", user="U9")["text"]
    assert "주간 요약" in shown(bot.command("/digest", "JOBS", user="U4"))
