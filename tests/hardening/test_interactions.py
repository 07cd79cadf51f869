"""Every button (bot/ids.py Action) and every form (Callback) with arbitrary, wrong-typed and missing values,
forged private_metadata and forged button values (non-numeric, huge, negative, unicode digits, another team's
ids, ids that do not exist), through the real bot over HTTP (issue 9, bad input).

Always: HTTP 200 within Slack's 3 seconds, no exception escaping a listener (nothing logged at ERROR), nothing
sent to Slack that breaks Block Kit or echoes live markup, no stored string longer than its column. For forged
input (an outsider, another workspace, or a form that is invalid by construction): no row added or removed in
any table.

Examples per test come from the hypothesis profile (see conftest.py); the long run is
``HYPOTHESIS_PROFILE=full .venv/bin/python -m pytest -q tests/hardening``.
"""

from __future__ import annotations

import itertools
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

from hypothesis import assume, example, given
from hypothesis import strategies as st
from sqlalchemy import select

import models
from bot.fakeslack.payloads import FORM
from kit.ids import Action, Block, Callback
from services import projects
from services.errors import DomainError
from tests.hardening import budget
from tests.hardening.harness import (
    ACK_LIMIT,
    changed_tables,
    errors_logged,
    overlong_values,
    row_counts,
    seed,
    sent_problems,
)
from tests.hardening.strategies import MENTIONABLE, any_text, date_text, key

_triggers = itertools.count(1)
ACTIONS = [a.value for a in Action if a is not Action.DISCUSSION_VOTE] + ["discussion_vote_1", "discussion_vote_99"]
# Who forges: someone in the workspace who is on nothing, and the lead's id seen from another workspace.
OUTSIDERS = [("U9", "T1"), ("U1", "T2"), ("U9", "T2")]
INSIDERS = [("U1", "T1"), ("U2", "T1"), ("UADMIN", "T1")]
ALLOWED_MENTIONS = set(MENTIONABLE)

garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
forged_number = st.one_of(
    st.sampled_from(
        [
            "0",
            "-1",
            "1",
            "2",
            "3",
            "²",
            "٣",
            "1.5",
            "1e3",
            " 1",
            "1 ",
            "0x10",
            "+1",
            "NaN",
            "2147483647",
            "2147483648",
            "9223372036854775808",
            str(10**30),
            "",
            "null",
            "[]",
            "{}",
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
button_value = st.one_of(
    st.none(),
    forged_number,
    key,
    st.sampled_from(
        ["1:2026-01-05", "1:yesterday", "x:2026-01-05", "99999999999:2026-01-05", "1:", ":", "-1:2026-01-05"]
    ),
    any_text,
)


def slack_id(prefix: str) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(["U1", "U2", "U3", "U9", "UADMIN", "UNOBODY", "C1", "C9", "D1", "G1", ""]),
        st.from_regex(rf"{prefix}[A-Z0-9]{{1,40}}", fullmatch=True),
        garbage,
    )


def _option(value: Any) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": "x"}, "value": value}


text_value = st.one_of(
    st.none(),
    any_text,
    st.builds(lambda c, n: c * n, st.sampled_from(["가", "a", "<", "&", "\n"]), st.integers(100, 5000)),
    st.sampled_from(["<!channel> 공지", "<@U666> <https://phish.example|gov>", " ", "10", "100%", "101", "-1", "²"]),
    garbage,
)
element = st.one_of(
    st.builds(lambda v: {"type": "plain_text_input", "value": v}, text_value),
    st.builds(lambda v: {"type": "users_select", "selected_user": v}, slack_id("U")),
    st.builds(
        lambda v: {"type": "multi_users_select", "selected_users": v},
        st.one_of(st.lists(slack_id("U"), max_size=6), garbage),
    ),
    st.builds(
        lambda v: {"type": "static_select", "selected_option": v},
        st.one_of(
            st.builds(
                _option,
                st.one_of(key, st.sampled_from(["report", "plan", "action", "weekly", "green", "red", "x"]), garbage),
            ),
            garbage,
        ),
    ),
    st.builds(
        lambda v: {"type": "checkboxes", "selected_options": v},
        st.one_of(st.lists(st.builds(_option, st.one_of(st.just("anonymous"), garbage)), max_size=3), garbage),
    ),
    st.builds(lambda v: {"type": "datepicker", "selected_date": v}, st.one_of(date_text, garbage)),
    st.builds(lambda v: {"type": "channels_select", "selected_channel": v}, slack_id("C")),
    st.builds(lambda v: {"type": "conversations_select", "selected_conversation": v}, slack_id("C")),
    garbage,
)
BLOCKS_OF = {
    Callback.PROJECT_NEW: "project_",
    Callback.PROJECT_EDIT: "project_",
    Callback.DEPARTMENT: "department",
    Callback.PROGRESS: "progress_",
    Callback.APPROVAL_REQUEST: "approval_",
    Callback.APPROVAL_REJECT: "approval_reason",
    Callback.APPROVAL_COMMENT: "approval_comment",
    Callback.DIRECTIVE_NEW: "directive_",
    Callback.DIRECTIVE_REPORT: "directive_report",
    Callback.DIRECTIVE_RETURN: "directive_note",
    Callback.DISCUSSION_NEW: "discussion_",
    Callback.DISCUSSION_POLL: "discussion_",
    Callback.DISCUSSION_CLOSE: "discussion_conclusion",
}


def state_values(callback: str) -> st.SearchStrategy[Any]:
    own = [b.value for b in Block if b.value.startswith(BLOCKS_OF[callback])]
    block_id = st.one_of(st.sampled_from(own), st.sampled_from([b.value for b in Block]), st.text(max_size=5))
    block = st.one_of(st.dictionaries(st.sampled_from(["value", "other"]), element, min_size=1, max_size=2), garbage)
    return st.one_of(st.dictionaries(block_id, block, max_size=len(own) + 2), garbage)


def metadata(ids: dict[str, int]) -> st.SearchStrategy[str]:
    real = st.sampled_from(sorted(set(ids.values())))
    number = st.one_of(
        real,
        st.integers(min_value=-3, max_value=50),
        st.sampled_from([0, 2**31, 2**63, 10**30, -(2**70)]),
        st.floats(allow_nan=False, allow_infinity=False),
        garbage,
    )
    fields = {
        name: number
        for name in (
            "project_id",
            "request_id",
            "step_id",
            "directive_id",
            "discussion_id",
            "update_id",
            "resubmission_of",
        )
    }
    fields |= {
        "channel_id": slack_id("C"),
        "kind": st.one_of(st.sampled_from(["interim", "completion", "report", ""]), garbage),
        "members_shown": st.one_of(st.lists(slack_id("U"), max_size=4), garbage),
    }
    as_json = st.fixed_dictionaries({}, optional=fields).map(json.dumps)
    return st.one_of(as_json, st.sampled_from(["", "{", "[1, 2]", "1", "null", '"x"', "NaN"]), st.text(max_size=30))


# Ways a payload can arrive broken (routing fields kept, so a listener still gets it).
ENVELOPE_DAMAGE = [
    "none",
    "no_user",
    "user_is_text",
    "user_id_number",
    "no_team",
    "team_is_list",
    "view_is_list",
    "state_is_text",
    "no_trigger",
    "actions_empty",
    "action_not_dict",
    "value_is_number",
    "selected_not_dict",
    "channel_is_text",
]


def damaged(payload: dict[str, Any], damage: str) -> dict[str, Any]:
    payload = json.loads(json.dumps(payload))
    if damage == "no_user":
        payload.pop("user", None)
    elif damage == "user_is_text":
        payload["user"] = "U1"
    elif damage == "user_id_number":
        payload["user"]["id"] = 12345
    elif damage == "no_team":
        payload.pop("team", None)
        payload.get("user", {}).pop("team_id", None)
        if isinstance(payload.get("view"), dict):
            payload["view"].pop("team_id", None)
    elif damage == "team_is_list":
        payload["team"] = ["T1"]
    elif damage == "view_is_list" and "view" in payload and payload["type"] == "block_actions":
        payload["view"] = ["x"]
    elif damage == "state_is_text" and isinstance(payload.get("view"), dict):
        payload["view"]["state"] = "values"
    elif damage == "no_trigger":
        payload.pop("trigger_id", None)
    elif damage == "actions_empty" and "actions" in payload:
        payload["actions"][0] = {"action_id": payload["actions"][0]["action_id"], "block_id": "b", "type": "button"}
    elif damage == "action_not_dict" and "actions" in payload:
        payload["actions"].append("x")
    elif damage == "value_is_number" and "actions" in payload:
        payload["actions"][0]["value"] = 10**30
    elif damage == "selected_not_dict" and "actions" in payload:
        payload["actions"][0]["selected_option"] = "ATOPY"
    elif damage == "channel_is_text" and "channel" in payload:
        payload["channel"] = "C1"
    return payload


def concurrently(bot, payloads: list[dict[str, Any]]) -> list[tuple[int, float]]:
    """Posts at once (a listener that fails right after ack can cost 3 s each; see test_commands.py)."""
    with ThreadPoolExecutor(len(payloads)) as pool:
        return [(reply.status, round(seconds, 2)) for reply, seconds in pool.map(lambda p: post(bot, p), payloads)]


def post(bot, payload: dict[str, Any]):
    began = time.monotonic()
    reply = bot.slack.raw(urlencode({"payload": json.dumps(payload)}), content_type=FORM)
    return reply, time.monotonic() - began


def click_payload(bot, action_id, value, user, team, container, extra) -> dict[str, Any]:
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": "b1",
        "type": "button",
        "action_ts": "1.2",
        "text": {"type": "plain_text", "text": "x"},
    }
    if value is not None:
        action["value"] = value
    action |= extra
    payload = {
        **bot.slack._envelope("block_actions", user, team),
        "trigger_id": f"hardening.{next(_triggers)}",
        "actions": [action],
    }
    if container == "view":
        view = bot.slack._view(team, "", json.dumps({"channel_id": "C1"}))
        return payload | {"container": {"type": "view", "view_id": view["id"]}, "view": view}
    return payload | {
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "C1", "is_ephemeral": False},
        "channel": {"id": "C1", "name": "c1"},
        "message": {"type": "message", "user": "UBOT", "text": "", "ts": "1.1", "blocks": []},
        "state": {"values": {}},
        "response_url": bot.fake.response_url(f"hardening-{next(_triggers)}"),
    }


