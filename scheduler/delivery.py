"""Delivering the outbox to Slack: once per row, rate limited, retried, never lost.

Worker threads wake when a transaction that queued something commits (and every few seconds anyway, to
pick up retries and rows left by a crash). Each claims a few due rows at a time, the most urgent kinds
first (a card someone must act on before a digest, a digest before an App Home redraw), passing over rows
another worker is claiming (SKIP LOCKED on PostgreSQL), so several threads and processes deliver side by
side without waiting on one another. Every channel keeps Slack's pace of about a message a second, shared
by all of them (services/outbox.py reserve_channel); reports queued for one channel meanwhile go out
together as one board, so a Monday's reports show in seconds however many there are.

Faults: an error no retry can fix (PERMANENT_ERRORS, a render that fails) gives a row up at once;
anything else (Slack down, 5xx, timeouts, resets, 429) is retried with capped backoff and gives it up
only a day after its first attempt (services/outbox.py DEAD_AFTER). An attempt whose outcome is unknown
(a timeout, a reset, a 5xx, a sender killed mid-call) may have posted: every later attempt first looks
for the post by the outbox tag in its metadata (in the thread for a thread reply), a little later than at
once, since Slack's reads lag its writes.
"""

from __future__ import annotations

import enum
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from kit import profiles
from kit.blocks import progress as progress_blocks
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
BOARD = notices.ProgressCard.kind  # the kind whose rows for one channel go out together
BOARD_MAX = progress_blocks.BOARD_MAX
URGENCY = notices.urgencies()
HOME_SPACING = timedelta(seconds=3)
POLL_INTERVAL = 5.0
WORKERS = 4  # delivery threads per process
BATCH = 8  # rows a worker claims at a time: few, so urgent rows queued meanwhile go to a free worker
METADATA_EVENT = "onnuri_outbox"
HISTORY_LOOKBACK = 200  # messages of the channel (or the thread, a page) searched for an earlier post
THREAD_PAGES = 5  # a thread longer than this many pages is searched in its first pages only
DRAIN_NAP = 0.25
MAX_BACKOFF = timedelta(minutes=10)
RETRY_AFTER_CAP = 300  # seconds: a Retry-After beyond this is not believed
LOOKUP_SETTLE = timedelta(seconds=15)  # after an unknown outcome, look for the post no sooner than this
LEASE_MARGIN = timedelta(seconds=5)  # a claim must outlast the call about to be made by this much
POST = "chat.postMessage"
# Errors that no retry can fix: the message is marked dead at once.
PERMANENT_ERRORS = {
    "channel_not_found",
    "user_not_found",
    "is_archived",
    "account_inactive",
    "invalid_blocks",
    "invalid_blocks_format",
    "invalid_metadata_format",
    "invalid_metadata_schema",
    "metadata_too_large",
    "msg_too_long",
    "no_text",
    "too_many_attachments",
    "invalid_arguments",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
    "missing_scope",
    "no_permission",
    "access_denied",
    "ekm_access_denied",
    "team_access_not_granted",
    "restricted_action",
    "restricted_action_read_only_channel",
    "restricted_action_thread_only_channel",
    "restricted_action_non_threadable_channel",
    "restricted_action_thread_locked",
    "cannot_reply_to_message",
    "messages_tab_disabled",
    "cannot_dm_bot",
    "method_not_supported_for_channel_type",  # a private channel the bot was never invited to
    "message_not_found",  # a card someone deleted cannot be redrawn
    "cant_update_message",
    "edit_window_closed",
}
# Errors after which Slack says some of the work may have been done.
UNCERTAIN_ERRORS = {"internal_error", "fatal_error", "service_unavailable"}


