"""`onnuri scheduler run-once --at` an instant a week ahead, against the database of a running bot: the
run-once decides what is due as of that instant, but paces and sends by the real clock, so the live bot's
next progress card still reaches its channel within seconds (before, the run-once's pace holds, written a
week ahead, silenced the channel until then)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.fakeslack.payloads import SlackRequests
from models import OutboxChannel
from models.db import make_engine
from tests.conftest import SIGNING_SECRET
from tests.e2e.test_scheduler_processes import describe, start, wait_until
from tests.scheduler.test_run_once import CHANNEL, env_for, one_line, run_once, seed

CARD_WITHIN = 10.0  # seconds: a progress card shows in its channel at once, not next week


def next_monday_ten() -> str:
    """The coming Monday (at least five days ahead) at 10:00 in Seoul, as the README suggests for --at."""
    today = datetime.now(ZoneInfo("Asia/Seoul")).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    if (monday - today).days < 5:
        monday += timedelta(days=7)
    return f"{monday.isoformat()}T10:00+09:00"


def holds(url: str) -> list[datetime]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(select(OutboxChannel.not_before))]
    finally:
        engine.dispose()


def card_arrives(fake, slack: SlackRequests, started: float) -> float:
    reply = slack.command("/progress", "HALL 40% 실시설계 착수", user_id="U2")
    assert reply.status == 200
    fake.wait_for(
        "chat.postMessage",
        lambda c: c.params.get("channel") == CHANNEL and "실시설계 착수" in str(c.params.get("blocks")),
        timeout=CARD_WITHIN,
    )
    return time.monotonic() - started


def _run_beside(db_url: str, fake_slack, tmp_path, processes: int) -> None:
    seed(db_url)
    bots = [start(db_url, fake_slack.url, tmp_path, f"live{n}", "--no-scheduler") for n in range(processes)]
    try:
        for bot in bots:
            wait_until(lambda bot=bot: bot.health() is not None, timeout=30, describe=describe(bot))
        line = one_line(run_once("--at", next_monday_ten(), env=env_for(db_url, fake_slack), cwd=tmp_path))
        assert "sent" in line
        assert fake_slack.calls_to("chat.postMessage"), "the run-once should have sent its nudges and digest"
        # every pace hold is a few seconds from now, whatever instant the run-once ran as
        now = datetime.now(UTC)
        assert all(hold < now + timedelta(minutes=1) for hold in holds(db_url)), holds(db_url)
        for bot in bots:
            slack = SlackRequests(f"http://127.0.0.1:{bot.port}", SIGNING_SECRET, fake=fake_slack, team_id="T1")
            took = card_arrives(fake_slack, slack, time.monotonic())
            assert took < CARD_WITHIN
            fake_slack.reset()
    finally:
        for bot in bots:
            bot.kill()
    for bot in bots:
        assert "Traceback" not in bot.output(), bot.output()


def test_a_run_once_a_week_ahead_does_not_silence_the_live_bots_channel(db_url, fake_slack, tmp_path):
    _run_beside(db_url, fake_slack, tmp_path, processes=1)


def test_two_live_processes_on_postgresql_keep_posting_after_a_run_once_a_week_ahead(db_url, fake_slack, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("two live processes on one database need PostgreSQL (set TEST_DATABASE_URL)")
    _run_beside(db_url, fake_slack, tmp_path, processes=2)


def test_a_hold_beyond_its_cap_is_ignored_and_said(session_factory, caplog):
    from models.db import write_transaction
    from services import outbox

    now = datetime.now(UTC)
    with write_transaction(session_factory) as s:
        s.add(OutboxChannel(team_id="T1", channel="C9", not_before=now + timedelta(days=11)))
    with write_transaction(session_factory) as s:
        assert outbox.reserve_channel(s, "T1", "C9", now, timedelta(seconds=1)) is None
    assert "held beyond" in caplog.text
    with write_transaction(session_factory) as s:
        outbox.hold_channel(s, "T1", "C9", now + timedelta(days=3))  # a Retry-After nobody should believe
    with session_factory() as s:
        assert s.scalar(select(OutboxChannel.not_before)) <= datetime.now(UTC) + outbox.PACE_CAP