def form_payload(bot, callback, values, private_metadata, user, team) -> dict[str, Any]:
    return {
        **bot.slack._envelope("view_submission", user, team),
        "trigger_id": f"hardening.{next(_triggers)}",
        "view": bot.slack._view(team, callback, private_metadata, None, values),
        "response_urls": [],
    }


def check_answered(bot, reply, elapsed, start, errors) -> None:
    assert reply.status == 200, (reply.status, reply.body[:300])
    assert elapsed < ACK_LIMIT, f"acknowledged after {elapsed:.2f}s"
    assert "Traceback" not in reply.body
    if reply.body:
        answer = json.loads(reply.body)
        assert answer.get("response_action") in {"errors", "update", "push", "clear"}, answer
        if answer["response_action"] == "errors":
            assert answer["errors"] and all(isinstance(v, str) and v.strip() for v in answer["errors"].values())
    bot.settle()
    assert not errors.take()
    assert not sent_problems(bot.fake.calls[start:], ALLOWED_MENTIONS)


def warm_up(bot) -> dict[str, int]:
    """The seeded workspace, and the outsiders already seen once (a first sight stores who they are)."""
    ids = seed(bot)
    for user, team in OUTSIDERS:
        reply = bot.slack.command("/project", "list", user_id=user, team_id=team)
        assert reply.status == 200
        bot.answer(reply)
    bot.settle()
    bot.runtime.delivery.drain(timeout=15)
    return ids


def a_valid_choice(bot, action_id: str, value: str | None, team: str) -> bool:
    """The few clicks an outsider may rightly make: join a project, vote in a poll."""
    if not value or team != "T1":
        return False
    with bot.session_factory() as session:
        if action_id == Action.PROJECT_JOIN:
            try:
                projects.get(session, team, value)
            except DomainError:
                return False
            return True
        if action_id.startswith(Action.DISCUSSION_VOTE) and value.isascii() and value.isdigit() and len(value) < 10:
            return session.scalar(select(models.PollOption.id).where(models.PollOption.id == int(value))) is not None
    return False


# -- buttons ------------------------------------------------------------------------------------------


def known_click_bug(payload: dict[str, Any], engine) -> bool:
    """BUG (see test_progress_edit_refuses_forged_ids): the Edit button's value is checked with str.isdigit()
    only, so '²' (int() raises) or an id beyond the database's integer escapes as an exception. Such clicks are
    left out of the fuzzing until that is fixed; the xfail test keeps them in view."""
    actions = payload.get("actions")
    action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    value = str(action.get("value") or "")
    biggest = 2**63 - 1 if engine.dialect.name == "sqlite" else 2**31 - 1
    return (
        action.get("action_id") == Action.PROGRESS_EDIT
        and value.isdigit()
        and (not value.isdecimal() or int(value) > biggest)
    )