@dataclass(frozen=True)
class Failure:
    """What a failed Web API call means for the row."""

    error: str  # recorded as the row's last_error
    permanent: bool = False  # no retry can fix it
    uncertain: bool = False  # Slack may have done it all the same
    retry_after: int | None = None  # rate limited: wait this many seconds (capped)
    unreachable: bool = False  # Slack did not answer at all, or answered that it is unwell

    @classmethod
    def of(cls, error: Exception) -> Failure:
        if not isinstance(error, SlackApiError | OSError):  # an HTTP answer cut short, a library's surprise
            return cls(f"unexpected: {type(error).__name__}", uncertain=True, unreachable=True)
        if isinstance(error, SlackApiError):
            status = error.response.status_code
            code = str(error.response.get("error") or status)
            if status == 429:
                return cls(code, retry_after=_retry_after(error), unreachable=True)
            unwell = status >= 500 or code in UNCERTAIN_ERRORS
            return cls(code, permanent=code in PERMANENT_ERRORS, uncertain=unwell, unreachable=unwell)
        reason = getattr(error, "reason", None)  # urllib wraps what failed in a URLError
        cause = reason if isinstance(reason, BaseException) else error
        # a refused connection or an unknown host never reached Slack; any other break (a timeout, a reset)
        # may have come after Slack took the request
        never_sent = isinstance(cause, (ConnectionRefusedError, socket.gaierror))
        return cls(f"connection: {type(cause).__name__}", uncertain=not never_sent, unreachable=True)


