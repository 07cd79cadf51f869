"""Delivering the outbox to Slack: once per row, rate limited, retried, never lost.

A worker thread wakes when a transaction that queued something commits (and every few
seconds anyway, to pick up retries and rows left by a crash). Each row is claimed with a
conditional update, so several processes can run workers side by side.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from kit import profiles
from kit.reader import Reader, reader_from
from scheduler import notifications
from services import notices, outbox, users
from services.organisation import Organisation
from services.outbox import Pending
from services.terms import OutboxStatus
from services.unit_of_work import utcnow, write_transaction

log = logging.getLogger(__name__)

CHANNEL_SPACING = timedelta(seconds=1)
HOME = notices.HomeRefresh.kind
HOME_SPACING = timedelta(seconds=3)
POLL_INTERVAL = 5.0
METADATA_EVENT = "onnuri_outbox"
HISTORY_LOOKBACK = 200  # messages of the channel searched for an earlier post of a retried row
DRAIN_NAP = 0.25
MAX_BACKOFF = timedelta(minutes=10)
RETRY_AFTER_CAP = 300  # seconds: a Retry-After beyond this is not believed
# Errors that no retry can fix: the message is marked dead at once.
PERMANENT_ERRORS = {
    "channel_not_found",
    "user_not_found",
    "is_archived",
    "account_inactive",
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "no_text",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "missing_scope",
    "restricted_action",
    "cannot_dm_bot",
}


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    waiting: int = 0
    coalesced: int = 0
    errors: list[str] = field(default_factory=list)


class OutboxDelivery:
    """Sends due outbox rows. `deliver_due()` is one pass; `start()` runs passes in a thread."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client: WebClient,
        org: Organisation,
        clock: Callable[[], datetime] = utcnow,
        content_clock: Callable[[], datetime] | None = None,
        retry_base_seconds: float = 2.0,
        channel_spacing: timedelta = CHANNEL_SPACING,
        home_spacing: timedelta = HOME_SPACING,
        wake_event: threading.Event | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.client = client
        self.org = org
        self.clock = clock  # when rows are due and sent
        self.content_clock = content_clock or clock  # what "now" is in what the messages say
        self.retry_base_seconds = retry_base_seconds
        self.channel_spacing = channel_spacing
        self.home_spacing = home_spacing
        self.calendar = org.calendar
        self.rules = org.rules
        self._wake = wake_event or threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pass_lock = threading.Lock()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="outbox-delivery", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before the pass, so a commit during it wakes the next one at once
            try:
                wait = self.deliver_due()
            except Exception:
                log.exception("outbox delivery pass failed")
                wait = POLL_INTERVAL
            self._wake.wait(wait)

    def deliver_due(self, batch: int = 50) -> float:
        """One pass over due rows; returns how long the worker may sleep before the next."""
        with self._pass_lock:
            self.deliver_pass(batch)
        return min(self._seconds_until_next_due(), POLL_INTERVAL)

    def _seconds_until_next_due(self) -> float:
        with self.session_factory() as session:
            due = outbox.next_due_at(session)
        if due is None:
            return POLL_INTERVAL
        return max(0.0, (due - self.clock()).total_seconds())

    def deliver_pass(self, batch: int = 50) -> DeliveryStats:
        stats = DeliveryStats()
        now = self.clock()
        with self.session_factory() as session:
            ids = outbox.due_ids(session, now, limit=batch)
        for message_id in ids:
            self._deliver_one(message_id, stats)
        return stats

    def drain(self, timeout: float = 30.0) -> DeliveryStats:
        """Deliver until no row is pending, waiting out spacing and retries up to `timeout`;
        for the CLI and tests. Rows still pending at the deadline stay queued."""
        total = DeliveryStats()
        deadline = time.monotonic() + timeout
        while True:
            with self._pass_lock:
                stats = self.deliver_pass()
            for name in ("sent", "retried", "dead", "skipped", "waiting", "coalesced"):
                setattr(total, name, getattr(total, name) + getattr(stats, name))
            total.errors += stats.errors
            with self.session_factory() as session:
                pending_left = outbox.next_due_at(session) is not None
            remaining = deadline - time.monotonic()
            if not pending_left or remaining <= 0:
                return total
            # short naps: a row claimed by another worker looks due only when its lease ends
            time.sleep(min(max(self._seconds_until_next_due(), 0.05), DRAIN_NAP, remaining))

    def _spacing(self, pending: Pending) -> timedelta:
        # A Home redraws everything at once, so a slower pace lets one publish stand for a burst of changes.
        return max(self.channel_spacing, self.home_spacing) if pending.kind == HOME else self.channel_spacing

    def _deliver_one(self, message_id: int, stats: DeliveryStats) -> None:
        now = self.clock()
        with write_transaction(self.session_factory) as session:
            pending = outbox.claim(session, message_id, now)
            if pending is None:
                return
            busy_until = outbox.reserve_channel(
                session, pending.team_id, _pace_key(pending), now, self._spacing(pending)
            )
            if busy_until is not None:
                outbox.release(session, pending.id, busy_until)
        if busy_until is not None:
            stats.waiting += 1
            return
        covered: list[int] = []
        try:
            reader = self._reader(pending)
            with self.session_factory() as session:
                # a kind rendered whole from current state (a Home, a discussion card): one delivery stands
                # for every older pending row of the same subject
                prefix = notices.parse(pending.kind, pending.payload).coalescing_prefix(pending.recipient)
                if prefix:
                    covered = outbox.siblings(session, pending, prefix)
                outgoing = notifications.render(session, pending, reader, self.content_clock(), self.rules)
        except Exception as error:
            log.exception("outbox %s (%s) could not be rendered", pending.id, pending.kind)
            self._fail(pending, f"render: {type(error).__name__}", None, stats)
            return
        if outgoing is None:
            with write_transaction(self.session_factory) as session:
                outbox.mark_failed(session, pending.id, error="subject no longer exists", retry_at=None)
            stats.skipped += 1
            return
        if isinstance(outgoing, notifications.NotYet):
            with write_transaction(self.session_factory) as session:
                outbox.release(session, pending.id, self.clock() + outgoing.delay)
            stats.waiting += 1
            return
        if outgoing.method == "chat.postMessage":
            outgoing = _tagged(outgoing, pending)
            if pending.attempts > 1 and self._already_posted(pending, outgoing, stats):
                return
        self._send(pending, outgoing, stats, covered)

    def _already_posted(self, pending: Pending, outgoing: notifications.Outgoing, stats: DeliveryStats) -> bool:
        """A retried post may have reached Slack the first time (a reset connection, a process killed
        before it recorded the answer): the message carries its outbox key in its metadata, so look for
        it before posting again, and record the one that is there."""
        try:
            channel = str(outgoing.args["channel"])
            if channel[:1] in ("U", "W"):
                channel = self.client.conversations_open(users=channel)["channel"]["id"]
            history = self.client.conversations_history(
                channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
            )
        except (SlackApiError, OSError) as error:
            log.info("outbox %s: could not check for an earlier post (%s); posting", pending.id, type(error).__name__)
            return False
        for message in history.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("outbox") == _outbox_tag(pending):
                with write_transaction(self.session_factory) as session:
                    outbox.mark_sent(session, pending.id, channel=channel, ts=message.get("ts"))
                    if outgoing.on_sent is not None:
                        outgoing.on_sent(session, channel, message.get("ts"))
                stats.sent += 1
                log.info("outbox %s was already in Slack; recorded, not posted twice", pending.id)
                return True
        return False

    def _reader(self, pending: Pending) -> Reader:
        """The recipient's language and zone; a person Slack has not told us about yet is looked up."""
        recipient = pending.recipient
        if recipient[:1] not in ("U", "W"):
            return Reader(user_id="", locale=self.org.locale, tz=self.org.timezone)
        with self.session_factory() as session:
            person = users.get_person(session, pending.team_id, recipient)
        if person is None or not person.profile_known:
            person = (
                profiles.refresh(self.client, self.session_factory, pending.team_id, recipient, self.clock()) or person
            )
        return reader_from(person, recipient, self.org)

    def _send(
        self, pending: Pending, outgoing: notifications.Outgoing, stats: DeliveryStats, covered: list[int]
    ) -> None:
        try:
            response = self._call(outgoing)
        except SlackApiError as error:
            status = error.response.status_code
            code = str(error.response.get("error") or status)
            if status == 429:
                retry_after = _retry_after(error)
                until = self.clock() + timedelta(seconds=retry_after)
                with write_transaction(self.session_factory) as session:
                    outbox.hold_channel(session, pending.team_id, _pace_key(pending), until)
                    outbox.release(session, pending.id, until)
                stats.retried += 1
                log.info("outbox %s rate limited; retrying in %ss", pending.id, retry_after)
                return
            retry_at = None if code in PERMANENT_ERRORS else self._backoff(pending.attempts)
            self._fail(pending, code, retry_at, stats)
            return
        except OSError as error:  # connection refused / reset, timeouts
            self._fail(pending, f"connection: {type(error).__name__}", self._backoff(pending.attempts), stats)
            return
        with write_transaction(self.session_factory) as session:
            # the pace counts from when Slack took the message, not from when the slot was reserved
            outbox.hold_channel(session, pending.team_id, _pace_key(pending), self.clock() + self._spacing(pending))
            outbox.mark_sent(session, pending.id, channel=response.get("channel"), ts=response.get("ts"))
            if outgoing.on_sent is not None:
                outgoing.on_sent(session, response.get("channel"), response.get("ts"))
            stats.coalesced += outbox.coalesce(session, covered, self.clock())
        stats.sent += 1

    def _call(self, outgoing: notifications.Outgoing):
        try:
            return self.client.api_call(outgoing.method, json=outgoing.args)
        except SlackApiError as error:
            if error.response.get("error") != "not_in_channel" or outgoing.method != "chat.postMessage":
                raise
            # A public project channel the bot was never invited to: join it, then post once more.
            self.client.conversations_join(channel=outgoing.args["channel"])
            return self.client.api_call(outgoing.method, json=outgoing.args)

    def _backoff(self, attempts: int) -> datetime:
        delay = min(timedelta(seconds=self.retry_base_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)
        return self.clock() + delay

    def _fail(self, pending: Pending, error: str, retry_at: datetime | None, stats: DeliveryStats) -> None:
        with write_transaction(self.session_factory) as session:
            status = outbox.mark_failed(session, pending.id, error=error, retry_at=retry_at)
        if status is OutboxStatus.DEAD:
            stats.dead += 1
            log.warning("outbox %s (%s) gave up: %s", pending.id, pending.kind, error)
        else:
            stats.retried += 1
            log.info("outbox %s (%s) will retry: %s", pending.id, pending.kind, error)
        stats.errors.append(error)


def _outbox_tag(pending: Pending) -> str:
    return f"{pending.team_id}:{pending.id}"


def _tagged(outgoing: notifications.Outgoing, pending: Pending) -> notifications.Outgoing:
    """The post carries its outbox row in Slack's message metadata, so a retry can find it."""
    metadata = {"event_type": METADATA_EVENT, "event_payload": {"outbox": _outbox_tag(pending)}}
    return replace(outgoing, args={**outgoing.args, "metadata": metadata})


def _pace_key(pending: Pending) -> str:
    """Messages to a channel or DM keep one pace; a person's App Home keeps its own."""
    return f"home:{pending.recipient}" if pending.kind == HOME else pending.recipient


def _retry_after(error: SlackApiError) -> int:
    """Slack's Retry-After in seconds, within 1 and RETRY_AFTER_CAP."""
    headers = {k.lower(): v for k, v in (error.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit() and len(text) <= 6):
        return 30
    return min(max(1, int(text)), RETRY_AFTER_CAP)
