"""Listener bodies, called directly: each reads the Call, asks a service and says what to answer. What the
pipeline adds around them (acks, signatures, replays) is tested end to end in tests/e2e and tests/hardening."""

from __future__ import annotations

import inspect
import json
import re

import pytest

import handlers
from handlers.actions import approval as approval_buttons
from handlers.actions import directive as directive_buttons
from handlers.actions import project as project_buttons
from handlers.commands import project as project_command
from handlers.commands import report as report_command
from handlers.listener import Call, FormError, Kind, Modal, Reply, Spec, listeners
from handlers.pipeline import run
from handlers.refusals import error_text
from handlers.views import approval as approval_forms
from handlers.views import progress as progress_forms
from kit.ids import Action, Block, Callback, Command
from services import approvals, directives, progress
from services.errors import DomainError
from tests.handlers.conftest import HELPER, LEAD, MEMBER, NOW, OUTSIDER, TEAM, submission

DECLARED = listeners(handlers.MODULES)
SCREEN = 40  # lines: a listener body is read at a glance


def specs(kind: Kind) -> list[Spec]:
    return [spec for spec, _body in DECLARED if spec.kind is kind]


def text_of(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


# -- what is declared -------------------------------------------------------------------------------------


def test_every_button_and_form_the_kit_draws_has_a_listener():
    clicks = specs(Kind.CLICK)

    def heard(action_id: str) -> bool:
        return any(s.key == action_id if isinstance(s.key, str) else s.key.match(action_id) for s in clicks)

    unheard = [a for a in Action if not heard(f"{a}_1" if a is Action.DISCUSSION_VOTE else a)]
    assert not unheard, unheard
    forms = {s.key for s in specs(Kind.FORM)}
    assert not [c for c in Callback if c not in forms]


def test_every_command_answers_on_its_own_and_with_help():
    commands = specs(Kind.COMMAND)
    for name in Command:
        routes = [s for s in commands if s.key == name]
        assert any(s.default for s in routes), name  # `/name` alone does something
        assert not any("help" in s.words for s in routes), name  # help is the pipeline's, said the same way


def test_no_listener_body_is_longer_than_a_screen():
    long = [b.__qualname__ for _s, b in DECLARED if len(inspect.getsource(b).splitlines()) > SCREEN]
    assert not long, long


def test_a_listener_that_must_act_once_writes():
    assert all(spec.writes for spec in (s for s, _b in DECLARED) if spec.once)


# -- every form's refusals point at inputs of that form --------------------------------------------------


def _modals(call_for, office) -> list[dict]:
    opened = []

    def take(body, user=LEAD, **fields):
        kind = Kind.CLICK if "value" in fields else Kind.COMMAND
        with call_for(user, kind=kind, **fields) as call:
            answer = body(call)
        assert isinstance(answer, Modal), (body.__qualname__, answer)
        opened.append(answer.view)

    from handlers.actions import discussion as discussion_buttons
    from handlers.commands import approval, directive, discuss
    from handlers.commands import progress as progress_command
    from handlers.events import home

    take(project_command.open_form)
    take(project_command.edit, args="JOBS")
    take(progress_command.open_form)
    take(approval.open_form)
    take(approval_buttons.reject, MEMBER, value=str(office.step_id))
    take(approval_buttons.comment, MEMBER, value=str(office.request_id))
    take(directive.open_form)
    take(directive_buttons.interim, MEMBER, value=str(office.directive_id))
    take(directive_buttons.send_back, LEAD, value=str(office.directive_id))
    take(discuss.open_form)
    take(discussion_buttons.add_poll, LEAD, value=str(office.discussion_id))
    take(discussion_buttons.close, LEAD, value=str(office.discussion_id))
    take(home.set_department, LEAD, value="")
    with call_for(LEAD, kind=Kind.COMMAND) as call:  # registering: the same form without a project
        opened.append(project_command.open_form(call).view)
    return opened


def test_every_form_refusal_is_shown_under_an_input_of_the_form(call_for, office):
    forms = {s.key: s for s in specs(Kind.FORM)}
    seen = set()
    for view in _modals(call_for, office):
        spec = forms[view["callback_id"]]
        inputs = {b.get("block_id") for b in view["blocks"] if b["type"] == "input"}
        wanted = {spec.default_block, *spec.errors.values()}
        assert wanted <= inputs, (view["callback_id"], wanted - inputs)
        seen.add(view["callback_id"])
    assert seen == set(Callback)


# -- bodies ---------------------------------------------------------------------------------------------------


KOREAN_SUBCOMMANDS = {
    Command.PROJECT: {
        "새로": "new",
        "등록": "new",
        "목록": "list",
        "보기": "show",
        "수정": "edit",
        "참여": "join",
        "나가기": "leave",
        "종료": "close",
        "재개": "reopen",
    },
    Command.APPROVAL: {
        "요청": "request",
        "상신": "request",
        "목록": "list",
        "보기": "show",
        "회수": "withdraw",
        "부재": "away",
        "복귀": "back",
    },
    Command.DIRECTIVE: {"목록": "list", "보기": "show"},
    Command.DISCUSS: {"보기": "show", "종료": "close", "재개": "reopen", "목록": "list"},
    Command.DIGEST: {"구독": "subscribe", "구독해지": "unsubscribe", "해지": "unsubscribe"},
    Command.REPORT: {
        "내실적": "me",
        "나": "me",
        "참여실적": "participation",
        "전체": "participation",
        "보정": "adjust",
    },
}


def test_korean_subcommands_reach_the_same_listeners_as_the_english_ones():
    commands = specs(Kind.COMMAND)

    def body_for(name: str, word: str):
        return next((b for s, b in DECLARED if s.kind is Kind.COMMAND and s.key == name and word in s.words), None)

    for name, words in KOREAN_SUBCOMMANDS.items():
        for korean, english in words.items():
            assert body_for(name, english) is not None, (name, english)
            assert body_for(name, korean) is body_for(name, english), (name, korean)
    every_word = [w for s in commands for w in s.words]
    assert len(every_word) == len(set((s.key, w) for s in commands for w in s.words))  # no word routes twice


def test_closing_by_command_asks_first_and_confirm_closes(call_for, office):
    with call_for(LEAD, args="JOBS", writes=True) as call:
        asked = project_command.close(call)
    assert "종료하시겠습니까" in asked.payload["text"] and Action.PROJECT_CLOSE in text_of(asked.payload)
    with call_for(MEMBER, args="JOBS", writes=True) as call, pytest.raises(DomainError) as refused:
        project_command.close(call)  # a member is refused before being asked
    assert refused.value.code == "project.not_allowed"
    with call_for(LEAD, args="JOBS 확인", writes=True) as call:
        assert "종료했습니다" in project_command.close(call).payload["text"]
    with call_for(LEAD, args="JOBS", writes=True) as call:
        assert "이미 종료" in project_command.close(call).payload["text"]  # nothing left to ask
    with call_for(LEAD, args="JOBS") as call, pytest.raises(DomainError) as closed:
        project_command.edit(call)
    assert closed.value.code == "project.closed_edit" and "/project reopen JOBS" in error_text(closed.value, "ko")
    with call_for(LEAD, kind=Kind.CLICK, value="JOBS", writes=True) as call:
        assert "다시 열었습니다" in project_buttons.reopen(call).payload["text"]
    with call_for(LEAD, kind=Kind.CLICK, value="JOBS", writes=True) as call:
        assert "종료했습니다" in project_buttons.close(call).payload["text"]  # the button, after Slack's dialog


@pytest.mark.parametrize(
    ("body", "args"),
    [
        ("approval", "JOBS @홍길동 협약안"),
        ("directive", "JOBS <@U2> @홍길동 초안 검토"),
        ("project", "청년 창업 @홍길동"),
    ],
)
def test_a_person_named_in_plain_text_is_not_found_by_name(call_for, office, body, args):
    from handlers.commands import approval, directive

    listener = {"approval": approval.request, "directive": directive.issue, "project": project_command.new}[body]
    with call_for(LEAD, args=args, writes=True) as call, pytest.raises(DomainError) as refused:
        listener(call)
    assert refused.value.code == "people.not_found"
    assert "Slack에서 찾을 수 없는 이름입니다: @홍길동." in error_text(refused.value, "ko")


def test_directive_kinds_are_read_in_korean(call_for, office):
    from handlers.commands import directive

    with call_for(LEAD, args="JOBS <@U2> 종류=계획 기한=2026-12-15 추진 계획 수립", writes=True) as call:
        issued = directive.issue(call)
    with call_for(LEAD, args="JOBS <@U2> kind=보고 현황 보고", writes=True) as call:
        reported = directive.issue(call)
    with call_for(LEAD, args="JOBS <@U2> 종류=검토 현황", writes=True) as call, pytest.raises(DomainError) as bad:
        directive.issue(call)
    assert "2026-12-15" in text_of(issued.payload) and "추진 계획 수립" in text_of(issued.payload)
    with call_for(LEAD) as call:
        kinds = [d.kind.value for d in directives.for_person(call.db, TEAM, LEAD, today=NOW.date())[1]]
    assert sorted(kinds) == ["action", "plan", "report"] and isinstance(reported, Reply)
    assert (bad.value.code, bad.value.params) == ("directive.bad_kind", {"value": "검토"})


def test_a_percent_written_with_a_space_or_in_korean_is_posted(call_for, office):
    from handlers.commands import progress as progress_command

    for args, percent, done in (("JOBS 62 % 협약 초안", 62, "협약 초안"), ("JOBS 70퍼센트 예산 협의", 70, "예산 협의")):
        with call_for(MEMBER, args=args, writes=True) as call:
            assert isinstance(progress_command.post(call), Reply)
        with call_for(MEMBER) as call:
            latest = progress.last_entry(call.db, TEAM, MEMBER, "JOBS")
        assert (latest.percent, latest.done) == (percent, done)


def test_a_discussion_is_shown_reopened_and_listed(call_for, office):
    from handlers.actions import discussion as discussion_buttons
    from handlers.commands import discuss

    with call_for(OUTSIDER, args=str(office.discussion_id)) as call, pytest.raises(DomainError) as hidden:
        discuss.show(call)
    assert hidden.value.code == "discussion.not_found"
    with call_for(MEMBER, args=str(office.discussion_id)) as call:
        assert "회의 일정" in text_of(discuss.show(call).payload)  # no Slack here: the card, without a link
    with call_for(LEAD, args=f"{office.discussion_id} 화요일로", writes=True) as call:
        discuss.close(call)
    clicked = call_for(MEMBER, kind=Kind.CLICK, value=str(office.discussion_id), writes=True)
    with clicked as call, pytest.raises(DomainError) as refused:
        discussion_buttons.reopen(call)
    assert refused.value.code == "discussion.not_allowed"
    with call_for(LEAD, args=str(office.discussion_id), writes=True) as call:
        assert "다시 열었습니다" in discuss.reopen(call).payload["text"]
    with call_for(LEAD, kind=Kind.CLICK, value=str(office.discussion_id), writes=True) as call:
        assert "이미 진행 중" in discussion_buttons.reopen(call).payload["text"]


def test_project_details_show_the_work_only_to_members(call_for, office):
    with call_for(MEMBER, args="JOBS") as call:
        member = project_command.show(call)
    with call_for(OUTSIDER, args="JOBS") as call:
        outsider = project_command.show(call)
    assert isinstance(member, Reply) and isinstance(outsider, Reply)
    assert "미보고" in text_of(member.payload)  # who has not reported this period
    assert "미보고" not in text_of(outsider.payload)  # is the members' business
    assert Action.PROJECT_JOIN in text_of(outsider.payload)  # the outsider is offered to join instead


def test_return_opens_the_reason_form_only_for_whose_turn_it_is(call_for, office):
    with call_for(MEMBER, kind=Kind.CLICK, value=str(office.step_id)) as call:
        assert isinstance(approval_buttons.reject(call), Modal)
    with call_for(HELPER, kind=Kind.CLICK, value=str(office.step_id)) as call, pytest.raises(DomainError) as refused:
        approval_buttons.reject(call)
    assert refused.value.code == "approval.not_found"  # not on the request: the number does not exist


def test_a_reason_given_after_the_request_moved_on_stays_in_the_form(call_for, office):
    with call_for(LEAD, kind=Kind.CLICK, writes=True) as call:
        approvals.withdraw(call.db, TEAM, LEAD, office.request_id, now=call.now)
    form = submission(
        Callback.APPROVAL_REJECT, {Block.APPROVAL_REASON: {"value": "근거 부족"}}, MEMBER, step_id=office.step_id
    )
    with call_for(MEMBER, kind=Kind.FORM, writes=True, form=form) as call:
        answer = approval_forms.returned(call)
    assert isinstance(answer, FormError) and answer.block == Block.APPROVAL_REASON
    assert "회수" in answer.text


def test_a_report_form_is_not_opened_for_someone_not_assigned(call_for, office):
    with (
        call_for(HELPER, kind=Kind.CLICK, value=str(office.directive_id)) as call,
        pytest.raises(DomainError) as refused,
    ):
        directive_buttons.completion(call)
    assert refused.value.code == "directive.not_found"  # a member who may not read it learns nothing


def test_the_progress_form_posts_an_update(call_for, office):
    values = {
        Block.PROGRESS_PROJECT: {"selected_option": {"value": "JOBS"}},
        Block.PROGRESS_DONE: {"value": "협약 초안 작성"},
        Block.PROGRESS_PERCENT: {"value": "40"},
    }
    with call_for(MEMBER, kind=Kind.FORM, writes=True, form=submission(Callback.PROGRESS, values, MEMBER)) as call:
        answer = progress_forms.submitted(call)
    assert isinstance(answer, Reply)
    with call_for(MEMBER) as call:
        latest = progress.last_entry(call.db, TEAM, MEMBER, "JOBS")
    assert latest is not None and latest.done == "협약 초안 작성" and latest.percent == 40


def test_report_me_refuses_a_word_that_is_not_a_month(call_for, office):
    with call_for(MEMBER, args="지난달") as call, pytest.raises(DomainError) as refused:
        report_command.me(call)
    assert refused.value.code == "report.bad_month"
    with call_for(MEMBER) as call:
        assert "/report" in report_command.help_(call).payload["text"]


# -- the pipeline's unit of work ---------------------------------------------------------------------------


def test_a_replayed_request_runs_its_listener_once(deps):
    ran = []

    def body(call: Call) -> Reply:
        ran.append(call.user_id)
        return call.say("common.unexpected")

    spec = Spec(Kind.COMMAND, "/x", writes=True, once=True)
    first = run(spec, body, Call(deps, Kind.COMMAND, TEAM, LEAD, _reader(deps), deps.clock()), "cmd:trigger-1")
    again = run(spec, body, Call(deps, Kind.COMMAND, TEAM, LEAD, _reader(deps), deps.clock()), "cmd:trigger-1")
    assert isinstance(first, Reply) and again is None and ran == [LEAD]


def test_a_refusal_rolls_the_unit_of_work_back_and_comes_back_as_the_error(deps, office):
    def body(call: Call) -> Reply:
        approvals.withdraw(call.db, TEAM, LEAD, office.request_id, now=call.now)
        raise DomainError("approval.title_missing")

    spec = Spec(Kind.CLICK, re.compile("x"), writes=True)
    answer = run(spec, body, Call(deps, Kind.CLICK, TEAM, LEAD, _reader(deps), deps.clock()), None)
    assert isinstance(answer, DomainError) and answer.code == "approval.title_missing"
    with deps.session_factory() as s:
        assert approvals.get(s, TEAM, office.request_id).status.value == "pending"  # the withdrawal was undone


def _reader(deps):
    from kit.reader import reader_from

    return reader_from(None, LEAD, deps.org)