class Lookup(enum.Enum):
    FOUND = "found"  # the post is in Slack: recorded, not posted again
    ABSENT = "absent"  # not there (or Slack would not say): post
    DEFERRED = "deferred"  # Slack could not be asked now: the row is retried later


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    waiting: int = 0
    coalesced: int = 0
    claimed: int = 0
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
        settle: timedelta = LOOKUP_SETTLE,
    ) -> None:
        self.session_factory = session_factory
        self.client = client
        self.org = org
        self.clock = clock  # when rows are due and sent
        self.content_clock = content_clock or clock  # what "now" is in what the messages say
        self.retry_base_seconds = retry_base_seconds
        self.settle = settle
        self.channel_spacing = channel_spacing
        self.home_spacing = home_spacing
        self.calendar = org.calendar
        self.rules = org.rules
        self._wake = wake_event or threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._slack_was_unwell = threading.Event()  # a failure since the last success: retries wait on backoff
        self._alone: set[int] = set()  # reports a board could not carry: each is sent on its own
        self._pass_lock = threading.Lock()  # drain() runs one pass at a time

    def wake(self) -> None:
        self._wake.set()

    def start(self, workers: int = WORKERS) -> None:
        if not self._threads:
            self._stop.clear()
            self._threads = [
                threading.Thread(target=self._run, name=f"outbox-delivery-{n}", daemon=True) for n in range(workers)
            ]
            for thread in self._threads:
                thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before the pass, so a commit during it wakes the next one at once
            try:
                wait = self.deliver_due()
            except Exception:
                log.exception("outbox delivery pass failed")
                wait = POLL_INTERVAL
            self._wake.wait(wait)

    def deliver_due(self, batch: int = BATCH) -> float:
        """One pass over due rows; returns how long the worker may sleep before the next (none while it
        found work: there may be more)."""
        stats = self.deliver_pass(batch)
        if stats.claimed:
            return 0.0
        return min(self._seconds_until_next_due(), POLL_INTERVAL)

    def _seconds_until_next_due(self) -> float:
        with self.session_factory() as session:
            due = outbox.next_due_at(session)
        if due is None:
            return POLL_INTERVAL
        return max(0.0, (due - self.clock()).total_seconds())

    def deliver_pass(self, batch: int = BATCH) -> DeliveryStats:
        stats = DeliveryStats()
        with write_transaction(self.session_factory) as session:
            claimed = outbox.claim_due(session, self.clock(), batch, URGENCY)
        stats.claimed = len(claimed)
        for group in _grouped(claimed, self._alone):
            self._deliver_group(group, stats)
        return stats

    def drain(self, timeout: float = 30.0) -> DeliveryStats:
        """Deliver until no row is pending, waiting out spacing and retries up to `timeout`;
        for the CLI and tests. Rows still pending at the deadline stay queued."""
        total = DeliveryStats()
        deadline = time.monotonic() + timeout
        while True:
            with self._pass_lock:
                stats = self.deliver_pass()
            for name in ("sent", "retried", "dead", "skipped", "waiting", "coalesced", "claimed"):
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

    def _deliver_group(self, group: list[Pending], stats: DeliveryStats) -> None:
        """Rows claimed together for one recipient: one message, once the channel's pace allows."""
        pending, now = group[0], self.clock()
        with write_transaction(self.session_factory) as session:
            busy_until = outbox.reserve_channel(
                session, pending.team_id, _pace_key(pending), now, self._spacing(pending)
            )
            if busy_until is not None:
                for row in group:
                    outbox.release(session, row.id, busy_until, held=row.claimed_until)
            elif pending.kind == BOARD and pending.id not in self._alone:
                group = group + outbox.claim_companions(session, pending, now, BOARD_MAX - len(group))
                group = [p for p in group if p.id not in self._alone or p is pending]
            else:  # older redraws of the same subject: the first one's delivery stands for them (siblings)
                for row in group[1:]:
                    outbox.release(session, row.id, now, held=row.claimed_until)
                group = group[:1]
        if busy_until is not None:
            stats.waiting += len(group)
        elif len(group) > 1:
            self._deliver_board(group, stats)
        else:
            self._deliver_one(pending, stats)

    def _deliver_one(self, pending: Pending, stats: DeliveryStats) -> None:
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
            self._fail(pending, Failure(f"render: {type(error).__name__}", permanent=True), stats)
            return
        if outgoing is None:
            with write_transaction(self.session_factory) as session:
                outbox.skip(session, pending.id, held=pending.claimed_until)
            stats.skipped += 1
            return
        if isinstance(outgoing, notifications.NotYet):
            with write_transaction(self.session_factory) as session:
                outbox.release(session, pending.id, self.clock() + outgoing.delay, held=pending.claimed_until)
            stats.waiting += 1
            return
        if outgoing.method == POST:
            outgoing = _tagged(outgoing, pending)
            # an attempt before may have posted (its answer lost, its sender killed): look before posting again
            if pending.uncertain and self._already_posted(pending, outgoing, stats) is not Lookup.ABSENT:
                return
        kept = self._still_claimed(pending)
        if kept is None:
            log.warning("outbox %s: its claim lapsed before the call; left to the worker that took it", pending.id)
            return
        self._send(kept, outgoing, stats, covered)

    def _already_posted(self, pending: Pending, outgoing: notifications.Outgoing, stats: DeliveryStats) -> Lookup:
        """The post carries its outbox tag in its metadata: find it in the channel's history (a thread reply in
        its thread) and record the one that is there."""
        tag = _outbox_tag(pending)
        try:
            channel = str(outgoing.args["channel"])
            if channel[:1] in ("U", "W"):
                channel = self.client.conversations_open(users=channel)["channel"]["id"]
            thread_ts = outgoing.args.get("thread_ts")
            found = next((m for m in self._messages(channel, thread_ts) if _tag_of(m) == tag), None)
        except (SlackApiError, OSError) as error:
            failure = Failure.of(error)
            if not failure.unreachable:  # Slack answered that it will not say (a scope, a channel): post
                log.info("outbox %s: could not look for an earlier post (%s); posting", pending.id, failure.error)
                return Lookup.ABSENT
            # Slack is unwell: posting now could double a post that went through, so look again later
            self._fail(
                pending, replace(failure, error=f"lookup: {failure.error}", uncertain=True), stats, looks_next=True
            )
            return Lookup.DEFERRED
        if found is None:
            return Lookup.ABSENT
        with write_transaction(self.session_factory) as session:
            outbox.mark_sent(session, pending.id, channel=channel, ts=found.get("ts"))
            if outgoing.on_sent is not None:
                outgoing.on_sent(session, channel, found.get("ts"))
        stats.sent += 1
        log.info("outbox %s was already in Slack; recorded, not posted twice", pending.id)
        return Lookup.FOUND

    def _messages(self, channel: str, thread_ts: str | None):
        """The channel's latest messages, or a thread's messages (replies never show in the history)."""
        if not thread_ts:
            history = self.client.conversations_history(
                channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
            )
            yield from history.get("messages") or []
            return
        cursor = None
        for _ in range(THREAD_PAGES):
            page = self.client.conversations_replies(
                channel=channel, ts=thread_ts, limit=HISTORY_LOOKBACK, include_all_metadata=True, cursor=cursor
            )
            yield from page.get("messages") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return

    def _still_claimed(self, pending: Pending) -> Pending | None:
        """The claim must outlast the call about to be made, or a second worker could take the row while the
        call is in flight; a claim that is short is lengthened, if it is still this worker's. Returns the row
        with its claim as it now stands, or None when another worker may have it."""
        needed = timedelta(seconds=self.client.timeout or 0) + LEASE_MARGIN
        now = self.clock()
        if pending.claimed_until is None or pending.claimed_until - now >= needed:
            return pending
        with write_transaction(self.session_factory) as session:
            extended = outbox.extend_claim(session, pending.id, pending.claimed_until, now + needed)
        return replace(pending, claimed_until=now + needed) if extended else None

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

    def _deliver_board(self, group: list[Pending], stats: DeliveryStats) -> None:
        """Reports queued for one channel, posted as one board; each row records the one message."""
        reader = self._reader(group[0])
        if any(p.uncertain for p in group):  # an earlier board may have carried some of them: record those
            left = self._not_yet_posted(group, stats)
            if left is None or not left:
                return
            group = left
        try:
            with self.session_factory() as session:
                outgoing = notifications.render_board(session, group, reader, self.content_clock(), self.rules)
        except Exception:
            log.exception("outbox %s..%s (a board) could not be rendered; each goes alone", group[0].id, group[-1].id)
            self._alone.update(p.id for p in group)
            with write_transaction(self.session_factory) as session:
                for pending in group:
                    outbox.release(session, pending.id, self.clock(), held=pending.claimed_until)
            return
        if not isinstance(outgoing, notifications.Outgoing):  # the reports are gone
            with write_transaction(self.session_factory) as session:
                for pending in group:
                    outbox.skip(session, pending.id, held=pending.claimed_until)
            stats.skipped += len(group)
            return
        outgoing = _tagged_board(outgoing, group)
        first = self._still_claimed(group[0])
        if first is None:
            return
        group = [first, *group[1:]]
        try:
            response = self._call(outgoing)
        except Exception as error:
            failure = Failure.of(error)
            if failure.permanent:  # the board's layout or one report: each goes on its own, next pass
                self._alone.update(p.id for p in group)
                with write_transaction(self.session_factory) as session:
                    for pending in group:
                        outbox.release(session, pending.id, self.clock(), held=pending.claimed_until)
                return
            for pending in group:
                self._fail(pending, failure, stats, hold_channel=True, looks_next=True)
            return
        with write_transaction(self.session_factory) as session:
            outbox.hold_channel(session, group[0].team_id, _pace_key(group[0]), self.clock() + self.channel_spacing)
            for pending in group:
                outbox.mark_sent(session, pending.id, channel=response.get("channel"), ts=response.get("ts"))
        stats.sent += len(group)
        self._slack_is_back()

    def _not_yet_posted(self, group: list[Pending], stats: DeliveryStats) -> list[Pending] | None:
        """The rows of `group` no message in the channel carries yet (those found are recorded as sent);
        None when Slack cannot be asked now (every row is then retried later)."""
        try:
            found = {tag: m for m in self._messages(group[0].recipient, None) for tag in _tags_of(m)}
        except (SlackApiError, OSError) as error:
            failure = Failure.of(error)
            if not failure.unreachable:
                return group
            for pending in group:
                self._fail(pending, replace(failure, error=f"lookup: {failure.error}", uncertain=True), stats)
            return None
        posted = [p for p in group if _outbox_tag(p) in found]
        if posted:
            with write_transaction(self.session_factory) as session:
                for pending in posted:
                    message = found[_outbox_tag(pending)]
                    outbox.mark_sent(session, pending.id, channel=group[0].recipient, ts=message.get("ts"))
            stats.sent += len(posted)
            log.info("outbox: %d report(s) were already in Slack; recorded, not posted twice", len(posted))
        return [p for p in group if _outbox_tag(p) not in found]

    def _send(
        self, pending: Pending, outgoing: notifications.Outgoing, stats: DeliveryStats, covered: list[int]
    ) -> None:
        try:
            response = self._call(outgoing)
        except Exception as error:
            self._fail(pending, Failure.of(error), stats, hold_channel=True, looks_next=outgoing.method == POST)
            return
        with write_transaction(self.session_factory) as session:
            # the pace counts from when Slack took the message, not from when the slot was reserved
            outbox.hold_channel(session, pending.team_id, _pace_key(pending), self.clock() + self._spacing(pending))
            outbox.mark_sent(session, pending.id, channel=response.get("channel"), ts=response.get("ts"))
            if outgoing.on_sent is not None:
                outgoing.on_sent(session, response.get("channel"), response.get("ts"))
            stats.coalesced += outbox.coalesce(session, covered, self.clock())
        stats.sent += 1
        self._slack_is_back()

    def _slack_is_back(self) -> None:
        """After an outage, what waited out a backoff of up to MAX_BACKOFF goes now, not minutes later."""
        if not self._slack_was_unwell.is_set():
            return
        self._slack_was_unwell.clear()
        now = self.clock()
        with write_transaction(self.session_factory) as session:
            moved = outbox.bring_forward(session, now, now - self.settle)
        if moved:
            log.info("outbox: Slack answers again; %d message(s) waiting on a retry go now", moved)
            self._wake.set()

    def _call(self, outgoing: notifications.Outgoing):
        try:
            return self.client.api_call(outgoing.method, json=outgoing.args)
        except SlackApiError as error:
            if error.response.get("error") != "not_in_channel" or outgoing.method != "chat.postMessage":
                raise
            # A public project channel the bot was never invited to: join it, then post once more.
            self.client.conversations_join(channel=outgoing.args["channel"])
            return self.client.api_call(outgoing.method, json=outgoing.args)

    def _retry_at(self, pending: Pending, failure: Failure, looks_next: bool) -> datetime:
        """Slack's Retry-After (capped) for a 429; else base * 2^(failures - 1), at most MAX_BACKOFF, where 429s
        do not count as failures; when the next attempt looks for the post, no sooner than it can be seen."""
        if failure.retry_after is not None:
            return self.clock() + timedelta(seconds=failure.retry_after)
        failures = max(pending.attempts - pending.rate_limited, 1)
        delay = min(timedelta(seconds=self.retry_base_seconds * 2 ** min(failures - 1, 30)), MAX_BACKOFF)
        if looks_next and failure.uncertain:
            delay = max(delay, self.settle)
        return self.clock() + delay

    def _fail(
        self,
        pending: Pending,
        failure: Failure,
        stats: DeliveryStats,
        *,
        hold_channel: bool = False,
        looks_next: bool = False,
    ) -> None:
        """Records a failed attempt. `hold_channel`: a 429 holds the row's channel too; `looks_next`: the next
        attempt will look for the post, so after an unknown outcome it waits for Slack's reads to catch up."""
        retry_at = None if failure.permanent else self._retry_at(pending, failure, looks_next)
        if failure.unreachable and failure.retry_after is None:
            self._slack_was_unwell.set()
        with write_transaction(self.session_factory) as session:
            if hold_channel and failure.retry_after is not None and retry_at is not None:
                # Slack's Retry-After for a post holds every message to that channel
                outbox.hold_channel(session, pending.team_id, _pace_key(pending), retry_at)
            status = outbox.mark_failed(
                session,
                pending.id,
                error=failure.error,
                retry_at=retry_at,
                uncertain=failure.uncertain,
                rate_limited=failure.retry_after is not None,
                held=pending.claimed_until,
            )
        if status is OutboxStatus.DEAD:
            stats.dead += 1
            log.warning("outbox %s (%s) gave up: %s", pending.id, pending.kind, failure.error)
        else:
            stats.retried += 1
            log.info("outbox %s (%s) will retry at %s: %s", pending.id, pending.kind, retry_at, failure.error)
        stats.errors.append(failure.error)


