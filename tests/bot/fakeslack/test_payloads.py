"""SlackRequests signs correctly and sends the payload shapes Slack documents.

The bot under test is replaced by a tiny echo server that verifies signatures the way Bolt
does (slack_sdk's SignatureVerifier) and answers with what it parsed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.fakeslack.payloads import SlackRequests
from bot.fakeslack.web_api import FakeSlack

SECRET = "test-signing-secret"
S = SlackRequests  # state-entry helpers are static


class _EchoHandler(BaseHTTPRequestHandler):
    verifier = SignatureVerifier(SECRET)

    def do_GET(self) -> None:
        self._send(200, "ok", "text/plain")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not self._signed(body):
            self._send(401, json.dumps({"error": "invalid signature"}), "application/json")
            return
        if self.headers.get_content_type() == "application/json":
            parsed: Any = json.loads(body)
        else:
            parsed = dict(parse_qsl(body.decode(), keep_blank_values=True))
            if "payload" in parsed:
                parsed = json.loads(parsed["payload"])
        echo = {
            "path": self.path,
            "retry_num": self.headers.get("X-Slack-Retry-Num"),
            "retry_reason": self.headers.get("X-Slack-Retry-Reason"),
            "body": parsed,
        }
        self._send(200, json.dumps(echo), "application/json")

    def _signed(self, body: bytes) -> bool:
        try:
            return self.verifier.is_valid_request(body, dict(self.headers))
        except ValueError:  # non-numeric timestamp
            return False

    def _send(self, status: int, text: str, content_type: str) -> None:
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging."""


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def slack(echo_url: str, fake: FakeSlack) -> SlackRequests:
    return SlackRequests(echo_url, SECRET, fake=fake)


def test_command_is_a_signed_form_with_slacks_fields(slack: SlackRequests, fake: FakeSlack) -> None:
    fake.add_user("U7", name="lee")

    reply = slack.command("/onnuri", "new 과제", user_id="U7", channel_id="C3")

    assert reply.status == 200
    assert reply.json["path"] == "/slack/events"
    body = reply.json["body"]
    assert set(body) == {
        "token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name",
        "command", "text", "api_app_id", "is_enterprise_install", "response_url", "trigger_id",
    }  # fmt: skip
    assert (body["command"], body["text"], body["user_id"], body["user_name"]) == (
        "/onnuri",
        "new 과제",
        "U7",
        "lee",
    )
    assert (body["team_id"], body["channel_id"], body["is_enterprise_install"]) == ("T1", "C3", "false")
    assert body["response_url"] == fake.response_url(reply.response_key)


def test_commands_get_unique_trigger_ids_and_response_keys(slack: SlackRequests) -> None:
    first, second = slack.command("/onnuri"), slack.command("/onnuri")

    assert first.json["body"]["trigger_id"] != second.json["body"]["trigger_id"]
    assert first.response_key != second.response_key


def test_command_response_key_can_be_chosen(slack: SlackRequests, fake: FakeSlack) -> None:
    reply = slack.command("/onnuri", response_key="mine")

    assert reply.response_key == "mine"
    assert reply.json["body"]["response_url"].endswith("/response/mine")


def test_block_action_on_a_message_carries_the_posted_message(slack: SlackRequests, fake: FakeSlack) -> None:
    blocks = [{"type": "actions", "block_id": "approve", "elements": []}]
    posted = WebClient(token="xoxb-test", base_url=fake.url).chat_postMessage(
        channel="U2", text="Approve?", blocks=blocks
    )

    reply = slack.block_action(
        "approve_click", value="42", user_id="U2", channel_id=posted["channel"], message_ts=posted["ts"]
    )

    payload = reply.json["body"]
    assert payload["type"] == "block_actions"
    assert {"user", "team", "api_app_id", "token", "container", "trigger_id", "channel", "message"} <= set(payload)
    assert payload["user"]["id"] == "U2" and payload["team"]["id"] == "T1"
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": posted["channel"],
        "is_ephemeral": False,
    }
    assert (payload["message"]["text"], payload["message"]["blocks"]) == ("Approve?", blocks)
    assert payload["response_url"] == fake.response_url(reply.response_key)
    [action] = payload["actions"]
    assert {k: action[k] for k in ("action_id", "block_id", "type", "value")} == {
        "action_id": "approve_click",
        "block_id": "b1",
        "type": "button",
        "value": "42",
    }
    assert action["text"]["type"] == "plain_text" and action["action_ts"]


def test_block_action_in_a_view_has_the_view_and_no_response_url(slack: SlackRequests) -> None:
    reply = slack.block_action(
        "pick",
        container_type="view",
        view={"id": "V9", "callback_id": "new_project", "private_metadata": "p1"},
    )

    payload = reply.json["body"]
    assert payload["container"] == {"type": "view", "view_id": "V9"}
    assert payload["view"]["callback_id"] == "new_project"
    assert payload["view"]["state"] == {"values": {}}
    assert "response_url" not in payload and "message" not in payload
    assert reply.response_key is None


