"""On PostgreSQL `onnuri run` does the work in a child process: the acks never wait on it, even when it is
killed outright, and a killed child is started again and carries out what was acknowledged meanwhile."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from sqlalchemy import func, select

from bot.fakeslack.payloads import SlackRequests
from models import Project
from models.db import make_engine
from tests.conftest import SIGNING_SECRET
from tests.e2e.test_scheduler_processes import describe, start, wait_until


@pytest.fixture
def pg_url(database_url: str, request) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("the work process runs beside a PostgreSQL database (set TEST_DATABASE_URL)")
    request.getfixturevalue("engine")  # an emptied, migrated database
    return database_url


def children(pid: int) -> list[int]:
    """The work process (started by multiprocessing's spawn_main; not its resource tracker)."""
    found = subprocess.run(["pgrep", "-P", str(pid), "-f", "spawn_main"], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def test_a_work_process_killed_outright_holds_up_no_ack_and_comes_back_to_do_the_work(pg_url, fake_slack, tmp_path):
    bot = start(pg_url, fake_slack.url, tmp_path, "bot", "--no-scheduler")
    try:
        wait_until(lambda: bot.health() is not None, 60, describe(bot))
        slack = SlackRequests(f"http://127.0.0.1:{bot.port}", SIGNING_SECRET, fake=fake_slack)
        wait_until(lambda: children(bot.process.pid), 30, describe(bot))
        [child] = children(bot.process.pid)
        os.kill(child, signal.SIGKILL)  # mid-sleep, as an OOM killer would
        time.sleep(0.5)
        started = time.monotonic()
        replies = [slack.command("/project", f"new 과제 {n} key=K{n}", user_id="U1") for n in range(3)]
        assert [r.status for r in replies] == [200, 200, 200]
        assert time.monotonic() - started < 3  # acknowledged while no work process was there to wake
        for reply in replies:
            fake_slack.wait_for("response_url", lambda c, r=reply: c.params["_key"] == r.response_key, timeout=60)
        engine = make_engine(pg_url)
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Project)) == 3
        engine.dispose()
        assert "the work process stopped" in bot.output()
    finally:
        bot.process.send_signal(signal.SIGTERM)
        try:
            bot.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            bot.kill()