def test_forged_clicks_change_nothing(bot):
    warm_up(bot)

    @budget.end_to_end(times=3)
    @given(
        action_id=st.sampled_from(ACTIONS),
        value=button_value,
        who=st.sampled_from(OUTSIDERS),
        container=st.sampled_from(["message", "view"]),
        damage=st.sampled_from([d for d in ENVELOPE_DAMAGE if d != "no_trigger"]),  # see the xfail below
    )
    @example(action_id=Action.APPROVAL_APPROVE, value="1", who=("U9", "T1"), container="message", damage="none")
    @example(action_id=Action.APPROVAL_APPROVE, value="1", who=("U1", "T2"), container="message", damage="none")
    @example(action_id=Action.DIRECTIVE_ACCEPT, value="1", who=("U9", "T1"), container="message", damage="none")
    @example(action_id=Action.PROGRESS_EDIT, value="٣", who=("U9", "T1"), container="message", damage="none")
    @example(action_id=Action.NUDGE_SNOOZE, value="1:2026-01-05", who=("U9", "T1"), container="message", damage="none")
    @example(action_id=Action.PROJECT_JOIN, value="ATOPY", who=("U1", "T2"), container="view", damage="none")
    def run(action_id, value, who, container, damage):
        user, team = who
        assume(not a_valid_choice(bot, action_id, value, team))
        payload = damaged(click_payload(bot, action_id, value, user, team, container, {}), damage)
        budget.tick()
        before, start = row_counts(bot.runtime.engine), len(bot.fake.calls)
        with errors_logged() as errors:
            reply, elapsed = post(bot, payload)
            check_answered(bot, reply, elapsed, start, errors)
        assert not changed_tables(before, row_counts(bot.runtime.engine))

    for action_id in ACTIONS:  # every button at least once, with an id that exists, from the outsider
        run = example(action_id=action_id, value="1", who=("U9", "T1"), container="message", damage="none")(run)
    run()


def test_any_click_by_the_people_involved_is_answered(bot):
    ids = warm_up(bot)
    real = st.sampled_from([str(v) for v in ids.values()])

    @budget.end_to_end(times=3)
    @given(
        action_id=st.sampled_from(ACTIONS),
        value=st.one_of(real, button_value),
        who=st.sampled_from(INSIDERS),
        container=st.sampled_from(["message", "view"]),
        extra=st.one_of(
            st.just({}),
            st.builds(lambda v: {"selected_option": _option(v)}, st.one_of(key, garbage)),
            st.builds(lambda v: {"value": v}, garbage),
        ),
    )
    def run(action_id, value, who, container, extra):
        user, team = who
        payload = click_payload(bot, action_id, value, user, team, container, extra)
        budget.tick()
        start = len(bot.fake.calls)
        with errors_logged() as errors:
            reply, elapsed = post(bot, payload)
            check_answered(bot, reply, elapsed, start, errors)

    run()
    assert not overlong_values(bot.runtime.engine)


def test_progress_edit_refuses_forged_ids(bot):
    before = row_counts(bot.runtime.engine)
    payloads = [
        click_payload(bot, Action.PROGRESS_EDIT, value, "U9", "T1", "message", {}) for value in ("²", str(2**64))
    ]
    with errors_logged() as errors:
        replies = concurrently(bot, payloads)
        bot.settle()
    assert not changed_tables(before, row_counts(bot.runtime.engine))
    assert all(status == 200 for status, _ in replies), replies
    assert not errors.take()


def test_a_click_without_trigger_id_is_refused_quietly(bot):
    bot.fake.add_user("U9", name="u9", team_id="T1")
    payloads = [
        damaged(click_payload(bot, action_id, value, "U9", "T1", "message", {}), "no_trigger")
        for action_id, value in ((Action.APPROVAL_COMMENT, "1"), (Action.HOME_SET_DEPARTMENT, None))
    ]
    with errors_logged() as errors:
        replies = concurrently(bot, payloads)
        bot.settle()
    assert all(status == 200 for status, _ in replies), replies
    assert not errors.take()


# -- forms ----------------------------------------------------------------------------------------------


ID_FIELDS = ("project_id", "request_id", "step_id", "directive_id", "discussion_id", "update_id", "resubmission_of")


