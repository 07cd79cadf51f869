"""Secrets never reach the logs (issue 9): with DEBUG on for every logger and logging configured the way
`onnuri` does it (bot.logs.configure: a handler on the root logger carrying the redacting filter), a whole
end-to-end run through the real bot leaves no token (xoxb-, xoxp-, xapp-, xoxe-), no signing secret and no
response_url in what that handler writes: rejected requests (bad signature, stale and non-numeric timestamps,
unsigned), Slack API errors (429, 500, error answers, a dropped connection), slash commands, clicks, a modal,
App Home and outbox delivery, and a listener that fails with a traceback.

pytest's caplog sees records before handler filters run, so the capture here is the production handler itself,
its stream swapped for a buffer.
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from urllib.parse import unquote_plus, urlencode

import pytest

from bot import logs
from bot.fakeslack.payloads import FORM, VERIFICATION_TOKEN
from bot.settings import Settings
from kit.ids import Action, Block, Callback
from tests.conftest import SIGNING_SECRET

APP_TOKEN = "xapp-1-A0HARDEN-1234567890-appleveltokensecret"
PASTED = ("xoxp-1111-2222-3333-userpastedtoken", "xoxe-1-refreshtokenpasted", "xoxb-9999-8888-otherbottoken")
FORBIDDEN = ("xoxb-", "xoxp-", "xapp-", "xoxe-", SIGNING_SECRET, "/response/", "/upload/", VERIFICATION_TOKEN)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The bot's settings with an app-level token too, so every kind of secret is in play."""
    return replace(settings, slack_app_token=APP_TOKEN)


class Production:
    """Root logging as `onnuri` sets it up (bot.logs.configure on a root logger without handlers), at DEBUG
    for every logger, writing into a buffer instead of stderr."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        self.buffer = io.StringIO()
        self.secrets = secrets

    def __enter__(self) -> Production:
        root = logging.getLogger()
        self.saved = (root.handlers[:], root.level, logging.getLogger("alembic").level)
        self.levels = {
            name: lg.level for name, lg in logging.Logger.manager.loggerDict.items() if isinstance(lg, logging.Logger)
        }
        root.handlers.clear()
        logs.configure("DEBUG", self.secrets)
        (self.handler,) = root.handlers
        self.handler.setStream(self.buffer)
        for logger in logging.Logger.manager.loggerDict.values():  # nobody quieter than DEBUG
            if isinstance(logger, logging.Logger):
                logger.setLevel(logging.NOTSET)
        return self

    def __exit__(self, *exc_info) -> None:
        root = logging.getLogger()
        handlers, level, alembic = self.saved
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("alembic").setLevel(alembic)
        for name, saved in self.levels.items():
            logging.getLogger(name).setLevel(saved)

    @property
    def text(self) -> str:
        self.handler.flush()
        return self.buffer.getvalue()


@pytest.fixture
def production_logs(settings) -> Iterator[Production]:
    with Production(settings.secrets) as captured:
        yield captured


def command_form(bot, text: str, key: str) -> str:
    """A slash command's body as Slack sends it, with a real response_url and the legacy token."""
    return urlencode(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": "T1",
            "user_id": "U1",
            "user_name": "kim",
            "channel_id": "C1",
            "command": "/project",
            "text": text,
            "response_url": bot.fake.response_url(key),
            "trigger_id": "1.2.rejected",
        }
    )


def found_secrets(text: str) -> list[str]:
    """Each secret found, as written or once percent-decoded (a form body logged as it came)."""
    return sorted(
        {
            m
            for seen in (text, unquote_plus(text))
            for needle in FORBIDDEN
            for m in re.findall(re.escape(needle) + r"\S{0,20}", seen)
        }
    )