def _grouped(claimed: list[Pending], alone: set[int] = frozenset()) -> list[list[Pending]]:
    """Claimed rows as messages to send: reports for one channel together (a board), redraws of one subject
    together (one delivery stands for all), every other row alone."""
    groups: dict[object, list[Pending]] = {}
    for pending in claimed:
        prefix = notices.parse(pending.kind, pending.payload).coalescing_prefix(pending.recipient)
        if pending.kind == BOARD and pending.id not in alone:
            key: object = (pending.team_id, pending.recipient)
        elif prefix:
            key = (pending.team_id, pending.kind, pending.recipient, prefix)
        else:
            key = pending.id
        groups.setdefault(key, []).append(pending)
    return list(groups.values())


def _outbox_tag(pending: Pending) -> str:
    return f"{pending.team_id}:{pending.id}"


def _tag_of(message: dict) -> str | None:
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    return payload.get("outbox")


def _tags_of(message: dict) -> set[str]:
    """Every row a message delivered: one, or a board's."""
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    tags = payload.get("rows") if isinstance(payload.get("rows"), list) else []
    return {str(tag) for tag in (payload.get("outbox"), *tags) if tag}


def _tagged_board(outgoing: notifications.Outgoing, group: list[Pending]) -> notifications.Outgoing:
    tags = [_outbox_tag(p) for p in group]
    metadata = {"event_type": METADATA_EVENT, "event_payload": {"outbox": tags[0], "rows": tags}}
    return replace(outgoing, args={**outgoing.args, "metadata": metadata})


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
