"""Signed requests shaped like the ones Slack sends to the bot's ``/slack/events`` endpoint.

Why: Bolt verifies the signature and dispatches on the payload's shape, so tests that hand-roll
payloads drift from what Slack really sends. Every shape lives here, following the documented
payloads (slash commands, ``block_actions``, ``view_submission``, ``view_closed``, Events API),
so there is one place to fix when Slack turns out to send something else.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import time
import uuid
from dataclasses import dataclass
from email.message import Message
from typing import Any, Literal
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import ProxyHandler, Request, build_opener

from slack_sdk.signature import SignatureVerifier

from bot.fakeslack.web_api import APP_ID, BOT_ID, BOT_USER_ID, FakeSlack

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
VERIFICATION_TOKEN = "legacy-verification-token"  # deprecated by Slack but still sent in payloads

# Never route test traffic through a proxy picked up from the environment.
_opener = build_opener(ProxyHandler({}))


@dataclass(frozen=True)
class Reply:
    """The bot's HTTP answer. ``json`` is the parsed body when it was JSON.

    ``response_key`` is the key of the payload's ``response_url`` (see
    :meth:`FakeSlack.response_url`), for ``fake.wait_for("response_url", lambda c:
    c.params["_key"] == reply.response_key)``.
    """

    status: int
    body: str
    json: Any
    headers: Message
    response_key: str | None = None


class SlackRequests:
    """Sends what Slack would send to the bot at ``{base_url}/slack/events``, correctly signed.

    With a ``fake``, ``response_url``s point at it and clicked messages carry the text and blocks
    the bot really posted there. Without one they point at hooks.slack.com, which tests cannot reach.
    """

    def __init__(self, base_url: str, signing_secret: str, fake: FakeSlack | None = None, team_id: str = "T1"):
        self.base_url = base_url.rstrip("/")
        self.team_id = team_id
        self._fake = fake
        self._verifier = SignatureVerifier(signing_secret)
        self._seq = itertools.count(1)

    # -- slash commands and interactivity --------------------------------------------------

    def command(
        self,
        command: str,
        text: str = "",
        user_id: str = "U1",
        channel_id: str = "C1",
        user_name: str | None = None,
        channel_name: str = "general",
        trigger_id: str | None = None,
        team_id: str | None = None,
        response_key: str | None = None,
    ) -> Reply:
        """A slash command invocation (form-encoded, like Slack sends it)."""
        team = team_id or self.team_id
        key = response_key or self._unique_key("command")
        form = {
            "token": VERIFICATION_TOKEN,
            "team_id": team,
            "team_domain": _domain(team),
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name or self._user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self._response_url(team, key),
            "trigger_id": trigger_id or self._trigger_id(),
        }
        return dataclasses.replace(self.raw(urlencode(form), content_type=FORM), response_key=key)

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        user_id: str = "U1",
        channel_id: str = "C1",
        message_ts: str | None = None,
        container_type: Literal["message", "view"] = "message",
        view: dict[str, Any] | None = None,
        block_id: str = "b1",
        trigger_id: str | None = None,
        team_id: str | None = None,
        action_type: str = "button",
        selected_option: str | None = None,
        extra_action_fields: dict[str, Any] | None = None,
        response_key: str | None = None,
    ) -> Reply:
        """A ``block_actions`` payload for one action in a message or a view (modal / App Home).

        ``selected_option`` is the chosen option's value (for selects); ``extra_action_fields``
        adds or overrides action keys, e.g. ``{"selected_user": "U2"}`` for a users_select.
        In a message, the fake's copy of the message at ``message_ts`` is used when it exists.
        """
        team = team_id or self.team_id
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": action_type,
            "action_ts": _now_ts(),
        }
        if action_type == "button":
            action["text"] = _plain_text(action_id)
        if value is not None:
            action["value"] = value
        if selected_option is not None:
            action["selected_option"] = _option(selected_option)
        action.update(extra_action_fields or {})
        payload: dict[str, Any] = {
            **self._envelope("block_actions", user_id, team),
            "trigger_id": trigger_id or self._trigger_id(),
            "actions": [action],
        }
        if container_type == "view":
            shown = {**self._view(team), **(view or {})}
            payload |= {"container": {"type": "view", "view_id": shown["id"]}, "view": shown}
            return self.raw(urlencode({"payload": json.dumps(payload)}), content_type=FORM)
        ts = message_ts or _now_ts()
        key = response_key or self._unique_key("action")
        payload |= {
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "channel": {"id": channel_id, "name": channel_id.lower()},
            "message": self._message(channel_id, ts),
            "state": {"values": {}},
            "response_url": self._response_url(team, key),
        }
        reply = self.raw(urlencode({"payload": json.dumps(payload)}), content_type=FORM)
        return dataclasses.replace(reply, response_key=key)

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, dict[str, Any]]],
        user_id: str = "U1",
        private_metadata: str = "",
        view_id: str | None = None,
        team_id: str | None = None,
        trigger_id: str | None = None,
    ) -> Reply:
        """A modal submitted; ``values`` is ``view.state.values`` (build entries with the helpers)."""
        team = team_id or self.team_id
        payload = {
            **self._envelope("view_submission", user_id, team),
            "trigger_id": trigger_id or self._trigger_id(),
            "view": self._view(team, callback_id, private_metadata, view_id, values),
            "response_urls": [],
        }
        return self.raw(urlencode({"payload": json.dumps(payload)}), content_type=FORM)

    def view_closed(
        self,
        callback_id: str,
        user_id: str = "U1",
        private_metadata: str = "",
        view_id: str | None = None,
        team_id: str | None = None,
        is_cleared: bool = False,
    ) -> Reply:
        """A modal dismissed (Slack only sends this for views opened with ``notify_on_close``)."""
        team = team_id or self.team_id
        payload = {
            **self._envelope("view_closed", user_id, team),
            "view": self._view(team, callback_id, private_metadata, view_id),
            "is_cleared": is_cleared,
        }
        return self.raw(urlencode({"payload": json.dumps(payload)}), content_type=FORM)

    # -- view state entries (values of ``view.state.values[block_id][action_id]``) ----------

    @staticmethod
    def plain(value: str | None) -> dict[str, Any]:
        """plain_text_input; Slack sends ``None`` for an optional input left empty."""
        return {"type": "plain_text_input", "value": value}

    @staticmethod
    def users_select(user: str | None) -> dict[str, Any]:
        return {"type": "users_select", "selected_user": user}

    @staticmethod
    def multi_users(users: list[str]) -> dict[str, Any]:
        return {"type": "multi_users_select", "selected_users": list(users)}

    @staticmethod
    def static_select(value: str | None) -> dict[str, Any]:
        return {"type": "static_select", "selected_option": None if value is None else _option(value)}

    @staticmethod
    def multi_static(values: list[str]) -> dict[str, Any]:
        return {"type": "multi_static_select", "selected_options": [_option(v) for v in values]}

    @staticmethod
    def channel_select(channel: str | None) -> dict[str, Any]:
        return {"type": "channels_select", "selected_channel": channel}

    @staticmethod
    def datepicker(date: str | None) -> dict[str, Any]:
        """``date`` as Slack formats it: ``"YYYY-MM-DD"``."""
        return {"type": "datepicker", "selected_date": date}

    @staticmethod
    def checkboxes(values: list[str]) -> dict[str, Any]:
        return {"type": "checkboxes", "selected_options": [_option(v) for v in values]}

    # -- Events API ------------------------------------------------------------------------

    def event(
        self,
        event: dict[str, Any],
        event_id: str | None = None,
        team_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> Reply:
        """An ``event_callback``; with ``retry_num`` it is Slack's redelivery of an unacked event."""
        team = team_id or self.team_id
        body = {
            "token": VERIFICATION_TOKEN,
            "team_id": team,
            "context_team_id": team,
            "context_enterprise_id": None,
            "api_app_id": APP_ID,
            "event": {"event_ts": _now_ts(), **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
        headers = {}
        if retry_num is not None:
            headers = {
                "X-Slack-Retry-Num": str(retry_num),
                "X-Slack-Retry-Reason": retry_reason or "http_timeout",
            }
        return self.raw(json.dumps(body), headers=headers, content_type=JSON)

    def url_verification(self, challenge: str) -> Reply:
        """The handshake Slack sends when the Events API request URL is configured."""
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self.raw(json.dumps(body), content_type=JSON)

    # -- raw HTTP --------------------------------------------------------------------------

    def raw(
        self,
        body: bytes | str,
        headers: dict[str, str] | None = None,
        timestamp: str | int | None = None,
        signature: str | None = None,
        content_type: str = JSON,
        signed: bool = True,
    ) -> Reply:
        """POST ``body`` to /slack/events, signed for ``timestamp`` (default: now).

        For rejection tests: pass a stale or non-numeric ``timestamp`` (still correctly signed),
        a wrong ``signature``, or ``signed=False`` to omit both headers. ``headers`` go last
        and override anything.
        """
        data = body.encode() if isinstance(body, str) else body
        all_headers = {"Content-Type": content_type}
        if signed:
            stamp = str(int(time.time()) if timestamp is None else timestamp)
            all_headers["X-Slack-Request-Timestamp"] = stamp
            all_headers["X-Slack-Signature"] = signature or str(
                self._verifier.generate_signature(timestamp=stamp, body=data)
            )
        all_headers.update(headers or {})
        return _fetch(Request(f"{self.base_url}/slack/events", data=data, headers=all_headers, method="POST"))

    def get(self, path: str) -> Reply:
        """An unsigned GET, e.g. ``get("/healthz")``."""
        return _fetch(Request(f"{self.base_url}{path}", method="GET"))

    # -- payload parts ---------------------------------------------------------------------

    def _envelope(self, kind: str, user_id: str, team: str) -> dict[str, Any]:
        """Keys every interactivity payload has."""
        name = self._user_name(user_id)
        return {
            "type": kind,
            "team": {"id": team, "domain": _domain(team)},
            "user": {"id": user_id, "username": name, "name": name, "team_id": team},
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _view(
        self,
        team: str,
        callback_id: str = "",
        private_metadata: str = "",
        view_id: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        view_id = view_id or f"V{uuid.uuid4().hex[:10].upper()}"
        return {
            "id": view_id,
            "team_id": team,
            "type": "modal",
            "blocks": [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values or {}},
            "hash": f"{_now_ts()}.{uuid.uuid4().hex[:8]}",
            "title": _plain_text("Onnuri"),
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": team,
            "bot_id": BOT_ID,
        }

    def _message(self, channel_id: str, ts: str) -> dict[str, Any]:
        posted = self._fake.message(channel_id, ts) if self._fake else None
        if posted is not None:
            del posted["channel"]  # Slack sends the channel beside the message, not in it
            return posted
        return {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": "", "ts": ts, "blocks": []}

    def _user_name(self, user_id: str) -> str:
        user = self._fake.user(user_id) if self._fake else None
        return user["name"] if user else user_id.lower()

    def _response_url(self, team: str, key: str) -> str:
        if self._fake:
            return self._fake.response_url(key)
        return f"https://hooks.slack.com/actions/{team}/{key}"

    def _unique_key(self, kind: str) -> str:
        return f"{kind}-{next(self._seq)}-{uuid.uuid4().hex[:6]}"

    def _trigger_id(self) -> str:
        return f"{int(time.time())}.{next(self._seq)}.{uuid.uuid4().hex}"


def _fetch(request: Request) -> Reply:
    """Perform the request; HTTP error statuses are returned, not raised (tests assert on them)."""
    try:
        with _opener.open(request, timeout=10) as response:
            return _reply(response.status, response.headers, response.read())
    except HTTPError as error:
        with error:
            return _reply(error.code, error.headers, error.read())


def _reply(status: int, headers: Message, raw: bytes) -> Reply:
    body = raw.decode()
    try:
        parsed = json.loads(body) if body and "json" in headers.get_content_type() else None
    except ValueError:
        parsed = None
    return Reply(status, body, parsed, headers)


def _domain(team_id: str) -> str:
    return f"team-{team_id.lower()}"


def _now_ts() -> str:
    return f"{time.time():.6f}"


def _plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(value: str) -> dict[str, Any]:
    return {"text": _plain_text(value), "value": value}