def test_select_action_has_selected_option_and_no_value(slack: SlackRequests) -> None:
    reply = slack.block_action(
        "status",
        action_type="static_select",
        selected_option="done",
        extra_action_fields={"initial_option": None},
    )

    [action] = reply.json["body"]["actions"]
    assert action["selected_option"] == {
        "text": {"type": "plain_text", "text": "done", "emoji": True},
        "value": "done",
    }
    assert "value" not in action and "text" not in action
    assert action["initial_option"] is None


def test_view_submission_carries_state_values(slack: SlackRequests) -> None:
    values = {
        "title": {"input": S.plain("예산 협의")},
        "owner": {"input": S.users_select("U3")},
        "members": {"input": S.multi_users(["U3", "U4"])},
        "dept": {"input": S.static_select("finance")},
        "tags": {"input": S.multi_static(["a", "b"])},
        "where": {"input": S.channel_select("C5")},
        "due": {"input": S.datepicker("2025-03-31")},
        "flags": {"input": S.checkboxes(["urgent"])},
        "memo": {"input": S.plain(None)},
    }

    reply = slack.view_submission("new_project", values, user_id="U3", private_metadata='{"p": 1}', view_id="V1")

    payload = reply.json["body"]
    assert payload["type"] == "view_submission"
    assert payload["user"]["id"] == "U3" and payload["trigger_id"]
    view = payload["view"]
    assert (view["id"], view["type"], view["callback_id"], view["private_metadata"]) == (
        "V1",
        "modal",
        "new_project",
        '{"p": 1}',
    )
    assert {"team_id", "hash", "title", "blocks"} <= set(view)
    state = view["state"]["values"]
    assert state["title"]["input"] == {"type": "plain_text_input", "value": "예산 협의"}
    assert state["members"]["input"]["selected_users"] == ["U3", "U4"]
    assert state["dept"]["input"]["selected_option"]["value"] == "finance"
    assert [o["value"] for o in state["tags"]["input"]["selected_options"]] == ["a", "b"]
    assert state["where"]["input"] == {"type": "channels_select", "selected_channel": "C5"}
    assert state["due"]["input"] == {"type": "datepicker", "selected_date": "2025-03-31"}
    assert state["flags"]["input"]["type"] == "checkboxes"
    assert state["memo"]["input"]["value"] is None


def test_view_closed(slack: SlackRequests) -> None:
    reply = slack.view_closed("new_project", private_metadata="p")

    payload = reply.json["body"]
    assert payload["type"] == "view_closed"
    assert payload["view"]["callback_id"] == "new_project" and payload["is_cleared"] is False


def test_event_callback_shape_and_unique_event_ids(slack: SlackRequests) -> None:
    first = slack.event({"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "C1"})
    second = slack.event({"type": "app_mention", "user": "U1", "text": "again", "channel": "C1"})

    body = first.json["body"]
    assert body["type"] == "event_callback"
    assert {"token", "team_id", "api_app_id", "event", "event_id", "event_time", "authorizations"} <= set(body)
    assert body["event"]["type"] == "app_mention" and body["event"]["event_ts"]
    assert body["authorizations"][0]["user_id"] == "UBOT"
    assert body["event_id"] != second.json["body"]["event_id"]
    assert first.json["retry_num"] is None


def test_event_retry_headers(slack: SlackRequests) -> None:
    reply = slack.event({"type": "app_home_opened", "user": "U1"}, event_id="Ev1", retry_num=2)

    assert (reply.json["retry_num"], reply.json["retry_reason"]) == ("2", "http_timeout")
    assert reply.json["body"]["event_id"] == "Ev1"


def test_url_verification(slack: SlackRequests) -> None:
    body = slack.url_verification("abc").json["body"]

    assert body == {"token": body["token"], "challenge": "abc", "type": "url_verification"}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, 200),
        ({"signature": "v0=deadbeef"}, 401),
        ({"timestamp": int(time.time()) - 600}, 401),
        ({"timestamp": "yesterday"}, 401),
        ({"signed": False}, 401),
    ],
    ids=["valid", "wrong-signature", "stale-timestamp", "non-numeric-timestamp", "unsigned"],
)
def test_raw_requests_and_rejections_do_not_raise(slack: SlackRequests, kwargs: dict[str, Any], expected: int) -> None:
    reply = slack.raw('{"type": "event_callback"}', **kwargs)

    assert reply.status == expected
    if expected == 401:
        assert reply.json == {"error": "invalid signature"}


def test_requests_signed_with_another_secret_are_rejected(echo_url: str) -> None:
    reply = SlackRequests(echo_url, "other-secret").command("/onnuri")

    assert reply.status == 401


def test_without_a_fake_response_urls_are_slack_shaped(echo_url: str) -> None:
    reply = SlackRequests(echo_url, SECRET).command("/onnuri", response_key="k")

    assert reply.json["body"]["response_url"] == "https://hooks.slack.com/actions/T1/k"


def test_get_returns_plain_text(slack: SlackRequests) -> None:
    reply = slack.get("/healthz")

    assert (reply.status, reply.body, reply.json) == (200, "ok", None)
    assert reply.headers["content-type"] == "text/plain"