def test_a_whole_run_at_debug_logs_no_secret(bot, production_logs):
    fake, slack = bot.fake, bot.slack
    fake.add_user("U9", name="u9", team_id="T1")
    delivery = bot.runtime.delivery  # retries and pacing shortened, so the run takes seconds, not minutes
    delivery.retry_base_seconds, delivery.channel_spacing, delivery.home_spacing = 0.05, timedelta(0), timedelta(0)

    # rejected requests: bad signature, stale, non-numeric and missing timestamps
    form = command_form(bot, "new 몰래 key=SNEAK", "rejected-1")
    assert slack.raw(form, content_type=FORM, signature="v0=" + "0" * 64).status == 401
    assert slack.raw(form, content_type=FORM, timestamp=str(int(time.time()) - 600)).status == 401
    assert slack.raw(form, content_type=FORM, timestamp="yesterday").status == 401
    assert slack.raw(form, content_type=FORM, signed=False).status == 401
    # (a rejected interactive payload is test_a_rejected_click_logs_no_response_url, below)

    # U1 looks at App Home, so changes redraw it (one of those redraws meets Slack's not_authed below)
    assert slack.event({"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"}).status == 200
    bot.settle()

    # commands, with tokens pasted into the text by a careless user
    bot.command("/project", f"new 아토피 없는 경기도 key=ATOPY <#C1|general> <@U2|lee> {PASTED[0]}")
    bot.command("/progress", f"ATOPY 40% 초안 완료 {PASTED[1]}", user="U2")
    bot.command("/approval", f"request ATOPY <@U2|lee> 예산 변경 {PASTED[2]}")
    bot.command("/project", "show ATOPY")
    bot.command("/digest", "ATOPY")

    # Slack failing: a rate limit and a 500 on delivery, an error answer, a dropped connection, a 500 on response_url
    fake.fail("chat.postMessage", status=429, retry_after=0)
    fake.fail("chat.postMessage", status=500)
    fake.reset_connection("chat.update")
    fake.error("views.publish", "not_authed")
    bot.settle()
    bot.runtime.delivery.drain(timeout=15)
    fake.fail("response_url", status=500)
    reply = slack.command("/project", "list")
    assert reply.status == 200
    bot.settle()

    # a click: the approver approves from the card in the DM
    card = fake.wait_for(
        "chat.postMessage",
        lambda c: c.params["channel"] == "U2" and "approval_approve" in json.dumps(c.params.get("blocks", [])),
    )[-1]
    step = next(
        e["value"]
        for b in card.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == Action.APPROVAL_APPROVE
    )
    bot.answer(slack.block_action(Action.APPROVAL_APPROVE, value=step, user_id="U2", channel_id="D2"))
    bot.answer(slack.block_action(Action.PROJECT_JOIN, value="ATOPY", user_id="U9"))

    # a modal: opened from a command (and once with an expired trigger), then submitted
    assert slack.command("/project", "", trigger_id="trig-modal").status == 200
    bot.modal_opened()
    fake.error("views.open", "expired_trigger_id")
    bot.answer(slack.command("/project", "", trigger_id="trig-expired"))
    name = {"value": {"type": "plain_text_input", "value": f"새 과제 {PASTED[0]}"}}
    assert (
        slack.view_submission(
            Callback.PROJECT_NEW, {Block.PROJECT_NAME: name}, private_metadata='{"channel_id": "C1"}'
        ).status
        == 200
    )

    # a listener that fails with a traceback (Slack answers 500 on views.open)
    fake.fail("views.open", status=500)
    assert slack.block_action(Action.HOME_SET_DEPARTMENT, user_id="U1", container_type="view").status == 200

    # the participation files, uploaded to the admin's DM through one-time upload URLs
    assert slack.command("/report", "participation", user_id="UADMIN").status == 200
    bot.settle()
    fake.wait_for("files.completeUploadExternal")

    # App Home, and the outbox delivered to the end
    assert slack.event({"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"}).status == 200
    bot.settle()
    bot.runtime.delivery.drain(timeout=15)
    fake.wait_for("views.publish", lambda c: c.params["user_id"] == "U1")

    text = production_logs.text
    # the capture saw the run: Slack calls at DEBUG, the refusals, the failures, a traceback, and redactions
    for expected in (
        "Sending a request",
        "refused a request to /slack/events",
        "Traceback",
        "[token]",
        "[response_url]",
        "[upload_url]",
    ):
        assert expected in text, f"{expected!r} never logged: is DEBUG logging captured?"
    leaks = [line[:400] for line in text.splitlines() if found_secrets(line)]
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("why", ["bad signature", "stale timestamp"])
def test_a_rejected_click_logs_no_response_url(bot, production_logs, why):
    payload = {
        "type": "block_actions",
        "token": VERIFICATION_TOKEN,
        "team": {"id": "T1"},
        "user": {"id": "U1", "team_id": "T1"},
        "actions": [{"action_id": Action.PROJECT_SHOW, "value": "ATOPY"}],
        "response_url": bot.fake.response_url("rejected-click"),
    }
    body = urlencode({"payload": json.dumps(payload)})
    if why == "bad signature":
        reply = bot.slack.raw(body, content_type=FORM, signature="v0=" + "0" * 64)
    else:
        reply = bot.slack.raw(body, content_type=FORM, timestamp=str(int(time.time()) - 600))
    assert reply.status == 401
    text = production_logs.text
    assert "refused a request to /slack/events" in text
    assert not found_secrets(text), found_secrets(text)
    assert "payload" not in text and "U1" not in text  # the refusal says its size and why, never the body


def test_a_handler_added_after_configure_also_gets_redacted_records(bot, production_logs):
    late = io.StringIO()
    handler = logging.StreamHandler(late)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    sdk = logging.getLogger("slack_sdk")
    sdk.addHandler(handler)
    try:
        bot.command("/project", "new 로그 과제 key=LOGS")
        bot.settle()
    finally:
        sdk.removeHandler(handler)
    assert "Sending a request" in late.getvalue()
    assert not found_secrets(production_logs.text), found_secrets(production_logs.text)
    assert not found_secrets(late.getvalue()), found_secrets(late.getvalue())
