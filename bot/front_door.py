"""The front door of POST /slack/events: nothing reaches Bolt, the database, Slack or the log's body lines
unless Slack signed it.

In order, before any of Onnuri runs:
1. a body over MAX_BODY is refused with 413 before it is read (a declared length is trusted no further);
2. the signature is checked: an ASCII timestamp of at most 12 digits, within five minutes, and the HMAC of
   the raw bytes; a request that fails gets 401, and the log says only its size and why;
3. a signed request Onnuri cannot use (not UTF-8, a body Bolt cannot parse, a payload of the wrong shape, a
   response_url off Slack's hooks host) gets 200, so Slack shows the person no error, and a WARNING without
   the body;
4. what remains is cleaned (NUL and other control characters dropped, lone surrogates replaced) and handed
   to Bolt; a request no listener takes (an unknown command, button, form or event) is answered 200, a
   slash command with a plain sentence.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.request.internals import parse_body

from kit.i18n import t

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack's own payloads stay far below this
MAX_SKEW = 60 * 5  # seconds between Slack's timestamp and ours, as Slack documents
SLACK_HOOKS_HOST = "hooks.slack.com"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class Refusal:
    status: str
    reason: str


def verify(secret: str | None, headers: dict[str, str], body: bytes, now: float) -> str | None:
    """Why the request is not Slack's (None when its signature holds)."""
    if not secret:
        return "no signing secret is configured"
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not _TIMESTAMP.fullmatch(timestamp):
        return "timestamp missing or not a number"
    if abs(now - int(timestamp)) > MAX_SKEW:
        return "timestamp too old or in the future"
    if not _SIGNATURE.fullmatch(signature):
        return "signature missing or malformed"
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "signature does not match"
    return None


def clean(value: Any) -> Any:
    """Text as Slack users could have meant it: no NUL or other control characters (tab and newline kept),
    and no lone surrogates, which no database or JSON encoder accepts."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", _CONTROL.sub("", value))
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def shape_problem(body: Any) -> str | None:
    """Why a parsed body is not a payload Slack sends (None when it could be one)."""
    if not isinstance(body, dict):
        return f"the payload is a {type(body).__name__}, not an object"
    for name, kind in (("actions", list), ("event", dict), ("view", dict), ("team", dict), ("user", dict)):
        if name in body and not isinstance(body[name], kind):
            return f"{name!r} is a {type(body[name]).__name__}"
    if isinstance(body.get("actions"), list) and not all(isinstance(a, dict) for a in body["actions"]):
        return "an action is not an object"
    for name in ("type", "command", "text", "user_id", "team_id", "trigger_id", "response_url"):
        if name in body and not isinstance(body[name], str):
            return f"{name!r} is a {type(body[name]).__name__}"
    return None


class RefusalLog:
    """One WARNING per reason at most every LOG_EVERY seconds, with how many were held back: a flood of
    bad requests must not flood the log too."""

    LOG_EVERY = 10.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def warn(self, template: str, size: int, reason: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(reason, -self.LOG_EVERY) < self.LOG_EVERY:
                self._held[reason] = self._held.get(reason, 0) + 1
                return
            self._last[reason] = now
            held = self._held.pop(reason, 0)
        suffix = f" (and {held} more like it in the last {self.LOG_EVERY:.0f} s)" if held else ""
        log.warning(template + "%s", size, reason, suffix)


class FrontDoor:
    def __init__(self, app: App, *, signing_secret: str | None, api_url: str, locale: str) -> None:
        self.app = app
        self.secret = signing_secret
        self.locale = locale
        self.hooks_hosts = {SLACK_HOOKS_HOST, urlsplit(api_url).netloc}
        self.refusals = RefusalLog()

    def __call__(self, environ: dict[str, Any], start_response) -> Iterable[bytes]:
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
            return self._refuse(start_response, Refusal("413 Content Too Large", "body too large"), int(declared))
        body = environ["wsgi.input"].read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return self._refuse(start_response, Refusal("413 Content Too Large", "body too large"), len(body))
        headers = {
            key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        why = verify(self.secret, headers, body, time.time())
        if why is not None:
            return self._refuse(start_response, Refusal("401 Unauthorized", why), len(body))
        return self._signed(environ, start_response, headers, body)

    def _signed(self, environ: dict[str, Any], start_response, headers: dict[str, str], body: bytes):
        try:
            text = body.decode("utf-8")
            parsed = parse_body(text, headers.get("content-type", "").split(";")[0].strip() or None)
        except (UnicodeDecodeError, ValueError) as error:
            return self._ignore(start_response, f"a body Onnuri cannot read ({type(error).__name__})", len(body))
        if (problem := shape_problem(parsed)) is not None:
            return self._ignore(start_response, problem, len(body))
        url = parsed.get("response_url")
        if isinstance(url, str) and urlsplit(url).netloc not in self.hooks_hosts:
            return self._ignore(start_response, "a response_url off Slack's hooks host", len(body))
        request = BoltRequest(body=text, query=environ.get("QUERY_STRING", ""), headers=headers)
        request.body = clean(request.body)
        response = self.app.dispatch(request)
        if response.status == 404:
            return self._unhandled(start_response, request.body)
        if response.status >= 500:
            return self._ignore(start_response, "Bolt could not process it", len(body))
        return _send(start_response, response)

    def _refuse(self, start_response, refusal: Refusal, size: int) -> Iterable[bytes]:
        self.refusals.warn("refused a request to /slack/events (%d bytes): %s", size, refusal.reason)
        payload = refusal.status.split(" ", 1)[1].lower().encode()
        start_response(refusal.status, [("Content-Type", "text/plain"), ("Content-Length", str(len(payload)))])
        return [payload]

    def _ignore(self, start_response, why: str, size: int) -> Iterable[bytes]:
        self.refusals.warn("ignored a signed request (%d bytes): %s", size, why)
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]

    def _unhandled(self, start_response, body: dict[str, Any]) -> Iterable[bytes]:
        """Nothing listens for it: 200, and for a slash command a sentence in place of Slack's error."""
        kind = body.get("type") or ("command" if "command" in body else "?")
        name = body.get("command") or _action_id(body) or _callback_id(body) or _event_type(body) or "-"
        log.warning("no listener for a signed %s request (%s)", kind, str(name)[:40])
        if "command" in body and "response_url" in body:
            answer = {"response_type": "ephemeral", "text": t("common.unknown_command", self.locale, plain=True)}
            data = json.dumps(answer, ensure_ascii=False).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]


def _action_id(body: dict[str, Any]) -> str | None:
    actions = body.get("actions")
    return actions[0].get("action_id") if isinstance(actions, list) and actions else None


def _callback_id(body: dict[str, Any]) -> str | None:
    view = body.get("view")
    return view.get("callback_id") if isinstance(view, dict) else None


def _event_type(body: dict[str, Any]) -> str | None:
    event = body.get("event")
    return event.get("type") if isinstance(event, dict) else None


def _send(start_response, response: BoltResponse) -> Iterable[bytes]:
    data = response.body.encode() if isinstance(response.body, str) else bytes(response.body or b"")
    headers = [(name, value) for name, values in response.headers.items() for value in values]
    headers = [(n, v) for n, v in headers if n.lower() != "content-length"] + [("Content-Length", str(len(data)))]
    start_response(f"{response.status} {_REASONS.get(response.status, 'OK')}", headers)
    return [data]


_REASONS = {200: "OK", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error"}