def known_metadata_bug(private_metadata: str, engine) -> bool:
    """BUG (see test_forged_metadata_ids_are_refused): an id in private_metadata beyond the database's integer
    reaches the query and raises there (caught by never_fails_a_submission, logged as an error). Such inputs are
    left out of the fuzzing until that is fixed; the xfail test keeps them in view."""
    try:
        found = json.loads(private_metadata)
    except ValueError:
        return False
    if not isinstance(found, dict):
        return False
    biggest = 2**63 - 1 if engine.dialect.name == "sqlite" else 2**31 - 1
    return any(
        isinstance(v, int) and not isinstance(v, bool) and not -biggest - 1 <= v <= biggest
        for k, v in found.items()
        if k in ID_FIELDS
    )


def invalid_by_construction(callback: str, values: Any) -> bool:
    """Forms anyone may send (a new project, one's department) count as forged only when plainly invalid."""
    block = {Callback.PROJECT_NEW: Block.PROJECT_NAME, Callback.DEPARTMENT: Block.DEPARTMENT}.get(callback)
    if block is None:
        return True
    entry = values.get(block) if isinstance(values, dict) else None
    element = next(iter(entry.values()), None) if isinstance(entry, dict) and entry else None
    text = element.get("value") if isinstance(element, dict) else None
    return not isinstance(text, str) or not text.strip()


callbacks = st.sampled_from(list(Callback))


def test_forged_forms_change_nothing(bot):
    ids = warm_up(bot)

    @budget.end_to_end(times=3)
    @given(
        form=callbacks.flatmap(lambda c: st.tuples(st.just(c), state_values(c))),
        private_metadata=metadata(ids),
        who=st.sampled_from(OUTSIDERS),
        damage=st.sampled_from(ENVELOPE_DAMAGE),
    )
    def run(form, private_metadata, who, damage):
        callback, values = form
        assume(invalid_by_construction(callback, values))
        budget.tick()
        user, team = who
        before, start = row_counts(bot.runtime.engine), len(bot.fake.calls)
        payload = damaged(form_payload(bot, callback, values, private_metadata, user, team), damage)
        with errors_logged() as errors:
            reply, elapsed = post(bot, payload)
            check_answered(bot, reply, elapsed, start, errors)
        assert not changed_tables(before, row_counts(bot.runtime.engine))

    for callback in Callback:  # every form at least once, empty
        run = example(form=(callback, {}), private_metadata="{}", who=("U9", "T1"), damage="none")(run)
    # every id a form reads from private_metadata, forged: someone else's, another type, out of range
    for callback, name in METADATA_IDS:
        for forged in (ids.get(name.removesuffix("_id"), 1), 2**31, "1", True):
            metadata_text = json.dumps({name: forged})
            run = example(form=(callback, {}), private_metadata=metadata_text, who=("U9", "T1"), damage="none")(run)
    run()


def test_any_form_from_the_people_involved_is_answered(bot):
    ids = warm_up(bot)

    @budget.end_to_end(times=3)
    @given(
        form=callbacks.flatmap(lambda c: st.tuples(st.just(c), state_values(c))),
        private_metadata=metadata(ids),
        who=st.sampled_from(INSIDERS),
    )
    def run(form, private_metadata, who):
        budget.tick()
        callback, values = form
        user, team = who
        start = len(bot.fake.calls)
        with errors_logged() as errors:
            reply, elapsed = post(bot, form_payload(bot, callback, values, private_metadata, user, team))
            check_answered(bot, reply, elapsed, start, errors)

    run()
    assert not overlong_values(bot.runtime.engine)


METADATA_IDS = [
    (Callback.PROJECT_EDIT, "project_id"),
    (Callback.PROGRESS, "update_id"),
    (Callback.APPROVAL_REQUEST, "resubmission_of"),
    (Callback.APPROVAL_REJECT, "step_id"),
    (Callback.APPROVAL_COMMENT, "request_id"),
    (Callback.DIRECTIVE_REPORT, "directive_id"),
    (Callback.DIRECTIVE_RETURN, "directive_id"),
    (Callback.DISCUSSION_POLL, "discussion_id"),
    (Callback.DISCUSSION_CLOSE, "discussion_id"),
]


def test_forged_metadata_ids_are_refused(bot):
    bot.fake.add_user("U9", name="u9", team_id="T1")
    escaped = []
    for callback, name in METADATA_IDS:
        before = row_counts(bot.runtime.engine)
        payload = form_payload(bot, callback, {}, json.dumps({name: 2**64}), "U9", "T1")
        with errors_logged() as errors:
            reply, _ = post(bot, payload)
            bot.settle()
        escaped += errors.take()
        assert reply.status == 200 and json.loads(reply.body)["response_action"] == "errors"
        assert not changed_tables(before, row_counts(bot.runtime.engine))
    assert not escaped, escaped
