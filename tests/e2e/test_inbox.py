"""Acknowledged before it is carried out, and never lost: a request is recorded in the inbox and answered at
once; the work runs after, and a process killed in between leaves it to another, which carries it out once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.fakeslack.payloads import SlackRequests
from models import InboxRequest, Project
from models.base import utcnow
from models.db import make_engine
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM
from tests.e2e.test_run_process import free_port

ROOT = Path(__file__).parents[2]
NEWCOMERS = ("U51", "U52", "U53", "U54", "U55")


def test_every_ack_comes_back_while_the_work_is_still_waiting_on_slack(bot):
    for user in NEWCOMERS:
        bot.fake.add_user(user, name=user.lower(), real_name=user, tz="Asia/Seoul", locale="ko-KR", team_id=TEAM)
    bot.fake.delay("users.info", 2.0)  # the work asks Slack who each newcomer is, slowly
    replies = [bot.slack.command("/project", "list", user_id=user) for user in NEWCOMERS]
    assert [r.status for r in replies] == [200] * len(NEWCOMERS)
    # every acknowledgement came back before any of the work could answer
    assert bot.fake.calls_to("response_url") == []
    for reply in replies:
        assert bot.answer(reply, timeout=15)["text"]


def test_a_retried_request_is_carried_out_once(bot):
    first = bot.slack.command("/project", "new 신청사 건립 key=HALL", trigger_id="T-same")
    bot.answer(first)
    again = bot.slack.command("/project", "new 신청사 건립 key=HALL", trigger_id="T-same")
    assert again.status == 200
    bot.settle()
    with bot.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 1
        assert session.scalar(select(func.count()).select_from(InboxRequest)) == 1
    assert len(bot.fake.calls_to("response_url")) == 1


def _start(tmp_path, fake_slack, database_url: str) -> tuple[subprocess.Popen, SlackRequests]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--no-scheduler"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    slack = SlackRequests(f"http://127.0.0.1:{port}", SIGNING_SECRET, fake=fake_slack)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if slack.get("/healthz").status == 200:
                return process, slack
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("onnuri run did not become healthy")


def test_a_process_killed_after_the_ack_leaves_the_work_to_the_next_one(tmp_path, fake_slack):
    database_url = f"sqlite:///{tmp_path / 'inbox.db'}"
    first, slack = _start(tmp_path, fake_slack, database_url)
    fake_slack.delay("users.info", 30.0, times=1)  # the work hangs on Slack; the ack does not
    try:
        reply = slack.command("/project", "new 신청사 건립 key=HALL", user_id="U1")
        assert reply.status == 200
        engine = make_engine(database_url)
        with engine.connect() as conn:
            assert (
                conn.scalar(select(func.count()).select_from(InboxRequest).where(InboxRequest.done_at.is_(None))) == 1
            )
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        with engine.begin() as conn:  # two minutes on: the dead process's claim has lapsed
            conn.execute(update(InboxRequest).values(claimed_until=utcnow()))
            assert conn.scalar(select(func.count()).select_from(Project)) == 0
        second, _ = _start(tmp_path, fake_slack, database_url)
        try:
            answer = fake_slack.wait_for("response_url", lambda c: c.params["_key"] == reply.response_key, timeout=30)
            assert "HALL" in answer[0].params["text"]
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:  # finished just after the answer
                with engine.connect() as conn:
                    if conn.scalar(select(InboxRequest.done_at)) is not None:
                        break
                time.sleep(0.1)
            with engine.connect() as conn:
                assert conn.scalar(select(func.count()).select_from(Project)) == 1
                assert conn.scalar(select(InboxRequest.done_at)) is not None
        finally:
            second.kill()
            second.wait(10)
        engine.dispose()
    finally:
        if first.poll() is None:
            first.kill()
