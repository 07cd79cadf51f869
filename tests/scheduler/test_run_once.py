"""`onnuri scheduler run-once [--at T]` as a real process against the fake Slack: what is due at T is
sent once, a second run sends nothing, two runs at once send nothing twice, an outage is no flood."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from bot.fakeslack.web_api import Call, FakeSlack
from kit.ids import Action
from models import OutboxMessage, OutboxStatus
from models.base import utcnow
from models.db import make_engine, make_session_factory
from scheduler.once import parse_instant
from services import notices, projects, users
from tests.conftest import ADMIN, BOT_TOKEN, TEAM

REGISTERED = datetime(2026, 11, 2, tzinfo=UTC)  # before every period the tests look at
ROOT = Path(__file__).parents[2]
MONDAY = "2026-12-07T10:00+09:00"  # a working Monday in Seoul; the weekly report was due at 10:00
THURSDAY = "2026-12-10T10:00+09:00"  # the same week, after three days without a run
CHANNEL = "C0HALL"
SEOUL_MEMBERS = ("U1", "U2")  # U1 registers the project (its lead), U2 is a member
NEW_YORKER = "U3"  # a member in America/New_York: Monday 10:00 in Seoul is Sunday evening there


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def seed(url: str) -> int:
    """A weekly project with a channel whose members have not reported; the outbox starts empty
    (what registering queued is dropped, so every later Slack call comes from the scheduler)."""
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        with factory.begin() as session:
            for member in SEOUL_MEMBERS:
                users.save_profile(
                    session, TEAM, member, display_name=member.lower(), tz="Asia/Seoul", locale="ko-KR", now=utcnow()
                )
            users.save_profile(
                session, TEAM, NEW_YORKER, display_name="park", tz="America/New_York", locale="en-US", now=utcnow()
            )
            # an admin Onnuri has seen: gets the cross-project digest
            users.save_profile(
                session, TEAM, ADMIN, display_name="admin", tz="Asia/Seoul", locale="ko-KR", now=utcnow()
            )
            info = projects.create(
                session,
                TEAM,
                "U1",
                projects.ProjectDraft(
                    name="신청사 건립", key="HALL", channel_id=CHANNEL, member_ids=["U2", NEW_YORKER]
                ),
                now=REGISTERED,
            )
            session.execute(delete(OutboxMessage))
        return info.id
    finally:
        engine.dispose()


def env_for(url: str, fake: FakeSlack, **extra: str) -> dict[str, str]:
    env = {
        "PATH": "",
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": url,
        "ONNURI_ADMINS": ADMIN,
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def run_once(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "scheduler", "run-once", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=150,
    )


def start_once(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "scheduler", "run-once", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _actions(call: Call) -> set[str]:
    blocks = call.params.get("blocks") or []
    return {
        element.get("action_id", "")
        for block in blocks
        if isinstance(block, dict)
        for element in block.get("elements", [])
        if isinstance(element, dict)
    }


def is_nudge(call: Call) -> bool:
    """A progress nudge: the only message with the snooze button."""
    return call.method == "chat.postMessage" and Action.NUDGE_SNOOZE.value in _actions(call)


def posts(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls if c.method == "chat.postMessage" and c.ok]


def nudges_by_recipient(calls: list[Call]) -> Counter[str]:
    return Counter(str(c.params["channel"]) for c in calls if is_nudge(c) and c.ok)


def outbox(url: str, kind: str | None = None) -> list[OutboxMessage]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if kind is not None:
                query = query.where(OutboxMessage.kind == kind)
            return list(session.scalars(query))
    finally:
        engine.dispose()


def one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    return lines[0]


# -- one run, a second run ----------------------------------------------------------------------


def test_run_once_sends_one_nudge_per_member_and_a_second_run_sends_nothing(db_url, fake_slack, tmp_path):
    seed(db_url)
    env = env_for(db_url, fake_slack)
    first = one_line(run_once("--at", MONDAY, env=env, cwd=tmp_path))
    assert first.startswith("scheduler at 2026-12-07T01:00+00:00: queued nudges 2,"), first
    assert nudges_by_recipient(fake_slack.calls) == Counter({"U1": 1, "U2": 1})  # not U3: Sunday 20:00 for them
    for call in (c for c in fake_slack.calls if is_nudge(c)):
        assert "HALL" in call.params["text"] and call.token == BOT_TOKEN
    rows = outbox(db_url, notices.ProgressNudge.kind)
    assert sorted(r.recipient for r in rows) == ["U1", "U2"]
    assert all(r.status is OutboxStatus.SENT for r in rows)
    slack_calls_after_first = len(fake_slack.calls)
    rows_after_first = len(outbox(db_url))

    second = one_line(run_once("--at", MONDAY, env=env, cwd=tmp_path))
    assert "queued nudges 0, reminders 0, daily 0, digests 0, upkeep 0; sent 0," in second, second
    assert len(fake_slack.calls) == slack_calls_after_first  # not one more call to Slack
    assert len(outbox(db_url)) == rows_after_first  # and not one more row queued


def test_run_once_before_the_due_time_sends_nothing_and_the_run_at_the_due_time_does(db_url, fake_slack, tmp_path):
    seed(db_url)
    env = env_for(db_url, fake_slack)
    early = one_line(run_once("--at", "2026-12-07T09:59+09:00", env=env, cwd=tmp_path))
    assert "queued nudges 0" in early
    assert nudges_by_recipient(fake_slack.calls) == Counter()
    # A time without an offset is read in ONNURI_TIMEZONE (Asia/Seoul): 10:30 there, due.
    late = one_line(run_once("--at", "2026-12-07T10:30", env=env, cwd=tmp_path))
    assert late.startswith("scheduler at 2026-12-07T01:30+00:00: queued nudges 2"), late
    assert nudges_by_recipient(fake_slack.calls) == Counter({"U1": 1, "U2": 1})


def test_run_once_nudges_the_new_yorker_at_ten_in_new_york(db_url, fake_slack, tmp_path):
    seed(db_url)
    env = env_for(db_url, fake_slack)
    one_line(run_once("--at", MONDAY, env=env, cwd=tmp_path))
    assert nudges_by_recipient(fake_slack.calls)[NEW_YORKER] == 0
    # Monday 10:00 in New York (EST, UTC-5) is 15:00 UTC
    line = one_line(run_once("--at", "2026-12-07T10:00-05:00", env=env, cwd=tmp_path))
    assert "queued nudges 1" in line, line
    assert nudges_by_recipient(fake_slack.calls) == Counter({"U1": 1, "U2": 1, NEW_YORKER: 1})


# -- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("at", ["nonsense", "2026-13-45T10:00", "next monday"])
def test_run_once_with_a_bad_instant_exits_2_in_one_line_and_sends_nothing(db_url, fake_slack, tmp_path, at):
    seed(db_url)
    result = run_once("--at", at, env=env_for(db_url, fake_slack), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("onnuri: --at:"), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert posts(fake_slack) == [] and outbox(db_url) == []


def test_run_once_without_a_token_exits_2_naming_the_variable(db_url, fake_slack, tmp_path):
    seed(db_url)
    result = run_once("--at", MONDAY, env=env_for(db_url, fake_slack, SLACK_BOT_TOKEN=None), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("onnuri: SLACK_BOT_TOKEN")
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_once_without_a_token_loses_no_nudge(db_url, fake_slack, tmp_path):
    seed(db_url)
    run_once("--at", MONDAY, env=env_for(db_url, fake_slack, SLACK_BOT_TOKEN=None), cwd=tmp_path)
    assert not [r for r in outbox(db_url) if r.status is OutboxStatus.DEAD]
    one_line(run_once("--at", MONDAY, env=env_for(db_url, fake_slack), cwd=tmp_path))
    assert nudges_by_recipient(fake_slack.calls) == Counter({"U1": 1, "U2": 1})


def test_parse_instant_reads_offsets_and_the_default_zone():
    assert parse_instant(MONDAY, "Asia/Seoul").isoformat() == "2026-12-07T01:00:00+00:00"
    assert parse_instant("2026-12-07T10:00", "America/New_York").isoformat() == "2026-12-07T15:00:00+00:00"
    assert parse_instant("2026-12-07T01:00Z", "Asia/Seoul").isoformat() == "2026-12-07T01:00:00+00:00"


# -- two runs at once (PostgreSQL) --------------------------------------------------------------


def test_two_run_once_processes_at_the_same_instant_send_each_nudge_exactly_once(db_url, fake_slack, tmp_path):
    if not is_postgres(db_url):
        pytest.skip("two processes at once need PostgreSQL (set TEST_DATABASE_URL)")
    seed(db_url)
    env = env_for(db_url, fake_slack)
    # Slack answers slowly, so both processes are still delivering while the other one is.
    fake_slack.delay("chat.postMessage", 0.2)
    started = [start_once("--at", MONDAY, env=env, cwd=tmp_path) for _ in range(2)]
    outputs = []
    try:
        for process in started:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            outputs.append(out.strip())
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert nudges_by_recipient(fake_slack.calls) == Counter({"U1": 1, "U2": 1}), outputs
    # every message of any kind reached Slack once (digests included)
    per_message = Counter((str(c.params["channel"]), str(c.params.get("text"))) for c in posts(fake_slack))
    assert all(n == 1 for n in per_message.values()), per_message
    queued = [_count(line, "nudges") for line in outputs]
    assert sum(queued) == 2, outputs  # the rows were queued once between them
    rows = outbox(db_url, notices.ProgressNudge.kind)  # gathered into each person's one DM of the day
    assert len(rows) == 2 and all(r.status is OutboxStatus.SENT for r in rows)
    daily = outbox(db_url, notices.DailyNudges.kind)
    assert len(daily) == 2 and all(r.status is OutboxStatus.SENT and r.attempts == 1 for r in daily)


def _count(line: str, name: str) -> int:
    after = line.split(f"{name} ", 1)[1]
    return int(after.split(",")[0].split(";")[0])


# -- an outage ----------------------------------------------------------------------------------


def _by_kind(url: str) -> dict[str, list[Any]]:
    rows: dict[str, list[Any]] = {}
    for row in outbox(url):
        rows.setdefault(row.kind, []).append((row.recipient, row.dedupe_key))
    return rows


def test_outage_of_three_days_then_one_run_sends_each_digest_and_nudge_at_most_once(db_url, fake_slack, tmp_path):
    seed(db_url)
    env = env_for(db_url, fake_slack)
    one_line(run_once("--at", MONDAY, env=env, cwd=tmp_path))
    monday_calls = posts(fake_slack)
    assert nudges_by_recipient(monday_calls) == Counter({"U1": 1, "U2": 1})
    before = _by_kind(db_url)
    assert len(before.get("digest.project", [])) == 1  # this week's project digest, queued once
    assert len(before.get("digest.cross", [])) == 1  # and the admin's cross-project one

    # Nothing runs Tuesday, Wednesday or Thursday morning; then one run at Thursday 10:00.
    thursday = one_line(run_once("--at", THURSDAY, env=env, cwd=tmp_path))
    after = _by_kind(db_url)
    thursday_calls = posts(fake_slack)[len(monday_calls) :]

    # The digests of this week are not queued or sent again.
    assert after.get("digest.project") == before.get("digest.project")
    assert after.get("digest.cross") == before.get("digest.cross")
    assert [c for c in thursday_calls if c.params["channel"] in (CHANNEL, ADMIN)] == [], thursday
    channel_posts = [c for c in posts(fake_slack) if c.params["channel"] == CHANNEL]
    assert len(channel_posts) <= 1

    # One more nudge each (the gentle second one), not one for every day missed.
    # (Thursday 10:00 in Seoul is Wednesday 20:00 in New York: quiet hours, so not U3.)
    assert nudges_by_recipient(thursday_calls) == Counter({"U1": 1, "U2": 1}), thursday
    total = nudges_by_recipient(posts(fake_slack))
    assert all(count <= 2 for count in total.values()), total
    stages = Counter((r.recipient, r.payload.get("stage")) for r in outbox(db_url, notices.ProgressNudge.kind))
    assert all(n == 1 for n in stages.values()), stages  # each (member, stage) queued once
    assert {stage for (member, stage) in stages if member in SEOUL_MEMBERS} == {1, 2}

    # A third run the same morning changes nothing.
    calls_before = len(fake_slack.calls)
    again = one_line(run_once("--at", THURSDAY, env=env, cwd=tmp_path))
    assert "sent 0," in again and len(fake_slack.calls) == calls_before, again


def test_outage_across_a_week_sends_no_stale_digest(db_url, fake_slack, tmp_path):
    """Down from Monday of week 1 to Thursday of week 2: week 1's digest once, week 2's not on Thursday
    (a digest of last week belongs to the week's first working day), nothing for the week missed between."""
    seed(db_url)
    env = env_for(db_url, fake_slack)
    one_line(run_once("--at", MONDAY, env=env, cwd=tmp_path))
    one_line(run_once("--at", "2026-12-17T10:00+09:00", env=env, cwd=tmp_path))
    keys = sorted(key for _, key in _by_kind(db_url).get("digest.project", []))
    assert [k.rsplit(":", 1)[1] for k in keys] == ["2026-12-07"]
    # a project digest reaches its channel at most once a week
    assert len([c for c in posts(fake_slack) if c.params["channel"] == CHANNEL]) <= 2
    # week 2 gets at most a first nudge each; week 1's unsent second nudge is not sent late
    week2 = [r for r in outbox(db_url, notices.ProgressNudge.kind) if r.payload.get("period_start") == "2026-12-14"]
    assert sorted((r.recipient, r.payload.get("stage")) for r in week2 if r.recipient in SEOUL_MEMBERS) == [
        ("U1", 1),
        ("U2", 1),
    ]
    week1 = [r for r in outbox(db_url, notices.ProgressNudge.kind) if r.payload.get("period_start") == "2026-12-07"]
    assert sorted(r.recipient for r in week1) == ["U1", "U2"]


def test_run_once_when_nothing_is_due_queues_and_sends_nothing_quickly(db_url, fake_slack, tmp_path):
    seed(db_url)
    started = time.monotonic()
    # Monday 08:59 in Seoul: this week's digest is due at 09:00 and the report at 10:00
    line = one_line(run_once("--at", "2026-12-07T08:59+09:00", env=env_for(db_url, fake_slack), cwd=tmp_path))
    assert "queued nudges 0, reminders 0, daily 0, digests 0, upkeep 0; sent 0, failed 0, still queued 0" in line, line
    assert posts(fake_slack) == [] and outbox(db_url) == []
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("at", ["2026-12-08T03:00+09:00", "2026-12-12T10:00+09:00"], ids=["tuesday-3am", "saturday"])
def test_project_digest_missed_on_monday_is_not_posted_in_quiet_hours_or_on_a_weekend(db_url, fake_slack, tmp_path, at):
    """The digest names who has not reported and mentions approvers and assignees: after an outage it
    waits for working time in the project's zone, like every other scheduled message."""
    seed(db_url)
    env = env_for(db_url, fake_slack)
    line = one_line(run_once("--at", at, env=env, cwd=tmp_path))
    assert [c for c in posts(fake_slack) if c.params["channel"] == CHANNEL] == [], line


def test_run_once_says_what_it_could_not_deliver_when_slack_is_down(db_url, fake_slack, monkeypatch):
    """In-process, with a short drain: the summary accounts for every row it leaves undelivered."""
    from bot import compose
    from bot.settings import Settings
    from scheduler import once

    seed(db_url)
    monkeypatch.setattr(once, "DRAIN_SECONDS", 2.0)  # the CLI waits 120 s; the outcome is the same
    fake_slack.fail("chat.postMessage", status=500, times=1000)
    settings = Settings(
        slack_bot_token=BOT_TOKEN, slack_api_url=fake_slack.url, database_url=db_url, admins=frozenset({ADMIN})
    )
    engine = compose.database(settings)
    try:
        now = once.parse_instant(MONDAY, settings.timezone)
        factory = make_session_factory(engine)
        line = once.run_once(factory, compose.client(settings, retries=False), compose.organisation(settings), now)
    finally:
        engine.dispose()
    pending = [r for r in outbox(db_url) if r.status is OutboxStatus.PENDING]
    assert len(pending) == 4  # two nudges and two digests, none delivered yet (they will be, later)
    delivery = line.split(";", 1)[1]  # "sent 0, failed 0, still queued 0": the four rows left are not in it
    assert sum(int(n) for n in re.findall(r"\d+", delivery)) >= len(pending), line
