"""A fake Slack Web API served over real HTTP, for end-to-end tests of the bot.

Why a real server rather than mocking ``WebClient``: the bot then talks to Slack exactly as in
production (slack_sdk's form/JSON encoding, retry handlers, timeouts, Bolt's ``auth.test`` at
start-up), so mistakes in how we *call* Slack show up in tests. Only the far side is fake.

Point the bot's ``WebClient(base_url=...)`` / ``SLACK_API_URL`` at :attr:`FakeSlack.url`.
Every request is recorded as a :class:`Call`; faults (rate limits, 5xx, latency, dropped
connections, answers slower than the client waits, an outage of every method, reads that lag
writes) can be injected to test the bot's resilience.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "AONNURI"
DEFAULT_SCOPES = (
    "chat:write",
    "commands",
    "im:write",
    "users:read",
    "channels:read",
    "channels:join",
    "files:write",
)

# Message timestamps are microsecond counters rendered Slack-style ("1700000000.000100").
_FIRST_TS_MICROS = 1_700_000_000_000_100
_TS_STEP_MICROS = 100
# Free text is never JSON-decoded: a message reading "[1, 2]" must stay a string.
_FREE_TEXT_PARAMS = frozenset({"text"})
_MESSAGE_FIELDS = ("blocks", "attachments", "metadata", "thread_ts")

ApiHandler = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """One request the fake received, including injected failures (so tests can count attempts).

    ``params`` holds the decoded request parameters (JSON-valued strings such as ``blocks`` are
    already parsed; the token is in ``token``, not here). ``status`` is the HTTP status answered,
    0 when the connection was dropped. ``response`` is the JSON answered, None for endpoints
    that answer plain text (``response_url``, ``upload``) or when nothing was answered.
    """

    method: str
    params: dict[str, Any]
    token: str | None
    status: int
    at: float
    response: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """Whether Slack reported success: HTTP 200 and no ``"ok": false`` in the body."""
        return self.status == 200 and (self.response is None or self.response.get("ok") is True)


@dataclass
class _Fault:
    kind: Literal["http", "error", "drop"]
    remaining: int
    status: int = 200
    error: str = ""
    retry_after: int = 0
    after_processing: bool = False
    methods: frozenset[str] = frozenset()  # an outage's methods; empty: all of them


@dataclass
class _Delay:
    seconds: float
    remaining: int | None
    after_processing: bool = False


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """Slack's Web API, ``response_url`` webhooks and file-upload URLs on 127.0.0.1.

    Thread-safe: the bot calls it from its own threads while the test inspects it.
    """

    def __init__(
        self,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        team_id: str = "T1",
        team_name: str = "Onnuri",
    ) -> None:
        self.scopes = tuple(scopes)
        self.team_id = team_id
        self.team_name = team_name
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._files: dict[str, str] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, _Delay] = {}
        self._outage: _Fault | None = None
        self._read_lag = 0.0
        self._posted_at: dict[tuple[str, str], float] = {}
        self._next_ts = _FIRST_TS_MICROS
        self._next_id = 0
        self._api: dict[str, ApiHandler] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update_message,
            "chat.delete": self._delete_message,
            "chat.getPermalink": self._permalink,
            "views.open": lambda p: self._view(p, needs=("trigger_id", "interactivity_pointer")),
            "views.push": lambda p: self._view(p, needs=("trigger_id", "interactivity_pointer")),
            "views.update": lambda p: self._view(p, needs=("view_id", "external_id")),
            "views.publish": lambda p: self._view(p, needs=("user_id",)),
            "users.info": self._user_info,
            "conversations.info": self._conversation_info,
            "conversations.join": self._conversation_info,
            "conversations.open": self._open_conversation,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind a free port and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeSlack is already started")
        self._stopping.clear()
        self._server = _Server(self)
        # A short poll interval keeps stop() fast; the default (0.5 s) adds up across tests.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving without waiting for handlers parked in an injected delay."""
        if self._server is None or self._thread is None:
            return
        self._stopping.set()  # wakes delayed handlers, which then drop their connection
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``: methods arrive as ``POST /api/<method>``."""
        return f"{self._origin()}/api/"

    def response_url(self, key: str) -> str:
        """A ``response_url`` for payloads; posts to it are recorded as ``response_url`` calls."""
        return f"{self._origin()}/response/{key}"

    @staticmethod
    def dm_channel(user_id: str) -> str:
        """The DM channel id the fake assigns to a user: ``"U123"`` -> ``"D123"``."""
        return "D" + user_id[1:]

    # -- workspace state -------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str = "kim",
        real_name: str | None = None,
        tz: str = "Asia/Seoul",
        locale: str = "ko-KR",
        team_id: str | None = None,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        """Register a user for ``users.info``; returns the user object Slack would send."""
        team = team_id or self.team_id
        real = real_name or name
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        user = {
            "id": user_id,
            "team_id": team,
            "name": name,
            "deleted": False,
            "real_name": real,
            "tz": tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "locale": locale,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "profile": {
                "real_name": real,
                "real_name_normalized": real,
                "display_name": name,
                "display_name_normalized": name,
                "team": team,
            },
        }
        with self._cond:
            self._users[user_id] = user
            return copy.deepcopy(user)

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The registered user object, or None."""
        with self._cond:
            return copy.deepcopy(self._users.get(user_id))

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages currently in Slack (posted, as last updated, not deleted), oldest first."""
        with self._cond:
            return [copy.deepcopy(m) for m in self._messages.values() if channel is None or m["channel"] == channel]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The current state of one message, or None if it was never posted or was deleted."""
        with self._cond:
            return copy.deepcopy(self._messages.get((channel, ts)))

    def snapshot(self) -> dict[str, Any]:
        """The workspace's messages, to keep between console sessions (see restore)."""
        with self._cond:
            return {"next_ts": self._next_ts, "messages": [copy.deepcopy(m) for m in self._messages.values()]}

    def restore(self, state: dict[str, Any]) -> None:
        with self._cond:
            for message in state.get("messages", []):
                self._messages[(message["channel"], message["ts"])] = message
            self._next_ts = max(self._next_ts, int(state.get("next_ts", 0)))

    # -- inspecting calls ------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every call so far, in arrival order (a copy)."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        """Calls to ``method`` (failed attempts included) whose params equal all of ``match``."""
        with self._cond:
            return [
                c
                for c in self._calls
                if c.method == method and all(k in c.params and c.params[k] == v for k, v in match.items())
            ]

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Block until ``count`` successful calls to ``method`` match ``predicate``; return them all.

        The bot answers Slack before doing its work, so tests must wait for side effects.
        Raises AssertionError listing every call received on timeout. ``predicate`` runs under
        the fake's lock: keep it a pure check of the call.
        """
        deadline = time.monotonic() + timeout

        def matching() -> list[Call]:
            return [c for c in self._calls if c.method == method and c.ok and (predicate is None or predicate(c))]

        with self._cond:
            while len(found := matching()) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(_describe(c) for c in self._calls) or "none"
                    raise AssertionError(
                        f"expected {count} successful {method} call(s)"
                        f"{' matching the predicate' if predicate else ''} within {timeout}s, "
                        f"got {len(found)}; calls received: {seen}"
                    )
                self._cond.wait(remaining)
            return found

    def reset(self) -> None:
        """Forget calls, messages, uploads and injected faults; registered users are kept."""
        with self._cond:
            self._calls.clear()
            self._messages.clear()
            self._files.clear()
            self._faults.clear()
            self._delays.clear()
            self._outage = None
            self._read_lag = 0.0
            self._posted_at.clear()

    # -- fault injection -------------------------------------------------------------------

    def fail(self, method: str, status: int = 429, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls with HTTP ``status``.

        429 carries ``Retry-After`` and ``ratelimited`` like Slack's rate limiter; any other
        status answers ``internal_error``.
        """
        self._add_fault(method, _Fault("http", times, status=status, retry_after=retry_after))

    def error(self, method: str, error: str = "not_in_channel", times: int = 1) -> None:
        """Answer the next ``times`` calls with HTTP 200 ``{"ok": false, "error": error}``."""
        self._add_fault(method, _Fault("error", times, error=error))

    def reset_connection(self, method: str, times: int = 1, after_processing: bool = False) -> None:
        """Close the socket without answering the next ``times`` calls.

        With ``after_processing`` the call takes effect first (e.g. the message is posted and
        the call recorded as a success), modelling "Slack did it but the response was lost".
        """
        self._add_fault(method, _Fault("drop", times, after_processing=after_processing))

    def delay(self, method: str, seconds: float, times: int | None = None, after_processing: bool = False) -> None:
        """Sleep ``seconds`` before answering the next ``times`` calls (None: until reset).

        With ``after_processing`` the call takes effect (and is recorded) first and only its answer
        is late, modelling "Slack did it but answered after the client stopped waiting".
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        with self._cond:
            self._delays[method] = _Delay(seconds, times, after_processing)

    def outage(self, status: int = 503, methods: Iterable[str] | None = None, retry_after: int = 1) -> None:
        """Slack is down until :meth:`end_outage`: every Web API call (or only ``methods``) is answered
        with HTTP ``status`` (429 with ``Retry-After: retry_after``), or, with status 0, its connection
        is dropped unanswered. Calls are recorded."""
        with self._cond:
            kind: Literal["http", "drop"] = "drop" if status == 0 else "http"
            self._outage = _Fault(kind, 0, status=status, retry_after=retry_after, methods=frozenset(methods or ()))

    def end_outage(self) -> None:
        with self._cond:
            self._outage = None

    def read_lag(self, seconds: float) -> None:
        """Reads lag writes: ``conversations.history`` and ``.replies`` see a message only ``seconds``
        after it was posted, as Slack's reads may just after a write."""
        with self._cond:
            self._read_lag = seconds

    def _add_fault(self, method: str, fault: _Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be at least 1")
        with self._cond:
            self._faults.setdefault(method, deque()).append(fault)

    # -- request handling (called from server threads) -----------------------------------

    def _origin(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _answer(self, path: str, query: str, headers: Message, body: bytes) -> _Answer | None:
        """Route one HTTP request; None means drop the connection without a response."""
        kind, _, name = path.lstrip("/").partition("/")
        if kind == "api" and name:
            params = {**dict(parse_qsl(query)), **_parse_body(headers.get_content_type(), body)}
            params = {k: v if k in _FREE_TEXT_PARAMS else _decode_json_string(v) for k, v in params.items()}
            form_token = params.pop("token", None)
            return self._serve(name, params, _bearer(headers.get("Authorization")) or form_token)
        if kind == "response" and name:
            return self._serve("response_url", {**json.loads(body or b"{}"), "_key": name}, None)
        if kind == "upload" and name:
            return self._serve("upload", {"file_id": name, "content": body}, None)
        return _Answer(404, "not_found")

    def _serve(self, method: str, params: dict[str, Any], token: str | None) -> _Answer | None:
        delay = self._take_delay(method)
        if delay and not delay.after_processing and self._stopping.wait(delay.seconds):
            return None
        with self._cond:
            outage = self._outage
            if outage is not None and (not outage.methods or method in outage.methods):
                answer = _http_failure(outage) if outage.kind == "http" else None
                self._record(method, params, token, answer)
                return answer
            fault = self._take_fault(method)
            if fault is not None and fault.kind == "drop":
                processed = self._process(method, params, token) if fault.after_processing else None
                self._record(method, params, token, processed)
                return None
            if fault is None:
                answer = self._process(method, params, token)
            elif fault.kind == "http":
                answer = _http_failure(fault)
            else:
                answer = _Answer(200, _error(fault.error))
            self._record(method, params, token, answer)
        if delay and delay.after_processing and self._stopping.wait(delay.seconds):
            return None
        return answer

    def _take_delay(self, method: str) -> _Delay | None:
        with self._cond:
            delay = self._delays.get(method)
            if delay is None:
                return None
            if delay.remaining is not None:
                delay.remaining -= 1
                if delay.remaining == 0:
                    del self._delays[method]
            return delay if delay.seconds > 0 else None

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining == 0:
            queue.popleft()
        return fault

    def _record(self, method: str, params: dict[str, Any], token: str | None, answer: _Answer | None) -> None:
        """Record a call; ``answer`` None means the connection was dropped unanswered (status 0)."""
        status = answer.status if answer else 0
        response = copy.deepcopy(answer.body) if answer and isinstance(answer.body, dict) else None
        self._calls.append(Call(method, params, token, status, time.time(), response))
        self._cond.notify_all()

    def _process(self, method: str, params: dict[str, Any], token: str | None) -> _Answer:
        if method == "response_url":
            return _Answer(200, "ok")
        if method == "upload":
            return _Answer(200, f"OK - {len(params['content'])}")
        handler = self._api.get(method)
        if handler is None and method != "apps.connections.open":
            body = _error("unknown_method")
        elif not token:
            body = _error("not_authed")
        elif method == "apps.connections.open":
            body = self._open_connection(token)
        else:
            body = handler(params)
        # Real Slack reports the token's scopes on every Web API answer; Bolt reads them from auth.test.
        return _Answer(200, body, {"x-oauth-scopes": ",".join(self.scopes)})

    def _new_ts(self) -> str:
        micros = self._next_ts
        self._next_ts += _TS_STEP_MICROS
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        self._next_id += 1
        return f"{prefix}{self._next_id:08d}"

    # -- Web API methods (called with the lock held) ---------------------------------------

    def _open_connection(self, token: str) -> dict[str, Any]:
        # Socket Mode's handshake; only an app-level token may ask. No WebSocket server stands behind the URL.
        if not token.startswith("xapp-"):
            return _error("not_allowed_token_type")
        return {"ok": True, "url": "wss://127.0.0.1:9/link"}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.team_name.lower()}.slack.com/",
            "team": self.team_name,
            "user": "onnuri",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if not channel:
            return _error("channel_not_found")
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            return _error("no_text")
        if channel[0] in "UW":
            channel = self.dm_channel(channel)
        ts = self._new_ts()
        message = {
            "type": "message",
            "channel": channel,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": self.team_id,
            "ts": ts,
            "text": params.get("text", ""),
            **{k: params[k] for k in _MESSAGE_FIELDS if k in params},
        }
        self._messages[(channel, ts)] = message
        self._posted_at[(channel, ts)] = time.monotonic()
        return {"ok": True, "channel": channel, "ts": ts, "message": copy.deepcopy(message)}

    def _post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        # Ephemeral messages cannot be updated or fetched later, so they are not kept in messages().
        if not params.get("channel"):
            return _error("channel_not_found")
        return {"ok": True, "message_ts": self._new_ts()}

    def _update_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel")), str(params.get("ts"))
        message = self._messages.get((channel, ts))
        if message is None:
            return _error("message_not_found")
        message.update({k: params[k] for k in ("text", "blocks", "attachments", "metadata") if k in params})
        message["edited"] = {"user": BOT_USER_ID, "ts": self._new_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _delete_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel")), str(params.get("ts"))
        if self._messages.pop((channel, ts), None) is None:
            return _error("message_not_found")
        return {"ok": True, "channel": channel, "ts": ts}

    def _permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel")), str(params.get("message_ts"))
        link = f"https://{self.team_name.lower()}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _view(self, params: dict[str, Any], *, needs: tuple[str, ...]) -> dict[str, Any]:
        """Echo the view back as Slack does, with server-assigned fields. ``needs``: any-of args."""
        view = params.get("view")
        if not isinstance(view, dict) or not any(params.get(n) for n in needs):
            return _error("invalid_arguments")
        view_id = params.get("view_id") or self._new_id("V")
        return {
            "ok": True,
            "view": {
                "callback_id": "",
                "private_metadata": "",
                "external_id": "",
                **view,
                "id": view_id,
                "team_id": self.team_id,
                "app_id": APP_ID,
                "bot_id": BOT_ID,
                "root_view_id": view_id,
                "state": {"values": {}},
                "hash": f"{self._new_ts()}.{view_id}",
            },
        }

    def _user_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = copy.deepcopy(self._users.get(str(params.get("user"))))
        if user is None:
            return _error("user_not_found")
        if params.get("include_locale") not in (True, "1", "true"):
            del user["locale"]  # Slack only sends locale when asked for it
        return {"ok": True, "user": user}

    def _conversation_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if not channel:
            return _error("channel_not_found")
        kind = channel[0]
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": channel.lower(),
                "is_channel": kind == "C",
                "is_group": kind == "G",
                "is_im": kind == "D",
                "is_private": kind != "C",
                "is_archived": False,
                "is_member": True,
                "created": 1_700_000_000,
            },
        }

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages of a channel, newest first; metadata only with include_all_metadata."""
        channel = str(params.get("channel") or "")
        if not channel or channel[0] in "UW":
            return _error("channel_not_found")
        oldest = float(params.get("oldest") or 0)
        limit = int(params.get("limit") or 100)
        with_metadata = params.get("include_all_metadata") in (True, "1", "true")
        found = sorted(
            (
                m
                for m in self._readable()
                if m["channel"] == channel and float(m["ts"]) >= oldest and not m.get("thread_ts")
            ),
            key=lambda m: float(m["ts"]),
            reverse=True,
        )[:limit]
        return {"ok": True, "messages": _as_read(found, with_metadata), "has_more": False}

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread, oldest first: its parent, then its replies; pages of ``limit`` through ``cursor``;
        metadata only with include_all_metadata."""
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        if not channel or channel[0] in "UW":
            return _error("channel_not_found")
        if (channel, ts) not in self._messages:
            return _error("thread_not_found")
        limit = int(params.get("limit") or 1000)
        start = int(params.get("cursor") or 0)
        thread = sorted(
            (m for m in self._readable() if m["channel"] == channel and (m["ts"] == ts or m.get("thread_ts") == ts)),
            key=lambda m: float(m["ts"]),
        )
        page = thread[start : start + limit]
        more = start + limit < len(thread)
        with_metadata = params.get("include_all_metadata") in (True, "1", "true")
        return {
            "ok": True,
            "messages": _as_read(page, with_metadata),
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _readable(self) -> Iterable[dict[str, Any]]:
        """Messages a read sees now: with a read lag, not those posted within it."""
        now = time.monotonic()
        for key, message in self._messages.items():
            if now - self._posted_at.get(key, 0.0) >= self._read_lag:
                yield message

    def _open_conversation(self, params: dict[str, Any]) -> dict[str, Any]:
        users = params.get("users") or []
        ids = users if isinstance(users, list) else [u for u in str(users).split(",") if u]
        if not ids:
            return _error("users_list_not_supplied")
        channel = self.dm_channel(ids[0]) if len(ids) == 1 else "G" + "".join(sorted(u[1:] for u in ids))
        return {"ok": True, "channel": {"id": channel}}

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = self._new_id("F")
        self._files[file_id] = str(params.get("filename", ""))
        return {"ok": True, "upload_url": f"{self._origin()}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return _error("invalid_arguments")
        if any(f.get("id") not in self._files for f in files):
            return _error("file_not_found")
        return {
            "ok": True,
            "files": [
                {"id": f["id"], "name": self._files[f["id"]], "title": f.get("title") or self._files[f["id"]]}
                for f in files
            ],
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for handlers sleeping in an injected delay

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = self.server.fake._answer(url.path, url.query, self.headers, body)
        if answer is None:
            self.close_connection = True  # no status line at all: the client sees a dropped connection
            return
        if isinstance(answer.body, dict):
            payload, content_type = json.dumps(answer.body).encode(), "application/json; charset=utf-8"
        else:
            payload, content_type = answer.body.encode(), "text/plain; charset=utf-8"
        self.send_response(answer.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean; failures are visible through the recorded calls."""


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """slack_sdk sends most methods form-encoded and some (chat.*, views.*) as JSON."""
    if not body:
        return {}
    if content_type == "application/json":
        return dict(json.loads(body))
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def _decode_json_string(value: Any) -> Any:
    """Form-encoded ``blocks``/``view``/``files`` arrive as JSON strings; tests want them parsed."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.startswith("Bearer "):
        return authorization.removeprefix("Bearer ")
    return None


def _error(code: str) -> dict[str, Any]:
    return {"ok": False, "error": code}


def _as_read(messages: Iterable[dict[str, Any]], with_metadata: bool) -> list[dict[str, Any]]:
    copies = [copy.deepcopy(m) for m in messages]
    if not with_metadata:
        for message in copies:
            message.pop("metadata", None)
    return copies


def _http_failure(fault: _Fault) -> _Answer:
    if fault.status == 429:
        return _Answer(429, _error("ratelimited"), {"Retry-After": str(fault.retry_after)})
    return _Answer(fault.status, _error("internal_error"))


def _describe(call: Call) -> str:
    if call.ok:
        return call.method
    error = (call.response or {}).get("error", "")
    return f"{call.method}({call.status}{' ' + error if error else ''})"
