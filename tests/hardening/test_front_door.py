"""Generated requests at the front door: any unsigned body (any bytes, any headers) gets 401 and causes
nothing at all; any signed body gets 200 or a normal answer, never a 5xx, a traceback or an ERROR; and the
read rule holds on every show command and Details button: to someone who may not read an approval or a
directive, an existing number answers exactly as a number that does not exist."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event

from kit.ids import Action
from tests.conftest import SIGNING_SECRET
from tests.hardening import budget
from tests.hardening.harness import errors_logged, seed, wait_for_answer

FORM = "application/x-www-form-urlencoded"
timestamps = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.just(str(int(time.time()))),
)
signatures = st.one_of(st.text(max_size=80), st.from_regex(r"v0=[0-9a-f]{64}", fullmatch=True))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)


def _latin1(text: str) -> bool:
    return all(ord(c) < 256 and c not in "\r\n\x00" for c in text)


def test_any_unsigned_request_causes_nothing(bot):
    bot.runtime.delivery.stop()
    statements: list[str] = []
    event.listen(bot.runtime.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    @budget.end_to_end()
    @given(body=st.binary(max_size=3000), stamp=timestamps, signature=signatures, form=st.booleans())
    def run(body, stamp, signature, form):
        budget.tick()
        if not (_latin1(stamp) and _latin1(signature)):
            return  # not sendable as an HTTP header
        before = len(bot.fake.calls)
        with errors_logged() as errors:
            reply = bot.slack.raw(
                body,
                content_type=FORM if form else "application/json",
                timestamp=stamp,
                signature=signature or "-",  # an empty one would make the helper sign the body
            )
            assert reply.status in (400, 401), reply.status  # 400: waitress refused an unreadable header itself
            assert not errors.take()
        assert bot.fake.calls[before:] == []
        assert statements == []

    run()


def test_any_signed_body_gets_an_answer_never_an_error(bot):
    seed(bot)

    @budget.end_to_end()
    @given(payload=json_values, form=st.booleans())
    def run(payload, form):
        budget.tick()
        text = json.dumps(payload)
        body = urlencode({"payload": text}) if form else text
        stamp = str(int(time.time()))
        signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
        with errors_logged() as errors:
            reply = bot.slack.raw(
                body, content_type=FORM if form else "application/json", timestamp=stamp, signature=signature
            )
            assert reply.status == 200, (reply.status, reply.body[:200])
            assert "Traceback" not in reply.body
            bot.settle()
            assert not errors.take()

    run()


def _normalised(text: str) -> str:
    """An answer with its record number taken out (and the particle after it, which follows how the number is
    read: #1을, #22를), so two numbers' answers can be compared."""
    return re.sub(r"#\d+(을|를|이|가|은|는|과|와|으로|로)?", "#N", text)


def test_an_outsider_learns_nothing_from_any_number(bot):
    ids = seed(bot)
    existing = {"approval": ids["approval"], "directive": ids["directive"]}

    def answer(command: str, number: int, user: str) -> str:
        trigger = f"read.{command}.{number}.{user}.{time.monotonic_ns()}"
        reply = bot.slack.command(command, f"show {number}", user_id=user, trigger_id=trigger)
        assert reply.status == 200
        [found] = wait_for_answer(bot.fake, reply, trigger)
        return _normalised(found.params["text"])

    def clicked(action: str, number: int, user: str) -> str:
        reply = bot.slack.block_action(action, value=str(number), user_id=user)
        assert reply.status == 200
        return _normalised(bot.answer(reply)["text"])

    @budget.end_to_end()
    @given(
        kind=st.sampled_from(["approval", "directive"]),
        missing=st.integers(min_value=existing["directive"] + existing["approval"] + 1, max_value=99_999),
        user=st.sampled_from(["U9", "U3"]),  # outside the project; a member not on either record
        by_button=st.booleans(),
    )
    def run(kind, missing, user, by_button):
        budget.tick()
        if by_button:
            action = Action.APPROVAL_SHOW if kind == "approval" else Action.DIRECTIVE_SHOW
            seen, unseen = clicked(action, existing[kind], user), clicked(action, missing, user)
        else:
            command = f"/{kind}"
            seen, unseen = answer(command, existing[kind], user), answer(command, missing, user)
        assert seen == unseen
        assert "예산 변경" not in seen and "추진 계획" not in seen

    run()
