"""The front door, driven over real HTTP as an attacker would: an unsigned request causes nothing (no Web API
call, no response_url, no database statement, no body in the log); bodies over 1 MB are refused before
they are read; a signed request Onnuri cannot use gets 200 and a WARNING without its body; text with NUL
or lone surrogates is cleaned."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import logging
import time
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import event, func, select

from bot.front_door import MAX_BODY
from models import Project
from tests.conftest import SIGNING_SECRET

FORM = "application/x-www-form-urlencoded"
EVIL_URL = "http://169.254.169.254/latest/meta-data"


@contextmanager
def nothing_happens(bot):
    """Stops the outbox worker, counts every statement on the bot's database and every call the fake
    Slack receives while the block runs; both must stay at zero."""
    bot.runtime.delivery.stop()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    before = len(bot.fake.calls)
    event.listen(bot.runtime.engine, "before_cursor_execute", count)
    try:
        yield
    finally:
        event.remove(bot.runtime.engine, "before_cursor_execute", count)
    assert statements == []
    assert bot.fake.calls[before:] == []


def click_body(user="U1", response_url=EVIL_URL, text="x") -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user},
        "channel": {"id": "C1"},
        "response_url": response_url,
        "trigger_id": "t1",
        "actions": [{"action_id": "approval_approve", "value": "1", "type": "button"}],
        "message": {"text": text},
    }
    return urlencode({"payload": json.dumps(payload)})


def command_body(text="list", response_url=EVIL_URL) -> str:
    return urlencode(
        {
            "command": "/project",
            "text": text,
            "team_id": "T1",
            "user_id": "U1",
            "channel_id": "C1",
            "response_url": response_url,
            "trigger_id": "t1",
        }
    )


@pytest.mark.parametrize(
    ("timestamp", "why"),
    [
        ("9" * 400, "not a number"),
        ("¹²", "not a number"),
        ("12a", "not a number"),
        ("-1", "not a number"),
        ("0", "too old"),
    ],
)
def test_an_unsigned_request_with_a_strange_timestamp_causes_nothing(bot, caplog, timestamp, why):
    caplog.set_level(logging.DEBUG)
    with nothing_happens(bot):
        reply = bot.slack.raw(command_body(), content_type=FORM, headers={"X-Slack-Request-Timestamp": timestamp})
        assert reply.status == 401
    refusals = [r for r in caplog.records if "refused a request" in r.getMessage()]
    assert len(refusals) == 1 and why in refusals[0].getMessage() and refusals[0].levelname == "WARNING"
    assert "169.254" not in caplog.text and "/project" not in caplog.text


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Signature": "v1=abc"},
        {"X-Slack-Signature": ""},
    ],
)
def test_a_wrong_or_missing_signature_causes_nothing(bot, caplog, headers):
    with nothing_happens(bot):
        assert bot.slack.raw(click_body(), content_type=FORM, headers=headers).status == 401
        assert bot.slack.raw(click_body(), content_type=FORM, signed=False).status == 401
    assert "169.254" not in caplog.text and "approval_approve" not in caplog.text


def test_an_unsigned_body_that_is_not_utf8_is_refused_unread(bot, caplog):
    with nothing_happens(bot):
        assert bot.slack.raw(b"\xff\xfe\x00payload=", content_type=FORM, signed=False).status == 401


def _post_declaring(bot, length: int, sent: bytes) -> int:
    parts = urlsplit(bot.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest("POST", "/slack/events")
        conn.putheader("Content-Type", FORM)
        conn.putheader("Content-Length", str(length))
        conn.endheaders()
        with contextlib.suppress(OSError):  # the server may close as soon as it has refused the length
            conn.send(sent)
        return conn.getresponse().status
    finally:
        conn.close()


def test_a_body_over_the_cap_is_refused_before_it_is_read(bot, caplog):
    started = time.monotonic()
    with nothing_happens(bot):
        status = _post_declaring(bot, 50 * 1024 * 1024, b"payload=" + b"x" * 1000)
    assert status == 413 and time.monotonic() - started < 5
    assert "x" * 100 not in caplog.text


def test_the_wsgi_front_refuses_a_declared_or_actual_body_over_the_cap(bot):
    from bot.web import make_wsgi_app

    wsgi = make_wsgi_app(bot.runtime.app, bot.runtime.engine, bot.runtime.settings)

    class Endless:
        read_bytes = 0

        def read(self, n=-1):
            self.read_bytes += n
            return b"x" * n

    for environ_length, stream in (("52428800", Endless()), ("", Endless())):
        statuses: list[str] = []
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "CONTENT_LENGTH": environ_length,
            "wsgi.input": stream,
        }
        wsgi(environ, lambda status, headers, seen=statuses: seen.append(status))
        assert statuses == ["413 Content Too Large"]
        assert stream.read_bytes <= MAX_BODY + 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=\xff\xfe", FORM),  # not UTF-8
        ("payload=" + "{not json", FORM),
        ("payload=" + json.dumps([1, 2]), FORM),
        ("payload=" + json.dumps("a string"), FORM),
        ("payload=null", FORM),
        ("payload=" + json.dumps({"type": "block_actions", "actions": "approve", "user": {"id": "U1"}}), FORM),
        (json.dumps({"type": "event_callback", "event": "message", "team_id": "T1"}), "application/json"),
        (json.dumps({"type": "event_callback", "event": ["x"], "team_id": "T1"}), "application/json"),
        (json.dumps({"type": 7}), "application/json"),
        (json.dumps([{"type": "event_callback"}]), "application/json"),
    ],
)
def test_a_signed_payload_onnuri_cannot_read_gets_200_a_warning_and_nothing_else(bot, caplog, body, content_type):
    data = body if isinstance(body, bytes) else body.encode()
    stamp = str(int(time.time()))
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:".encode() + data, hashlib.sha256).hexdigest()
    with nothing_happens(bot):
        reply = bot.slack.raw(data, content_type=content_type, timestamp=stamp, signature=signature)
        assert reply.status == 200
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "ignored a signed request" in r.getMessage()]
    assert len(warnings) == 1
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert "not json" not in caplog.text and "a string" not in caplog.text


def test_a_signed_request_whose_response_url_is_off_slacks_hooks_host_is_ignored(bot, caplog):
    with nothing_happens(bot):
        assert bot.slack.raw(command_body(), content_type=FORM).status == 200
        assert bot.slack.raw(click_body(), content_type=FORM).status == 200
    assert "response_url off Slack's hooks host" in caplog.text and "169.254" not in caplog.text


def test_unknown_commands_buttons_forms_and_events_get_200_not_404(bot, caplog):
    reply = bot.slack.command("/unknown-thing", "help")
    assert reply.status == 200 and "온누리가 처리하지 않는 명령" in reply.body
    assert bot.slack.block_action("no_such_action", value="1").status == 200
    assert bot.slack.view_submission("no_such_form", {}).status == 200
    assert bot.slack.event({"type": "reaction_added", "user": "U1", "reaction": "+1"}).status == 200
    assert len([r for r in caplog.records if "no listener for a signed" in r.getMessage()]) == 4
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_nul_and_lone_surrogates_in_text_are_cleaned_not_a_traceback(bot, caplog):
    answer = bot.command("/project", "new 널\x00문자\x07 과제 key=NUL")
    assert "NUL" in answer["text"]
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "channel": {"id": "C1"},
        "trigger_id": "t2",
        "actions": [{"action_id": "project_join", "value": "NUL\ud800", "type": "button"}],
    }
    body = "payload=" + json.dumps(payload)  # json escapes the lone surrogate as \\ud800
    assert bot.slack.raw(body, content_type=FORM).status == 200
    bot.settle()
    with bot.session_factory() as s:
        assert s.scalar(select(Project.name).where(Project.key == "NUL")) == "널문자 과제"
        assert s.scalar(select(func.count()).select_from(Project)) == 1
    assert "Traceback" not in caplog.text


def test_a_flood_of_refusals_writes_one_line_per_reason_not_one_per_request(bot, caplog):
    for _ in range(50):
        assert bot.slack.raw(command_body(), content_type=FORM, signed=False).status == 401
    refusals = [r.getMessage() for r in caplog.records if "refused a request" in r.getMessage()]
    assert len(refusals) == 1 and "timestamp missing" in refusals[0]
