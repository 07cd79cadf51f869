"""`onnuri console`: the real bot (the same handlers, services and Block Kit) behind a local fake Slack,
driven from the terminal. Each line is sent as the signed request Slack would send; what the bot sent
back is read from the fake and shown as the current person would see it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.console import render
from bot.fakeslack.payloads import SlackRequests
from bot.fakeslack.web_api import Call, FakeSlack
from bot.manifest import BOT_SCOPES
from bot.runtime import build_runtime
from bot.settings import Settings
from bot.web import make_wsgi_app, run_until_closed, serve
from scheduler import jobs
from scheduler.delivery import OutboxDelivery
from services import projects

TEAM = "T0DEMO"
SECRET = "console-signing-secret"
TOKEN = "xoxb-console-not-a-real-token"
DEFAULT_CHANNEL = "C0GENERAL"


class InlineExecutor(Executor):
    """Runs each listener at once, so a request's whole effect is done when its answer comes back."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # the future carries it, as a pool's would
            future.set_exception(error)
        return future


_STEP = re.compile(r"\+(\d{1,4})([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def _moment(text: str, now: datetime, timezone: str) -> datetime | None:
    """An ISO moment (read in `timezone` without an offset) or a step forward from `now` (+1d, +2h, +30m)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    if step := _STEP.fullmatch(text):
        return now.astimezone(zone) + timedelta(**{_UNITS[step.group(2)]: int(step.group(1))})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


class Clock:
    """The console's time: real time, or a moment set with :time that then moves on in real time."""

    def __init__(self) -> None:
        self.base: datetime | None = None
        self.started = time.monotonic()

    def __call__(self) -> datetime:
        if self.base is None:
            return datetime.now(UTC)
        return self.base + timedelta(seconds=time.monotonic() - self.started)

    def set(self, moment: datetime) -> None:
        self.base, self.started = moment, time.monotonic()


@dataclass
class Person:
    user_id: str
    name: str
    real_name: str
    tz: str = "Asia/Seoul"
    locale: str = "ko-KR"
    department: str = ""
    title: str = ""


@dataclass
class Screen:
    """What was shown last, so :click N and modals know what they refer to."""

    controls: render.Controls = field(default_factory=render.Controls)
    home: dict[str, Any] | None = None
    channel: str | None = None  # the channel :show showed last, and its top-level messages for :reply N
    messages: list[str] = field(default_factory=list)


Ask = Callable[[str], str]
Say = Callable[[str], None]


class Console:
    def __init__(
        self,
        database_url: str,
        people: list[Person],
        *,
        admins: frozenset[str],
        user: str,
        say: Say,
        ask: Ask,
        workspace_file: Path | None = None,
    ) -> None:
        self.say, self.ask = say, ask
        self.fake = FakeSlack(team_id=TEAM, scopes=list(BOT_SCOPES)).start()
        # the fake Slack keeps its messages beside the database, so DMs and cards outlive a session
        self.workspace_file = workspace_file
        saved: dict[str, Any] = {}
        if workspace_file is not None and workspace_file.exists():
            saved = json.loads(workspace_file.read_text(encoding="utf-8"))
            self.fake.restore(saved)
        self.people = {p.user_id: p for p in people}
        for p in people:
            self.fake.add_user(p.user_id, name=p.name, real_name=p.real_name, tz=p.tz, locale=p.locale, team_id=TEAM)
        self.settings = Settings(
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=self.fake.url,
            database_url=database_url,
            admins=admins,
        )
        self.clock = Clock()
        if saved.get("clock"):  # the demo's clock, or where :time left it last time
            self.clock.set(datetime.fromisoformat(saved["clock"]))
        self.runtime = build_runtime(self.settings, executor=InlineExecutor(), clock=self.clock)
        # the console delivers after every step, on its own clock, without Slack's pacing to wait out
        self.delivery = OutboxDelivery(
            self.runtime.session_factory,
            self.runtime.delivery.client,
            self.runtime.org,
            content_clock=self.clock,  # what messages say follows the console's time; sending, the real one
            channel_spacing=timedelta(0),
            home_spacing=timedelta(0),
        )
        self.server = serve(
            make_wsgi_app(self.runtime.app, self.runtime.engine, self.settings), port=0, host="127.0.0.1"
        )
        self._thread = threading.Thread(target=run_until_closed, args=(self.server,), daemon=True)
        self._thread.start()
        self.slack = SlackRequests(
            f"http://127.0.0.1:{self.server.effective_port}", SECRET, fake=self.fake, team_id=TEAM
        )
        self.user = user
        self.channel = DEFAULT_CHANNEL
        self.screen = Screen()
        self._elsewhere: Counter[str] = Counter()
        self._my_channels: set[str] = set()
        self._seen = 0
        self.deliver()
        self._seen = len(self.fake.calls)

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        if self.workspace_file is not None:
            state = self.fake.snapshot()
            if self.clock.base is not None:
                state["clock"] = self.clock().isoformat()
            self.workspace_file.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        self.server.close()
        self.runtime.close()
        self.fake.stop()

    # -- names ---------------------------------------------------------------------------

    def name(self, user_id: str) -> str:
        person = self.people.get(user_id)
        return person.real_name if person else user_id

    def find_person(self, text: str) -> str | None:
        text = text.lstrip("@")
        for p in self.people.values():
            if text in (p.user_id, p.name, p.real_name):
                return p.user_id
        return None

    # -- sending what Slack would send ---------------------------------------------------

    def slack_text(self, text: str) -> str:
        """What Slack sends for typed text with should_escape: entities, and mentions as tokens."""
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        def mention(match: re.Match[str]) -> str:
            found = self.find_person(match.group(1))
            return f"<@{found}|{self.people[found].name}>" if found else match.group(0)

        escaped = re.sub(r"@(\S+)", mention, escaped)
        return re.sub(r"(?<!\S)#(C[A-Z0-9]+)", r"<#\1|\1>", escaped)

    def command(self, line: str) -> None:
        command, _, text = line.strip().partition(" ")
        reply = self.slack.command(command, self.slack_text(text), user_id=self.user, channel_id=self.channel)
        if reply.status != 200:
            self.say(f"(Slack would show: {command} failed with HTTP {reply.status})")
        self.after()

    def click(self, number: int) -> None:
        found = self.screen.controls.items.get(number)
        if found is None:
            self.say(f"There is no button [{number}] on the screen. :help lists what you can do.")
            return
        control, where = found
        if where.get("kind") == "home":
            reply = self.slack.block_action(
                control.action_id,
                value=control.value if control.kind == "button" else None,
                selected_option=control.value if control.kind == "select" else None,
                action_type="button" if control.kind == "button" else "static_select",
                user_id=self.user,
                container_type="view",
                view=where.get("view"),
                block_id=control.block_id or "b1",
            )
        else:
            reply = self.slack.block_action(
                control.action_id,
                value=control.value if control.kind == "button" else None,
                selected_option=control.value if control.kind == "select" else None,
                action_type="button" if control.kind == "button" else "static_select",
                user_id=self.user,
                channel_id=where.get("channel", self.channel),
                message_ts=where.get("ts"),
                block_id=control.block_id or "b1",
            )
        if reply.status != 200:
            self.say(f"(the click failed with HTTP {reply.status})")
        self.after()

    def home(self) -> None:
        self.slack.event({"type": "app_home_opened", "user": self.user, "tab": "home", "channel": "D" + self.user[1:]})
        self.deliver()
        published = [c for c in self.fake.calls_to("views.publish", user_id=self.user) if c.ok]
        self._seen = len(self.fake.calls)
        if not published:
            self.say("(App Home is empty)")
            return
        view = published[-1].params["view"]
        self.screen.controls.clear()
        where = {"kind": "home", "view": {"id": published[-1].response.get("view", {}).get("id", "V0HOME"), **view}}
        self.say("\n".join(["━━ App Home ━━", *render.view(view, self.screen.controls, where, self.name)]))

    def inbox(self) -> None:
        messages = self.fake.messages(self.fake.dm_channel(self.user))
        self.screen.controls.clear()
        if not messages:
            self.say("(no direct messages)")
            return
        for message in messages:
            where = {"channel": message["channel"], "ts": message["ts"]}
            self.say(
                "\n".join(["── DM from Onnuri ──", *render.message(message, self.screen.controls, where, self.name)])
            )

    def show_channel(self, channel: str, limit: int = 10) -> None:
        """A channel's last messages, numbered for :reply N, each with its thread's replies under it."""
        everything = self.fake.messages(channel)
        top = sorted((m for m in everything if not m.get("thread_ts") or m["thread_ts"] == m["ts"]), key=_ts)
        self.screen.controls.clear()
        self.screen.channel, self.screen.messages = channel, [m["ts"] for m in top]
        if not top:
            self.say(f"(no messages in #{channel})")
            return
        first = max(0, len(top) - limit)
        if first:
            self.say(f"({first} earlier messages in #{channel} not shown)")
        for number, message in enumerate(top[first:], first + 1):
            where = {"channel": channel, "ts": message["ts"]}
            author = "Onnuri" if message.get("bot_id") else "@" + self.name(str(message.get("user", "")))
            lines = [f"── #{channel} · message {number} · {author} ──"]
            lines += render.message(message, self.screen.controls, where, self.name)
            replies = sorted((m for m in everything if m.get("thread_ts") == message["ts"] != m["ts"]), key=_ts)
            for reply in replies:
                who = "Onnuri" if reply.get("bot_id") else "@" + self.name(str(reply.get("user", "")))
                text = render.mrkdwn(str(reply.get("text", "")), self.name).replace("\n", "\n      ")
                lines.append(f"    ↳ {who}: {text}")
            if replies:
                count = f"{len(replies)} reply" if len(replies) == 1 else f"{len(replies)} replies"
                lines.append(f"    ({count}; :reply {number} TEXT to add one)")
            self.say("\n".join(lines))

    def reply(self, number: int, text: str) -> None:
        """Posts `text` as the current person in the thread of message `number` of the channel last shown,
        and sends the bot the `message` event Slack would send for it."""
        if not self.screen.channel:
            self.say("Show a channel first: :show C0ATOPY")
            return
        if not 0 < number <= len(self.screen.messages):
            self.say(f"There is no message {number} in #{self.screen.channel}. :show {self.screen.channel} lists them.")
            return
        if not text.strip():
            self.say(f"What is the reply? e.g. :reply {number} 북부가 좋겠습니다")
            return
        channel, thread_ts = self.screen.channel, self.screen.messages[number - 1]
        ts = self._user_message(channel, self.slack_text(text.strip()), thread_ts)
        event = {
            "type": "message",
            "channel": channel,
            "channel_type": "channel",
            "user": self.user,
            "text": self.slack_text(text.strip()),
            "ts": ts,
            "thread_ts": thread_ts,
        }
        answer = self.slack.event(event)
        if answer.status != 200:
            self.say(f"(Slack would retry: the bot answered the reply with HTTP {answer.status})")
        self.say(f"↳ replied in the thread of message {number} in #{channel}.")
        self.after()

    def _user_message(self, channel: str, text: str, thread_ts: str) -> str:
        """Puts a person's message into the fake Slack (as Slack keeps what people type) and returns its ts."""
        state = self.fake.snapshot()
        micros = int(state["next_ts"])
        ts = f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
        message = {"type": "message", "channel": channel, "user": self.user, "team": TEAM, "text": text, "ts": ts}
        self.fake.restore({"messages": [{**message, "thread_ts": thread_ts}], "next_ts": micros + 100})
        return ts

    def move_clock(self, text: str) -> None:
        """`:time ISO` or `:time +1d` / `+2h` / `+30m`; the clock never goes back unless asked with `:time! …`,
        since what was sent cannot be unsent and would read out of order."""
        force, text = text.startswith("!"), text.lstrip("!").strip()
        moment = _moment(text, self.clock(), self.settings.timezone)
        if moment is None:
            self.say("Give a date and time, e.g. :time 2026-12-07T10:00 (read in Asia/Seoul), or a step: :time +1d")
            return
        if moment < self.clock() and not force:
            now = self.clock().astimezone(moment.tzinfo).isoformat(timespec="minutes")
            self.say(f"That is before the console's time ({now}); the clock only moves forward (:time! to force).")
            return
        self.clock.set(moment.astimezone(UTC))
        queued = jobs.tick(self.runtime.session_factory, self.runtime.org, self.clock())
        self.say(
            f"⏰ {moment.isoformat(timespec='minutes')}: the scheduler queued "
            + ", ".join(f"{k} {v}" for k, v in queued.items())
        )
        self.after()

    # -- what came back ------------------------------------------------------------------

    def deliver(self) -> None:
        self.delivery.drain(timeout=10)

    def after(self) -> None:
        """Delivers what the step queued, then shows what the current person would see of it."""
        self.deliver()
        self.screen.controls.clear()
        self._elsewhere: Counter[str] = Counter()
        self._my_channels = self.channels_of(self.user)
        while calls := self.fake.calls[self._seen :]:  # a form filled in along the way brings more
            self._seen += len(calls)
            self._my_channels = self.channels_of(self.user)  # a project made in that form has a channel now
            for call in calls:
                if call.ok:
                    self.show(call)
        if self._elsewhere:
            self.say("  → also sent: " + ", ".join(f"{where} ({n})" for where, n in self._elsewhere.items()))

    def channels_of(self, user: str) -> set[str]:
        """The channels of the person's projects: the ones they would be reading."""
        with self.runtime.session_factory() as session:
            return {p.channel_id for p in projects.list_mine(session, TEAM, user) if p.channel_id}

    def show(self, call: Call) -> None:
        params = call.params
        me = self.user
        if call.method == "response_url" or (call.method == "chat.postEphemeral" and params.get("user") == me):
            if params.get("delete_original"):
                return
            where = {"channel": self.channel, "ts": None}
            self.say(
                "\n".join(
                    ["── only you can see this ──", *render.message(params, self.screen.controls, where, self.name)]
                )
            )
        elif call.method == "chat.postMessage":
            channel = str(call.response.get("channel") or params.get("channel"))
            where = {"channel": channel, "ts": call.response.get("ts")}
            if channel == self.fake.dm_channel(me):
                title = "── DM from Onnuri ──"
            elif channel.startswith("D"):
                self._elsewhere[f"DM to {self.name('U' + channel[1:])}"] += 1
                return
            elif channel not in self._my_channels and channel != self.channel:
                self._elsewhere[f"#{channel}"] += 1
                return
            else:
                thread = " (in a thread)" if params.get("thread_ts") else ""
                title = f"── #{channel}{thread} ──"
            self.say("\n".join([title, *render.message(params, self.screen.controls, where, self.name)]))
        elif call.method == "chat.update":
            channel = str(params.get("channel"))
            if channel != self.fake.dm_channel(me) and channel not in self._my_channels and channel != self.channel:
                return
            where = {"channel": channel, "ts": params.get("ts")}
            self.say(
                "\n".join(
                    [f"── updated in #{channel} ──", *render.message(params, self.screen.controls, where, self.name)]
                )
            )
        elif call.method == "views.open":
            self.fill(params["view"], str((call.response.get("view") or {}).get("id", "")))

    # -- modals ----------------------------------------------------------------------------

    def fill(self, view: dict[str, Any], view_id: str = "") -> None:
        """Asks for each input of a modal in turn, then submits it as Slack would; errors ask again.
        An input that dispatches its choice (the progress form's project) is sent at once, like Slack
        does, and the rest of the questions come from the form the bot redraws."""
        title = render.mrkdwn(str(view.get("title", {}).get("text", "")))
        self.say(f"┌ {title} ┐  (answer each question; an empty answer leaves an optional field empty, :cancel stops)")
        answers: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        for attempt in range(3):
            position = 0
            while position < len(inputs := [b for b in view.get("blocks", []) if b.get("type") == "input"]):
                block = inputs[position]
                position += 1
                block_id = block["block_id"]
                if attempt and block_id not in errors:
                    continue  # a second round asks again only what was refused
                if block_id in errors:
                    self.say(f"  ⚠ {errors[block_id]}")
                entry = self.ask_input(block)
                if entry is None:
                    self.say("(form cancelled)")
                    return
                answers[block_id] = {block["element"].get("action_id", "value"): entry}
                if block.get("dispatch_action") and entry.get("selected_option"):
                    view = self.dispatch(view, view_id, block, entry["selected_option"]["value"])
            reply = self.slack.view_submission(
                str(view.get("callback_id", "")),
                answers,
                user_id=self.user,
                private_metadata=str(view.get("private_metadata", "")),
            )
            body = reply.json if reply.body else None
            if isinstance(body, dict) and body.get("response_action") == "errors":
                errors = body.get("errors", {})
                continue
            self.deliver()
            return
        self.say("(the form still had errors; it was not saved)")

    def dispatch(self, view: dict[str, Any], view_id: str, block: dict[str, Any], value: str) -> dict[str, Any]:
        """Sends a choice the form reacts to, and returns the form as the bot redrew it."""
        before = len(self.fake.calls)
        self.slack.block_action(
            block["element"].get("action_id", "value"),
            selected_option=value,
            action_type=block["element"].get("type", "static_select"),
            user_id=self.user,
            container_type="view",
            view={**view, "id": view_id or "V0FORM"},
            block_id=block["block_id"],
        )
        self.deliver()
        redrawn = [c for c in self.fake.calls[before:] if c.method == "views.update" and c.ok]
        return redrawn[-1].params["view"] if redrawn else view

    def ask_input(self, block: dict[str, Any]) -> dict[str, Any] | None:
        element = block["element"]
        kind = element.get("type")
        label = render.mrkdwn(str(block.get("label", {}).get("text", "")))
        optional = " (optional)" if block.get("optional") else ""
        if block.get("hint", {}).get("text"):
            self.say(f"  💡 {render.mrkdwn(str(block['hint']['text']))}")
        if kind in ("static_select", "checkboxes"):
            options = element.get("options", [])
            listing = "  ".join(f"{n}) {o['text']['text']}" for n, o in enumerate(options, 1))
            initial = element.get("initial_option")
            hint = f" [Enter: {initial['text']['text']}]" if initial else ""
            while True:
                answer = self.ask(f"{label}{optional}: {listing}{hint} > ")
                if answer.strip() == ":cancel":
                    return None
                chosen = choices(answer, options, many=kind == "checkboxes")
                if chosen is not None:
                    break
                self.say(
                    f"  ⚠ {answer.strip()!r} is none of the choices: type a number from 1 to {len(options)}"
                    + (" (several, separated by spaces)" if kind == "checkboxes" else "")
                    + (", or Enter for the one in [brackets]" if initial else "")
                )
            if kind == "checkboxes":
                return {"type": kind, "selected_options": chosen}
            return {"type": kind, "selected_option": (chosen[0] if chosen else initial)}
        hint = {
            "users_select": " (a person: @name or user id)",
            "multi_users_select": " (people, separated by spaces)",
            "conversations_select": " (a channel id, e.g. C0ATOPY)",
            "datepicker": " (YYYY-MM-DD)",
            "number_input": " (a number)",
        }.get(kind, "")
        initial = element.get("initial_value") or element.get("initial_date") or ""
        initial_users = element.get("initial_users") or []
        if initial_users:
            initial = " ".join(self.people[u].name if u in self.people else u for u in initial_users)
        if element.get("initial_conversation"):
            initial = element["initial_conversation"]
        shown = f" [Enter: {initial}]" if initial else ""
        answer = self.ask(f"{label}{optional}{hint}{shown} > ")
        if answer.strip() == ":cancel":
            return None
        text = answer.strip() or initial
        if kind == "plain_text_input":
            return {"type": kind, "value": text.replace("\\n", "\n") or None}
        if kind == "number_input":
            return {"type": kind, "value": text or None}
        if kind == "datepicker":
            return {"type": kind, "selected_date": text or None}
        if kind == "conversations_select":
            return {"type": kind, "selected_conversation": text or None}
        people = [p for p in (self.find_person(w) for w in text.split()) if p]
        if kind == "users_select":
            return {"type": kind, "selected_user": people[0] if people else None}
        return {"type": kind, "selected_users": people}


def _ts(message: dict[str, Any]) -> float:
    return float(message["ts"])


def choices(answer: str, options: list[dict[str, Any]], *, many: bool) -> list[dict[str, Any]] | None:
    """The options an answer picks: numbers from the menu, or an option's exact text or the key in its
    parentheses (`ATOPY` for "아토피 없는 경기도 (ATOPY)"); None when any part matches nothing, so the
    question is asked again rather than the default taken. An empty answer picks nothing."""
    words = answer.split() if many else ([answer.strip()] if answer.strip() else [])
    chosen: list[dict[str, Any]] = []
    for word in words:
        if word.isdigit() and 0 < int(word) <= len(options):
            chosen.append(options[int(word) - 1])
            continue
        named = [
            o
            for o in options
            if word.casefold() in (o["text"]["text"].casefold(), str(o.get("value", "")).casefold())
            or o["text"]["text"].casefold().endswith(f"({word.casefold()})")
        ]
        if len(named) != 1:
            return None
        chosen.append(named[0])
    return chosen


def pretty(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2)
